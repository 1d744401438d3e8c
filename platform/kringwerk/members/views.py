"""The member directory and the pages for companies, contact persons, business
parks, circles, themes and the CSV import and export.

Views stay thin: they read forms, call ``services``/``csv_io``, commit, and
render. Every member of the tenant may look; managers (board and park
management) change companies, parks and circles; only the board changes themes.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
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
from werkzeug.utils import secure_filename
from wtforms import SelectChoice

from kringwerk.accounts.models import Role
from kringwerk.accounts.permissions import MANAGERS, has_role, require_member
from kringwerk.extensions import db, utcnow
from kringwerk.members import csv_io, services
from kringwerk.members.forms import (
    CircleForm,
    CompanyForm,
    ContactForm,
    DirectoryFilterForm,
    ImportForm,
    ParkForm,
    ThemeForm,
    choices,
)
from kringwerk.members.models import (
    BusinessPark,
    Circle,
    Company,
    ContactPerson,
    Theme,
    company_circles,
    company_themes,
)
from kringwerk.pluginhost import collect, hooks
from kringwerk.tenancy.routing import current_tenant
from kringwerk.web.htmx import wants_fragment
from kringwerk.web.pagination import paginate

bp = Blueprint("members", __name__, url_prefix="/<tenant>/members")


# --- helpers ------------------------------------------------------------------------------


def render_page(template: str, status: int = 200, **context) -> Response:
    """Render ``template`` whole, or only its ``fragment`` block for htmx."""
    fragment = wants_fragment()
    response = Response(render_template(template, fragment=fragment, **context), status=status)
    # The same URL answers a page or a fragment; caches must keep them apart.
    response.vary.add("HX-Request")
    return response


def show_errors(form, error: services.MembersError) -> None:
    """Put a service's messages next to the form fields they concern."""
    for name, message in error.errors.items():
        if name is not None and name in form:
            form[name].errors = [*form[name].errors, message]
        else:
            flash(str(message), "error")


def form_status(form) -> int:
    return 422 if form.errors else 200


def get_or_404(model, object_id: int):
    # Tenant-scoped: another tenant's id finds nothing, so it answers 404 like a missing one.
    return db.session.get(model, object_id) or abort(404)


# --- the directory --------------------------------------------------------------------------


def directory_form() -> DirectoryFilterForm:
    form = DirectoryFilterForm(request.args)
    parks = db.session.scalars(select(BusinessPark).order_by(func.lower(BusinessPark.name))).all()
    circles = db.session.scalars(select(Circle).order_by(func.lower(Circle.name))).all()
    themes = services.ordered_themes(active_only=True)
    form.park.choices = [SelectChoice("", _("All business parks")), *choices(parks)]
    form.circle.choices = [SelectChoice("", _("All circles")), *choices(circles)]
    form.sector.choices = [
        SelectChoice("", _("All sectors")),
        *(SelectChoice(sector, sector) for sector in services.sectors()),
    ]
    form.theme.choices = [SelectChoice("", _("All themes")), *choices(themes)]
    form.validate()
    return form


@bp.get("/")
@require_member()
def directory():
    form = directory_form()
    filters = form.filters()
    page = paginate(services.directory_query(filters))
    return render_page(
        "members/directory.html",
        status=400 if form.errors else 200,
        form=form,
        filters=filters,
        page=page,
        arguments=form.arguments(),
        can_manage=has_role(*MANAGERS),
    )


