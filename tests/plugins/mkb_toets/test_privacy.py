"""A panel member's personal data (AVG), with or without an account: the contact person's
export lists their seats and feedback; removing the contact person erases them — their
links die, their texts and consent go, their verdicts and burden figures keep counting
anonymously, a seat without feedback goes — and the audit trail records it by number.
Tenant B's panel is untouched and never in A's export."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.members.models import Company, ContactPerson
from kringwerk.members.services import delete_company, delete_contact
from kringwerk.pluginhost import all_hooks
from kringwerk.tenancy import tenant_scope
from kringwerk.tokens.models import PersonalToken
from plugins.mkb_toets import feedback, panel
from plugins.mkb_toets.models import Dossier, Feedback, PanelSeat, Phase
from plugins.mkb_toets.summary import overall_remarks, response_count, section_figures
from tests.plugins.mkb_toets.conftest import make_dossier
from tests.plugins.mkb_toets.test_services import link_for, open_dossier_with_panel


def _give_feedback(tenant, seat_id: int, **values) -> None:
    with tenant_scope(tenant):
        seat = db.session.get(PanelSeat, seat_id)
        feedback.save_section(
            seat,
            seat.dossier.sections[0].id,
            {
                "verdict": "not_workable",
                "hours_yearly": "40",
                "euros_yearly": "1200",
                "comment": "Bij ons in de Kerkstraat kan de vrachtwagen pas om 12 uur komen.",
                "alternative": "Venstertijden tot 12 uur.",
                **values,
            },
        )
        feedback.save_overall(seat, {"overall": "Anna van Alpha: te streng.", "consent_to_name": "1"})
        db.session.commit()


def _b_seat(mkb_world) -> int:
    b = mkb_world.b
    dossier_id = make_dossier(b.tenant, phase=Phase.CONSULTATION_OPEN)
    with tenant_scope(b.tenant):
        seats = panel.add_standing_panel(db.session.get(Dossier, dossier_id), actor=b.admin)
        db.session.commit()
        seat_id = seats[0].id
    _give_feedback(b.tenant, seat_id)
    return seat_id


@pytest.mark.both_databases
def test_removing_the_contact_erases_them_and_keeps_the_figures(app, mkb_world):
    a, b = mkb_world.a, mkb_world.b
    dossier_id, seats = open_dossier_with_panel(mkb_world)
    anna_seat, bert_seat = seats
    b_seat = _b_seat(mkb_world)
    token = link_for(a.tenant, anna_seat)
    _give_feedback(a.tenant, anna_seat)
    with tenant_scope(a.tenant):
        delete_contact(db.session.get(ContactPerson, mkb_world.contact_ids["Anna Alpha"]), actor=a.admin)
        # Bert gave nothing: his seat goes with his company.
        delete_company(db.session.get(Company, mkb_world.company_ids["Bakkerij Berends"]), actor=a.admin)
        db.session.commit()
        seat = db.session.get(PanelSeat, anna_seat)
        assert seat is not None and seat.contact_person_id is None
        assert (seat.overall, seat.consent_to_name) == (None, False)
        row = db.session.scalar(select(Feedback).where(Feedback.seat_id == anna_seat))
        assert (row.verdict.value, row.hours_yearly, row.euros_yearly) == ("not_workable", 40, 1200)
        assert (row.comment, row.alternative) == (None, None)
        assert db.session.get(PanelSeat, bert_seat) is None
        dossier = db.session.get(Dossier, dossier_id)
        figures = section_figures(dossier, names="board")[0]
        assert figures.responses == 1 and figures.hours_yearly == 40 and figures.remarks == []
        assert overall_remarks(dossier, names="board") == []
        assert response_count(dossier) == (1, 1)
        assert feedback.seat_for_link(token) is None
        assert (
            db.session.scalars(
                select(PersonalToken).where(
                    PersonalToken.purpose == "mkb-toets.feedback", PersonalToken.subject_id == anna_seat
                )
            ).all()
            == []
        )
        entries = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "mkb-toets.panel_member_erased")
            .order_by(AuditEntry.id)
        ).all()
        assert [entry.details for entry in entries] == [
            {"seats_deleted": 0, "seats_anonymised": 1},
            {"seats_deleted": 1, "seats_anonymised": 0},
        ]
        assert all("Anna" not in (entry.target_label or "") for entry in entries)
    with tenant_scope(b.tenant):
        seat = db.session.get(PanelSeat, b_seat)
        assert seat.contact_person_id == mkb_world.b_contact_id and seat.overall
        assert db.session.scalar(select(Feedback.comment).where(Feedback.seat_id == b_seat))
        assert db.session.scalars(select(AuditEntry.action)).all().count("mkb-toets.panel_member_erased") == 0


def test_the_contact_export_lists_their_seats_and_feedback(app, mkb_world, client, login_as):
    a, b = mkb_world.a, mkb_world.b
    _dossier_id, seats = open_dossier_with_panel(mkb_world)
    _b_seat(mkb_world)
    _give_feedback(a.tenant, seats[0])
    anna = mkb_world.contact_ids["Anna Alpha"]
    with tenant_scope(a.tenant):
        exported = [
            result
            for result in all_hooks().contact_export(
                tenant=a.tenant, contact=db.session.get(ContactPerson, anna)
            )
            if result and "mkb_toets_panel_seats" in result
        ]
        nothing = [
            result
            for result in all_hooks().contact_export(
                tenant=a.tenant, contact=db.session.get(ContactPerson, mkb_world.contact_ids["Dirk de Wit"])
            )
            if result and "mkb_toets_panel_seats" in result
        ]
    assert nothing == []
    [seat] = exported[0]["mkb_toets_panel_seats"]
    assert seat["dossier"]["title"] == "Venstertijden binnenstad"
    assert seat["overall"] == "Anna van Alpha: te streng." and seat["consent_to_name"] is True
    assert seat["sections"][0]["verdict"] == "not_workable"
    assert seat["sections"][0]["comment"].startswith("Bij ons in de Kerkstraat")
    login_as(a.admin)
    download = json.loads(client.post(f"/kring-a/members/contacts/{anna}/export").data)
    [plugin] = [entry for entry in download["plugins"] if "mkb_toets_panel_seats" in entry]
    assert [s["dossier"]["title"] for s in plugin["mkb_toets_panel_seats"]] == ["Venstertijden binnenstad"]
    client.post("/account/logout")
    login_as(b.admin)
    assert client.post(f"/kring-b/members/contacts/{anna}/export").status_code == 404
    b_download = json.loads(client.post(f"/kring-b/members/contacts/{mkb_world.b_contact_id}/export").data)
    assert "Venstertijden binnenstad" in json.dumps(b_download)  # B's own dossier of that name
    assert "Anna van Alpha" in json.dumps(b_download) and "Alpha Bouw" not in json.dumps(b_download)


def test_a_member_with_an_account_gets_their_feedback_in_their_export(app, mkb_world):
    from kringwerk.accounts.models import Membership
    from kringwerk.accounts.people import export_member

    a = mkb_world.a
    _dossier_id, seats = open_dossier_with_panel(mkb_world)
    _give_feedback(a.tenant, seats[0])
    with tenant_scope(a.tenant):
        db.session.get(ContactPerson, mkb_world.contact_ids["Anna Alpha"]).user_id = a.member.id
        db.session.commit()
        membership = db.session.scalar(select(Membership).where(Membership.user_id == a.member.id))
        data = export_member(a.tenant, membership, actor=a.admin)
    [plugin] = [entry for entry in data["plugins"] if "mkb_toets_panel_seats" in entry]
    assert plugin["mkb_toets_panel_seats"][0]["sections"][0]["hours_yearly"] == 40
    with tenant_scope(mkb_world.b.tenant):
        membership = db.session.scalar(select(Membership).where(Membership.user_id == mkb_world.b.member.id))
        data = export_member(mkb_world.b.tenant, membership, actor=mkb_world.b.admin)
    assert not [entry for entry in data["plugins"] if "mkb_toets_panel_seats" in entry]
