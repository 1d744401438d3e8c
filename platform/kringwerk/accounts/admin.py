"""The people admin of a tenant, for its board (Role.ADMIN) and operators:
memberships and their roles, invitations, and the AVG export and erasure of
a member's data. Routes live under /<tenant>/admin/people/ on the
``accounts`` blueprint."""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from kringwerk.accounts import invitations as invitation_rules
from kringwerk.accounts import people as people_rules
from kringwerk.accounts.forms import InviteForm, PeopleFilterForm, RoleForm
from kringwerk.accounts.models import Invitation, InvitationStatus, Membership, Role
from kringwerk.accounts.permissions import has_role, require_member
from kringwerk.accounts.ratelimit import limit_invitations
from kringwerk.accounts.services import AccountError
from kringwerk.accounts.views import bp
from kringwerk.billing.services import people_room
from kringwerk.extensions import db
from kringwerk.tenancy.routing import current_tenant
from kringwerk.web.htmx import is_htmx, render_block
from kringwerk.web.pagination import paginate
from kringwerk.web.safety import safe_next_url

PEOPLE = "accounts/people.html"
# Pending invitations shown above the people list; the rest are on their own page.
INVITATIONS_SHOWN = 5


def _actor():
    return current_user._get_current_object()


def _membership_or_404(membership_id: int) -> Membership:
    return db.session.get(Membership, membership_id) or abort(404)


def _invitation_or_404(invitation_id: int) -> Invitation:
    return db.session.get(Invitation, invitation_id) or abort(404)


def _role_form(membership: Membership, formdata=None) -> RoleForm:
    prefix = f"membership-{membership.id}"
    if formdata is not None and f"{prefix}-role" not in formdata:
        # A client posting a bare ``role`` (no per-row prefix) is understood too.
        prefix = ""
    return RoleForm(formdata=formdata, prefix=prefix, data={"role": membership.role.value})


def _back_to_people() -> str:
    return safe_next_url(request.values.get("next"), fallback=url_for("accounts.people"))


# --- the list ---------------------------------------------------------------------------------


def _render_people(role_forms: dict[int, RoleForm] | None = None, status: int = 200):
    filters = PeopleFilterForm(formdata=request.args)
    valid = filters.validate()
    search = filters.q.data if valid else None
    role = Role(filters.role.data) if valid and filters.role.data else None
    page = paginate(people_rules.people_query(search, role))
    forms = {m.id: _role_form(m) for m in page.items}
    forms.update(role_forms or {})
    invitations = db.session.scalars(invitation_rules.open_invitations_query().limit(INVITATIONS_SHOWN)).all()
    invitation_total = (
        db.session.scalar(
            select(func.count()).select_from(invitation_rules.open_invitations_query().subquery())
        )
        if len(invitations) == INVITATIONS_SHOWN
        else len(invitations)
    )
    args = {key: value for key, value in (("q", search), ("role", role and role.value)) if value}
    return (
        render_template(
            PEOPLE,
            page=page,
            filters=filters,
            filter_args=args,
            role_forms=forms,
            invitations=invitations,
            invitation_total=invitation_total,
            invitations_shown=INVITATIONS_SHOWN,
        ),
        status if valid else 422,
    )


@bp.get("/<tenant>/admin/people/")
@require_member(Role.ADMIN)
def people():
    return _render_people()


# --- roles -------------------------------------------------------------------------------------


@bp.post("/<tenant>/admin/people/<int:membership_id>/role")
@require_member(Role.ADMIN)
def change_role(membership_id: int):
    membership = _membership_or_404(membership_id)
    form = _role_form(membership, formdata=request.form)
    changed = False
    if form.validate_on_submit():
        try:
            people_rules.change_role(current_tenant(), membership, form.role.data, actor=_actor())
        except AccountError as error:
            db.session.rollback()
            form.role.errors = [*form.role.errors, str(error.message)]
        else:
            db.session.commit()
            changed = True
    status = 200 if changed else 422
    # Whoever demoted themselves can no longer manage people: send them home.
    lost_access = changed and not has_role(Role.ADMIN)
    if is_htmx():
        if lost_access:
            return "", 200, {"HX-Redirect": url_for("web.tenant_home")}
        if changed:
            form = _role_form(membership)
        return (
            render_block(
                PEOPLE, "person_row", person=membership, role_forms={membership.id: form}, saved=changed
            ),
            status,
        )
    if changed:
        flash(
            _(
                "%(name)s is now %(role)s.",
                name=membership.user.name,
                role=membership.role.label,
            ),
            "success",
        )
        return redirect(url_for("web.tenant_home") if lost_access else _back_to_people())
    return _render_people(role_forms={membership.id: form}, status=422)


# --- removal, export and erasure ----------------------------------------------------------------


