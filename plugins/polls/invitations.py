"""Invitations to a poll by e-mail with a personal link, reminders to those who
have not answered, scheduled reminders, and closing polls at their end time.

A link carries a random token from the core token service (purpose
``polls.answer``, subject = the invitation); only its hash is stored. The raw
token exists only while a message is being composed, so each sending (the
invitation, and every reminder) issues a token of its own, and every earlier
one stays live: a link works until the poll closes, whichever mail it came in.

The views and the periodic jobs call ``start_sending``, ``send_reminders``,
``schedule_reminder``, ``send_due_reminders`` and ``close_due_polls``; the
jobs in ``plugins.polls.jobs`` call ``deliver_invitations`` and
``deliver_reminders``. Callers commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from kringwerk.plugin_api import (
    MailError,
    Tenant,
    db,
    delivery_key,
    external_url,
    issue_token,
    panel_members_among,
    panel_opt_out_url,
    record,
    report_progress,
    send_mail_now,
    start_task,
    utcnow,
    was_sent,
)
from plugins.polls.audience import audience_contacts
from plugins.polls.models import (
    ANSWER_LINK,
    Poll,
    PollInvitation,
    PollResponse,
    PollState,
    ResponseStatus,
    ResponseUnit,
)

BATCH = 25  # invitations per progress report (and per commit of the job)


class InvitationError(ValueError):
    """A refused action; ``errors`` maps a field name (or None) to its message."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(str(message))
        self.errors = {field: message}
        self.message = message


@dataclass(frozen=True)
class Delivery:
    """What a sending job did: messages that went out, and those the mail server refused."""

    sent: int
    failed: int


@dataclass(frozen=True)
class InvitationCounts:
    invited: int
    sent: int
    reminded: int
    responded: int

    @property
    def rate(self) -> int | None:
        """Response rate in percent of the invitations sent."""
        return round(100 * self.responded / self.sent) if self.sent else None


# --- invitations -----------------------------------------------------------------------------


def _normal_email(email: str) -> str:
    return email.strip().lower()


def create_invitations(poll: Poll) -> int:
    """An invitation for each person in the audience not invited yet; returns how many.

    One per e-mail address (two contacts sharing ``info@`` get one link). The
    token is issued when the message is composed.
    """
    invited = {
        _normal_email(email)
        for email in db.session.scalars(select(PollInvitation.email).where(PollInvitation.poll_id == poll.id))
    }
    created = 0
    for row in db.session.execute(audience_contacts(poll)):
        email = row.email.strip()
        if not email or _normal_email(email) in invited:
            continue
        invited.add(_normal_email(email))
        db.session.add(
            PollInvitation(
                poll_id=poll.id,
                company_id=row.company_id,
                contact_person_id=row.contact_person_id,
                email=email,
                name=row.name,
                locale=poll.language,
            )
        )
        created += 1
    db.session.flush()
    return created


def _require_open(poll: Poll, now: datetime | None = None) -> None:
    now = now or utcnow()
    if poll.state != PollState.OPEN:
        raise InvitationError(
            _l("Open the poll first: invitations and reminders go out only while it is open.")
        )
    if poll.closes_at is not None and poll.closes_at <= now:
        raise InvitationError(_l("The poll has ended; nobody can answer it any more."))


def unsent_invitations(poll: Poll) -> Select:
    return select(PollInvitation.id).where(
        PollInvitation.poll_id == poll.id, PollInvitation.sent_at.is_(None)
    )


def start_sending(poll: Poll, *, actor) -> object:
    """Invite everyone in the audience not invited yet, in a background task (returned).

    Refused unless the poll is open. The caller commits; the job starts then.
    """
    from plugins.polls.jobs import send_invitations

    _require_open(poll)
    created = create_invitations(poll)
    pending = db.session.scalar(select(func.count()).select_from(unsent_invitations(poll).subquery()))
    if not pending:
        raise InvitationError(_l("Everyone in the audience has been invited already."))
    task = start_task(
        "polls.invitations",
        send_invitations,
        poll.id,
        actor=actor,
        plugin="polls",
        total=pending,
        message=str(ngettext("Sending %(num)s invitation…", "Sending %(num)s invitations…", pending)),
    )
    record("poll.invitations_sent", actor=actor, target=poll, details={"new": created, "sending": pending})
    return task


