"""Who a poll is for: every company of the tenant (optionally narrowed by
business park, circle, sector and size) or the standing entrepreneurs' panel.

``set_audience`` validates and stores the choice; ``audience_contacts`` is the
SELECT of everyone with an e-mail address the poll would go to, which the
invitations build on; ``audience_summary`` counts it in a fixed number of
queries. Changing the audience after invitations went out is allowed: the next
sending invites only the people not invited yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import Select, and_, func, select

from kringwerk.plugin_api import BusinessPark, Circle, Company, ContactPerson, db, panel_contact_ids, record
from plugins.polls.models import AudienceKind, Poll

FILTER_KEYS = ("park_ids", "circle_ids", "sectors", "min_employees", "max_employees", "contact_ids")
MAX_EMPLOYEES = 10_000_000


class AudienceError(ValueError):
    """Refused audience settings; ``errors`` maps a field name to its message."""

    def __init__(self, errors: Mapping[str | None, Any]) -> None:
        super().__init__("; ".join(str(message) for message in errors.values()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class AudienceSummary:
    companies: int  # companies in the audience
    people: int  # people with an e-mail address who would be invited
    companies_without_email: int  # companies in the audience nobody there can be mailed at


def _as_list(value: Any) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, str | int):
        return [value]
    return list(value)


def _ids(value: Any, field: str, errors: dict) -> list[int]:
    ids = []
    for item in _as_list(value):
        try:
            ids.append(int(item))
        except (TypeError, ValueError):
            errors[field] = _l("Choose from the list.")
            return []
    return sorted(set(ids))


def _known(model, ids: list[int]) -> set[int]:
    """Which ``ids`` are rows of ``model`` in the tenant in scope (the scoping wall hides others)."""
    if not ids:
        return set()
    return set(db.session.scalars(select(model.id).where(model.id.in_(ids))))


def _employees(value: Any, field: str, errors: dict) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors[field] = _l("Enter a whole number.")
        return None
    if not 0 <= number <= MAX_EMPLOYEES:
        errors[field] = _l("Enter a number between 0 and %(max)s.", max=MAX_EMPLOYEES)
        return None
    return number


def clean_audience_filter(values: Mapping[str, Any]) -> dict[str, Any]:
    """The stored form of a filter: only the tenant's own parks and circles, known
    sectors, and a sensible size range. Raises AudienceError with every problem."""
    errors: dict[str, Any] = {}
    park_ids = _ids(values.get("park_ids"), "park_ids", errors)
    if set(park_ids) - _known(BusinessPark, park_ids):
        errors["park_ids"] = _l("Choose business parks of this organisation.")
    circle_ids = _ids(values.get("circle_ids"), "circle_ids", errors)
    if set(circle_ids) - _known(Circle, circle_ids):
        errors["circle_ids"] = _l("Choose circles of this organisation.")
    sectors = sorted(
        {str(sector).strip() for sector in _as_list(values.get("sectors")) if str(sector).strip()}
    )
    if sectors:
        known = set(db.session.scalars(select(Company.sector).where(Company.sector.in_(sectors)).distinct()))
        if set(sectors) - known:
            errors["sectors"] = _l("Choose sectors that companies of this organisation have.")
    # Named people (the attendees of an event): present, even empty, it means "only these".
    contact_ids = _ids(values.get("contact_ids"), "contact_ids", errors) if "contact_ids" in values else None
    if contact_ids and set(contact_ids) - _known(ContactPerson, contact_ids):
        errors["contact_ids"] = _l("Choose contact persons of this organisation.")
    low = _employees(values.get("min_employees"), "min_employees", errors)
    high = _employees(values.get("max_employees"), "max_employees", errors)
    if low is not None and high is not None and low > high:
        errors["max_employees"] = _l("The maximum must not be below the minimum.")
    if errors:
        raise AudienceError(errors)
    cleaned: dict[str, Any] = {}
    if park_ids:
        cleaned["park_ids"] = park_ids
    if circle_ids:
        cleaned["circle_ids"] = circle_ids
    if sectors:
        cleaned["sectors"] = sectors
    if contact_ids is not None:
        cleaned["contact_ids"] = contact_ids
    if low is not None:
        cleaned["min_employees"] = low
    if high is not None:
        cleaned["max_employees"] = high
    return cleaned


def set_audience(poll: Poll, kind: AudienceKind | str, values: Mapping[str, Any], *, actor=None) -> Poll:
    """Store who ``poll`` is for. The panel takes no filter (its members chose to be asked)."""
    try:
        kind = AudienceKind(kind)
    except ValueError:
        raise AudienceError({"audience": _l("Choose who the poll is for.")}) from None
    named = (poll.audience_filter or {}).get("contact_ids")
    if kind == AudienceKind.ALL and named is not None and "contact_ids" not in values:
        # Named people (an event's attendees) stay when the board narrows the audience
        # further on the form, which has no field for them: saving must not widen it.
        values = {**values, "contact_ids": named}
    cleaned = clean_audience_filter(values) if kind == AudienceKind.ALL else {}
    if poll.audience == kind and (poll.audience_filter or {}) == cleaned:
        return poll
    poll.audience = kind
    poll.audience_filter = cleaned
    db.session.flush()
    record(
        "poll.updated", actor=actor, target=poll, details={"audience": kind.value, "audience_filter": cleaned}
    )
    return poll


def _has_email():
    return and_(ContactPerson.email.is_not(None), ContactPerson.email != "")


def matching_companies(poll: Poll) -> Select:
    """SELECT Company.id of the companies an ALL audience covers."""
    statement = select(Company.id)
    criteria = poll.audience_filter or {}
    if criteria.get("park_ids"):
        statement = statement.where(Company.business_park_id.in_(criteria["park_ids"]))
    if criteria.get("circle_ids"):
        statement = statement.where(Company.circles.any(Circle.id.in_(criteria["circle_ids"])))
    if criteria.get("sectors"):
        statement = statement.where(Company.sector.in_(criteria["sectors"]))
    if "contact_ids" in criteria:
        named = select(ContactPerson.company_id).where(ContactPerson.id.in_(criteria["contact_ids"]))
        statement = statement.where(Company.id.in_(named))
    if criteria.get("min_employees") is not None:
        statement = statement.where(Company.employees >= criteria["min_employees"])
    if criteria.get("max_employees") is not None:
        statement = statement.where(Company.employees <= criteria["max_employees"])
    return statement


def _audience_people(poll: Poll) -> Select:
    """Everyone the audience covers, with or without an e-mail address."""
    columns = (
        ContactPerson.company_id.label("company_id"),
        ContactPerson.id.label("contact_person_id"),
        ContactPerson.email.label("email"),
        ContactPerson.name.label("name"),
    )
    if poll.audience == AudienceKind.PANEL:
        return select(*columns).where(ContactPerson.id.in_(panel_contact_ids()))
    people = select(*columns).where(ContactPerson.company_id.in_(matching_companies(poll)))
    if "contact_ids" in (poll.audience_filter or {}):
        people = people.where(ContactPerson.id.in_(poll.audience_filter["contact_ids"]))
    return people


def audience_contacts(poll: Poll) -> Select:
    """SELECT (company_id, contact_person_id, email, name) of every person with an
    e-mail address the poll goes to, in a stable order."""
    return _audience_people(poll).where(_has_email()).order_by(ContactPerson.company_id, ContactPerson.id)


def audience_summary(poll: Poll) -> AudienceSummary:
    """Companies, reachable people and companies nobody can be mailed at: three counts."""
    if poll.audience == AudienceKind.PANEL:
        people = _audience_people(poll).subquery()
        companies = db.session.scalar(select(func.count(func.distinct(people.c.company_id))))
    else:
        companies = db.session.scalar(select(func.count()).select_from(matching_companies(poll).subquery()))
    reachable = audience_contacts(poll).order_by(None).subquery()
    people, reached = db.session.execute(
        select(func.count(), func.count(func.distinct(reachable.c.company_id))).select_from(reachable)
    ).one()
    return AudienceSummary(
        companies=companies or 0,
        people=people or 0,
        companies_without_email=max(0, (companies or 0) - reached),
    )


def filter_labels(poll: Poll) -> list[str]:
    """Short readable lines for the stored filter (names looked up in two queries)."""
    criteria = poll.audience_filter or {}
    lines: list[str] = []
    if criteria.get("park_ids"):
        names = db.session.scalars(
            select(BusinessPark.name)
            .where(BusinessPark.id.in_(criteria["park_ids"]))
            .order_by(BusinessPark.name)
        )
        lines.append(str(_l("Business parks: %(names)s", names=", ".join(names))))
    if criteria.get("circle_ids"):
        names = db.session.scalars(
            select(Circle.name).where(Circle.id.in_(criteria["circle_ids"])).order_by(Circle.name)
        )
        lines.append(str(_l("Circles: %(names)s", names=", ".join(names))))
    if criteria.get("sectors"):
        lines.append(str(_l("Sectors: %(names)s", names=", ".join(criteria["sectors"]))))
    if "contact_ids" in criteria:
        count = len(criteria["contact_ids"])
        lines.append(ngettext("%(num)s named person", "%(num)s named people", count))
    if criteria.get("min_employees") is not None or criteria.get("max_employees") is not None:
        lines.append(
            str(
                _l(
                    "Employees: %(low)s to %(high)s",
                    low=criteria.get("min_employees", 0),
                    high=criteria.get("max_employees", "…"),
                )
            )
        )
    return lines
