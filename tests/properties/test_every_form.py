"""Generated input on every form and query string of the core and its plugins:
NUL bytes, CR/LF, huge and negative numbers, long strings, invalid UTF-8,
lists where one value is expected, unknown fields. No answer is a 5xx, a
refused request (4xx) changes nothing in the database, and nothing tenant A
sends changes a row of tenant B.

The walk needs no editing when routes, forms or plugins are added: rules come
from ``app.url_map`` (filled with tenant A's rows, tests/properties/routes.py),
field names from the forms on the signed-in pages. A plugin whose pages need
realistic rows (an open poll, a personal link) adds a scenario in
tests/properties/scenarios.py. Tenant A's admin walks the tenant's routes, the
operator the console, and an anonymous visitor the public pages.
"""

from __future__ import annotations

import io
import os
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from kringwerk.billing.plans import _EXTENSION as PLANS
from kringwerk.extensions import db
from kringwerk.pluginhost.registry import get_registry
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.web.security import SECURITY_HEADERS
from tests.conftest import login
from tests.isolation.factory import build_tenant_rows
from tests.properties import scenarios  # noqa: F401 - registers the scenarios
from tests.properties.fingerprint import changes, fingerprint
from tests.properties.routes import (
    COMMON_QUERY,
    SCENARIOS,
    SKIPPED_METHODS,
    Target,
    fill,
    forms_by_target,
    other_pages,
    walked_rules,
    walker,
)
from tests.support.stripe_standin import SECRET_KEY, WEBHOOK_SECRET, StandInServer

# A page may choose a stricter value: personal-link pages send no Referer at all.
STRICTER = {"Referrer-Policy": ("no-referrer",)}

NASTY = [
    "",
    "\x00",
    "a\x00b",
    "a\r\nb",
    "\r\nSet-Cookie: x=1",
    "99999999999999999999",
    "-99999999999999999999",
    "2147483648",
    "-1",
    "0",
    "1.5",
    "1e309",
    "nan",
    "-0",
    "x" * 20_000,
    "9" * 5000,
    "😀",
    "\u202e\u0663",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%s%n{0}",
    "{{ 7*7 }}",
    "//evil.example/",
    "../../etc/passwd",
    "2026-02-30",
    "2026-12-31T25:61",
    "true",
    "[]",
    "on",
]
VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers().map(str),
    st.binary(max_size=12),  # percent-encoded: invalid UTF-8 as the server sees it
)
# Tried on every field at once before the generated examples.
EXPLICIT = ["99999999999999999999", "-1", "x" * 20_000, "a\x00b", "a\r\nb", b"\xff\xfe", ["1", "2"]]
FIELD = st.one_of(VALUES, st.lists(VALUES, min_size=2, max_size=3))
JUNK = st.dictionaries(st.text(min_size=1, max_size=12), VALUES, max_size=2)

WALK = settings(
    deadline=None,
    database=None,
    derandomize=True,  # the same examples on every run: a failure can be repeated
    phases=[Phase.explicit, Phase.generate],  # shrinking would replay requests for minutes
    suppress_health_check=list(HealthCheck),
)


# POST routes whose forms send nothing but the CSRF token (a button): junk fields are all the
# walk can send them, and all they need.
BUTTONS = {
    "accounts.magic_link",
    "billing.portal",
    "dummy.delete_note",
    "dummy.followup",
    "dummy.unguarded",
    "events.cancel_by_link_post",
    "events.cancel_signup",
    "events.confirm_offer",
    "events.from_match",
    "events.guest_confirm_post",
    "events.pay",
    "events.publish",
    "masterplan.from_match",
    "masterplan.start_park_plan",
    "members.theme_reactivate",
    "mkb_toets.release",
    "networks.resend_invitation",
    "operator.reactivate",
    "operator.retry_job",
    "polls.from_attendance",
    "polls.open_poll",
    "polls.reopen_poll",
    "stripe_webhook.webhook",  # Stripe's signed JSON: tests/billing/test_webhook.py
    "tenants.accept_affiliation",
    "tenants.leave_affiliation",
    "tenants.remove_logo",
}
# POST routes with fields no page posts to, with the fields they read: the walk sends those.
# None today: a form without a page is usually a route to remove (as the bare affiliation
# invitation was, once every invitation asked for a chair).
WITHOUT_A_PAGE: dict[str, set[str]] = {}


