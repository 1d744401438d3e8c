"""Demo data for the implementation plans per park (``kringwerk demo``), after seeds 000
and 001: the Industriële Kring Lochem has business park Aalsvoort's implementation plan
half-way. The research and the conclusions are done, each with its report as a PDF; the
plan of approach is in progress with the park manager; the funding applications have
not started. A second run adds nothing."""

from __future__ import annotations

import io
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from kringwerk.plugin_api import (
    BusinessPark,
    DemoContribution,
    Document,
    Paragraph,
    Points,
    Section,
    User,
    db,
    memberships,
    render_document_pdf,
    utcnow,
)
from plugins.masterplan import parks
from plugins.masterplan.models import StepDocument, StepKind, StepState

TENANT = "ikl"
PARK = "Aalsvoort"
PARK_MANAGER = "parkmanager@kringwerk.demo"
BOARD = "bestuur@kringwerk.demo"

REPORTS = {
    StepKind.RESEARCH: Document(
        title="Onderzoek bedrijventerrein Aalsvoort",
        subtitle="Enquête onder de ondernemers en gesprekken met de gemeente",
        blocks=[
            Paragraph(
                "Alle ondernemers op Aalsvoort kregen een korte vragenlijst; 41 van de 58 bedrijven "
                "deden mee. Daarnaast spraken we met de gemeente Lochem en de netbeheerder."
            )
        ],
        sections=[
            Section(
                "Wat ondernemers willen",
                [
                    Points(
                        [
                            "Samen zonnepanelen op de grote daken",
                            "Collectieve beveiliging van het terrein",
                            "Een veilige fietsroute vanaf het station",
                        ]
                    )
                ],
            )
        ],
    ),
    StepKind.CONCLUSIONS: Document(
        title="Conclusies en aanbevelingen Aalsvoort",
        subtitle="Voorlopige conclusies van het onderzoek",
        blocks=[
            Paragraph(
                "Energie en veiligheid hebben de meeste belangstelling: op beide thema's willen "
                "tien of meer bedrijven samenwerken. Wij bevelen een parkmanagementorganisatie aan "
                "die beide thema's oppakt, te beginnen met een collectief energieproject."
            )
        ],
    ),
}


def _member(email: str) -> User | None:
    membership = db.session.scalar(memberships().where(User.email == email))
    return membership.user if membership is not None else None


def _report(kind: StepKind) -> FileStorage:
    document = REPORTS[kind]
    return FileStorage(io.BytesIO(render_document_pdf(document)), filename=f"{document.title}.pdf")


def load_demo_park_plan(tenant) -> dict | None:
    """Aalsvoort's implementation plan, half-way; None when it is there already (or no park)."""
    if tenant.slug != TENANT:
        return None
    park = db.session.scalar(select(BusinessPark).where(BusinessPark.name == PARK))
    if park is None or parks.plan_for(park) is not None:
        return None
    manager, board = _member(PARK_MANAGER), _member(BOARD)
    plan = parks.start_plan(park, actor=board)
    today = utcnow().date()
    settings = {
        StepKind.RESEARCH: (
            manager,
            today - timedelta(days=240),
            today - timedelta(days=150),
            StepState.DONE,
        ),
        StepKind.CONCLUSIONS: (
            board,
            today - timedelta(days=150),
            today - timedelta(days=90),
            StepState.DONE,
        ),
        StepKind.APPROACH: (
            manager,
            today - timedelta(days=60),
            today + timedelta(days=45),
            StepState.IN_PROGRESS,
        ),
        StepKind.FUNDING: (
            board,
            today + timedelta(days=45),
            today + timedelta(days=150),
            StepState.NOT_STARTED,
        ),
    }
    notes = {
        StepKind.APPROACH: "Samen met de duurzaamheidsgroep; aansluiten bij de regionale aanpak.",
        StepKind.FUNDING: "Regio Deal en de provinciale subsidie voor toekomstbestendige bedrijventerreinen.",
    }
    for step in plan.steps:
        owner, starts_on, due_on, state = settings[step.kind]
        parks.update_step(
            step,
            {
                "owner_id": str(owner.id) if owner else "",
                "starts_on": _iso(starts_on),
                "due_on": _iso(due_on),
                "state": state.value,
                "note": notes.get(step.kind, ""),
            },
            expected_version=step.version,
            actor=board,
        )
        if step.kind in REPORTS:
            parks.add_document(plan, step.kind, _report(step.kind), actor=owner)
    db.session.flush()
    documents = len(db.session.scalars(select(StepDocument.id)).all())
    return {_l("implementation plans per park"): 1, _l("documents of implementation plans"): documents}


def _iso(value: date) -> str:
    return value.isoformat()


def with_park_plan(contribution: DemoContribution | None, tenant) -> DemoContribution | None:
    """The masterplans' own demo contribution with the park's implementation plan added."""
    added = load_demo_park_plan(tenant)
    if not added:
        return contribution
    if contribution is None:
        return DemoContribution(added=added)
    return DemoContribution(added={**contribution.added, **added}, links=contribution.links)
