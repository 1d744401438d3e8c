"""Letting go of a contact person deleted from the directory (alone or with their company,
which calls ``contact_removed`` for each):
their panel seats go, with their feedback and their personal links, in the same
transaction (the database would cascade the rows, but not the tokens, whose subject
ids SQLite may hand out again)."""

from __future__ import annotations

from sqlalchemy import select

from kringwerk.plugin_api import db, delete_tokens, hookimpl, tenant_scope
from plugins.mkb_toets.models import FEEDBACK_LINK, PanelSeat


def _remove_seats(contact_ids: list[int]) -> int:
    if not contact_ids:
        return 0
    seats = list(db.session.scalars(select(PanelSeat).where(PanelSeat.contact_person_id.in_(contact_ids))))
    delete_tokens(FEEDBACK_LINK, [seat.id for seat in seats])
    for seat in seats:
        db.session.delete(seat)
    db.session.flush()
    return len(seats)


@hookimpl
def contact_removed(tenant, contact):
    with tenant_scope(tenant):
        _remove_seats([contact.id])
