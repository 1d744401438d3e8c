"""Readable labels for the audit actions of the MKB-toets plugin and for the keys of their
details (see kringwerk.audit.labels)."""

from flask_babel import lazy_gettext as _l

AUDIT_LABELS = {
    "mkb-toets.dossier_opened": _l("MKB-toets dossier opened"),
    "mkb-toets.dossier_changed": _l("MKB-toets draft changed"),
    "mkb-toets.attachment_replaced": _l("MKB-toets draft file replaced"),
    "mkb-toets.phase_changed": _l("MKB-toets phase changed"),
    "mkb-toets.panel_composed": _l("MKB-toets panel composed"),
    "mkb-toets.seat_removed": _l("Removed from an MKB-toets panel"),
    "mkb-toets.panel_member_erased": _l("MKB-toets panel member erased"),
    "mkb-toets.feedback_released": _l("MKB-toets feedback released to the municipality"),
    "mkb-toets.advice_point_added": _l("MKB-toets point of advice added"),
    "mkb-toets.advice_answered": _l("MKB-toets point of advice answered"),
}

# Keys the core labels already (source, from, to, contact_person_id) are left to the core:
# these labels apply to every action that records the key.
AUDIT_DETAIL_LABELS = {
    "point": _l("Point"),
    "answer": _l("Answer"),
    "old": _l("Previous file"),
    "new": _l("New file"),
    "size": _l("Size in bytes"),
    "name": _l("Name"),
    "feedback_deleted": _l("Sections with feedback deleted"),
    "overall_deleted": _l("Overall view deleted"),
    "seats_deleted": _l("Seats deleted"),
    "seats_anonymised": _l("Seats made anonymous"),
}
