"""Mail: composed in the recipient's language, delivered by a job after the
commit, at most once per key, to a real SMTP server (aiosmtpd) or the outbox."""

from __future__ import annotations

import email
import logging
from datetime import date
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from rq.job import Job
from sqlalchemy import func, select

from kringwerk.extensions import db
from kringwerk.jobs import pending_jobs
from kringwerk.jobs.queue import SERIALIZER
from kringwerk.jobs.runner import run_isolated
from kringwerk.mail import send_mail
from kringwerk.mail.jobs import DUPLICATE, SENT
from kringwerk.mail.models import SentMail
from kringwerk.mail.services import delivery_key, forget_recipient
from kringwerk.tenancy.context import tenant_scope

MEETING = date(2026, 3, 2)


@pytest.fixture
def app_config(app_config):
    """The product's last resort, Dutch (the suite's base config says English); every
    test here names the language, so it only shows for a language not offered."""
    return {**app_config, "BABEL_DEFAULT_LOCALE": "nl"}


def in_dutch(app, text: str, **variables) -> str:
    with app.test_request_context(), force_locale("nl"):
        translated = gettext(text, **variables)
    assert translated != text % variables, f"no Dutch for {text!r}"
    return translated


def notice(to: str, locale: str, **options):
    return send_mail(
        to, "Ledenvergadering", "notice", locale=locale, context={"name": "Anna", "day": MEETING}, **options
    )


def parts(message) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        for part in message.walk()
        if not part.is_multipart()
    }


def sent_count() -> int:
    return db.session.scalar(select(func.count(SentMail.id)))


def test_mail_is_composed_now_and_delivered_after_commit_in_each_language(app, world, smtp_server):
    with tenant_scope(world.a.tenant):
        dutch = notice("anna@example.test", "nl")
        english = notice("ben@example.test", "en")
        # Composed at once, in the recipient's language...
        assert "2 maart 2026" in dutch.text and "March 2, 2026" in english.text
        assert len(pending_jobs()) == 2
        assert smtp_server.messages == []  # ...and sent only after the commit.
        db.session.commit()

    received = {m["To"]: m for m in smtp_server.wait_for(2)}
    assert set(received) == {"anna@example.test", "ben@example.test"}
    anna, ben = received["anna@example.test"], received["ben@example.test"]
    assert anna["Subject"] == "Ledenvergadering"
    assert anna["Content-Language"] == "nl" and ben["Content-Language"] == "en"
    assert anna["Message-ID"] == dutch.message_id
    assert anna.get_content_type() == "multipart/alternative"
    anna_parts, ben_parts = parts(anna), parts(ben)
    assert set(anna_parts) == {"text/plain", "text/html"}
    hello_anna = in_dutch(app, "Hello %(name)s,", name="Anna")
    assert "2 maart 2026" in anna_parts["text/plain"] and hello_anna in anna_parts["text/plain"]
    assert "Hello Anna," not in anna_parts["text/plain"]
    assert '<html lang="nl">' in anna_parts["text/html"] and "2 maart 2026" in anna_parts["text/html"]
    assert "March 2, 2026" in ben_parts["text/plain"] and "Hello Anna," in ben_parts["text/plain"]
    assert '<html lang="en">' in ben_parts["text/html"] and "March 2, 2026" in ben_parts["text/html"]
    assert sent_count() == 2


def test_unknown_language_falls_back_to_dutch(app, world, smtp_server):
    mail = notice("cor@example.test", "fr")
    db.session.commit()
    assert mail.locale == "nl" and "2 maart 2026" in mail.text
    assert in_dutch(app, "Hello %(name)s,", name="Anna") in mail.text
    assert smtp_server.wait_for(1)[0]["Content-Language"] == "nl"


def test_rolled_back_mail_is_never_sent(world, smtp_server):
    with tenant_scope(world.a.tenant):
        notice("anna@example.test", "nl")
        db.session.rollback()
    db.session.commit()
    assert smtp_server.wait_for(1, timeout=0.3) == []
    assert sent_count() == 0


