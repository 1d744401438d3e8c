"""platform/ is a source root, not a package: `import platform` from the
repository root must still give the standard library's module (Flask,
SQLAlchemy and others call platform.system() and friends)."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_platform_is_not_a_package():
    assert (ROOT / "platform" / "kringwerk").is_dir()
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_import_platform_from_the_repository_root_gives_the_standard_library():
    python = ROOT / ".venv" / "bin" / "python"
    result = subprocess.run(
        [
            str(python if python.exists() else sys.executable),
            "-c",
            "import platform, sys; print(platform.__file__)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    imported = Path(result.stdout.strip()).resolve()
    assert imported.name == "platform.py"
    assert imported.parent == Path(sysconfig.get_paths()["stdlib"]).resolve()
    assert ROOT not in imported.parents
