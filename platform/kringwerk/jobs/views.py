"""The status fragment of a background task: a progress bar that polls itself
with htmx while the work runs, and the outcome once it is done."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template
from flask_login import current_user

from kringwerk.accounts.permissions import MANAGERS, has_role, require_member
from kringwerk.extensions import db
from kringwerk.jobs.models import BackgroundTask
from kringwerk.jobs.services import plugin_of_kind
from kringwerk.pluginhost.gating import is_enabled
from kringwerk.tenancy.routing import current_tenant
from kringwerk.web.htmx import render_block, wants_fragment
from kringwerk.web.safety import safe_next_url

bp = Blueprint("jobs", __name__)

TEMPLATE = "jobs/task_status.html"


@bp.get("/<tenant>/tasks/<int:background_task_id>")
@require_member()
def task_status(background_task_id: int):
    task = db.session.get(BackgroundTask, background_task_id) or abort(404)
    # A plugin's task is part of the plugin: gone with it while it is disabled.
    if not _plugin_enabled_for(task):
        abort(404)
    # A task may carry someone's export: only whoever started it and the managers see it.
    if task.created_by_id != current_user.id and not has_role(*MANAGERS):
        abort(404)
    context = {"task": task, "result_url": _result_url(task)}
    if wants_fragment():
        response = make_response(render_block(TEMPLATE, "task", **context))
    else:
        response = make_response(render_template(TEMPLATE, **context))
    # The same URL answers a page or a fragment, and the progress changes every second.
    response.vary.add("HX-Request")
    response.headers["Cache-Control"] = "no-store"
    return response


def _plugin_enabled_for(task: BackgroundTask) -> bool:
    key = plugin_of_kind(task.kind)
    return key is None or is_enabled(current_tenant(), key)


def _result_url(task: BackgroundTask) -> str | None:
    """A link on this site the job left in its result (never an outside or script URL)."""
    url = task.result.get("url") if isinstance(task.result, dict) else None
    if not isinstance(url, str):
        return None
    return safe_next_url(url, fallback="") or None
