"""From a poll's cooperation match to a project proposal: the polls plugin offers its
matches through the ``followup_offers`` hook; "add a project proposal" creates an idea
on that theme in a plan, with the matched companies as interested parties. Plugins
meet only through the hook: nothing of polls is imported here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.plugin_api import MANAGERS, Company, FollowUpOffer, Theme, db, has_role, hookimpl
from plugins.masterplan import changes
from plugins.masterplan.changes import Invalid
from plugins.masterplan.models import Masterplan, PlanStatus, Project, ProjectStatus

MAX_OFFERED_PLANS = 5
MAX_COMPANIES = 500


@hookimpl
def followup_offers(tenant, user, match):
    """One offer per plan in use (at most a few), for the board and park management."""
    if not has_role(*MANAGERS):
        return []
    plans = db.session.scalars(
        select(Masterplan)
        .where(Masterplan.status != PlanStatus.ARCHIVED)
        .order_by(Masterplan.title, Masterplan.id)
        .limit(MAX_OFFERED_PLANS)
    ).all()
    return [
        FollowUpOffer(
            "masterplan",
            _l("Add a project proposal to %(plan)s", plan=plan.title),
            "masterplan.from_match",
            {"masterplan_id": plan.id},
        )
        for plan in plans
    ]


def proposal_from_match(plan: Masterplan, theme_id, company_ids, source: str | None, *, actor) -> Project:
    """An idea on the match's theme with the matched companies (of this tenant only: the
    wall) as interested parties."""
    theme = db.session.get(Theme, theme_id) if isinstance(theme_id, int) else None
    if theme is None:
        raise Invalid({"theme_id": _l("Choose a theme.")})
    wanted = [company_id for company_id in company_ids if isinstance(company_id, int)][:MAX_COMPANIES]
    known = (
        list(db.session.scalars(select(Company.id).where(Company.id.in_(wanted)).order_by(Company.id)))
        if wanted
        else []
    )
    project = Project(
        masterplan_id=plan.id,
        theme_id=theme.id,
        title=str(_l("Cooperation on %(theme)s", theme=theme.name))[:200],
        description=str(
            _l(
                "Follow-up of %(source)s: %(count)s companies want to cooperate on %(theme)s.",
                source=source or _l("a poll"),
                count=len(set(wanted)),
                theme=theme.name,
            )
        ),
        interested_company_ids=known,
        status=ProjectStatus.IDEA,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(project)
    db.session.flush()
    changes.log(
        plan.id,
        actor,
        "project",
        project.id,
        "created",
        {"title": project.title, "theme": theme.key, "interested_company_ids": known, "source": source},
    )
    db.session.flush()
    return project
