"""The member directory and a company's page kept per process until the next write (issue 15).

Between two writes a warm request reads nothing of the directory: no statement beyond the
ones the page shell runs, and nothing built. The kept HTML is per tenant, locale, person
(their role decides the manage links and buttons), valid filters, page and kind of answer
(page or htmx fragment); arguments that change nothing share an entry, a mistyped filter is
answered as it comes and never kept. A change through the app and one from another worker
show at the next request; one tenant's companies never reach another tenant's page."""

from __future__ import annotations

import re

import pytest
from flask import render_template
from sqlalchemy import select, update

from kringwerk.accounts.permissions import require_member
from kringwerk.extensions import db
from kringwerk.members.directory import FILTER_ARGUMENTS
from kringwerk.members.forms import DirectoryFilterForm
from kringwerk.members.models import Company
from kringwerk.tenancy import cache, tenant_scope
from kringwerk.tenancy.cache import DATA_STAMP_ID, CacheStamp
from kringwerk.web.fragments import CSRF_PLACEHOLDER
from tests.conftest import World
from tests.members.support import count_queries, page_text
from tests.support.workers import in_another_worker

HTMX = {"HX-Request": "true"}
# Statements that read the member tables (not the stamp, the user or the tenant).
MEMBER_TABLES = re.compile(
    r"\b(companies|contact_persons|business_parks|circles|themes|company_circles|company_themes)\b"
)


@pytest.fixture
def shell(app):
    """A tenant page for members that renders only the page shell: what every page costs."""

    @app.get("/<tenant>/shell-probe")
    @require_member()
    def shell_probe():
        return render_template("base.html")

    return "shell-probe"


def builds(app) -> int:
    return app.extensions[cache.EXTENSION_KEY].builds


def signed_in(app, *users) -> list:
    """A client signed in as each of ``users``."""
    clients = []
    for user in users:
        client = app.test_client()
        response = client.post("/account/login", data={"email": user.email, "password": World.password})
        assert response.status_code == 302
        clients.append(client)
    return clients


def kept(app) -> int:
    """How many values of the directory this process keeps (its filters and its HTML)."""
    entries = app.extensions[cache.EXTENSION_KEY].data_generation.entries
    return sum(1 for key in entries if "'members.directory" in repr(key))


def statements_of(client, path: str, headers=None) -> list[str]:
    """The statements of a GET of ``path`` (answering 200)."""
    with count_queries() as statements:
        response = client.get(path, headers=headers or {})
    assert response.status_code == 200, path
    return statements


def content(response) -> str:
    """The page's content, without the shell (which shows the URL, the user and more)."""
    text = page_text(response)
    return text[text.index('<main id="main"') : text.index("</main>")]


def data_stamp() -> str:
    value = db.session.scalar(select(CacheStamp.value).where(CacheStamp.id == DATA_STAMP_ID))
    db.session.rollback()
    return value


def _add_companies(tenant, count: int) -> None:
    with tenant_scope(tenant):
        db.session.add_all(Company(name=f"Extra {n:03d}", sector="Bouw") for n in range(count))
        db.session.commit()


@pytest.mark.both_databases
def test_a_warm_directory_runs_no_statement_beyond_the_shell(app, members, login_as, shell):
    _add_companies(members.b.tenant, 40)  # a second page in B, none in A
    for tenant, admin in ((members.a.tenant, members.a.admin), (members.b.tenant, members.b.admin)):
        client = login_as(admin)
        base = f"/{tenant.slug}/members/"
        paths = [
            (base, None),
            (base + "?q=a&sector=Bouw", None),
            (base + "?q=a", HTMX),
            (base + "?page=2", None),
        ]
        for path, headers in paths:
            client.get(path, headers=headers or {})
        client.get(f"/{tenant.slug}/{shell}")
        shell_statements = statements_of(client, f"/{tenant.slug}/{shell}")
        built = builds(app)
        for path, headers in paths:
            statements = statements_of(client, path, headers)
            assert statements == shell_statements, path  # the same few, whatever the data
            assert not any(MEMBER_TABLES.search(statement) for statement in statements)
        assert builds(app) == built
        client.post("/account/logout")
    # B's page shows its own companies, A's never B's.
    client = login_as(members.b.admin)
    assert "Extra 000" in page_text(client.get("/kring-b/members/"))
    assert "Alpha Bouw" not in page_text(client.get("/kring-b/members/"))
    client.post("/account/logout")
    login_as(members.a.admin)
    text = page_text(client.get("/kring-a/members/?sector=Bouw"))
    assert "Alpha Bouw BV" in text and "Extra 000" not in text and "Bravo" not in text