def test_same_idempotency_key_sends_one_message(world, smtp_server, caplog):
    with tenant_scope(world.a.tenant):
        notice("anna@example.test", "nl", idempotency_key="invitation-7")
        notice("anna@example.test", "nl", idempotency_key="invitation-7")  # a duplicated job
        db.session.commit()
        with caplog.at_level(logging.INFO, logger="kringwerk.mail"):
            notice("anna@example.test", "nl", idempotency_key="invitation-7")  # asked again later
            db.session.commit()
    assert len(smtp_server.wait_for(2, timeout=0.5)) == 1
    assert db.session.scalars(select(SentMail.key)).all() == [f"t{world.a.tenant.id}:invitation-7"]
    assert "was sent before" in caplog.text


def test_idempotency_keys_belong_to_a_tenant(world, smtp_server):
    with tenant_scope(world.a.tenant):
        notice("anna@example.test", "nl", idempotency_key="welcome")
    with tenant_scope(world.b.tenant):
        notice("anna@example.test", "nl", idempotency_key="welcome")
    db.session.commit()
    assert len(smtp_server.wait_for(2)) == 2
    assert sorted(db.session.scalars(select(SentMail.key))) == sorted(
        [f"t{world.a.tenant.id}:welcome", f"t{world.b.tenant.id}:welcome"]
    )


def test_without_a_key_every_call_is_a_message(world, smtp_server):
    notice("anna@example.test", "nl")
    notice("anna@example.test", "nl")
    db.session.commit()
    assert len(smtp_server.wait_for(2)) == 2
    keys = db.session.scalars(select(SentMail.key)).all()
    assert len(set(keys)) == 2 and all(key.startswith("platform:auto-") for key in keys)


def test_a_delivery_job_run_twice_sends_once(world, app, smtp_server):
    mail = notice("anna@example.test", "en")
    (job,) = pending_jobs()
    db.session.rollback()  # run the job by hand instead, twice, as a retry would
    assert job.func == "kringwerk.mail.jobs:deliver_mail"
    assert job.args == [mail.as_dict(), job.args[1]]
    assert run_isolated(app, **job.runner_kwargs()) == SENT
    assert run_isolated(app, **job.runner_kwargs()) == DUPLICATE
    assert len(smtp_server.wait_for(2, timeout=0.5)) == 1


def test_long_keys_are_hashed_within_the_column(world):
    with tenant_scope(world.a.tenant):
        key = delivery_key("x" * 400)
    assert key.startswith(f"t{world.a.tenant.id}:sha256-") and len(key) <= 255


def test_outbox_without_smtp(world, app):
    with tenant_scope(world.a.tenant):
        mail = notice("anna@example.test", "nl")
        db.session.commit()
    files = list(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes())
    assert message["To"] == "anna@example.test"
    assert message["Message-ID"] == mail.message_id
    written = parts(message)
    assert "2 maart 2026" in written["text/plain"] and '<html lang="nl">' in written["text/html"]
    assert sent_count() == 1


def test_forget_recipient_drops_their_delivery_records(world, smtp_server):
    notice("anna@example.test", "nl")
    notice("ben@example.test", "nl")
    db.session.commit()
    smtp_server.wait_for(2)
    assert forget_recipient("anna@example.test") == 1
    db.session.commit()
    assert db.session.scalars(select(SentMail.to)).all() == ["ben@example.test"]


# --- on the worker ------------------------------------------------------------------------


def test_duplicate_jobs_on_the_worker_send_one_message(world, smtp_server, queue, work):
    with tenant_scope(world.a.tenant):
        notice("anna@example.test", "nl", idempotency_key="reminder-3")
        notice("anna@example.test", "nl", idempotency_key="reminder-3")
        db.session.commit()
    assert queue.count == 2
    assert all(job_id.startswith(f"t{world.a.tenant.id}-deliver_mail-") for job_id in queue.job_ids)
    work()
    assert len(smtp_server.wait_for(2, timeout=0.5)) == 1
    assert sent_count() == 1


def test_failed_delivery_leaves_no_record_and_the_retry_sends(world, app, smtp_server, queue, work):
    from tests.support.services import free_port

    notice("anna@example.test", "en", idempotency_key="digest-1")
    db.session.commit()
    (job_id,) = queue.job_ids

    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nobody listens
    work()
    assert Job.fetch(job_id, connection=queue.connection, serializer=SERIALIZER).retries_left == 2
    db.session.expire_all()
    assert sent_count() == 0

    app.config["SMTP_URL"] = smtp_server.url
    queue.enqueue_job(Job.fetch(job_id, connection=queue.connection, serializer=SERIALIZER))
    work()
    assert len(smtp_server.wait_for(1)) == 1
    db.session.expire_all()
    assert sent_count() == 1
