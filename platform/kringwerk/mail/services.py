"""Composing and delivering e-mail.

``send_mail`` renders ``templates/emails/<template>.txt`` (and ``.html`` when
present) in the recipient's language and hands the message to ``deliver``:
over SMTP when ``SMTP_URL`` is set, otherwise into the outbox folder.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    text: str
    html: str | None = None
    locale: str = "nl"

    def as_dict(self) -> dict:
        return asdict(self)


def compose(
    to: str, subject, template: str, *, locale: str | None = None, context: dict | None = None
) -> OutgoingMail:
    """Render the message in ``locale`` (the recipient's language)."""
    locale = (
        locale if locale in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]
    )
    context = {**(context or {}), "base_url": current_app.config["BASE_URL"], "locale": locale}
    with force_locale(locale):
        subject_text = str(subject)
        text = render_template(f"emails/{template}.txt", subject=subject_text, **context)
        try:
            html = render_template(f"emails/{template}.html", subject=subject_text, **context)
        except TemplateNotFound:
            html = None
    return OutgoingMail(to=to, subject=subject_text, text=text, html=html, locale=locale)


def send_mail(
    to: str, subject, template: str, *, locale: str | None = None, context: dict | None = None
) -> OutgoingMail:
    """Compose and deliver one message."""
    mail = compose(to, subject, template, locale=locale, context=context)
    deliver(mail)
    return mail


def to_message(mail: OutgoingMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="kringwerk")
    message["Content-Language"] = mail.locale
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    return message


def deliver(mail: OutgoingMail) -> None:
    message = to_message(mail)
    smtp_url = current_app.config["SMTP_URL"]
    if smtp_url:
        _send_smtp(smtp_url, message)
    else:
        _write_outbox(message)


def _send_smtp(smtp_url: str, message: EmailMessage) -> None:
    """``smtp://host:port`` (plain), ``smtp+starttls://`` or ``smtps://``, with optional user:password@."""
    parts = urlsplit(smtp_url)
    implicit_tls = parts.scheme == "smtps"
    port = parts.port or (465 if implicit_tls else 587 if parts.scheme == "smtp+starttls" else 25)
    smtp_class = smtplib.SMTP_SSL if implicit_tls else smtplib.SMTP
    with smtp_class(parts.hostname, port, timeout=30) as smtp:
        if parts.scheme == "smtp+starttls":
            smtp.starttls(context=ssl.create_default_context())
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(message)


def _write_outbox(message: EmailMessage) -> Path:
    outbox = Path(current_app.config["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    name = message["Message-ID"].strip("<>").replace("@", "_").replace("/", "_")
    path = outbox / f"{name}.eml"
    path.write_bytes(message.as_bytes())
    current_app.logger.info("mail to %s written to %s (no SMTP_URL set)", message["To"], path)
    return path
