"""The signatures in a letter's PDF are legible: names and functions are never hyphenated
in their narrow columns, and the moment of signing online reads like the page's dates
("4 Dec 2026, 23:24", in Dutch "4 dec 2026, 23:24"), not as numbers only."""

from __future__ import annotations

import io
from datetime import date

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from kringwerk.extensions import db
from kringwerk.networks import letters
from kringwerk.networks.pdf import letter_pdf
from kringwerk.tenancy import tenant_scope
from tests.networks.conftest import get_letter, invite, make_letter

pytestmark = pytest.mark.both_databases


def raw_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_signatures_are_not_hyphenated_and_read_like_dates(net, world, app):
    invite(net, world.a.tenant)
    letter_id = make_letter(net.region, net.admin)
    letters.sign_for_tenant(
        get_letter(net.region, letter_id),
        world.a.tenant,
        letters.Typed(
            full_name="Pieter Hendriksenvanderveldhuizen",
            function="Voorzitter ondernemersvereniging",
            organisation="Kring A",
            signed_on=date(2026, 12, 1),
        ),
        user=world.a.admin,
        version_number=1,
    )
    db.session.commit()
    with app.test_request_context(), tenant_scope(net.region):
        version = letters.current_version(get_letter(net.region, letter_id))
        with force_locale("nl"):
            text = raw_text(letter_pdf(net.region, version))
    assert "\u2010" not in text and "-\n" not in text, text
    assert "Hendriksenvanderveldhuizen" in text and "Voorzitter" in text
    signed_at = [line for line in text.splitlines() if "2026," in line]
    assert signed_at and all("-2026" not in line for line in signed_at), text
    # Kring B signed nothing and is not in the letter.
    assert "Kring B" not in text
