"""The member directory: search, filters, pagination, htmx fragments, and a
query count that does not grow with the number of companies."""

from __future__ import annotations

import re

import pytest
from jinja2 import pass_context

from kringwerk.extensions import db
from kringwerk.members.models import BusinessPark, Circle, Company, ContactPerson
from kringwerk.tenancy import tenant_scope
from tests.members.support import count_queries, page_text, theme_by_key

HTMX = {"HX-Request": "true", "HX-Request-Type": "partial", "HX-Target": "div#directory-results"}


def listed(response) -> list[str]:
    """Company names in the results table, in order."""
    return listed_in(page_text(response))


def listed_in(text: str) -> list[str]:
    return re.findall(r'<a href="/kring-[ab]/members/companies/\d+">([^<]+)</a>', text)


def test_every_member_sees_the_directory_of_their_tenant_only(members, login_as):
    client = login_as(members.a.member)
    response = client.get("/kring-a/members/")
    assert response.status_code == 200
    assert listed(response) == ["Alpha Bouw BV", "Anker Zorg"]
    text = page_text(response)
    assert "Bravo" not in text
    # Plain members get no management or export links.
    assert "/members/companies/new" not in text and "export.csv" not in text
    client.post("/account/logout")
    login_as(members.world.outsider)
    assert client.get("/kring-a/members/").status_code == 404


def test_managers_get_add_import_and_export_links(members, login_as):
    text = page_text(login_as(members.a.facilitator).get("/kring-a/members/"))
    assert "/kring-a/members/companies/new" in text
    assert "/kring-a/members/import" in text
    assert "/kring-a/members/export.csv" in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=anker", ["Anker Zorg"]),
        ("q=1234+5678", ["Alpha Bouw BV"]),
        ("q=ASSEN", ["Anker Zorg"]),
        ("q=anna", ["Alpha Bouw BV"]),
        ("sector=Zorg", ["Anker Zorg"]),
        ("q=lochem&sector=Bouw", ["Alpha Bouw BV"]),
    ],
)
def test_search_and_sector(members, login_as, query, expected):
    assert listed(login_as(members.a.member).get(f"/kring-a/members/?{query}")) == expected


def test_park_circle_and_theme_filters(members, login_as):
    client = login_as(members.a.member)
    with tenant_scope(members.a.tenant):
        energie_id = theme_by_key("energie").id
    assert listed(client.get(f"/kring-a/members/?park={members.park_id}")) == ["Alpha Bouw BV"]
    assert listed(client.get(f"/kring-a/members/?circle={members.noord_id}")) == ["Alpha Bouw BV"]
    assert listed(client.get(f"/kring-a/members/?theme={energie_id}")) == ["Alpha Bouw BV"]
    assert listed(client.get(f"/kring-a/members/?circle={members.zuid_id}")) == []
    # The filter form offers this tenant's parks and circles, and keeps the choice.
    text = page_text(client.get(f"/kring-a/members/?park={members.park_id}"))
    assert f'<option selected value="{members.park_id}">Aalsvoort</option>' in text


def test_bad_filters_answer_400_with_a_message(members, login_as):
    client = login_as(members.a.member)
    for query in ("park=abc", f"circle={members.b_circle_id}", "sector=Ruimtevaart", "theme=99999"):
        response = client.get(f"/kring-a/members/?{query}")
        assert response.status_code == 400, query
        field = query.split("=")[0]
        assert f'id="{field}-error"' in page_text(response)
        # The bad filter is ignored; the others still work.
        assert listed(response) == ["Alpha Bouw BV", "Anker Zorg"]


def test_empty_states(world, login_as):
    client = login_as(world.a.admin)
    text = page_text(client.get("/kring-a/members/"))
    assert "There are no member companies yet." in text and "empty-state" in text
    filtered = page_text(client.get("/kring-a/members/?q=niets"))
    assert "No companies match your search." in filtered and "Clear filters" in filtered


