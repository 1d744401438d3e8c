"""The hooks a plugin may implement (pluggy, project name ``kringwerk``).

Hooks are called only for plugins enabled in the tenant concerned, except
``periodic_jobs``, which the scheduler gates per tenant when it runs them, and
the data hooks ``company_removed`` / ``contact_removed`` and the privacy hooks
``member_export`` / ``member_erase`` / ``contact_export``, which reach every
installed plugin (call them with ``all_hooks()``): a disabled plugin's data
stays, so it must still let go of a row that is about to be deleted, and its
rows are personal data to export and erase like any other.
Implement one with ``@hookimpl`` on a function taking any subset of the
arguments below. The core answers the same hooks for its own navigation and
admin sections, as the always-enabled participant ``core``.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("kringwerk")
hookimpl = pluggy.HookimplMarker("kringwerk")


@hookspec
def nav_items(tenant, user):
    """Return NavItems for the tenant's navigation bar."""


@hookspec
def admin_sections(tenant, user):
    """Return AdminSections for the tenant's admin home."""


@hookspec
def public_links(tenant):
    """Return PublicLinks: pages of ``tenant`` a visitor may open without signing in."""


@hookspec
def tenant_settings_forms(tenant):
    """Return SettingsForms: the plugin's per-tenant settings, shown on the tenant's settings page."""


@hookspec
def dashboard_cards(tenant, user):
    """Return DashboardCards for the tenant home page."""


@hookspec
def theme_activity(tenant, theme):
    """Return ThemeActivity entries: what the plugin did on ``theme`` in ``tenant``."""


@hookspec
def member_export(tenant, user):
    """Return a dict of the personal data the plugin holds on ``user`` in ``tenant`` (AVG access)."""


@hookspec
def member_erase(tenant, user):
    """Erase or anonymise the personal data the plugin holds on ``user`` in ``tenant``."""


@hookspec
def periodic_jobs():
    """Return PeriodicJobs to run for every tenant that has the plugin enabled."""


@hookspec
def company_removed(tenant, company):
    """Let go of ``company`` (about to be deleted): cut or delete the plugin's references to it."""


@hookspec
def contact_removed(tenant, contact):
    """Let go of ``contact`` (a ContactPerson about to be deleted): cut or delete references to it."""


@hookspec
def followup_offers(tenant, user, match):
    """Return FollowUpOffers: what the plugin can start from a CooperationMatch (an event, a plan item)."""


@hookspec
def attendance_followups(tenant, user, attendance):
    """Return FollowUpOffers: what the plugin can start for the people who attended an event
    (an ``Attendance``), such as an evaluation poll."""


@hookspec
def demo_data(tenant):
    """Add the plugin's demo data to ``tenant`` if missing; return a DemoContribution (``kringwerk demo``)."""


@hookspec
def network_cards(tenant, user):
    """Return DashboardCards the network ``tenant`` shows people who reach it through an affiliated association."""


@hookspec
def network_figures(network, tenant_ids):
    """Return NetworkFigures: aggregates (never rows) per tenant in ``tenant_ids``, members of ``network``."""


@hookspec
def waiting_for(tenant, user):
    """Return WaitingItems: what waits for ``user`` in ``tenant`` (a poll to answer, a deadline), for the home."""


@hookspec
def open_work(tenant):
    """Return sentences on the plugin's work under way in ``tenant`` (open polls, say), asked before disabling it."""


@hookspec
def contact_export(tenant, contact):
    """Return a dict of the personal data the plugin holds on ``contact`` (a ContactPerson) in ``tenant`` (AVG access)."""


@hookspec
def theme_interest(tenant, source):
    """Return ThemeInterests of closed sources in ``tenant`` (``source`` None: the recent ones; else only that key)."""


@hookspec
def linkable_events(tenant, ids):
    """Return LinkableEvents of ``tenant`` (``ids`` None: those an item may link to now; else those with these ids)."""


@hookspec
def usage_figures(tenant_ids):
    """Return UsageFigures: counts of the plugin's items (polls, events) for each tenant in ``tenant_ids``."""


@hookspec
def payment_settled(tenant, reference, paid):
    """A payment the plugin started with ``start_payment`` was paid (``paid``) or expired unpaid; return True if ``reference`` is the plugin's."""
