"""The consolidated advice and the answer: only while it is written may the board change
its points (each save a version); sending freezes the version the PDF letter comes
from; the municipality answers each point, explaining what it does not adopt, and cannot
give its answer while a point is open. Tenant B sees none of A's advice."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from kringwerk.accounts.models import Role
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.mkb_toets import advice, phases
from plugins.mkb_toets.models import AdvicePoint, AdviceVersion, Answer, Dossier, Phase
from tests.plugins.mkb_toets.conftest import make_dossier


@pytest.mark.both_databases
def test_points_versions_the_sent_letter_and_the_answer_to_every_point(app, mkb_world):
    a = mkb_world.a
    dossier_id = make_dossier(a.tenant, phase=Phase.ADVICE_WRITING)
    other_id = make_dossier(a.tenant, title="Ander dossier", phase=Phase.ADVICE_WRITING)
    with tenant_scope(a.tenant):
        dossier = db.session.get(Dossier, dossier_id)
        sections = dossier.sections
        first = advice.add_point(
            dossier, "Venstertijden tot 12 uur.", section_id=sections[0].id, actor=a.admin
        )
        second = advice.add_point(
            dossier, "Ontheffing per bedrijf.", section_id=sections[1].id, actor=a.admin
        )
        advice.edit_point(
            dossier,
            first.id,
            "Venstertijden tot 12.00 uur, zaterdag vanaf 6.00 uur.",
            section_id=sections[0].id,
            actor=a.admin,
        )
        for bad, message in (
            (lambda: advice.add_point(dossier, "  ", actor=a.admin), "Write the point"),
            (
                lambda: advice.add_point(
                    dossier, "x", section_id=db.session.get(Dossier, other_id).sections[0].id, actor=a.admin
                ),
                "not part of this dossier",
            ),
            (lambda: advice.edit_point(dossier, 999999, "x", actor=a.admin), "not part of this advice"),
        ):
            with pytest.raises(advice.AdviceError, match=message):
                bad()
        db.session.commit()
        assert [
            v.number for v in db.session.scalars(select(AdviceVersion).order_by(AdviceVersion.number))
        ] == [1, 2, 3]
        with pytest.raises(advice.AdviceError, match="not been sent"):
            advice.letter_pdf(dossier)
        with pytest.raises(phases.PhaseError, match="role"):
            phases.advance(dossier, Phase.ADVICE_SENT, actor=a.official, role=Role.MUNICIPALITY)
        phases.advance(dossier, Phase.ADVICE_SENT, actor=a.admin, role=Role.ADMIN)
        db.session.commit()
        sent = advice.sent_version(dossier)
        assert sent.number == 4 and [p["number"] for p in sent.points] == [1, 2]
        with pytest.raises(advice.AdviceError, match="being written"):
            advice.edit_point(dossier, second.id, "Later veranderd", actor=a.admin)
        text = "".join(
            page.extract_text() for page in PdfReader(io.BytesIO(advice.letter_pdf(dossier))).pages
        )
        assert "Venstertijden binnenstad" in text and "zaterdag vanaf 6.00 uur" in text and "Kring A" in text
        # The answer: every point, an explanation where not adopted, then the step.
        with pytest.raises(advice.AdviceError, match="Explain"):
            advice.answer_point(dossier, second.id, "not_adopted", " ", actor=a.official)
        with pytest.raises(advice.AdviceError, match="Choose"):
            advice.answer_point(dossier, second.id, "perhaps", None, actor=a.official)
        advice.answer_point(dossier, first.id, "adopted", None, actor=a.official)
        db.session.commit()
        with pytest.raises(phases.PhaseError, match="Answer every point"):
            phases.advance(dossier, Phase.ANSWERED, actor=a.official, role=Role.MUNICIPALITY)
        advice.answer_point(
            dossier,
            second.id,
            "partly",
            "Per bedrijf, maar met een maximum van drie voertuigen.",
            actor=a.official,
        )
        phases.advance(dossier, Phase.ANSWERED, actor=a.official, role=Role.MUNICIPALITY)
        db.session.commit()
        assert [p.answer for p in advice.points_of(dossier)] == [Answer.ADOPTED, Answer.PARTLY]
        with pytest.raises(advice.AdviceError, match="answered once"):
            advice.answer_point(dossier, first.id, "not_adopted", "Toch niet", actor=a.official)
    with tenant_scope(mkb_world.b.tenant):
        assert db.session.scalars(select(AdvicePoint)).all() == []
        assert db.session.scalars(select(AdviceVersion)).all() == []


def test_the_advice_pages_the_letter_and_the_public_page(mkb_world, client, login_as):
    a = mkb_world.a
    dossier_id = make_dossier(a.tenant, phase=Phase.ADVICE_WRITING)
    base = f"/kring-a/mkb-toets/{dossier_id}"
    with tenant_scope(a.tenant):
        section_id = db.session.get(Dossier, dossier_id).sections[1].id
    login_as(a.official)
    assert client.get(f"{base}/advice").status_code == 404  # not sent yet
    assert client.post(f"{base}/advice/points", data={"text": "Van de gemeente"}).status_code == 403
    client.post("/account/logout")
    login_as(a.admin)
    assert (
        client.post(
            f"{base}/advice/points", data={"text": "Ontheffing per bedrijf.", "section_id": str(section_id)}
        ).status_code
        == 303
    )
    assert "Write the point" in client.post(
        f"{base}/advice/points", data={"text": ""}, follow_redirects=True
    ).get_data(as_text=True)
    page = client.get(f"{base}/advice").get_data(as_text=True)
    assert "Ontheffing per bedrijf." in page and "Ontheffingen" in page
    client.post(f"{base}/advance", data={"to": "advice_sent"})
    letter = client.get(f"{base}/advice.pdf")
    assert letter.status_code == 200 and letter.data.startswith(b"%PDF")
    client.post("/account/logout")
    login_as(a.official)
    with tenant_scope(a.tenant):
        point_id = db.session.scalar(select(AdvicePoint.id))
    assert (
        client.post(f"{base}/advice/points/{point_id}/answer", data={"answer": "adopted"}).status_code == 303
    )
    client.post(f"{base}/advance", data={"to": "answered"})
    client.post("/account/logout")
    assert client.get(f"/kring-a/mkb-toets/published/{dossier_id}").status_code == 404  # not yet published
    login_as(a.admin)
    client.post(f"{base}/advance", data={"to": "published"})
    client.post("/account/logout")
    public_page = client.get(f"/kring-a/mkb-toets/published/{dossier_id}")
    assert public_page.status_code == 200
    assert "Ontheffing per bedrijf." in public_page.get_data(
        as_text=True
    ) and "Adopted" in public_page.get_data(as_text=True)
    assert client.get(f"/kring-b/mkb-toets/published/{dossier_id}").status_code == 404
    login_as(mkb_world.b.admin)
    assert client.get(f"/kring-b/mkb-toets/{dossier_id}/advice.pdf").status_code == 404
    assert client.get(f"/kring-b/mkb-toets/{dossier_id}/advice").status_code == 404


def test_the_scoreboard_counts_answers_per_year_and_the_days_they_took(mkb_world, client, login_as):
    from datetime import UTC, datetime

    from plugins.mkb_toets.models import PhaseChange
    from plugins.mkb_toets.scoreboard import scoreboard

    a = mkb_world.a
    plan = (
        (datetime(2025, 3, 1, 10, tzinfo=UTC), datetime(2025, 3, 31, 10, tzinfo=UTC), ("adopted", "partly")),
        (datetime(2025, 11, 1, 10, tzinfo=UTC), datetime(2025, 11, 11, 10, tzinfo=UTC), ("not_adopted",)),
        (datetime(2026, 5, 1, 10, tzinfo=UTC), datetime(2026, 5, 21, 10, tzinfo=UTC), ("adopted",)),
    )
    for sent, answered, answers in plan:
        dossier_id = make_dossier(a.tenant, phase=Phase.ANSWERED)
        with tenant_scope(a.tenant):
            for number, answer in enumerate(answers, start=1):
                db.session.add(
                    AdvicePoint(
                        dossier_id=dossier_id, number=number, text=f"Punt {number}", answer=Answer(answer)
                    )
                )
            db.session.add(
                PhaseChange(
                    dossier_id=dossier_id,
                    from_phase=Phase.ADVICE_WRITING,
                    to_phase=Phase.ADVICE_SENT,
                    changed_at=sent,
                )
            )
            db.session.add(
                PhaseChange(
                    dossier_id=dossier_id,
                    from_phase=Phase.ADVICE_SENT,
                    to_phase=Phase.ANSWERED,
                    changed_at=answered,
                )
            )
            db.session.commit()
    make_dossier(a.tenant, phase=Phase.ADVICE_SENT)  # not answered: not counted
    with tenant_scope(a.tenant):
        years = scoreboard()
        assert [
            (
                y.year,
                y.dossiers,
                y.answers[Answer.ADOPTED],
                y.answers[Answer.PARTLY],
                y.answers[Answer.NOT_ADOPTED],
                y.average_days,
            )
            for y in years
        ] == [
            (2026, 1, 1, 0, 0, 20.0),
            (2025, 2, 1, 1, 1, 20.0),
        ]
    with tenant_scope(mkb_world.b.tenant):
        assert scoreboard() == []
    login_as(a.member)
    page = client.get("/kring-a/mkb-toets/scoreboard")
    assert page.status_code == 200 and "2025" in page.get_data(as_text=True)
    client.post("/account/logout")
    login_as(mkb_world.b.member)
    assert "2025" not in client.get("/kring-b/mkb-toets/scoreboard").get_data(as_text=True)


def test_a_published_dossier_is_linked_from_the_home_for_visitors(mkb_world, client):
    a = mkb_world.a
    make_dossier(a.tenant, title="Reclamebeleid Voorburg", phase=Phase.PUBLISHED)
    make_dossier(a.tenant, title="Nog open dossier", phase=Phase.CONSULTATION_OPEN)
    home = client.get("/kring-a/").get_data(as_text=True)
    assert "MKB-toets: Reclamebeleid Voorburg" in home and "Nog open dossier" not in home
    assert "Reclamebeleid Voorburg" not in client.get("/kring-b/").get_data(as_text=True)


def test_a_point_is_edited_in_place_with_htmx(mkb_world, client, login_as):
    a = mkb_world.a
    dossier_id = make_dossier(a.tenant, phase=Phase.ADVICE_WRITING)
    with tenant_scope(a.tenant):
        point_id = advice.add_point(db.session.get(Dossier, dossier_id), "Eerste versie", actor=a.admin).id
        db.session.commit()
    login_as(a.admin)
    url = f"/kring-a/mkb-toets/{dossier_id}/advice/points/{point_id}"
    saved = client.post(url, data={"text": "Tweede versie"}, headers={"HX-Request": "true"})
    body = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "<html" not in body  # the point alone, swapped in place
    assert f'id="point-{point_id}"' in body and "Tweede versie" in body and "Saved" in body
    refused = client.post(url, data={"text": " "}, headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "Write the point" in refused.get_data(as_text=True)
    with tenant_scope(a.tenant):
        assert db.session.get(AdvicePoint, point_id).text == "Tweede versie"
    client.post("/account/logout")
    login_as(mkb_world.b.admin)
    assert (
        client.post(
            url.replace("kring-a", "kring-b"), data={"text": "B"}, headers={"HX-Request": "true"}
        ).status_code
        == 404
    )
