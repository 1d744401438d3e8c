"""Every page served from kept data equals the page built fresh, for every viewer.

Pages keep what they derive from data per process (``remember``/``remembered_html``) under
a key their view chooses; a key that leaves out the person, the role, a page argument or
the day would serve one visitor's version to another. This walk needs no editing when
routes or kept pages are added: it fills every GET route of ``app.url_map`` as the
property walk does (tenant A's generic rows and the scenarios of tests/properties), adds
the query strings the pages themselves link to or filter with (and, for those pages and the
main pages, the same URLs as htmx asks for them), and asks for each URL as tenant A's admin,
a second admin, facilitator, municipality official and member (in English, then in Dutch),
signed out (in both languages), and as tenant B's admin, in that order: each twice with the
data kept (the admin's version is kept first, so a later viewer sharing its key gets it)
and once with ``KEEP_PAGE_DATA`` off. Status, ``Location`` and body must be equal; only
what is per rendering is normalised: the CSRF token's value, after checking it is the
visitor's own, a chart's counter ids, an iCalendar DTSTAMP and the times a download was
made (tests/support/kept_pages.py). Two fresh builds of each page must be equal with that.

No write happens during the walk (each viewer signs in before it on a client of their own,
and a GET that renews the data stamp is named), so every kept value lives through it. The
walk runs at one moment: a key without the day or the minute is not found here.
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import tenant_scope
from kringwerk.tenancy.cache import DATA_STAMP_ID, EXTENSION_KEY, CacheStamp
from tests.conftest import login
from tests.isolation.factory import build_tenant_rows
from tests.properties import scenarios  # noqa: F401 - registers the scenarios
from tests.properties.routes import SCENARIOS, fill
from tests.support.kept_pages import HTMX, compare, difference, get, variants

pytestmark = pytest.mark.both_databases

# The order of the viewers: the admin's version is kept first, then every other viewer
# must get their own. The second admin has the first one's role without their own things
# (the scenarios invite the first admin's contact person to the open poll): a page kept per
# role where it shows a person's own things gives the second admin the first one's.
# The same member and a signed-out visitor in Dutch after English: a value with translated
# text kept without the locale in its key shows in the wrong language.
VIEWERS = (
    "admin",
    "second_admin",
    "facilitator",
    "official",
    "member",
    "member_in_dutch",
    "signed_out",
    "signed_out_in_dutch",
    "admin_of_b",
)

# The main pages (docs/performance.md): each must be compared and answer 200 to somebody,
# so the walk can never silently compare nothing.
MAIN_PAGES = (
    "web.tenant_home",
    "polls.index",
    "polls.results",
    "polls.answer",
    "members.directory",
    "events.index",
    "events.event",
    "mkb_toets.index",
    "mkb_toets.dossier",
    "masterplan.index",
    "masterplan.plan",
)

# Routes no viewer of this walk may see (the operator console) and the one GET that signs out.
SKIPPED = ("operator.", "audit.platform_log", "billing_operator.", "accounts.logout")

# GETs that write on purpose, with the reason: they renew the data stamp (every process builds
# its kept pages anew), so the walk asks for them last.
WRITING_GETS = {"polls.export_summary": "the download of a summary is audited (who took the data out)"}

# Differences found and not yet fixed: {(endpoint, viewer): reason}. Each is checked on its
# own by test_known_differences (xfail, strict: the fix makes it pass and fail the run until
# it is removed here) and left out of the walk's verdict, so the walk stays green for others.
KNOWN: dict[tuple[str, str], str] = {}


def data_stamp() -> str:
    value = db.session.scalar(select(CacheStamp.value).where(CacheStamp.id == DATA_STAMP_ID))
    db.session.rollback()
    return value


@pytest.fixture
def pages_world(app, world):
    """Every plugin on in both tenants, one row of every tenant model in both, the property
    walk's scenarios in A (an open poll with a personal link, a public event, an open
    dossier, a regional network...)."""
    for side in (world.a, world.b):
        for plugin in app.extensions["kringwerk.plugins"]:
            enable_plugin(side.tenant, plugin.key)
    rows = build_tenant_rows(world.a.tenant)
    ids: dict = {model: row.id for model, row in rows.items()}
    ids["tenant"] = world.a.tenant.id
    build_tenant_rows(world.b.tenant)
    db.session.commit()
    overrides: dict[str, dict] = {}
    for make in SCENARIOS:
        overrides.update(make(world.a.tenant, ids))
    # Things of the first admin's own besides the poll's invitation (a scenario's): a seat at
    # the public event. The second admin (``viewers``) has none of them.
    from plugins.events import signup
    from plugins.events.models import Event
    from plugins.events.services import Visitor

    with tenant_scope(world.a.tenant):
        event = db.session.get(Event, overrides["events.event"]["event_id"])
        signup.sign_up(event, Visitor(user=world.a.admin, member=True, manager=True))
        db.session.commit()
    return world, ids, overrides


@pytest.fixture
def viewers(app, world):
    """A signed-in client per viewer (signing in writes: all of it before the walk)."""
    from kringwerk.accounts.models import Role
    from kringwerk.accounts.people import add_membership
    from kringwerk.accounts.services import create_user

    second = create_user("second.admin@kring-a.example.com", "Second Admin", password=world.password)
    db.session.flush()
    with tenant_scope(world.a.tenant):
        add_membership(world.a.tenant, second, Role.ADMIN)
        db.session.commit()
    people = {
        "admin": world.a.admin,
        "second_admin": second,
        "facilitator": world.a.facilitator,
        "official": world.a.official,
        "member": world.a.member,
        "member_in_dutch": world.a.member,
        "signed_out": None,
        "signed_out_in_dutch": None,
        "admin_of_b": world.b.admin,
    }
    clients = {}
    for name in VIEWERS:
        client = app.test_client()
        if people[name] is not None:
            login(client, people[name])
        if name.endswith("_in_dutch"):
            # The language switch's choice, kept in the session (no write): the same person
            # or visitor in the other language.
            with client.session_transaction() as session:
                session["locale"] = "nl"
        clients[name] = client
    return clients


def walked_urls(app, world, ids, overrides, slug=None) -> tuple[dict[str, list[str]], list[str]]:
    """{endpoint: URLs} of every GET route the walk asks for (under tenant A, or ``slug``),
    and the routes it cannot fill."""
    urls: dict[str, list[str]] = {}
    unfilled = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if "GET" not in rule.methods or rule.endpoint.endswith("static"):
            continue
        if rule.endpoint.startswith(SKIPPED) or rule.rule.startswith("/operator"):
            continue
        url = fill(app, rule, slug or world.a.tenant.slug, ids, overrides)
        if url is None:
            unfilled.append(rule.endpoint)
            continue
        urls[rule.endpoint] = [url]
    return urls, unfilled


def with_variants(app, client, urls: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each route's URL and the query strings its pages use (read fresh as the admin, so
    nothing is kept before the walk)."""
    pages = {}
    for endpoint_urls in urls.values():
        response = get(app, client, endpoint_urls[0], keep=False)
        if response.status == 200:
            pages[endpoint_urls[0]] = response.body
    found = variants(pages)
    extended = {}
    for endpoint, (url,) in urls.items():
        parts = urlsplit(url)
        extra = [] if parts.query else [f"{parts.path}?{query}" for query in found.get(parts.path, ())]
        # A page with filters or pages answers htmx with its fragment: the fragment and the
        # whole page must not share a kept value (the whole page is kept first).
        fragments = [f"{u}{HTMX}" for u in [url, *extra]] if extra or endpoint in MAIN_PAGES else []
        extended[endpoint] = [url, *extra, *fragments]
    return extended


