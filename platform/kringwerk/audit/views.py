"""The audit log pages: a tenant's own trail for its board (and operators),
and the trail of every tenant in the operator console."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, render_template, request
from flask_babel import format_datetime

from kringwerk.accounts.models import Role
from kringwerk.accounts.permissions import require_member, require_operator
from kringwerk.audit import services
from kringwerk.audit.forms import AuditFilterForm, PlatformAuditFilterForm
from kringwerk.audit.labels import action_label, detail_items, known_actions
from kringwerk.tenancy.context import unscoped
from kringwerk.web.pagination import Page, paginate, requested_page
from kringwerk.web.templating import datetime_pattern

bp = Blueprint("audit", __name__)


@bp.app_template_filter("datetime_in")
def datetime_in(value, timezone_name: str | None, fmt: str = "medium") -> str:
    """Like ``|datetime``, but in the given time zone: the operator's log mixes
    tenants, and each entry is shown in the time of the tenant it happened in."""
    if not value:
        return ""
    try:
        zone = ZoneInfo(timezone_name) if timezone_name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return format_datetime(value.astimezone(zone), datetime_pattern(fmt), rebase=False)


def _filters(form) -> dict[str, str]:
    """The non-empty filters, to carry over to the pagination links."""
    return {name: field.data.strip() for name, field in form._fields.items() if (field.data or "").strip()}


def _render(form, page: Page, *, platform: bool, endpoint: str, status: int):
    return (
        render_template(
            "audit/log.html",
            form=form,
            page=page,
            platform=platform,
            endpoint=endpoint,
            filters=_filters(form) if status == 200 else {},
            action_label=action_label,
            detail_items=detail_items,
            known_actions=known_actions(),
        ),
        status,
    )


def _empty_page() -> Page:
    return Page(items=[], number=1, per_page=1, total=0)


@bp.get("/<tenant>/admin/audit/")
@require_member(Role.ADMIN)
def tenant_log():
    form = AuditFilterForm(request.args)
    if not form.validate():
        return _render(form, _empty_page(), platform=False, endpoint="audit.tenant_log", status=400)
    statement = services.tenant_log(action=form.action.data, actor=form.actor.data)
    page = paginate(statement, requested_page())
    return _render(form, page, platform=False, endpoint="audit.tenant_log", status=200)


@bp.get("/operator/audit/")
@require_operator
def platform_log():
    form = PlatformAuditFilterForm(request.args)
    if not form.validate():
        return _render(form, _empty_page(), platform=True, endpoint="audit.platform_log", status=400)
    statement = services.platform_log(tenant=form.tenant.data, action=form.action.data, actor=form.actor.data)
    with unscoped("operator audit log: entries of every tenant"):
        page = paginate(statement, requested_page(), scalars=False)
    return _render(form, page, platform=True, endpoint="audit.platform_log", status=200)
