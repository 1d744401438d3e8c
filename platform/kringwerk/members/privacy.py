"""Personal data of a contact person (AVG right of access), for people who may have no
account: what the directory and the standing panel hold on them, plus what each plugin
reports through ``contact_export``. Erasure reuses the contact's removal
(``services.delete_contact``), which lets every plugin go of them through ``contact_removed``.

The data hooks reach every installed plugin (``all_hooks``), enabled or not: a disabled
plugin still holds its rows, and an export that left them out would be incomplete."""

from __future__ import annotations

from typing import Any

from kringwerk.audit.services import record
from kringwerk.extensions import db, utcnow
from kringwerk.members import panel
from kringwerk.members.models import ContactPerson
from kringwerk.pluginhost import all_hooks
from kringwerk.tenancy.models import Tenant


def export_contact(tenant: Tenant, contact: ContactPerson, *, actor) -> dict[str, Any]:
    """Everything ``tenant`` holds on ``contact``, JSON-ready; records ``contact.exported``."""
    plugin_data = [result for result in all_hooks().contact_export(tenant=tenant, contact=contact) if result]
    data = {
        "exported_at": utcnow().isoformat(),
        "tenant": {"slug": tenant.slug, "name": tenant.name},
        "contact_person": {
            "id": contact.id,
            "name": contact.name,
            "email": contact.email,
            "phone": contact.phone,
            "job_title": contact.job_title,
            "company": {"id": contact.company.id, "name": contact.company.name},
            "has_account": contact.user_id is not None,
            "created_at": contact.created_at.isoformat() if contact.created_at else None,
        },
        "panel": panel.export_for([contact.id]),
        "plugins": plugin_data,
    }
    record(
        "contact.exported",
        actor=actor,
        target=contact,
        details={"company_id": contact.company_id, "company": contact.company.name},
    )
    db.session.flush()
    return data
