"""Mail that cannot go out is never recorded as sent, and a subject is one line:
a CR/LF in it (a poll title) cannot add headers nor make every delivery fail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.mail import send_mail
from kringwerk.mail.models import SentMail
from kringwerk.mail.services import MailError, delivery_key, send_mail_now
from kringwerk.tenancy.context import tenant_scope
from tests.support.services import free_port

INJECTED = "A\r\nBcc: x@evil.test"


def sent_keys() -> list[str]:
    return list(db.session.scalars(select(SentMail.key).order_by(SentMail.key)))


def test_a_subject_with_cr_lf_goes_out_as_one_line_without_extra_headers(world, smtp_server):
    with tenant_scope(world.a.tenant):
        send_mail("anna@example.test", INJECTED, "notice", locale="en", context={"name": "Anna"})
        db.session.commit()
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "A  Bcc: x@evil.test"
    assert message["Bcc"] is None
    assert message["To"] == "anna@example.test"
    assert len(smtp_server.wait_for(2, timeout=0.3)) == 1  # nobody else got it
    # The record is tenant A's; nothing in tenant B's name.
    [key] = sent_keys()
    assert key.startswith(f"t{world.a.tenant.id}:") and not key.startswith(f"t{world.b.tenant.id}:")


def test_send_mail_now_delivers_once_and_records_it(world, smtp_server):
    with tenant_scope(world.a.tenant):
        assert send_mail_now("anna@example.test", INJECTED, "notice", locale="en", idempotency_key="k1")
        assert not send_mail_now("anna@example.test", "Again", "notice", locale="en", idempotency_key="k1")
        db.session.commit()
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "A  Bcc: x@evil.test"
    assert len(smtp_server.wait_for(2, timeout=0.3)) == 1
    assert sent_keys() == [f"t{world.a.tenant.id}:k1"]
    with tenant_scope(world.b.tenant):
        assert delivery_key("k1") not in sent_keys()  # B's own key was never used


def test_send_mail_now_to_a_closed_port_raises_and_records_nothing(world, app):
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nobody listens
    with tenant_scope(world.a.tenant):
        db.session.add(SentMail(key="t0:before", to="x@example.test", subject="kept"))
        db.session.flush()
        with pytest.raises(MailError):
            send_mail_now("anna@example.test", "Hello", "notice", locale="en", idempotency_key="k2")
        db.session.commit()  # the savepoint is gone; the rest of the transaction commits
    assert sent_keys() == ["t0:before"]