def walk(app, viewers, urls: dict[str, list[str]]):
    """Compares every URL for every viewer; returns (differences, statuses, writers, keeping):
    {(endpoint, viewer): [text]}, {endpoint: {viewer: fresh status}}, [GETs that wrote],
    {endpoints whose requests built kept data (not counting what earlier routes kept)}."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    statuses: dict[str, dict[str, int]] = defaultdict(dict)
    writers = []
    keeping = set()
    state = app.extensions[EXTENSION_KEY]
    last = sorted(urls, key=lambda endpoint: endpoint in WRITING_GETS)
    for endpoint, endpoint_urls in ((endpoint, urls[endpoint]) for endpoint in last):
        builds = state.builds
        for url in endpoint_urls:
            before = data_stamp()
            # Two fresh builds are equal once normalised: whatever differs between them is per
            # rendering and would show as a difference of every kept page.
            twice = [get(app, viewers[VIEWERS[0]], url, keep=False) for _ in range(2)]
            unstable = difference(*twice)
            if unstable:
                found[(endpoint, "fresh")].append(f"GET {url} built fresh twice: {unstable}")
            for name in VIEWERS:
                differences, status = compare(app, viewers[name], url)
                statuses[endpoint].setdefault(name, status)
                found[(endpoint, name)] += [f"GET {url} as {name}: {text}" for text in differences]
            if data_stamp() != before and endpoint not in WRITING_GETS:
                writers.append(f"GET {url} ({endpoint}) renewed the data stamp: a GET must not write")
        if state.builds > builds:
            keeping.add(endpoint)
    return {key: value for key, value in found.items() if value}, statuses, writers, keeping


def test_every_kept_page_equals_the_page_built_fresh(app, pages_world, viewers):
    world, ids, overrides = pages_world
    urls, unfilled = walked_urls(app, world, ids, overrides)
    urls = with_variants(app, viewers["admin"], urls)
    for name in ("member_in_dutch", "signed_out_in_dutch"):
        assert 'lang="nl"' in get(app, viewers[name], f"/{world.a.tenant.slug}/", keep=False).body
    differences, statuses, writers, keeping = walk(app, viewers, urls)
    # The walk compared kept pages, not pages that kept nothing.
    assert keeping

    compared = sorted(f"{endpoint}: {' '.join(u for u in urls[endpoint])}" for endpoint in urls)
    print(f"compared {sum(len(u) for u in urls.values())} URLs of {len(urls)} routes as {VIEWERS}:")
    print("\n".join(compared))
    print(f"routes whose requests built kept data ({len(keeping)}): {' '.join(sorted(keeping))}")
    print(f"main pages keeping nothing: {sorted(set(MAIN_PAGES) - keeping)}")

    unseen = [endpoint for endpoint in MAIN_PAGES if 200 not in statuses.get(endpoint, {}).values()]
    assert not unseen, f"main pages the walk did not compare as a page (no viewer got a 200): {unseen}"
    assert not unfilled or set(unfilled).isdisjoint(MAIN_PAGES), f"main pages not filled: {unfilled}"
    unknown = [text for key, texts in differences.items() if key not in KNOWN for text in texts]
    assert not unknown + writers, "kept pages that differ from the page built fresh:\n" + "\n".join(
        unknown + writers
    )


@pytest.mark.parametrize(
    "endpoint,viewer",
    [pytest.param(*key, marks=pytest.mark.xfail(strict=True, reason=reason)) for key, reason in KNOWN.items()]
    or [pytest.param("web.tenant_home", "admin", marks=pytest.mark.skip(reason="no known differences"))],
)
def test_known_differences(app, pages_world, viewers, endpoint, viewer):
    """A difference of KNOWN, on its own: the viewers before ``viewer`` fill the kept data,
    then ``viewer``'s kept page must equal their fresh one."""
    world, ids, overrides = pages_world
    urls, _ = walked_urls(app, world, ids, overrides)
    urls = with_variants(app, viewers["admin"], {endpoint: urls[endpoint]})
    differences, *_ = walk(app, viewers, urls)
    assert not differences.get((endpoint, viewer))


