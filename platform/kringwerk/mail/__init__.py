"""Outgoing e-mail: SMTP, or an outbox folder in development.

Public API: ``send_mail(to, subject, template, locale=..., context=...,
idempotency_key=...)``: composed at once in the recipient's language, delivered
by a job after the commit (see ``mail.services``); ``send_mail_now`` for a job
that must know whether each message went out (raises ``MailError``).
"""

from __future__ import annotations

from flask import Flask

from kringwerk.mail.services import MailError, send_mail, send_mail_now

__all__ = ["MailError", "init_app", "send_mail", "send_mail_now"]


def init_app(app: Flask) -> None:
    from kringwerk.mail import models  # noqa: F401 - SentMail joins the metadata
