"""Background jobs on RQ (or in-process when no Redis is configured)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    pass
