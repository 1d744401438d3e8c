"""The scoreboard over all dossiers: per year (of the municipality's answer) how many
points of advice were adopted, partly adopted or not, and how many days the answers
took from the advice being sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kringwerk.plugin_api import db
from plugins.mkb_toets.models import AdvicePoint, Answer, Phase, PhaseChange

LOCAL = ZoneInfo("Europe/Amsterdam")


@dataclass
class Year:
    year: int
    answers: dict[Answer, int] = field(default_factory=lambda: dict.fromkeys(Answer, 0))
    dossiers: int = 0
    days: list[int] = field(default_factory=list)

    @property
    def average_days(self) -> float | None:
        return sum(self.days) / len(self.days) if self.days else None


def scoreboard() -> list[Year]:
    """Years with answered dossiers, newest first (the tenant in scope)."""
    moments: dict[int, dict] = {}
    for change in db.session.scalars(
        select(PhaseChange)
        .where(PhaseChange.to_phase.in_((Phase.ADVICE_SENT, Phase.ANSWERED)))
        .order_by(PhaseChange.id)
    ):
        moments.setdefault(change.dossier_id, {})[change.to_phase] = change.changed_at
    years: dict[int, Year] = {}
    answered = [dossier_id for dossier_id, seen in moments.items() if Phase.ANSWERED in seen]
    for dossier_id in answered:
        seen = moments[dossier_id]
        year = seen[Phase.ANSWERED].astimezone(LOCAL).year
        entry = years.setdefault(year, Year(year))
        entry.dossiers += 1
        if Phase.ADVICE_SENT in seen:
            entry.days.append((seen[Phase.ANSWERED] - seen[Phase.ADVICE_SENT]).days)
    if answered:
        rows = db.session.execute(
            select(AdvicePoint.dossier_id, AdvicePoint.answer).where(
                AdvicePoint.dossier_id.in_(answered), AdvicePoint.answer.is_not(None)
            )
        )
        for dossier_id, answer in rows:
            years[moments[dossier_id][Phase.ANSWERED].astimezone(LOCAL).year].answers[answer] += 1
    return sorted(years.values(), key=lambda entry: entry.year, reverse=True)


__all__ = ["Year", "scoreboard"]
