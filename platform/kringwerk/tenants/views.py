"""Tenant administration pages: the tenant's logo, its
settings (contact details, language, time zone, branding), and its network
affiliations - seen from the regional network (``/admin/affiliations/``) and
from the member association or municipality (``/admin/networks/``)."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from kringwerk.accounts.models import Role
from kringwerk.accounts.permissions import require_member
from kringwerk.extensions import db
from kringwerk.tenancy.models import Affiliation, AffiliationStatus, Tenant, TenantKind
from kringwerk.tenancy.routing import current_tenant
from kringwerk.tenants import affiliations as rules
from kringwerk.tenants import services
from kringwerk.tenants.forms import AffiliationSearchForm, NoteForm, TenantSettingsForm
from kringwerk.web.pagination import paginate

bp = Blueprint("tenants", __name__, url_prefix="/<tenant>")


def _actor():
    return current_user._get_current_object()


@bp.get("/logo")
def logo():
    tenant = current_tenant()
    if not tenant.logo_filename:
        abort(404)
    folder = Path(current_app.config["UPLOAD_DIR"]) / "tenants" / str(tenant.id)
    return send_from_directory(folder, tenant.logo_filename, max_age=300)


# --- settings --------------------------------------------------------------------------------


@bp.route("/admin/settings/", methods=["GET", "POST"])
@require_member(Role.ADMIN)
def settings():
    tenant = current_tenant()
    form = TenantSettingsForm(obj=tenant)
    if form.validate_on_submit():
        try:
            changed = services.update_tenant(tenant, form.changes(), actor=_actor())
            upload = form.uploaded_logo()
            if upload is not None:
                services.set_logo(tenant, upload.stream, upload.filename, actor=_actor())
                changed.append("logo")
        except services.TenantError as error:
            db.session.rollback()
            target = form._fields.get(error.field) or form.name
            target.errors = [*target.errors, str(error.message)]
        else:
            db.session.commit()
            flash(_("The settings are saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("tenants.settings"))
    status = 422 if form.errors else 200
    return render_template(
        "tenants/settings.html", form=form, time_zones=sorted(services.time_zones())
    ), status


@bp.route("/admin/settings/logo/remove", methods=["GET", "POST"])
@require_member(Role.ADMIN)
def remove_logo():
    tenant = current_tenant()
    if not tenant.logo_filename:
        flash(_("There is no logo to remove."), "info")
        return redirect(url_for("tenants.settings"))
    if request.method == "POST":
        services.remove_logo(tenant, actor=_actor())
        db.session.commit()
        flash(_("The logo is removed."), "success")
        return redirect(url_for("tenants.settings"))
    return render_template(
        "tenants/confirm.html",
        title=_("Remove the logo?"),
        message=_("The logo disappears from the header of every page of %(name)s.", name=tenant.name),
        confirm_label=_("Remove logo"),
        cancel_url=url_for("tenants.settings"),
        show_logo=True,
    )


# --- affiliations: the network's side --------------------------------------------------------


def _network() -> Tenant:
    """The current tenant, which must be a regional network (others have no such page)."""
    tenant = current_tenant()
    if tenant.kind != TenantKind.REGION:
        abort(404)
    return tenant


def _own_affiliation(affiliation_id: int) -> Affiliation:
    # Scoped to the current tenant: a row of another network is simply not found.
    return db.session.get(Affiliation, affiliation_id) or abort(404)


def _affiliations_page(network: Tenant, *, error: str | None = None, status: int = 200):
    from kringwerk.networks.invitations import invitations_by_affiliation, mail_state

    page = paginate(rules.network_affiliations(network))
    return render_template(
        "tenants/affiliations.html",
        page=page,
        chair_invitations=invitations_by_affiliation(network),
        mail_state=mail_state,
        error=error,
        status_label=rules.status_label,
        Status=AffiliationStatus,
    ), status


@bp.get("/admin/affiliations/")
@require_member(Role.ADMIN)
def affiliations():
    return _affiliations_page(_network())


@bp.get("/admin/affiliations/invite")
@require_member(Role.ADMIN)
def invite():
    """Find an association or municipality to invite; each candidate leads to the invitation
    that asks for its chair (``networks.invite_existing``), so nobody is invited unnoticed."""
    network = _network()
    search = AffiliationSearchForm(request.args)
    query = (search.q.data or "").strip() if search.validate() else ""
    candidates = rules.invite_candidates(network, query) if query else []
    return (
        render_template(
            "tenants/affiliation_invite.html",
            search=search,
            query=query,
            candidates=candidates,
        ),
        400 if search.errors else 200,
    )


@bp.route("/admin/affiliations/<int:affiliation_id>/note", methods=["GET", "POST"])
@require_member(Role.ADMIN)
def affiliation_note(affiliation_id: int):
    network = _network()
    affiliation = _own_affiliation(affiliation_id)
    form = NoteForm(obj=affiliation)
    if form.validate_on_submit():
        try:
            rules.update_note(network, affiliation, form.note.data, actor=_actor())
        except rules.AffiliationError as refused:
            db.session.rollback()
            form.note.errors = [*form.note.errors, str(refused.message)]
        else:
            db.session.commit()
            flash(_("The note is saved."), "success")
            return redirect(url_for("tenants.affiliations"))
    status = 422 if form.errors else 200
    return render_template("tenants/affiliation_note.html", form=form, affiliation=affiliation), status


@bp.route("/admin/affiliations/<int:affiliation_id>/end", methods=["GET", "POST"])
@require_member(Role.ADMIN)
def end_affiliation(affiliation_id: int):
    network = _network()
    affiliation = _own_affiliation(affiliation_id)
    name = affiliation.member.name
    invited = affiliation.status == AffiliationStatus.INVITED
    if affiliation.status == AffiliationStatus.LEFT:
        message = _("The affiliation with %(name)s has already ended.", name=name)
        if request.method == "POST":
            return _affiliations_page(network, error=message, status=409)
        flash(message, "info")
        return redirect(url_for("tenants.affiliations"))
    if request.method == "POST":
        rules.end_affiliation(network, affiliation, actor=_actor())
        db.session.commit()
        flash(
            _("The invitation to %(name)s is withdrawn.", name=name)
            if invited
            else _("%(name)s is no longer a member of %(network)s.", name=name, network=network.name),
            "success",
        )
        return redirect(url_for("tenants.affiliations"))
    return render_template(
        "tenants/confirm.html",
        title=_("Withdraw the invitation?") if invited else _("End the affiliation?"),
        message=_(
            "%(name)s can no longer accept the invitation to %(network)s.", name=name, network=network.name
        )
        if invited
        else _(
            "%(name)s will no longer be a member of %(network)s from today. You can invite it again later.",
            name=name,
            network=network.name,
        ),
        confirm_label=_("Withdraw invitation") if invited else _("End affiliation"),
        cancel_url=url_for("tenants.affiliations"),
    )


# --- affiliations: the member's side ---------------------------------------------------------


def _member() -> Tenant:
    """The current tenant, which must be one that can join networks."""
    tenant = current_tenant()
    if tenant.kind not in rules.MEMBER_KINDS:
        abort(404)
    return tenant


def _member_affiliation(member: Tenant, affiliation_id: int) -> Affiliation:
    return rules.member_affiliation(member, affiliation_id) or abort(404)


def _joins_by_signing(member: Tenant, affiliation: Affiliation) -> bool:
    """A network with a letter of intent is joined by signing it, not by a button."""
    from kringwerk.networks.letters import network_letters

    return bool(network_letters(member, affiliation))


def _networks_page(member: Tenant, *, error: str | None = None, status: int = 200):
    rows = rules.member_affiliations(member)
    invitations = [a for a in rows if a.status == AffiliationStatus.INVITED]
    return render_template(
        "tenants/networks.html",
        invitations=invitations,
        signing_required={a.id for a in invitations if _joins_by_signing(member, a)},
        active=[a for a in rows if a.status == AffiliationStatus.ACTIVE],
        past=[a for a in rows if a.status == AffiliationStatus.LEFT],
        status_label=rules.status_label,
        error=error,
    ), status


def _not_open(expected: AffiliationStatus) -> str:
    if expected == AffiliationStatus.INVITED:
        return _("This invitation is no longer open.")
    return _("You are not a member of this network (any more).")


@bp.get("/admin/networks/")
@require_member(Role.ADMIN)
def networks():
    return _networks_page(_member())


@bp.post("/admin/networks/<int:affiliation_id>/accept")
@require_member(Role.ADMIN)
def accept_affiliation(affiliation_id: int):
    member = _member()
    affiliation = _member_affiliation(member, affiliation_id)
    if affiliation.status != AffiliationStatus.INVITED:
        return _networks_page(member, error=_not_open(AffiliationStatus.INVITED), status=409)
    if _joins_by_signing(member, affiliation):
        return _networks_page(
            member,
            error=_(
                "%(network)s is joined by signing its letter of intent.", network=affiliation.network.name
            ),
            status=409,
        )
    # The row belongs to the network: after the commit it can no longer be read in this scope.
    network_name = affiliation.network.name
    rules.accept(member, affiliation, actor=_actor())
    db.session.commit()
    flash(_("%(name)s is now a member of %(network)s.", name=member.name, network=network_name), "success")
    return redirect(url_for("tenants.networks"))


def _member_confirmation(affiliation_id: int, *, expected, action, done, title, message, label):
    """A member-side change with a confirmation page: GET asks, POST does it."""
    member = _member()
    affiliation = _member_affiliation(member, affiliation_id)
    network_name = affiliation.network.name
    if affiliation.status != expected:
        if request.method == "POST":
            return _networks_page(member, error=_not_open(expected), status=409)
        flash(_not_open(expected), "info")
        return redirect(url_for("tenants.networks"))
    if request.method == "POST":
        action(member, affiliation, actor=_actor())
        db.session.commit()
        flash(done % {"network": network_name}, "success")
        return redirect(url_for("tenants.networks"))
    return render_template(
        "tenants/confirm.html",
        title=title,
        message=message % {"network": network_name, "name": member.name},
        confirm_label=label,
        cancel_url=url_for("tenants.networks"),
    )


@bp.route("/admin/networks/<int:affiliation_id>/decline", methods=["GET", "POST"])
@require_member(Role.ADMIN)
def decline_affiliation(affiliation_id: int):
    return _member_confirmation(
        affiliation_id,
        expected=AffiliationStatus.INVITED,
        action=rules.decline,
        done=_("You declined the invitation of %(network)s."),
        title=_("Decline the invitation?"),
        message=_("%(name)s will not join %(network)s. The network can invite you again later."),
        label=_("Decline invitation"),
    )


@bp.route("/admin/networks/<int:affiliation_id>/leave", methods=["GET", "POST"])
@require_member(Role.ADMIN)
def leave_affiliation(affiliation_id: int):
    return _member_confirmation(
        affiliation_id,
        expected=AffiliationStatus.ACTIVE,
        action=rules.leave,
        done=_("You left %(network)s."),
        title=_("Leave the network?"),
        message=_("%(name)s will no longer be a member of %(network)s from today."),
        label=_("Leave network"),
    )
