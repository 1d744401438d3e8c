"""Readable labels of the masterplan plugin's audit actions and their detail keys (the audit
log pages read them through ``Plugin.audit_labels`` / ``audit_detail_labels``)."""

from flask_babel import lazy_gettext as _l

AUDIT_LABELS = {
    # implementation plans per park
    "masterplan.park_plan.started": _l("Implementation plan of a park started"),
    "masterplan.park_step.updated": _l("Step of an implementation plan changed"),
    "masterplan.park_document.added": _l("Document added to an implementation plan"),
    "masterplan.park_document.replaced": _l("Document of an implementation plan replaced"),
    "masterplan.park_document.deleted": _l("Document of an implementation plan deleted"),
    "masterplan.project_goal_linked": _l("Project linked to a goal"),
    "masterplan.project_goal_unlinked": _l("Project unlinked from a goal"),
    "masterplan.project_event_linked": _l("Event linked to a project"),
    "masterplan.project_event_unlinked": _l("Event unlinked from a project"),
    "masterplan.goal_contribution_declared": _l("Goal counts toward a network's goal"),
    "masterplan.goal_contribution_withdrawn": _l("Goal no longer counts toward a network's goal"),
    "masterplan.round_created": _l("Priority round created"),
    "masterplan.contact_erased": _l("Removed contact person taken off the plan's projects (projects kept)"),
}

AUDIT_DETAIL_LABELS = {
    # implementation plans per park
    "step": _l("Step"),
    "file": _l("File"),
    "owner": _l("Owner"),
    "starts_on": _l("Starts on"),
    "due_on": _l("Due on"),
    "state": _l("State"),
    "note": _l("Note"),
    "goal": _l("Goal"),
    "goal_id": _l("Goal number"),
    "event": _l("Event"),
    "event_id": _l("Event number"),
    "network": _l("Network"),
    "network_goal": _l("The network's goal"),
    "network_goal_id": _l("Number of the network's goal"),
    "seeded_from": _l("Starting order from"),
    "respondents": _l("Respondents"),
    "projects_without_owner": _l("Projects without their owner"),
}
