"""The panel's overall feedback reaches the municipality as the per-section feedback does:
only once the board released it, unnamed by default, named only where the member agreed.
The board reads every author. Tenant B's panel is never shown."""

from __future__ import annotations

from kringwerk.accounts.models import Role
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.mkb_toets import feedback, summary
from plugins.mkb_toets.models import Dossier, PanelSeat, Phase
from tests.plugins.mkb_toets.test_services import open_dossier_with_panel, step


def _overall(tenant, seat_id, text, consent):
    with tenant_scope(tenant):
        feedback.save_overall(
            db.session.get(PanelSeat, seat_id), {"overall": text, "consent_to_name": consent}
        )
        db.session.commit()


def test_the_municipality_sees_overall_feedback_as_released(mkb_world, client, login_as):
    a = mkb_world.a
    dossier_id, (anna_seat, bert_seat) = open_dossier_with_panel(mkb_world)
    _overall(a.tenant, anna_seat, "Anna vindt het te streng.", "1")
    _overall(a.tenant, bert_seat, "Bert wil meer overleg.", "")
    with tenant_scope(a.tenant):
        dossier = db.session.get(Dossier, dossier_id)
        shown = [(r.name, r.comment) for r in summary.overall_remarks(dossier, names="municipality")]
        assert shown == [("Anna Alpha", "Anna vindt het te streng."), (None, "Bert wil meer overleg.")]
        board = [r.name for r in summary.overall_remarks(dossier, names="board")]
        assert board == ["Anna Alpha", "Bert Berends"]
    step(a.tenant, dossier_id, Phase.CONSULTATION_CLOSED, a.admin, Role.ADMIN)
    url = f"/kring-a/mkb-toets/{dossier_id}/feedback"
    login_as(a.official)
    assert client.get(url).status_code == 404  # not released yet
    client.post("/account/logout")
    login_as(a.admin)
    board_page = client.get(url).get_data(as_text=True)
    assert "Bert Berends" in board_page and "Bert wil meer overleg." in board_page
    client.post(f"/kring-a/mkb-toets/{dossier_id}/release")
    client.post("/account/logout")
    login_as(a.official)
    page = client.get(url).get_data(as_text=True)
    assert "Overall feedback" in page
    assert "Anna vindt het te streng." in page and "Anna Alpha" in page
    assert "Bert wil meer overleg." in page and "Bert Berends" not in page and "A panel member" in page
    client.post("/account/logout")
    login_as(mkb_world.b.official)
    assert client.get(f"/kring-b/mkb-toets/{dossier_id}/feedback").status_code == 404
