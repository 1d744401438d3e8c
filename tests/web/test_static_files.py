"""Static files (kringwerk.web.static): URLs carry the content's hash, a versioned URL is
kept a year, anything else is revalidated; the shell's four files are built once per
process. nginx's side: tests/deploy (the map, and the smoke walk through nginx)."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
from flask import url_for

from kringwerk.config import PROJECT_ROOT
from kringwerk.extensions import db
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.web import static

CORE = Path(static.__file__).resolve().parents[1] / "static"
YEAR = "public, max-age=31536000, immutable"
LINKED = re.compile(r'(?:href|src)="(/static/[^"?]+)\?v=([0-9a-f]+)"')


@pytest.fixture(autouse=True)
def new_process():
    """Each test starts as a fresh process would: nothing hashed or built yet."""
    static.forget()
    yield
    static.forget()


def _hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def test_pages_link_the_shell_files_with_their_content_hash(client, world, login_as):
    anonymous = client.get("/").get_data(as_text=True)
    login_as(world.a.member)
    tenant_a = client.get("/kring-a/").get_data(as_text=True)
    outside = client.get("/kring-b/admin/")  # another tenant's page: refused, in the same shell
    assert outside.status_code in (403, 404)
    for html in (anonymous, tenant_a, outside.get_data(as_text=True)):
        linked = dict(LINKED.findall(html))
        assert set(linked) == {
            "/static/img/favicon.svg",
            "/static/css/kringwerk.css",
            "/static/vendor/htmx/htmx.min.js",
            "/static/js/kringwerk.js",
        }
        for path, version in linked.items():
            assert version == _hash(CORE / path.removeprefix("/static/")), path
    assert "Kring B" not in tenant_a


def test_the_url_changes_with_the_files_content(app, tmp_path):
    (tmp_path / "site.css").write_text("body { color: black }")
    app.static_folder = str(tmp_path)
    app.extensions["kringwerk.static"]["static"] = str(tmp_path)
    with app.test_request_context("/"):
        first = url_for("static", filename="site.css")
        assert first == f"/static/site.css?v={_hash(tmp_path / 'site.css')}"
        (tmp_path / "site.css").write_text("body { color: navy }")
        assert url_for("static", filename="site.css") == first  # read once per process
        static.forget()  # the next release: a new process
        second = url_for("static", filename="site.css")
        assert second != first and second.endswith(_hash(tmp_path / "site.css"))
        # A missing file gets no version (and so never the year's lifetime).
        assert url_for("static", filename="gone.css") == "/static/gone.css"
        # A version asked for explicitly is left alone.
        assert url_for("static", filename="site.css", v="x") == "/static/site.css?v=x"


def test_in_debug_mode_a_changed_file_gets_a_new_url_at_once(app, tmp_path):
    import os

    app.debug = True
    (tmp_path / "site.css").write_text("a")
    app.static_folder = str(tmp_path)
    app.extensions["kringwerk.static"]["static"] = str(tmp_path)
    with app.test_request_context("/"):
        first = url_for("static", filename="site.css")
        (tmp_path / "site.css").write_text("b")
        os.utime(tmp_path / "site.css", ns=(1, 10**18))  # a different modification time
        assert url_for("static", filename="site.css") != first


def test_only_the_versioned_url_is_kept_a_year(client, world):
    path = "/static/css/kringwerk.css"
    version = _hash(CORE / "css" / "kringwerk.css")
    versioned = client.get(f"{path}?v={version}")
    assert versioned.status_code == 200
    assert versioned.headers["Cache-Control"] == YEAR
    assert versioned.data == (CORE / "css" / "kringwerk.css").read_bytes()
    for other in (path, f"{path}?v=000000000000", f"{path}?v="):
        response = client.get(other)
        assert response.status_code == 200
        assert "immutable" not in response.headers["Cache-Control"], other
        assert "max-age=31536000" not in response.headers["Cache-Control"], other
        assert response.headers.get("ETag")  # revalidated, cheaply
    missing = client.get("/static/no-such-file.css?v=000000000000")
    assert missing.status_code == 404
    assert "immutable" not in missing.headers.get("Cache-Control", "")
    # The security headers still come with every static file.
    assert versioned.headers["X-Content-Type-Options"] == "nosniff"


def test_a_plugins_static_files_are_versioned_in_the_tenant_that_has_it(client, world, login_as):
    enable_plugin(world.a.tenant, "polls")
    db.session.commit()
    login_as(world.a.member)
    page = client.get("/kring-a/polls/").get_data(as_text=True)
    link = re.search(r'href="(/kring-a/polls/static/polls\.css)\?v=([0-9a-f]{12})"', page)
    assert link, page[:1500]
    polls_css = PROJECT_ROOT / "plugins" / "polls" / "static" / "polls.css"
    assert link.group(2) == _hash(polls_css)
    kept = client.get(f"{link.group(1)}?v={link.group(2)}")
    assert kept.status_code == 200 and kept.headers["Cache-Control"] == YEAR
    assert "immutable" not in client.get(link.group(1)).headers["Cache-Control"]
    # Tenant B has no polls: its plugin path stays closed, versioned or not.
    other = client.get(f"/kring-b/polls/static/polls.css?v={link.group(2)}")
    assert other.status_code in (403, 404)
    assert "immutable" not in other.headers.get("Cache-Control", "")


def test_the_shell_builds_each_static_url_once_per_process(client, world, login_as, monkeypatch):
    built = []
    real = static.url_for

    def counting(endpoint, **values):
        built.append(values.get("filename"))
        return real(endpoint, **values)

    monkeypatch.setattr(static, "url_for", counting)
    client.get("/")
    login_as(world.a.member)
    client.get("/kring-a/")
    login_as(world.b.member)
    client.get("/kring-b/")
    assert sorted(built) == sorted(
        ["img/favicon.svg", "css/kringwerk.css", "vendor/htmx/htmx.min.js", "js/kringwerk.js"]
    )


def test_nginx_map_holds_the_apps_own_hashes():
    """deploy/nginx/static_versions.py writes, for nginx, the hashes the app links."""
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "deploy" / "nginx" / "static_versions.py")],
        capture_output=True,
        text=True,
        check=True,
    )
    entries = dict(re.findall(r"^\s+(/static/\S+) ([0-9a-f]{12});$", result.stdout, re.M))
    assert entries["/static/css/kringwerk.css"] == _hash(CORE / "css" / "kringwerk.css")
    assert entries["/static/vendor/htmx/htmx.min.js"] == _hash(CORE / "vendor" / "htmx" / "htmx.min.js")
    assert len(entries) == sum(1 for p in CORE.rglob("*") if p.is_file())
    assert 'default "-";' in result.stdout
