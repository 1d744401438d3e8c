"""Response rates of a poll: how many of those invited responded, overall and
per business park, circle and sector.

One definition, used by every page and export: the rate counts the poll's
unit, companies when it is answered per company (a company responded when one
of its people did), people when it is answered per person; invited are all the
poll's invitations, sent or not. ``response_rate`` gives it, ``Rate.summary``
says it ("3 of 5 invited companies responded (60%)").

Anonymous polls show no group with fewer than ``MIN_GROUP_SIZE`` invited on its
own: a park of one company that responded would name the respondent. Such
groups are shown together, and when even that row would be too small (it
would equal the total minus the rows shown) the next smallest groups join it.

Everything runs without a request, in two grouped statements whatever the
number of invitations (built once per process, see ``_rate_statements``).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import Select, and_, bindparam, case, distinct, func, select

from kringwerk.plugin_api import BusinessPark, Circle, Company, company_circles, db
from plugins.polls.charts import format_fraction
from plugins.polls.models import Poll, PollInvitation, ResponseUnit

# Anonymous polls show no group with fewer invited than this on its own (pages and exports).
MIN_GROUP_SIZE = 5


def percent(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class Rate:
    """Invited and responded companies or people (``unit``) of one group; ``label`` names the group."""

    label: str
    invited: int
    responded: int
    unit: ResponseUnit = ResponseUnit.COMPANY

    @property
    def percent(self) -> float | None:
        """0-100, one decimal (None without invitations)."""
        return percent(self.responded, self.invited)

    @property
    def fraction(self) -> float | None:
        return self.responded / self.invited if self.invited else None

    @property
    def summary(self) -> str:
        """The rate in words, in the current language, saying what is counted."""
        share = format_fraction(self.fraction or 0)
        if self.unit == ResponseUnit.PERSON:
            return ngettext(
                "%(responded)s of %(num)s invited person responded (%(percent)s)",
                "%(responded)s of %(num)s invited people responded (%(percent)s)",
                self.invited,
                responded=self.responded,
                percent=share,
            )
        return ngettext(
            "%(responded)s of %(num)s invited company responded (%(percent)s)",
            "%(responded)s of %(num)s invited companies responded (%(percent)s)",
            self.invited,
            responded=self.responded,
            percent=share,
        )


def _overall_label(unit: ResponseUnit) -> str:
    return str(_l("All invited people") if unit == ResponseUnit.PERSON else _l("All invited companies"))


def response_rate(poll: Poll) -> Rate:
    """The poll's response rate (see the module docstring): one statement."""
    invited, responded = _rate_columns(poll.response_unit)
    row = db.session.execute(select(invited, responded).where(PollInvitation.poll_id == poll.id)).one()
    return Rate(_overall_label(poll.response_unit), row[0] or 0, row[1] or 0, poll.response_unit)


def merge_small_groups(rates: list[Rate], label: str, minimum: int = MIN_GROUP_SIZE) -> list[Rate]:
    """``rates`` with every group of fewer than ``minimum`` invited folded into one row
    ``label``; while that row is itself below ``minimum``, the smallest shown group
    joins it (else the total minus the rows shown would give it away)."""
    small = [rate for rate in rates if rate.invited < minimum]
    if not small:
        return list(rates)
    kept = [rate for rate in rates if rate.invited >= minimum]
    invited = sum(rate.invited for rate in small)
    responded = sum(rate.responded for rate in small)
    while invited < minimum and kept:
        smallest = min(kept, key=lambda rate: rate.invited)
        kept.remove(smallest)
        invited += smallest.invited
        responded += smallest.responded
    return [*kept, Rate(label, invited, responded, rates[0].unit)]


def _rate_columns(unit: ResponseUnit):
    """(invited, responded) aggregate columns for the poll's unit of response."""
    if unit == ResponseUnit.COMPANY:
        responded = case((PollInvitation.responded_at.is_not(None), PollInvitation.company_id))
        return func.count(distinct(PollInvitation.company_id)), func.count(distinct(responded))
    return func.count(PollInvitation.id), func.count(PollInvitation.responded_at)


