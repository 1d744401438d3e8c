"""Signing up, confirming by link, cancelling and the waiting list.

Capacity is kept by the database, not by reading and then writing in Python:
every change of an event's seats starts with an UPDATE of the event's row,
which holds that row's lock (PostgreSQL) or the write lock (SQLite) until the
commit, so sign-ups and cancellations of one event happen one after another.
Under that lock a sign-up counts its arrival (the waiting list's order) and
claims a seat with a conditional ``UPDATE ... SET seats_taken = seats_taken + 1
WHERE seats_taken < capacity``; when no row changes the event is full and the
person joins the waiting list. The registration is written in the same
transaction, and ``(tenant_id, event_id, person)`` is unique, so nobody holds
two places.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from kringwerk.plugin_api import (
    db,
    external_url,
    issue_token,
    mail_attachment,
    mark_token_used,
    record,
    resolve_token,
    send_mail,
    utcnow,
)
from plugins.events.calendar_feed import to_ics
from plugins.events.models import (
    CANCEL_LINK,
    GUEST_CONFIRM,
    OFFER_CONFIRM,
    Audience,
    Event,
    EventState,
    Registration,
    RegistrationStatus,
)
from plugins.events.services import Visitor, local, may_attend

# How long a guest's confirmation link lives.
GUEST_LINK_TTL = timedelta(days=3)
# How long a person promoted from the waiting list has to confirm, and the least worth asking.
OFFER_TTL = timedelta(hours=24)
MIN_OFFER = timedelta(hours=1)


class SignupError(ValueError):
    """A sign-up the rules refuse; ``str()`` is the message to show, ``code`` names the case."""

    def __init__(self, code: str, message):
        super().__init__(str(message))
        self.code = code


def _refuse_closed(event: Event) -> None:
    if event.state == EventState.CANCELLED:
        raise SignupError("cancelled", _l("This event has been cancelled."))
    if event.state != EventState.PUBLISHED:
        raise SignupError("not_open", _l("Sign-up for this event is not open."))
    now = utcnow()
    if event.signup_deadline is not None and now > event.signup_deadline:
        raise SignupError("deadline", _l("The sign-up deadline for this event has passed."))
    if now >= event.ends_at:
        raise SignupError("deadline", _l("This event is over."))


def _lock(event_id: int) -> int:
    """Take the event's row lock and count one arrival; returns the arrival's number."""
    return db.session.execute(
        update(Event)
        .where(Event.id == event_id)
        .values(arrivals=Event.arrivals + 1)
        .returning(Event.arrivals)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def _claim_seat(event_id: int) -> bool:
    """One seat, if one is free: the database compares and counts in one statement."""
    result = db.session.execute(
        update(Event)
        .where(Event.id == event_id, or_(Event.capacity.is_(None), Event.seats_taken < Event.capacity))
        .values(seats_taken=Event.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _release_seat(event_id: int) -> None:
    db.session.execute(
        update(Event)
        .where(Event.id == event_id, Event.seats_taken > 0)
        .values(seats_taken=Event.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )


def _live(event_id: int, person: str) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(Registration.event_id == event_id, Registration.person == person)
    )


def _seat_or_wait(registration: Registration, event_id: int) -> None:
    """Under the event's lock: a seat if one is free, else the end of the waiting list."""
    registration.position = _lock(event_id)
    if _claim_seat(event_id):
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = utcnow()
    else:
        registration.status = RegistrationStatus.WAITING


def sign_up(
    event: Event,
    visitor: Visitor,
    *,
    answers: dict | None = None,
    company: str | None = None,
    locale: str | None = None,
    payment: tuple[str, datetime] | None = None,
) -> Registration:
    """Sign a signed-in person up: a seat, or a place on the waiting list. The caller commits.

    Raises ``SignupError`` for a closed, cancelled or past event, a person outside the
    audience and a second sign-up of the same person. With ``payment`` (the reference and
    expiry of a Checkout session, ``plugins.events.paid``) the seat is held until paid, no mail
    goes out yet, and a full event refuses instead of offering the waiting list.
    """
    user = visitor.user
    _refuse_closed(event)
    if user is None or not may_attend(event, visitor):
        raise SignupError("not_eligible", _l("This event is not open to you."))
    person = f"user:{user.id}"
    event_id = event.id
    try:
        with db.session.begin_nested():
            position = _lock(event_id)
            if _live(event_id, person) is not None:
                raise SignupError("duplicate", _l("You have already signed up for this event."))
            registration = Registration(
                event_id=event_id,
                user_id=user.id,
                person=person,
                name=user.name,
                email=user.email,
                company=company,
                via=None if visitor.member else visitor.via,
                locale=locale or user.preferred_locale,
                answers=answers or {},
                position=position,
                status=RegistrationStatus.WAITING,
                created_at=utcnow(),
            )
            if _claim_seat(event_id):
                registration.status = RegistrationStatus.CONFIRMED
                registration.confirmed_at = registration.created_at
                if payment is not None:
                    registration.payment_reference, registration.payment_expires_at = payment
            elif payment is not None:
                # Inside the savepoint, so nothing of this attempt stays (on SQLite too).
                raise SignupError("full", _l("This event is sold out."))
            db.session.add(registration)
            db.session.flush()
    except IntegrityError as error:
        # The unique key caught a second sign-up the lock did not (another path to the same row).
        raise SignupError("duplicate", _l("You have already signed up for this event.")) from error
    db.session.refresh(event)
    if payment is None:
        _mail_status(event, registration)
    record(
        "events.signed_up",
        actor=user,
        target=event,
        target_label=event.title,
        details={"status": registration.status.value},
    )
    return registration