def only() -> tuple[str, ...]:
    """Endpoint prefixes from ``KRINGWERK_WALK`` (comma-separated, e.g. ``events.,polls.answer``):
    the walk of one package while working on it; empty walks everything."""
    return tuple(
        prefix.strip() for prefix in os.environ.get("KRINGWERK_WALK", "").split(",") if prefix.strip()
    )


# A refusal that keeps something on purpose: a poll answer refused for its errors keeps what was
# typed as the response's draft, so the respondent loses nothing (docs/architecture.md).
KEPT_WHEN_REFUSED = {"polls.answer": ("poll_responses",)}


def uncovered(app, world, ids, overrides, targets, endpoints: tuple[str, ...] = ()) -> list[str]:
    """What the walk misses: rules it cannot fill (no row for an id) and POST routes whose
    form it never found, unless they are buttons or listed in WITHOUT_A_PAGE."""
    rules = [rule for rule in walked_rules(app) if not endpoints or rule.endpoint.startswith(endpoints)]
    missing = [
        f"{rule.rule} ({rule.endpoint}): no row for its ids; add a scenario"
        for rule in rules
        if fill(app, rule, world.a.tenant.slug, ids, overrides) is None
    ]
    posts = {target.rule.endpoint: target for _, target in targets if target.method == "POST"}
    posted = {rule.endpoint for rule in rules if "POST" in rule.methods}
    missing += [f"{endpoint}: not walked" for endpoint in sorted(posted - set(posts))]
    blind = {endpoint for endpoint, target in posts.items() if not target.fields and not target.files}
    missing += [
        f"{endpoint}: no page shows its form; add a scenario (or list it in BUTTONS)"
        for endpoint in sorted(blind - BUTTONS)
    ]
    missing += [
        f"{endpoint}: a page shows its form now; remove it from WITHOUT_A_PAGE"
        for endpoint, target in sorted(posts.items())
        if endpoint in WITHOUT_A_PAGE and target.from_page
    ]
    return missing


def billing_on(app, standin) -> None:
    """Billing on, against the local Stripe stand-in, with a free and a paid plan that both
    include every plugin: the plan's forms (Checkout) are walked and no plugin turns read-only."""
    every = sorted(get_registry(app).plugin_keys())
    app.config.update(
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=standin.url,
        BILLING_PLANS={
            "default_plan": "free",
            "plans": [
                {"key": "free", "name": "Free", "price_month": 0, "price_year": 0, "plugins": every},
                {"key": "paid", "name": "Paid", "price_month": 10, "price_year": 100, "plugins": every},
            ],
        },
    )
    app.extensions.pop(PLANS, None)  # read again from the new configuration


@pytest.fixture
def walk(app, world):
    """Billing on (the Stripe stand-in runs as long as the test), every plugin on in both
    tenants, one row of every tenant model in both, the scenarios in A."""
    with StandInServer() as standin:
        billing_on(app, standin)
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
        yield world, ids, overrides


