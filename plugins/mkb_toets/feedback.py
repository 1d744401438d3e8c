"""A panel member's feedback by personal link (no account): find the seat a link
stands for, and save the judgement of one section or the overall view, as they
type. Every refusal — a closed consultation, a section of another dossier, a
negative or absurd burden, an unknown kind of business — raises ``FeedbackError``
with a message for the member and changes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.plugin_api import current_tenant_id, db, resolve_token, upsert, utcnow
from plugins.mkb_toets.models import (
    BUSINESS_KINDS,
    FEEDBACK_LINK,
    MAX_EUROS,
    MAX_HOURS,
    DossierSection,
    Feedback,
    PanelSeat,
    Phase,
    Verdict,
)

MAX_TEXT = 5000
BURDENS = {
    "hours_once": MAX_HOURS,
    "hours_yearly": MAX_HOURS,
    "euros_once": MAX_EUROS,
    "euros_yearly": MAX_EUROS,
}
BURDEN_LABELS = {
    "hours_once": _l("Hours, one-off"),
    "hours_yearly": _l("Hours per year"),
    "euros_once": _l("Euros, one-off"),
    "euros_yearly": _l("Euros per year"),
}


class FeedbackError(ValueError):
    """Feedback the rules refuse; ``str()`` is the message for the panel member."""


def seat_for_link(raw: str) -> PanelSeat | None:
    """The seat a personal link stands for in the tenant in scope, or None."""
    token = resolve_token(FEEDBACK_LINK, raw)
    if token is None:
        return None
    return db.session.get(PanelSeat, token.subject_id)


def is_open(seat: PanelSeat) -> bool:
    dossier = seat.dossier
    return dossier.phase == Phase.CONSULTATION_OPEN and (
        dossier.consultation_closes_at is None or dossier.consultation_closes_at > utcnow()
    )


def _require_open(seat: PanelSeat) -> None:
    if not is_open(seat):
        raise FeedbackError(_l("The consultation has closed: feedback can no longer be given or changed."))


def _text(values: Mapping[str, Any], key: str) -> str | None:
    value = str(values.get(key) or "").strip()
    if len(value) > MAX_TEXT:
        raise FeedbackError(_l("Keep each text under %(count)d characters.", count=MAX_TEXT))
    return value or None


def _burden(values: Mapping[str, Any], key: str) -> int | None:
    raw = str(values.get(key) or "").strip().replace(".", "").replace(" ", "")
    if not raw:
        return None
    if raw.startswith("-"):
        raise FeedbackError(_l("%(field)s cannot be negative.", field=BURDEN_LABELS[key]))
    if not raw.isdigit():
        raise FeedbackError(_l("%(field)s must be a whole number.", field=BURDEN_LABELS[key]))
    number = int(raw[:12])
    if number > BURDENS[key]:
        raise FeedbackError(
            _l(
                "%(field)s can be at most %(top)s.",
                field=BURDEN_LABELS[key],
                top=f"{BURDENS[key]:,}".replace(",", "."),
            )
        )
    return number


def _kinds(values: Any) -> list[str]:
    kinds = (
        list(values.getlist("business_kinds"))
        if hasattr(values, "getlist")
        else list(values.get("business_kinds") or [])
    )
    unknown = [kind for kind in kinds if kind not in BUSINESS_KINDS]
    if unknown:
        raise FeedbackError(_l("Choose the kinds of business from the list."))
    return [kind for kind in BUSINESS_KINDS if kind in kinds]


def save_section(seat: PanelSeat, section_id: int, values: Mapping[str, Any]) -> Feedback:
    """Write the seat's feedback on one section (all of its fields at once, as the form sends them)."""
    _require_open(seat)
    section = db.session.scalar(
        select(DossierSection).where(
            DossierSection.id == section_id, DossierSection.dossier_id == seat.dossier_id
        )
    )
    if section is None:
        raise FeedbackError(_l("That section is not part of this dossier."))
    verdict_raw = str(values.get("verdict") or "").strip()
    if verdict_raw and verdict_raw not in {verdict.value for verdict in Verdict}:
        raise FeedbackError(_l("Choose whether the section is workable from the list."))
    row = {
        "tenant_id": current_tenant_id(),
        "seat_id": seat.id,
        "section_id": section.id,
        "verdict": verdict_raw or None,
        **{key: _burden(values, key) for key in BURDENS},
        "business_kinds": _kinds(values),
        "alternative": _text(values, "alternative"),
        "comment": _text(values, "comment"),
        "updated_at": utcnow(),
    }
    # One statement, so two saves racing from one page cannot both insert.
    upsert(
        Feedback,
        [row],
        index_elements=["tenant_id", "seat_id", "section_id"],
        set_={key: value for key, value in row.items() if key not in ("tenant_id", "seat_id", "section_id")},
    )
    seat.updated_at = utcnow()
    db.session.flush()
    feedback = db.session.scalar(
        select(Feedback).where(Feedback.seat_id == seat.id, Feedback.section_id == section.id)
    )
    db.session.refresh(feedback)
    return feedback


def save_overall(seat: PanelSeat, values: Mapping[str, Any]) -> PanelSeat:
    """The seat's overall view and whether the municipality may see their name."""
    _require_open(seat)
    overall = _text(values, "overall")
    seat.overall = overall
    seat.consent_to_name = str(values.get("consent_to_name") or "") in ("1", "on", "true", "y", "yes")
    seat.updated_at = utcnow()
    db.session.flush()
    return seat


def own_feedback(seat: PanelSeat) -> dict[int, Feedback]:
    """The seat's own feedback by section id (a member never sees another's)."""
    return {
        feedback.section_id: feedback
        for feedback in db.session.scalars(select(Feedback).where(Feedback.seat_id == seat.id))
    }
