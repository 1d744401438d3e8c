"""The advice letter carries the tenant's name and logo: an image in the PDF when the
tenant has a logo, none without one; tenant B's letter shows B's name, never A's."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from kringwerk.accounts.models import Role
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from kringwerk.tenants.services import set_logo
from plugins.mkb_toets import advice, phases
from plugins.mkb_toets.models import Dossier, Phase
from tests.documents.support import image_bytes
from tests.plugins.mkb_toets.conftest import make_dossier


def _sent(side) -> int:
    dossier_id = make_dossier(side.tenant, phase=Phase.ADVICE_WRITING)
    with tenant_scope(side.tenant):
        dossier = db.session.get(Dossier, dossier_id)
        advice.add_point(dossier, "Venstertijden tot 12 uur.", actor=side.admin)
        phases.advance(dossier, Phase.ADVICE_SENT, actor=side.admin, role=Role.ADMIN)
        db.session.commit()
    return dossier_id


def _letter(client, slug, dossier_id) -> tuple[str, int]:
    response = client.get(f"/{slug}/mkb-toets/{dossier_id}/advice.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    pages = PdfReader(io.BytesIO(response.data)).pages
    return "\n".join(page.extract_text() for page in pages), sum(len(page.images) for page in pages)


@pytest.mark.both_databases
def test_the_letter_carries_the_tenants_name_and_logo(mkb_world, client, login_as):
    a, b = mkb_world.a, mkb_world.b
    a_dossier, b_dossier = _sent(a), _sent(b)
    login_as(a.official)
    text, images = _letter(client, "kring-a", a_dossier)
    assert "Kring A" in text and "Venstertijden tot 12 uur." in text and images == 0  # no logo yet
    set_logo(a.tenant, io.BytesIO(image_bytes("PNG", "blue", (60, 30))), "logo.png", actor=a.admin)
    db.session.commit()
    text, images = _letter(client, "kring-a", a_dossier)
    assert "Kring A" in text and "Kring B" not in text and images == 1
    client.post("/account/logout")
    login_as(b.official)
    text, images = _letter(client, "kring-b", b_dossier)
    assert "Kring B" in text and "Kring A" not in text and images == 0  # A's logo stays A's
    assert client.get(f"/kring-b/mkb-toets/{a_dossier}/advice.pdf").status_code == 404


def test_the_letters_figures_are_written_in_the_readers_format(mkb_world, client, login_as):
    from plugins.mkb_toets.models import Feedback, PanelSeat

    a, b = mkb_world.a, mkb_world.b
    a.tenant.default_locale = "nl"
    db.session.commit()
    dossier_id = make_dossier(a.tenant, phase=Phase.CONSULTATION_OPEN)
    with tenant_scope(a.tenant):
        dossier = db.session.get(Dossier, dossier_id)
        seat = PanelSeat(dossier_id=dossier_id, contact_person_id=mkb_world.contact_ids["Anna Alpha"])
        db.session.add(seat)
        db.session.flush()
        db.session.add(
            Feedback(
                seat_id=seat.id, section_id=dossier.sections[0].id, hours_yearly=1500, euros_yearly=12500
            )
        )
        dossier.phase = Phase.ADVICE_WRITING
        advice.add_point(dossier, "Venstertijden tot 12 uur.", actor=a.admin)
        phases.advance(dossier, Phase.ADVICE_SENT, actor=a.admin, role=Role.ADMIN)
        db.session.commit()
    login_as(a.official)
    text, _images = _letter(client, "kring-a", dossier_id)
    assert "12.500" in text and "1.500" in text and "12500" not in text
    client.post("/account/logout")
    login_as(b.official)
    assert client.get(f"/kring-b/mkb-toets/{dossier_id}/advice.pdf").status_code == 404
