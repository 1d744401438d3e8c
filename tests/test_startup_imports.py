"""A web worker starts without the libraries only exports, uploads and billing use
(python-docx with lxml, Pillow, Stripe's SDK, WeasyPrint): together about 15 MB per
worker that never exports a Word file, takes an upload or talks to Stripe (issue 15).
Those modules import them inside the functions that need them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("docx", "lxml", "PIL", "stripe", "weasyprint")

PROGRAM = """
import json, sys
from kringwerk.app import create_app
import kringwerk.plugin_api
app = create_app()
with app.test_request_context("/"):
    pass
print(json.dumps({"loaded": sorted(name for name in HEAVY if name in sys.modules)}))
""".replace("HEAVY", repr(HEAVY))


def _run(program: str) -> dict:
    python = ROOT / ".venv" / "bin" / "python"
    env = {**os.environ, "KRINGWERK_ENV": "development"}
    result = subprocess.run(
        [str(python if python.exists() else sys.executable), "-c", program],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env=env,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_creating_the_app_does_not_import_the_export_upload_and_billing_libraries():
    assert _run(PROGRAM)["loaded"] == []


def test_the_libraries_still_load_where_they_are_used():
    # The same check sees them once a function that needs them runs, so the test above
    # cannot pass merely because the check is blind.
    program = PROGRAM.replace(
        "print(json.dumps(",
        "from kringwerk.documents.filetypes import detect\n"
        "detect(b'\\x89PNG\\r\\n\\x1a\\n' + bytes(40))\n"
        "print(json.dumps(",
    )
    assert "PIL" in _run(program)["loaded"]
