"""Outgoing e-mail: SMTP, or an outbox folder in development."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    pass
