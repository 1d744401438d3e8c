"""Rendered HTML kept per process (``web.fragments.remembered_html``): built once per tenant,
locale and key until the next write, each visitor's own CSRF token put in on the way out,
and one tenant's HTML never served to another."""

from __future__ import annotations

import re

import pytest
from flask import g, render_template_string, request
from flask_wtf.csrf import validate_csrf

from kringwerk.extensions import db
from kringwerk.web.fragments import CSRF_PLACEHOLDER, remembered_html

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def probe(app):
    built = []

    def render():
        built.append(g.tenant.slug)
        return render_template_string(
            '<form method="post"><input name="csrf_token" value="{{ csrf_token() }}">'
            "{{ tenant }} {{ _('Save') }}</form>",
            tenant=g.tenant.name,
        )

    @app.get("/<tenant>/fragment-probe")
    def fragment_probe():
        return str(remembered_html("probe", render))

    @app.post("/<tenant>/fragment-probe")
    def fragment_check():
        validate_csrf(request.form["csrf_token"])
        return "ok"

    return built


def test_built_once_per_tenant_and_locale_until_a_write(app, client, world, probe):
    first = client.get("/kring-a/fragment-probe").get_data(as_text=True)
    assert client.get("/kring-a/fragment-probe").get_data(as_text=True) == first
    assert probe == ["kring-a"]
    other = client.get("/kring-b/fragment-probe").get_data(as_text=True)
    assert "Kring B" in other and "Kring A" not in other
    assert probe == ["kring-a", "kring-b"]

    assert "Save" in first  # the test tenants speak English
    client.post("/language", data={"language": "nl"})
    dutch = client.get("/kring-a/fragment-probe").get_data(as_text=True)
    assert "Opslaan" in dutch and "Save" not in dutch
    assert probe == ["kring-a", "kring-b", "kring-a"]  # kept per locale

    world.a.tenant.name = "Kring Anders"
    db.session.commit()
    assert "Kring Anders" in client.get("/kring-a/fragment-probe").get_data(as_text=True)


def test_each_visitor_gets_their_own_token(app, world, probe):
    app.config["WTF_CSRF_ENABLED"] = True
    one, two = app.test_client(), app.test_client()
    token_one = TOKEN.search(one.get("/kring-a/fragment-probe").get_data(as_text=True)).group(1)
    token_two = TOKEN.search(two.get("/kring-a/fragment-probe").get_data(as_text=True)).group(1)
    assert probe == ["kring-a"]  # the second visitor got the kept HTML
    assert token_one != token_two
    assert CSRF_PLACEHOLDER not in token_one + token_two
    assert one.post("/kring-a/fragment-probe", data={"csrf_token": token_one}).status_code == 200
    assert two.post("/kring-a/fragment-probe", data={"csrf_token": token_two}).status_code == 200
    assert two.post("/kring-a/fragment-probe", data={"csrf_token": token_one}).status_code == 400


def test_nothing_is_kept_while_templates_reload(app, client, world, probe):
    app.config["TEMPLATES_AUTO_RELOAD"] = True
    client.get("/kring-a/fragment-probe")
    client.get("/kring-a/fragment-probe")
    assert probe == ["kring-a", "kring-a"]
