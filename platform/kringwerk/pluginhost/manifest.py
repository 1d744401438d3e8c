"""The ``Plugin`` manifest a plugin package exposes as ``plugin``, and the
small value types its hooks return."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,39}$")


@dataclass(frozen=True)
class Plugin:
    """What a plugin is and what it brings.

    ``key`` names the plugin everywhere: its URL (``/<tenant>/<key>/``), its row
    in ``tenant_plugins``, its pluggy name and its Alembic branch label.
    """

    key: str
    name: Any  # str or a lazy translation
    description: Any = ""
    blueprint: Blueprint | None = None
    hooks: object | None = None
    default_settings: Mapping[str, Any] = field(default_factory=dict)
    requires: tuple[str, ...] = ()
    models: str | None = None  # module imported so the plugin's tables join the metadata
    migrations: str | None = None  # folder of the plugin's Alembic branch
    version: str = "1"
    audit_labels: Mapping[str, Any] = field(default_factory=dict)  # action -> readable label
    audit_detail_labels: Mapping[str, Any] = field(default_factory=dict)  # detail key -> readable label
    # Folder of the plugin's own catalogs (<locale>/LC_MESSAGES/messages.mo); None: the
    # package's ``translations`` folder when there is one (the registry looks it up).
    translations: str | None = None

    def __post_init__(self) -> None:
        if not KEY_PATTERN.match(self.key):
            raise ValueError(f"plugin key {self.key!r} must be 2-40 lowercase letters, digits or hyphens")


@dataclass(frozen=True)
class NavItem:
    label: Any
    endpoint: str
    order: int = 100
    roles: tuple[str, ...] | None = None  # None: every member of the tenant
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AdminSection:
    """A section of the tenant's admin home (/<tenant>/admin/), linking to ``endpoint``.

    Keep ``roles`` in step with what the linked view requires: the admin home only
    hides links, the view is what refuses. ``condition`` narrows it to some tenants
    (a region, say); a section whose endpoint does not exist is left out.
    """

    endpoint: str
    label: Any
    description: Any = ""
    roles: tuple[str, ...] = ("admin", "facilitator")
    condition: Callable[[Any], bool] | None = None  # called with the tenant
    values: Mapping[str, Any] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class PublicLink:
    """A page anyone may open without signing in, listed on the tenant's home for visitors."""

    label: Any
    endpoint: str
    description: Any = ""
    values: Mapping[str, Any] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class SettingsForm:
    """A plugin's per-tenant settings, shown on the tenant's settings page.

    Either ``form``, a Flask-WTF form class whose field names are keys of the
    plugin's settings (the host fills it from them, validates it, answers 422 on
    errors and saves ``form.data`` into ``tenant_plugins.settings``), or
    ``endpoint``, a page of the plugin's own that the settings page links to.
    """

    plugin: str  # the plugin's key: whose settings these are
    title: Any
    form: type | None = None
    endpoint: str | None = None
    description: Any = ""
    roles: tuple[str, ...] = ("admin",)
    order: int = 100

    def __post_init__(self) -> None:
        if (self.form is None) == (self.endpoint is None):
            raise ValueError("a settings form needs exactly one of form or endpoint")


@dataclass(frozen=True)
class DashboardCard:
    title: Any
    template: str  # rendered with ``context`` plus ``tenant`` and ``user``
    context: Mapping[str, Any] = field(default_factory=dict)
    order: int = 100
    plugin: str | None = None


@dataclass(frozen=True)
class ThemeActivity:
    plugin: str
    label: Any
    count: int
    endpoint: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PeriodicJob:
    """Work a plugin wants run on a schedule, once per tenant that has it enabled."""

    name: str
    func: Callable[..., Any]  # called as func(tenant_id) inside that tenant's scope
    interval: timedelta | None = None
    cron: str | None = None

    def __post_init__(self) -> None:
        if (self.interval is None) == (self.cron is None):
            raise ValueError("a periodic job needs exactly one of interval or cron")


@dataclass(frozen=True)
class CooperationMatch:
    """Several companies want to cooperate on a theme (found by a poll, say).

    ``company_ids`` is empty when the source keeps respondents anonymous.
    """

    theme_id: int
    theme_name: str
    interested: int
    leading: int
    company_ids: tuple[int, ...]
    source: str  # what found it, e.g. the poll's title
    source_url: str | None = None


@dataclass(frozen=True)
class FollowUpOffer:
    """A follow-up a plugin can start from a CooperationMatch.

    The match's page shows a button that POSTs to ``url_for(endpoint, **values)``
    with the fields ``theme_id``, ``company_ids`` (repeated), ``source`` and
    ``source_url``; the offering plugin creates its item and redirects to it.
    """

    plugin: str
    label: Any
    endpoint: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Attendance:
    """Who attended an event that is over (offered to ``attendance_followups``).

    An offer's button POSTs to ``url_for(endpoint, **values)`` with the fields
    ``event_id``, ``title``, ``theme_ids`` and ``emails`` (repeated) and ``source_url``.
    """

    event_id: int
    title: str
    ended_at: datetime
    emails: tuple[str, ...]
    theme_ids: tuple[int, ...] = ()
    source_url: str | None = None


@dataclass(frozen=True)
class DemoContribution:
    """What a plugin's ``demo_data`` hook added: counts by readable noun, and links worth printing."""

    added: Mapping[str, int] = field(default_factory=dict)
    links: tuple[tuple[Any, str], ...] = ()


@dataclass(frozen=True)
class WaitingItem:
    """Something waiting for a person, listed on the tenant home (``waiting_for``): a poll
    to answer, a deadline. ``post`` makes the home show a button that POSTs to ``url``
    (for links that must be made first, such as a fresh personal link); ``due`` sorts the list.
    """

    title: str
    url: str
    kind: str  # e.g. "poll"; a CSS hook and what the home says it is
    due: datetime | None = None
    detail: Any = ""
    action: Any = ""  # the button or link text; the home says "Open" when empty
    post: bool = False
    plugin: str | None = None


@dataclass(frozen=True)
class ThemeInterest:
    """How many want to cooperate per theme, from one closed source (a poll's theme-interest
    questions), answered to ``theme_interest``: aggregates only, never who.

    ``source`` is a stable key (``"polls:12"``) that asks for this one again. ``counts`` maps
    theme id to the number interested; it is empty and ``withheld`` is set when the source's
    small-group rule forbids counts (too few respondents to hide in).
    """

    source: str
    label: str
    counts: Mapping[int, int]
    respondents: int
    withheld: bool = False
    closed_on: datetime | None = None


@dataclass(frozen=True)
class LinkableEvent:
    """An event another plugin may link to (a masterplan project's meetings), from
    ``linkable_events``: plain values, so the linking plugin never imports the events plugin.
    ``cancelled`` marks one that will not take place; an id no longer answered is gone."""

    id: int
    title: str
    starts_at: datetime
    url: str
    cancelled: bool = False
