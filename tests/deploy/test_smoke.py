"""deploy/smoke.sh, run as CI runs it: PostgreSQL, Redis, an SMTP sink, gunicorn behind
nginx and `kringwerk worker` from this machine's packages, the demo loaded, the main
pages and one flow per plugin walked over HTTP through nginx.

It is a test rather than a make target of its own so that `make test` (pytest -n 2) runs
it beside the rest of the suite on the other worker, and a failure shows in the same
report with the script's logs. Without nginx it is skipped on a developer's machine and
fails in CI (CI=true), where `make system-deps` installs it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _nginx() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)


def test_the_smoke_run_through_nginx_passes():
    if _nginx() is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is missing: `make system-deps` installs it")
        pytest.skip("nginx is not installed (make system-deps installs it)")
    environment = {
        key: value
        for key, value in os.environ.items()
        # The smoke run makes its own services; settings of the shell or the suite stay out.
        if not key.startswith(("KRINGWERK_", "DATABASE_URL", "REDIS_URL", "SMTP_URL", "BASE_URL", "STRIPE_"))
    }
    environment["KRINGWERK_VENV"] = str(Path(sys.executable).parent.parent)
    # Its own process group: should it hang past the timeout, the whole group goes, so no
    # server it started outlives the test.
    process = subprocess.Popen(
        ["bash", str(ROOT / "deploy" / "smoke.sh")],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=400)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=60)
        pytest.fail(f"deploy/smoke.sh took longer than 400 s:\n{stderr[-8000:]}")
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    assert result.returncode == 0, (
        f"deploy/smoke.sh failed:\n{result.stderr[-8000:]}\n{result.stdout[-2000:]}"
    )
    assert "[walk] all" in result.stderr and "passed" in result.stderr


def test_the_walk_fails_loudly_when_nothing_answers(tmp_path):
    """What smoke.sh relies on: the walk exits non-zero, naming the step, at the first miss."""
    from tests.support.services import free_port

    (tmp_path / "demo.log").write_text("")
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "deploy" / "smoke_walk.py"),
            "--base",
            f"http://127.0.0.1:{free_port()}",
            "--maildir",
            str(tmp_path / "mail"),
            "--demo-log",
            str(tmp_path / "demo.log"),
            "--static",
            str(ROOT / "platform" / "kringwerk" / "static"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "[walk] FAIL nginx, static files and health check" in result.stderr
