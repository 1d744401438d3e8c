"""Business rules for companies, contacts, parks, circles and themes, without HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kringwerk.audit.models import AuditEntry
from kringwerk.audit.services import record
from kringwerk.extensions import db
from kringwerk.members import directory, groupings, services, themes
from kringwerk.members.models import BusinessPark, Circle, Company, ContactPerson, Theme, company_circles
from kringwerk.members.services import MembersError
from kringwerk.members.themes import DEFAULT_THEMES
from kringwerk.tenancy import tenant_scope, unscoped
from tests.members.support import audit_actions, last_audit, theme_by_key

# --- normalisation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12345678", "12345678"),
        (" 1234 5678 ", "12345678"),
        ("12.34.56.78", "12345678"),
        ("", None),
        (None, None),
    ],
)
def test_kvk_numbers_are_normalised(raw, expected):
    assert services.normalise_kvk(raw) == expected


@pytest.mark.parametrize("raw", ["1234567", "123456789", "1234567a", "١٢٣٤٥٦٧٨", "12-345678"])
def test_kvk_numbers_need_exactly_eight_digits(raw):
    with pytest.raises(MembersError) as caught:
        services.normalise_kvk(raw)
    assert caught.value.errors.keys() == {"kvk_number"}
    assert "8 digits" in str(caught.value.message)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1234AB", "1234 AB"), ("1234 ab", "1234 AB"), (" 7241  xy ", "7241 XY"), ("", None)],
)
def test_postcodes_are_normalised(raw, expected):
    assert services.normalise_postcode(raw) == expected


@pytest.mark.parametrize("raw", ["0123 AB", "123 AB", "1234 A", "1234 ABC", "AB 1234", "12345"])
def test_bad_postcodes_are_refused(raw):
    with pytest.raises(MembersError, match="1234 AB"):
        services.normalise_postcode(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("www.example.nl", "https://www.example.nl"),
        ("http://example.nl/over-ons", "http://example.nl/over-ons"),
        ("https://bakkerij.frl", "https://bakkerij.frl"),
    ],
)
def test_websites_get_a_scheme(raw, expected):
    assert services.normalise_website(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "javascript:alert(1)",
        "ftp://example.nl",
        "example",
        "http://exa mple.nl",
        "https://",
        "http://x:99999",
    ],
)
def test_bad_websites_are_refused(raw):
    with pytest.raises(MembersError) as caught:
        services.normalise_website(raw)
    assert caught.value.errors.keys() == {"website"}


def test_emails_are_validated():
    assert services.normalise_email(" Info@Example.NL ") == "info@example.nl"
    with pytest.raises(MembersError):
        services.normalise_email("info@")


@pytest.mark.parametrize(("raw", "expected"), [("0", 0), ("12", 12), (40, 40), (" ", None)])
def test_employees_are_whole_numbers(raw, expected):
    assert services.normalise_employees(raw) == expected


@pytest.mark.parametrize("raw", ["-1", "1.5", "twaalf", -3, "99999999999"])
def test_bad_employee_counts_are_refused(raw):
    with pytest.raises(MembersError):
        services.normalise_employees(raw)


def test_clean_company_values_reports_every_field_at_once():
    with pytest.raises(MembersError) as caught:
        services.clean_company_values(
            {"name": " ", "kvk_number": "123", "postcode": "x", "employees": "-2", "website": "nope"}
        )
    assert set(caught.value.errors) == {"name", "kvk_number", "postcode", "employees", "website"}


def test_clean_company_values_checks_lengths():
    with pytest.raises(MembersError) as caught:
        services.clean_company_values({"name": "x" * 201})
    assert "200" in str(caught.value.errors["name"])


# --- companies -------------------------------------------------------------------------


def test_create_company_normalises_links_and_audits(members):
    with tenant_scope(members.a.tenant):
        company = services.create_company(
            {"name": "  Nieuw  BV ", "kvk_number": "8765 4321", "postcode": "1234ab", "employees": "7"},
            actor=members.a.admin,
            business_park=members.park,
            circles=[members.zuid, members.noord],
            themes=[theme_by_key("energie"), theme_by_key("mobiliteit")],
        )
        db.session.commit()
        assert (company.name, company.kvk_number, company.postcode, company.employees) == (
            "Nieuw BV",
            "87654321",
            "1234 AB",
            7,
        )
        assert company.business_park.name == "Aalsvoort"
        assert [c.name for c in company.circles] == ["Noord", "Zuid"]
        assert [t.key for t in company.themes] == ["energie", "mobiliteit"]
        assert company.tenant_id == members.a.tenant.id
    entry = last_audit(members.a.tenant)
    assert (entry.action, entry.target_label, entry.actor_id) == (
        "company.created",
        "Nieuw BV",
        members.a.admin.id,
    )


def test_kvk_is_unique_per_tenant_and_the_message_names_the_owner(members):
    with tenant_scope(members.a.tenant), pytest.raises(MembersError) as caught:
        services.create_company({"name": "Kopie", "kvk_number": "1234.5678"}, actor=members.a.admin)
    assert "Alpha Bouw BV" in str(caught.value.errors["kvk_number"])
    db.session.rollback()
    # Tenant B already has 12345678 too (Bravo): the number is unique per tenant only.
    with tenant_scope(members.b.tenant):
        services.create_company({"name": "Ander BV", "kvk_number": "23456789"}, actor=members.b.admin)
        db.session.commit()


def test_update_company_keeps_its_own_kvk_and_records_changes(members):
    with tenant_scope(members.a.tenant):
        alpha = db.session.get(Company, members.alpha_id)
        services.update_company(
            alpha,
            {"name": "Alpha Bouw BV", "kvk_number": "12345678", "city": "Zutphen"},
            actor=members.a.facilitator,
            business_park=None,
            circles=[members.zuid],
        )
        db.session.commit()
        assert (alpha.city, alpha.business_park, [c.name for c in alpha.circles]) == (
            "Zutphen",
            None,
            ["Zuid"],
        )
        # Themes were not passed, so they stay.
        assert [t.key for t in alpha.themes] == ["energie"]
        with pytest.raises(MembersError, match="Anker Zorg"):
            services.update_company(alpha, {"kvk_number": "23456789"}, actor=members.a.admin)
    db.session.rollback()
    entry = last_audit(members.a.tenant)
    assert entry.action == "company.updated"
    assert set(entry.details["changed"]) == {"city", "business_park", "circles"}


def test_switched_off_themes_cannot_be_chosen_but_stay_linked(members):
    with tenant_scope(members.a.tenant):
        energie, mobiliteit, welzijn = (
            theme_by_key(k) for k in ("energie", "mobiliteit", "welzijn-leefomgeving")
        )
        energie.active = False
        welzijn.active = False
        alpha = db.session.get(Company, members.alpha_id)
        services.update_company(alpha, {}, actor=members.a.admin, themes=[mobiliteit])
        assert {t.key for t in alpha.themes} == {"energie", "mobiliteit"}
        with pytest.raises(MembersError, match="switched off"):
            services.update_company(alpha, {}, actor=members.a.admin, themes=[welzijn])
    db.session.rollback()


def test_delete_company_removes_contacts_and_links(members):
    with tenant_scope(members.a.tenant):
        alpha = db.session.get(Company, members.alpha_id)
        services.delete_company(alpha, actor=members.a.admin)
        db.session.commit()
        assert db.session.get(Company, members.alpha_id) is None
        assert db.session.scalar(select(func.count(ContactPerson.id))) == 0
    with unscoped("test: count link rows of every tenant"):
        links = db.session.execute(select(company_circles.c.company_id)).scalars().all()
    assert members.alpha_id not in links
    assert members.bravo_id in links  # tenant B untouched
    entry = last_audit(members.a.tenant)
    assert (entry.action, entry.target_label, entry.details["contacts"]) == (
        "company.deleted",
        "Alpha Bouw BV",
        1,
    )


# --- contact persons ------------------------------------------------------------------------


def test_contacts_link_to_a_member_account_by_email(members):
    with tenant_scope(members.a.tenant):
        alpha = db.session.get(Company, members.alpha_id)
        contact = services.add_contact(
            alpha, {"name": "Mia", "email": members.a.member.email.upper()}, actor=members.a.admin
        )
        assert contact.user_id == members.a.member.id
        # A user of another tenant is not linked, even with a matching address.
        services.update_contact(contact, {"email": members.b.member.email}, actor=members.a.admin)
        assert contact.user_id is None
        services.update_contact(contact, {"email": "", "job_title": "Directeur"}, actor=members.a.admin)
        assert (contact.email, contact.job_title, contact.user_id) == (None, "Directeur", None)
        db.session.commit()
    assert audit_actions(members.a.tenant)[-3:] == ["contact.created", "contact.updated", "contact.updated"]


def test_contact_needs_a_name_and_a_valid_email(members):
    with tenant_scope(members.a.tenant):
        alpha = db.session.get(Company, members.alpha_id)
        with pytest.raises(MembersError) as caught:
            services.add_contact(alpha, {"name": "", "email": "nope"}, actor=members.a.admin)
    assert set(caught.value.errors) == {"name", "email"}


def test_delete_contact(members):
    with tenant_scope(members.a.tenant):
        contact = db.session.scalar(select(ContactPerson))
        services.delete_contact(contact, actor=members.a.admin)
        db.session.commit()
        assert db.session.scalar(select(func.count(ContactPerson.id))) == 0
        assert db.session.get(Company, members.alpha_id) is not None
    assert last_audit(members.a.tenant).action == "contact.deleted"


# --- parks and circles --------------------------------------------------------------------------


@pytest.mark.both_databases
def test_deleting_a_park_keeps_its_companies(members):
    with tenant_scope(members.a.tenant):
        park = db.session.get(BusinessPark, members.park_id)
        assert groupings.companies_on_park(park) == 1
        assert groupings.delete_park(park, actor=members.a.admin) == 1
        db.session.commit()
        alpha = db.session.get(Company, members.alpha_id)
        assert alpha is not None and alpha.business_park_id is None
    with tenant_scope(members.b.tenant):
        bravo = db.session.get(Company, members.bravo_id)
        assert bravo.business_park_id == members.b_park_id
    entry = last_audit(members.a.tenant)
    assert (entry.action, entry.details) == ("park.deleted", {"companies": 1})


@pytest.mark.both_databases
def test_deleting_a_circle_drops_its_links(members):
    with tenant_scope(members.a.tenant):
        circle = db.session.get(Circle, members.noord_id)
        assert groupings.companies_in_circle(circle) == 1
        groupings.delete_circle(circle, actor=members.a.admin)
        db.session.commit()
        alpha = db.session.get(Company, members.alpha_id)
        assert alpha.circles == []
    with tenant_scope(members.b.tenant):
        assert [c.name for c in db.session.get(Company, members.bravo_id).circles] == ["Noord"]
    assert last_audit(members.a.tenant).action == "circle.deleted"


def test_park_and_circle_names_are_unique_per_tenant(members):
    with tenant_scope(members.a.tenant):
        with pytest.raises(MembersError, match="already a business park"):
            groupings.create_park({"name": "aalsvoort"}, actor=members.a.admin)
        with pytest.raises(MembersError, match="already a circle"):
            groupings.create_circle({"name": " NOORD "}, actor=members.a.admin)
        park = db.session.get(BusinessPark, members.other_park_id)
        with pytest.raises(MembersError):
            groupings.update_park(park, {"name": "Aalsvoort"}, actor=members.a.admin)
        # Renaming to its own name (another case) is fine.
        groupings.update_park(park, {"name": "de wieken", "municipality": "Deventer"}, actor=members.a.admin)
        db.session.commit()
    with tenant_scope(members.b.tenant):
        groupings.create_circle({"name": "Zuid"}, actor=members.b.admin)
        db.session.commit()
    assert audit_actions(members.a.tenant)[-1] == "park.updated"
    assert audit_actions(members.b.tenant)[-1] == "circle.created"


def test_park_and_circle_lifecycle_is_audited(members):
    with tenant_scope(members.a.tenant):
        park = groupings.create_park(
            {"name": "Kanaalzone", "description": "  Langs het kanaal \n"}, actor=None
        )
        assert park.description == "Langs het kanaal"
        circle = groupings.create_circle({"name": "Oost"}, actor=None)
        groupings.update_circle(circle, {"name": "Oost-Assen"}, actor=None)
        db.session.commit()
    assert audit_actions(members.a.tenant)[-3:] == ["park.created", "circle.created", "circle.updated"]


# --- themes ------------------------------------------------------------------------------------


def test_every_tenant_starts_with_the_twelve_default_themes(world):
    for side in (world.a, world.b):
        with tenant_scope(side.tenant):
            keys = [t.key for t in groupings.ordered_themes()]
        assert keys == [key for key, _nl, _en in DEFAULT_THEMES]
        assert len(keys) == 12
    with tenant_scope(world.a.tenant):
        assert themes.seed_default_themes() == []  # idempotent


def test_slugify():
    assert groupings.slugify("Welzijn & leefomgeving") == "welzijn-leefomgeving"
    assert groupings.slugify("Café Économie ") == "cafe-economie"
    assert groupings.slugify("!!!") == "thema"


def test_create_theme_makes_a_unique_key_and_goes_last(world):
    with tenant_scope(world.a.tenant):
        theme = groupings.create_theme({"name_nl": "Energie transitie", "name_en": ""}, actor=world.a.admin)
        assert (theme.key, theme.name_en, theme.position, theme.active) == (
            "energie-transitie",
            "Energie transitie",
            13,
            True,
        )
        with pytest.raises(MembersError, match="already a theme"):
            groupings.create_theme({"name_nl": "energie"}, actor=world.a.admin)
        second = groupings.create_theme({"name_nl": "Energie-transitie!"}, actor=world.a.admin)
        assert second.key == "energie-transitie-2"
        db.session.commit()
    with tenant_scope(world.b.tenant):
        assert theme_by_key("energie-transitie") is None
    assert audit_actions(world.a.tenant)[-2:] == ["theme.created", "theme.created"]


def test_update_theme_keeps_the_key(world):
    with tenant_scope(world.a.tenant):
        theme = theme_by_key("energie")
        groupings.update_theme(
            theme,
            {"name_nl": "Energie en warmte", "name_en": "Energy and heat", "description_nl": "Over warmte."},
            actor=world.a.admin,
        )
        db.session.commit()
        assert (theme.key, theme.name_nl, theme.description_nl) == (
            "energie",
            "Energie en warmte",
            "Over warmte.",
        )
    entry = last_audit(world.a.tenant)
    assert entry.action == "theme.updated"
    assert set(entry.details["changed"]) == {"name_nl", "name_en", "description_nl"}


def test_deactivate_and_reactivate_theme(world):
    with tenant_scope(world.a.tenant):
        theme = theme_by_key("veiligheid")
        groupings.set_theme_active(theme, False, actor=world.a.admin)
        groupings.set_theme_active(theme, False, actor=world.a.admin)  # no change, no entry
        assert "veiligheid" not in [t.key for t in groupings.ordered_themes(active_only=True)]
        groupings.set_theme_active(theme, True, actor=world.a.admin)
        db.session.commit()
        assert db.session.scalar(select(func.count(Theme.id))) == 12
    assert audit_actions(world.a.tenant)[-2:] == ["theme.deactivated", "theme.reactivated"]


def test_move_theme(world):
    with tenant_scope(world.a.tenant):
        materialen = theme_by_key("materialen")
        assert groupings.move_theme(materialen, "up", actor=world.a.admin) is True
        assert [t.key for t in groupings.ordered_themes()][:2] == ["materialen", "energie"]
        assert groupings.move_theme(materialen, "up", actor=world.a.admin) is False  # already first
        mobiliteit = theme_by_key("mobiliteit")
        assert groupings.move_theme(mobiliteit, "down", actor=world.a.admin) is False  # already last
        groupings.move_theme(theme_by_key("energie"), "down", actor=world.a.admin)
        assert [t.key for t in groupings.ordered_themes()][:3] == ["materialen", "ruimtegebruik", "energie"]
        with pytest.raises(MembersError):
            groupings.move_theme(materialen, "sideways", actor=world.a.admin)
        db.session.commit()
    with tenant_scope(world.b.tenant):
        assert groupings.ordered_themes()[0].key == "energie"
    assert audit_actions(world.a.tenant).count("theme.reordered") == 2


# --- the directory query ------------------------------------------------------------------------


def names(filters: directory.DirectoryFilters) -> list[str]:
    return [c.name for c in db.session.scalars(directory.directory_query(filters))]


def test_directory_query_searches_and_filters(members):
    with tenant_scope(members.a.tenant):
        db.session.add(Company(name="100% Schoon", city="Lochem"))
        db.session.flush()
        energie = theme_by_key("energie")
        assert names(directory.DirectoryFilters()) == ["100% Schoon", "Alpha Bouw BV", "Anker Zorg"]
        assert names(directory.DirectoryFilters(q="anker")) == ["Anker Zorg"]
        assert names(directory.DirectoryFilters(q="1234 56")) == ["Alpha Bouw BV"]  # KvK, spaces ignored
        assert names(directory.DirectoryFilters(q="assen")) == ["Anker Zorg"]  # city
        assert names(directory.DirectoryFilters(q="de vries")) == ["Alpha Bouw BV"]  # contact person
        assert names(directory.DirectoryFilters(q="100%")) == ["100% Schoon"]  # % is not a wildcard
        assert names(directory.DirectoryFilters(q="_")) == []
        assert names(directory.DirectoryFilters(park_id=members.park_id)) == ["Alpha Bouw BV"]
        assert names(directory.DirectoryFilters(circle_id=members.noord_id)) == ["Alpha Bouw BV"]
        assert names(directory.DirectoryFilters(sector="Zorg")) == ["Anker Zorg"]
        assert names(directory.DirectoryFilters(theme_id=energie.id)) == ["Alpha Bouw BV"]
        assert names(directory.DirectoryFilters(q="lochem", sector="Zorg")) == []
        assert directory.sectors() == ["Bouw", "Zorg"]
        # Tenant B's circle id filters nothing in: it belongs to no company of A.
        assert names(directory.DirectoryFilters(circle_id=members.b_circle_id)) == []
    db.session.rollback()


def test_a_kvk_race_past_the_check_still_gives_a_form_error(members, monkeypatch):
    """Two requests can both pass the uniqueness check; the database constraint
    then refuses the second, and the user sees a message, not an error page."""
    monkeypatch.setattr(services, "company_with_kvk", lambda *args, **kwargs: None)
    with tenant_scope(members.a.tenant), pytest.raises(MembersError) as caught:
        services.create_company({"name": "Tweede", "kvk_number": "12345678"}, actor=None)
    assert caught.value.errors.keys() == {"kvk_number"}
    db.session.rollback()


@pytest.mark.both_databases
def test_deleting_a_contact_leaves_no_name_or_address_in_the_trail(members):
    """Removing a contact person is their erasure: earlier entries name them by number only."""
    with tenant_scope(members.a.tenant):
        contact = db.session.scalar(select(ContactPerson))
        services.update_contact(
            contact,
            {"name": "Anna de Vries", "email": "anna@alpha.example.com", "job_title": "Directeur"},
            actor=members.a.admin,
        )
        db.session.commit()
        contact_id = contact.id
        services.delete_contact(contact, actor=members.a.admin)
        db.session.commit()
        labels = set(db.session.scalars(select(AuditEntry.target_label)))
    assert "Anna de Vries" not in labels and "anna@alpha.example.com" not in labels
    assert f"#{contact_id}" in labels
    with tenant_scope(members.b.tenant):
        # Tenant B's entries about someone with the same name are not A's to rewrite.
        record("contact.created", actor=members.b.admin, target_label="Anna de Vries")
        db.session.commit()
    with tenant_scope(members.a.tenant):
        other = db.session.get(Company, members.anker_id)
        services.delete_contact(
            services.add_contact(
                other, {"name": "Bert", "email": "bert@anker.example.com"}, actor=members.a.admin
            ),
            actor=members.a.admin,
        )
        db.session.commit()
    with tenant_scope(members.b.tenant):
        assert "Anna de Vries" in set(db.session.scalars(select(AuditEntry.target_label)))
