"""Letters of intent: the board keeps every version of the text; a chair signs the current
version for the association (joining the network by it); one signature per party and
version; named people sign by personal link; leaving keeps the signatures; the PDF holds
the text and every signature. Another network's letters and signatures stay out of reach."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.networks import letters, signatories
from kringwerk.networks.models import LetterVersion, Signature
from kringwerk.networks.pdf import letter_pdf
from kringwerk.tenancy import tenant_scope
from kringwerk.tenancy.models import Affiliation, AffiliationStatus
from kringwerk.tenants import affiliations
from tests.accounts.conftest import text_of
from tests.networks.conftest import TEXT, get_letter, invite, make_letter, typed

# Signing and reading cross from an association into its network: row-level security must agree.
pytestmark = pytest.mark.both_databases


def _affiliation(net, affiliation_id, network=None):
    with tenant_scope(network or net.region):
        return db.session.get(Affiliation, affiliation_id)


def _pdf_text(data: bytes) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    # Narrow table cells hyphenate: "Weter‐" + line break + "ing".
    return " ".join(text.replace("\u2010\n", "").split())


# --- services ----------------------------------------------------------------------------


def test_every_change_of_the_text_is_a_version_kept_with_who_and_when(net, world):
    letter_id = make_letter(net.region, net.admin)
    letter = get_letter(net.region, letter_id)
    assert letters.revise(letter, letter.title, TEXT, based_on=1, actor=net.admin) is None  # unchanged
    version = letters.revise(letter, "Intentieverklaring", TEXT + "\n\nNieuw.", based_on=1, actor=net.admin)
    assert version.number == 2
    db.session.commit()
    with tenant_scope(net.region):
        rows = letters.versions(get_letter(net.region, letter_id))
        assert [(v.number, v.created_by_name) for v, _count in rows] == [
            (2, net.admin.name),
            (1, net.admin.name),
        ]
        assert rows[1][0].text == TEXT  # the old text is kept as it was
        assert db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.startswith("letter."))
        ).all() == [
            "letter.created",
            "letter.revised",
        ]
    with tenant_scope(net.other):
        assert db.session.scalars(select(LetterVersion)).all() == []


def test_an_edit_from_an_older_version_is_refused(net, world):
    letter_id = make_letter(net.region, net.admin)
    letters.revise(get_letter(net.region, letter_id), "T", "Tekst twee", based_on=1, actor=net.admin)
    db.session.commit()
    with pytest.raises(letters.StaleLetter):
        letters.revise(get_letter(net.region, letter_id), "T", "Tekst drie", based_on=1, actor=net.admin)


def test_an_invited_association_joins_by_signing_and_signs_once_per_version(net, world):
    _invitation, affiliation_id = invite(net, world.a.tenant)
    letter_id = make_letter(net.region, net.admin)
    letter = get_letter(net.region, letter_id)
    letters.sign_for_tenant(letter, world.a.tenant, typed(), user=world.a.admin, version_number=1)
    db.session.commit()
    affiliation = _affiliation(net, affiliation_id)
    assert affiliation.status == AffiliationStatus.ACTIVE and affiliation.joined_on is not None
    with pytest.raises(letters.AlreadySigned):
        letters.sign_for_tenant(
            get_letter(net.region, letter_id),
            world.a.tenant,
            typed("Iemand anders"),
            user=world.a.admin,
            version_number=1,
        )
    db.session.rollback()
    with tenant_scope(net.region):
        signature = db.session.scalar(select(Signature))
        assert (signature.full_name, signature.function, signature.user_id, signature.party) == (
            "Harold Viscaal",
            "Voorzitter",
            world.a.admin.id,
            f"tenant:{world.a.tenant.id}",
        )
        assert signature.signed_at is not None
    # Recorded in both tenants.
    with tenant_scope(world.a.tenant):
        assert db.session.scalar(select(func.count()).where(AuditEntry.action == "letter.signed")) == 1


def test_who_may_sign(net, world):
    invite(net, world.a.tenant)
    letter_id = make_letter(net.region, net.admin)
    letter = get_letter(net.region, letter_id)
    # Not a board member of the association.
    with pytest.raises(letters.LetterError):
        letters.sign_for_tenant(letter, world.a.tenant, typed(), user=world.a.member, version_number=1)
    # Tenant B was never invited into this network.
    with pytest.raises(letters.LetterError):
        letters.sign_for_tenant(letter, world.b.tenant, typed(), user=world.b.admin, version_number=1)
    # The text changed since the signer read it.
    letters.revise(letter, letter.title, "Nieuwe tekst", based_on=1, actor=net.admin)
    with pytest.raises(letters.StaleLetter):
        letters.sign_for_tenant(letter, world.a.tenant, typed(), user=world.a.admin, version_number=1)
    db.session.rollback()
    with tenant_scope(net.region):
        assert db.session.scalars(select(Signature)).all() == []


def test_typed_values_are_checked():
    today = date(2026, 12, 4)
    with pytest.raises(letters.LetterError) as refused:
        letters.clean_typed(" ", "Voorzitter", "Kring A", today, today=today)
    assert refused.value.field == "full_name"
    with pytest.raises(letters.LetterError) as refused:
        letters.clean_typed("A", "B", "C", date(2026, 12, 5), today=today)
    assert refused.value.field == "signed_on"
    assert (
        letters.clean_typed("  Harold   Viscaal ", "B", "C", today, today=today).full_name == "Harold Viscaal"
    )


def test_signatures_belong_to_the_version_signed_and_survive_leaving(net, world):
    _invitation, affiliation_id = invite(net, world.a.tenant)
    letter_id = make_letter(net.region, net.admin)
    letters.sign_for_tenant(
        get_letter(net.region, letter_id), world.a.tenant, typed(), user=world.a.admin, version_number=1
    )
    db.session.commit()
    letters.revise(get_letter(net.region, letter_id), "Versie 2", "Andere tekst", based_on=1, actor=net.admin)
    db.session.commit()
    affiliations.leave(
        world.a.tenant, affiliations.member_affiliation(world.a.tenant, affiliation_id), actor=world.a.admin
    )
    db.session.commit()
    with tenant_scope(net.region):
        letter = get_letter(net.region, letter_id)
        counts = {v.number: count for v, count in letters.versions(letter)}
        assert counts == {2: 0, 1: 1}
        assert letters.latest_signatures(net.region) == {world.a.tenant.id: (date(2026, 12, 1), 1)}
    # After leaving, signing the new version is refused; the old signature stays.
    with pytest.raises(letters.LetterError):
        letters.sign_for_tenant(
            get_letter(net.region, letter_id), world.a.tenant, typed(), user=world.a.admin, version_number=2
        )


def test_an_initiative_group_and_an_alderman_sign_one_letter(world, outbox):
    """Seed 000: the group (an association) owns the letter; the alderman signs by personal link."""
    group = world.a.tenant
    letter_id = make_letter(
        group, world.a.admin, "Intentieovereenkomst Aalsvoort", "Samen werken aan Aalsvoort."
    )
    letters.sign_for_tenant(
        get_letter(group, letter_id),
        group,
        typed("Initiatiefnemer", "Kring A"),
        user=world.a.admin,
        version_number=1,
    )
    with tenant_scope(group):
        signatory = signatories.add_signatory(
            get_letter(group, letter_id),
            name="Eric-Jan de Haan",
            function="Wethouder Economie",
            organisation="Gemeente Lochem",
            email="wethouder@lochem.example.com",
            actor=world.a.admin,
        )
        signatory_id = signatory.id
    db.session.commit()
    message = outbox.last("wethouder@lochem.example.com")
    raw = re.search(r"/letters/sign/([A-Za-z0-9_-]+)", text_of(message)).group(1)
    with tenant_scope(group):
        found = signatories.resolve_link(raw)
        assert found is not None and found.id == signatory_id
        alderman = letters.Typed(
            "Eric-Jan de Haan", "Wethouder Economie", "Gemeente Lochem", date(2026, 12, 1)
        )
        letters.sign_by_link(found, alderman, version_number=1)
        db.session.commit()
    # The link is tenant A's: in tenant B it resolves to nothing.
    with tenant_scope(world.b.tenant):
        assert signatories.resolve_link(raw) is None
    with tenant_scope(group):
        version = letters.current_version(get_letter(group, letter_id))
        parties = [s.party for s in letters.signatures(version)]
        assert parties == [f"tenant:{group.id}", f"person:{signatory_id}"]
        pdf = letter_pdf(group, version)
    text = _pdf_text(pdf)
    assert "Eric-Jan de Haan" in text and "Wethouder Economie" in text and "Initiatiefnemer" in text


def test_the_pdf_holds_the_text_the_tenant_and_every_signature_so_far(net, world):
    invite(net, world.a.tenant)
    _i, affiliation_b = invite(net, world.b.tenant)
    letter_id = make_letter(net.region, net.admin)
    letters.sign_for_tenant(
        get_letter(net.region, letter_id),
        world.a.tenant,
        typed("Harold Viscaal", "Kring A"),
        user=world.a.admin,
        version_number=1,
    )
    letters.sign_for_tenant(
        get_letter(net.region, letter_id),
        world.b.tenant,
        typed("Ronald van Wetering", "Kring B"),
        user=world.b.admin,
        version_number=1,
    )
    db.session.commit()
    affiliations.leave(
        world.b.tenant, affiliations.member_affiliation(world.b.tenant, affiliation_b), actor=world.b.admin
    )
    db.session.commit()
    with tenant_scope(net.region):
        version = letters.current_version(get_letter(net.region, letter_id))
        from kringwerk.networks.overview import left_members

        text = _pdf_text(letter_pdf(net.region, version, left=left_members(net.region)))
    assert "Ondernemend Cleantech Regio" in text
    assert "Agenda Cleantech Regio" in text  # the letter's own text
    assert "Cleantech Regio" in text  # the tenant's name in the header
    assert "Harold Viscaal" in text and "Kring A" in text
    assert "Ronald van Wetering" in text
    assert "left on" in text
    assert "Regio Noord" not in text


# --- pages -------------------------------------------------------------------------------------


def test_the_chair_signs_from_the_associations_admin(net, world, login_as):
    _invitation, affiliation_id = invite(net, world.a.tenant)
    letter_id = make_letter(net.region, net.admin)
    client = login_as(world.a.admin)
    url = f"/kring-a/admin/networks/{affiliation_id}/letters/{letter_id}"
    page = client.get(url)
    assert page.status_code == 200 and "Agenda Cleantech Regio" in page.get_data(as_text=True)
    assert "joins Cleantech Regio" in page.get_data(as_text=True)
    form = {
        "full_name": "Harold Viscaal",
        "function": "Voorzitter",
        "organisation": "Kring A",
        "signed_on": "2026-12-01",
        "version": "1",
        "agree": "y",
    }
    missing = client.post(url, data={**form, "full_name": "", "agree": ""})
    assert missing.status_code == 422 and "Type your full name." in missing.get_data(as_text=True)
    # The summary joins the sentence label and its error without a stray ".:".
    assert "sign it: Confirm that you have read the letter" in missing.get_data(as_text=True)
    assert "sign it.:" not in missing.get_data(as_text=True)
    done = client.post(url, data=form)
    assert done.status_code == 302
    assert _affiliation(net, affiliation_id).status == AffiliationStatus.ACTIVE
    again = client.post(url, data=form)
    assert again.status_code == 409
    pdf = client.get(
        f"/kring-a/admin/networks/{affiliation_id}/letters/{letter_id}/versions/{_version_id(net, letter_id)}/pdf"
    )
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "Harold Viscaal" in _pdf_text(pdf.data)


def _version_id(owner_net, letter_id, owner=None):
    with tenant_scope(owner or owner_net.region):
        return letters.current_version(get_letter(owner or owner_net.region, letter_id)).id


def test_another_networks_letters_and_signatures_are_out_of_reach(net, world, login_as):
    _i, affiliation_a = invite(net, world.a.tenant)
    letter_id = make_letter(net.region, net.admin)
    other_letter = make_letter(
        net.other, net.other_admin, "Noordelijk akkoord", "Geheime tekst van het noorden."
    )
    _i, affiliation_b = invite(net, world.b.tenant, network=net.other, admin=net.other_admin)
    letters.sign_for_tenant(
        get_letter(net.other, other_letter),
        world.b.tenant,
        typed("Noord Voorzitter", "Kring B"),
        user=world.b.admin,
        version_number=1,
    )
    db.session.commit()
    other_version = _version_id(net, other_letter, net.other)
    client = login_as(world.a.admin)
    # Tenant A's affiliation with the other network's letter id: not found.
    assert client.get(f"/kring-a/admin/networks/{affiliation_a}/letters/{other_letter}").status_code == 404
    assert (
        client.get(
            f"/kring-a/admin/networks/{affiliation_a}/letters/{letter_id}/versions/{other_version}/pdf"
        ).status_code
        == 404
    )
    # Tenant B's affiliation id under tenant A: not found.
    assert client.get(f"/kring-a/admin/networks/{affiliation_b}/letters/").status_code == 404
    # The other network's own pages: A's people are not affiliated there.
    assert client.get(f"/regio-noord/letters/{other_letter}/").status_code == 404
    # The region's board cannot open the other network's letter under its own address.
    board = login_as(net.admin)
    assert board.get(f"/cleantech/letters/{other_letter}/").status_code == 404
    assert board.get(f"/cleantech/letters/{letter_id}/versions/{other_version}/pdf").status_code == 404
    assert "Noord Voorzitter" not in board.get(f"/cleantech/letters/{letter_id}/").get_data(as_text=True)


def test_the_board_writes_and_revises_the_letter_and_members_read_it(net, world, login_as):
    client = login_as(net.admin)
    assert "There is no letter of intent yet." in client.get("/cleantech/letters/").get_data(as_text=True)
    empty = client.post("/cleantech/admin/letters/new", data={"title": "", "text": ""})
    assert empty.status_code == 422 and "Enter a title." in empty.get_data(as_text=True)
    created = client.post("/cleantech/admin/letters/new", data={"title": "Intentieverklaring", "text": TEXT})
    assert created.status_code == 302
    letter_id = int(created.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    edit = f"/cleantech/admin/letters/{letter_id}/edit"
    assert (
        client.post(edit, data={"title": "Intentieverklaring", "text": "Nieuw", "based_on": "1"}).status_code
        == 302
    )
    stale = client.post(edit, data={"title": "Intentieverklaring", "text": "Nog eens", "based_on": "1"})
    assert stale.status_code == 422 and "while you were editing" in stale.get_data(as_text=True)
    page = client.get(f"/cleantech/letters/{letter_id}/").get_data(as_text=True)
    assert "Version 2" in page and "Nieuw" in page
    # An active association's people read it through the network scope, but do not edit.
    _i, affiliation_id = invite(net, world.a.tenant)
    affiliations.accept(
        world.a.tenant, affiliations.member_affiliation(world.a.tenant, affiliation_id), actor=world.a.admin
    )
    db.session.commit()
    reader = login_as(world.a.member)
    assert reader.get(f"/cleantech/letters/{letter_id}/").status_code == 200
    assert reader.get(edit).status_code == 404
    assert login_as(world.b.member).get(f"/cleantech/letters/{letter_id}/").status_code == 404


def test_a_named_signatory_signs_by_link_without_an_account(world, outbox, client, login_as):
    admin = login_as(world.a.admin)
    letter_id = make_letter(world.a.tenant, world.a.admin, "Intentieovereenkomst Aalsvoort", "Samen.")
    added = admin.post(
        f"/kring-a/admin/letters/{letter_id}/signatories/new",
        data={
            "name": "Eric-Jan de Haan",
            "function": "Wethouder Economie",
            "organisation": "Gemeente Lochem",
            "email": "wethouder@lochem.example.com",
        },
        follow_redirects=True,
    )
    assert "received a personal link to sign" in added.get_data(as_text=True)
    admin.post("/account/logout")
    raw = re.search(
        r"/letters/sign/([A-Za-z0-9_-]+)", text_of(outbox.last("wethouder@lochem.example.com"))
    ).group(1)
    url = f"/kring-a/letters/sign/{raw}"
    assert "Samen." in client.get(url).get_data(as_text=True)
    assert client.get(f"/kring-b/letters/sign/{raw}").status_code == 404
    form = {
        "full_name": "Eric-Jan de Haan",
        "function": "Wethouder Economie",
        "organisation": "Gemeente Lochem",
        "signed_on": "2026-12-01",
        "version": "1",
        "agree": "y",
    }
    assert client.post(url, data=form).status_code == 302
    assert "You signed this version" in client.get(url).get_data(as_text=True)
    assert client.post(url, data=form).status_code == 409
    assert "Eric-Jan de Haan" in _pdf_text(client.get(f"{url}/pdf").data)


def test_a_network_with_a_letter_is_joined_by_signing_not_by_a_button(net, world, login_as):
    _i, with_letter = invite(net, world.a.tenant)
    make_letter(net.region, net.admin)
    _i, without_letter = invite(net, world.a.tenant, network=net.other, admin=net.other_admin)
    client = login_as(world.a.admin)
    page = client.get("/kring-a/admin/networks/").get_data(as_text=True)
    assert f"/admin/networks/{with_letter}/accept" not in page
    assert f"/admin/networks/{with_letter}/letters" in page
    assert f"/admin/networks/{without_letter}/accept" in page
    refused = client.post(f"/kring-a/admin/networks/{with_letter}/accept")
    assert refused.status_code == 409
    assert "is joined by signing its letter of intent" in refused.get_data(as_text=True)
    assert _affiliation(net, with_letter).status == AffiliationStatus.INVITED
    accepted = client.post(f"/kring-a/admin/networks/{without_letter}/accept")
    assert accepted.status_code == 302
    assert _affiliation(net, without_letter, net.other).status == AffiliationStatus.ACTIVE
