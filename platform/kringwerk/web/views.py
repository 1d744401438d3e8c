"""Pages of the web shell: the platform landing page, the tenant home
(for members: what waits for them, recent activity and the module cards; the
network home for people of its member associations; a public page for everyone
else), the admin home, the tenant's stylesheet, the language switch and the
health check."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import text

from kringwerk.accounts.permissions import MANAGERS, current_membership, is_operator, require_member
from kringwerk.extensions import db
from kringwerk.pluginhost import collect, hooks
from kringwerk.tenancy.routing import current_tenant
from kringwerk.tenants.network import active_members, network_access
from kringwerk.web.admin import visible_sections
from kringwerk.web.home import home_html
from kringwerk.web.i18n import remember_language
from kringwerk.web.navigation import build_public_links
from kringwerk.web.safety import safe_next_url
from kringwerk.web.theme import tenant_css

bp = Blueprint("web", __name__)


@bp.get("/")
def landing():
    tenants = []
    if current_user.is_authenticated:
        from kringwerk.accounts.people import tenants_of

        tenants = tenants_of(current_user)
    return render_template("web/landing.html", tenants=tenants)


@bp.get("/<tenant>/")
def tenant_home():
    tenant = current_tenant()
    if current_user.is_authenticated and (current_membership() is not None or is_operator()):
        # The gate above runs on every request; the content is kept (web/home.py).
        return render_template(
            "web/dashboard.html", home=home_html(tenant, current_user._get_current_object())
        )
    access = network_access(current_user, tenant)  # None for visitors and non-networks
    if access is not None:
        return _network_home(tenant, access)
    return render_template("web/tenant_public.html", tenant=tenant, public_links=build_public_links(tenant))


def _network_home(tenant, access):
    """The network as people of its member associations see it: what it opens to them."""
    cards = collect(hooks(tenant).network_cards(tenant=tenant, user=current_user))
    cards.sort(key=lambda card: card.order)
    return render_template(
        "web/network_home.html", tenant=tenant, access=access, cards=cards, members=active_members(tenant)
    )


@bp.get("/<tenant>/admin/")
@require_member(*MANAGERS)
def admin_home():
    tenant = current_tenant()
    return render_template("web/admin_home.html", tenant=tenant, sections=visible_sections(tenant))


@bp.get("/<tenant>/theme.css")
def tenant_stylesheet():
    """The tenant's colours as CSS variables: a stylesheet, because the CSP forbids inline styles."""
    response = Response(tenant_css(current_tenant().brand_colour), mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.post("/language")
def switch_language():
    """The language switch in the header: a plain form, so it works without JavaScript."""
    if remember_language(request.form.get("language", ""), current_user._get_current_object()):
        db.session.commit()
    return redirect(safe_next_url(request.form.get("next"), fallback=url_for("web.landing")))


@bp.get("/healthz")
def healthz():
    checks = {"database": _check_database(), "redis": _check_redis()}
    healthy = checks["database"] == "ok" and checks["redis"] in ("ok", "not configured")
    response = jsonify(status="ok" if healthy else "error", **checks)
    response.headers["Cache-Control"] = "no-store"
    return response, (200 if healthy else 503)


def _check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as error:  # noqa: BLE001 - reported, not raised
        current_app.logger.warning("health check: database unavailable: %s", error)
        return "error"
    finally:
        db.session.rollback()


def _check_redis() -> str:
    if not current_app.config["REDIS_URL"]:
        return "not configured"
    from kringwerk.jobs.queue import redis_connection

    connection = redis_connection()
    try:
        connection.ping()
        return "ok"
    except Exception as error:  # noqa: BLE001 - reported, not raised
        current_app.logger.warning("health check: redis unavailable: %s", error)
        return "error"
    finally:
        connection.close()
