"""Demo data of a regional network's goals (seed 003), part of the masterplan plugin's
``demo_data``: Ondernemend Cleantech Regio's agenda turns its ambitions into concrete goals
("at least 100 startups or new business cases a year") with measurements, and a project
owned by entrepreneurs contributes to it and is linked to the network's theme meeting. The
Industriële Kring Lochem, an active member, counts a goal of its own toward the network's
goal, with a project of a member company linked to that goal and to its energy meeting;
the network's goal page then shows the members' latest values rolled up. Runs after the
events demo of the same tenant (``trylast``), so the meetings are on the calendar. A second
run adds nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.plugin_api import Company, DemoContribution, Theme, db, external_url, utcnow
from plugins.masterplan import contributions, event_links, network_goals
from plugins.masterplan.models import (
    Funding,
    Goal,
    Masterplan,
    Measurement,
    PlanStatus,
    Project,
    ProjectStatus,
    Scope,
)

NETWORK = "cleantech-regio"
MEMBER = "ikl"
CASES = "business cases"


def _theme(key: str) -> int | None:
    return db.session.scalar(select(Theme.id).where(Theme.key == key))


def _goal(
    plan: Masterplan, title: str, unit: str, baseline, target, deadline: date, values, theme=None
) -> Goal:
    goal = Goal(
        masterplan_id=plan.id,
        theme_id=_theme(theme) if theme else None,
        title=title,
        unit=unit,
        baseline=Decimal(baseline),
        target=Decimal(target),
        deadline=deadline,
    )
    goal.measurements = [Measurement(measured_on=day, value=Decimal(value)) for day, value in values]
    db.session.add(goal)
    db.session.flush()
    return goal


def _link_event(tenant, project: Project, title: str) -> None:
    """Link the calendar's event of that title, if the events demo put it there."""
    event = next((e for e in event_links.offered(tenant, project) or () if e.title == title), None)
    if event is not None:
        event_links.link(tenant, project, event.id, actor=None)


def _network(tenant) -> DemoContribution:
    year = utcnow().year
    plan = Masterplan(
        title="Agenda Cleantech Regio",
        scope=Scope.TENANT,
        status=PlanStatus.ACTIVE,
        ambition=(
            "De meest circulaire regio van Europa, waar iedere werkgever de medewerkers heeft die zij "
            "nodig heeft. Ondernemers, overheden en onderwijs vertalen de ambities naar concrete doelen; "
            "ondernemers zijn eigenaar van de projecten die eraan bijdragen."
        ),
        owners="Strategische Board en de voorzitters van de verenigingen",
    )
    db.session.add(plan)
    db.session.flush()
    cases = _goal(
        plan,
        "Startups en nieuwe business cases per jaar",
        CASES,
        60,
        100,
        date(year + 1, 12, 31),
        [(date(year - 2, 12, 31), 60), (date(year - 1, 12, 31), 72), (date(year, 6, 30), 81)],
        theme="circulariteit",
    )
    _goal(
        plan,
        "Bedrijven met een circulair businessmodel",
        "bedrijven",
        120,
        300,
        date(year + 2, 12, 31),
        [(date(year - 1, 12, 31), 120), (date(year, 6, 30), 151)],
        theme="circulariteit",
    )
    project = Project(
        masterplan_id=plan.id,
        theme_id=_theme("circulariteit") or _theme("energie"),
        title="Themabijeenkomsten circulair ondernemen",
        description="Overkoepelende bijeenkomsten die innovatiesamenwerking tussen de leden van alle verenigingen stimuleren.",
        partners="Industriële Kring Lochem, MKB Deventer, Ondernemend Apeldoorn",
        budget=Decimal("18000"),
        funding=Funding.REGIONAL,
        status=ProjectStatus.RUNNING,
        starts_on=date(year, 1, 1),
    )
    db.session.add(project)
    db.session.flush()
    contributions.link(project, cases.id, actor=None)
    _link_event(tenant, project, "Themabijeenkomst circulair ondernemen")
    return DemoContribution(
        added={_l("masterplans"): 1, _l("goals"): 2},
        links=(
            (
                _l("The network's goal with its members' goals rolled up"),
                external_url("masterplan.goal", masterplan_id=plan.id, goal_id=cases.id),
            ),
        ),
    )


def _member(tenant) -> DemoContribution:
    year = utcnow().year
    plan = Masterplan(
        title="Masterplan Aalsvoort",
        scope=Scope.TENANT,
        status=PlanStatus.ACTIVE,
        ambition="Een toekomstbestendig bedrijventerrein Aalsvoort, met de leden van de kring.",
        owners="Bestuur Industriële Kring Lochem",
    )
    db.session.add(plan)
    db.session.flush()
    cases = _goal(
        plan,
        "Nieuwe business cases op Aalsvoort",
        CASES,
        5,
        12,
        date(year + 1, 12, 31),
        [(date(year - 1, 12, 31), 5), (date(year, 6, 30), 8)],
        theme="energie",
    )
    company = db.session.scalars(select(Company).order_by(Company.name).limit(1)).first()
    contact = company.contacts[0] if company is not None and company.contacts else None
    project = Project(
        masterplan_id=plan.id,
        theme_id=_theme("energie") or _theme("circulariteit"),
        title="Zonnedaken en laadplein Aalsvoort",
        description="Samen de grote daken vol leggen en een laadplein voor het hele terrein.",
        owner_company_id=company.id if company else None,
        owner_contact_id=contact.id if contact else None,
        funding=Funding.OWN,
        status=ProjectStatus.WORKING_OUT,
    )
    db.session.add(project)
    db.session.flush()
    contributions.link(project, cases.id, actor=None)
    _link_event(tenant, project, "Themabijeenkomst energie op Aalsvoort")
    target = next((g for g in network_goals.offered(tenant) if network_goals.same_unit(g.unit, CASES)), None)
    if target is not None:
        network_goals.declare(tenant, cases, target.goal_id, actor=None)
    return DemoContribution(added={_l("masterplans"): 1, _l("goals"): 1})


def load_network_demo(tenant) -> DemoContribution | None:
    build = {NETWORK: _network, MEMBER: _member}.get(tenant.slug)
    if build is None or db.session.scalar(select(Masterplan.id).limit(1)) is not None:
        return None
    return build(tenant)
