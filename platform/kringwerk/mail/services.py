"""Composing and delivering e-mail.

``send_mail`` renders ``templates/emails/<template>.txt`` (and ``.html`` when
present) right away, in the caller's request and the recipient's language, and
enqueues its delivery as a job (sent after the commit, like every job: call
``send_mail``, then ``db.session.commit()``). The job hands the message to
``deliver``: over SMTP when ``SMTP_URL`` is set (``smtp://``, ``smtp+starttls://``
or ``smtps://``, with optional ``user:password@``), otherwise into the outbox
folder. Each delivery is recorded (``SentMail``) under a key, so a retried or
duplicated job never sends a message twice; pass ``idempotency_key`` to make
two calls for the same thing (``f"invitation-{invitation.id}"``) one message.

A job that sends many messages and must know which went out (invitations)
calls ``send_mail_now`` instead: it delivers at once and raises ``MailError``
when it could not, leaving no record. A subject is one line: line breaks in it
(a title someone typed) become spaces, so they can never add a header.

At most once: a delivery is claimed before the message is handed to the SMTP
server (the delivery job commits its ``SentMail`` row first; ``send_mail_now``,
whose row commits with its caller, claims the attempt in Redis). A refusal or an
unreachable server gives the claim back, so the retry sends it; a worker killed
between the claim and the server's answer leaves the claim, so the mail is never
sent a second time (it may have gone out, or not: people forgive a missing mail
sooner than the same one twice; the retry logs that it found the claim).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import smtplib
import ssl
import uuid
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from kringwerk.extensions import db, utcnow
from kringwerk.mail.models import SentMail
from kringwerk.tenancy.context import current_tenant_id

log = logging.getLogger("kringwerk.mail")

# Every line break a header could be split on (email's splitlines() set).
LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


class MailError(RuntimeError):
    """A message could not be delivered now (the SMTP server refused it or is unreachable)."""


class DeliveryUncertain(Exception):
    """The connection broke after the message was handed over, before the server
    answered: it may have gone out. Never sent again (at most once)."""


def one_line(text: str) -> str:
    """A header value on one line: every line break becomes a space."""
    return LINE_BREAKS.sub(" ", text)


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    text: str
    html: str | None = None
    locale: str = "nl"
    # Fixed when composing, so every attempt to deliver sends the same message.
    message_id: str | None = None
    # Files sent along: {"filename", "content_type", "data" (base64)}, JSON-safe for the job.
    attachments: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def attachment(filename: str, content_type: str, data: bytes) -> dict:
    """A file to send along with a mail (``send_mail(..., attachments=[...])``)."""
    return {
        "filename": filename,
        "content_type": content_type,
        "data": base64.b64encode(data).decode("ascii"),
    }


def compose(
    to: str,
    subject,
    template: str,
    *,
    locale: str | None = None,
    context: dict | None = None,
    attachments: list[dict] | tuple[dict, ...] = (),
) -> OutgoingMail:
    """Render the message in ``locale`` (the recipient's language)."""
    locale = (
        locale if locale in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]
    )
    context = {**(context or {}), "base_url": current_app.config["BASE_URL"], "locale": locale}
    with force_locale(locale):
        subject_text = one_line(str(subject))
        text = render_template(f"emails/{template}.txt", subject=subject_text, **context)
        try:
            html = render_template(f"emails/{template}.html", subject=subject_text, **context)
        except TemplateNotFound:
            html = None
    return OutgoingMail(
        to=to,
        subject=subject_text,
        text=text,
        html=html,
        locale=locale,
        message_id=make_msgid(domain="kringwerk"),
        attachments=list(attachments),
    )


def send_mail(
    to: str,
    subject,
    template: str,
    *,
    locale: str | None = None,
    context: dict | None = None,
    idempotency_key: str | None = None,
    attachments: list[dict] | tuple[dict, ...] = (),
) -> OutgoingMail:
    """Compose one message now and deliver it through a job after the commit.

    With ``idempotency_key`` the message is delivered at most once per key (and
    tenant): a second call with a key already delivered is dropped. ``attachments``
    are made with ``attachment(filename, content_type, data)``.
    """
    from kringwerk.jobs import enqueue
    from kringwerk.mail.jobs import deliver_mail

    mail = compose(to, subject, template, locale=locale, context=context, attachments=attachments)
    key = delivery_key(idempotency_key)
    if idempotency_key is not None and was_sent(key):
        log.info("mail %s to %s was sent before; not sending it again", key, to)
        return mail
    enqueue(deliver_mail, mail.as_dict(), key, description=f"mail {template} to {to}")
    return mail


def send_mail_now(
    to: str,
    subject,
    template: str,
    *,
    locale: str | None = None,
    context: dict | None = None,
    idempotency_key: str,
) -> bool:
    """Compose and deliver one message at once, for a job that counts what went out.

    True when it was delivered now, False when ``idempotency_key`` was delivered (or
    an earlier attempt was stopped while sending it: at most once, see the module
    docstring). Raises ``MailError`` when the delivery failed: its record is rolled
    back (in a savepoint), the rest of the caller's transaction is kept.
    """
    mail = compose(to, subject, template, locale=locale, context=context)
    key = delivery_key(idempotency_key)
    if was_sent(key):
        log.info("mail %s to %s was sent before; not sending it again", key, to)
        return False
    if not _claim_attempt(key):
        log.warning(
            "mail %s to %s: an earlier attempt stopped while sending it; not sent again (at most once)",
            key,
            to,
        )
        _record(key, to, mail.subject)  # it counts as gone out from now on, in the database too
        return False
    try:
        with db.session.begin_nested():
            # Flushed before sending, so a concurrent duplicate waits on the unique key.
            db.session.add(SentMail(key=key, to=to, subject=mail.subject[:500], sent_at=utcnow()))
            db.session.flush()
            deliver(mail)
    except IntegrityError:
        log.info("mail %s to %s is being delivered by another job; not sending it again", key, to)
        return False
    except DeliveryUncertain as error:
        log.warning("mail %s to %s may have gone out (%s); counted as sent, never sent again", key, to, error)
        _record(key, to, mail.subject)
        return True
    except (OSError, smtplib.SMTPException, ValueError) as error:
        log.warning("mail %s to %s could not be delivered: %s", key, to, error)
        _release_attempt(key)
        raise MailError(str(error)) from error
    return True


