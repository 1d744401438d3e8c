"""Attachments: a file sent along with a mail (an event's .ics) travels through the
delivery job as JSON and arrives intact beside the text; another tenant's mail
carries none of it."""

from __future__ import annotations

from kringwerk.extensions import db
from kringwerk.mail import send_mail
from kringwerk.mail.services import attachment
from kringwerk.tenancy.context import tenant_scope

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def test_an_attachment_arrives_beside_the_text(world, smtp_server):
    with tenant_scope(world.a.tenant):
        send_mail(
            "anna@example.test",
            "Ledenvergadering",
            "notice",
            locale="nl",
            context={"name": "Anna", "day": None},
            attachments=[attachment("vergadering.ics", "text/calendar", ICS)],
        )
        db.session.commit()
    with tenant_scope(world.b.tenant):
        send_mail("ben@example.test", "Kring B", "notice", locale="en", context={"name": "Ben", "day": None})
        db.session.commit()
    received = {m["To"]: m for m in smtp_server.wait_for(2)}
    files = [part for part in received["anna@example.test"].walk() if part.get_filename()]
    assert [(f.get_filename(), f.get_content_type(), f.get_payload(decode=True)) for f in files] == [
        ("vergadering.ics", "text/calendar", ICS)
    ]
    assert "text/plain" in {part.get_content_type() for part in received["anna@example.test"].walk()}
    assert not [part for part in received["ben@example.test"].walk() if part.get_filename()]
