"""At the door and around it: the check-in page finds confirmed people and marks them
present (htmx), attendance per association, the attendee list as Dutch Excel CSV and
XLSX, and the reminder the day before (sent once per event). Tenant B's organisers
reach none of it for tenant A's event."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kringwerk.extensions import db, utcnow
from kringwerk.jobs.periodic import tick
from kringwerk.tenancy import tenant_scope
from plugins.events import signup
from plugins.events.models import Event, Registration
from tests.plugins.events.conftest import make_event, member


def _signed_up(world, *, starts_in=timedelta(days=7)):
    a = world.a
    event_id = make_event(
        a.tenant,
        capacity=2,
        starts_at=utcnow() + starts_in,
        questions=[{"key": "q1", "label": "Dieetwensen"}],
    )
    with tenant_scope(a.tenant):
        event = db.session.get(Event, event_id)
        for person, answer in ((a.member, "=1+1 vegetarisch"), (a.admin, "geen"), (a.facilitator, "")):
            signup.sign_up(event, member(person), answers={"q1": answer})
        db.session.commit()
    return event_id


@pytest.mark.both_databases
def test_check_in_by_search_with_htmx(events_world, login_as):
    event_id = _signed_up(events_world)
    admin = login_as(events_world.a.admin)
    assert admin.get(f"/kring-a/events/{event_id}/checkin").status_code == 200
    htmx = {"HX-Request": "true"}
    page = admin.get(f"/kring-a/events/{event_id}/checkin?q=member%40kring", headers=htmx).get_data(
        as_text=True
    )
    assert events_world.a.member.name in page and events_world.a.admin.name not in page
    everyone = admin.get(f"/kring-a/events/{event_id}/checkin", headers=htmx).get_data(as_text=True)
    assert events_world.a.admin.name in everyone
    assert events_world.a.facilitator.name not in everyone  # on the waiting list: not at the door
    with tenant_scope(events_world.a.tenant):
        registration_id = (
            db.session.query(Registration.id).filter_by(user_id=events_world.a.member.id).scalar()
        )
    response = admin.post(
        f"/kring-a/events/{event_id}/checkin/{registration_id}",
        data={"present": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    row = response.get_data(as_text=True)
    assert f'id="checkin-{registration_id}"' in row and "Undo" in row and "<html" not in row
    with tenant_scope(events_world.a.tenant):
        assert db.session.get(Registration, registration_id).checked_in_at is not None
    b_admin = login_as(events_world.b.admin)
    assert b_admin.get(f"/kring-a/events/{event_id}/checkin").status_code == 404
    assert (
        b_admin.post(
            f"/kring-b/events/{event_id}/checkin/{registration_id}", data={"present": "0"}
        ).status_code
        == 404
    )
    assert login_as(events_world.a.member).get(f"/kring-a/events/{event_id}/checkin").status_code == 403


def test_the_attendee_list_as_dutch_excel_csv_and_xlsx(events_world, login_as):
    event_id = _signed_up(events_world)
    events_world.a.tenant.default_locale = "nl"
    db.session.commit()
    admin = login_as(events_world.a.admin)
    response = admin.get(f"/kring-a/events/{event_id}/attendees.csv")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    lines = response.data.decode("utf-8-sig").splitlines()
    header = lines[0].split(";")
    assert header[2] == "Naam" and header[-1] == "Dieetwensen"
    assert any(events_world.a.member.email in line and ";'=1+1 vegetarisch" in line for line in lines)
    assert len(lines) == 4  # header, two confirmed, one waiting
    workbook = load_workbook(io.BytesIO(admin.get(f"/kring-a/events/{event_id}/attendees.xlsx").data))
    cells = [[cell for cell in row] for row in workbook.active.iter_rows(values_only=True)]
    assert len(cells) == 4 and "'=1+1 vegetarisch" in cells[1] + cells[2]
    assert login_as(events_world.b.admin).get(f"/kring-a/events/{event_id}/attendees.csv").status_code == 404


def test_the_reminder_goes_out_the_day_before_once(app, events_world):
    tomorrow = _signed_up(events_world, starts_in=timedelta(hours=20))
    later = _signed_up(events_world, starts_in=timedelta(days=3))
    make_event(events_world.b.tenant, starts_at=utcnow() + timedelta(hours=20))
    outbox = Path(app.config["OUTBOX_DIR"])

    def reminders():
        return [p.read_text() for p in outbox.glob("*.eml") if "Tomorrow:" in p.read_text()]

    report = tick(app, ["events.reminders"])
    assert not report.failed
    mails = reminders()
    assert len(mails) == 2  # the two confirmed people, not the one waiting
    with tenant_scope(events_world.a.tenant):
        assert db.session.get(Event, tomorrow).reminded_at is not None
        assert db.session.get(Event, later).reminded_at is None
    tick(app, ["events.reminders"])
    assert len(reminders()) == 2


def test_an_email_to_all_attendees(app, events_world, login_as):
    event_id = _signed_up(events_world)
    admin = login_as(events_world.a.admin)
    bad = admin.post(f"/kring-a/events/{event_id}/message", data={"subject": "", "body": "x"})
    assert bad.status_code == 422 and 'id="subject-error"' in bad.get_data(as_text=True)
    response = admin.post(
        f"/kring-a/events/{event_id}/message", data={"subject": "Andere zaal", "body": "We zitten in zaal 2."}
    )
    assert response.status_code == 303
    outbox = Path(app.config["OUTBOX_DIR"])
    mails = [p.read_text() for p in outbox.glob("*.eml") if "Andere zaal" in p.read_text()]
    assert len(mails) == 2 and all("We zitten in zaal 2." in mail for mail in mails)  # not the waiting list
    assert (
        login_as(events_world.b.admin)
        .post(f"/kring-a/events/{event_id}/message", data={"subject": "x", "body": "y"})
        .status_code
        == 404
    )
    assert login_as(events_world.a.member).get(f"/kring-a/events/{event_id}/message").status_code == 403
