"""CSRF protection with WTF_CSRF_ENABLED on (the suite switches it off elsewhere):
a POST needs the token, from the form field or from the X-CSRFToken header
htmx sends (hx-headers:inherited on <body>)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import World, base_config
from tests.web.conftest import page


@pytest.fixture
def app_config(tmp_path, database_url):
    return base_config(tmp_path, database_url, WTF_CSRF_ENABLED=True)


def form_token(response) -> str:
    tokens = {i["value"] for i in page(response).find("input", name="csrf_token")}
    assert len(tokens) == 1
    return tokens.pop()


def header_token(response) -> str:
    """The token htmx sends: hx-headers:inherited on <body>."""
    body = page(response).find("body")[0]
    return json.loads(body["hx-headers:inherited"])["X-CSRFToken"]


def test_post_without_token_is_refused_with_a_clear_page(client):
    client.get("/")
    response = client.post(
        "/language", data={"language": "en", "next": "/"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    text = page(response).text
    assert "The form has expired" in text
    assert "submit the form again" in text
    assert page(response).find("main", id="main")


def test_post_with_form_token_is_accepted(client):
    token = form_token(client.get("/"))
    response = client.post("/language", data={"language": "en", "next": "/", "csrf_token": token})
    assert response.status_code == 302
    assert page(client.get("/")).lang == "en"


def test_post_with_htmx_header_token_is_accepted(client):
    landing = client.get("/")
    token = header_token(landing)
    assert token == form_token(landing)
    response = client.post(
        "/language", data={"language": "en"}, headers={"X-CSRFToken": token, "HX-Request": "true"}
    )
    assert response.status_code == 302


def test_htmx_post_without_token_gets_an_alert_fragment(client):
    client.get("/")
    response = client.post("/language", data={"language": "en"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "<html" not in response.get_data(as_text=True)
    assert page(response).find("div", role="alert")


def test_token_of_another_session_is_refused(app, client):
    token = form_token(client.get("/"))
    stranger = app.test_client()
    stranger.get("/")
    assert stranger.post("/language", data={"language": "en", "csrf_token": token}).status_code == 400


def test_sign_in_works_with_csrf_on(client, world):
    token = form_token(client.get("/account/login"))
    response = client.post(
        "/account/login", data={"email": world.a.admin.email, "password": World.password, "csrf_token": token}
    )
    assert response.status_code == 302
    assert "Kring A" in page(client.get("/")).text
