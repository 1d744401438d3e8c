"""Readable labels for the audit actions of the events plugin and for the keys of their
details (see the core's audit labels)."""

from flask_babel import lazy_gettext as _l

AUDIT_LABELS = {
    "events.created": _l("Event created"),
    "events.updated": _l("Event changed"),
    "events.published": _l("Event published"),
    "events.copied": _l("Event copied"),
    "events.cancelled": _l("Event cancelled"),
    "events.messaged": _l("Message sent to the people signed up"),
    "events.signed_up": _l("Signed up for an event"),
    "events.cancelled_signup": _l("Sign-up for an event cancelled"),
    "events.paid": _l("Seat at an event paid"),
    "events.payment_expired": _l("Unpaid seat at an event released"),
    "events.paid_after_release": _l("Seat paid after it was released (refund due)"),
    "events.contact_erased": _l("A removed contact person's sign-ups made anonymous"),
}

# The keys of the details events record (the core labels the common ones: from, status, ...).
AUDIT_DETAIL_LABELS = {
    "amount_cents": _l("Amount in cents"),
    "invited": _l("Invited"),
    "recipients": _l("Recipients"),
    "registration": _l("Registration number"),
    "subject": _l("Subject"),
    "told": _l("People told"),
    "registrations_anonymised": _l("Sign-ups made anonymous"),
    "registrations_cancelled": _l("Sign-ups cancelled"),
    "followup_invitations": _l("Follow-up invitations"),
}