@bp.get("/export.csv")
@require_member(*MANAGERS)
def export():
    form = directory_form()
    if form.errors:
        return directory()
    data = csv_io.export_companies(services.directory_query(form.filters()))
    tenant = current_tenant()
    # ASCII only: the header cannot carry what a translation might contain.
    filename = secure_filename(f"{_('members')}-{tenant.slug}-{utcnow():%Y-%m-%d}.csv") or "members.csv"
    return Response(
        data,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


# --- CSV import -------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@require_member(*MANAGERS)
def import_companies():
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        upload = form.file.data
        # Read one byte past the limit: enough to tell "too large" without reading it all.
        data = upload.stream.read(csv_io.MAX_BYTES + 1)
        try:
            result = csv_io.import_companies(data, actor=current_user, filename=upload.filename)
        except csv_io.ImportFileError as error:
            show_errors(form, error)
        else:
            if result.ok:
                db.session.commit()
                added = ngettext("%(num)s company added", "%(num)s companies added", result.created)
                updated = ngettext("%(num)s company updated", "%(num)s companies updated", result.updated)
                flash(_("Import done: %(added)s, %(updated)s.", added=added, updated=updated), "success")
                return redirect(url_for("members.directory"))
            db.session.rollback()
    status = 422 if form.errors or (result and not result.ok) else 200
    return render_template(
        "members/import.html",
        form=form,
        result=result,
        shown_errors=result.errors[:200] if result else [],
        columns=csv_io.COLUMNS,
        max_rows=csv_io.MAX_ROWS,
    ), status


@bp.get("/import/example.csv")
@require_member(*MANAGERS)
def import_example():
    return Response(
        csv_io.example_csv(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{secure_filename(_("example-members") + ".csv")}"'
        },
    )


# --- companies ----------------------------------------------------------------------------------


def _company_choices(form: CompanyForm) -> None:
    parks = db.session.scalars(select(BusinessPark).order_by(func.lower(BusinessPark.name))).all()
    circles = db.session.scalars(select(Circle).order_by(func.lower(Circle.name))).all()
    themes = services.ordered_themes(active_only=True)
    form.business_park_id.choices = [SelectChoice("", _("No business park")), *choices(parks)]
    form.circle_ids.choices = choices(circles)
    form.theme_ids.choices = choices(themes)


def _relations(form: CompanyForm) -> dict:
    """The chosen park, circles and themes, loaded in the tenant's scope."""
    park_id = form.business_park_id.data
    circle_ids = form.circle_ids.data or []
    theme_ids = form.theme_ids.data or []
    return {
        "business_park": db.session.get(BusinessPark, park_id) if park_id else None,
        "circles": db.session.scalars(select(Circle).where(Circle.id.in_(circle_ids))).all()
        if circle_ids
        else [],
        "themes": db.session.scalars(select(Theme).where(Theme.id.in_(theme_ids))).all() if theme_ids else [],
    }


@bp.route("/companies/new", methods=["GET", "POST"])
@require_member(*MANAGERS)
def company_new():
    form = CompanyForm()
    _company_choices(form)
    if form.validate_on_submit():
        try:
            company = services.create_company(form.company_values(), actor=current_user, **_relations(form))
        except services.MembersError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("%(name)s has been added.", name=company.name), "success")
            return redirect(url_for("members.company", company_id=company.id))
    return render_template("members/company_form.html", form=form, company=None), form_status(form)


@bp.get("/companies/<int:company_id>")
@require_member()
def company(company_id: int):
    company = db.session.scalar(
        select(Company)
        .where(Company.id == company_id)
        .options(
            selectinload(Company.business_park),
            selectinload(Company.circles),
            selectinload(Company.themes),
            selectinload(Company.contacts).selectinload(ContactPerson.user),
        )
    )
    if company is None:
        abort(404)
    return render_template("members/company.html", company=company, can_manage=has_role(*MANAGERS))


@bp.route("/companies/<int:company_id>/edit", methods=["GET", "POST"])
@require_member(*MANAGERS)
def company_edit(company_id: int):
    company = get_or_404(Company, company_id)
    form = CompanyForm(
        obj=company,
        circle_ids=[circle.id for circle in company.circles],
        theme_ids=[theme.id for theme in company.themes if theme.active],
    )
    _company_choices(form)
    if form.validate_on_submit():
        try:
            services.update_company(company, form.company_values(), actor=current_user, **_relations(form))
        except services.MembersError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("The changes to %(name)s have been saved.", name=company.name), "success")
            return redirect(url_for("members.company", company_id=company.id))
    return render_template("members/company_form.html", form=form, company=company), form_status(form)