# The record of a send_mail_now delivery commits with the caller's transaction, which
# may be a savepoint of a batch; a worker killed after the send would roll it back. The
# attempt is therefore also claimed in Redis, outside any transaction, before sending.
ATTEMPT_PREFIX = "kringwerk:mail-attempt"
ATTEMPT_TTL = 30 * 24 * 3600  # longer than every retry and the failed job's life


def _claim_attempt(key: str) -> bool:
    """False when an earlier attempt claimed ``key`` and never recorded it (it may have
    sent it). Always True when jobs run in-process (no Redis: no retries either)."""
    if current_app.config["JOBS_IN_PROCESS"]:
        return True
    from redis.exceptions import RedisError

    from kringwerk.jobs.queue import redis_connection

    try:
        return bool(redis_connection().set(f"{ATTEMPT_PREFIX}:{key}", 1, nx=True, ex=ATTEMPT_TTL))
    except (RedisError, OSError) as error:
        raise MailError(f"the job queue (Redis) is unreachable: {error}") from error


def _record(key: str, to: str, subject: str) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(SentMail(key=key, to=to, subject=subject[:500], sent_at=utcnow()))
    except IntegrityError:
        pass  # recorded by another attempt meanwhile


def _release_attempt(key: str) -> None:
    """The server refused the message or could not be reached: nothing went out."""
    if current_app.config["JOBS_IN_PROCESS"]:
        return
    from kringwerk.jobs.queue import redis_connection

    try:
        redis_connection().delete(f"{ATTEMPT_PREFIX}:{key}")
    except Exception:  # the claim expires; the mail then waits for its next retry
        log.exception("could not release the delivery attempt of mail %s", key)


def claim_delivery(key: str, to: str, subject: str) -> bool:
    """Commit the delivery record of ``key`` before sending: False when it exists
    (delivered, or claimed by a delivery that may have gone out). Commits the session."""
    db.session.add(SentMail(key=key, to=to, subject=subject[:500], sent_at=utcnow()))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def release_delivery(key: str) -> None:
    """The server refused the message or could not be reached: nothing went out, so the
    claim goes and a retry may send it. Commits the session."""
    db.session.execute(delete(SentMail).where(SentMail.key == key))
    db.session.commit()


def delivery_key(idempotency_key: str | None = None) -> str:
    """The stored key: the tenant in scope, then the caller's key (or a fresh one)."""
    tenant_id = current_tenant_id()
    scope = f"t{tenant_id}" if tenant_id is not None else "platform"
    if idempotency_key is None:
        return f"{scope}:auto-{uuid.uuid4().hex}"
    key = f"{scope}:{idempotency_key}"
    if len(key) > 255:
        key = f"{scope}:sha256-{hashlib.sha256(idempotency_key.encode()).hexdigest()}"
    return key


def was_sent(key: str) -> bool:
    return db.session.scalar(select(SentMail.id).where(SentMail.key == key)) is not None


def forget_recipient(email: str) -> int:
    """AVG erasure: drop the delivery records of ``email``."""
    result = db.session.execute(delete(SentMail).where(SentMail.to == email))
    return result.rowcount or 0


def to_message(mail: OutgoingMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = one_line(mail.to)
    message["Subject"] = one_line(mail.subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = mail.message_id or make_msgid(domain="kringwerk")
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    for item in mail.attachments or ():
        maintype, _, subtype = item["content_type"].partition(";")[0].strip().partition("/")
        message.add_attachment(
            base64.b64decode(item["data"]), maintype=maintype, subtype=subtype, filename=item["filename"]
        )
    # After the content: set_content() clears every Content-* header set before it.
    message["Content-Language"] = mail.locale
    return message


def deliver(mail: OutgoingMail) -> None:
    """Send now, without a job (the delivery job calls this)."""
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
    if parts.scheme not in ("smtp", "smtp+starttls", "smtps"):
        raise ValueError(
            f"SMTP_URL must start with smtp://, smtp+starttls:// or smtps://, not {parts.scheme}://"
        )
    # A verifying context: SMTP_SSL's own default does not check the certificate.
    # SMTP_CA_FILE trusts a private CA (an internal relay) on top of the system's.
    context = ssl.create_default_context()
    if current_app.config.get("SMTP_CA_FILE"):
        context.load_verify_locations(cafile=current_app.config["SMTP_CA_FILE"])
    connect = (
        smtplib.SMTP_SSL(parts.hostname, port, timeout=30, context=context)
        if implicit_tls
        else smtplib.SMTP(parts.hostname, port, timeout=30)
    )
    with connect as smtp:
        if parts.scheme == "smtp+starttls":
            smtp.starttls(context=context)
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        try:
            smtp.send_message(message)
        except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused):
            raise  # the server's answer: not delivered
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            raise DeliveryUncertain(str(error)) from error


def _write_outbox(message: EmailMessage) -> Path:
    outbox = Path(current_app.config["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    name = message["Message-ID"].strip("<>").replace("@", "_").replace("/", "_")
    path = outbox / f"{name}.eml"
    path.write_bytes(message.as_bytes())
    current_app.logger.info("mail to %s written to %s (no SMTP_URL set)", message["To"], path)
    return path