def test_pagination_keeps_the_filters(members, login_as, app):
    app.config["PAGE_SIZE"] = 2
    with tenant_scope(members.a.tenant):
        db.session.add_all([Company(name=f"Zorg {n}", sector="Zorg") for n in range(3)])
        db.session.commit()
    client = login_as(members.a.member)
    first = client.get("/kring-a/members/?sector=Zorg")
    assert listed(first) == ["Anker Zorg", "Zorg 0"]
    text = page_text(first)
    assert "Page 1 of 2" in text
    next_link = re.search(r'href="([^"]+)" rel="next"', text).group(1).replace("&amp;", "&")
    assert "sector=Zorg" in next_link and "page=2" in next_link
    assert listed(client.get(next_link)) == ["Zorg 1", "Zorg 2"]
    assert listed(client.get("/kring-a/members/?sector=Zorg&page=999")) == ["Zorg 1", "Zorg 2"]
    assert client.get("/kring-a/members/?page=abc").status_code == 200


@pytest.mark.both_databases
def test_the_number_of_companies_and_the_pages_at_the_page_boundaries(members, login_as, app):
    """Issue 15: the total comes with the page's rows now; the "n companies" line and the
    page numbers stay what a separate count gave, and the other tenant is never counted."""
    app.config["PAGE_SIZE"] = 2
    client = login_as(members.a.member)

    def summary(path):
        text = page_text(client.get(path))
        count = re.search(r"\d+ compan(?:y|ies)\b", text)
        pages = re.search(r"Page (\d+) of (\d+)", text)
        return listed_in(text), count and count.group(0), pages and pages.groups()

    # Exactly one full page (B's Bravo Logistiek is not counted).
    assert summary("/kring-a/members/") == (["Alpha Bouw BV", "Anker Zorg"], "2 companies", None)
    # A first page that is not full, with a filter.
    assert summary("/kring-a/members/?sector=Zorg") == (["Anker Zorg"], "1 company", None)
    with tenant_scope(members.a.tenant):
        db.session.add(Company(name="Zeta Zorg", sector="Zorg"))
        db.session.flush()
    with tenant_scope(members.b.tenant):
        db.session.add_all([Company(name=f"Bravo {n}", sector="Zorg") for n in range(3)])
        db.session.flush()
    db.session.commit()
    assert summary("/kring-a/members/") == (["Alpha Bouw BV", "Anker Zorg"], "3 companies", ("1", "2"))
    # The last page, and a page past it (a stale link) showing the last one.
    assert summary("/kring-a/members/?page=2") == (["Zeta Zorg"], "3 companies", ("2", "2"))
    assert summary("/kring-a/members/?page=7") == (["Zeta Zorg"], "3 companies", ("2", "2"))
    assert summary("/kring-a/members/?sector=Zorg") == (["Anker Zorg", "Zeta Zorg"], "2 companies", None)
    assert summary("/kring-a/members/?q=niets&page=3") == ([], None, None)
    client.post("/account/logout")
    login_as(members.b.member)
    assert summary("/kring-b/members/?sector=Zorg&page=2") == (["Bravo 2"], "3 companies", ("2", "2"))


def test_the_filter_form_works_with_and_without_htmx(members, login_as):
    text = page_text(login_as(members.a.member).get("/kring-a/members/"))
    form = re.search(r"<form class=\"filters\"[^>]*>", text, re.S).group(0)
    assert 'method="get"' in form and 'action="/kring-a/members/"' in form
    assert 'hx-get="/kring-a/members/"' in form
    assert 'hx-target="#directory-results"' in form
    assert 'hx-push-url="true"' in form
    assert "input changed delay:300ms" in form
    assert 'id="directory-results"' in text
    assert 'type="submit"' in text  # works without JavaScript


