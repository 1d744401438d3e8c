"""Letter of intent pages.

* The owner's pages (a network, or an initiative group): the letters, one letter with
  its current text, versions and signatures, editing (a new version), the owner's own
  signature, named signatories, and the PDF of any version. Reading is open to the
  owner's members and, for a network, to the people of its active associations.
* An association's board reads and signs its network's letters from its own admin
  (``/admin/networks/<affiliation>/letters/...``), invited or active; after leaving, it
  still reads them and its signatures stay.
* A named signatory reads and signs by personal link (``/letters/sign/<token>``).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kringwerk.accounts.models import Role
from kringwerk.accounts.permissions import current_membership, require_member
from kringwerk.documents.responses import send_document
from kringwerk.extensions import db
from kringwerk.jobs import unsent_jobs
from kringwerk.networks import letters as rules
from kringwerk.networks import signatories as people
from kringwerk.networks.forms import LetterForm, SignatoryForm, SignForm
from kringwerk.networks.models import Letter, LetterVersion, Signatory
from kringwerk.networks.overview import left_members
from kringwerk.networks.pdf import letter_pdf, pdf_filename
from kringwerk.networks.views import actor, bp, field_error, member_tenant
from kringwerk.tenancy.models import AffiliationStatus, Tenant, TenantKind
from kringwerk.tenancy.routing import current_tenant
from kringwerk.tenants.affiliations import member_affiliation, today_in
from kringwerk.tenants.network import require_member_or_network
from kringwerk.web.pagination import paginate

SIGNABLE = (AffiliationStatus.INVITED, AffiliationStatus.ACTIVE)


def _letter(letter_id: int) -> Letter:
    return db.session.get(Letter, letter_id) or abort(404)


def _version(letter: Letter, letter_version_id: int) -> LetterVersion:
    version = db.session.get(LetterVersion, letter_version_id)
    if version is None or version.letter_id != letter.id:
        abort(404)
    return version


def _is_board() -> bool:
    membership = current_membership()
    return membership is not None and membership.role == Role.ADMIN


def _sign_form(tenant: Tenant, version: LetterVersion, organisation: str) -> SignForm:
    form = SignForm()
    if request.method == "GET":
        form.full_name.data = current_user.name if current_user.is_authenticated else None
        form.organisation.data = organisation
        form.signed_on.data = today_in(tenant)
        form.version.data = str(version.number)
    return form


def _version_number(form: SignForm | LetterForm, name: str) -> int | None:
    value = form[name].data or ""
    return int(value) if value.isdigit() and len(value) < 9 else None


def _typed(form: SignForm, tenant: Tenant) -> rules.Typed:
    return rules.clean_typed(
        form.full_name.data,
        form.function.data,
        form.organisation.data,
        form.signed_on.data,
        today=today_in(tenant),
    )


def _pdf(owner: Tenant, version: LetterVersion):
    left = left_members(owner) if owner.kind == TenantKind.REGION else {}
    return send_document(letter_pdf(owner, version, left=left), pdf_filename(version), "pdf")


# --- the owner's pages -------------------------------------------------------------------------


@bp.get("/letters/")
@require_member_or_network()
def letters():
    page = paginate(rules.letters_query())
    return render_template("networks/letters.html", page=page, is_board=_is_board())


@bp.route("/admin/letters/new", methods=["GET", "POST"])
@require_member(Role.ADMIN)
def new_letter():
    form = LetterForm()
    if form.validate_on_submit():
        try:
            letter = rules.create_letter(current_tenant(), form.title.data, form.text.data, actor=actor())
        except rules.LetterError as error:
            db.session.rollback()
            field_error(form, error, "text")
        else:
            db.session.commit()
            flash(_("The letter is saved as version 1."), "success")
            return redirect(url_for("networks.letter", letter_id=letter.id))
    return render_template("networks/letter_form.html", form=form, letter=None), 422 if form.errors else 200


@bp.get("/letters/<int:letter_id>/")
@require_member_or_network()
def letter(letter_id: int):
    item = _letter(letter_id)
    version = rules.current_version(item)
    board = _is_board()
    tenant = current_tenant()
    own = rules.signature_of(version, rules.tenant_party(tenant.id))
    return render_template(
        "networks/letter.html",
        letter=item,
        version=version,
        current=version,
        signatures=rules.signatures(version),
        versions=rules.versions(item),
        signatories=people.signatories(item) if board else [],
        is_board=board,
        own_signature=own,
        sign_form=_sign_form(tenant, version, tenant.name) if board and own is None else None,
    )


@bp.get("/letters/<int:letter_id>/versions/<int:letter_version_id>/")
@require_member_or_network()
def letter_version(letter_id: int, letter_version_id: int):
    item = _letter(letter_id)
    version = _version(item, letter_version_id)
    return render_template(
        "networks/letter.html",
        letter=item,
        version=version,
        current=rules.current_version(item),
        signatures=rules.signatures(version),
        versions=rules.versions(item),
        signatories=[],
        is_board=False,
        own_signature=None,
        sign_form=None,
    )


@bp.get("/letters/<int:letter_id>/versions/<int:letter_version_id>/pdf")
@require_member_or_network()
def letter_pdf_download(letter_id: int, letter_version_id: int):
    item = _letter(letter_id)
    return _pdf(current_tenant(), _version(item, letter_version_id))


@bp.route("/admin/letters/<int:letter_id>/edit", methods=["GET", "POST"])
@require_member(Role.ADMIN)
def edit_letter(letter_id: int):
    item = _letter(letter_id)
    current = rules.current_version(item)
    form = LetterForm()
    if request.method == "GET":
        form.title.data, form.text.data, form.based_on.data = current.title, current.text, str(current.number)
    if form.validate_on_submit():
        try:
            version = rules.revise(
                item,
                form.title.data,
                form.text.data,
                based_on=_version_number(form, "based_on"),
                actor=actor(),
            )
        except rules.LetterError as error:
            db.session.rollback()
            field_error(form, error, "text")
        else:
            db.session.commit()
            if version is None:
                flash(_("Nothing was changed."), "info")
            else:
                flash(
                    _(
                        "The text is saved as version %(number)s. Signatures stay with the version they were given for.",
                        number=version.number,
                    ),
                    "success",
                )
            return redirect(url_for("networks.letter", letter_id=item.id))
    return render_template(
        "networks/letter_form.html", form=form, letter=item, current=current
    ), 422 if form.errors else 200


@bp.post("/admin/letters/<int:letter_id>/sign")
@require_member(Role.ADMIN)
def sign_own(letter_id: int):
    item = _letter(letter_id)
    tenant = current_tenant()
    version = rules.current_version(item)
    form = _sign_form(tenant, version, tenant.name)
    if form.validate_on_submit():
        try:
            rules.sign_for_tenant(
                item,
                tenant,
                _typed(form, tenant),
                user=actor(),
                version_number=_version_number(form, "version"),
            )
        except rules.LetterError as error:
            db.session.rollback()
            field_error(form, error, "full_name")
        else:
            db.session.commit()
            flash(
                _("You signed version %(number)s for %(name)s.", number=version.number, name=tenant.name),
                "success",
            )
            return redirect(url_for("networks.letter", letter_id=item.id))
    return render_template(
        "networks/letter.html",
        letter=item,
        version=version,
        current=version,
        signatures=rules.signatures(version),
        versions=rules.versions(item),
        signatories=people.signatories(item),
        is_board=True,
        own_signature=None,
        sign_form=form,
    ), 422


@bp.route("/admin/letters/<int:letter_id>/signatories/new", methods=["GET", "POST"])
@require_member(Role.ADMIN)
def new_signatory(letter_id: int):
    item = _letter(letter_id)
    form = SignatoryForm()
    if form.validate_on_submit():
        try:
            signatory = people.add_signatory(
                item,
                name=form.name.data,
                function=form.function.data,
                organisation=form.organisation.data,
                email=form.email.data,
                actor=actor(),
            )
        except rules.LetterError as error:
            db.session.rollback()
            field_error(form, error, "name")
        else:
            db.session.commit()
            _flash_signatory_mail(signatory)
            return redirect(url_for("networks.letter", letter_id=item.id))
    return render_template(
        "networks/signatory_form.html", form=form, letter=item
    ), 422 if form.errors else 200


def _flash_signatory_mail(signatory: Signatory) -> None:
    db.session.refresh(signatory)
    if unsent_jobs() or signatory.mail_failed_at is not None:
        flash(
            _(
                "%(name)s is added, but the e-mail could not be sent. Send it again from the letter's page.",
                name=signatory.name,
            ),
            "error",
        )
    elif signatory.mailed_at is not None:
        flash(_("%(name)s received a personal link to sign.", name=signatory.name), "success")
    else:
        flash(
            _("%(name)s is added; the e-mail with the personal link is being sent.", name=signatory.name),
            "success",
        )


@bp.post("/admin/letters/<int:letter_id>/signatories/<int:signatory_id>/resend")
@require_member(Role.ADMIN)
def resend_signatory(letter_id: int, signatory_id: int):
    item = _letter(letter_id)
    signatory = db.session.get(Signatory, signatory_id)
    if signatory is None or signatory.letter_id != item.id:
        abort(404)
    people.resend(item, signatory, actor=actor())
    db.session.commit()
    _flash_signatory_mail(signatory)
    return redirect(url_for("networks.letter", letter_id=item.id))


# --- a named signatory, by personal link ------------------------------------------------------


@bp.route("/letters/sign/<token>", methods=["GET", "POST"])
def sign_by_link(token: str):
    signatory = people.resolve_link(token)
    if signatory is None:
        return render_template("networks/link_invalid.html"), 404
    tenant = current_tenant()
    item = db.session.get(Letter, signatory.letter_id)
    version = rules.current_version(item)
    own = rules.signature_of(version, rules.person_party(signatory.id))
    form = None
    status = 200
    if own is None:
        form = SignForm()
        if request.method == "GET":
            form.full_name.data = signatory.name
            form.function.data = signatory.function
            form.organisation.data = signatory.organisation or ""
            form.signed_on.data = today_in(tenant)
            form.version.data = str(version.number)
        if form.validate_on_submit():
            try:
                user = current_user._get_current_object() if current_user.is_authenticated else None
                rules.sign_by_link(
                    signatory,
                    _typed(form, tenant),
                    user=user,
                    version_number=_version_number(form, "version"),
                )
            except rules.LetterError as error:
                db.session.rollback()
                field_error(form, error, "full_name")
            else:
                db.session.commit()
                flash(_("Thank you. You signed version %(number)s.", number=version.number), "success")
                return redirect(url_for("networks.sign_by_link", token=token))
        if form.errors:
            status = 422
    elif request.method == "POST":
        status = 409
    return render_template(
        "networks/sign_by_link.html",
        letter=item,
        version=version,
        signatory=signatory,
        own_signature=own,
        signatures=rules.signatures(version),
        form=form,
        token=token,
    ), status


@bp.get("/letters/sign/<token>/pdf")
def sign_by_link_pdf(token: str):
    signatory = people.resolve_link(token) or abort(404)
    item = db.session.get(Letter, signatory.letter_id)
    return _pdf(current_tenant(), rules.current_version(item))


# --- an association's board reads and signs its network's letters ------------------------------


def _member_side(affiliation_id: int):
    member = member_tenant()
    affiliation = member_affiliation(member, affiliation_id) or abort(404)
    return member, affiliation


@bp.get("/admin/networks/<int:affiliation_id>/letters/")
@require_member(Role.ADMIN)
def member_letters(affiliation_id: int):
    member, affiliation = _member_side(affiliation_id)
    found = rules.network_letters(member, affiliation)
    return render_template(
        "networks/member_letters.html", affiliation=affiliation, network=affiliation.network, letters=found
    )


@bp.route("/admin/networks/<int:affiliation_id>/letters/<int:letter_id>", methods=["GET", "POST"])
@require_member(Role.ADMIN)
def member_letter(affiliation_id: int, letter_id: int):
    member, affiliation = _member_side(affiliation_id)
    item = rules.member_letter(member, affiliation, letter_id) or abort(404)
    owner = affiliation.network
    reason = f"tenant {member.slug} reads letter {item.id} of its network {owner.slug}"
    with rules.owner_scope(owner.id, reason):
        version = rules.current_version(item)
        own = rules.signature_of(version, rules.tenant_party(member.id))
    can_sign = own is None and affiliation.status in SIGNABLE
    form = _sign_form(member, version, member.name) if can_sign else None
    status = 200
    if request.method == "POST":
        if form is None:
            status = 409
            flash(
                _("%(name)s has already signed this version.", name=member.name)
                if own is not None
                else _("You are not a member of this network (any more)."),
                "error",
            )
        elif form.validate_on_submit():
            try:
                rules.sign_for_tenant(
                    item,
                    member,
                    _typed(form, member),
                    user=actor(),
                    version_number=_version_number(form, "version"),
                )
            except rules.LetterError as error:
                db.session.rollback()
                # The rollback expired the network's rows, which this scope cannot reload.
                member, affiliation = _member_side(affiliation_id)
                item = rules.member_letter(member, affiliation, letter_id) or abort(404)
                owner = affiliation.network
                if isinstance(error, rules.AlreadySigned):
                    status = 409
                    flash(str(error.message), "error")
                    form = None
                else:
                    field_error(form, error, "full_name")
            else:
                db.session.commit()
                flash(
                    _(
                        "You signed the letter of intent for %(name)s; %(name)s is a member of %(network)s.",
                        name=member.name,
                        network=owner.name,
                    ),
                    "success",
                )
                return redirect(
                    url_for("networks.member_letter", affiliation_id=affiliation_id, letter_id=letter_id)
                )
        if form is not None and form.errors:
            status = 422
    with rules.owner_scope(owner.id, reason):
        version = rules.current_version(item)
        own = rules.signature_of(version, rules.tenant_party(member.id))
        signed = rules.signatures(version)
        history = [
            (row, rules.signature_of(row, rules.tenant_party(member.id)))
            for row, _count in rules.versions(item)
        ]
    return render_template(
        "networks/member_letter.html",
        affiliation=affiliation,
        network=owner,
        letter=item,
        version=version,
        signatures=signed,
        history=history,
        own_signature=own,
        form=form,
    ), status


@bp.get("/admin/networks/<int:affiliation_id>/letters/<int:letter_id>/versions/<int:letter_version_id>/pdf")
@require_member(Role.ADMIN)
def member_letter_pdf(affiliation_id: int, letter_id: int, letter_version_id: int):
    member, affiliation = _member_side(affiliation_id)
    item = rules.member_letter(member, affiliation, letter_id) or abort(404)
    owner = affiliation.network
    with rules.owner_scope(owner.id, f"tenant {member.slug} downloads letter {item.id} of {owner.slug}"):
        version = _version(item, letter_version_id)
        data = letter_pdf(owner, version, left=left_members(owner))
    return send_document(data, pdf_filename(version), "pdf")
