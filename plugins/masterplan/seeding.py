"""A priority round's starting order from a closed poll's theme interest.

Where the polls plugin is enabled, it answers the ``theme_interest`` hook with, per
closed poll, how many companies want to cooperate on each theme (aggregates only; no
counts for a group below its minimum). Nothing of polls is imported here: a plugin
that is disabled simply does not answer, and the board sees no sources.

The round keeps the source's label, respondents and counts (``PriorityRound.seed``),
so it always shows where its starting order came from; the counts order the themes
before anyone has given points and break ties in the round's count afterwards.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kringwerk.plugin_api import Tenant, ThemeInterest, collect, hooks
from plugins.masterplan.changes import Invalid

MAX_SOURCE = 60


def sources(tenant: Tenant) -> list[ThemeInterest]:
    """The closed sources the enabled plugins offer in ``tenant`` (none where polls are off)."""
    found = collect(hooks(tenant).theme_interest(tenant=tenant, source=None))
    return [item for item in found if isinstance(item, ThemeInterest)]


def find(tenant: Tenant, source: str) -> ThemeInterest | None:
    """The source with key ``source``, asked afresh (never taken from the form)."""
    if not isinstance(source, str) or not source or len(source) > MAX_SOURCE:
        return None
    found = collect(hooks(tenant).theme_interest(tenant=tenant, source=source))
    return next((item for item in found if isinstance(item, ThemeInterest) and item.source == source), None)


def seed_of(interest: ThemeInterest, theme_ids: list[int]) -> dict:
    """What the round keeps: the source and its counts for the tenant's active themes,
    most interest first (ties: the taxonomy's order, which ``theme_ids`` is in)."""
    position = {theme_id: index for index, theme_id in enumerate(theme_ids)}
    counts = {
        theme_id: int(count)
        for theme_id, count in dict(interest.counts).items()
        if theme_id in position and isinstance(count, int) and not isinstance(count, bool) and count >= 0
    }
    ordered = sorted(counts, key=lambda theme_id: (-counts[theme_id], position[theme_id]))
    closed_on = interest.closed_on.date().isoformat() if interest.closed_on is not None else None
    return {
        "source": interest.source,
        "label": str(interest.label)[:200],
        "respondents": int(interest.respondents),
        "closed_on": closed_on,
        "counts": [{"theme_id": theme_id, "count": counts[theme_id]} for theme_id in ordered],
    }


def resolve(tenant: Tenant, source, theme_ids: list[int]) -> dict | None:
    """The seed for the chosen ``source`` ("" or None: no starting order), or Invalid."""
    if source in (None, ""):
        return None
    interest = find(tenant, str(source))
    if interest is None:
        raise Invalid({"seed_source": _l("Choose one of the closed polls listed.")})
    if interest.withheld:
        raise Invalid(
            {"seed_source": _l("Too few respondents to use this poll's results; choose another or none.")}
        )
    return seed_of(interest, theme_ids)


def seed_counts(seed) -> dict[int, int]:
    """{theme id: count} of a stored seed, read defensively (stored JSON)."""
    if not isinstance(seed, dict) or not isinstance(seed.get("counts"), list):
        return {}
    counts = {}
    for entry in seed["counts"]:
        if isinstance(entry, dict) and isinstance(entry.get("theme_id"), int):
            count = entry.get("count")
            counts[entry["theme_id"]] = count if isinstance(count, int) else 0
    return counts
