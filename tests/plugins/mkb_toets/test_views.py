"""The MKB-toets pages over HTTP: who sees which dossier (drafts for the municipality
and the board only), the steps and the panel by the board, the feedback page by
personal link with its autosave, and the per-section figures the municipality sees
only once released. Tenant B reaches none of A's dossiers nor uses A's links."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from kringwerk.extensions import db, utcnow
from kringwerk.tenancy import tenant_scope
from plugins.mkb_toets.models import Dossier, Feedback, PanelSeat, Phase
from tests.plugins.mkb_toets.conftest import make_dossier
from tests.plugins.mkb_toets.test_services import link_for

HTMX = {"HX-Request": "true"}


def test_drafts_are_for_the_municipality_and_the_board_and_b_sees_nothing_of_a(mkb_world, client, login_as):
    a = mkb_world.a
    draft = make_dossier(a.tenant, title="Conceptbeleid reclame")
    open_ = make_dossier(a.tenant, title="Venstertijden binnenstad", phase=Phase.CONSULTATION_OPEN)
    login_as(a.member)
    listing = client.get("/kring-a/mkb-toets/").get_data(as_text=True)
    assert "Venstertijden binnenstad" in listing and "Conceptbeleid reclame" not in listing
    assert client.get(f"/kring-a/mkb-toets/{draft}").status_code == 404
    page = client.get(f"/kring-a/mkb-toets/{open_}")
    assert page.status_code == 200 and "Timeline" in page.get_data(as_text=True)
    assert client.get(f"/kring-a/mkb-toets/{open_}/feedback").status_code == 403
    client.post("/account/logout")
    for user in (a.official, a.admin):
        login_as(user)
        assert "Conceptbeleid reclame" in client.get("/kring-a/mkb-toets/").get_data(as_text=True)
        assert client.get(f"/kring-a/mkb-toets/{draft}").status_code == 200
        client.post("/account/logout")
    login_as(mkb_world.b.admin)
    for dossier_id in (draft, open_):
        assert client.get(f"/kring-b/mkb-toets/{dossier_id}").status_code == 404
        assert client.get(f"/kring-a/mkb-toets/{dossier_id}").status_code == 404
        assert (
            client.post(
                f"/kring-b/mkb-toets/{dossier_id}/advance", data={"to": "consultation_open"}
            ).status_code
            == 404
        )
    assert "Venstertijden" not in client.get("/kring-b/mkb-toets/").get_data(as_text=True)


def test_the_official_opens_a_dossier_and_a_wrong_upload_changes_nothing(mkb_world, client, login_as):
    login_as(mkb_world.a.official)
    form = {
        "title": "Terrassenbeleid",
        "problem": "Te weinig ruimte op de stoep.",
        "sections": "Openingstijden\nTot 23 uur.\n\nOppervlak\nMaximaal 20 m2.",
        "closes_on": (utcnow() + timedelta(days=14)).date().isoformat(),
    }
    wrong = client.post(
        "/kring-a/mkb-toets/new",
        data={**form, "attachment": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "concept.pdf")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 422
    oversized = client.post(
        "/kring-a/mkb-toets/new",
        data={**form, "attachment": (io.BytesIO(b"%PDF-1.4\n" + b"0" * (8 * 1024 * 1024)), "groot.pdf")},
        content_type="multipart/form-data",
    )
    assert oversized.status_code == 422 and "MB" in oversized.get_data(as_text=True)
    with tenant_scope(mkb_world.a.tenant):
        assert db.session.scalars(select(Dossier)).all() == []
    made = client.post(
        "/kring-a/mkb-toets/new",
        data={
            **form,
            "attachment": (
                io.BytesIO(b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
                "concept.pdf",
            ),
        },
        content_type="multipart/form-data",
    )
    assert made.status_code == 303
    with tenant_scope(mkb_world.a.tenant):
        dossier = db.session.scalars(select(Dossier)).one()
        assert [section.heading for section in dossier.sections] == ["Openingstijden", "Oppervlak"]
        assert dossier.attachment_id is not None and dossier.phase == Phase.DRAFT
    client.post("/account/logout")
    login_as(mkb_world.a.member)
    assert client.get("/kring-a/mkb-toets/new").status_code == 403
    with tenant_scope(mkb_world.b.tenant):
        assert db.session.scalars(select(Dossier)).all() == []


def test_the_board_composes_opens_closes_and_releases_and_the_municipality_then_sees_figures(
    mkb_world, client, login_as
):
    a = mkb_world.a
    dossier_id = make_dossier(a.tenant)
    login_as(a.admin)
    base = f"/kring-a/mkb-toets/{dossier_id}"
    assert client.post(f"{base}/panel", data={"source": "standing"}).status_code == 303
    client.post(f"{base}/panel", data={"source": "filter", "sector": "Industrie", "min_employees": "100"})
    with tenant_scope(a.tenant):
        assert len(db.session.scalars(select(PanelSeat)).all()) == 3
    chosen = [str(mkb_world.company_ids["Drukkerij De Wit"]), str(mkb_world.b_company_id), "x"]
    assert client.post(f"{base}/panel", data={"source": "companies", "company_id": chosen}).status_code == 303
    with tenant_scope(a.tenant):
        assert (
            len(db.session.scalars(select(PanelSeat)).all()) == 4
        )  # De Wit's Dirk; B's company is not found
    assert client.post(f"{base}/advance", data={"to": "advice_sent"}).status_code == 303
    assert "cannot move" in client.get(base).get_data(as_text=True)
    assert client.post(f"{base}/advance", data={"to": "nonsense"}).status_code == 400
    client.post(f"{base}/advance", data={"to": "consultation_open"})
    with tenant_scope(a.tenant):
        seat_id = db.session.scalars(select(PanelSeat.id).order_by(PanelSeat.id)).first()
    token = link_for(a.tenant, seat_id)
    client.post("/account/logout")
    with tenant_scope(a.tenant):
        section_id = db.session.get(Dossier, dossier_id).sections[0].id
    saved = client.post(
        f"/kring-a/mkb-toets/feedback/{token}/section/{section_id}",
        data={"verdict": "not_workable", "hours_yearly": "12", "comment": "Te vroeg in de ochtend"},
        headers=HTMX,
    )
    assert saved.status_code == 200 and "Saved at" in saved.get_data(as_text=True)
    login_as(a.official)
    assert client.get(f"{base}/feedback").status_code == 404  # not released yet
    client.post("/account/logout")
    login_as(a.admin)
    client.post(f"{base}/advance", data={"to": "consultation_closed"})
    board_view = client.get(f"{base}/feedback").get_data(as_text=True)
    assert "Anna Alpha" in board_view and "Te vroeg in de ochtend" in board_view
    assert client.post(f"{base}/release").status_code == 303
    client.post("/account/logout")
    login_as(a.official)
    town_view = client.get(f"{base}/feedback")
    assert town_view.status_code == 200
    text = town_view.get_data(as_text=True)
    assert "Te vroeg in de ochtend" in text and "Anna Alpha" not in text and "A panel member" in text
    client.post("/account/logout")
    login_as(mkb_world.b.admin)
    assert client.get(f"/kring-b/mkb-toets/{dossier_id}/feedback").status_code == 404


@pytest.mark.both_databases
def test_the_feedback_page_by_link_saves_refuses_and_stays_in_its_tenant(mkb_world, client):
    a = mkb_world.a
    dossier_id = make_dossier(a.tenant, phase=Phase.CONSULTATION_OPEN)
    with tenant_scope(a.tenant):
        seat = PanelSeat(dossier_id=dossier_id, contact_person_id=mkb_world.contact_ids["Anna Alpha"])
        db.session.add(seat)
        db.session.commit()
        seat_id = seat.id
        section_id = db.session.get(Dossier, dossier_id).sections[1].id
    token = link_for(a.tenant, seat_id)
    page = client.get(f"/kring-a/mkb-toets/feedback/{token}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Ontheffingen" in page.get_data(as_text=True) and "Anna Alpha" in page.get_data(as_text=True)
    assert client.get(f"/kring-b/mkb-toets/feedback/{token}").status_code == 404
    assert client.get("/kring-a/mkb-toets/feedback/not-a-token").status_code == 404
    url = f"/kring-a/mkb-toets/feedback/{token}/section/{section_id}"
    refused = client.post(url, data={"euros_yearly": "-120"}, headers=HTMX)
    assert refused.status_code == 422 and "cannot be negative" in refused.get_data(as_text=True)
    plain = client.post(url, data={"verdict": "with_changes", "euros_yearly": "120"})
    assert plain.status_code == 303
    assert (
        client.post(
            f"/kring-b/mkb-toets/feedback/{token}/section/{section_id}", data={"verdict": "workable"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/kring-a/mkb-toets/feedback/{token}/section/999999", data={"verdict": "workable"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/kring-a/mkb-toets/feedback/{token}/overall",
            data={"overall": "Prima", "consent_to_name": "on"},
            headers=HTMX,
        ).status_code
        == 200
    )
    with tenant_scope(a.tenant):
        rows = db.session.scalars(select(Feedback)).all()
        assert [(row.verdict.value, row.euros_yearly) for row in rows] == [("with_changes", 120)]
        dossier = db.session.get(Dossier, dossier_id)
        dossier.phase = Phase.CONSULTATION_CLOSED
        db.session.commit()
    late = client.post(url, data={"verdict": "workable"}, headers=HTMX)
    assert late.status_code == 422 and "closed" in late.get_data(as_text=True)
    assert "can no longer be given" in client.get(f"/kring-a/mkb-toets/feedback/{token}").get_data(
        as_text=True
    )
    with tenant_scope(mkb_world.b.tenant):
        assert db.session.scalars(select(Feedback)).all() == []


def test_a_dossier_takes_themes_of_its_own_tenant_only(mkb_world, client, login_as):
    from kringwerk.members.models import Theme

    with tenant_scope(mkb_world.a.tenant):
        a_theme = db.session.scalars(select(Theme).order_by(Theme.position)).first()
        a_theme_id, a_theme_name = a_theme.id, a_theme.name
    with tenant_scope(mkb_world.b.tenant):
        b_theme_id = db.session.scalars(select(Theme.id)).first()
    login_as(mkb_world.a.official)
    refused = client.post(
        "/kring-a/mkb-toets/new", data={"title": "Met thema van B", "themes": [str(b_theme_id)]}
    )
    assert refused.status_code == 422 and "Choose from the options shown" in refused.get_data(as_text=True)
    made = client.post("/kring-a/mkb-toets/new", data={"title": "Met thema", "themes": [str(a_theme_id)]})
    assert made.status_code == 303
    assert a_theme_name in client.get(made.headers["Location"]).get_data(as_text=True)
    with tenant_scope(mkb_world.a.tenant):
        assert [theme.id for theme in db.session.scalars(select(Dossier)).one().themes] == [a_theme_id]


def test_the_draft_is_changed_until_the_consultation_opens(mkb_world, client, login_as):
    a = mkb_world.a
    dossier_id = make_dossier(a.tenant)
    open_id = make_dossier(a.tenant, phase=Phase.CONSULTATION_OPEN)
    login_as(a.official)
    form = client.get(f"/kring-a/mkb-toets/{dossier_id}/edit").get_data(as_text=True)
    assert "Venstertijden" in form and "Ontheffingen" in form
    saved = client.post(
        f"/kring-a/mkb-toets/{dossier_id}/edit",
        data={
            "title": "Venstertijden, tweede concept",
            "sections": "Venstertijden\nTot 12 uur.\n\nHandhaving\nGeen camera's.",
        },
    )
    assert saved.status_code == 303
    with tenant_scope(a.tenant):
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier.title == "Venstertijden, tweede concept"
        assert [(s.number, s.heading, s.body) for s in dossier.sections] == [
            (1, "Venstertijden", "Tot 12 uur."),
            (2, "Handhaving", "Geen camera's."),
        ]
    refused = client.post(f"/kring-a/mkb-toets/{open_id}/edit", data={"title": "Stiekem veranderd"})
    assert refused.status_code == 303
    with tenant_scope(a.tenant):
        assert db.session.get(Dossier, open_id).title == "Venstertijden binnenstad"
    client.post("/account/logout")
    login_as(a.member)
    assert client.get(f"/kring-a/mkb-toets/{open_id}/edit").status_code == 403
    client.post("/account/logout")
    login_as(mkb_world.b.admin)
    assert client.post(f"/kring-b/mkb-toets/{dossier_id}/edit", data={"title": "B"}).status_code == 404


def test_the_next_phase_asks_first_and_says_what_it_does(mkb_world, client, login_as):
    a = mkb_world.a
    dossier_id = make_dossier(a.tenant)
    base = f"/kring-a/mkb-toets/{dossier_id}"
    login_as(a.admin)
    client.post(f"{base}/panel", data={"source": "standing"})
    dossier_page = client.get(base).get_data(as_text=True)
    assert f'href="{base}/advance"' in dossier_page and f'action="{base}/advance"' not in dossier_page
    asked = client.get(f"{base}/advance")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "panel members get their personal link by e-mail" in page or "panel member gets" in page
    assert 'name="to" value="consultation_open"' in page and "cannot be undone" in page
    with tenant_scope(a.tenant):
        assert db.session.get(Dossier, dossier_id).phase == Phase.DRAFT  # asking changed nothing
    assert client.post(f"{base}/advance", data={"to": "consultation_open"}).status_code == 303
    asked = client.get(f"{base}/advance").get_data(as_text=True)
    assert "can no longer give or change feedback" in asked
    client.post("/account/logout")
    login_as(a.member)
    assert client.get(f"{base}/advance").status_code in (403, 404)
    client.post("/account/logout")
    login_as(mkb_world.b.admin)
    assert client.get(f"{base}/advance").status_code == 404
    assert client.get(f"/kring-b/mkb-toets/{dossier_id}/advance").status_code == 404
