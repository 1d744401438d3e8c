"""Sign-in pages. Global, not under a tenant: one account serves every tenant."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from kringwerk.accounts import services
from kringwerk.accounts.forms import LoginForm
from kringwerk.extensions import db
from kringwerk.web.safety import safe_next_url

bp = Blueprint("accounts", __name__, url_prefix="/account")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            db.session.commit()
            return redirect(safe_next_url(form.next.data, fallback=url_for("web.landing")))
        form.password.errors.append(_("This e-mail address and password do not match."))
    status = 422 if form.errors else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("web.landing"))


@bp.get("/")
@login_required
def overview():
    return render_template("accounts/overview.html", tenants=services.tenants_of(current_user))
