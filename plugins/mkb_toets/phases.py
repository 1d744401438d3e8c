"""The phase rules of a dossier: which step may follow which, who may take it, what
must be in place first; each step lands on the timeline (``PhaseChange``), in the
audit trail, and in the mailboxes of the people it concerns.

draft → consultation open → consultation closed → advice being written → advice sent
→ municipality's answer → closed and published. Steps go forward one at a time; a
periodic job (``actor=None``) may close a consultation whose deadline passed.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kringwerk.plugin_api import Role, db, record, utcnow
from plugins.mkb_toets import advice, mailing
from plugins.mkb_toets.models import Dossier, Phase, PhaseChange

BOARD = (Role.ADMIN,)
MUNICIPALITY = (Role.MUNICIPALITY,)

# The one step that may follow each phase, and the roles that may take it.
NEXT: dict[Phase, tuple[Phase, tuple[Role, ...]]] = {
    Phase.DRAFT: (Phase.CONSULTATION_OPEN, BOARD + MUNICIPALITY),
    Phase.CONSULTATION_OPEN: (Phase.CONSULTATION_CLOSED, BOARD),
    Phase.CONSULTATION_CLOSED: (Phase.ADVICE_WRITING, BOARD),
    Phase.ADVICE_WRITING: (Phase.ADVICE_SENT, BOARD),
    Phase.ADVICE_SENT: (Phase.ANSWERED, MUNICIPALITY),
    Phase.ANSWERED: (Phase.PUBLISHED, BOARD + MUNICIPALITY),
}


class PhaseError(ValueError):
    """A step the rules refuse; ``str()`` is the message for the user."""


def next_step(dossier: Dossier) -> Phase | None:
    step = NEXT.get(dossier.phase)
    return step[0] if step else None


def may_advance(dossier: Dossier, role: Role | None) -> bool:
    """Whether someone with ``role`` may take the dossier's next step (``None``: a job)."""
    step = NEXT.get(dossier.phase)
    return step is not None and (role is None or role in step[1])


def _check(dossier: Dossier, to: Phase, role: Role | None) -> None:
    step = NEXT.get(dossier.phase)
    if step is None or step[0] != to:
        raise PhaseError(
            _l(
                "A dossier in phase “%(current)s” cannot move to “%(target)s”.",
                current=dossier.phase.label,
                target=to.label,
            )
        )
    if role is not None and role not in step[1]:
        raise PhaseError(_l("Your role may not take this step."))
    if to == Phase.CONSULTATION_OPEN:
        if not dossier.sections:
            raise PhaseError(_l("Add at least one section of the draft before opening the consultation."))
        if dossier.consultation_closes_at is None or dossier.consultation_closes_at <= utcnow():
            raise PhaseError(_l("Set a closing date in the future before opening the consultation."))
        if not mailing.seats_of(dossier):
            raise PhaseError(_l("Compose the panel before opening the consultation."))
    if to == Phase.ADVICE_SENT and not advice.points_of(dossier):
        raise PhaseError(_l("Write at least one point of advice before sending it."))
    if to == Phase.ANSWERED and advice.unanswered(dossier):
        raise PhaseError(_l("Answer every point of the advice first."))


def advance(dossier: Dossier, to: Phase, *, actor=None, role: Role | None = None) -> PhaseChange:
    """Move ``dossier`` to ``to`` if the rules allow it, or raise ``PhaseError`` and change nothing.

    ``actor`` is the user taking the step and ``role`` their role in the tenant;
    both ``None`` means a periodic job. The caller commits; the mails go after the commit.
    """
    _check(dossier, to, role)
    change = PhaseChange(
        dossier_id=dossier.id,
        from_phase=dossier.phase,
        to_phase=to,
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "name", None),
        changed_at=utcnow(),
    )
    if to == Phase.ADVICE_SENT:
        advice.freeze(dossier, actor=actor)
    dossier.phase = to
    db.session.add(change)
    db.session.flush()
    record(
        "mkb-toets.phase_changed",
        actor=actor,
        target=dossier,
        target_label=dossier.title,
        details={"from": change.from_phase.value, "to": to.value},
    )
    mailing.tell_about_change(dossier, change)
    return change


def start_timeline(dossier: Dossier, *, actor=None) -> PhaseChange:
    """The first entry of a new dossier's timeline: created as a draft."""
    change = PhaseChange(
        dossier_id=dossier.id,
        from_phase=None,
        to_phase=dossier.phase,
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "name", None),
        changed_at=utcnow(),
    )
    db.session.add(change)
    return change
