"""The bare Flask page of ``bench/http.py``: the same small template as
``bench.common.baseline_ms`` (25 rows), served by gunicorn beside the app so every
HTTP figure has a ratio measured in the same run.

    gunicorn --config deploy/gunicorn.conf.py bench.bare_app:app
"""

from __future__ import annotations

from flask import Flask, render_template_string

ROWS = "<ul>{% for r in rows %}<li>{{ r.name }} - {{ r.city }}</li>{% endfor %}</ul>"

app = Flask("baseline")


@app.get("/")
def page():
    rows = [{"name": f"Bedrijf {i}", "city": "Lochem"} for i in range(25)]
    return render_template_string(ROWS, rows=rows)