@functools.cache
def _rate_statements(unit: ResponseUnit) -> tuple[Select, Select]:
    """The two grouped statements of ``response_rates`` for one unit of response, with the
    park's and the circle's names joined in. Built once per process with a bound
    ``poll_id``; the tenant scope is added when they run, to every table of the joins."""
    invited, responded = _rate_columns(unit)
    poll_id = bindparam("poll_id")
    pairs = (
        select(Company.business_park_id, BusinessPark.name, Company.sector, invited, responded)
        .select_from(PollInvitation)
        .outerjoin(
            Company,
            and_(Company.id == PollInvitation.company_id, Company.tenant_id == PollInvitation.tenant_id),
        )
        .outerjoin(
            BusinessPark,
            and_(BusinessPark.id == Company.business_park_id, BusinessPark.tenant_id == Company.tenant_id),
        )
        .where(PollInvitation.poll_id == poll_id)
        .group_by(Company.business_park_id, BusinessPark.name, Company.sector)
    )
    circles = (
        select(company_circles.c.circle_id, Circle.name, invited, responded)
        .select_from(PollInvitation)
        .outerjoin(
            company_circles,
            and_(
                company_circles.c.company_id == PollInvitation.company_id,
                company_circles.c.tenant_id == PollInvitation.tenant_id,
            ),
        )
        .outerjoin(
            Circle,
            and_(Circle.id == company_circles.c.circle_id, Circle.tenant_id == company_circles.c.tenant_id),
        )
        .where(PollInvitation.poll_id == poll_id)
        .group_by(company_circles.c.circle_id, Circle.name)
    )
    return pairs, circles


def response_rates(poll: Poll) -> tuple[Rate, list[Rate], list[Rate], list[Rate]]:
    """Overall, per business park, per circle and per sector: two grouped statements.

    Every invitation falls in exactly one (park, sector) pair (a company has one of
    each, or none), so the overall, per-park and per-sector figures are sums over
    one grouping; only circles (many per company) need a statement of their own.
    The names of the parks and circles come with the groups.
    """
    pairs_statement, circles_statement = _rate_statements(poll.response_unit)
    pairs = db.session.execute(pairs_statement, {"poll_id": poll.id}).all()
    circles = db.session.execute(circles_statement, {"poll_id": poll.id}).all()
    park_names = {park_id: name for park_id, name, _s, _n, _r in pairs if name is not None}
    circle_names = {circle_id: name for circle_id, name, _n, _r in circles if name is not None}

    total = [0, 0]
    by_park: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    by_sector: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
    for park_id, _name, sector, n, r in pairs:
        for bucket in (total, by_park[park_id], by_sector[sector]):
            bucket[0] += n
            bucket[1] += r

    unit = poll.response_unit

    def rates(groups: dict, names, missing) -> list[Rate]:
        # Named groups by name; the group without a park/circle/sector last, under a readable name.
        named = sorted(
            (Rate(names(key), n, r, unit) for key, (n, r) in groups.items() if key is not None and (n or r)),
            key=lambda rate: rate.label.lower(),
        )
        unnamed = [
            Rate(str(missing), n, r, unit) for key, (n, r) in groups.items() if key is None and (n or r)
        ]
        if poll.anonymous:
            return merge_small_groups(named + unnamed, str(_l("Smaller groups together")))
        return named + unnamed

    return (
        Rate(_overall_label(unit), total[0], total[1], unit),
        rates(by_park, lambda key: park_names.get(key, "?"), _l("No business park")),
        rates(
            {c: (n, r) for c, _name, n, r in circles}, lambda key: circle_names.get(key, "?"), _l("No circle")
        ),
        rates(by_sector, str, _l("No sector")),
    )
