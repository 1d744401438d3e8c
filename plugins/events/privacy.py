"""AVG (GDPR) for the events plugin: a member's sign-ups in the tenant, exported on request
and erased with them. Erasing a live sign-up cancels it first, so a seat it held goes to
the next on the waiting list; the row then keeps no name, address, company or answers.
A contact person (with or without an account) is exported through ``contact_export``; their
removal (``contact_removed``) is their erasure: see there."""

from __future__ import annotations

from sqlalchemy import false, func, or_, select

from kringwerk.plugin_api import (
    ContactPerson,
    db,
    delete_tokens,
    hookimpl,
    record,
    tenant_scope,
    utcnow,
)
from plugins.events.models import CANCEL_LINK, OFFER_CONFIRM, Event, Registration, RegistrationStatus
from plugins.events.services import local
from plugins.events.signup import cancel


def _mine(user):
    return or_(Registration.user_id == user.id, Registration.email == user.email.lower())


@hookimpl
def member_export(tenant, user):
    with tenant_scope(tenant):
        rows = db.session.execute(
            select(Registration, Event.title, Event.starts_at)
            .join(Event, Event.id == Registration.event_id)
            .where(_mine(user))
            .order_by(Registration.id)
        ).all()
        if not rows:
            return None
        return {
            "registrations": [
                {
                    "event": title,
                    "starts_at": local(starts_at).isoformat(),
                    "status": registration.status.value,
                    "name": registration.name,
                    "email": registration.email,
                    "company": registration.company,
                    "answers": registration.answers or {},
                    "signed_up_at": registration.created_at.isoformat(),
                    "checked_in_at": registration.checked_in_at.isoformat()
                    if registration.checked_in_at
                    else None,
                }
                for registration, title, starts_at in rows
            ]
        }


@hookimpl
def member_erase(tenant, user):
    with tenant_scope(tenant):
        registrations = list(db.session.scalars(select(Registration).where(_mine(user))))
        for registration in registrations:
            if registration.status != RegistrationStatus.CANCELLED:
                cancel(registration)  # the seat passes on at once
        ids = [registration.id for registration in registrations]
        delete_tokens(CANCEL_LINK, ids)
        delete_tokens(OFFER_CONFIRM, ids)
        for registration in registrations:
            registration.user_id = None
            registration.person = None
            registration.name = ""
            registration.email = f"erased-{registration.id}@invalid"
            registration.company = None
            registration.via = None
            registration.answers = {}
        db.session.flush()


def _contact_registrations(contact):
    """Sign-ups under the contact person's address (and their account's, if they have one)."""
    condition = Registration.email == (contact.email or "").lower()
    if contact.user_id is not None:
        condition = or_(condition, Registration.user_id == contact.user_id)
    return condition if contact.email or contact.user_id is not None else false()


@hookimpl
def contact_export(tenant, contact):
    """A contact person's sign-ups and the follow-up meetings they were invited to."""
    with tenant_scope(tenant):
        rows = db.session.execute(
            select(Registration, Event.title, Event.starts_at)
            .join(Event, Event.id == Registration.event_id)
            .where(_contact_registrations(contact))
            .order_by(Registration.id)
        ).all()
        invited = [
            {"event": event.title, "starts_at": local(event.starts_at).isoformat()}
            for event in db.session.scalars(
                select(Event).where(Event.invited_contact_ids.is_not(None)).order_by(Event.id)
            )
            if contact.id in (event.invited_contact_ids or [])
        ]
        if not rows and not invited:
            return None
        return {
            "registrations": [
                {
                    "event": title,
                    "starts_at": local(starts_at).isoformat(),
                    "status": registration.status.value,
                    "name": registration.name,
                    "email": registration.email,
                    "company": registration.company,
                    "answers": registration.answers or {},
                    "signed_up_at": registration.created_at.isoformat(),
                    "checked_in_at": registration.checked_in_at.isoformat()
                    if registration.checked_in_at
                    else None,
                }
                for registration, title, starts_at in rows
            ],
            "invited_to_followups": invited,
        }


def _guest_rows_of(contact) -> list[Registration]:
    """The guest sign-ups that are this contact person's alone: under their address, with no
    account, and no other contact person of the tenant using that address. A contact with an
    account is a member here (contacts are linked to the member with their address), whose
    rows are erased with the member."""
    email = (contact.email or "").lower()
    if not email or contact.user_id is not None:
        return []
    shared = db.session.scalar(
        select(func.count(ContactPerson.id)).where(
            func.lower(ContactPerson.email) == email, ContactPerson.id != contact.id
        )
    )
    if shared:
        return []
    return list(
        db.session.scalars(
            select(Registration).where(Registration.email == email, Registration.user_id.is_(None))
        )
    )


@hookimpl
def contact_removed(tenant, contact):
    """The contact person leaves the follow-up invitations; their guest sign-ups lose their
    name, address, company and answers. A sign-up for an event still to come is cancelled
    first (its seat passes on); one of an event that is over keeps its status and check-in,
    so attendance figures stay. Logged as ``events.contact_erased`` with counts only."""
    with tenant_scope(tenant):
        invitations = 0
        for event in db.session.scalars(select(Event).where(Event.invited_contact_ids.is_not(None))):
            if contact.id in (event.invited_contact_ids or []):
                event.invited_contact_ids = [i for i in event.invited_contact_ids if i != contact.id]
                invitations += 1
        registrations = _guest_rows_of(contact)
        now = utcnow()
        cancelled = 0
        for registration in registrations:
            if registration.status != RegistrationStatus.CANCELLED and registration.event.ends_at > now:
                cancel(registration)
                cancelled += 1
        ids = [registration.id for registration in registrations]
        delete_tokens(CANCEL_LINK, ids)
        delete_tokens(OFFER_CONFIRM, ids)
        for registration in registrations:
            registration.person = None
            registration.name = ""
            registration.email = f"erased-{registration.id}@invalid"
            registration.company = None
            registration.via = None
            registration.answers = {}
        db.session.flush()
        if invitations or registrations:
            record(
                "events.contact_erased",
                # The trail names the person by number only: it must not keep what was erased.
                target_label=f"#{contact.id}",
                details={
                    "registrations_anonymised": len(registrations),
                    "registrations_cancelled": cancelled,
                    "followup_invitations": invitations,
                },
            )
            db.session.flush()
