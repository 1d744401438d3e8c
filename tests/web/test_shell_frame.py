"""The page shell (base.html outside its blocks) kept as a frame until the next write
(web/shell.py, issue 15): a warm page yields the frame's text and renders only its blocks;
every kind of page is byte for byte the page built with nothing kept (``KEEP_PAGE_DATA``
off), for every kind of visitor and both tenants; the request's own parts (flash messages,
the billing notice, the return URL, the CSRF token) are each request's; a write through the
app or in another worker shows at the next request. And what makes it safe: base.html sets
nothing its blocks read, reads outside its blocks only what the frame's key names, and no
page sets at its top level a name base.html reads."""

from __future__ import annotations

import re
from dataclasses import astuple

import pytest
from flask import flash, redirect, render_template_string, request
from itsdangerous import URLSafeTimedSerializer
from jinja2 import meta, nodes

from kringwerk.extensions import db
from kringwerk.operator.suspension import suspend_tenant
from kringwerk.tenancy import cache
from kringwerk.tenancy.models import Tenant
from kringwerk.web import shell
from tests.conftest import base_config, login
from tests.support.workers import in_another_worker
from tests.web.conftest import page

pytestmark = pytest.mark.both_databases

PROBE = "{% extends 'base.html' %}{% block title %}Probe{% endblock %}{% block content %}<p>probe</p>{% endblock %}"
# What base.html reads outside its blocks, each in the frame's key or the same for every
# request (web/shell.py's docstring). A new name here needs a thought about the key first.
READ_OUTSIDE_BLOCKS = {
    "current_language",  # the locale (key)
    "tenant",  # the tenant the template sees (key), its columns (data stamp)
    "static_url",  # the mount prefix (key) and the files (the process)
    "fixed_url",  # the URL's tenant and the mount prefix (key)
    "csrf_token",  # a placeholder, filled per request
    "_",  # the locale (key)
    "site_header",  # web.navigation.header_key (key), its URLs and token filled per request
    "has_role",  # the person in the tenant in scope (key), their role (data stamp)
    "MANAGERS",  # a constant
    "languages",  # configuration
    "language_names",  # a constant
    "current_user",  # the person (key), their name and operator status (data stamp)
    "is_operator",  # the person (key, data stamp)
    "request",  # only its endpoint: the sign-in page (key)
}


@pytest.fixture
def probe(app, world):
    """An empty page in the shell on a tenant's URL and the platform's, one flashing a message
    on the way to it, and one passing its own ``tenant`` (the other one, or one changed in
    memory and not saved)."""
    app.add_url_rule("/<tenant>/shell-probe", "tenant_shell_probe", lambda: render_template_string(PROBE))
    app.add_url_rule("/shell-probe", "shell_probe", lambda: render_template_string(PROBE))

    def flashing():
        flash(f"Saved <{request.args.get('n', '1')}>", "success")
        return redirect(f"/{world.a.tenant.slug}/shell-probe")

    app.add_url_rule("/<tenant>/shell-flash", "tenant_shell_flash", flashing)
    b_id = world.b.tenant.id

    def own_tenant():
        tenant = db.session.get(Tenant, b_id)
        if request.args.get("unsaved"):
            tenant.name = "Kring Unsaved"
        return render_template_string(PROBE, tenant=tenant)

    app.add_url_rule("/<tenant>/shell-own-tenant", "tenant_shell_own_tenant", own_tenant)


def stats(app) -> tuple[int, int, int]:
    """(frames built, pages from a frame, pages rendered as before)."""
    return astuple(app.extensions[shell.STATS])


