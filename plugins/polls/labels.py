"""Readable labels for the audit actions of the polls plugin (see kringwerk.audit.labels)."""

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
}
