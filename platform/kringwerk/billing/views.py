"""Billing pages: the tenant's plan and subscription (``/<tenant>/admin/billing/``, admins),
Checkout and the customer portal (POSTs that redirect to Stripe), the operator's comp
(``/operator/tenants/<id>/billing``) and Stripe's webhook (``/stripe/webhook``).

The webhook checks the signature on the raw body, records the event once by id, queues the
job that applies it and answers at once; it carries no CSRF token (Stripe signs instead) and
is rate-limited per client address.
"""

from __future__ import annotations

import json
import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_currency, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from kringwerk.accounts.models import Role
from kringwerk.accounts.permissions import require_member, require_operator
from kringwerk.accounts.ratelimit import rate_limit
from kringwerk.billing import jobs, services
from kringwerk.billing.forms import CheckoutForm, CompForm
from kringwerk.billing.plans import PlanError, plans
from kringwerk.billing.stripe_client import StripeUnavailable, construct_event
from kringwerk.extensions import db
from kringwerk.jobs import enqueue
from kringwerk.pluginhost import gating
from kringwerk.pluginhost.registry import get_registry
from kringwerk.tenancy.models import Tenant
from kringwerk.tenancy.routing import current_tenant

log = logging.getLogger("kringwerk.billing")

bp = Blueprint("billing", __name__, url_prefix="/<tenant>/admin/billing")
operator_bp = Blueprint("billing_operator", __name__, url_prefix="/operator/tenants/<int:tenant_id>/billing")
webhook_bp = Blueprint("stripe_webhook", __name__)

# The labels live with the rules (the operator's console shows them too).
STATUS_LABELS = services.STATUS_LABELS
SOURCE_LABELS = services.SOURCE_LABELS
# Stripe sends a few events per tenant; 300 a minute per address leaves room for bursts.
WEBHOOK_LIMIT = (300, 60)


def _actor():
    return current_user._get_current_object()


def _locale() -> str:
    return str(get_locale() or "nl")


def _plugin_rows(tenant, current: services.Entitlement):
    """Each installed plugin: enabled, allowed by the plan, read-only, and the upgrade it needs."""
    enabled = gating.enabled_keys(tenant)
    catalogue = plans() if current.enabled else None
    rows = []
    for plugin in get_registry():
        allowed = current.allows(plugin.key)
        rows.append(
            {
                "plugin": plugin,
                "enabled": plugin.key in enabled,
                "allowed": allowed,
                "read_only": plugin.key in enabled and not allowed,
                "upgrade": None if allowed or catalogue is None else catalogue.cheapest_with(plugin.key),
            }
        )
    return rows


def _money(amount) -> str:
    return format_currency(amount, plans().currency.upper())


def _module_names(keys) -> list[str]:
    """Installed plugins by their names in the reader's language, sorted (keys are config)."""
    registry = get_registry()
    return sorted(str(registry.get(key).name) for key in keys if registry.get(key) is not None)


def _plugin_names(plan) -> list[str]:
    return _module_names(plan.plugins)


def _overview(form: CheckoutForm | None = None, *, error: str | None = None, status: int = 200):
    tenant = current_tenant()
    current = services.entitlement(tenant)
    return (
        render_template(
            "billing/overview.html",
            current=current,
            account=current.account,
            catalogue=plans() if current.enabled else None,
            plugins=_plugin_rows(tenant, current),
            form=(form or CheckoutForm(formdata=None)) if current.enabled else None,
            members=services.member_count(tenant),
            status_labels=STATUS_LABELS,
            source_labels=SOURCE_LABELS,
            returned=request.args.get("checkout") if request.method == "GET" else None,
            money=_money,
            plugin_names=_plugin_names,
            error=error,
        ),
        status,
    )


@bp.get("/")
@require_member(Role.ADMIN)
def overview():
    return _overview()


@bp.post("/checkout")
@require_member(Role.ADMIN)
def checkout():
    if not services.billing_enabled():
        abort(404)
    form = CheckoutForm()
    if not form.validate_on_submit():
        return _overview(form, status=422)
    tenant = current_tenant()
    try:
        url = services.start_checkout(
            tenant,
            form.plan.data,
            form.interval.data,
            actor=_actor(),
            success_url=url_for(".overview", checkout="done", _external=True),
            cancel_url=url_for(".overview", checkout="cancelled", _external=True),
            locale=_locale(),
        )
    except services.BillingError as refused:
        db.session.rollback()
        return _overview(form, error=str(refused), status=409)
    except StripeUnavailable:
        db.session.rollback()
        log.exception("checkout for tenant %s failed", tenant.id)
        return _overview(
            form, error=_("Stripe could not be reached; please try again in a moment."), status=503
        )
    db.session.commit()
    return redirect(url, code=303)


@bp.post("/portal")
@require_member(Role.ADMIN)
def portal():
    if not services.billing_enabled():
        abort(404)
    tenant = current_tenant()
    try:
        url = services.portal_url(tenant, return_url=url_for(".overview", _external=True), locale=_locale())
    except services.BillingError as refused:
        return _overview(error=str(refused), status=409)
    except StripeUnavailable:
        log.exception("portal for tenant %s failed", tenant.id)
        return _overview(error=_("Stripe could not be reached; please try again in a moment."), status=503)
    return redirect(url, code=303)


# --- the operator's comp ------------------------------------------------------------------


@operator_bp.route("", methods=["GET", "POST"])
@require_operator
def tenant_billing(tenant_id: int):
    tenant = db.session.get(Tenant, tenant_id) or abort(404)
    try:
        catalogue = plans()
    except PlanError as broken:
        return render_template("billing/operator.html", shown=tenant, broken=str(broken), form=None), 500
    account = services.account_of(tenant)
    form = CompForm(catalogue=catalogue)
    if request.method == "GET":
        form.plan.data = account.comped_plan if account else ""
        form.note.data = (account.comp_note if account else "") or ""
    elif form.validate_on_submit():
        try:
            services.comp_plan(
                tenant, form.plan.data or None, actor=_actor(), note=(form.note.data or "").strip()
            )
        except services.BillingError as refused:
            db.session.rollback()
            form.plan.errors = [*form.plan.errors, str(refused)]
        else:
            db.session.commit()
            flash(_("The plan of %(name)s is saved.", name=tenant.name), "success")
            return redirect(url_for(".tenant_billing", tenant_id=tenant.id))
    current = services.entitlement(tenant)
    return (
        render_template(
            "billing/operator.html",
            shown=tenant,
            form=form,
            current=current,
            account=current.account or account,
            status_labels=STATUS_LABELS,
            source_labels=SOURCE_LABELS,
            read_only=_module_names(services.read_only_plugins(tenant)),
            broken=None,
        ),
        422 if form.errors else 200,
    )


# --- Stripe's webhook -----------------------------------------------------------------------


@webhook_bp.post("/stripe/webhook")
def webhook():
    rate_limit("stripe.webhook", *WEBHOOK_LIMIT)
    if not services.billing_enabled():
        abort(404)
    import stripe  # here, not at the top: only this view and the Stripe calls need the SDK

    payload = request.get_data()
    try:
        construct_event(payload, request.headers.get("Stripe-Signature"))
        event = json.loads(payload)
    except (ValueError, stripe.SignatureVerificationError):
        abort(400)
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not event["id"]:
        abort(400)
    row = services.record_event(event)
    if row is not None:
        # A replay of an event already applied does nothing; one still unapplied is queued
        # again under the same job id (a job still waiting is not queued twice).
        enqueue(jobs.process_event, row.id, tenant=None, job_id=services.job_id_for(row.id))
    db.session.commit()
    return {"received": True}