def kept_and_fresh(app, client, url: str, shell_page: bool = True, **kwargs):
    """``url`` asked for until it comes from a kept frame, then with nothing kept: equal
    bytes. ``shell_page``: whether the response is a whole page (not an htmx fragment)."""
    client.get(url, **kwargs)
    built, kept, fresh = stats(app)
    from_frame = client.get(url, **kwargs)
    assert stats(app) == (built, kept + shell_page, fresh), "the warm page did not come from the frame"
    app.config["KEEP_PAGE_DATA"] = False
    try:
        built_fresh = client.get(url, **kwargs)
    finally:
        app.config["KEEP_PAGE_DATA"] = True
    assert stats(app)[2] == fresh + shell_page, "with nothing kept base.html renders as before"
    assert from_frame.status_code == built_fresh.status_code == 200, url
    assert from_frame.get_data(as_text=True) == built_fresh.get_data(as_text=True), url
    return from_frame


def text(response) -> str:
    return response.get_data(as_text=True)


# --- served from the frame, the same as built fresh -----------------------------------------


def test_a_warm_page_yields_the_frame_without_running_base_html(app, client, login_as, world, probe):
    login_as(world.a.admin)
    first = client.get("/kring-a/shell-probe")
    built, kept, fresh = stats(app)
    assert built >= 1
    builds = app.extensions[cache.EXTENSION_KEY].builds
    for _ in range(3):
        again = client.get("/kring-a/shell-probe")
        assert text(again) == text(first)
    assert stats(app) == (built, kept + 3, fresh)
    assert app.extensions[cache.EXTENSION_KEY].builds == builds  # nothing else built either
    assert "<title>Probe · Kring A · Kringwerk</title>" in text(first) and "<p>probe</p>" in text(first)


@pytest.mark.parametrize("who", ["admin", "facilitator", "member", "operator", "outsider", "signed out"])
def test_each_visitor_gets_the_page_built_fresh(app, client, world, probe, who):
    user = {"operator": world.operator, "outsider": world.outsider}.get(who) or getattr(world.a, who, None)
    if user is not None:
        login(client, user)
    for url in ("/kring-a/shell-probe", "/shell-probe", "/kring-a/", "/"):
        shown = kept_and_fresh(app, client, url)
        if user is not None:
            assert f"<summary>{user.name}</summary>" in text(shown)
        assert ("Operator console" in text(shown)) == (who == "operator")
    members = kept_and_fresh(app, client, "/kring-a/members/") if who in ("admin", "member") else None
    if members is not None:
        assert 'aria-current="page">Members</a>' in text(members)


def test_the_sign_in_page_and_htmx_requests(app, client, world, probe):
    login_page = kept_and_fresh(app, client, "/account/login")
    assert not page(login_page).find("a", class_="sign-in-link")
    assert page(kept_and_fresh(app, client, "/shell-probe")).find("a", class_="sign-in-link")
    login(client, world.a.admin)
    for headers in ({"HX-Request": "true", "HX-Request-Type": "full"}, {"HX-Request": "true"}):
        kept_and_fresh(app, client, "/kring-a/shell-probe", headers=headers)  # renders the page
        whole = headers.get("HX-Request-Type") == "full"
        shown = text(kept_and_fresh(app, client, "/kring-a/members/", shell_page=whole, headers=headers))
        assert ("<!doctype html>" in shown) == whole


def test_a_flash_message_shows_once_in_the_kept_shell(app, client, login_as, world, probe):
    login_as(world.a.member)
    kept_and_fresh(app, client, "/kring-a/shell-probe")
    shown = []
    for keep in (True, False):
        app.config["KEEP_PAGE_DATA"] = keep
        try:
            kept = stats(app)[1]
            redirected = client.get("/kring-a/shell-flash?n=2")
            assert redirected.status_code == 302
            with_message = client.get("/kring-a/shell-probe")
            assert stats(app)[1] == kept + keep  # the frame serves it all the same
            shown.append(text(with_message))
            assert text(with_message).count("Saved &lt;2&gt;") == 1
            assert "Saved" not in text(client.get("/kring-a/shell-probe"))  # gone after once
        finally:
            app.config["KEEP_PAGE_DATA"] = True
    assert shown[0] == shown[1]


