"""``kringwerk demo`` gives MKB Leidschendam-Voorburg one dossier open for panel feedback
(some in) and one closed and published with its feedback released, its advice letter and the
municipality's point-by-point answer; the municipality's
official sees the figures, a second run adds nothing, and no other tenant gets a dossier."""

from __future__ import annotations

from sqlalchemy import func, select

from kringwerk.demo.data import DEMO_PASSWORD
from kringwerk.demo.services import load_demo
from kringwerk.extensions import db
from kringwerk.members.models import PanelMember
from kringwerk.tenancy import tenant_scope
from kringwerk.tenancy.models import Tenant
from plugins.mkb_toets import advice
from plugins.mkb_toets.models import Dossier, Feedback, Phase
from plugins.mkb_toets.summary import section_figures


def _tenant(slug):
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def test_demo_dossiers(app, world, client):
    load_demo()
    load_demo()
    mkb_lv, ikl = _tenant("mkb-lv"), _tenant("ikl")
    with tenant_scope(mkb_lv):
        dossiers = {dossier.phase: dossier for dossier in db.session.scalars(select(Dossier))}
        assert set(dossiers) == {Phase.CONSULTATION_OPEN, Phase.PUBLISHED}
        open_figures = section_figures(dossiers[Phase.CONSULTATION_OPEN])
        assert open_figures[0].responses == 2 and open_figures[0].euros_yearly == 7400
        closed = dossiers[Phase.PUBLISHED]
        assert closed.released_at is not None and [c.to_phase for c in closed.changes] == list(Phase)
        closed_id = closed.id
        assert [point.answer.value for point in advice.points_of(closed)] == [
            "partly",
            "adopted",
            "not_adopted",
        ]
        assert b"%PDF" in advice.letter_pdf(closed)[:8]
        assert db.session.scalar(select(func.count()).select_from(Feedback)) == 6
        # A standing panel, so the board can add it to a new dossier.
        assert db.session.scalar(select(func.count(PanelMember.id))) == 8
    with tenant_scope(ikl):
        assert db.session.scalars(select(Dossier)).all() == []
    response = client.post(
        "/account/login", data={"email": "gemeente@kringwerk.demo", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    figures = client.get(f"/mkb-lv/mkb-toets/{closed_id}/feedback")
    assert figures.status_code == 200 and "Reclameborden" in figures.get_data(as_text=True)
    assert client.get(f"/ikl/mkb-toets/{closed_id}").status_code == 404


def test_demo_prints_a_panel_members_link_to_the_open_dossier(app, world, client):
    """Panel members have no account: the demo prints one's personal link, fresh each run
    (the last one printed stops), so the feedback page can be tried by hand."""

    def feedback_links(result):
        return [url for _label, url in result.links if "/mkb-lv/mkb-toets/feedback/" in url]

    first = feedback_links(load_demo())
    second = feedback_links(load_demo())
    assert len(first) == 1 and len(second) == 1 and first != second
    path = second[0].split("://", 1)[-1].split("/", 1)[-1]
    page = client.get(f"/{path}")
    assert page.status_code == 200
    assert "Venstertijden bevoorrading centrum Leidschendam" in page.get_data(as_text=True)
    assert client.get("/" + first[0].split("://", 1)[-1].split("/", 1)[-1]).status_code == 404
    assert client.get(f"/ikl/mkb-toets/feedback/{path.rsplit('/', 1)[-1]}").status_code == 404