def test_htmx_gets_only_the_results_block(members, login_as):
    client = login_as(members.a.member)
    response = client.get("/kring-a/members/?q=anker", headers=HTMX)
    assert response.status_code == 200
    text = page_text(response).strip()
    assert text.startswith('<div id="directory-results">') and text.endswith("</div>")
    assert "<html" not in text and "<form" not in text and '<nav class="main-nav"' not in text
    assert listed(response) == ["Anker Zorg"]
    assert "HX-Request" in response.headers["Vary"]
    # A history restore needs the whole page.
    restore = client.get("/kring-a/members/?q=anker", headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert "<html" in page_text(restore)
    # The fragment is the same markup as that block of the full page.
    full = page_text(client.get("/kring-a/members/?q=anker"))
    assert text in full


def test_htmx_fragment_also_carries_filter_errors_and_empty_state(members, login_as):
    client = login_as(members.a.member)
    bad = client.get("/kring-a/members/?park=abc", headers=HTMX)
    assert bad.status_code == 400
    assert "Some filters could not be used" in page_text(bad)
    empty = client.get("/kring-a/members/?q=niets", headers=HTMX)
    assert "No companies match your search." in page_text(empty)


def _fill(tenant, count: int) -> None:
    """``count`` companies with a park, two circles, two themes and a contact each."""
    with tenant_scope(tenant):
        parks = [BusinessPark(name=f"Park {n}") for n in range(3)]
        circles = [Circle(name=f"Kring {n}") for n in range(3)]
        themes = [theme_by_key("energie"), theme_by_key("mobiliteit"), theme_by_key("veiligheid")]
        db.session.add_all(parks + circles)
        for n in range(count):
            company = Company(
                name=f"Bedrijf {n:03d}",
                kvk_number=f"{20000000 + n}",
                sector=f"Sector {n % 4}",
                city="Lochem",
                business_park=parks[n % 3],
                circles=[circles[n % 3], circles[(n + 1) % 3]],
                themes=[themes[n % 3], themes[(n + 1) % 3]],
            )
            company.contacts.append(ContactPerson(name=f"Contact {n}"))
            db.session.add(company)
        db.session.commit()


# Statements that read the directory's own tables (not the session's user, the tenant or
# its plugins, which every page reads).
DIRECTORY_TABLES = re.compile(r"\b(companies|business_parks|circles|themes|company_circles|company_themes)\b")


def _directory_statements(client, path: str, headers=None) -> tuple[int, int]:
    """All statements of one GET of ``path`` (after a first one that fills what the
    process keeps), and those of them that read the directory's tables."""
    assert client.get(path, headers=headers or {}).status_code == 200
    with count_queries() as statements:
        response = client.get(path, headers=headers or {})
        assert response.status_code == 200
    return len(statements), sum(1 for statement in statements if DIRECTORY_TABLES.search(statement))


@pytest.mark.both_databases
def test_query_count_does_not_grow_with_the_number_of_companies(app, world, login_as):
    """Issue 15: the page reads the directory in three statements, for 5 companies as for
    50 (a full page of 25 and more pages): the filter's choices, the page's rows with
    their business park and the total, and the page's circles and themes. It was nine:
    four for the choices, a count, the rows and three relation loads. This is the page
    as it is built (after a write); kept, it reads none (test_directory_kept)."""
    app.config["KEEP_PAGE_DATA"] = False
    _fill(world.a.tenant, 5)
    _fill(world.b.tenant, 50)
    client = login_as(world.a.admin)
    small = _directory_statements(client, "/kring-a/members/")
    small_filtered = _directory_statements(client, "/kring-a/members/?q=bedrijf&sector=Sector+1")
    small_fragment = _directory_statements(client, "/kring-a/members/?q=bedrijf", headers=HTMX)
    small_export = _directory_statements(client, "/kring-a/members/export.csv")
    assert "5 companies" in page_text(client.get("/kring-a/members/"))
    client.post("/account/logout")
    login_as(world.b.admin)
    large = _directory_statements(client, "/kring-b/members/")
    large_filtered = _directory_statements(client, "/kring-b/members/?q=bedrijf&sector=Sector+1")
    large_fragment = _directory_statements(client, "/kring-b/members/?q=bedrijf", headers=HTMX)
    large_export = _directory_statements(client, "/kring-b/members/export.csv")
    assert small == large
    assert small_filtered == large_filtered
    assert small_fragment == large_fragment
    assert small_export == large_export
    assert small[1] == small_filtered[1] == small_fragment[1] == 3
    assert large[1] == large_filtered[1] == large_fragment[1] == 3
    # The large page really shows a full page of rich rows, and counts only its tenant.
    response = client.get("/kring-b/members/")
    assert len(listed(response)) == app.config["PAGE_SIZE"]
    text = page_text(response)
    assert "Kring 1" in text and "Park 2" in text and "50 companies" in text and "Page 1 of 2" in text


def test_the_rows_cost_no_translation_or_macro_call_each(app, world, login_as, monkeypatch):
    """Issue 15: the "KvK" label is translated once per page, not once per row, and the
    circles and themes are written out in the row (no macro call per cell)."""
    _fill(world.a.tenant, 5)
    _fill(world.b.tenant, 60)
    translated: list[str] = []
    real_gettext = app.jinja_env.globals["gettext"]

    @pass_context
    def counting(context, message, **variables):
        translated.append(message)
        return real_gettext(context, message, **variables)

    monkeypatch.setitem(app.jinja_env.globals, "gettext", counting)
    counts = {}
    for tenant, admin in ((world.a.tenant, world.a.admin), (world.b.tenant, world.b.admin)):
        client = login_as(admin)
        translated.clear()
        text = page_text(client.get(f"/{tenant.slug}/members/"))
        # The pagination's own words come only with a second page.
        rest = [
            m for m in translated if m not in ("Pages", "Page %(number)s of %(pages)s", "Next", "Previous")
        ]
        counts[tenant.slug] = (translated.count("KvK"), len(rest), text.count("KvK 2000"))
        client.post("/account/logout")
    assert counts["kring-a"][:2] == counts["kring-b"][:2]
    assert counts["kring-a"][0] == 1
    assert (counts["kring-a"][2], counts["kring-b"][2]) == (5, 25)  # 5 and 25 rows show it
    assert "badges(" not in (app.jinja_loader.get_source(app.jinja_env, "members/_directory.html")[0])


def test_the_row_links_cost_one_url_build_per_page_not_per_row(app, world, login_as, monkeypatch):
    """Issue 15: the directory builds the company URL once (``row_url``) and puts each
    row's id in it, instead of a full ``url_for`` per row; the links stay the same."""
    from werkzeug.routing.map import MapAdapter

    _fill(world.a.tenant, 5)
    _fill(world.b.tenant, 60)
    builds: list[str] = []
    real_build = MapAdapter.build

    def counting(self, endpoint, *args, **kwargs):
        builds.append(endpoint)
        return real_build(self, endpoint, *args, **kwargs)

    monkeypatch.setattr(MapAdapter, "build", counting)
    pages = {}
    for tenant, admin in ((world.a.tenant, world.a.admin), (world.b.tenant, world.b.admin)):
        client = login_as(admin)
        builds.clear()
        response = client.get(f"/{tenant.slug}/members/")
        assert response.status_code == 200
        pages[tenant.slug] = (builds.count("members.company"), page_text(response))
        client.post("/account/logout")
    with tenant_scope(world.b.tenant):
        b_ids = {c.name: c.id for c in db.session.query(Company).filter(Company.name.like("Bedrijf 00%"))}
    assert pages["kring-a"][0] == pages["kring-b"][0] == 1  # 5 rows and 25 rows: one build each
    assert (
        f'<a href="/kring-b/members/companies/{b_ids["Bedrijf 000"]}">Bedrijf 000</a>' in pages["kring-b"][1]
    )
    assert "/kring-b/" not in pages["kring-a"][1]  # the other tenant's companies stay out
    assert len(re.findall(r'href="/kring-a/members/companies/\d+"', pages["kring-a"][1])) >= 5