def sign_up_guest(
    event: Event,
    *,
    name: str,
    email: str,
    company: str | None = None,
    answers: dict | None = None,
    locale: str | None = None,
) -> tuple[Registration, str | None]:
    """A guest's sign-up for a public event: pending until they follow the link in the
    mail; no seat counts before. Returns the registration and the raw link token (None
    when this address had signed up already: the mail says so, the page does not, so the
    form tells no one who is coming)."""
    _refuse_closed(event)
    if event.audience != Audience.PUBLIC:
        raise SignupError("not_eligible", _l("This event is not open to you."))
    email = email.strip().lower()
    person = f"guest:{email}"
    existing = _live(event.id, person)
    if existing is not None:
        send_mail(
            email,
            _l("You have already signed up: %(title)s", title=event.title),
            "events/already",
            locale=locale,
            context={"event": event, "name": existing.name, "starts": local(event.starts_at)},
        )
        return existing, None
    try:
        with db.session.begin_nested():
            registration = Registration(
                event_id=event.id,
                person=person,
                name=name.strip(),
                email=email,
                company=company,
                locale=locale,
                answers=answers or {},
                status=RegistrationStatus.PENDING,
            )
            db.session.add(registration)
            db.session.flush()
    except IntegrityError:
        return _live(event.id, person), None
    raw = issue_token(GUEST_CONFIRM, registration.id, ttl=GUEST_LINK_TTL)
    send_mail(
        email,
        _l("Please confirm your sign-up: %(title)s", title=event.title),
        "events/guest_confirm",
        locale=locale,
        context={
            "event": event,
            "name": registration.name,
            "starts": local(event.starts_at),
            "link": external_url("events.guest_confirm", token=raw),
        },
    )
    return registration, raw


def guest_registration(raw: str) -> Registration | None:
    """The pending registration behind a guest's confirmation link, or None."""
    token = resolve_token(GUEST_CONFIRM, raw, single_use=True)
    if token is None:
        return None
    return db.session.get(Registration, token.subject_id)


def confirm_guest(raw: str, *, payment: tuple[str, datetime] | None = None) -> Registration | None:
    """Follow a guest's link (by POST): the seat counts now, or the waiting list. None for a
    dead link. The caller commits (or rolls back on ``SignupError``); ``payment`` as for
    ``sign_up``."""
    token = resolve_token(GUEST_CONFIRM, raw, single_use=True)
    if token is None:
        return None
    registration = db.session.get(Registration, token.subject_id)
    if registration is None or registration.status != RegistrationStatus.PENDING:
        return registration
    event = registration.event
    _refuse_closed(event)
    mark_token_used(token)
    _seat_or_wait(registration, event.id)
    if payment is not None:
        if registration.status != RegistrationStatus.CONFIRMED:
            raise SignupError("full", _l("This event is sold out."))
        registration.payment_reference, registration.payment_expires_at = payment
    db.session.flush()
    db.session.refresh(event)
    if payment is None:
        _mail_status(event, registration)
    return registration


def cancel(registration: Registration, *, actor=None) -> list[Registration]:
    """Cancel a sign-up; a seat it held goes at once to the first on the waiting list (who is
    told by e-mail). Returns the people promoted. The caller commits."""
    if registration.status == RegistrationStatus.CANCELLED:
        return []
    event_id = registration.event_id
    _lock(event_id)
    db.session.refresh(registration)  # the status as it is under the lock
    if registration.status == RegistrationStatus.CANCELLED:
        return []
    held_seat = registration.status == RegistrationStatus.CONFIRMED
    registration.status = RegistrationStatus.CANCELLED
    registration.person = None  # frees the unique key: they may sign up again
    registration.cancelled_at = utcnow()
    db.session.flush()
    if held_seat:
        _release_seat(event_id)
    promoted = promote(event_id, locked=True)
    record(
        "events.cancelled_signup",
        actor=actor,
        target=registration.event,
        target_label=registration.event.title,
        details={"registration": registration.id},
    )
    return promoted