def test_a_suspended_tenant_shows_its_notice_and_the_reason_to_managers(app, client, world, probe):
    suspend_tenant(world.a.tenant, "Unpaid <invoices>", actor=world.operator)
    db.session.commit()
    for user, reason in ((world.a.admin, True), (world.a.member, False), (world.b.admin, False)):
        login(client, user)
        slug = "kring-b" if user is world.b.admin else "kring-a"
        shown = text(kept_and_fresh(app, client, f"/{slug}/shell-probe"))
        assert ('id="suspended-notice"' in shown) == (slug == "kring-a")
        assert ("Reason: Unpaid &lt;invoices&gt;" in shown) == reason


def test_the_billing_notice_is_each_requests_own(app, client, login_as, world, probe):
    notice = {"text": None}

    def billing_notice():
        # Depends on the time and the blueprint, never on a write: the frame must not keep it.
        return notice["text"] and f"{notice['text']} on {request.blueprints or ['the core']}"

    app.jinja_env.globals["billing_notice"] = billing_notice
    login_as(world.a.admin)
    assert 'id="billing-notice"' not in text(kept_and_fresh(app, client, "/kring-a/shell-probe"))
    notice["text"] = "Payment <failed>"
    shown = text(kept_and_fresh(app, client, "/kring-a/shell-probe"))
    assert "Payment &lt;failed&gt; on [&#39;the core&#39;]" in shown
    assert "Payment &lt;failed&gt; on [&#39;members&#39;]" in text(
        kept_and_fresh(app, client, "/kring-a/members/")
    )
    assert 'id="billing-notice"' not in text(kept_and_fresh(app, client, "/shell-probe"))  # no tenant
    notice["text"] = None
    assert 'id="billing-notice"' not in text(client.get("/kring-a/shell-probe"))


def test_the_language_switched_to_dutch_and_back(app, client, world, probe):
    for path in ("/kring-a/shell-probe", "/shell-probe"):
        english = kept_and_fresh(app, client, path)
        assert page(english).lang == "en" and "Skip to content" in text(english)
        client.post("/language", data={"language": "nl", "next": path})
        dutch = kept_and_fresh(app, client, path)
        assert page(dutch).lang == "nl" and "Naar de inhoud" in text(dutch)
        client.post("/language", data={"language": "en", "next": path})
        assert page(kept_and_fresh(app, client, path)).lang == "en"
    login(client, world.a.member)
    client.post("/language", data={"language": "nl", "next": "/"})
    assert page(kept_and_fresh(app, client, "/kring-a/")).lang == "nl"


def test_each_tenant_sees_its_own_shell(app, world, probe):
    world.a.tenant.contact_email = "board@kring-a.example.com"
    world.b.tenant.contact_email = "board@kring-b.example.com"
    db.session.commit()
    a, b = app.test_client(), app.test_client()
    login(a, world.a.admin)
    login(b, world.b.admin)
    for _ in range(2):  # the second round from what the first kept, each after the other
        for client, side, other in ((a, world.a, world.b), (b, world.b, world.a)):
            shown = text(kept_and_fresh(app, client, f"/{side.tenant.slug}/shell-probe"))
            assert f"<title>Probe · {side.tenant.name} · Kringwerk</title>" in shown
            assert f'href="/{side.tenant.slug}/theme.css' in shown
            assert f"mailto:{side.tenant.contact_email}" in shown
            assert f'class="brand__name">{side.tenant.name}<' in shown
            assert other.tenant.contact_email not in shown and f"/{other.tenant.slug}/" not in shown
    # A's admin, no member of B, sees B's public shell: no navigation of A's.
    seen = text(kept_and_fresh(app, a, "/kring-b/shell-probe"))
    assert 'class="brand__name">Kring B<' in seen and 'class="main-nav"' not in seen
    assert "/kring-a/" not in seen and "kring-a.example.com" not in seen


