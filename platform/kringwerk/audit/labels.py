"""Readable labels for audit actions.

Services record dotted action names (``member.invited``); the audit log pages
show these labels instead, in the reader's language. An action without a label
(a plugin's own, say) is shown by its raw name, so nothing disappears from the
trail when a label is missing.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "tenant.created": _l("Tenant created"),
    "tenant.updated": _l("Tenant settings changed"),
    "tenant.suspended": _l("Tenant suspended"),
    "tenant.reactivated": _l("Tenant reactivated"),
    "tenant.exported": _l("Tenant archive written (backup)"),
    "tenant.imported": _l("Tenant restored from its archive"),
    "plugin.enabled": _l("Module enabled"),
    "plugin.disabled": _l("Module disabled"),
    "plugin.settings_changed": _l("Module settings changed"),
    "job.retried": _l("Failed background job retried"),
    "affiliation.invited": _l("Invited into a network"),
    "affiliation.accepted": _l("Network invitation accepted"),
    "affiliation.declined": _l("Network invitation declined"),
    "affiliation.ended": _l("Network membership ended"),
    "affiliation.left": _l("Left a network"),
    "affiliation.updated": _l("Network membership note changed"),
    "network_invitation.created": _l("Chair invited by e-mail"),
    "network_invitation.resent": _l("Chair's invitation sent again"),
    "network_invitation.accepted": _l("Chair's invitation taken up"),
    "member.joined": _l("Joined as board member"),
    "letter.created": _l("Letter of intent written"),
    "letter.revised": _l("Letter of intent changed (new version)"),
    "letter.signed": _l("Letter of intent signed"),
    "letter.signatory_added": _l("Asked someone to sign a letter of intent"),
    "letter.signatory_mailed": _l("Signing link sent again"),
    "directory.shared": _l("Member directory shared with the networks"),
    "directory.unshared": _l("Member directory no longer shared"),
    "member.invited": _l("Member invited"),
    "invitation.resent": _l("Invitation sent again"),
    "invitation.revoked": _l("Invitation withdrawn"),
    "invitation.accepted": _l("Invitation accepted"),
    "membership.role_changed": _l("Role changed"),
    "membership.removed": _l("Member removed"),
    "member.exported": _l("Personal data exported"),
    "member.erased": _l("Personal data erased"),
    "company.created": _l("Company added"),
    "company.updated": _l("Company changed"),
    "company.deleted": _l("Company deleted"),
    "companies.imported": _l("Companies imported"),
    "contact.created": _l("Contact person added"),
    "contact.updated": _l("Contact person changed"),
    "contact.deleted": _l("Contact person deleted"),
    "contact.exported": _l("Contact person's personal data exported"),
    "park.created": _l("Business park added"),
    "park.updated": _l("Business park changed"),
    "park.deleted": _l("Business park deleted"),
    "circle.created": _l("Circle added"),
    "circle.updated": _l("Circle changed"),
    "circle.deleted": _l("Circle deleted"),
    "theme.created": _l("Theme added"),
    "theme.updated": _l("Theme changed"),
    "theme.deactivated": _l("Theme deactivated"),
    "theme.reactivated": _l("Theme reactivated"),
    "theme.reordered": _l("Themes reordered"),
    "panel.joined": _l("Joined the entrepreneurs' panel"),
    "panel.left": _l("Left the entrepreneurs' panel"),
    "panel.added_in_bulk": _l("People added to the entrepreneurs' panel"),
    "tenants.synced": _l("Tenants synchronised from code"),
    "demo.loaded": _l("Demo data loaded"),
    "billing.comped": _l("Plan provided free of charge"),
    "billing.comp_ended": _l("Plan no longer provided free of charge"),
    "billing.checkout_started": _l("Payment of a plan started"),
    "billing.subscription_changed": _l("Subscription changed by Stripe"),
}


# The keys of ``details`` the core records; a plugin declares its own in
# ``Plugin.audit_detail_labels``. An unknown key is shown as it is.
DETAIL_LABELS = {
    "added": _l("Added"),
    "already": _l("Already present"),
    "cancel_at_period_end": _l("Ends at the end of the period"),
    "changed": _l("Changed"),
    "changes": _l("Changes"),
    "companies": _l("Companies"),
    "company": _l("Company"),
    "company_id": _l("Company number"),
    "contact_ids": _l("Contact persons"),
    "contact_person_id": _l("Contact person number"),
    "contacts": _l("Contact persons"),
    "count": _l("Number"),
    "created": _l("Created"),
    "current_period_end": _l("Current period ends"),
    "direction": _l("Direction"),
    "fields": _l("Fields"),
    "file": _l("File"),
    "filename": _l("File name"),
    "from": _l("From"),
    "interval": _l("Payment interval"),
    "key": _l("Module"),
    "kvk_number": _l("KvK number"),
    "member": _l("Member"),
    "network": _l("Network"),
    "note": _l("Note"),
    "plan": _l("Plan"),
    "position": _l("Position"),
    "reason": _l("Reason"),
    "role": _l("Role"),
    "source": _l("Source"),
    "status": _l("Status"),
    "to": _l("To"),
    "updated": _l("Updated"),
    "user_id": _l("User number"),
    "via": _l("Via"),
    "function": _l("Function"),
    "letter": _l("Letter"),
    "new_tenant": _l("Created from the invitation"),
    "party": _l("Signed for"),
    "version": _l("Version"),
}


def _all_labels() -> dict:
    """The core's labels plus those each installed plugin declares in its manifest."""
    from flask import has_app_context

    labels = dict(ACTION_LABELS)
    if has_app_context():
        from kringwerk.pluginhost import get_registry

        for plugin in get_registry():
            labels.update(plugin.audit_labels)
    return labels


def action_label(action: str) -> str:
    """The translated label of ``action``, or the action itself when it has none."""
    label = _all_labels().get(action)
    return str(label) if label is not None else action


def known_actions() -> list[str]:
    return sorted(_all_labels())


def _detail_labels() -> dict:
    """The core's detail labels plus those each installed plugin declares."""
    from flask import has_app_context

    labels = dict(DETAIL_LABELS)
    if has_app_context():
        from kringwerk.pluginhost import get_registry

        for plugin in get_registry():
            labels.update(plugin.audit_detail_labels)
    return labels


def detail_items(details: dict | None) -> list[tuple[str, str]]:
    """``details`` as (label, text) pairs for display, in the reader's language; lists
    are joined, true/false read yes/no, nested values kept short."""
    labels = _detail_labels() if details else {}
    items = []
    for key, value in (details or {}).items():
        label = labels.get(key)
        key = str(label) if label is not None else key
        if isinstance(value, bool):
            text = str(_l("Yes") if value else _l("No"))
        elif isinstance(value, list | tuple | set):
            text = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            text = ", ".join(f"{k}: {v}" for k, v in value.items())
        elif value is None:
            text = "–"
        else:
            text = str(value)
        items.append((str(key), text[:500]))
    return items