def promote(event_id: int, *, locked: bool = False) -> list[Registration]:
    """Give free seats to the waiting list in arrival order; each promoted person is mailed."""
    if not locked:
        _lock(event_id)
    promoted = []
    while True:
        first = db.session.scalar(
            select(Registration)
            .where(Registration.event_id == event_id, Registration.status == RegistrationStatus.WAITING)
            .order_by(Registration.position, Registration.id)
            .limit(1)
        )
        if first is None or not _claim_seat(event_id):
            break
        first.status = RegistrationStatus.CONFIRMED
        db.session.flush()
        promoted.append(first)
    if promoted:
        event = db.session.get(Event, event_id)
        db.session.refresh(event)
        deadline = offer_deadline(event)
        for registration in promoted:
            # The seat is theirs at once; they confirm they still come, or it passes on.
            registration.offer_expires_at = deadline
            registration.confirmed_at = None if deadline else utcnow()
            _mail_status(event, registration, promoted=True)
    return promoted


def offer_deadline(event: Event, now=None):
    """Until when a promoted person may confirm: a day, but at the latest two hours before
    the start; None (the seat is simply theirs) when that leaves too little time."""
    now = now or utcnow()
    deadline = min(now + OFFER_TTL, event.starts_at - timedelta(hours=2))
    return deadline if deadline - now >= MIN_OFFER else None


def confirm_offer(raw: str) -> Registration | None:
    """A promoted person confirms by the link in the mail (POST); None for a dead link."""
    token = resolve_token(OFFER_CONFIRM, raw)
    if token is None:
        return None
    registration = db.session.get(Registration, token.subject_id)
    if registration is None:
        return None
    _lock(registration.event_id)  # against the periodic job passing the seat on meanwhile
    db.session.refresh(registration)
    if not registration.awaiting_confirmation or registration.offer_expires_at < utcnow():
        return None
    registration.offer_expires_at = None
    registration.confirmed_at = utcnow()
    mark_token_used(token)
    return registration


def pass_on_expired_offers(now=None) -> int:
    """Periodic: a promoted person who did not confirm in time loses the seat to the next on
    the list (who is mailed); returns how many offers lapsed."""
    now = now or utcnow()
    lapsed = list(
        db.session.scalars(
            select(Registration).where(
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.offer_expires_at.is_not(None),
                Registration.offer_expires_at < now,
            )
        )
    )
    passed = 0
    for registration in lapsed:
        _lock(registration.event_id)
        db.session.refresh(registration)  # confirmed in the meantime?
        if registration.awaiting_confirmation and registration.offer_expires_at < now:
            cancel(registration)
            passed += 1
    return passed


def cancel_link(registration: Registration) -> str:
    """A fresh personal link that cancels this sign-up (after a confirmation on POST)."""
    event = registration.event
    raw = issue_token(CANCEL_LINK, registration.id, expires_at=event.ends_at)
    return external_url("events.cancel_by_link", token=raw)


def offer_link(registration: Registration) -> str:
    raw = issue_token(OFFER_CONFIRM, registration.id, expires_at=registration.offer_expires_at)
    return external_url("events.offer_page", token=raw)


def registration_by_offer_link(raw: str) -> Registration | None:
    token = resolve_token(OFFER_CONFIRM, raw)
    registration = db.session.get(Registration, token.subject_id) if token else None
    return registration if registration is not None and registration.awaiting_confirmation else None


def registration_by_cancel_link(raw: str) -> Registration | None:
    token = resolve_token(CANCEL_LINK, raw)
    if token is None:
        return None
    return db.session.get(Registration, token.subject_id)


def _mail_status(event: Event, registration: Registration, *, promoted: bool = False) -> None:
    if registration.status == RegistrationStatus.CONFIRMED:
        subject = (
            _l("A seat has come free for you: %(title)s", title=event.title)
            if promoted
            else _l("You are signed up: %(title)s", title=event.title)
        )
        template = "events/promoted" if promoted else "events/confirmed"
    elif registration.status == RegistrationStatus.WAITING:
        subject = _l("You are on the waiting list: %(title)s", title=event.title)
        template = "events/waiting"
    else:
        return
    attachments = []
    if registration.status == RegistrationStatus.CONFIRMED:
        data = to_ics(
            [event], name=event.title, url_for_event=lambda e: external_url("events.event", event_id=e.id)
        )
        attachments.append(mail_attachment(f"event-{event.id}.ics", "text/calendar", data))
    send_mail(
        registration.email,
        subject,
        template,
        locale=registration.locale,
        context={
            "event": event,
            "name": registration.name,
            "starts": local(event.starts_at),
            "ends": local(event.ends_at),
            "position": waiting_number(registration),
            "event_url": external_url("events.event", event_id=event.id),
            "ics_url": external_url("events.event_ics", event_id=event.id),
            "cancel_url": cancel_link(registration),
            "offer_expires_at": registration.offer_expires_at,
            "confirm_url": offer_link(registration) if registration.offer_expires_at else None,
        },
        idempotency_key=f"events.{template.split('/')[1]}:{registration.id}",
        attachments=attachments,
    )


def waiting_number(registration: Registration) -> int | None:
    """The person's place on the waiting list now (1 = next), or None when not waiting."""
    if registration.status != RegistrationStatus.WAITING:
        return None
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.WAITING,
            Registration.position < registration.position,
        )
    )
    return (ahead or 0) + 1
