"""Earlier versions of the consolidated advice: every save while it is written keeps one,
and sending freezes one. The board reads them all; the municipality only the version it
was sent. A version is read-only and compared point by point (matched on their numbers)
with the advice as it stands, the changed words marked."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, false, select

from kringwerk.plugin_api import Role, User, db
from plugins.mkb_toets.advice import snapshot
from plugins.mkb_toets.models import AdviceVersion, Dossier

WORDS = re.compile(r"\s+|[^\s]+")


def visible_versions(dossier: Dossier, role: Role | None) -> Select:
    """The versions ``role`` may read, newest first: all for the board, the sent one for
    the municipality, none for anyone else."""
    statement = (
        select(AdviceVersion)
        .where(AdviceVersion.dossier_id == dossier.id)
        .order_by(AdviceVersion.number.desc())
    )
    if role == Role.ADMIN:
        return statement
    if role == Role.MUNICIPALITY:
        return statement.where(AdviceVersion.sent_at.is_not(None))
    return statement.where(false())


def version_for(dossier: Dossier, version_id: int, role: Role | None) -> AdviceVersion | None:
    return db.session.scalar(visible_versions(dossier, role).where(AdviceVersion.id == version_id))


def authors(versions: list[AdviceVersion]) -> dict[int, str]:
    """Names of the people who saved these versions, by user id (one query)."""
    ids = {version.created_by_id for version in versions if version.created_by_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


@dataclass
class PointChange:
    """One point in the comparison: ``status`` is same, changed, added or removed; ``words``
    the text as (kind, text) pieces, kind same, removed or added."""

    number: int
    status: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    words: list[tuple[str, str]] = field(default_factory=list)

    @property
    def section_changed(self) -> bool:
        return bool(self.old and self.new and self.old.get("section") != self.new.get("section"))


def _points(raw: Any) -> dict[int, dict[str, Any]]:
    """Stored JSON read defensively: a point needs a whole number and a text."""
    points = {}
    for point in raw if isinstance(raw, list) else []:
        if isinstance(point, dict) and isinstance(point.get("number"), int):
            points[point["number"]] = {
                "number": point["number"],
                "text": str(point.get("text") or ""),
                "section": point.get("section") if isinstance(point.get("section"), str) else None,
            }
    return points


def _words(old: str, new: str) -> list[tuple[str, str]]:
    before, after = WORDS.findall(old), WORDS.findall(new)
    pieces: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(("same", "".join(before[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("removed", "".join(before[i1:i2])))
        if j2 > j1:
            pieces.append(("added", "".join(after[j1:j2])))
    return pieces


def compare(old_points: Any, new_points: Any) -> list[PointChange]:
    """Point by point, from ``old_points`` (a version) to ``new_points`` (another, or now)."""
    old, new = _points(old_points), _points(new_points)
    changes = []
    for number in sorted(old.keys() | new.keys()):
        before, after = old.get(number), new.get(number)
        if before is None:
            changes.append(PointChange(number, "added", None, after, [("added", after["text"])]))
        elif after is None:
            changes.append(PointChange(number, "removed", before, None, [("removed", before["text"])]))
        elif before == after:
            changes.append(PointChange(number, "same", before, after, [("same", after["text"])]))
        else:
            changes.append(
                PointChange(number, "changed", before, after, _words(before["text"], after["text"]))
            )
    return changes


def compare_with_now(dossier: Dossier, version: AdviceVersion) -> list[PointChange]:
    return compare(version.points, snapshot(dossier))


def read_points(version: AdviceVersion) -> list[dict[str, Any]]:
    """The version's points in order, for the read-only view."""
    return [point for _number, point in sorted(_points(version.points).items())]