def find_targets(app, client, world, ids, overrides, endpoints: tuple[str, ...] = ()) -> list[tuple]:
    """(user, Target) for every rule and method, with the fields its forms send."""
    rules = [r for r in walked_rules(app) if not endpoints or r.endpoint.startswith(endpoints)]
    urls = [(rule, fill(app, rule, world.a.tenant.slug, ids, overrides)) for rule in rules]
    pages = {}
    # The anonymous visitor too: the public forms (sign-in, a personal link, a guest sign-up).
    for user in (world.a.admin, world.operator, None):
        client._cookies.clear()
        if user is not None:
            login(client, user)
        for rule, url in urls:
            if url and "GET" in rule.methods:
                response = client.get(url)
                if response.status_code == 200 and response.mimetype == "text/html":
                    pages[url] = pages.get(url, "") + response.get_data(as_text=True)
    # Forms only another person of tenant A sees (the municipality answers the advice).
    for who, url in other_pages(app, world.a.tenant.slug, overrides):
        client._cookies.clear()
        login(client, getattr(world.a, who))
        response = client.get(url)
        assert response.status_code == 200, f"{who} cannot read {url}: {response.status_code}"
        pages[url] = pages.get(url, "") + response.get_data(as_text=True)
    forms = forms_by_target(pages)
    targets = []
    for rule, url in urls:
        if url is None:
            continue
        who = walker(rule.endpoint, overrides)
        user = world.operator if rule.rule.startswith("/operator") else getattr(world.a, who)
        for method in sorted(rule.methods - SKIPPED_METHODS):
            fields, files = forms.get((method, urlsplit(url).path), (set(), set()))
            if method == "GET":
                fields = fields | set(COMMON_QUERY)
            target = Target(rule, method, url, set(fields), set(files))
            if method == "POST" and not fields and not files and rule.endpoint in WITHOUT_A_PAGE:
                target.fields, target.from_page = set(WITHOUT_A_PAGE[rule.endpoint]), False
            targets.append((user, target))
    return targets


def send(client, target: Target, values: dict, junk: dict, htmx: bool):
    pairs = [(name, value) for name, value in {**junk, **values}.items() if name not in target.files]
    headers = {"HX-Request": "true"} if htmx else {}
    if target.method == "GET":
        return client.get(f"{target.url}?{urlencode(pairs, doseq=True)}", headers=headers)
    if target.files:
        data = {name: _text(value) for name, value in pairs}
        for name in target.files:
            data[name] = (io.BytesIO(b"naam;kvk\n\x00\xff;" + b"9" * 30), "le\u0000den.csv")
        return client.open(
            target.url, method=target.method, data=data, content_type="multipart/form-data", headers=headers
        )
    return client.open(
        target.url,
        method=target.method,
        data=urlencode(pairs, doseq=True),
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )


def _text(value):
    if isinstance(value, list):
        return [_text(v) for v in value]
    return value.decode("latin-1") if isinstance(value, bytes) else value


def check(client, target: Target, other_tenant_id: int, examples: int) -> None:
    """Runs the generated examples on one target; raises AssertionError on the first bad answer."""

    @settings(WALK, max_examples=examples)
    @given(
        values=st.fixed_dictionaries({}, optional={name: FIELD for name in sorted(target.fields)}),
        junk=JUNK,
        htmx=st.booleans(),
    )
    def run(values, junk, htmx):
        before, before_other = fingerprint(other_tenant_id)
        response = send(client, target, values, junk, htmx)
        shown = repr({**junk, **values})[:300]
        assert response.status_code < 500, f"{response.status_code} for {shown}"
        # Every answer, refusals and errors too, carries the security headers.
        missing = {
            name
            for name, value in SECURITY_HEADERS.items()
            if response.headers.get(name) not in (value, *STRICTER.get(name, ()))
        }
        assert not missing, f"{response.status_code} without {sorted(missing)}"
        after, after_other = fingerprint(other_tenant_id)
        assert after_other == before_other, (
            f"the other tenant's rows changed: {changes(before_other, after_other)}"
        )
        if 400 <= response.status_code < 500:
            kept = KEPT_WHEN_REFUSED.get(target.rule.endpoint, ())
            changed = [change for change in changes(before, after) if not change.startswith(kept)]
            assert not changed, f"{response.status_code} for {shown}, yet changed: {changed}"

    for value in EXPLICIT:
        run = example(values=dict.fromkeys(target.fields, value), junk={}, htmx=False)(run)
    run()