def test_a_view_passing_its_own_tenant(app, client, login_as, world, probe):
    login_as(world.a.admin)
    own = text(kept_and_fresh(app, client, "/kring-a/shell-own-tenant"))
    assert "<title>Probe · Kring B · Kringwerk</title>" in own and 'class="brand__name">Kring B<' in own
    usual = text(kept_and_fresh(app, client, "/kring-a/shell-probe"))
    assert "Kring B" not in usual and "<title>Probe · Kring A · Kringwerk</title>" in usual
    # A tenant changed in memory is not what the data stamp describes: built as before.
    fresh = stats(app)[2]
    unsaved = text(client.get("/kring-a/shell-own-tenant?unsaved=1"))
    assert "<title>Probe · Kring Unsaved · Kringwerk</title>" in unsaved and stats(app)[2] == fresh + 1
    assert "Kring Unsaved" not in text(client.get("/kring-a/shell-own-tenant"))


# --- writes ---------------------------------------------------------------------------------


def test_a_post_renders_the_next_shell_fresh(app, client, login_as, world, probe):
    login_as(world.a.admin)
    for _ in range(2):
        assert "Kring A" in text(client.get("/kring-a/shell-probe"))
    built = stats(app)[0]
    saved = client.post(
        "/kring-a/admin/settings/",
        data={
            "name": "Kring Renamed",
            "contact_email": "new@kring-a.example.com",
            "default_locale": "en",
            "timezone": "Europe/Amsterdam",
            "brand_colour": "#123456",
        },
    )
    assert saved.status_code == 302
    shown = text(client.get("/kring-a/shell-probe"))
    assert stats(app)[0] == built + 1
    assert "<title>Probe · Kring Renamed · Kringwerk</title>" in shown and "The settings are saved." in shown
    assert "mailto:new@kring-a.example.com" in shown and "Kring B" not in shown
    assert "Kring Renamed" not in text(login_as(world.b.admin).get("/kring-b/shell-probe"))


def test_a_change_in_another_worker_shows_at_the_next_request(
    app, app_config, client, login_as, world, probe
):
    tenant_id = world.a.tenant.id
    login_as(world.a.member)
    for _ in range(2):
        assert "Kring A" in text(client.get("/kring-a/shell-probe"))

    def rename():
        db.session.get(Tenant, tenant_id).name = "Kring Elsewhere"

    in_another_worker(app_config, rename)
    shown = text(client.get("/kring-a/shell-probe"))
    assert "<title>Probe · Kring Elsewhere · Kringwerk</title>" in shown
    assert 'class="brand__name">Kring Elsewhere<' in shown and "Kring Elsewhere" not in text(
        client.get("/kring-b/shell-probe")
    )


class TestWithCsrf:
    @pytest.fixture
    def app_config(self, tmp_path, database_url):
        return base_config(tmp_path, database_url, WTF_CSRF_ENABLED=True)

    def test_each_visitor_carries_their_own_token_and_it_validates(self, app, world, probe):
        serializer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
        for path in ("/shell-probe", "/kring-a/shell-probe", "/kring-a/"):
            raw_tokens = set()
            for visitor in (app.test_client(), app.test_client()):
                for _ in range(2):
                    response = visitor.get(path)
                    shown = text(response)
                    assert "kringwerk-" not in shown.replace("kringwerk.", "")  # no placeholder left
                    tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', shown))
                    tokens |= set(re.findall(r'"X-CSRFToken": "([^"]+)"', shown))
                    assert len(tokens) == 1
                    token = tokens.pop()
                    with visitor.session_transaction() as session:
                        assert serializer.loads(token) == session["csrf_token"]
                    raw_tokens.add(session["csrf_token"])
                switched = visitor.post(
                    "/language", data={"language": "nl", "next": path, "csrf_token": token}
                )
                assert switched.status_code == 302
                refused = visitor.post("/language", data={"language": "en", "next": path, "csrf_token": "x"})
                assert refused.status_code == 400
            assert len(raw_tokens) == 2, "each visitor their own token"
            assert stats(app)[1] > 0


