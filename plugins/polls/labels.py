"""Readable labels for the audit actions of the polls plugin and for the keys of
their details (see kringwerk.audit.labels)."""

from flask_babel import lazy_gettext as _l

AUDIT_LABELS = {
    # building polls
    "poll.created": _l("Poll created"),
    "poll.updated": _l("Poll changed"),
    "poll.copied": _l("Poll copied"),
    "poll.deleted": _l("Poll deleted"),
    "poll.questions_changed": _l("Poll questions changed"),
    "poll.opened": _l("Poll opened"),
    "poll.closed": _l("Poll closed"),
    "poll.reopened": _l("Poll reopened"),
    # audience and invitations (the panel's actions are the core's)
    "poll.invitations_sent": _l("Poll invitations sent"),
    "poll.reminders_sent": _l("Poll reminders sent"),
    # results
    "poll.results_published": _l("Poll results visibility changed"),
    "poll.exported": _l("Poll responses exported"),
    "polls.contact_erased": _l("A removed contact person's poll data erased (answers kept)"),
}

# The keys of the details polls record (the core labels the common ones: changed, added, ...).
AUDIT_DETAIL_LABELS = {
    "audience": _l("Audience"),
    "audience_filter": _l("Audience filter"),
    "automatic": _l("Automatic"),
    "conditions_cleared": _l("Conditions removed"),
    "export": _l("Export"),
    "format": _l("Format"),
    "from_poll_id": _l("Copied from poll number"),
    "kind": _l("Kind"),
    "moved": _l("Moved"),
    "new": _l("New"),
    "recipients": _l("Recipients"),
    "reminder_at": _l("Reminder"),
    "removed": _l("Removed"),
    "scheduled": _l("Scheduled"),
    "sending": _l("Being sent"),
    "state": _l("State"),
    "responses_kept": _l("Responses kept"),
    "drafts_deleted": _l("Drafts deleted"),
    "invitations_deleted": _l("Invitations deleted"),
    "invitations_kept": _l("Invitations kept without the person"),
}
