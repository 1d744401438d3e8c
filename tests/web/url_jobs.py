"""A job function for tests/web/test_urls.py (a job must name a module-level function)."""

from __future__ import annotations

from kringwerk.plugin_api import current_tenant, external_url

built: list[tuple[str, str]] = []


def build_link() -> None:
    built.append((current_tenant().slug, external_url("members.directory")))
