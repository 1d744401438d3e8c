"""Published versions of a plan and comparing two of them.

Publishing keeps the plan's text as it stands ("the plan as adopted on <date>") as
lines of the exported document; comparing two versions lines them up side by side
with ``difflib``, so the comparison holds however the rows changed since.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.plugin_api import db
from plugins.masterplan import changes
from plugins.masterplan.changes import Invalid
from plugins.masterplan.exports import plan_document
from plugins.masterplan.models import Masterplan, PlanSnapshot
from plugins.masterplan.values import as_date


def document_lines(document) -> list[str]:
    """The document as lines of text: title, introduction, headings, paragraphs, points, table rows."""
    lines = [document.title]
    if document.subtitle:
        lines.append(document.subtitle)

    def blocks(items):
        for block in items:
            if block.kind == "paragraph":
                lines.append(block.text)
            elif block.kind == "points":
                lines.extend(f"• {item}" for item in block.items)
            elif block.kind == "table":
                lines.extend(" | ".join(row) for row in block.rows)

    blocks(document.blocks)
    for section in document.sections:
        lines.append(f"## {section.heading}")
        blocks(section.blocks)
    return lines


def publish(plan: Masterplan, values: dict, *, actor) -> PlanSnapshot:
    try:
        adopted_on = as_date(values.get("adopted_on"))
    except ValueError:
        adopted_on = None
    if adopted_on is None:
        raise Invalid({"adopted_on": _l("Give the date the plan was adopted.")})
    # Without a name of its own the version is named on the page, in the reader's language.
    label = (values.get("label") or "").strip()[:200]
    snapshot = PlanSnapshot(
        masterplan_id=plan.id,
        label=label,
        adopted_on=adopted_on,
        lines=document_lines(plan_document(plan)),
        published_by_id=getattr(actor, "id", None),
        published_by_name=getattr(actor, "name", None),
    )
    db.session.add(snapshot)
    db.session.flush()
    logged = {"label": label, "adopted_on": adopted_on} if label else {"adopted_on": adopted_on}
    changes.log(plan.id, actor, "version", snapshot.id, "published", logged)
    db.session.flush()
    return snapshot


def version_label(snapshot: PlanSnapshot) -> str:
    """The version's own name, else "the plan as adopted on <date>" with the date in the reader's language."""
    if snapshot.label:
        return snapshot.label
    return str(_l("The plan as adopted on %(date)s", date=format_date(snapshot.adopted_on, "long")))


def snapshots(plan: Masterplan) -> list[PlanSnapshot]:
    return list(
        db.session.scalars(
            select(PlanSnapshot)
            .where(PlanSnapshot.masterplan_id == plan.id)
            .order_by(PlanSnapshot.adopted_on.desc(), PlanSnapshot.id.desc())
        )
    )


@dataclass(frozen=True)
class Row:
    left: str | None
    right: str | None
    change: str  # "same", "removed", "added", "changed"


def _text_lines(lines) -> list[str]:
    return [str(line) for line in lines] if isinstance(lines, list) else []


def compare(old: list[str], new: list[str]) -> list[Row]:
    """The two versions side by side: equal lines, removed ones, added ones, changed ones."""
    old, new = _text_lines(old), _text_lines(new)
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [Row(line, line, "same") for line in old[i1:i2]]
        elif tag == "delete":
            rows += [Row(line, None, "removed") for line in old[i1:i2]]
        elif tag == "insert":
            rows += [Row(None, line, "added") for line in new[j1:j2]]
        else:
            left, right = old[i1:i2], new[j1:j2]
            for index in range(max(len(left), len(right))):
                rows.append(
                    Row(
                        left[index] if index < len(left) else None,
                        right[index] if index < len(right) else None,
                        "changed",
                    )
                )
    return rows


def today() -> date:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()
