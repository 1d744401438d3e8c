"""The core's own navigation and admin sections, given through the same hooks
a plugin implements (registered as the always-enabled participant ``core``).

To add a core section or entry, add it here. Keep an admin section's ``roles``
in step with the permission its view requires: the list only hides links, the
view is what refuses. Endpoints that do not exist (yet) are left out by the
pages that list them.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kringwerk.accounts.models import Role
from kringwerk.accounts.permissions import MANAGERS
from kringwerk.pluginhost import AdminSection, DashboardCard, NavItem, hookimpl
from kringwerk.tenancy.models import Tenant, TenantKind


def is_region(tenant: Tenant) -> bool:
    return tenant.kind == TenantKind.REGION


def is_not_region(tenant: Tenant) -> bool:
    return tenant.kind != TenantKind.REGION


NAV_ITEMS = (
    NavItem(_l("Dashboard"), "web.tenant_home", order=0),
    NavItem(_l("Members"), "members.directory", order=10),
    NavItem(_l("Administration"), "web.admin_home", order=900, roles=tuple(MANAGERS)),
)

ADMIN_SECTIONS = (
    AdminSection(
        "accounts.people",
        _l("People and invitations"),
        _l("Who has access, with which role; invite new people."),
        roles=(Role.ADMIN,),
        order=10,
    ),
    AdminSection(
        "members.directory",
        _l("Companies"),
        _l("The member companies and their contact persons: add, change or remove them."),
        order=20,
    ),
    AdminSection(
        "members.import_companies",
        _l("Import companies"),
        _l("Add or update companies from a CSV file."),
        order=25,
    ),
    AdminSection(
        "panel.index",
        _l("Entrepreneurs' panel"),
        _l("The people who agreed to be asked for polls and the like: add them in bulk or remove them."),
        order=27,
    ),
    AdminSection(
        "members.parks",
        _l("Business parks"),
        _l("The business parks your members are located on."),
        order=30,
    ),
    AdminSection(
        "members.circles",
        _l("Circles"),
        _l("The circles (kringen) within the association."),
        order=40,
    ),
    AdminSection(
        "members.themes",
        _l("Themes"),
        _l("The themes polls, events and masterplans are organised by."),
        order=50,
    ),
    AdminSection(
        "tenants.affiliations",
        _l("Member associations"),
        _l("The associations and municipalities in this regional network."),
        roles=(Role.ADMIN,),
        condition=is_region,
        order=60,
    ),
    AdminSection(
        "tenants.networks",
        _l("Regional networks"),
        _l("The regional networks this organisation belongs to."),
        roles=(Role.ADMIN,),
        condition=is_not_region,
        order=60,
    ),
    AdminSection(
        "networks.overview",
        _l("Network overview"),
        _l(
            "Member associations, their municipalities, signatures, members and modules; the combined directory."
        ),
        condition=is_region,
        order=62,
    ),
    AdminSection(
        "networks.letters",
        _l("Letters of intent"),
        _l("The text everyone signs, its versions, and who signed which version."),
        order=64,
    ),
    AdminSection(
        "networks.sharing",
        _l("Sharing the member directory"),
        _l("Whether your regional networks show your companies in their combined directory."),
        roles=(Role.ADMIN,),
        condition=is_not_region,
        order=66,
    ),
    AdminSection(
        "tenants.settings",
        _l("Settings"),
        _l("Name, contact details, language, colour and logo."),
        roles=(Role.ADMIN,),
        order=80,
    ),
    AdminSection(
        "audit.tenant_log",
        _l("Audit log"),
        _l("Who changed what, and when."),
        roles=(Role.ADMIN,),
        order=90,
    ),
)


@hookimpl
def nav_items(tenant, user):
    return list(NAV_ITEMS)


@hookimpl
def admin_sections(tenant, user):
    return list(ADMIN_SECTIONS)


@hookimpl
def network_cards(tenant, user):
    # Letters of intent and the combined directory (kringwerk.networks), for the people
    # of the network's member associations.
    return [DashboardCard(_l("Cooperation"), "networks/_network_card.html", order=5)]
