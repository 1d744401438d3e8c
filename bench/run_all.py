"""Run every benchmark in bench/ in turn: ``make bench``."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    # bench/http.py shares its name with the standard library's http: keep bench/ off the path.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    sys.path.insert(0, str(HERE.parent))
    for script in sorted(HERE.glob("*.py")):
        if script.name in {"run_all.py", "common.py", "__init__.py", "bare_app.py"}:
            continue
        print(f"=== {script.name}")
        runpy.run_path(str(script), run_name="__main__")
