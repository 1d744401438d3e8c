"""The bare Flask page of ``bench/http.py``: the same small template as
``bench.common.baseline_ms`` (25 rows, compiled once per process), served by gunicorn
beside the app so every HTTP figure has a ratio measured in the same run.

    gunicorn --config deploy/gunicorn.conf.py bench.bare_app:app
"""

from __future__ import annotations

from bench.common import bare_app

app = bare_app()
