"""The operator console: the tenants of the platform with their usage at a
glance, creating one, each tenant's details with its usage and its plugins
switched on or off, suspending and reactivating a tenant, background work of
every tenant that failed or got stuck, and failed jobs with a retry button.

These pages run outside any tenant scope (there is no ``<tenant>`` in their
URLs); a tenant's own data is read inside ``tenant_scope(tenant)``.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from redis.exceptions import RedisError

from kringwerk.accounts.permissions import require_operator
from kringwerk.extensions import db
from kringwerk.jobs import failed as jobs_failed
from kringwerk.jobs.dispatch import JOB_ID_PART as JOB_ID
from kringwerk.operator import services
from kringwerk.operator.forms import NewTenantForm, ReactivateForm, SuspendForm, TenantFilterForm
from kringwerk.operator.suspension import SuspensionError, reactivate_tenant, suspend_tenant
from kringwerk.operator.usage import tenant_usage
from kringwerk.pluginhost.services import PluginError, disable_plugin, enable_plugin, open_work
from kringwerk.tenancy.models import Tenant
from kringwerk.tenants.services import TenantError, create_tenant
from kringwerk.web.htmx import is_htmx, render_block
from kringwerk.web.pagination import Page, paginate, requested_page

bp = Blueprint("operator", __name__, url_prefix="/operator")

DETAIL_TEMPLATE = "operator/tenant_detail.html"


@bp.get("/")
@require_operator
def home():
    """The tenant list with each tenant's usage, searchable by name or address and
    filtered by kind and status."""
    form = TenantFilterForm(request.args)
    if not form.validate():
        page = Page(items=[], number=1, per_page=1, total=0)
        return render_template("operator/home.html", form=form, page=page, usage=[], filters={}), 400
    filters = {name: value for name in ("q", "kind", "status") if (value := (form[name].data or "").strip())}
    statement = services.tenants(form.q.data, form.kind.data or None, form.status.data or None)
    page = paginate(statement, requested_page())
    return render_template(
        "operator/home.html", form=form, page=page, usage=tenant_usage(page.items), filters=filters
    )


@bp.get("/tasks")
@require_operator
def tasks():
    """Background tasks of every tenant that failed or got stuck (lost work shows here)."""
    return render_template("operator/tasks.html", page=services.troubled_tasks(requested_page()))


@bp.get("/jobs")
@require_operator
def failed_jobs():
    """Jobs RQ gave up on (every retry used, timed out, or abandoned by a dead worker),
    of every tenant, with their error and a retry button."""
    if current_app.config["JOBS_IN_PROCESS"]:
        return render_template("operator/jobs.html", page=None, in_process=True, unreachable=False)
    try:
        page = jobs_failed.failed_jobs(requested_page())
    except RedisError:
        return render_template("operator/jobs.html", page=None, in_process=False, unreachable=True), 503
    return render_template("operator/jobs.html", page=page, in_process=False, unreachable=False)


@bp.route("/jobs/<job_id>/retry", methods=["GET", "POST"])
@require_operator
def retry_job(job_id: str):
    """Confirm (GET) and queue again (POST) one failed job."""
    if current_app.config["JOBS_IN_PROCESS"] or not JOB_ID.match(job_id):
        abort(404)
    try:
        job = jobs_failed.get_failed_job(job_id)
        if request.method == "POST":
            jobs_failed.retry_failed_job(job_id, actor=current_user._get_current_object())
            flash(_("The job %(name)s is queued again.", name=job.name), "success")
            return redirect(url_for("operator.failed_jobs"))
    except jobs_failed.FailedJobError:
        db.session.rollback()
        flash(
            _("That job is no longer among the failed jobs: it was retried already, or expired."), "warning"
        )
        return redirect(url_for("operator.failed_jobs"))
    except RedisError:
        db.session.rollback()
        flash(_("The job queue cannot be reached right now. Please try again later."), "error")
        return redirect(url_for("operator.failed_jobs"))
    return render_template("operator/job_retry.html", job=job)


@bp.route("/tenants/new", methods=["GET", "POST"])
@require_operator
def new_tenant():
    form = NewTenantForm()
    if form.validate_on_submit():
        try:
            tenant = create_tenant(
                form.slug.data,
                form.name.data,
                form.kind.data,
                actor=current_user._get_current_object(),
                **form.attributes(),
            )
        except TenantError as error:
            db.session.rollback()
            target = form._fields.get(error.field) or form.slug
            target.errors = [*target.errors, str(error.message)]
        else:
            db.session.commit()
            flash(_("Tenant %(name)s is created.", name=tenant.name), "success")
            return redirect(url_for("operator.tenant_detail", tenant_id=tenant.id))
    status = 422 if form.errors else 200
    return render_template("operator/tenant_new.html", form=form), status


def _tenant(tenant_id: int) -> Tenant:
    return db.session.get(Tenant, tenant_id) or abort(404)


@bp.get("/tenants/<int:tenant_id>/")
@require_operator
def tenant_detail(tenant_id: int):
    return _detail_page(_tenant(tenant_id))


def _detail_page(
    tenant: Tenant,
    *,
    errors: dict[str, str] | None = None,
    confirmations: dict[str, list[str]] | None = None,
    status: int = 200,
):
    return (
        render_template(
            DETAIL_TEMPLATE,
            shown=tenant,
            usage=tenant_usage([tenant])[0],
            plugins=services.plugin_states(tenant),
            errors=errors or {},
            confirmations=confirmations or {},
        ),
        status,
    )


@bp.post("/tenants/<int:tenant_id>/plugins/<key>")
@require_operator
def toggle_plugin(tenant_id: int, key: str):
    """Switch one plugin on or off. The form says which (``enabled`` = 1 or 0),
    so a double submit does not flip it back. Without JavaScript the page is
    reloaded; with htmx only the toggle is swapped. Disabling a plugin with work
    under way (its ``open_work`` hook) first shows that work and asks to confirm."""
    tenant = _tenant(tenant_id)
    if services.plugin_state(tenant, key) is None:
        abort(404)
    wanted = request.form.get("enabled")
    error = None
    status = 200
    if wanted not in ("0", "1"):
        error, status = _("Choose whether to enable or disable the module."), 400
    elif wanted == "0" and request.form.get("confirmed") != "1" and (work := open_work(tenant, key)):
        # Work under way (open polls, say) stops with the module: ask first, change nothing.
        if is_htmx():
            item = services.plugin_state(tenant, key)
            return render_block(
                DETAIL_TEMPLATE, "plugin_toggle", shown=tenant, item=item, error=None, warnings=work
            )
        return _detail_page(tenant, confirmations={key: work})
    else:
        try:
            change = enable_plugin if wanted == "1" else disable_plugin
            change(tenant, key, actor=current_user._get_current_object())
        except PluginError as refused:
            db.session.rollback()
            error, status = str(refused), 422
        else:
            db.session.commit()
    state = services.plugin_state(tenant, key)
    if is_htmx():
        fragment = render_block(DETAIL_TEMPLATE, "plugin_toggle", shown=tenant, item=state, error=error)
        return fragment, status
    if error:
        return _detail_page(tenant, errors={key: error}, status=status)
    flash(
        (_("%(plugin)s is enabled.") if state.enabled else _("%(plugin)s is disabled."))
        % {"plugin": state.plugin.name},
        "success",
    )
    return redirect(url_for("operator.tenant_detail", tenant_id=tenant.id) + f"#plugin-{key}")


@bp.route("/tenants/<int:tenant_id>/suspend", methods=["GET", "POST"])
@require_operator
def suspend(tenant_id: int):
    """Ask for the reason and what suspending means (GET); suspend the tenant (POST)."""
    tenant = _tenant(tenant_id)
    if tenant.is_suspended:
        flash(_("%(name)s is already suspended.", name=tenant.name), "warning")
        return redirect(url_for("operator.tenant_detail", tenant_id=tenant.id))
    form = SuspendForm()
    if form.validate_on_submit():
        try:
            suspend_tenant(tenant, form.reason.data, actor=current_user._get_current_object())
        except SuspensionError as error:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(error.message)]
        else:
            db.session.commit()
            flash(_("%(name)s is suspended: it can be read but not changed.", name=tenant.name), "success")
            return redirect(url_for("operator.tenant_detail", tenant_id=tenant.id))
    status = 422 if form.errors else 200
    return render_template("operator/suspend.html", shown=tenant, form=form), status


@bp.route("/tenants/<int:tenant_id>/reactivate", methods=["GET", "POST"])
@require_operator
def reactivate(tenant_id: int):
    """Confirm (GET) and lift (POST) a tenant's suspension, with an optional note."""
    tenant = _tenant(tenant_id)
    if not tenant.is_suspended:
        flash(_("%(name)s is not suspended.", name=tenant.name), "warning")
        return redirect(url_for("operator.tenant_detail", tenant_id=tenant.id))
    form = ReactivateForm()
    if form.validate_on_submit():
        try:
            reactivate_tenant(tenant, actor=current_user._get_current_object(), note=form.note.data)
        except SuspensionError as error:
            db.session.rollback()
            form.note.errors = [*form.note.errors, str(error.message)]
        else:
            db.session.commit()
            flash(_("%(name)s is active again.", name=tenant.name), "success")
            return redirect(url_for("operator.tenant_detail", tenant_id=tenant.id))
    status = 422 if form.errors else 200
    return render_template("operator/reactivate.html", shown=tenant, form=form), status