def answer_link(tenant: Tenant, poll: Poll, raw_token: str) -> str:
    """The personal link: BASE_URL plus the answering page's path (also outside a request)."""
    return external_url("polls.answer", tenant=tenant, poll_id=poll.id, token=raw_token)


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _mail(
    tenant: Tenant, poll: Poll, invitation: PollInvitation, template: str, key: str, on_panel: bool
) -> None:
    """Compose and deliver one message with a link of its own, unless this very message
    went out before (a retried job). Links mailed earlier stay live: a reminder adds one.
    Raises MailError when it could not be delivered; its link is rolled back with it."""
    if was_sent(delivery_key(key)):
        return
    with db.session.begin_nested():
        _compose_and_deliver(tenant, poll, invitation, template, key, on_panel)


def _compose_and_deliver(
    tenant: Tenant, poll: Poll, invitation: PollInvitation, template: str, key: str, on_panel: bool
) -> None:
    raw = issue_token(ANSWER_LINK, invitation.id)
    subject = (
        _l("Invitation: %(title)s", title=poll.title)
        if template == "invitation"
        else _l("Reminder: %(title)s", title=poll.title)
    )
    context = {
        "name": invitation.name,
        "link": answer_link(tenant, poll, raw),
        "poll_title": poll.title,
        "introduction": poll.introduction,
        "closes_at": poll.closes_at,
        # The core's leave link (it asks before it acts, and expires).
        "opt_out_link": panel_opt_out_url(invitation.contact_person_id) if on_panel else None,
        "sender_name": tenant.name,
    }
    send_mail_now(
        invitation.email,
        subject,
        f"polls/{template}",
        locale=poll.language,
        context=context,
        idempotency_key=key,
    )


def _deliver(poll: Poll, ids: list[int], task_id: int | None, each) -> Delivery:
    """Run ``each(tenant, invitation, on_panel)`` over ``ids`` in batches, reporting progress
    (which commits, so each batch stands on its own when the job is retried). A mail the
    server refused (MailError) is counted as failed and its invitation left as it was."""
    tenant = db.session.get(Tenant, poll.tenant_id)
    done = sent = failed = 0
    if task_id is not None:
        report_progress(task_id, 0, len(ids))
    for chunk in _chunks(ids, BATCH):
        batch = db.session.scalars(
            select(PollInvitation).where(PollInvitation.id.in_(chunk)).order_by(PollInvitation.id)
        ).all()
        on_panel = panel_members_among(i.contact_person_id for i in batch if i.contact_person_id)
        for invitation in batch:
            try:
                if each(tenant, invitation, invitation.contact_person_id in on_panel):
                    sent += 1
            except MailError:
                failed += 1
            done += 1
        db.session.flush()
        if task_id is not None:
            report_progress(task_id, done, len(ids))
    return Delivery(sent=sent, failed=failed)


def deliver_invitations(poll: Poll, *, task_id: int | None = None) -> Delivery:
    """Mail every invitation of ``poll`` not sent yet; returns how many went out and failed."""
    ids = list(db.session.scalars(unsent_invitations(poll).order_by(PollInvitation.id)))

    def each(tenant, invitation, on_panel) -> bool:
        if invitation.sent_at is not None:
            return False
        _mail(tenant, poll, invitation, "invitation", f"poll-{poll.id}-invitation-{invitation.id}", on_panel)
        invitation.sent_at = utcnow()
        return True

    return _deliver(poll, ids, task_id, each)


# --- reminders -------------------------------------------------------------------------------


def reminder_recipients(poll: Poll) -> Select:
    """SELECT PollInvitation.id of everyone invited who has not answered.

    For one response per company, a company where anyone answered is done: the
    answering code marks all its invitations, but a submitted response of the
    company counts too, in case it did not.
    """
    statement = select(PollInvitation.id).where(
        PollInvitation.poll_id == poll.id,
        PollInvitation.sent_at.is_not(None),
        PollInvitation.responded_at.is_(None),
    )
    submitted = and_(PollResponse.poll_id == poll.id, PollResponse.status == ResponseStatus.SUBMITTED)
    if poll.response_unit == ResponseUnit.COMPANY:
        other = aliased(PollInvitation)
        statement = statement.where(
            ~exists().where(
                other.poll_id == poll.id,
                other.company_id == PollInvitation.company_id,
                other.responded_at.is_not(None),
            ),
            ~exists().where(submitted, PollResponse.company_id == PollInvitation.company_id),
        )
    else:
        statement = statement.where(
            ~exists().where(submitted, PollResponse.contact_person_id == PollInvitation.contact_person_id)
        )
    return statement


