"""Pages of the masterplans plugin, mounted at ``/<tenant>/masterplan/``: the plans
and their themes, wishes and challenges (``plans``), projects (``projects``), goals
(``goals``), priority rounds (``rounds``) and the history (``history``).

Thin views: they find the rows behind the tenant wall (another tenant's id is
simply not found: 404), call the services, commit and render.
"""

from flask import Blueprint, abort
from flask_login import current_user

from kringwerk.plugin_api import MANAGERS, db, has_role
from plugins.masterplan.models import Masterplan

bp = Blueprint("masterplan", __name__, template_folder="../templates")


def plan_or_404(plan_id: int) -> Masterplan:
    plan = db.session.get(Masterplan, plan_id)
    if plan is None:
        abort(404)
    return plan


def child_or_404(model, row_id: int, plan: Masterplan):
    row = db.session.get(model, row_id)
    if row is None or row.masterplan_id != plan.id:
        abort(404)
    return row


def is_manager() -> bool:
    return has_role(*MANAGERS)


def actor():
    return current_user._get_current_object()


from plugins.masterplan.views import (  # noqa: E402, F401
    dashboard,
    goals,
    history,
    implementation,
    links,
    parks,
    plans,
    projects,
    rounds,
)