@bp.route("/<tenant>/admin/people/<int:membership_id>/remove", methods=["GET", "POST"])
@require_member(Role.ADMIN)
def remove_membership(membership_id: int):
    membership = _membership_or_404(membership_id)
    user = membership.user
    blocked = people_rules.is_last_admin(membership)
    if request.method == "POST":
        try:
            people_rules.remove_membership(current_tenant(), membership, actor=_actor())
        except AccountError as error:
            db.session.rollback()
            return _confirm_page("remove", membership, user, error=error.message), 409
        db.session.commit()
        flash(_("%(name)s is no longer a member.", name=user.name), "success")
        if user.id == current_user.id:
            return redirect(url_for("web.landing"))
        return redirect(url_for("accounts.people"))
    return _confirm_page("remove", membership, user, blocked=blocked)


@bp.route("/<tenant>/admin/people/<int:membership_id>/erase", methods=["GET", "POST"])
@require_member(Role.ADMIN)
def erase_member(membership_id: int):
    membership = _membership_or_404(membership_id)
    user = membership.user
    blocked = people_rules.is_last_admin(membership)
    if request.method == "POST":
        try:
            people_rules.erase_member(current_tenant(), membership, actor=_actor())
        except AccountError as error:
            db.session.rollback()
            return _confirm_page("erase", membership, user, error=error.message), 409
        db.session.commit()
        flash(
            _("The personal data of %(name)s in this organisation has been erased.", name=user.name),
            "success",
        )
        if user.id == current_user.id:
            return redirect(url_for("web.landing"))
        return redirect(url_for("accounts.people"))
    return _confirm_page("erase", membership, user, blocked=blocked)


def _confirm_page(action: str, membership, user, *, blocked: bool = False, error=None):
    if blocked and error is None:
        error = _(
            "%(name)s is the last board member and cannot be removed. Make someone else a board member first.",
            name=user.name,
        )
    return render_template(
        "accounts/confirm_member.html", action=action, person=membership, user=user, error=error
    )


# A POST: the export records who took the data (a GET never changes anything).
@bp.post("/<tenant>/admin/people/<int:membership_id>/export")
@require_member(Role.ADMIN)
def export_member(membership_id: int):
    membership = _membership_or_404(membership_id)
    tenant = current_tenant()
    data = people_rules.export_member(tenant, membership, actor=_actor())
    db.session.commit()
    filename = f"kringwerk-{tenant.slug}-member-{data['user']['id']}.json"
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            # Personal data: no copies in shared caches or the browser's history.
            "Cache-Control": "no-store",
        },
    )


# --- invitations -------------------------------------------------------------------------------


@bp.route("/<tenant>/admin/people/invite", methods=["GET", "POST"])
@require_member(Role.ADMIN)
def invite():
    form = InviteForm()
    if request.method == "POST":
        limit_invitations()
    if form.validate_on_submit():
        try:
            invitation, mailed = invitation_rules.invite(
                current_tenant(), form.email.data, form.role.data, actor=_actor()
            )
        except AccountError as error:
            db.session.rollback()
            field = getattr(form, error.field or "email")
            field.errors = [*field.errors, str(error.message)]
        else:
            db.session.commit()
            if mailed:
                flash(_("An invitation has been sent to %(email)s.", email=invitation.email), "success")
            else:
                flash(
                    _(
                        "The invitation for %(email)s was saved, but the e-mail could not be sent. "
                        "Try sending it again later.",
                        email=invitation.email,
                    ),
                    "error",
                )
            return redirect(url_for("accounts.people"))
    status = 422 if form.errors else 200
    return render_template("accounts/invite.html", form=form, room=people_room(current_tenant())), status


@bp.get("/<tenant>/admin/people/invitations/")
@require_member(Role.ADMIN)
def invitations():
    page = paginate(invitation_rules.open_invitations_query())
    return render_template("accounts/invitations.html", page=page)


@bp.post("/<tenant>/admin/people/invitations/<int:invitation_id>/resend")
@require_member(Role.ADMIN)
def resend_invitation(invitation_id: int):
    invitation = _invitation_or_404(invitation_id)
    limit_invitations()
    try:
        mailed = invitation_rules.resend_invitation(current_tenant(), invitation, actor=_actor())
    except AccountError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return render_template("accounts/invitation_problem.html", invitation=invitation), 409
    db.session.commit()
    if mailed:
        flash(_("The invitation has been sent again to %(email)s.", email=invitation.email), "success")
    else:
        flash(
            _("The e-mail to %(email)s could not be sent. Try again later.", email=invitation.email), "error"
        )
    return redirect(_back_to_people())


@bp.route("/<tenant>/admin/people/invitations/<int:invitation_id>/revoke", methods=["GET", "POST"])
@require_member(Role.ADMIN)
def revoke_invitation(invitation_id: int):
    invitation = _invitation_or_404(invitation_id)
    if request.method == "POST":
        try:
            invitation_rules.revoke_invitation(current_tenant(), invitation, actor=_actor())
        except AccountError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return render_template("accounts/invitation_problem.html", invitation=invitation), 409
        db.session.commit()
        flash(_("The invitation for %(email)s has been withdrawn.", email=invitation.email), "success")
        return redirect(_back_to_people())
    usable = invitation.status in (InvitationStatus.PENDING, InvitationStatus.EXPIRED)
    return render_template("accounts/revoke_invitation.html", invitation=invitation, usable=usable)
