"""The core's billing hook implementations: the billing section of the tenant's admin home."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kringwerk.accounts.models import Role
from kringwerk.pluginhost import AdminSection, hookimpl

SECTION = AdminSection(
    "billing.overview",
    _l("Plan and billing"),
    _l("Your plan, its modules, payment and invoices."),
    roles=(Role.ADMIN,),
    order=85,
)


@hookimpl
def admin_sections(tenant, user):
    return [SECTION]