def send_reminders(poll: Poll, *, actor=None) -> object:
    """Remind everyone who has not answered, in a background task (returned); the caller commits."""
    from plugins.polls.jobs import send_reminder_mails

    _require_open(poll)
    count = db.session.scalar(select(func.count()).select_from(reminder_recipients(poll).subquery()))
    if not count:
        raise InvitationError(_l("There is nobody to remind: everyone invited has answered."))
    started = utcnow()
    task = start_task(
        "polls.reminders",
        send_reminder_mails,
        poll.id,
        started.isoformat(),
        actor=actor,
        plugin="polls",
        total=count,
        message=str(ngettext("Sending %(num)s reminder…", "Sending %(num)s reminders…", count)),
    )
    record(
        "poll.reminders_sent",
        actor=actor,
        target=poll,
        details={"recipients": count, "scheduled": actor is None},
    )
    return task


def deliver_reminders(poll: Poll, started: datetime, *, task_id: int | None = None) -> Delivery:
    """Mail a reminder to each non-respondent not yet reminded since ``started`` (so a
    retried job does not remind anyone twice); returns how many went out and failed."""
    ids = list(
        db.session.scalars(
            reminder_recipients(poll)
            .where(or_(PollInvitation.reminded_at.is_(None), PollInvitation.reminded_at < started))
            .order_by(PollInvitation.id)
        )
    )

    def each(tenant, invitation, on_panel) -> bool:
        number = (invitation.reminders_sent or 0) + 1
        _mail(
            tenant,
            poll,
            invitation,
            "reminder",
            f"poll-{poll.id}-reminder-{invitation.id}-{number}",
            on_panel,
        )
        invitation.reminders_sent = number
        invitation.reminded_at = utcnow()
        return True

    return _deliver(poll, ids, task_id, each)


def schedule_reminder(poll: Poll, when: datetime | None, *, actor=None) -> None:
    """Plan a reminder at ``when`` (aware), or clear it with None; it must fall while the poll runs."""
    if when is None:
        if poll.reminder_at is not None:
            poll.reminder_at = None
            record("poll.updated", actor=actor, target=poll, details={"reminder_at": None})
        return
    if when.tzinfo is None:
        raise InvitationError(_l("Give a date and time."), "reminder_at")
    if when <= utcnow():
        raise InvitationError(_l("Choose a moment in the future."), "reminder_at")
    if (poll.opens_at is not None and when < poll.opens_at) or (
        poll.closes_at is not None and when >= poll.closes_at
    ):
        raise InvitationError(
            _l("Choose a moment between the opening and the end of the poll."), "reminder_at"
        )
    poll.reminder_at = when
    record("poll.updated", actor=actor, target=poll, details={"reminder_at": when.isoformat()})


def send_due_reminders(now: datetime | None = None) -> list[int]:
    """Send each scheduled reminder that is due, once: the schedule is cleared first.
    A poll no longer open just loses its schedule. Returns the polls reminded."""
    now = now or utcnow()
    reminded = []
    due = db.session.scalars(
        select(Poll).where(Poll.reminder_at.is_not(None), Poll.reminder_at <= now).order_by(Poll.id)
    ).all()
    for poll in due:
        poll.reminder_at = None
        try:
            send_reminders(poll)
        except InvitationError:
            continue  # closed, or nobody left to remind: nothing to send
        reminded.append(poll.id)
    db.session.flush()
    return reminded


# --- closing -------------------------------------------------------------------------------


def close_due_polls(now: datetime | None = None) -> int:
    """Close every open poll whose end time has passed; returns how many."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Poll).where(Poll.state == PollState.OPEN, Poll.closes_at.is_not(None), Poll.closes_at <= now)
    ).all()
    for poll in due:
        poll.state = PollState.CLOSED
        poll.closed_at = now
        poll.reminder_at = None
        record("poll.closed", actor=None, target=poll, details={"automatic": True})
    db.session.flush()
    return len(due)


# --- reading --------------------------------------------------------------------------------


def invitation_counts(poll: Poll) -> InvitationCounts:
    """How many were invited, sent, reminded and answered: one query."""
    row = db.session.execute(
        select(
            func.count(PollInvitation.id),
            func.count(PollInvitation.sent_at),
            func.count(PollInvitation.reminded_at),
            func.count(PollInvitation.responded_at),
        ).where(PollInvitation.poll_id == poll.id)
    ).one()
    return InvitationCounts(*(value or 0 for value in row))


def invitation_list(poll: Poll) -> Select:
    """The invitations of ``poll`` by name, for the paginated list (not for anonymous polls)."""
    return (
        select(PollInvitation)
        .where(PollInvitation.poll_id == poll.id)
        .order_by(func.lower(func.coalesce(PollInvitation.name, PollInvitation.email)), PollInvitation.id)
    )