# --- why it is safe -------------------------------------------------------------------------


def _outside(node, stop) -> list:
    """``node``'s descendants not inside a node of a ``stop`` type (those themselves included)."""
    found = []
    for child in node.iter_child_nodes():
        found.append(child)
        if not isinstance(child, stop):
            found += _outside(child, stop)
    return found


def _extends_base(env, name: str) -> bool:
    """Whether ``name`` extends base.html, directly or through a layout (either branch of a
    conditional ``extends``)."""
    ast = env.parse(env.loader.get_source(env, name)[0])
    extends = next(iter(ast.find_all(nodes.Extends)), None)
    if extends is None:
        return False
    parents = {const.value for const in extends.template.find_all(nodes.Const)}
    if isinstance(extends.template, nodes.Const):
        parents.add(extends.template.value)
    return "base.html" in parents or any(_extends_base(env, parent) for parent in parents if parent != name)


def test_base_html_reads_only_what_the_key_names_and_sets_nothing_its_blocks_read(app):
    env = app.jinja_env
    source = env.loader.get_source(env, "base.html")[0]
    ast, outside = env.parse(source), env.parse(source)
    for block in outside.find_all(nodes.Block):
        block.body = []
    loaded = {name.name for name in outside.find_all(nodes.Name) if name.ctx == "load"}
    # Jinja's own finder leaves out the environment's globals; they are read all the same.
    read = meta.find_undeclared_variables(outside) | (loaded & set(env.globals))
    assert read == READ_OUTSIDE_BLOCKS
    top_level = {
        node.name if isinstance(node, nodes.Macro) else node.target.name
        for node in _outside(ast, (nodes.Block, nodes.Macro))
        if isinstance(node, nodes.Macro | nodes.Assign | nodes.AssignBlock)
    }
    assert top_level == {"header"}  # the header's macro; no block reads it (below)
    block_names = {block.name for block in ast.find_all(nodes.Block)}
    assert block_names == {"title", "head", "notices", "content"}


def test_no_page_sets_at_its_top_level_what_base_html_reads(app):
    env = app.jinja_env
    with app.test_request_context():
        names = [name for name in env.list_templates(extensions=["html"]) if _extends_base(env, name)]
    assert len(names) > 100 and "polls/index.html" in names and "events/event.html" in names
    for name in names:
        ast = env.parse(env.loader.get_source(env, name)[0])
        bound = set()
        for node in _outside(ast, (nodes.Block, nodes.Macro)):
            if isinstance(node, nodes.Assign | nodes.AssignBlock):
                bound |= {n.name for n in node.target.find_all(nodes.Name)} | (
                    {node.target.name} if isinstance(node.target, nodes.Name) else set()
                )
            elif isinstance(node, nodes.Macro):
                bound.add(node.name)
            elif isinstance(node, nodes.Import):
                bound.add(node.target)
            elif isinstance(node, nodes.FromImport):
                bound |= {alias if isinstance(alias, str) else alias[1] for alias in node.names}
        assert not bound & (READ_OUTSIDE_BLOCKS | {"header", "site_header"}), (name, bound)
        assert "header" not in meta.find_undeclared_variables(ast), name


def test_a_second_mount_prefix_has_its_own_frame(app, client, login_as, world, probe):
    login_as(world.a.member)
    for _ in range(2):
        plain = text(kept_and_fresh(app, client, "/kring-a/shell-probe"))
        mounted = text(
            kept_and_fresh(app, client, "/kring-a/shell-probe", base_url="http://localhost/mounted/")
        )
        assert 'href="/kring-a/theme.css' in plain and "/mounted/" not in plain
        assert 'href="/mounted/kring-a/theme.css' in mounted
        assert 'action="/mounted/language"' in mounted and 'action="/language"' in plain
