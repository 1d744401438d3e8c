"""Configuration from the environment, and the defaults that need nothing set."""

from __future__ import annotations

from pathlib import Path

import pytest

from kringwerk.config import ConfigurationError, build_config


def test_defaults_need_nothing(tmp_path):
    config = build_config(tmp_path, environ={})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'kringwerk.db'}"
    assert config["REDIS_URL"] is None and config["JOBS_IN_PROCESS"] is True
    assert config["SMTP_URL"] is None and config["OUTBOX_DIR"] == str(tmp_path / "outbox")
    assert config["BASE_URL"] == "http://127.0.0.1:5000"
    assert config["SESSION_COOKIE_SECURE"] is False
    assert config["BABEL_DEFAULT_LOCALE"] == "nl" and config["LANGUAGES"] == ("nl", "en")


def test_development_secret_is_generated_once(tmp_path):
    first = build_config(tmp_path, environ={})["SECRET_KEY"]
    second = build_config(tmp_path, environ={})["SECRET_KEY"]
    assert first == second and len(first) > 40
    assert (Path(tmp_path) / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_secret_key(tmp_path):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        build_config(tmp_path, environ={"KRINGWERK_ENV": "production"})
    config = build_config(tmp_path, environ={"KRINGWERK_ENV": "production", "SECRET_KEY": "s" * 50})
    assert config["SECRET_KEY"] == "s" * 50


def test_environment_settings_are_used(tmp_path):
    config = build_config(
        tmp_path,
        environ={
            "DATABASE_URL": "postgresql+psycopg://kw@db/kringwerk",
            "REDIS_URL": "redis://cache:6379/1",
            "SMTP_URL": "smtp+starttls://mailer:pw@mail:587",
            "BASE_URL": "https://kringwerk.example.nl/",
        },
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://kw@db/kringwerk"
    assert config["REDIS_URL"] == "redis://cache:6379/1" and config["JOBS_IN_PROCESS"] is False
    assert config["SMTP_URL"] == "smtp+starttls://mailer:pw@mail:587"
    assert config["BASE_URL"] == "https://kringwerk.example.nl"
    assert config["SESSION_COOKIE_SECURE"] is True and config["REMEMBER_COOKIE_SECURE"] is True


def test_unknown_environment_name_is_refused(tmp_path):
    with pytest.raises(ConfigurationError):
        build_config(tmp_path, environ={"KRINGWERK_ENV": "staging"})


def test_proxy_hops_must_be_a_whole_number(tmp_path):
    assert build_config(tmp_path, environ={})["PROXY_HOPS"] == 0
    assert build_config(tmp_path, environ={"PROXY_HOPS": "2"})["PROXY_HOPS"] == 2
    with pytest.raises(ConfigurationError, match="PROXY_HOPS"):
        build_config(tmp_path, environ={"PROXY_HOPS": "-1"})


def test_client_address_comes_from_the_proxy_only_when_trusted(tmp_path, database_url):
    from flask import request

    from kringwerk import create_app
    from tests.conftest import base_config

    seen = {}
    for hops in (0, 1):
        app = create_app(base_config(tmp_path, database_url, PROXY_HOPS=hops), environ={})

        @app.get("/_test/ip")
        def ip():
            return request.remote_addr

        response = app.test_client().get(
            "/_test/ip", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "10.0.0.2"}
        )
        seen[hops] = response.get_data(as_text=True)
    assert seen == {0: "10.0.0.2", 1: "203.0.113.9"}
