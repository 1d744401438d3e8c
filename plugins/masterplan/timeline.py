"""The implementation view's projects as an accessible SVG timeline, drawn on the server.

One row per project in the order given (theme priority), a bar from its start to its end
date coloured by status, its milestones as marks, a month axis and today as a line. The
``<svg role="img">`` carries an ``aria-label``, a ``<title>`` and a ``<desc>``; the page's
table below is the full text alternative. No ``style`` attributes and no script (the CSP
allows neither): everything is an SVG presentation attribute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup, escape

from plugins.masterplan.models import Project, ProjectStatus

WIDTH, LEFT, RIGHT, TOP, ROW = 800, 10, 10, 34, 40
BAR = 14
# Fill per status; the label on each bar names the status too, so colour is never the only cue.
COLOURS = {
    ProjectStatus.IDEA: "#8a8f98",
    ProjectStatus.WORKING_OUT: "#b26b00",
    ProjectStatus.PLANNED: "#2f6fbf",
    ProjectStatus.RUNNING: "#1e7f3c",
    ProjectStatus.DONE: "#0f4d24",
    ProjectStatus.STOPPED: "#b3261e",
}


@dataclass(frozen=True)
class Span:
    project: Project
    start: date
    end: date


def scheduled(rows: list[Project]) -> tuple[list[Span], list[Project]]:
    """The projects with a date, as spans (one date alone makes a one-day span), and the rest."""
    spans, unscheduled = [], []
    for project in rows:
        start, end = project.starts_on or project.ends_on, project.ends_on or project.starts_on
        if start is None:
            unscheduled.append(project)
        else:
            spans.append(Span(project, start, max(start, end)))
    return spans, unscheduled


def _month(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def bounds(spans: list[Span]) -> tuple[date, date]:
    """Whole months around every start, end and milestone."""
    days = [d for s in spans for d in (s.start, s.end, *(m.due_on for m in s.project.milestones))]
    return _month(min(days)), _next_month(max(days))


def position(day: date, first: date, last: date) -> float:
    """The x of ``day`` on an axis from ``first`` to ``last``."""
    days = max((last - first).days, 1)
    return round(LEFT + (WIDTH - LEFT - RIGHT) * (day - first).days / days, 1)


def _ticks(first: date, last: date) -> list[date]:
    months = (last.year - first.year) * 12 + last.month - first.month
    step = max(1, -(-months // 12))  # at most about twelve labels
    ticks, day = [], first
    while day <= last:
        ticks.append(day)
        for _month_step in range(step):
            day = _next_month(day)
    return ticks


def timeline(spans: list[Span], *, today: date, link) -> Markup | None:
    """The SVG, or None without a dated project. ``link(project)`` gives a project's address."""
    if not spans:
        return None
    first, last = bounds(spans)
    height = TOP + ROW * len(spans) + 6
    label = _("Timeline of %(count)s projects in order of priority", count=len(spans))
    spoken = [
        _(
            "%(title)s (%(status)s): %(start)s to %(end)s.",
            title=s.project.title,
            status=s.project.status.label,
            start=format_date(s.start),
            end=format_date(s.end),
        )
        for s in spans
    ]
    parts = [
        f'<svg class="timeline" role="img" aria-label="{escape(label)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
        f"<desc>{escape(' '.join(spoken))}</desc>",
    ]
    for tick in _ticks(first, last):
        x = position(tick, first, last)
        parts.append(
            f'<line class="timeline-tick" x1="{x}" x2="{x}" y1="{TOP - 8}" y2="{height}" '
            f'stroke="currentColor" stroke-opacity="0.2" stroke-width="1"></line>'
        )
        if tick < last:
            parts.append(
                f'<text x="{x + 3}" y="{TOP - 14}" font-size="11" fill="currentColor">'
                f"{escape(format_date(tick, 'MMM yyyy'))}</text>"
            )
    for row, span in enumerate(spans):
        project, top = span.project, TOP + ROW * row
        x1, x2 = position(span.start, first, last), position(span.end, first, last)
        text = f"{project.title} · {project.status.label}"
        parts.append(f'<a href="{escape(link(project))}">')
        # A bar in the right half is labelled leftward from its end, so the label stays in view.
        anchor = f'x="{x2}" text-anchor="end"' if x1 > WIDTH / 2 else f'x="{x1}"'
        parts.append(
            f'<text {anchor} y="{top + 11}" font-size="12" fill="currentColor">{escape(text)}</text>'
        )
        parts.append(
            f'<rect class="timeline-bar" data-project="{project.id}" x="{x1}" y="{top + 15}" '
            f'width="{max(round(x2 - x1, 1), 3)}" height="{BAR}" rx="3" '
            f'fill="{COLOURS[project.status]}"><title>{escape(text)}</title></rect>'
        )
        parts.append("</a>")
        for milestone in project.milestones:
            mx, my = position(milestone.due_on, first, last), top + 15 + BAR / 2
            parts.append(
                f'<path class="timeline-milestone" data-milestone="{milestone.id}" '
                f'd="M {mx} {my - 8} L {mx + 6} {my} L {mx} {my + 8} L {mx - 6} {my} Z" '
                f'fill="{"currentColor" if milestone.done else "#ffffff"}" stroke="currentColor" '
                f'stroke-width="1.5"><title>{escape(milestone.title)}: '
                f"{escape(format_date(milestone.due_on))}</title></path>"
            )
    if first <= today <= last:
        x = position(today, first, last)
        parts.append(
            f'<line class="timeline-today" x1="{x}" x2="{x}" y1="{TOP - 8}" y2="{height}" '
            f'stroke="#b3261e" stroke-width="2"></line>'
            f'<text x="{x + 3}" y="{height - 2}" font-size="11" fill="#b3261e">{escape(_("Today"))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
