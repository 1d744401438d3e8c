"""A tenant whose standing panel is empty: the dossier page says so and points to where the
panel is kept instead of offering a button that adds nobody, and composing that adds nobody
says why rather than "0 people added". Tenant B's standing panel never counts for A."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from kringwerk.extensions import db
from kringwerk.members.models import PanelMember
from kringwerk.tenancy import tenant_scope
from plugins.mkb_toets.models import PanelSeat
from tests.plugins.mkb_toets.conftest import make_dossier


def test_an_empty_standing_panel_is_said_and_adding_nobody_is_explained(mkb_world, client, login_as):
    a = mkb_world.a
    dossier_id = make_dossier(a.tenant)
    login_as(a.admin)
    page = client.get(f"/kring-a/mkb-toets/{dossier_id}").get_data(as_text=True)
    assert "Add the standing panel (2)" in page
    with tenant_scope(a.tenant):
        db.session.execute(delete(PanelMember))
        db.session.commit()
    page = client.get(f"/kring-a/mkb-toets/{dossier_id}").get_data(as_text=True)
    assert "Add the standing panel" not in page
    assert "The standing panel has nobody yet." in page and 'href="/kring-a/members/panel/"' in page
    response = client.post(
        f"/kring-a/mkb-toets/{dossier_id}/panel", data={"source": "standing"}, follow_redirects=True
    )
    body = response.get_data(as_text=True)
    assert "0 people added" not in body and "Nobody new was added" in body
    with tenant_scope(a.tenant):
        assert db.session.scalar(select(func.count(PanelSeat.id))) == 0
    with tenant_scope(mkb_world.b.tenant):  # B's standing panel is untouched and never offered to A
        assert db.session.scalar(select(func.count(PanelMember.id))) == 1
