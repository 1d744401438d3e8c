"""The MKB-toets rules without HTTP: phases step by step with who may take them,
each step on the timeline, in the audit trail and in the mail; composing the panel;
feedback by personal link and everything it refuses; the release to the
municipality. Tenant B never sees tenant A's dossiers nor uses A's links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kringwerk.accounts.models import Role
from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db, utcnow
from kringwerk.tenancy import tenant_scope
from plugins.mkb_toets import advice, dossiers, feedback, panel, phases, summary
from plugins.mkb_toets.models import Dossier, Feedback, PanelSeat, Phase, PhaseChange, Verdict
from tests.plugins.mkb_toets.conftest import mail_text, mails, make_dossier

LIFECYCLE = (
    (Phase.CONSULTATION_OPEN, Role.MUNICIPALITY),
    (Phase.CONSULTATION_CLOSED, Role.ADMIN),
    (Phase.ADVICE_WRITING, Role.ADMIN),
    (Phase.ADVICE_SENT, Role.ADMIN),
    (Phase.ANSWERED, Role.MUNICIPALITY),
    (Phase.PUBLISHED, Role.ADMIN),
)


def seat_standing_panel(tenant, dossier_id, actor) -> list[int]:
    with tenant_scope(tenant):
        seats = panel.add_standing_panel(db.session.get(Dossier, dossier_id), actor=actor)
        db.session.commit()
        return [seat.id for seat in seats]


def link_for(tenant, seat_id) -> str:
    from plugins.mkb_toets.mailing import feedback_link

    with tenant_scope(tenant):
        url = feedback_link(db.session.get(PanelSeat, seat_id))
        db.session.commit()
    return url.rsplit("/", 1)[-1]


def step(tenant, dossier_id, to, user, role):
    with tenant_scope(tenant):
        phases.advance(db.session.get(Dossier, dossier_id), to, actor=user, role=role)
        db.session.commit()


@pytest.mark.both_databases
def test_the_whole_lifecycle_is_on_the_timeline_in_the_audit_trail_and_in_the_mail(app, mkb_world):
    a = mkb_world.a
    users = {Role.ADMIN: a.admin, Role.MUNICIPALITY: a.official}
    dossier_id = make_dossier(a.tenant)
    seat_standing_panel(a.tenant, dossier_id, a.admin)
    for to, role in LIFECYCLE:
        with tenant_scope(a.tenant):
            dossier = db.session.get(Dossier, dossier_id)
            if to == Phase.ADVICE_SENT:
                advice.add_point(
                    dossier, "Venstertijden tot 12 uur.", section_id=dossier.sections[0].id, actor=a.admin
                )
            if to == Phase.ANSWERED:
                advice.answer_point(
                    dossier, advice.points_of(dossier)[0].id, "partly", "Tot 11.30 uur.", actor=a.official
                )
            db.session.commit()
        step(a.tenant, dossier_id, to, users[role], role)
    with tenant_scope(a.tenant):
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier.phase == Phase.PUBLISHED
        timeline = [(change.from_phase, change.to_phase, change.actor_label) for change in dossier.changes]
        assert timeline[0] == (None, Phase.DRAFT, None)
        assert [to for _, to, _ in timeline[1:]] == [to for to, _ in LIFECYCLE]
        assert timeline[1][2] == a.official.name and timeline[2][2] == a.admin.name
        audited = db.session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "mkb-toets.phase_changed")
        ).all()
        assert [entry["to"] for entry in audited] == [to.value for to, _ in LIFECYCLE]
    messages = mails(app)
    recipients = [message["To"] for message in messages]
    # The panel (Anna, Bert) is invited once; board, official and contact hear of every step.
    invited = [m["To"] for m in messages if m["Subject"].startswith("Your view on draft policy")]
    assert sorted(invited) == ["anna@alpha.test", "bert@berends.test"]
    for address in (a.admin.email, a.official.email, "gerda@gemeente.test"):
        assert recipients.count(address) == len(LIFECYCLE)
    assert not any(address.endswith("kring-b.example.com") for address in recipients)
    outcome = [message["To"] for message in messages if message["Subject"].startswith("The outcome")]
    assert sorted(outcome) == ["anna@alpha.test", "bert@berends.test"]  # the panel hears the outcome
    invitation = next(
        m for m in messages if m["To"] == "anna@alpha.test" and m["Subject"].startswith("Your view")
    )
    assert "/kring-a/mkb-toets/feedback/" in mail_text(invitation)
    with tenant_scope(mkb_world.b.tenant):
        assert db.session.get(Dossier, dossier_id) is None
        assert db.session.scalars(select(PhaseChange)).all() == []


def test_steps_out_of_order_or_by_the_wrong_role_are_refused_and_change_nothing(app, mkb_world):
    a = mkb_world.a
    dossier_id = make_dossier(a.tenant)
    with tenant_scope(a.tenant):
        dossier = db.session.get(Dossier, dossier_id)
        with pytest.raises(phases.PhaseError, match="Compose the panel"):
            phases.advance(dossier, Phase.CONSULTATION_OPEN, actor=a.admin, role=Role.ADMIN)
        with pytest.raises(phases.PhaseError, match="cannot move"):
            phases.advance(dossier, Phase.ADVICE_SENT, actor=a.admin, role=Role.ADMIN)
        with pytest.raises(phases.PhaseError, match="role"):
            phases.advance(dossier, Phase.CONSULTATION_OPEN, actor=a.member, role=Role.MEMBER)
    seat_standing_panel(a.tenant, dossier_id, a.admin)
    with tenant_scope(a.tenant):
        dossier = db.session.get(Dossier, dossier_id)
        dossier.consultation_closes_at = utcnow() - timedelta(hours=1)
        with pytest.raises(phases.PhaseError, match="closing date"):
            phases.advance(dossier, Phase.CONSULTATION_OPEN, actor=a.admin, role=Role.ADMIN)
        db.session.rollback()
    step(a.tenant, dossier_id, Phase.CONSULTATION_OPEN, a.admin, Role.ADMIN)
    with tenant_scope(a.tenant):
        dossier = db.session.get(Dossier, dossier_id)
        with pytest.raises(phases.PhaseError, match="role"):
            phases.advance(dossier, Phase.CONSULTATION_CLOSED, actor=a.official, role=Role.MUNICIPALITY)
        assert dossier.phase == Phase.CONSULTATION_OPEN
        assert len(dossier.changes) == 2
    with tenant_scope(mkb_world.b.tenant):
        assert db.session.get(Dossier, dossier_id) is None


def test_a_new_dossier_splits_pasted_text_into_numbered_sections_and_drafts_stay_with_the_staff(
    app, mkb_world
):
    a = mkb_world.a
    with tenant_scope(a.tenant):
        dossier = dossiers.open_dossier(
            dossiers.Note(title="  Reclamebeleid  ", contact_email="Gerda@Gemeente.test"),
            actor=a.official,
            sections_text="1. Uithangborden\nMaximaal 1 m2.\n\n\nArtikel 2 Vergunning\nAanvragen online.\nBinnen 8 weken.\n",
        )
        db.session.commit()
        dossier_id = dossier.id
        assert dossier.title == "Reclamebeleid" and dossier.contact_email == "gerda@gemeente.test"
        assert [(s.number, s.heading, s.body) for s in dossier.sections] == [
            (1, "Uithangborden", "Maximaal 1 m2."),
            (2, "Vergunning", "Aanvragen online.\nBinnen 8 weken."),
        ]
        assert [change.to_phase for change in dossier.changes] == [Phase.DRAFT]
        assert dossiers.dossier_for(dossier_id, Role.MUNICIPALITY) is not None
        assert dossiers.dossier_for(dossier_id, Role.ADMIN) is not None
        assert dossiers.dossier_for(dossier_id, Role.MEMBER) is None
        with pytest.raises(dossiers.DossierError, match="title"):
            dossiers.open_dossier(dossiers.Note(title="  "), actor=a.official)
    with tenant_scope(mkb_world.b.tenant):
        assert dossiers.dossier_for(dossier_id, Role.ADMIN) is None


def test_the_panel_comes_from_the_standing_panel_companies_or_a_filter_of_this_tenant_only(app, mkb_world):
    a = mkb_world.a
    dossier_id = make_dossier(a.tenant)
    ids = mkb_world.contact_ids
    with tenant_scope(a.tenant):
        dossier = db.session.get(Dossier, dossier_id)
        standing = panel.add_standing_panel(dossier, actor=a.admin)
        assert {seat.contact_person_id for seat in standing} == {ids["Anna Alpha"], ids["Bert Berends"]}
        # Cor has no e-mail address; Anna already sits; B's company is not found here.
        chosen = panel.add_companies(
            dossier,
            [
                mkb_world.company_ids["Chemie Colmschate"],
                mkb_world.company_ids["Alpha Bouw BV"],
                mkb_world.b_company_id,
            ],
            actor=a.admin,
        )
        assert [seat.contact_person_id for seat in chosen] == [ids["Carla Chemie"]]
        filtered = panel.add_filtered(
            dossier,
            panel.CompanyFilter(sector="Industrie", business_park_id=mkb_world.park_id),
            actor=a.admin,
        )
        assert [seat.contact_person_id for seat in filtered] == [ids["Dirk de Wit"]]
        assert panel.add_filtered(dossier, panel.CompanyFilter(min_employees=1000), actor=a.admin) == []
        db.session.commit()
        assert len(db.session.scalars(select(PanelSeat)).all()) == 4
        dossier.phase = Phase.CONSULTATION_CLOSED
        with pytest.raises(panel.PanelError):
            panel.add_standing_panel(dossier, actor=a.admin)
        db.session.rollback()
    with tenant_scope(mkb_world.b.tenant):
        assert db.session.scalars(select(PanelSeat)).all() == []


def open_dossier_with_panel(mkb_world) -> tuple[int, list[int]]:
    a = mkb_world.a
    dossier_id = make_dossier(a.tenant)
    seats = seat_standing_panel(a.tenant, dossier_id, a.admin)
    step(a.tenant, dossier_id, Phase.CONSULTATION_OPEN, a.admin, Role.ADMIN)
    return dossier_id, seats


@pytest.mark.both_databases
def test_feedback_by_link_is_saved_replaced_and_refused_with_clear_messages(app, mkb_world):
    a, b = mkb_world.a, mkb_world.b
    dossier_id, seats = open_dossier_with_panel(mkb_world)
    other_id = make_dossier(a.tenant, title="Terrassenbeleid")
    token = link_for(a.tenant, seats[0])
    with tenant_scope(b.tenant):
        assert feedback.seat_for_link(token) is None
    with tenant_scope(a.tenant):
        seat = feedback.seat_for_link(token)
        assert seat is not None and seat.id == seats[0]
        section_ids = [section.id for section in seat.dossier.sections]
        other_section = db.session.get(Dossier, other_id).sections[0].id
        saved = feedback.save_section(
            seat,
            section_ids[0],
            {
                "verdict": "with_changes",
                "hours_yearly": "1.500",
                "euros_once": "250",
                "business_kinds": ["retail", "small"],
                "alternative": "Venster tot 12 uur",
            },
        )
        assert (saved.verdict, saved.hours_yearly, saved.euros_once, saved.business_kinds) == (
            Verdict.WITH_CHANGES,
            1500,
            250,
            ["small", "retail"],
        )
        feedback.save_section(seat, section_ids[0], {"verdict": "not_workable"})
        db.session.commit()
        rows = db.session.scalars(select(Feedback)).all()
        assert [(row.verdict, row.hours_yearly, row.alternative) for row in rows] == [
            (Verdict.NOT_WORKABLE, None, None)
        ]
        refusals = (
            (section_ids[1], {"hours_once": "-3"}, "cannot be negative"),
            (section_ids[1], {"euros_yearly": "abc"}, "whole number"),
            (section_ids[1], {"hours_yearly": "9000"}, "at most"),
            (section_ids[1], {"verdict": "maybe"}, "from the list"),
            (section_ids[1], {"business_kinds": ["pirates"]}, "from the list"),
            (section_ids[1], {"comment": "x" * 5001}, "characters"),
            (other_section, {"verdict": "workable"}, "not part of this dossier"),
            (987654, {"verdict": "workable"}, "not part of this dossier"),
        )
        for section_id, values, message in refusals:
            with pytest.raises(feedback.FeedbackError, match=message):
                feedback.save_section(seat, section_id, values)
        feedback.save_overall(seat, {"overall": "Goed idee, te krappe tijden.", "consent_to_name": "on"})
        db.session.commit()
        assert len(db.session.scalars(select(Feedback)).all()) == 1
    step(a.tenant, dossier_id, Phase.CONSULTATION_CLOSED, a.admin, Role.ADMIN)
    with tenant_scope(a.tenant):
        seat = feedback.seat_for_link(token)
        with pytest.raises(feedback.FeedbackError, match="closed"):
            feedback.save_section(seat, section_ids[1], {"verdict": "workable"})
        with pytest.raises(feedback.FeedbackError, match="closed"):
            feedback.save_overall(seat, {"overall": "Toch nog iets"})
        db.session.rollback()
        assert db.session.get(PanelSeat, seats[0]).overall == "Goed idee, te krappe tijden."
    with tenant_scope(b.tenant):
        assert db.session.scalars(select(Feedback)).all() == []


def test_a_passed_deadline_closes_feedback_even_before_the_phase_moves(app, mkb_world):
    a = mkb_world.a
    dossier_id, seats = open_dossier_with_panel(mkb_world)
    token = link_for(a.tenant, seats[0])
    with tenant_scope(a.tenant):
        db.session.get(Dossier, dossier_id).consultation_closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        seat = feedback.seat_for_link(token)
        with pytest.raises(feedback.FeedbackError, match="closed"):
            feedback.save_section(seat, seat.dossier.sections[0].id, {"verdict": "workable"})
    with tenant_scope(mkb_world.b.tenant):
        assert feedback.seat_for_link(token) is None


def test_the_municipality_sees_counts_and_sums_and_only_consenting_names_after_release(app, mkb_world):
    a = mkb_world.a
    dossier_id, seats = open_dossier_with_panel(mkb_world)
    with tenant_scope(a.tenant):
        first, second = (db.session.get(PanelSeat, seat_id) for seat_id in seats)
        section_id = first.dossier.sections[0].id
        names = {seat.id: seat.contact.name for seat in (first, second)}
        feedback.save_section(
            first,
            section_id,
            {"verdict": "not_workable", "hours_yearly": "10", "euros_yearly": "100", "comment": "Te vroeg"},
        )
        feedback.save_overall(first, {"consent_to_name": "on"})
        feedback.save_section(
            second,
            section_id,
            {"verdict": "not_workable", "hours_yearly": "5", "euros_once": "40", "comment": "Onwerkbaar"},
        )
        db.session.commit()
        dossier = db.session.get(Dossier, dossier_id)
        with pytest.raises(summary.ReleaseError):
            summary.release(dossier, actor=a.admin)
    step(a.tenant, dossier_id, Phase.CONSULTATION_CLOSED, a.admin, Role.ADMIN)
    with tenant_scope(a.tenant):
        dossier = db.session.get(Dossier, dossier_id)
        summary.release(dossier, actor=a.admin)
        db.session.commit()
        assert dossier.released_at is not None
        board = summary.section_figures(dossier, names="board")[0]
        town = summary.section_figures(dossier, names="municipality")[0]
        assert board.verdicts[Verdict.NOT_WORKABLE] == 2 and board.responses == 2
        assert (town.hours_yearly, town.euros_yearly, town.euros_once) == (15, 100, 40)
        assert sorted(remark.name or "" for remark in board.remarks) == sorted(names.values())
        assert [remark.name for remark in town.remarks] == [names[first.id], None]
        assert summary.response_count(dossier) == (2, 2)
        assert summary.section_figures(dossier)[1].responses == 0
    with tenant_scope(mkb_world.b.tenant):
        assert (
            db.session.scalars(select(AuditEntry).where(AuditEntry.action.startswith("mkb-toets."))).all()
            == []
        )


@pytest.mark.both_databases
def test_the_jobs_remind_quiet_members_once_and_close_a_passed_consultation(app, mkb_world):
    from kringwerk.jobs.periodic import tick

    a = mkb_world.a
    dossier_id, seats = open_dossier_with_panel(mkb_world)
    b_dossier = make_dossier(
        mkb_world.b.tenant,
        phase=Phase.CONSULTATION_OPEN,
        consultation_closes_at=utcnow() - timedelta(hours=1),
    )
    with tenant_scope(a.tenant):
        dossier = db.session.get(Dossier, dossier_id)
        dossier.consultation_closes_at = utcnow() + timedelta(days=1)
        feedback.save_section(
            db.session.get(PanelSeat, seats[0]), dossier.sections[0].id, {"verdict": "workable"}
        )
        db.session.commit()
    before = len(mails(app))
    tick(app, ["mkb-toets.remind_panel"])
    tick(app, ["mkb-toets.remind_panel"])
    reminders = [message for message in mails(app)[before:] if message["Subject"].startswith("Reminder")]
    # Only the quiet one (Bert) is reminded, once; Anna gave feedback already.
    assert [message["To"] for message in reminders] == ["bert@berends.test"]
    assert "/kring-a/mkb-toets/feedback/" in mail_text(reminders[0])
    with tenant_scope(a.tenant):
        db.session.get(Dossier, dossier_id).consultation_closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    tick(app, ["mkb-toets.close_consultations"])
    with tenant_scope(a.tenant):
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier.phase == Phase.CONSULTATION_CLOSED
        assert (
            dossier.changes[-1].actor_id is None and dossier.changes[-1].to_phase == Phase.CONSULTATION_CLOSED
        )
    # B's passed consultation closed in B's own run, and A's run touched nothing of B.
    with tenant_scope(mkb_world.b.tenant):
        assert db.session.get(Dossier, b_dossier).phase == Phase.CONSULTATION_CLOSED
        assert db.session.get(Dossier, dossier_id) is None


def test_the_municipality_is_reminded_once_before_its_answer_is_due(app, mkb_world):
    from kringwerk.jobs.periodic import tick

    a = mkb_world.a
    make_dossier(a.tenant, phase=Phase.ADVICE_SENT, answer_due_at=utcnow() + timedelta(days=1))
    make_dossier(
        a.tenant, title="Later", phase=Phase.ADVICE_SENT, answer_due_at=utcnow() + timedelta(days=30)
    )
    make_dossier(mkb_world.b.tenant, phase=Phase.ADVICE_SENT, answer_due_at=utcnow() + timedelta(days=1))
    before = len(mails(app))
    tick(app, ["mkb-toets.remind_panel"])
    tick(app, ["mkb-toets.remind_panel"])
    due = sorted(
        (m["To"], m["Subject"]) for m in mails(app)[before:] if m["Subject"].startswith("Answer due")
    )
    assert due == sorted(
        [
            (a.official.email, "Answer due: Venstertijden binnenstad"),
            ("gerda@gemeente.test", "Answer due: Venstertijden binnenstad"),
            # B's own dossier (the fixture's contact person is the same address): B's run, B's official.
            ("gerda@gemeente.test", "Answer due: Venstertijden binnenstad"),
            (mkb_world.b.official.email, "Answer due: Venstertijden binnenstad"),
        ]
    )
