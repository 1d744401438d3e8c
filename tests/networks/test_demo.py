"""``kringwerk demo`` shows the regional network: its associations with their
municipalities, most of them signed the letter of intent, Bedrijvenkring Zutphen invited
and not signed, the letter as a PDF with the signatures; a second run adds nothing."""

from __future__ import annotations

import io
import re
from pathlib import Path

from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import func, select

from kringwerk.extensions import db
from kringwerk.networks import letters
from kringwerk.networks.models import Letter, Signature
from kringwerk.networks.overview import combined_directory, overview
from kringwerk.tenancy import tenant_scope, unscoped
from kringwerk.tenancy.models import AffiliationStatus, Tenant
from tests.conftest import login


def _tenant(slug):
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def _pdf_text(data: bytes) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.replace("\u2010\n", "").split())


def test_the_demo_network_with_its_letter_of_intent(app, world, client):
    runner = app.test_cli_runner()
    with force_locale("en"):
        first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    network = _tenant("cleantech-regio")
    rows = {row.name: row for row in overview(network)}
    signed = [name for name, row in rows.items() if row.signed_on]
    assert sorted(signed) == ["Industriële Kring Lochem", "MKB Deventer", "Ondernemend Apeldoorn"]
    zutphen = rows["Bedrijvenkring Zutphen"]
    assert zutphen.status == AffiliationStatus.INVITED and zutphen.signed_on is None
    assert zutphen.municipality == "Zutphen"
    assert all(row.municipality for row in rows.values())
    assert combined_directory(network).total > 0  # two associations share their directory
    # The PDF: printed as a link and written as a file, with every signature.
    path = Path(re.search(r"\(PDF, file\): (\S+\.pdf)", first.output).group(1))
    text = _pdf_text(path.read_bytes())
    for name in ("Marieke Dijkstra", "Erik Scholten", "Pieter Hendriks", "Agenda Cleantech Regio"):
        assert name in text
    url = re.search(r"\(PDF\): (http\S+)", first.output).group(1)
    board = _tenant("cleantech-regio")
    with tenant_scope(board):
        assert db.session.scalar(select(func.count(Letter.id))) == 1
    from kringwerk.accounts.services import find_user

    login(client, find_user("bestuur@kringwerk.demo"), "kringwerk-demo")
    response = client.get("/" + url.split("/", 3)[3])
    assert response.status_code == 200 and "Pieter Hendriks" in _pdf_text(response.data)
    # Seed 000: the initiative group and the alderman signed one agreement.
    ikl = _tenant("ikl")
    with tenant_scope(ikl):
        letter = db.session.scalar(select(Letter))
        parties = [s.party.split(":")[0] for s in letters.signatures(letters.current_version(letter))]
        assert parties == ["tenant", "person"]
    # Again: nothing new, and the world's tenants are untouched.
    with unscoped("test: count every signature"):
        before = db.session.scalar(select(func.count(Signature.id)))
    with force_locale("en"):
        second = runner.invoke(args=["demo"])
    assert "nothing was added" in second.stdout
    with unscoped("test: count every signature"):
        assert db.session.scalar(select(func.count(Signature.id))) == before
    for side in (world.a, world.b):
        with tenant_scope(side.tenant):
            assert db.session.scalar(select(func.count(Letter.id))) == 0