@pytest.mark.both_databases
def test_arguments_that_change_nothing_share_the_kept_page(app, members, login_as):
    client = login_as(members.a.admin)
    text = content(client.get("/kring-a/members/?q=alpha"))
    assert "Alpha Bouw BV" in text and "Anker Zorg" not in text
    built = kept(app)
    # Other arguments and an odd page number: the same kept page, nothing more kept.
    for path in (
        "/kring-a/members/?q=alpha&utm_source=mail",
        "/kring-a/members/?q=alpha&page=abc",
        "/kring-a/members/?page=1&q=alpha",
    ):
        assert content(client.get(path)) == text, path
    assert kept(app) == built
    # Blanks and surrounding spaces: the same filters, so the same kept HTML; only what
    # the form makes of these arguments is kept anew (without reading the member tables).
    with count_queries() as statements:
        same = content(client.get("/kring-a/members/?q=+alpha+&park=&circle=&sector=&theme="))
    assert same == text
    assert not any(MEMBER_TABLES.search(statement) for statement in statements)
    assert kept(app) == built + 1
    # What does change the page is kept apart: another search, filter, page or a fragment
    # (each a check of its filters and its HTML).
    assert "Anker Zorg" in page_text(client.get("/kring-a/members/?q=anker"))
    by_circle = page_text(client.get(f"/kring-a/members/?circle={members.noord_id}"))
    assert "Alpha Bouw BV" in by_circle and "Anker Zorg" not in by_circle
    assert kept(app) == built + 5
    fragment = client.get("/kring-a/members/?q=alpha", headers=HTMX)
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="directory-results">')
    assert "HX-Request" in fragment.headers["Vary"]
    assert "Alpha Bouw BV" in fragment.get_data(as_text=True)
    assert kept(app) == built + 6
    # The search box shows the search as it is used.
    assert 'value="alpha"' in page_text(client.get("/kring-a/members/?q=+alpha+"))
    # Built from such arguments first (a fresh process), the HTML is the same as from
    # the plain ones: whichever request builds it, it fits every request that shares it.
    by_circle = content(client.get(f"/kring-a/members/?circle={members.noord_id}&q=alpha"))
    for plain, odd in (
        ("?q=alpha", "?q=+alpha+&park=&circle=&sector=&theme="),
        (f"?circle={members.noord_id}&q=alpha", f"?circle=0{members.noord_id}&q=alpha+&sector="),
    ):
        cache.forget_all(app)
        odd_first = content(client.get("/kring-a/members/" + odd))
        assert odd_first == content(client.get("/kring-a/members/" + plain))
        assert odd_first == (text if plain == "?q=alpha" else by_circle)


def test_the_kept_filters_read_the_arguments_the_form_reads(app):
    assert tuple(field.name for field in DirectoryFilterForm()) == FILTER_ARGUMENTS


@pytest.mark.both_databases
def test_a_mistyped_filter_is_answered_each_time_and_never_kept(app, members, login_as):
    client = login_as(members.a.admin)
    client.get("/kring-a/members/")
    before = kept(app)
    for _ in range(2):
        response = client.get("/kring-a/members/?park=nonsense&q=alpha")
        assert response.status_code == 400
        text = page_text(response)
        assert "Some filters could not be used" in text
        assert "Alpha Bouw BV" in text and "Anker Zorg" not in text  # the valid search still applies
    # Another tenant's park is no valid choice here either.
    response = client.get(f"/kring-a/members/?park={members.b_park_id}")
    assert response.status_code == 400
    assert "Bravo" not in page_text(response)
    assert kept(app) == before


@pytest.mark.both_databases
def test_each_person_sees_their_own_directory(app, members):
    # All signed in first: signing in writes, which would end what is kept.
    admin, member, b_admin = signed_in(app, members.a.admin, members.a.member, members.b.admin)
    admin_text = page_text(admin.get("/kring-a/members/"))
    assert "Add company" in admin_text and "Export as CSV" in admin_text
    assert "Browse by theme" not in admin_text
    member_text = page_text(member.get("/kring-a/members/"))
    assert "Alpha Bouw BV" in member_text
    assert "Add company" not in member_text and "Export as CSV" not in member_text
    assert "Browse by theme" in member_text
    admin_fragment = page_text(admin.get("/kring-a/members/", headers=HTMX))
    assert "Export as CSV" in admin_fragment
    assert "Export as CSV" not in page_text(member.get("/kring-a/members/", headers=HTMX))
    # B's admin gets B's directory, not A's kept one.
    b_text = page_text(b_admin.get("/kring-b/members/"))
    assert "Bravo Logistiek" in b_text and "Alpha Bouw" not in b_text and "Anker Zorg" not in b_text
    assert "Alpha Bouw BV" in page_text(admin.get("/kring-a/members/"))


