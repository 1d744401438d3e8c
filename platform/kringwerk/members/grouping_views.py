"""The pages of the groupings companies belong to: business parks, circles and
themes, on the members blueprint. Managers change parks and circles; only the
board changes themes."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.routing import BuildError

from kringwerk.accounts.models import Role
from kringwerk.accounts.permissions import MANAGERS, has_role, require_member
from kringwerk.extensions import db
from kringwerk.members import groupings, services
from kringwerk.members.forms import (
    CircleForm,
    ParkForm,
    ThemeForm,
)
from kringwerk.members.models import (
    BusinessPark,
    Circle,
    Company,
    Theme,
    company_circles,
    company_themes,
)
from kringwerk.members.views import bp, form_status, get_or_404, render_page, show_errors
from kringwerk.pluginhost import collect, hooks
from kringwerk.tenancy.routing import current_tenant
from kringwerk.web.htmx import wants_fragment
from kringwerk.web.pagination import paginate

# --- business parks and circles ----------------------------------------------------------------


@bp.get("/parks/")
@require_member(*MANAGERS)
def parks():
    statement = (
        select(BusinessPark, func.count(Company.id))
        .outerjoin(Company, Company.business_park_id == BusinessPark.id)
        .group_by(BusinessPark.id)
        .order_by(func.lower(BusinessPark.name), BusinessPark.id)
    )
    return render_template("members/parks.html", page=paginate(statement, scalars=False))


@bp.route("/parks/new", methods=["GET", "POST"])
@require_member(*MANAGERS)
def park_new():
    form = ParkForm()
    if form.validate_on_submit():
        try:
            park = groupings.create_park(form.values(), actor=current_user)
        except services.MembersError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Business park %(name)s has been added.", name=park.name), "success")
            return redirect(url_for("members.parks"))
    return render_template(
        "members/simple_form.html",
        form=form,
        title=_("New business park"),
        cancel=url_for("members.parks"),
    ), form_status(form)


@bp.route("/parks/<int:business_park_id>/edit", methods=["GET", "POST"])
@require_member(*MANAGERS)
def park_edit(business_park_id: int):
    park = get_or_404(BusinessPark, business_park_id)
    form = ParkForm(obj=park)
    if form.validate_on_submit():
        try:
            groupings.update_park(park, form.values(), actor=current_user)
        except services.MembersError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("The changes to %(name)s have been saved.", name=park.name), "success")
            return redirect(url_for("members.parks"))
    return render_template(
        "members/simple_form.html",
        form=form,
        title=_("Edit business park %(name)s", name=park.name),
        cancel=url_for("members.parks"),
    ), form_status(form)


@bp.route("/parks/<int:business_park_id>/delete", methods=["GET", "POST"])
@require_member(*MANAGERS)
def park_delete(business_park_id: int):
    park = get_or_404(BusinessPark, business_park_id)
    if request.method == "POST":
        name = park.name
        groupings.delete_park(park, actor=current_user)
        db.session.commit()
        flash(_("Business park %(name)s has been deleted.", name=name), "success")
        return redirect(url_for("members.parks"))
    count = groupings.companies_on_park(park)
    consequences = (
        [
            ngettext(
                "%(num)s company on this park stays, without a business park.",
                "%(num)s companies on this park stay, without a business park.",
                count,
            )
        ]
        if count
        else [_("No companies are on this park.")]
    )
    return render_template(
        "members/confirm_delete.html",
        title=_("Delete business park %(name)s?", name=park.name),
        consequences=consequences,
        action=url_for("members.park_delete", business_park_id=park.id),
        cancel=url_for("members.parks"),
        button=_("Delete business park"),
    )


@bp.get("/circles/")
@require_member(*MANAGERS)
def circles():
    statement = (
        select(Circle, func.count(company_circles.c.company_id))
        .outerjoin(
            company_circles,
            (company_circles.c.circle_id == Circle.id) & (company_circles.c.tenant_id == Circle.tenant_id),
        )
        .group_by(Circle.id)
        .order_by(func.lower(Circle.name), Circle.id)
    )
    return render_template("members/circles.html", page=paginate(statement, scalars=False))


@bp.route("/circles/new", methods=["GET", "POST"])
@require_member(*MANAGERS)
def circle_new():
    form = CircleForm()
    if form.validate_on_submit():
        try:
            circle = groupings.create_circle(form.values(), actor=current_user)
        except services.MembersError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Circle %(name)s has been added.", name=circle.name), "success")
            return redirect(url_for("members.circles"))
    return render_template(
        "members/simple_form.html",
        form=form,
        title=_("New circle"),
        cancel=url_for("members.circles"),
    ), form_status(form)


@bp.route("/circles/<int:circle_id>/edit", methods=["GET", "POST"])
@require_member(*MANAGERS)
def circle_edit(circle_id: int):
    circle = get_or_404(Circle, circle_id)
    form = CircleForm(obj=circle)
    if form.validate_on_submit():
        try:
            groupings.update_circle(circle, form.values(), actor=current_user)
        except services.MembersError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("The changes to %(name)s have been saved.", name=circle.name), "success")
            return redirect(url_for("members.circles"))
    return render_template(
        "members/simple_form.html",
        form=form,
        title=_("Edit circle %(name)s", name=circle.name),
        cancel=url_for("members.circles"),
    ), form_status(form)


@bp.route("/circles/<int:circle_id>/delete", methods=["GET", "POST"])
@require_member(*MANAGERS)
def circle_delete(circle_id: int):
    circle = get_or_404(Circle, circle_id)
    if request.method == "POST":
        name = circle.name
        groupings.delete_circle(circle, actor=current_user)
        db.session.commit()
        flash(_("Circle %(name)s has been deleted.", name=name), "success")
        return redirect(url_for("members.circles"))
    count = groupings.companies_in_circle(circle)
    consequences = (
        [
            ngettext(
                "%(num)s company leaves this circle; the company itself stays.",
                "%(num)s companies leave this circle; the companies themselves stay.",
                count,
            )
        ]
        if count
        else [_("No companies are in this circle.")]
    )
    return render_template(
        "members/confirm_delete.html",
        title=_("Delete circle %(name)s?", name=circle.name),
        consequences=consequences,
        action=url_for("members.circle_delete", circle_id=circle.id),
        cancel=url_for("members.circles"),
        button=_("Delete circle"),
    )


# --- themes -----------------------------------------------------------------------------------------


def _theme_rows(*, include_inactive: bool):
    """Themes in order with the number of companies interested in each (one query)."""
    statement = (
        select(Theme, func.count(company_themes.c.company_id))
        .outerjoin(
            company_themes,
            (company_themes.c.theme_id == Theme.id) & (company_themes.c.tenant_id == Theme.tenant_id),
        )
        .group_by(Theme.id)
        .order_by(Theme.position, Theme.id)
    )
    if not include_inactive:
        statement = statement.where(Theme.active)
    return db.session.execute(statement).all()


@bp.get("/themes/")
@require_member()
def themes():
    is_admin = has_role(Role.ADMIN)
    return render_page("members/themes.html", rows=_theme_rows(include_inactive=is_admin), is_admin=is_admin)


@bp.get("/themes/<int:theme_id>")
@require_member()
def theme(theme_id: int):
    theme = get_or_404(Theme, theme_id)
    tenant = current_tenant()
    statement = (
        select(Company)
        .join(Company.themes)
        .where(Theme.id == theme.id)
        .order_by(func.lower(Company.name), Company.id)
        .options(selectinload(Company.business_park))
    )
    activity = []
    for item in collect(hooks(tenant).theme_activity(tenant=tenant, theme=theme)):
        url = None
        if item.endpoint:
            try:
                url = url_for(item.endpoint, **item.values)
            except BuildError:
                url = None  # a plugin's broken link must not break the page
        activity.append((item, url))
    return render_template(
        "members/theme.html",
        theme=theme,
        page=paginate(statement),
        activity=activity,
        is_admin=has_role(Role.ADMIN),
    )


@bp.route("/themes/new", methods=["GET", "POST"])
@require_member(Role.ADMIN)
def theme_new():
    form = ThemeForm()
    if form.validate_on_submit():
        try:
            theme = groupings.create_theme(form.values(), actor=current_user)
        except services.MembersError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Theme %(name)s has been added.", name=theme.name), "success")
            return redirect(url_for("members.themes"))
    return render_template(
        "members/simple_form.html",
        form=form,
        title=_("New theme"),
        cancel=url_for("members.themes"),
    ), form_status(form)


@bp.route("/themes/<int:theme_id>/edit", methods=["GET", "POST"])
@require_member(Role.ADMIN)
def theme_edit(theme_id: int):
    theme = get_or_404(Theme, theme_id)
    form = ThemeForm(obj=theme)
    if form.validate_on_submit():
        try:
            groupings.update_theme(theme, form.values(), actor=current_user)
        except services.MembersError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("The changes to %(name)s have been saved.", name=theme.name), "success")
            return redirect(url_for("members.themes"))
    return render_template(
        "members/simple_form.html",
        form=form,
        title=_("Edit theme %(name)s", name=theme.name),
        hint=_("The key “%(key)s” stays the same: other modules refer to it.", key=theme.key),
        cancel=url_for("members.themes"),
    ), form_status(form)


def _after_theme_change():
    """htmx gets the refreshed list; a plain form post goes back to the list page."""
    if wants_fragment():
        return render_page("members/themes.html", rows=_theme_rows(include_inactive=True), is_admin=True)
    return redirect(url_for("members.themes"))


@bp.post("/themes/<int:theme_id>/deactivate")
@require_member(Role.ADMIN)
def theme_deactivate(theme_id: int):
    theme = get_or_404(Theme, theme_id)
    groupings.set_theme_active(theme, False, actor=current_user)
    db.session.commit()
    flash(
        _("Theme %(name)s is switched off. It is kept for what already refers to it.", name=theme.name),
        "success",
    )
    return _after_theme_change()


@bp.post("/themes/<int:theme_id>/reactivate")
@require_member(Role.ADMIN)
def theme_reactivate(theme_id: int):
    theme = get_or_404(Theme, theme_id)
    groupings.set_theme_active(theme, True, actor=current_user)
    db.session.commit()
    flash(_("Theme %(name)s is switched on again.", name=theme.name), "success")
    return _after_theme_change()


@bp.post("/themes/<int:theme_id>/move")
@require_member(Role.ADMIN)
def theme_move(theme_id: int):
    theme = get_or_404(Theme, theme_id)
    direction = request.form.get("direction", "")
    if direction not in ("up", "down"):
        abort(400)
    groupings.move_theme(theme, direction, actor=current_user)
    db.session.commit()
    return _after_theme_change()