def test_tenant_bs_pages_never_show_what_tenant_a_kept(app, pages_world, viewers):
    """Tenant A's pages kept for every viewer first, then tenant B's pages without ids (its
    home and lists, at the same paths under its own slug), kept and fresh, for every viewer."""
    world, ids, overrides = pages_world
    urls, _ = walked_urls(app, world, ids, overrides)
    walk(app, viewers, {endpoint: urls[endpoint] for endpoint in MAIN_PAGES})
    own, _ = walked_urls(app, world, {}, {}, slug=world.b.tenant.slug)
    own = {endpoint: found for endpoint, found in own.items() if f"/{world.b.tenant.slug}/" in found[0]}
    differences, statuses, *_ = walk(app, viewers, own)
    assert not differences, "\n".join(text for texts in differences.values() for text in texts)
    for endpoint in (
        "web.tenant_home",
        "polls.index",
        "members.directory",
        "events.index",
        "mkb_toets.index",
    ):
        assert statuses[endpoint]["admin_of_b"] == 200, endpoint
        assert "Kring A" not in get(app, viewers["admin_of_b"], own[endpoint][0], keep=True).body


# --- after a write ---------------------------------------------------------------------------


def rename_everything_shown(world, overrides) -> dict[str, str]:
    """A direct commit (another worker's write) renaming what the main pages show: the open
    poll, the public event, the open dossier, the generic company and masterplan. Returns
    {endpoint: the new text its page must show to the admin}."""
    from kringwerk.members.models import Company
    from plugins.events.models import Event
    from plugins.masterplan.models import Masterplan
    from plugins.mkb_toets.models import Dossier
    from plugins.polls.models import Poll

    shown = {}
    with tenant_scope(world.a.tenant):
        poll = db.session.get(Poll, overrides["polls."]["poll_id"])
        poll.title = shown["polls.index"] = shown["polls.results"] = "Herdoopte peiling"
        event = db.session.get(Event, overrides["events.event"]["event_id"])
        event.title = shown["events.index"] = shown["events.event"] = "Herdoopte bijeenkomst"
        dossier = db.session.get(Dossier, overrides["mkb_toets."]["dossier_id"])
        dossier.title = shown["mkb_toets.index"] = shown["mkb_toets.dossier"] = "Herdoopt dossier"
        for company in db.session.scalars(select(Company)):
            company.name = shown["members.directory"] = "Herdoopt bedrijf"
        for plan in db.session.scalars(select(Masterplan)):
            plan.title = shown["masterplan.index"] = shown["masterplan.plan"] = "Herdoopt plan"
        db.session.commit()
    return shown


