"""What the plugin's pages keep per process until the next write (``remember`` and
``remembered_html``), and the keys they keep it under.

Every kept page part names, besides the page and its arguments, the person looking (their
role decides the edit buttons, and anything personal a page gains later is safe) and, where
a page could show anything relative to today, the date in the tenant's time zone (the
tenant's ``timezone``, Europe/Amsterdam when it has none or an unknown one) as the kept
value's version: at midnight there the page is built anew and replaces the old one.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_login import current_user

from kringwerk.plugin_api import current_tenant

DEFAULT_ZONE = "Europe/Amsterdam"


def tenant_today() -> date:
    """Today in the tenant's time zone."""
    tenant = current_tenant()
    try:
        zone = ZoneInfo(getattr(tenant, "timezone", None) or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(DEFAULT_ZONE)
    return datetime.now(zone).date()


def person() -> int | None:
    """The key part for who looks: the signed-in person's id."""
    return getattr(current_user, "id", None)
