"""Projects on a theme of a plan: from idea (a proposal) through being worked out,
planned and running to done or stopped, with owner, partners, budget, funding and
milestones. A milestone never lies before the project starts.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kringwerk.plugin_api import Company, ContactPerson, db, utcnow
from plugins.masterplan import changes
from plugins.masterplan.changes import Invalid
from plugins.masterplan.models import Funding, Masterplan, Milestone, Project, ProjectStatus
from plugins.masterplan.plans import theme_or_invalid
from plugins.masterplan.values import as_amount, as_date

FIELDS = (
    "title",
    "description",
    "theme_id",
    "owner_company_id",
    "owner_contact_id",
    "partners",
    "budget",
    "funding",
    "funding_name",
    "status",
    "starts_on",
    "ends_on",
)


def _int_or_none(value):
    return int(value) if str(value or "").isdigit() else None


def clean(values: dict) -> tuple[dict, list[tuple[str, object]]]:
    """Checked values and milestones ([(title, date)]), or Invalid with every message."""
    errors: dict = {}
    title = (values.get("title") or "").strip()
    if not title:
        errors["title"] = _l("Give the project a title.")
    elif len(title) > 200:
        errors["title"] = _l("At most 200 characters.")
    theme_id = None
    try:
        theme_id = theme_or_invalid(values.get("theme_id")).id
    except Invalid as refused:
        errors.update(refused.errors)
    company_id = _int_or_none(values.get("owner_company_id"))
    if company_id is not None and db.session.get(Company, company_id) is None:
        errors["owner_company_id"] = _l("Choose a company of the association.")
    contact_id = _int_or_none(values.get("owner_contact_id"))
    if contact_id is not None:
        contact = db.session.get(ContactPerson, contact_id)
        if contact is None:
            errors["owner_contact_id"] = _l("Choose a contact person of the association.")
        elif company_id is not None and contact.company_id != company_id:
            errors["owner_contact_id"] = _l("This person does not work at the owning company.")
    try:
        budget = as_amount(values.get("budget"))
        if budget is not None and budget < 0:
            raise ValueError(budget)
    except ValueError:
        errors["budget"] = _l("Give an amount in euros, e.g. 12500 or 12.500,00.")
        budget = None
    funding = values.get("funding") or None
    if funding is not None:
        try:
            funding = Funding(funding)
        except ValueError:
            errors["funding"] = _l("Choose a funding source.")
    funding_name = (values.get("funding_name") or "").strip()[:200] or None
    if funding == Funding.SUBSIDY and not funding_name:
        errors["funding_name"] = _l("Name the subsidy.")
    try:
        status = ProjectStatus(values.get("status") or ProjectStatus.IDEA)
    except ValueError:
        errors["status"] = _l("Choose a status.")
        status = ProjectStatus.IDEA
    starts_on = ends_on = None
    try:
        starts_on = as_date(values.get("starts_on"))
    except ValueError:
        errors["starts_on"] = _l("Give a date.")
    try:
        ends_on = as_date(values.get("ends_on"))
    except ValueError:
        errors["ends_on"] = _l("Give a date.")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _l("The project cannot end before it starts.")
    milestones = []
    for index, (label, due) in enumerate(values.get("milestones") or []):
        label = (label or "").strip()
        if not label and not due:
            continue
        try:
            due_on = as_date(due)
        except ValueError:
            due_on = None
        if not label or due_on is None:
            errors[f"milestone_{index}"] = _l("A milestone needs a title and a date.")
        elif starts_on and due_on < starts_on:
            errors[f"milestone_{index}"] = _l(
                "This milestone (%(date)s) lies before the project starts (%(start)s).",
                date=due_on.isoformat(),
                start=starts_on.isoformat(),
            )
        else:
            milestones.append((label[:200], due_on))
    if errors:
        raise Invalid(errors)
    return {
        "title": title,
        "description": (values.get("description") or "").strip() or None,
        "theme_id": theme_id,
        "owner_company_id": company_id,
        "owner_contact_id": contact_id,
        "partners": (values.get("partners") or "").strip()[:500] or None,
        "budget": budget,
        "funding": funding,
        "funding_name": funding_name if funding == Funding.SUBSIDY else None,
        "status": status,
        "starts_on": starts_on,
        "ends_on": ends_on,
    }, milestones


def _milestones_text(project: Project) -> list:
    return [[m.title, m.due_on.isoformat()] for m in project.milestones]


def create_project(plan: Masterplan, values: dict, *, actor) -> Project:
    cleaned, milestones = clean(values)
    project = Project(masterplan_id=plan.id, created_by_id=getattr(actor, "id", None), **cleaned)
    project.milestones = [Milestone(title=label, due_on=due) for label, due in milestones]
    db.session.add(project)
    db.session.flush()
    logged = {key: value for key, value in cleaned.items() if value is not None}
    logged["milestones"] = _milestones_text(project)
    changes.log(plan.id, actor, "project", project.id, "created", logged)
    db.session.flush()
    return project


def update_project(project: Project, values: dict, *, expected_version, actor) -> dict:
    cleaned, milestones = clean(values)
    before = _milestones_text(project)
    after = [[label, due.isoformat()] for label, due in milestones]
    changes.check_version(project, expected_version)
    if before != after:
        project.milestones = [Milestone(title=label, due_on=due) for label, due in milestones]
        # A change of milestones alone is a change of the project: bump its version too.
        project.updated_at = utcnow()
    changed = changes.edit(
        project,
        cleaned,
        expected_version=expected_version,
        plan_id=project.masterplan_id,
        actor=actor,
        entity="project",
    )
    if before != after:
        changes.log(
            project.masterplan_id, actor, "project", project.id, "updated", {"milestones": [before, after]}
        )
        db.session.flush()
        changed["milestones"] = [before, after]
    return changed


def projects(
    plan: Masterplan,
    *,
    theme_id: int | None = None,
    status: ProjectStatus | None = None,
    with_milestones: bool = False,
) -> list[Project]:
    query = select(Project).where(Project.masterplan_id == plan.id)
    if with_milestones:  # one statement for all of them, not one per project
        query = query.options(selectinload(Project.milestones))
    if theme_id is not None:
        query = query.where(Project.theme_id == theme_id)
    if status is not None:
        query = query.where(Project.status == status)
    return list(
        db.session.scalars(query.order_by(Project.starts_on.is_(None), Project.starts_on, Project.id))
    )
