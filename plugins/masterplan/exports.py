"""The plan as a document (PDF and Word through the core's documents, with the
tenant's name and logo): themes in priority order with the current situation,
wishes, challenges and projects, then the goals with their progress."""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import gettext as _

from kringwerk.plugin_api import Document, DocumentTable, Paragraph, Points, Section
from plugins.masterplan import goals, parks, plans, projects, rounds
from plugins.masterplan.models import ItemKind, Masterplan


def _number(value) -> str:
    return format_decimal(value, "#,##0.##")


def plan_document(plan: Masterplan) -> Document:
    """The plan as a document, read in a fixed number of statements however many themes,
    items, projects, goals and measurements it has (a park's implementation plan adds its
    own, fixed too)."""
    items = plans.items(plan)
    all_projects = projects.projects(plan)
    situations = plans.current_situations(plan)
    sections = []
    for index, theme in enumerate(rounds.theme_order(plan), start=1):
        blocks = []
        if situations.get(theme.id):
            blocks.append(Paragraph(situations[theme.id]))
        for kind, heading in ((ItemKind.WISH, _("Wishes")), (ItemKind.CHALLENGE, _("Challenges"))):
            texts = [item.text for item in items if item.theme_id == theme.id and item.kind == kind]
            if texts:
                blocks += [Paragraph(heading), Points(texts, numbered=False)]
        rows = [
            [
                project.title,
                str(project.status.label),
                f"€ {_number(project.budget)}" if project.budget is not None else "–",
                str(project.funding.label) if project.funding else "–",
            ]
            for project in all_projects
            if project.theme_id == theme.id
        ]
        if rows:
            blocks.append(
                DocumentTable([_("Project"), _("Status"), _("Estimated budget"), _("Funding")], rows)
            )
        if blocks:
            sections.append(Section(f"{index}. {theme.name}", blocks))
    goal_rows = [
        [
            goal.title,
            f"{_number(goal.baseline)} → {_number(goal.target)} {goal.unit}",
            _number(goal.progress.latest) if goal.progress.latest is not None else "–",
            f"{goal.progress.percent}%",
        ]
        for goal in goals.goal_lines(plan)  # the measurements in the goals' statement
    ]
    if goal_rows:
        sections.append(
            Section(
                _("Goals"),
                [DocumentTable([_("Goal"), _("Baseline → target"), _("Latest"), _("Progress")], goal_rows)],
            )
        )
    implementation = parks.export_section(plan)  # a park's plan: its implementation steps
    if implementation is not None:
        sections.append(implementation)
    intro = [Paragraph(plan.ambition)] if plan.ambition else []
    return Document(
        title=plan.title,
        subtitle=f"{plans.scope_label(plan)} · {plan.status.label}",
        blocks=intro,
        sections=sections,
    )
