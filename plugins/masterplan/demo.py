"""Demo data of the masterplans plugin (the ``demo_data`` hook of ``kringwerk demo``),
after seed 002: Ondernemend Assen writes a masterplan per circle with its members, with
wishes and challenges per theme, a closed priority round whose result orders the
themes, project proposals and a measured goal with measurements. A second run adds
nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.plugin_api import Circle, Company, ContactPerson, DemoContribution, Theme, User, db, utcnow
from plugins.masterplan import contributions, plans, versions
from plugins.masterplan.demo_network import MEMBER, NETWORK, load_network_demo
from plugins.masterplan.models import (
    Funding,
    Goal,
    Item,
    ItemKind,
    Masterplan,
    Measurement,
    Milestone,
    PlanStatus,
    PriorityRound,
    Project,
    ProjectStatus,
    Scope,
)

TENANT = "ondernemend-assen"
NETWORK_DEMO = (NETWORK, MEMBER)
AMBITION = (
    "Een stip op de horizon: samen met de leden werken we aan een toekomstbestendig "
    "bedrijventerrein. Een levend document, geen beleidsstuk."
)
# theme key -> (wishes, challenges)
ITEMS = {
    "energie": (
        ["Zonnepanelen op alle grote daken", "Een gezamenlijk energiecontract"],
        ["Netcongestie: geen ruimte voor teruglevering"],
    ),
    "bereikbaarheid": (["Een fietspad vanaf het station"], ["Files op de ringweg in de spits"]),
    "veiligheid": (["Collectieve camerabeveiliging"], ["Inbraken in bedrijfsbussen"]),
    "arbeidsmarkt": (["Stageplekken met het ROC"], ["Moeilijk vervulbare technische vacatures"]),
    "ruimtegebruik": ([], ["Weinig ruimte om uit te breiden"]),
}
# who writes the wishes and challenges, and backs the other's (the demo's Assen logins)
WRITERS = ("lid.assen@kringwerk.demo", "bestuur.assen@kringwerk.demo")
# added after the first adopted version, so the history and the comparison have something to show
LATER_WISH = ("energie", "Laadpleinen voor elektrische bedrijfsbussen")
# the closed round's points per theme key, most first
ROUND_POINTS = (("energie", 420), ("bereikbaarheid", 310), ("arbeidsmarkt", 260), ("veiligheid", 180))


def _plan(circle: Circle, themes: dict[str, Theme], today: date) -> int:
    plan = Masterplan(
        title=f"Masterplan {circle.name}",
        scope=Scope.CIRCLE,
        circle_id=circle.id,
        ambition=AMBITION,
        status=PlanStatus.ACTIVE,
        owners="Bestuur en kringvoorzitter",
    )
    db.session.add(plan)
    db.session.flush()
    writers = _writers()
    count = 0
    for key, (wishes, challenges) in ITEMS.items():
        if key not in themes:
            continue
        for kind, texts in ((ItemKind.WISH, wishes), (ItemKind.CHALLENGE, challenges)):
            for text in texts:
                _item(plan, kind, themes[key], text, writers, count)
                count += 1
    db.session.add(
        PriorityRound(
            masterplan_id=plan.id,
            title="Prioritering 2021",
            opens_on=date(2021, 9, 1),
            closes_on=date(2021, 10, 15),
            points_per_member=100,
            result=[
                {"theme_id": themes[key].id, "points": points}
                for key, points in ROUND_POINTS
                if key in themes
            ],
            closed_at=utcnow(),
        )
    )
    owner = _owner(circle)
    solar = None
    if "energie" in themes:
        project = Project(
            owner_company_id=owner[0],
            owner_contact_id=owner[1],
            masterplan_id=plan.id,
            theme_id=themes["energie"].id,
            title="Collectieve zonnedaken",
            description="Grote daken gezamenlijk vol leggen, met één aanbesteding.",
            partners="Gemeente Assen, netbeheerder",
            budget=Decimal("250000"),
            funding=Funding.SUBSIDY,
            funding_name="Regio Deal",
            status=ProjectStatus.PLANNED,
            starts_on=today + timedelta(days=30),
        )
        project.milestones = [
            Milestone(title="Haalbaarheidsstudie", due_on=today + timedelta(days=90)),
            Milestone(title="Aanbesteding", due_on=today + timedelta(days=180)),
        ]
        db.session.add(project)
        solar = project
    if "arbeidsmarkt" in themes:
        db.session.add(
            Project(
                masterplan_id=plan.id,
                theme_id=themes["arbeidsmarkt"].id,
                title="Techniekstages met het ROC",
                status=ProjectStatus.IDEA,
            )
        )
    goal = Goal(
        masterplan_id=plan.id,
        theme_id=themes["energie"].id if "energie" in themes else None,
        title="Bedrijven met zonnepanelen",
        unit="bedrijven",
        baseline=Decimal("12"),
        target=Decimal("40"),
        deadline=date(today.year + 2, 12, 31),
    )
    goal.measurements = [
        Measurement(measured_on=date(today.year - 1, 1, 1), value=Decimal("12")),
        Measurement(measured_on=date(today.year, 1, 1), value=Decimal("21")),
    ]
    db.session.add(goal)
    db.session.flush()
    if solar is not None:  # the collective roofs count towards the companies with solar panels
        contributions.link(solar, goal.id, actor=writers[-1] if writers else None)
    # The members' meeting adopted the plan after the round; a wish came in since, and the
    # board published the plan again: the history and the comparison show the difference.
    board = writers[-1] if writers else None
    versions.publish(plan, {"adopted_on": date(2021, 11, 18)}, actor=board)
    if LATER_WISH[0] in themes:
        _item(plan, ItemKind.WISH, themes[LATER_WISH[0]], LATER_WISH[1], writers, count)
        count += 1
    versions.publish(plan, {"adopted_on": today}, actor=board)
    return count


def _writers() -> list[User]:
    users = {user.email: user for user in db.session.scalars(select(User).where(User.email.in_(WRITERS)))}
    return [users[email] for email in WRITERS if email in users]


def _item(plan: Masterplan, kind: ItemKind, theme: Theme, text: str, writers: list[User], index: int) -> Item:
    """A wish or challenge written by one demo member (through the service, so the history
    names them) and, every other one, backed by the other."""
    if not writers:
        return plans.add_item(plan, kind, theme.id, text, actor=None)
    item = plans.add_item(plan, kind, theme.id, text, actor=writers[index % len(writers)])
    if index % 2 == 0 and len(writers) > 1:
        plans.support(item, actor=writers[(index + 1) % len(writers)])
    return item


def _owner(circle: Circle) -> tuple[int | None, int | None]:
    """A company of the circle and its first contact person, to own the circle's first project."""
    company = db.session.scalar(
        select(Company).where(Company.circles.any(Circle.id == circle.id)).order_by(Company.id).limit(1)
    )
    if company is None:
        return None, None
    contact = db.session.scalar(
        select(ContactPerson.id)
        .where(ContactPerson.company_id == company.id)
        .order_by(ContactPerson.id)
        .limit(1)
    )
    return company.id, contact


def load_demo_plans(tenant) -> DemoContribution | None:
    if tenant.slug in NETWORK_DEMO:  # the regional network's goals and a member's (seed 003)
        return load_network_demo(tenant)
    if tenant.slug != TENANT or db.session.scalar(select(Masterplan.id).limit(1)) is not None:
        return None
    circles = db.session.scalars(select(Circle).order_by(Circle.name)).all()
    if not circles:
        return None
    themes = {theme.key: theme for theme in db.session.scalars(select(Theme))}
    today = utcnow().date()
    items = sum(_plan(circle, themes, today) for circle in circles)
    return DemoContribution(added={_l("masterplans"): len(circles), _l("wishes and challenges"): items})
