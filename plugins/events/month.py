"""The month view as a grid: weeks from Monday to Sunday (the Dutch and ISO week), each
day with the events that start on it (local time), and the weekday names in the
reader's language through Babel."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from babel.dates import get_day_names
from flask_babel import get_locale

from plugins.events.services import local


@dataclass
class Day:
    date: date
    in_month: bool
    events: list = field(default_factory=list)


@dataclass
class MonthGrid:
    year: int
    month: int
    weeks: list[list[Day]]
    # (full, abbreviated) weekday names, Monday first
    weekdays: list[tuple[str, str]]

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def previous(self) -> tuple[int, int]:
        return (self.year, self.month - 1) if self.month > 1 else (self.year - 1, 12)

    @property
    def following(self) -> tuple[int, int]:
        return (self.year, self.month + 1) if self.month < 12 else (self.year + 1, 1)


NIGHT_ENDS = time(6)


def weekday_names(locale=None) -> list[tuple[str, str]]:
    """Monday to Sunday as (wide, abbreviated) names; Babel numbers Monday 0 as ``date`` does."""
    locale = locale or get_locale() or "nl"
    wide = get_day_names("wide", locale=locale)
    short = get_day_names("abbreviated", locale=locale)
    return [(wide[number], short[number]) for number in range(7)]


def month_grid(year: int, month: int, events) -> MonthGrid:
    """The weeks covering the month, each event in the cell of every local day it spans;
    an event ending before 06:00 the next morning stays on the day it began."""
    weeks = [
        [Day(day, day.month == month) for day in week]
        for week in calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(year, month)
    ]
    cells = {day.date: day for week in weeks for day in week}
    for event in events:
        for day in _days_spanned(event):
            cell = cells.get(day)
            if cell is not None:
                cell.events.append(event)
    return MonthGrid(year, month, weeks, weekday_names())


def _days_spanned(event) -> list[date]:
    start = local(event.starts_at)
    end = local(event.ends_at) if event.ends_at else start
    last = end.date()
    if last > start.date() and end.time() < NIGHT_ENDS:
        last -= timedelta(days=1)  # a night out belongs to the evening it began
    return [start.date() + timedelta(days=n) for n in range(max((last - start.date()).days, 0) + 1)]
