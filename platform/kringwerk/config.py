"""Configuration from the environment, with defaults that need nothing set.

| variable        | default                                   |
|-----------------|-------------------------------------------|
| KRINGWERK_ENV   | ``development`` (or ``production``)        |
| DATABASE_URL    | SQLite file ``instance/kringwerk.db``      |
| REDIS_URL       | unset: background jobs run in-process      |
| SECRET_KEY      | development: generated once into instance/ |
| SMTP_URL        | unset: mail is written to ``instance/outbox`` |
| BASE_URL        | ``http://127.0.0.1:5000``                  |
| MAIL_FROM       | ``Kringwerk <noreply@kringwerk.local>``    |
| SMTP_CA_FILE    | unset: the system's trusted certificates   |
| PROXY_HOPS      | 0: trust no X-Forwarded-* headers          |
| STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET | unset: billing is off, every module is free |
| STRIPE_API_BASE | unset: Stripe's own API (tests: the local stand-in) |
| BILLING_PLANS_FILE | ``plans.toml`` in the project               |
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]

BUNDLED_PLUGINS = (
    "plugins.polls",
    "plugins.events",
    "plugins.mkb_toets",
    "plugins.masterplan",
)


class ConfigurationError(RuntimeError):
    """The configuration cannot be used; the message says which setting and why."""


def default_instance_path() -> Path:
    return Path(os.environ.get("KRINGWERK_INSTANCE", PROJECT_ROOT / "instance")).resolve()


def _development_secret(instance_path: Path) -> str:
    """A per-checkout random key, so sessions survive restarts without any setup."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _non_negative_int(value: str, name: str) -> int:
    if not value.strip().isdigit():
        raise ConfigurationError(f"{name} must be a whole number of 0 or more, not {value!r}")
    return int(value)


def build_config(
    instance_path: Path, overrides: Mapping[str, Any] | None = None, environ=os.environ
) -> dict[str, Any]:
    """Settings for ``app.config``: defaults, then the environment, then ``overrides``."""
    overrides = dict(overrides or {})
    env = overrides.get("ENV") or environ.get("KRINGWERK_ENV", "development")
    if env not in {"development", "production", "testing"}:
        raise ConfigurationError(f"KRINGWERK_ENV must be development, production or testing, not {env!r}")

    base_url = environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    config: dict[str, Any] = {
        "ENV": env,
        "BASE_URL": base_url,
        "SQLALCHEMY_DATABASE_URI": environ.get("DATABASE_URL")
        or f"sqlite:///{instance_path / 'kringwerk.db'}",
        # No pre-ping (a round trip at every check-out): a pooled connection the server
        # has closed is found without one and replaced (extensions.drop_closed_connection);
        # one older than half an hour is replaced anyway, before a firewall or PgBouncer
        # drops it unnoticed.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_recycle": 1800},
        "REDIS_URL": environ.get("REDIS_URL") or None,
        "SMTP_URL": environ.get("SMTP_URL") or None,
        "MAIL_FROM": environ.get("MAIL_FROM", "Kringwerk <noreply@kringwerk.local>"),
        "SMTP_CA_FILE": environ.get("SMTP_CA_FILE") or None,
        # How many reverse proxies (nginx, a load balancer) stand in front and set
        # X-Forwarded-For/-Proto/-Host; client IPs (rate limits, audit) come from them.
        "PROXY_HOPS": _non_negative_int(environ.get("PROXY_HOPS", "0"), "PROXY_HOPS"),
        "OUTBOX_DIR": str(instance_path / "outbox"),
        "UPLOAD_DIR": str(instance_path / "uploads"),
        "TEMPLATES_DIR": str(PROJECT_ROOT / "templates"),
        "TENANTS_DIR": str(PROJECT_ROOT / "tenants"),
        "MIGRATIONS_DIR": str(PROJECT_ROOT / "migrations"),
        "BUNDLED_PLUGINS": BUNDLED_PLUGINS,
        "EXTRA_PLUGINS": (),
        "LANGUAGES": ("nl", "en"),
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": base_url.startswith("https://"),
        "SESSION_COOKIE_NAME": "kringwerk_session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": base_url.startswith("https://"),
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        # Long forms (a masterplan, a poll) outlive Flask-WTF's one-hour default;
        # the token stays bound to the session, which expires on its own.
        "WTF_CSRF_TIME_LIMIT": None,
        # Uploads may be 10 MB; a form's text (each field of a multipart form, a whole
        # urlencoded body: web.safety) 1 MB, which is room for a long poll's answers.
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        "PAGE_SIZE": 25,
        "PASSWORD_HASH_METHOD": "scrypt",
        "RATELIMIT_ENABLED": True,
        "JOBS_IN_PROCESS": False,
        # Keep what pages derive from data per process until the next write (tenancy.cache);
        # KEEP_PAGE_DATA=0 turns it off (bench/http.py measures both ways).
        "KEEP_PAGE_DATA": environ.get("KEEP_PAGE_DATA", "1") != "0",
        # Billing is on only with both Stripe secrets (kringwerk.billing); plans are configuration.
        "STRIPE_SECRET_KEY": environ.get("STRIPE_SECRET_KEY") or None,
        "STRIPE_WEBHOOK_SECRET": environ.get("STRIPE_WEBHOOK_SECRET") or None,
        "STRIPE_API_BASE": environ.get("STRIPE_API_BASE") or None,
        "BILLING_PLANS_FILE": environ.get("BILLING_PLANS_FILE") or str(PROJECT_ROOT / "plans.toml"),
    }
    config.update(overrides)

    secret = overrides.get("SECRET_KEY") or environ.get("SECRET_KEY")
    if not secret:
        if env == "production":
            raise ConfigurationError("SECRET_KEY must be set in production (KRINGWERK_ENV=production)")
        secret = _development_secret(instance_path)
    config["SECRET_KEY"] = secret
    if config["REDIS_URL"] is None:
        config["JOBS_IN_PROCESS"] = True
    if bool(config["STRIPE_SECRET_KEY"]) != bool(config["STRIPE_WEBHOOK_SECRET"]):
        raise ConfigurationError(
            "set both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET to turn billing on, or neither to leave it off"
        )
    return config
