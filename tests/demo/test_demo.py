"""``kringwerk demo``: the demo tenants from tenants/, companies and people,
idempotent, with logins that work."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from kringwerk import create_app
from kringwerk.accounts.models import Membership, Role, User
from kringwerk.audit.models import AuditEntry
from kringwerk.demo import data
from kringwerk.demo.services import generate_companies, load_demo
from kringwerk.extensions import db
from kringwerk.members.models import BusinessPark, Circle, Company, ContactPerson
from kringwerk.pluginhost.gating import enabled_keys
from kringwerk.tenancy import tenant_scope, unscoped
from kringwerk.tenancy.models import Affiliation, AffiliationStatus, Tenant, TenantKind
from tests.conftest import base_config, login

POSTCODE = re.compile(r"^[1-9][0-9]{3} [A-Z]{2}$")
LOGIN_ROW = re.compile(
    r"^(?P<role>.+?)\s{2,}(?P<email>\S+@kringwerk\.demo)\s+(?P<password>\S+)\s+(?P<url>http\S+)$"
)


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


def tenant(slug: str) -> Tenant:
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def counts() -> dict:
    """Rows per table over all tenants: a second demo run must leave them as they are."""
    with unscoped("test: count the demo rows in every tenant"):
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (
                Tenant,
                User,
                Membership,
                Company,
                ContactPerson,
                Circle,
                BusinessPark,
                Affiliation,
                AuditEntry,
            )
        }


@pytest.mark.both_databases
def test_demo_twice_gives_the_same_data(app, world):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    after_first = counts()

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "No changes." in second.stdout
    assert "nothing was added" in second.stdout
    assert counts() == after_first

    # The seed tenants exist with their plugins, circles, parks and the network.
    assert tenant("cleantech-regio").kind == TenantKind.REGION
    assert enabled_keys(tenant("cleantech-regio")) == {"events", "masterplan"}
    assert enabled_keys(tenant("ikl")) == {"polls", "events", "masterplan"}
    assert enabled_keys(tenant("ondernemend-assen")) == {"masterplan", "polls", "events"}
    assert enabled_keys(tenant("mkb-lv")) == {"mkb-toets", "events", "polls"}
    with tenant_scope(tenant("ondernemend-assen")):
        assert sorted(db.session.scalars(select(Circle.name))) == [
            "Niet gevestigd op een bedrijventerrein",
            "Noord",
            "Stadsbedrijvenpark",
            "Zuid/West",
        ]
    with tenant_scope(tenant("ikl")):
        assert (
            db.session.scalar(select(BusinessPark.municipality).where(BusinessPark.name == "Aalsvoort"))
            == "Lochem"
        )
    with tenant_scope(tenant("cleantech-regio")):
        members = {row.member.slug: row.status for row in db.session.scalars(select(Affiliation))}
    assert {"ikl", "mkb-deventer", "ondernemend-apeldoorn"} <= {
        slug for slug, status in members.items() if status == AffiliationStatus.ACTIVE
    }
    assert len(members) >= 3

    # Every association got 25-60 plausible companies, in its own town.
    for slug, profile in data.ASSOCIATIONS.items():
        with tenant_scope(tenant(slug)):
            companies = db.session.scalars(select(Company)).all()
            assert 25 <= len(companies) <= 60, slug
            kvk_numbers = [company.kvk_number for company in companies]
            assert all(re.fullmatch(r"[0-9]{8}", kvk) for kvk in kvk_numbers), slug
            assert len(set(kvk_numbers)) == len(kvk_numbers), slug
            towns = {town.name for town in profile.towns}
            for company in companies:
                assert company.city in towns
                assert POSTCODE.match(company.postcode), company.postcode
                assert company.sector and company.employees and company.themes and company.contacts
                low, high = next(t.postcodes for t in profile.towns if t.name == company.city)
                assert low <= int(company.postcode[:4]) <= high
            if profile.parks:
                assert any(company.business_park for company in companies), slug

    # The demo stays inside its tenants: the world's tenants are untouched.
    for side in (world.a, world.b):
        with tenant_scope(side.tenant):
            assert db.session.scalar(select(func.count(Company.id))) == 0
            assert db.session.scalar(select(func.count(Circle.id))) == 0
        assert enabled_keys(side.tenant) == frozenset()


def test_demo_people_and_their_roles(app):
    result = load_demo()

    def roles(email: str) -> dict[str, Role]:
        user = db.session.scalar(select(User).where(User.email == email))
        with unscoped("test: the demo user's memberships"):
            rows = db.session.execute(
                select(Tenant.slug, Membership.role)
                .join(Membership, Membership.tenant_id == Tenant.id)
                .where(Membership.user_id == user.id)
            ).all()
        return dict(rows)

    operator = db.session.scalar(select(User).where(User.email == "operator@kringwerk.demo"))
    assert operator.is_operator
    assert roles("bestuur@kringwerk.demo") == {"ikl": Role.ADMIN, "cleantech-regio": Role.ADMIN}
    assert roles("parkmanager@kringwerk.demo") == {"ikl": Role.FACILITATOR}
    assert roles("gemeente@kringwerk.demo") == {"ikl": Role.MUNICIPALITY, "mkb-lv": Role.MUNICIPALITY}
    assert roles("ondernemer@kringwerk.demo") == {"ikl": Role.MEMBER}

    entrepreneur = db.session.scalar(select(User).where(User.email == "ondernemer@kringwerk.demo"))
    with tenant_scope(tenant("ikl")):
        contact = db.session.scalar(select(ContactPerson).where(ContactPerson.user_id == entrepreneur.id))
        assert contact.company.business_park.name == "Aalsvoort"
        assert (
            db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "demo.loaded"))
            == 1
        )

    assert result.added["ikl"]["companies"] >= 25
    assert {login.email for login in result.logins} == {user.email for user in data.DEMO_USERS}
    assert all(login.password == data.DEMO_PASSWORD for login in result.logins)


def test_printed_logins_can_sign_in_and_stay_in_their_tenants(app, client):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    rows = [match.groupdict() for line in result.stdout.splitlines() if (match := LOGIN_ROW.match(line))]
    assert {row["email"] for row in rows} >= {
        "operator@kringwerk.demo",
        "bestuur@kringwerk.demo",
        "parkmanager@kringwerk.demo",
        "gemeente@kringwerk.demo",
        "ondernemer@kringwerk.demo",
    }
    assert f"Base URL: {app.config['BASE_URL']}" in result.stdout
    by_email = {row["email"]: row for row in rows}
    assert by_email["bestuur@kringwerk.demo"]["url"] == "http://localhost/ikl/"
    assert by_email["operator@kringwerk.demo"]["url"] == "http://localhost/operator/"

    for row in rows:
        client.post("/account/logout")
        response = client.post("/account/login", data={"email": row["email"], "password": row["password"]})
        assert response.status_code == 302, row["email"]

    # The board member of ikl reaches ikl's admin pages, not those of another association.
    client.post("/account/logout")
    board = db.session.scalar(select(User).where(User.email == "bestuur@kringwerk.demo"))
    login(client, board, by_email["bestuur@kringwerk.demo"]["password"])
    assert client.get("/ikl/admin/").status_code == 200
    assert client.get("/ondernemend-assen/admin/").status_code == 404
    wrong = client.post("/account/login", data={"email": "bestuur@kringwerk.demo", "password": "wrong"})
    assert wrong.status_code == 422


def test_companies_are_generated_deterministically():
    profile = data.ASSOCIATIONS["ikl"]
    first = generate_companies("ikl", profile)
    assert first == generate_companies("ikl", profile)
    assert first != generate_companies("mkb-deventer", profile)
    low, high = profile.companies
    assert low <= len(first) <= high
    on_aalsvoort = [company for company in first if company.park == "Aalsvoort"]
    assert on_aalsvoort and all(company.city == "Lochem" for company in first)
    assert sum("Initiatiefgroep Aalsvoort" in company.circles for company in first) == 6
    assert len({company.name for company in first}) == len(first)
    assert all(company.email.endswith(".example") for company in first)


def test_assen_companies_join_the_circle_of_their_park():
    profile = data.ASSOCIATIONS["ondernemend-assen"]
    for company in generate_companies("ondernemend-assen", profile):
        assert company.circles == (profile.circle_by_park[company.park],)


def test_demo_on_an_unmigrated_database_says_what_to_do(app, tmp_path):
    bare = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'empty.db'}"), environ={})
    with bare.app_context():
        for args in (["demo"], ["tenants", "sync"]):
            result = bare.test_cli_runner().invoke(args=args)
            assert result.exit_code == 1
            assert "kringwerk db upgrade" in result.stderr
            assert result.stdout == ""
        db.session.remove()
        db.engine.dispose()