def test_after_a_write_the_kept_pages_equal_the_fresh_ones_again(app, pages_world, viewers):
    world, ids, overrides = pages_world
    urls, _ = walked_urls(app, world, ids, overrides)
    main = {endpoint: urls[endpoint] for endpoint in MAIN_PAGES}
    walk(app, viewers, main)  # every viewer's version kept
    before = data_stamp()
    shown = rename_everything_shown(world, overrides)
    assert data_stamp() != before
    differences, statuses, *_ = walk(app, viewers, main)
    assert not differences, "\n".join(text for texts in differences.values() for text in texts)
    for endpoint, text in shown.items():
        page = get(app, viewers["admin"], main[endpoint][0], keep=True)
        assert page.status == 200 and text in page.body, f"{endpoint} still shows the old text"


def test_after_a_post_the_kept_page_equals_the_fresh_one_again(app, pages_world, viewers):
    """A write through the app itself: the admin renames the tenant (shown in the header and
    on the home of every viewer); the kept home of each viewer equals the fresh one again."""
    world, ids, overrides = pages_world
    urls, _ = walked_urls(app, world, ids, overrides)
    home = {"web.tenant_home": urls["web.tenant_home"], "members.directory": urls["members.directory"]}
    walk(app, viewers, home)
    settings = viewers["admin"].get(f"/{world.a.tenant.slug}/admin/settings/")
    assert settings.status_code == 200
    response = viewers["admin"].post(
        f"/{world.a.tenant.slug}/admin/settings/",
        data={
            "name": "Kring Herdoopt",
            "default_locale": "en",
            "timezone": "Europe/Amsterdam",
            "brand_colour": "#1f5f8b",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    with viewers["admin"].session_transaction() as session:
        session.pop("_flashes", None)  # "The settings are saved." belongs to the next page only
    differences, *_ = walk(app, viewers, home)
    assert not differences, "\n".join(text for texts in differences.values() for text in texts)
    page = get(app, viewers["member"], home["web.tenant_home"][0], keep=True)
    assert "Kring Herdoopt" in page.body
    # The other tenant's pages never show it.
    other = get(app, viewers["admin_of_b"], f"/{world.b.tenant.slug}/", keep=True)
    assert "Kring Herdoopt" not in other.body and "Kring B" in other.body


# --- the walk finds what it is for ----------------------------------------------------------


@pytest.fixture
def probes(app):
    """Pages kept under a wrong key (the viewer left out, the page number left out, the CSRF
    token kept with the data) and one kept under the right key."""
    from flask import request
    from flask_login import current_user
    from markupsafe import escape

    from kringwerk.tenancy.cache import remember
    from kringwerk.web.csrf_tokens import csrf_token
    from kringwerk.web.fragments import remembered_html

    def viewer() -> str:
        return current_user.name if current_user.is_authenticated else "somebody signed out"

    def page() -> str:
        number = request.args.get("page", "1")
        return f'<p>{escape(viewer())}, page {escape(number)}</p><a href="?page=2">next</a>'

    def form() -> str:
        return f'<form method="post"><input name="csrf_token" value="{csrf_token()}"></form>'

    def part() -> str:
        whole = (
            "<main>the whole page</main>" if "HX-Request" not in request.headers else "<p>its fragment</p>"
        )
        return f'{whole}<a href="?page=2">next</a>'

    person = lambda: current_user.get_id()  # noqa: E731
    routes = {
        "probe.without_viewer": lambda: remembered_html("probe-viewer", page),
        "probe.without_page": lambda: remembered_html(("probe-page", person()), page),
        "probe.token_kept": lambda: remember("probe-token", form),
        "probe.without_htmx": lambda: remembered_html(
            ("probe-htmx", person(), request.args.get("page")), part
        ),
        "probe.right": lambda: (
            remembered_html(("probe-right", person(), request.args.get("page")), page)
            + remembered_html("probe-form", form)
        ),
    }
    for endpoint, view in routes.items():
        app.add_url_rule(f"/<tenant>/kept-probe/{endpoint}", endpoint, lambda view=view: str(view()))
    return {endpoint: [f"/kring-a/kept-probe/{endpoint}"] for endpoint in routes}


def test_the_walk_finds_a_page_kept_under_a_wrong_key(app, world, probes, viewers):
    urls = with_variants(app, viewers["admin"], probes)
    assert urls["probe.without_page"][:2] == [
        "/kring-a/kept-probe/probe.without_page",
        "/kring-a/kept-probe/probe.without_page?page=2",
    ]
    differences, statuses, *_ = walk(app, viewers, urls)
    assert all(status == 200 for status in statuses["probe.right"].values())
    found = {key for key in differences}
    # The admin's version is kept first: every other viewer gets it instead of their own.
    assert {("probe.without_viewer", name) for name in VIEWERS[1:]} <= found
    # Page 1 is kept first: page 2 shows it.
    assert ("probe.without_page", "admin") in found
    assert "?page=2 as admin: body differs" in " ".join(differences[("probe.without_page", "admin")])
    assert ("probe.token_kept", "admin") not in found  # their own token, kept first
    assert "another session's CSRF token" in " ".join(differences.get(("probe.token_kept", "member"), []))
    # The whole page is kept first: its fragment, asked for by htmx, shows the whole page.
    assert "without_htmx [htmx] as admin: body differs" in " ".join(
        differences[("probe.without_htmx", "admin")]
    )
    assert not any(endpoint == "probe.right" for endpoint, _ in found), differences