@bp.route("/companies/<int:company_id>/delete", methods=["GET", "POST"])
@require_member(*MANAGERS)
def company_delete(company_id: int):
    company = get_or_404(Company, company_id)
    if request.method == "POST":
        name = company.name
        services.delete_company(company, actor=current_user)
        db.session.commit()
        flash(_("%(name)s has been deleted.", name=name), "success")
        return redirect(url_for("members.directory"))
    consequences = [_("Its details, circles and themes are removed.")]
    if company.contacts:
        consequences.append(
            ngettext(
                "Its contact person is deleted as well.",
                "Its %(num)s contact persons are deleted as well.",
                len(company.contacts),
            )
        )
    return render_template(
        "members/confirm_delete.html",
        title=_("Delete %(name)s?", name=company.name),
        consequences=consequences,
        action=url_for("members.company_delete", company_id=company.id),
        cancel=url_for("members.company", company_id=company.id),
        button=_("Delete company"),
    )


# --- contact persons --------------------------------------------------------------------------


@bp.route("/companies/<int:company_id>/contacts/new", methods=["GET", "POST"])
@require_member(*MANAGERS)
def contact_new(company_id: int):
    company = get_or_404(Company, company_id)
    form = ContactForm()
    if form.validate_on_submit():
        try:
            contact = services.add_contact(company, form.values(), actor=current_user)
        except services.MembersError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("%(name)s has been added as a contact person.", name=contact.name), "success")
            return redirect(url_for("members.company", company_id=company.id))
    return render_template(
        "members/contact_form.html", form=form, company=company, contact=None
    ), form_status(form)


@bp.route("/contacts/<int:contact_person_id>/edit", methods=["GET", "POST"])
@require_member(*MANAGERS)
def contact_edit(contact_person_id: int):
    contact = get_or_404(ContactPerson, contact_person_id)
    form = ContactForm(obj=contact)
    if form.validate_on_submit():
        try:
            services.update_contact(contact, form.values(), actor=current_user)
        except services.MembersError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("The changes to %(name)s have been saved.", name=contact.name), "success")
            return redirect(url_for("members.company", company_id=contact.company_id))
    return render_template(
        "members/contact_form.html", form=form, company=contact.company, contact=contact
    ), form_status(form)


@bp.route("/contacts/<int:contact_person_id>/delete", methods=["GET", "POST"])
@require_member(*MANAGERS)
def contact_delete(contact_person_id: int):
    contact = get_or_404(ContactPerson, contact_person_id)
    company_id = contact.company_id
    if request.method == "POST":
        name = contact.name
        services.delete_contact(contact, actor=current_user)
        db.session.commit()
        flash(_("%(name)s has been removed as a contact person.", name=name), "success")
        return redirect(url_for("members.company", company_id=company_id))
    consequences = [_("The company itself stays.")]
    if contact.user_id:
        consequences.append(_("Their user account and membership stay as they are."))
    return render_template(
        "members/confirm_delete.html",
        title=_(
            "Remove %(name)s as a contact person of %(company)s?",
            name=contact.name,
            company=contact.company.name,
        ),
        consequences=consequences,
        action=url_for("members.contact_delete", contact_person_id=contact.id),
        cancel=url_for("members.company", company_id=company_id),
        button=_("Remove contact person"),
    )


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
            park = services.create_park(form.values(), actor=current_user)
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
            services.update_park(park, form.values(), actor=current_user)
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
        services.delete_park(park, actor=current_user)
        db.session.commit()
        flash(_("Business park %(name)s has been deleted.", name=name), "success")
        return redirect(url_for("members.parks"))
    count = services.companies_on_park(park)
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
            circle = services.create_circle(form.values(), actor=current_user)
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
            services.update_circle(circle, form.values(), actor=current_user)
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
        services.delete_circle(circle, actor=current_user)
        db.session.commit()
        flash(_("Circle %(name)s has been deleted.", name=name), "success")
        return redirect(url_for("members.circles"))
    count = services.companies_in_circle(circle)
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
            theme = services.create_theme(form.values(), actor=current_user)
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
            services.update_theme(theme, form.values(), actor=current_user)
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
    services.set_theme_active(theme, False, actor=current_user)
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
    services.set_theme_active(theme, True, actor=current_user)
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
    services.move_theme(theme, direction, actor=current_user)
    db.session.commit()
    return _after_theme_change()
