"""Outgoing e-mail: SMTP, or an outbox folder in development.

Public API: ``send_mail(to, subject, template, locale=..., context=...)``.
"""

from __future__ import annotations

from flask import Flask

from kringwerk.mail.services import send_mail

__all__ = ["init_app", "send_mail"]


def init_app(app: Flask) -> None:
    pass