@pytest.mark.both_databases
def test_changes_through_the_app_and_from_another_worker_show_at_once(app, app_config, members, login_as):
    client = login_as(members.a.admin)
    assert "Anker Zorg" in page_text(client.get("/kring-a/members/"))
    company_path = f"/kring-a/members/companies/{members.anker_id}"
    assert "Anker Zorg" in page_text(client.get(company_path))

    response = client.post(
        f"{company_path}/edit", data={"name": "Anker Zorg en Welzijn", "kvk_number": "23456789"}
    )
    assert response.status_code == 302
    assert "Anker Zorg en Welzijn" in page_text(client.get("/kring-a/members/"))
    page = page_text(client.get(company_path))
    assert "<title>Anker Zorg en Welzijn" in page and "<h1>Anker Zorg en Welzijn</h1>" in page

    def rename():
        db.session.execute(update(Company).where(Company.id == members.anker_id).values(name="Anker Elders"))

    in_another_worker(app_config, rename, members.a.tenant.id)
    assert "Anker Elders" in page_text(client.get("/kring-a/members/?q=anker"))
    assert "Anker Elders" in page_text(client.get("/kring-a/members/"))
    assert "<h1>Anker Elders</h1>" in page_text(client.get(company_path))

    # Deleted elsewhere: the kept page is gone with the next request.
    def delete():
        db.session.delete(db.session.get(Company, members.anker_id))

    in_another_worker(app_config, delete, members.a.tenant.id)
    assert client.get(company_path).status_code == 404
    assert "Anker Elders" not in page_text(client.get("/kring-a/members/"))
    client.post("/account/logout")
    login_as(members.b.admin)
    assert "Anker" not in page_text(client.get("/kring-b/members/"))


@pytest.mark.both_databases
def test_a_warm_company_page_runs_no_statement_beyond_the_shell(app, members, login_as, shell):
    client = login_as(members.a.admin)
    path = f"/kring-a/members/companies/{members.alpha_id}"
    client.get(path)
    client.get(f"/kring-a/{shell}")
    shell_statements = statements_of(client, f"/kring-a/{shell}")
    built = builds(app)
    assert statements_of(client, path) == shell_statements
    assert builds(app) == built
    text = page_text(client.get(path))
    assert "Anna de Vries" in text and "Edit" in text and "Export personal data" in text
    assert CSRF_PLACEHOLDER not in text  # the visitor's own token went in
    # Another tenant's company: 404, also with A's page kept; and B's own page is B's.
    assert client.get(f"/kring-a/members/companies/{members.bravo_id}").status_code == 404
    client.post("/account/logout")
    login_as(members.b.admin)
    assert client.get(path.replace("kring-a", "kring-b")).status_code == 404
    assert "Bravo Logistiek" in page_text(client.get(f"/kring-b/members/companies/{members.bravo_id}"))


@pytest.mark.both_databases
def test_each_person_sees_their_own_company_page(app, members):
    path = f"/kring-a/members/companies/{members.alpha_id}"
    admin, facilitator, member, b_admin = signed_in(
        app, members.a.admin, members.a.facilitator, members.a.member, members.b.admin
    )
    admin_text = page_text(admin.get(path))
    assert "Export personal data" in admin_text and "Add contact person" in admin_text
    facilitator_text = page_text(facilitator.get(path))  # a manager, not the board
    assert "Add contact person" in facilitator_text and "Export personal data" not in facilitator_text
    member_text = page_text(member.get(path))
    assert "Anna de Vries" in member_text
    assert "Add contact person" not in member_text and "Export personal data" not in member_text
    # A's kept page is no page of B's.
    assert b_admin.get(path.replace("kring-a", "kring-b")).status_code == 404


@pytest.mark.both_databases
def test_reading_the_directory_and_a_company_writes_nothing(app, members, login_as):
    client = login_as(members.a.member)
    before = data_stamp()
    for path in (
        "/kring-a/members/",
        "/kring-a/members/?q=alpha&page=2",
        f"/kring-a/members/?park={members.b_park_id}",
        f"/kring-a/members/companies/{members.alpha_id}",
        f"/kring-a/members/companies/{members.bravo_id}",
    ):
        for _ in range(2):
            client.get(path)
    assert data_stamp() == before