def run_walk(client, targets, other_tenant_id, *, anonymous: bool = False, examples: int = 8) -> list[str]:
    failures = []
    for user, target in targets:
        client._cookies.clear()
        if not anonymous:
            login(client, user)
        try:
            check(client, target, other_tenant_id, examples)
        except Exception as error:  # noqa: BLE001 - every failing target is reported at once
            db.session.rollback()
            failures.append(
                f"{'anonymous ' if anonymous else ''}{target.name}: {type(error).__name__}: {error}"[:700]
            )
    return failures


def public_targets(client, targets) -> list[tuple]:
    """The targets an anonymous visitor reaches (not sent to the sign-in page, not 404)."""
    reachable = []
    for user, target in targets:
        response = client.open(target.url, method=target.method)
        location = response.headers.get("Location", "")
        if (
            response.status_code in (401, 403, 404)
            or "/account/login" in location
            and "/account/login" not in target.url
        ):
            continue
        reachable.append((user, target))
    return reachable


def test_no_generated_input_gives_a_5xx_or_changes_data_when_refused(app, client, walk):
    world, ids, overrides = walk
    targets = find_targets(app, client, world, ids, overrides, endpoints=only())
    # The walk is pointless if it finds no forms: the core alone has dozens of fields.
    assert sum(len(target.fields) for _, target in targets if target.method == "POST") > (0 if only() else 50)
    missing = uncovered(app, world, ids, overrides, targets, endpoints=only())
    assert not missing, "POST routes the walk does not reach:\n" + "\n".join(missing)
    failures = run_walk(client, targets, world.b.tenant.id)
    client._cookies.clear()
    anonymous = public_targets(client, targets)
    assert only() or any(target.rule.endpoint == "accounts.login" for _, target in anonymous)
    failures += run_walk(client, anonymous, world.b.tenant.id, anonymous=True)
    assert not failures, "bad answers to generated input:\n" + "\n".join(failures)


@pytest.mark.postgresql_only
def test_generated_input_on_postgresql(app, client, walk):
    """PostgreSQL refuses what SQLite stores (a NUL byte, an oversized integer): the core's
    pages and the reference plugin's, once more on it."""
    world, ids, overrides = walk
    targets = find_targets(
        app, client, world, ids, overrides, endpoints=only() or ("members.", "polls.", "accounts.")
    )
    assert targets
    failures = run_walk(client, targets, world.b.tenant.id, examples=3)
    assert not failures, "bad answers to generated input:\n" + "\n".join(failures)


def test_a_new_form_the_walk_cannot_reach_is_named(app, client, walk):
    """The coverage check is real: a POST route no page shows a form for fails the walk."""
    app.add_url_rule("/<tenant>/unreached-form", "unreached_form", lambda tenant: "", methods=["POST"])
    world, ids, overrides = walk
    targets = find_targets(app, client, world, ids, overrides, endpoints=("unreached_form",))
    assert [target.method for _, target in targets] == ["POST"]
    missing = uncovered(app, world, ids, overrides, targets)
    assert "unreached_form: no page shows its form; add a scenario (or list it in BUTTONS)" in missing


def test_a_form_without_a_page_is_named_once_a_page_shows_it(app, client, walk, monkeypatch):
    """WITHOUT_A_PAGE stays true: a listed route whose form a page shows fails the walk, and a
    listed route no page shows is walked with the fields named there."""
    app.add_url_rule("/<tenant>/unreached-form", "unreached_form", lambda tenant: "", methods=["POST"])
    world, ids, overrides = walk
    monkeypatch.setitem(WITHOUT_A_PAGE, "tenants.settings", {"name"})
    monkeypatch.setitem(WITHOUT_A_PAGE, "unreached_form", {"title", "note"})
    endpoints = ("tenants.settings", "unreached_form")
    targets = find_targets(app, client, world, ids, overrides, endpoints=endpoints)
    missing = uncovered(app, world, ids, overrides, targets, endpoints=endpoints)
    assert missing == ["tenants.settings: a page shows its form now; remove it from WITHOUT_A_PAGE"]
    (unreached,) = [target for _, target in targets if target.rule.endpoint == "unreached_form"]
    assert unreached.fields == {"title", "note"} and not unreached.from_page
