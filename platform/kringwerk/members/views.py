"""The member directory and the pages for companies, contact persons, and the
CSV import and export; the members blueprint and its helpers (the pages of
business parks, circles and themes are in ``grouping_views``).

Views stay thin: they read forms, call ``services``/``csv_io``, commit, and
render. Every member of the tenant may look; managers (board and park
management) change companies, parks and circles; only the board changes themes.
"""

from __future__ import annotations

import json
from dataclasses import replace

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
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import MultiDict
from werkzeug.utils import secure_filename
from wtforms import SelectChoice

from kringwerk.accounts.models import Role
from kringwerk.accounts.permissions import MANAGERS, has_role, require_member
from kringwerk.extensions import db, utcnow
from kringwerk.members import csv_io, groupings, privacy, services
from kringwerk.members.directory import (
    FILTER_ARGUMENTS,
    DirectoryFilters,
    FilterChoices,
    directory_query,
    directory_rows_query,
    filter_choices,
    with_groupings,
)
from kringwerk.members.forms import (
    CompanyForm,
    ContactForm,
    DirectoryFilterForm,
    ImportForm,
    choices,
    pairs,
)
from kringwerk.members.models import (
    BusinessPark,
    Circle,
    Company,
    ContactPerson,
    Theme,
)
from kringwerk.tenancy.cache import remember
from kringwerk.tenancy.routing import current_tenant
from kringwerk.web.fragments import remembered_html
from kringwerk.web.htmx import render_block, wants_fragment
from kringwerk.web.pagination import paginate, requested_page

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


def filter_options() -> FilterChoices:
    """The tenant's filter choices, kept until the next write (per language: they name
    the themes in it)."""
    return remember(("members.directory.choices", str(get_locale())), filter_choices)


def directory_form(args=None) -> DirectoryFilterForm:
    """The filter form on ``args`` (the request's by default), validated."""
    form = DirectoryFilterForm(request.args if args is None else args)
    options = filter_options()
    form.park.choices = [SelectChoice("", _("All business parks")), *pairs(options.parks)]
    form.circle.choices = [SelectChoice("", _("All circles")), *pairs(options.circles)]
    form.sector.choices = [
        SelectChoice("", _("All sectors")),
        *(SelectChoice(sector, sector) for sector in options.sectors),
    ]
    form.theme.choices = [SelectChoice("", _("All themes")), *pairs(options.themes)]
    form.validate()
    return form


def _render_directory(
    form: DirectoryFilterForm, filters: DirectoryFilters, number: int, fragment: bool, can_manage: bool
) -> str:
    """The directory's content (or only its results, for htmx) on page ``number``."""
    # Only the columns the page shows; the total comes with the rows (web.pagination).
    page = paginate(directory_rows_query(filters), number, scalars=False)
    page = replace(page, items=with_groupings(page.items))
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "arguments": filters.arguments(),
        "can_manage": can_manage,
    }
    if fragment:
        return render_block("members/_directory.html", "results", **context)
    return render_template("members/_directory.html", **context)


@bp.get("/")
@require_member()
def directory():
    fragment, number, can_manage = wants_fragment(), requested_page(), has_role(*MANAGERS)
    checked: list[DirectoryFilterForm] = []  # the form, where this request built one

    def check() -> DirectoryFilters | None:
        form = directory_form()
        checked.append(form)
        return None if form.errors else form.filters()

    # What the form makes of the arguments it reads (others change nothing), kept so a
    # warm request builds no form (issue 15). A mistyped filter gives None, never kept.
    given = tuple(request.args.get(name) for name in FILTER_ARGUMENTS)
    filters = remember(("members.directory.filters", given), check)
    if filters is None:
        form = checked[0]
        body = Markup(_render_directory(form, form.filters(), number, fragment, can_manage))
        status = 400
    else:

        def render() -> str:
            form = checked[0] if checked else directory_form(MultiDict(filters.arguments()))
            # The search box shows the search as it is used (trimmed): the HTML is the
            # same for every request with these filters.
            form.q.data = filters.q
            return _render_directory(form, filters, number, fragment, can_manage)

        # Besides the data, the tenant and the language, the HTML depends on the valid
        # filters, the page, the person (their role decides the manage links) and the
        # kind of answer.
        key = ("members.directory", current_user.id, can_manage, fragment, filters, number)
        body, status = remembered_html(key, render), 200
    if fragment:
        response = Response(body, status=status)
    else:
        response = Response(render_template("members/directory.html", body=body), status=status)
    # The same URL answers a page or a fragment; caches must keep them apart.
    response.vary.add("HX-Request")
    return response


@bp.get("/export.csv")
@require_member(*MANAGERS)
def export():
    form = directory_form()
    if form.errors:
        return directory()
    data = csv_io.export_companies(directory_query(form.filters()))
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
    themes = groupings.ordered_themes(active_only=True)
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


def _company_with_details(company_id: int) -> Company | None:
    """The company with what its page shows, in four statements (its park comes along)."""
    return db.session.scalar(
        select(Company)
        .where(Company.id == company_id)
        .options(
            joinedload(Company.business_park),
            selectinload(Company.circles),
            selectinload(Company.themes),
            selectinload(Company.contacts),
        )
    )


@bp.get("/companies/<int:company_id>")
@require_member()
def company(company_id: int):
    loaded: list[Company] = []  # the company, where this request read it

    def name() -> str | None:
        company = _company_with_details(company_id)
        loaded.append(company)
        return company.name if company else None

    # Whether it exists (404 otherwise) and its name for the title, kept until the next
    # write; a missing company is never kept, so it is looked up on every request.
    title = remember(("members.company.name", company_id), name)
    if title is None:
        abort(404)
    can_manage, can_export = has_role(*MANAGERS), has_role(Role.ADMIN)

    def render() -> str:
        company = loaded[0] if loaded else _company_with_details(company_id)
        return render_template(
            "members/_company.html", company=company, can_manage=can_manage, can_export=can_export
        )

    # The buttons depend on who looks (and so may the details one day): kept per person.
    key = ("members.company", company_id, current_user.id, can_manage, can_export)
    return render_template("members/company.html", name=title, body=remembered_html(key, render))


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
    consequences = [
        _("The company itself stays."),
        _(
            "What the modules hold on them (answers, panel feedback, registrations) is deleted or made "
            "anonymous; totals and counts stay. Download their personal data first if they asked for it."
        ),
    ]
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


@bp.post("/contacts/<int:contact_person_id>/export")
@require_member(Role.ADMIN)
def contact_export(contact_person_id: int):
    """The contact person's personal data as JSON (AVG right of access), for the board.
    A POST, because it writes the audit entry."""
    contact = get_or_404(ContactPerson, contact_person_id)
    tenant = current_tenant()
    data = privacy.export_contact(tenant, contact, actor=current_user)
    db.session.commit()
    filename = f"kringwerk-{tenant.slug}-contact-{contact.id}.json"
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            # Personal data: no copies in shared caches or the browser's history.
            "Cache-Control": "no-store",
        },
    )
