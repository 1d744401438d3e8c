"""A goal's progress as an accessible SVG line chart, drawn on the server.

The ``<svg role="img">`` has a ``<title>`` and a ``<desc>`` that reads the
numbers out; the page lists the same measurements in a table. No ``style``
attributes (the CSP allows styles only from files): sizes and strokes are SVG
presentation attributes, colours follow the text (``currentColor``).
"""

from __future__ import annotations

from itertools import count

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 640, 240, 40
_ids = count(1)


def number(value) -> str:
    return format_decimal(value, "#,##0.##")


def goal_chart(goal) -> Markup:
    """Baseline, target and the measurements from the first measurement to the deadline."""
    n = next(_ids)
    title_id, desc_id = f"goal-chart-{n}-title", f"goal-chart-{n}-desc"
    points = [(m.measured_on, float(m.value)) for m in goal.measurements]
    baseline, target = float(goal.baseline), float(goal.target)
    spoken = [
        _(
            "Baseline %(baseline)s, target %(target)s %(unit)s by %(deadline)s.",
            baseline=number(goal.baseline),
            target=number(goal.target),
            unit=goal.unit,
            deadline=format_date(goal.deadline),
        )
    ]
    spoken += [f"{format_date(day)}: {number(value)}" for day, value in points]
    if not points:
        spoken.append(_("No measurements yet."))
    start = points[0][0] if points else goal.deadline
    end = max(goal.deadline, points[-1][0]) if points else goal.deadline
    days = max((end - start).days, 1)
    values = [baseline, target, *(value for _day, value in points)]
    low, high = min(values), max(values)
    spread = (high - low) or 1.0

    def x(day) -> float:
        return round(PAD + (WIDTH - 2 * PAD) * (day - start).days / days, 1)

    def y(value) -> float:
        return round(HEIGHT - PAD - (HEIGHT - 2 * PAD) * (value - low) / spread, 1)

    target_label, baseline_label = _("Target"), _("Baseline")
    parts = [
        f'<svg class="goal-chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="{title_id} {desc_id}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(goal.title)}</title>',
        f'<desc id="{desc_id}">{escape(" ".join(spoken))}</desc>',
        f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(target)}" y2="{y(target)}" stroke="currentColor" '
        f'stroke-dasharray="6 4" stroke-width="1"></line>',
        f'<text x="{PAD}" y="{y(target) - 6}" font-size="12" fill="currentColor">'
        f"{escape(target_label)}: {escape(number(goal.target))}</text>",
        f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(baseline)}" y2="{y(baseline)}" stroke="currentColor" '
        f'stroke-dasharray="2 4" stroke-width="1"></line>',
        f'<text x="{PAD}" y="{y(baseline) + 16}" font-size="12" fill="currentColor">'
        f"{escape(baseline_label)}: {escape(number(goal.baseline))}</text>",
    ]
    if points:
        path = " ".join(f"{x(day)},{y(value)}" for day, value in points)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="currentColor" stroke-width="3"></polyline>'
        )
        for day, value in points:
            parts.append(f'<circle cx="{x(day)}" cy="{y(value)}" r="4" fill="currentColor"></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))
