"""Account pages under /account/ (global, not under a tenant: one account
serves every tenant): sign-in by password or magic link, sign-out, password
reset, the account page, and accepting an invitation. The people admin of a
tenant is in ``admin``; both register on the ``accounts`` blueprint."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from kringwerk.accounts import invitations, people, services, signin
from kringwerk.accounts.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    EmailForm,
    LoginForm,
    NewPasswordForm,
    ProfileForm,
)
from kringwerk.accounts.models import TokenPurpose
from kringwerk.accounts.ratelimit import limiter
from kringwerk.accounts.services import AccountError, TokenError
from kringwerk.extensions import db
from kringwerk.jobs import queue_reachable, unsent_jobs
from kringwerk.tenancy import tenant_scope
from kringwerk.tenancy.models import Tenant
from kringwerk.web.safety import safe_next_url
from kringwerk.web.suspension import refuse_if_suspended

bp = Blueprint("accounts", __name__)


def _landing() -> str:
    # Operators belong to no organisation: their place is the console, not "not a member yet".
    if current_user.is_authenticated and current_user.is_operator:
        return url_for("operator.home")
    return url_for("web.landing")


def _rate_limited(template: str, **context):
    """The form page again, saying why nothing happened (429)."""
    retry_after = limiter().window
    context.setdefault("minutes", max(1, retry_after // 60))
    return render_template(template, limited=True, **context), 429, {"Retry-After": str(retry_after)}


def _mail_unavailable(template: str, **context):
    """The form page again, saying the mail could not be sent now (503). Asked before
    and after the commit, so it reads the same for every address, known or not."""
    flash(_("We could not send the e-mail right now. Please try again in a few minutes."), "error")
    return render_template(template, **context), 503, {"Retry-After": "300"}


def _form_status(form) -> int:
    return 422 if form.errors else 200


def _add_error(form, error: AccountError, default_field: str) -> None:
    field = getattr(form, error.field or default_field, None) or getattr(form, default_field)
    field.errors = [*field.errors, str(error.message)]


def _current_user_object():
    return current_user._get_current_object()


# --- password sign-in and sign-out ---------------------------------------------------------


@bp.route("/account/login", methods=["GET", "POST"])
def login():
    next_url = request.values.get("next", "")
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(safe_next_url(next_url, fallback=_landing()))
    form = LoginForm(next=next_url)
    if form.validate_on_submit():
        ip, email = request.remote_addr, form.email.data
        # Only failures count, but once the limit is reached even the right password waits.
        if limiter().exceeded("login", ip=ip, email=email):
            return _rate_limited("accounts/login.html", form=form)
        user = services.authenticate(email, form.password.data)
        if user is not None:
            login_user(user)
            db.session.commit()
            return redirect(safe_next_url(form.next.data, fallback=_landing()))
        limiter().hit("login", ip=ip, email=email)
        # One message for an unknown address, a wrong password, an account without
        # a password or a disabled account: the page must not tell them apart.
        form.password.errors = [_("This e-mail address and password do not match.")]
    return render_template("accounts/login.html", form=form), _form_status(form)


@bp.post("/account/logout")
def logout():
    if current_user.is_authenticated:
        services.sign_out(_current_user_object())
        logout_user()
        db.session.commit()
        flash(_("You are signed out."), "info")
    return redirect(safe_next_url(request.form.get("next"), fallback=_landing()))


# --- magic links ----------------------------------------------------------------------------


@bp.route("/account/magic", methods=["GET", "POST"])
def magic_link_request():
    form = EmailForm()
    if form.validate_on_submit():
        if limiter().hit("magic_link", ip=request.remote_addr, email=form.email.data):
            return _rate_limited("accounts/magic_request.html", form=form)
        if not queue_reachable():
            return _mail_unavailable("accounts/magic_request.html", form=form)
        signin.request_magic_link(form.email.data)
        db.session.commit()
        if unsent_jobs():
            return _mail_unavailable("accounts/magic_request.html", form=form)
        # The same answer whether or not the address has an account.
        return render_template("accounts/link_sent.html", email=form.email.data, kind="magic_link")
    return render_template("accounts/magic_request.html", form=form), _form_status(form)


@bp.route("/account/magic/<token>", methods=["GET", "POST"])
def magic_link(token: str):
    # Mail scanners and link previews fetch the links in a message with GET. If GET
    # used the token, they would spend it before the person clicks, so GET only shows
    # a button and the POST behind it signs in (and uses the token up).
    try:
        if request.method == "POST":
            user = signin.sign_in_with_magic_link(token)
        else:
            signin.check_auth_token(token, TokenPurpose.MAGIC_LINK)
    except TokenError as error:
        db.session.rollback()
        return render_template("accounts/link_invalid.html", error=error, kind="magic_link"), error.status
    if request.method == "GET":
        return render_template("accounts/magic_confirm.html", token=token)
    login_user(user)
    db.session.commit()
    flash(_("Welcome, %(name)s. You are signed in.", name=user.name), "success")
    return redirect(_landing())


# --- password reset -------------------------------------------------------------------------


@bp.route("/account/reset", methods=["GET", "POST"])
def reset_request():
    form = EmailForm()
    if form.validate_on_submit():
        if limiter().hit("password_reset", ip=request.remote_addr, email=form.email.data):
            return _rate_limited("accounts/reset_request.html", form=form)
        if not queue_reachable():
            return _mail_unavailable("accounts/reset_request.html", form=form)
        signin.request_password_reset(form.email.data)
        db.session.commit()
        if unsent_jobs():
            return _mail_unavailable("accounts/reset_request.html", form=form)
        return render_template("accounts/link_sent.html", email=form.email.data, kind="password_reset")
    return render_template("accounts/reset_request.html", form=form), _form_status(form)


@bp.route("/account/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    # As with magic links, GET never uses the token: only the form's POST does.
    try:
        signin.check_auth_token(token, TokenPurpose.PASSWORD_RESET)
    except TokenError as error:
        return render_template("accounts/link_invalid.html", error=error, kind="password_reset"), error.status
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = signin.reset_password(token, form.password.data)
        except TokenError as error:
            db.session.rollback()
            return (
                render_template("accounts/link_invalid.html", error=error, kind="password_reset"),
                error.status,
            )
        except AccountError as error:
            db.session.rollback()
            _add_error(form, error, "password")
        else:
            login_user(user)
            db.session.commit()
            flash(_("Your new password is set and you are signed in."), "success")
            return redirect(_landing())
    return render_template("accounts/reset_password.html", form=form, token=token), _form_status(form)


# --- the account page -----------------------------------------------------------------------


def _render_overview(profile_form=None, password_form=None, status: int = 200):
    user = _current_user_object()
    if profile_form is None:
        profile_form = ProfileForm(
            formdata=None,
            data={"name": user.name, "preferred_locale": user.preferred_locale or str(get_locale() or "nl")},
        )
    if password_form is None:
        password_form = ChangePasswordForm(formdata=None)
    return (
        render_template(
            "accounts/overview.html",
            profile_form=profile_form,
            password_form=password_form,
            tenants=people.tenants_of(user),
        ),
        status,
    )


@bp.get("/account/")
@login_required
def overview():
    return _render_overview()


@bp.post("/account/profile")
@login_required
def update_profile():
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            services.update_profile(
                _current_user_object(), name=form.name.data, locale=form.preferred_locale.data
            )
        except AccountError as error:
            db.session.rollback()
            _add_error(form, error, "name")
        else:
            db.session.commit()
            flash(_("Your details have been saved."), "success")
            return redirect(url_for("accounts.overview"))
    return _render_overview(profile_form=form, status=422)


@bp.post("/account/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    user = _current_user_object()
    if form.validate_on_submit():
        try:
            services.change_password(user, form.current_password.data, form.password.data)
        except AccountError as error:
            db.session.rollback()
            _add_error(form, error, "password")
        else:
            # The session version changed: sign this session in again so only the others end.
            login_user(user)
            db.session.commit()
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("accounts.overview"))
    return _render_overview(password_form=form, status=422)


# --- accepting an invitation ----------------------------------------------------------------


def _invitation_state(invitation) -> tuple[str, object | None]:
    """What the visitor can do with this invitation, and the existing account if any."""
    existing = services.find_user(invitation.email)
    if existing is not None:
        if current_user.is_authenticated and current_user.id == existing.id:
            return "join", existing
        if current_user.is_authenticated:
            return "other_user", existing
        return "sign_in", existing
    if current_user.is_authenticated:
        return "other_user", None
    return "register", None


@bp.route("/account/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    try:
        invitation = invitations.find_invitation(token)
    except TokenError as error:
        return render_template("accounts/link_invalid.html", error=error, kind="invitation"), error.status
    tenant = db.session.get(Tenant, invitation.tenant_id)
    if request.method == "POST":
        refuse_if_suspended(tenant)  # joining is a change; the invitation keeps until reactivation
    # The link names its tenant only through the token; from here on the request
    # runs as that tenant, so the invitation can be re-read after a rollback.
    with tenant_scope(tenant):
        return _invitation_page(invitation, tenant, token)


def _invitation_page(invitation, tenant: Tenant, token: str):
    state, _existing = _invitation_state(invitation)
    form = AcceptInvitationForm() if state == "register" else None
    status = 200
    if request.method == "POST":
        if state not in ("join", "register"):
            status = 409
        elif state == "join" or form.validate_on_submit():
            try:
                if state == "join":
                    user, _membership = invitations.accept_invitation(invitation, user=_current_user_object())
                else:
                    user, _membership = invitations.accept_invitation(
                        invitation,
                        name=form.name.data,
                        password=form.password.data or None,
                        locale=str(get_locale() or "nl"),
                    )
            except TokenError as error:
                db.session.rollback()
                return (
                    render_template("accounts/link_invalid.html", error=error, kind="invitation"),
                    error.status,
                )
            except AccountError as error:
                db.session.rollback()
                if form is None:
                    flash(str(error.message), "error")
                    status = 409
                else:
                    _add_error(form, error, "name")
            else:
                login_user(user)
                db.session.commit()
                flash(_("Welcome to %(tenant)s.", tenant=tenant.name), "success")
                return redirect(url_for("web.tenant_home", tenant=tenant.slug))
        if form is not None and form.errors:
            status = 422
    return (
        render_template(
            "accounts/invitation.html",
            invitation=invitation,
            invited_tenant=tenant,
            state=state,
            form=form,
            token=token,
        ),
        status,
    )
