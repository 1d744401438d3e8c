"""Pages of the networks package, on one blueprint: the chair invitation (network
board), the chair's personal link, and an association's directory sharing. Letters
are in ``letter_views``, the overview and combined directory in ``overview_views``."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user

from kringwerk.accounts.forms import AcceptInvitationForm
from kringwerk.accounts.models import Role
from kringwerk.accounts.permissions import require_member
from kringwerk.accounts.ratelimit import limit_invitations
from kringwerk.extensions import db
from kringwerk.jobs import unsent_jobs
from kringwerk.networks import invitations as rules
from kringwerk.networks import overview
from kringwerk.networks.forms import ChairInviteForm, NewAssociationForm, SharingForm
from kringwerk.networks.models import NetworkInvitation
from kringwerk.tenancy.models import Tenant, TenantKind
from kringwerk.tenancy.routing import current_tenant
from kringwerk.tenants.affiliations import MEMBER_KINDS
from kringwerk.web.safety import int_arg

bp = Blueprint("networks", __name__, url_prefix="/<tenant>")


def actor():
    return current_user._get_current_object()


def network() -> Tenant:
    tenant = current_tenant()
    if tenant.kind != TenantKind.REGION:
        abort(404)
    return tenant


def member_tenant() -> Tenant:
    tenant = current_tenant()
    if tenant.kind not in MEMBER_KINDS:
        abort(404)
    return tenant


def field_error(form, error, default: str) -> None:
    target = form._fields.get(error.field or "") or form._fields[default]
    target.errors = [*target.errors, str(error.message)]


def flash_mail_outcome(invitation: NetworkInvitation, sent: str) -> None:
    """After the commit: say what happened to the mail, never "sent" when it was not."""
    db.session.refresh(invitation)
    state = rules.mail_state(invitation)
    if unsent_jobs() or state == "failed":
        flash(
            _(
                "The invitation is saved, but the e-mail to %(email)s could not be sent. "
                "Send it again from the list of member associations.",
                email=invitation.chair_email,
            ),
            "error",
        )
    elif state == "sent":
        flash(sent, "success")
    else:
        flash(
            _(
                "The invitation is saved; the e-mail to %(email)s is being sent.",
                email=invitation.chair_email,
            ),
            "success",
        )


# --- the network board invites a chair ---------------------------------------------------------


@bp.route("/admin/affiliations/chair", methods=["GET", "POST"])
@require_member(Role.ADMIN)
def invite_existing():
    region = network()
    member_id = int_arg("member")
    member = db.session.get(Tenant, member_id) if member_id else None
    if member is None or member.kind not in MEMBER_KINDS or member.id == region.id:
        flash(_("Choose an association or municipality from the list."), "info")
        return redirect(url_for("tenants.invite"))
    form = ChairInviteForm()
    if request.method == "POST":
        limit_invitations()
    if request.method == "GET" and member.contact_email:
        form.chair_name.data = form.chair_name.data or member.contact_name
        form.chair_email.data = form.chair_email.data or member.contact_email
    if form.validate_on_submit():
        try:
            invitation = rules.invite_existing(
                region,
                member,
                chair_name=form.chair_name.data,
                chair_email=form.chair_email.data,
                note=form.note.data,
                actor=actor(),
            )
        except rules.InvitationError as error:
            db.session.rollback()
            field_error(form, error, "chair_email")
        else:
            db.session.commit()
            flash_mail_outcome(
                invitation,
                _(
                    "%(name)s is invited; the invitation was sent to %(email)s.",
                    name=member.name,
                    email=invitation.chair_email,
                ),
            )
            return redirect(url_for("tenants.affiliations"))
    status = 422 if form.errors else 200
    return render_template("networks/invite_existing.html", form=form, member=member), status


@bp.route("/admin/affiliations/new", methods=["GET", "POST"])
@require_member(Role.ADMIN)
def invite_new():
    region = network()
    form = NewAssociationForm()
    if request.method == "POST":
        limit_invitations()
    if form.validate_on_submit():
        try:
            invitation = rules.invite_new(
                region,
                name=form.name.data,
                slug=form.slug.data,
                municipality=form.municipality.data,
                chair_name=form.chair_name.data,
                chair_email=form.chair_email.data,
                actor=actor(),
            )
        except rules.InvitationError as error:
            db.session.rollback()
            field_error(form, error, "name")
        else:
            db.session.commit()
            flash_mail_outcome(
                invitation,
                _(
                    "%(name)s is created and invited; the invitation was sent to %(email)s.",
                    name=form.name.data.strip(),
                    email=invitation.chair_email,
                ),
            )
            return redirect(url_for("tenants.affiliations"))
    status = 422 if form.errors else 200
    return render_template("networks/invite_new.html", form=form), status


@bp.post("/admin/affiliations/invitations/<int:network_invitation_id>/resend")
@require_member(Role.ADMIN)
def resend_invitation(network_invitation_id: int):
    region = network()
    invitation = db.session.get(NetworkInvitation, network_invitation_id) or abort(404)
    limit_invitations()
    try:
        rules.resend(region, invitation, actor=actor())
    except rules.InvitationError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("tenants.affiliations")), 303
    db.session.commit()
    flash_mail_outcome(
        invitation, _("The invitation was sent to %(email)s again.", email=invitation.chair_email)
    )
    return redirect(url_for("tenants.affiliations"))


# --- the chair's personal link -----------------------------------------------------------------


@bp.route("/join/<token>", methods=["GET", "POST"])
def chair_link(token: str):
    region = network()
    invitation = rules.resolve_link(token)
    if invitation is None:
        return render_template("networks/link_invalid.html"), 404
    member = invitation.affiliation.member
    user = current_user._get_current_object() if current_user.is_authenticated else None
    state = rules.link_state(invitation, user)
    form = AcceptInvitationForm() if state == "register" else None
    status = 200
    if request.method == "POST":
        if state not in ("join", "register"):
            status = 409
        elif state == "join" or form.validate_on_submit():
            try:
                if state == "join":
                    chair, member = rules.accept(region, invitation, token, user=user)
                else:
                    chair, member = rules.accept(
                        region,
                        invitation,
                        token,
                        name=form.name.data,
                        password=form.password.data or None,
                        locale=str(get_locale() or "nl"),
                    )
            except rules.InvitationError as error:
                db.session.rollback()
                if form is not None and error.field in form._fields:
                    field_error(form, error, "name")
                else:
                    flash(str(error.message), "error")
                    status = 409
            else:
                login_user(chair)
                db.session.commit()
                flash(
                    _(
                        "Welcome, %(name)s. Read the letter of intent of %(network)s and sign it for %(member)s.",
                        name=chair.name,
                        network=region.name,
                        member=member.name,
                    ),
                    "success",
                )
                return redirect(
                    url_for(
                        "networks.member_letters",
                        tenant=member.slug,
                        affiliation_id=invitation.affiliation_id,
                    )
                )
        if form is not None and form.errors:
            status = 422
    return render_template(
        "networks/chair_link.html", invitation=invitation, member=member, state=state, form=form, token=token
    ), status


# --- an association decides whether its directory is shared -----------------------------------


@bp.route("/admin/networks/sharing", methods=["GET", "POST"])
@require_member(Role.ADMIN)
def sharing():
    tenant = member_tenant()
    form = SharingForm()
    if request.method == "GET":
        form.shared.data = overview.is_shared(tenant)
    if form.validate_on_submit():
        changed = overview.set_sharing(tenant, bool(form.shared.data), actor=actor())
        db.session.commit()
        if not changed:
            flash(_("Nothing was changed."), "info")
        elif form.shared.data:
            flash(_("Your member directory is now shared with your regional networks."), "success")
        else:
            flash(_("Your member directory is no longer shared."), "success")
        return redirect(url_for("networks.sharing"))
    return render_template("networks/sharing.html", form=form), 422 if form.errors else 200
