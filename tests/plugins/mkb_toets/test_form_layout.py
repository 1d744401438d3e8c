"""The forms of the MKB-toets pages keep the shared look: every text box, number and
list sits in a ``.field`` (its label above it, full width) and every tick box or
radio button in a ``.checkbox``/``.choice`` row, so a panel member's section form
and the dossier form do not run their labels and boxes together on one line.
Tenant B's copy of the page is not reachable with A's link."""

from __future__ import annotations

import lxml.html

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.mkb_toets.models import PanelSeat, Phase
from tests.plugins.mkb_toets.conftest import make_dossier
from tests.plugins.mkb_toets.test_services import link_for


def loose_controls(html: str) -> list[str]:
    """The controls of the page's main forms not laid out by the shared form classes."""
    tree = lxml.html.fromstring(html)
    loose = []
    for control in tree.xpath(
        "//main//form[not(contains(@class,'language-switch'))]//*[self::input or self::textarea or self::select]"
    ):
        kind = control.get("type", "")
        if kind in ("hidden", "submit"):
            continue
        wanted = ("checkbox", "choice") if kind in ("checkbox", "radio") else ("field",)
        classes = " ".join(ancestor.get("class", "") for ancestor in control.iterancestors()).split()
        if not any(name in classes for name in wanted):
            loose.append(control.get("name") or control.get("id") or control.tag)
    return loose


def test_the_panel_members_feedback_form_is_laid_out_field_by_field(mkb_world, client):
    a = mkb_world.a
    dossier_id = make_dossier(a.tenant, phase=Phase.CONSULTATION_OPEN)
    with tenant_scope(a.tenant):
        seat = PanelSeat(dossier_id=dossier_id, contact_person_id=mkb_world.contact_ids["Anna Alpha"])
        db.session.add(seat)
        db.session.commit()
        seat_id = seat.id
    token = link_for(a.tenant, seat_id)
    page = client.get(f"/kring-a/mkb-toets/feedback/{token}")
    assert page.status_code == 200
    assert loose_controls(page.get_data(as_text=True)) == []
    assert client.get(f"/kring-b/mkb-toets/feedback/{token}").status_code == 404


def test_the_dossier_form_lists_its_themes_as_tick_boxes(mkb_world, client, login_as):
    login_as(mkb_world.a.official)
    page = client.get("/kring-a/mkb-toets/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="themes"' in html
    assert loose_controls(html) == []
    login_as(mkb_world.b.member)
    assert client.get("/kring-a/mkb-toets/new").status_code in (403, 404)


def test_the_board_s_panel_and_advice_forms_and_the_municipality_s_answer_form(mkb_world, client, login_as):
    from plugins.mkb_toets import advice
    from plugins.mkb_toets.models import Dossier

    a = mkb_world.a
    open_id = make_dossier(a.tenant, phase=Phase.CONSULTATION_OPEN)
    writing_id = make_dossier(a.tenant, title="Reclamebeleid", phase=Phase.ADVICE_WRITING)
    sent_id = make_dossier(a.tenant, title="Terrassen", phase=Phase.ADVICE_SENT)
    with tenant_scope(a.tenant):
        advice.add_point(db.session.get(Dossier, writing_id), "Ruimere uitstallingen", actor=a.admin)
        db.session.get(Dossier, sent_id).phase = Phase.ADVICE_WRITING
        advice.add_point(db.session.get(Dossier, sent_id), "Terrassen tot 3 meter", actor=a.admin)
        db.session.get(Dossier, sent_id).phase = Phase.ADVICE_SENT
        db.session.commit()
    login_as(a.admin)
    dossier_page = client.get(f"/kring-a/mkb-toets/{open_id}").get_data(as_text=True)
    assert 'name="company_id"' in dossier_page and loose_controls(dossier_page) == []
    advice_page = client.get(f"/kring-a/mkb-toets/{writing_id}/advice").get_data(as_text=True)
    assert 'name="text"' in advice_page and loose_controls(advice_page) == []
    client.post("/account/logout")
    login_as(a.official)
    answer_page = client.get(f"/kring-a/mkb-toets/{sent_id}/advice").get_data(as_text=True)
    assert 'name="answer"' in answer_page and loose_controls(answer_page) == []
    client.post("/account/logout")
    login_as(mkb_world.b.admin)
    assert client.get(f"/kring-a/mkb-toets/{sent_id}/advice").status_code in (403, 404)
