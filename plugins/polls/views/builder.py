"""Building polls: the list of polls, creating, editing, copying and deleting
them, and the htmx question editor with its preview.

Thin views: they read forms, call ``plugins.polls.services``, commit and
render. Every editor action works as a plain form POST with a redirect, and
with htmx as a fragment of the same template (``page_or_block``). A change the
lock rule refuses (the poll has responses) answers 409 with its message.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kringwerk.plugin_api import (
    Role,
    Theme,
    current_tenant,
    db,
    has_role,
    int_arg,
    page_or_block,
    paginate,
    remembered_html,
    require_member,
    wants_fragment,
)
from plugins.polls import followups, services
from plugins.polls.forms import PollForm, QuestionForm
from plugins.polls.matches import default_match_threshold
from plugins.polls.models import Poll, PollQuestion
from plugins.polls.views import bp

BUILDERS = (Role.ADMIN, Role.FACILITATOR)


# --- helpers ------------------------------------------------------------------------------------


def load_poll(poll_id: int) -> Poll:
    """The poll with its items and options (tenant-scoped: another tenant's is a 404)."""
    poll = db.session.scalar(
        select(Poll)
        .where(Poll.id == poll_id)
        .options(selectinload(Poll.questions).selectinload(PollQuestion.options))
    )
    return poll or abort(404)


def load_question(poll: Poll, poll_question_id: int) -> PollQuestion:
    """A question of this poll; one of another poll (or tenant) is a 404."""
    for item in poll.questions:
        if item.id == poll_question_id:
            return item
    abort(404)


def show_error(form, error: services.PollError) -> None:
    """Put a service's message next to its field, or above the form."""
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
    else:
        form.form_errors.append(error.message)


def error_status(form, error: services.PollError | None) -> int:
    if error is not None and error.locked:
        return 409
    return 422 if form.errors or form.form_errors else 200


def refuse(error: services.PollError):
    """An action (not a form) the rules refuse: 409 with the message, as a page or an alert."""
    db.session.rollback()
    abort(409, description=str(error.message))


def question_form(poll: Poll, question: PollQuestion | None = None, **kwargs) -> QuestionForm:
    form = QuestionForm(**kwargs)
    current = {option.theme_id for option in question.options} if question else set()
    themes = db.session.scalars(select(Theme).order_by(Theme.position, Theme.id)).all()
    form.set_choices(
        [theme for theme in themes if theme.active or theme.id in current],
        services.condition_choices(poll, question),
    )
    return form


def editor_context(poll: Poll, add_form: QuestionForm | None = None) -> dict:
    return {
        "poll": poll,
        "locked": services.has_responses(poll),
        # formdata=None: after an add, the fresh form must not refill itself from the request.
        "add_form": add_form or question_form(poll, prefix="new", formdata=None),
        "option_labels": option_labels(poll),
    }


def option_labels(poll: Poll) -> dict[int, str]:
    """Option id -> "question: option", to show what a condition depends on."""
    return {
        option.id: f"{item.text}: {option.label}"
        for item in poll.questions
        for option in item.options
        if item.kind in services.CONDITION_KINDS
    }


def back_to_editor(poll: Poll, anchor: str | None = None):
    return redirect(url_for("polls.questions", poll_id=poll.id) + (f"#{anchor}" if anchor else ""))


# --- the list -----------------------------------------------------------------------------------


# Pages past this one show the first, as the core's pagination reads ``page``.
PAGE_LIMIT = 100_000


@bp.get("/")
@require_member()
def index():
    builder = has_role(*BUILDERS)
    number = int_arg("page") or 1
    number = number if number < PAGE_LIMIT else 1

    def render() -> str:
        page = paginate(services.polls_query(builder=builder), number, scalars=False)
        return render_template("polls/_list.html", page=page, builder=builder)

    # The same for every member of an audience between two writes: kept per audience and page.
    list_html = remembered_html(("polls.list", builder, number), render)
    return page_or_block("polls/index.html", "list", list_html=list_html, builder=builder)


# --- polls ----------------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@require_member(*BUILDERS)
def new_poll():
    form = PollForm()
    error = None
    if form.validate_on_submit():
        try:
            poll = services.create_poll(form.values(), actor=current_user)
        except services.PollError as caught:
            db.session.rollback()
            error = caught
            show_error(form, caught)
        else:
            db.session.commit()
            flash(_("The poll has been created. Now add its questions."), "success")
            return redirect(url_for("polls.questions", poll_id=poll.id))
    return page_or_block(
        "polls/builder/poll_form.html",
        "form",
        status=error_status(form, error),
        form=form,
        poll=None,
        default_threshold=default_match_threshold(current_tenant()),
    )


@bp.post("/from-attendance")
@require_member(*BUILDERS)
def from_attendance():
    """The answer to another plugin's "send an evaluation poll" button: a draft poll for
    the people who attended (the fields of ``Attendance``), then its page."""
    emails = request.form.getlist("emails")
    poll = followups.evaluation_from_attendance(
        request.form.get("title", ""), emails, request.form.get("source_url"), actor=current_user
    )
    reached = len(poll.audience_filter.get("contact_ids", []))
    db.session.commit()
    flash(
        ngettext(
            "A draft evaluation poll for %(num)s contact person has been made; check it and open it.",
            "A draft evaluation poll for %(num)s contact persons has been made; check it and open it.",
            reached,
        ),
        "success",
    )
    if reached < len(set(emails)):
        flash(_("Attendees who are not among the contact persons are not in the audience."), "info")
    return redirect(url_for("polls.poll", poll_id=poll.id), 303)


@bp.get("/<int:poll_id>/")
@require_member(*BUILDERS)
def poll(poll_id: int):
    return _poll_page(load_poll(poll_id))


@bp.route("/<int:poll_id>/edit", methods=["GET", "POST"])
@require_member(*BUILDERS)
def edit_poll(poll_id: int):
    poll = load_poll(poll_id)
    form = PollForm(obj=poll)
    if request.method == "GET":
        form.language.data = poll.language
        form.response_unit.data = poll.response_unit.value
    error = None
    if form.validate_on_submit():
        try:
            services.update_poll(poll, form.values(), actor=current_user)
        except services.PollError as caught:
            db.session.rollback()
            error = caught
            show_error(form, caught)
        else:
            db.session.commit()
            flash(_("The changes to the poll have been saved."), "success")
            return redirect(url_for("polls.poll", poll_id=poll.id))
    return page_or_block(
        "polls/builder/poll_form.html",
        "form",
        status=error_status(form, error),
        form=form,
        poll=poll,
        locked=services.has_responses(poll),
        default_threshold=default_match_threshold(current_tenant()),
    )


@bp.post("/<int:poll_id>/copy")
@require_member(*BUILDERS)
def copy_poll(poll_id: int):
    poll = load_poll(poll_id)
    copy = services.copy_poll(poll, actor=current_user)
    db.session.commit()
    flash(_("The poll has been copied. This is the copy, still a draft."), "success")
    return redirect(url_for("polls.poll", poll_id=copy.id))


@bp.route("/<int:poll_id>/delete", methods=["GET", "POST"])
@require_member(*BUILDERS)
def delete_poll(poll_id: int):
    poll = load_poll(poll_id)
    if request.method == "POST":
        title = poll.title
        services.delete_poll(poll, actor=current_user)
        db.session.commit()
        flash(_("The poll “%(title)s” has been deleted.", title=title), "success")
        return redirect(url_for("polls.index"))
    counts = services.response_counts(poll)
    consequences = [_("Its questions and settings are removed.")]
    if counts["invitations"]:
        consequences.append(
            ngettext(
                "Its invitation is deleted; the personal link stops working.",
                "Its %(num)s invitations are deleted; their personal links stop working.",
                counts["invitations"],
            )
        )
    if counts["submitted"] or counts["drafts"]:
        consequences.append(
            ngettext(
                "Its response and the results are deleted.",
                "Its %(num)s responses and the results are deleted.",
                counts["submitted"] + counts["drafts"],
            )
        )
    return page_or_block(
        "polls/builder/confirm.html",
        "confirm",
        title=_("Delete the poll “%(title)s”?", title=poll.title),
        consequences=consequences,
        action=url_for("polls.delete_poll", poll_id=poll.id),
        cancel=url_for("polls.poll", poll_id=poll.id),
        button=_("Delete poll"),
    )


def _poll_page(poll: Poll, *, status: int = 200, state_error=None):
    """The poll's page, or its state block for htmx; ``state_error`` shows next to the state button."""
    return page_or_block(
        "polls/builder/poll.html",
        "state",
        status=status,
        poll=poll,
        counts=services.response_counts(poll),
        questions=sum(1 for item in poll.questions if item.is_question),
        default_threshold=default_match_threshold(current_tenant()),
        state_error=state_error,
    )


def _state_change(poll_id: int, change, message: str):
    poll = load_poll(poll_id)
    try:
        change(poll, actor=current_user)
    except services.PollError as error:
        # Refused (no questions yet, say): the poll's own page with the reason by the button.
        db.session.rollback()
        return _poll_page(load_poll(poll_id), status=409, state_error=error.message)
    db.session.commit()
    flash(message, "success")
    if wants_fragment():
        return _poll_page(poll)
    return redirect(url_for("polls.poll", poll_id=poll.id))


@bp.post("/<int:poll_id>/open")
@require_member(*BUILDERS)
def open_poll(poll_id: int):
    return _state_change(poll_id, services.open_poll, _("The poll is open."))


@bp.route("/<int:poll_id>/close", methods=["GET", "POST"])
@require_member(*BUILDERS)
def close_poll(poll_id: int):
    """GET asks (what closing means for the people invited), the form's POST closes."""
    if request.method == "POST":
        return _state_change(poll_id, services.close_poll, _("The poll is closed."))
    poll = load_poll(poll_id)
    counts = services.response_counts(poll)
    consequences = [_("Nobody can answer it any more; the personal links show that the poll is closed.")]
    if counts["drafts"]:
        consequences.append(
            ngettext(
                "%(num)s response in progress is not submitted and does not count.",
                "%(num)s responses in progress are not submitted and do not count.",
                counts["drafts"],
            )
        )
    consequences.append(_("You can reopen it later if its closing time is still ahead."))
    return page_or_block(
        "polls/builder/confirm.html",
        "confirm",
        title=_("Close the poll “%(title)s”?", title=poll.title),
        consequences=consequences,
        action=url_for("polls.close_poll", poll_id=poll.id),
        cancel=url_for("polls.poll", poll_id=poll.id),
        button=_("Close the poll"),
        reversible=True,
    )


@bp.post("/<int:poll_id>/reopen")
@require_member(*BUILDERS)
def reopen_poll(poll_id: int):
    return _state_change(poll_id, services.reopen_poll, _("The poll is open again."))


# --- the question editor ----------------------------------------------------------------------------


@bp.get("/<int:poll_id>/questions")
@require_member(*BUILDERS)
def questions(poll_id: int):
    poll = load_poll(poll_id)
    return page_or_block("polls/builder/questions.html", "editor", **editor_context(poll))


@bp.post("/<int:poll_id>/questions/new")
@require_member(*BUILDERS)
def add_question(poll_id: int):
    poll = load_poll(poll_id)
    form = question_form(poll, prefix="new")
    error = None
    if form.validate_on_submit():
        try:
            question = services.add_question(poll, form.kind.data, form.values(), actor=current_user)
        except services.PollError as caught:
            db.session.rollback()
            poll = load_poll(poll_id)
            error = caught
            show_error(form, caught)
        else:
            db.session.commit()
            if not wants_fragment():
                flash(_("The question has been added."), "success")
                return back_to_editor(poll, f"question-{question.id}")
            # The editor again: the list with the new item at its end, and an empty form.
            poll = load_poll(poll_id)
            return page_or_block("polls/builder/questions.html", "editor", **editor_context(poll))
    return page_or_block(
        "polls/builder/questions.html",
        "editor",
        status=error_status(form, error),
        **editor_context(poll, add_form=form),
    )


@bp.route("/<int:poll_id>/questions/<int:poll_question_id>", methods=["GET", "POST"])
@require_member(*BUILDERS)
def edit_question(poll_id: int, poll_question_id: int):
    poll = load_poll(poll_id)
    question = load_question(poll, poll_question_id)
    context = {"poll": poll, "question": question, "option_labels": option_labels(poll)}
    if request.method == "GET" and request.args.get("show"):
        # "Cancel" in the editor: the item as it is, not its form.
        return page_or_block("polls/builder/question.html", "item", editing=False, **context)
    form = question_form(poll, question, prefix=f"q{question.id}")
    if request.method == "GET":
        form.fill(question)
    error = None
    if form.validate_on_submit():
        values = {"kind": form.kind.data, **form.values()}
        try:
            services.update_question(question, values, actor=current_user)
        except services.PollError as caught:
            db.session.rollback()
            poll = load_poll(poll_id)
            question = load_question(poll, poll_question_id)
            context = {"poll": poll, "question": question, "option_labels": option_labels(poll)}
            error = caught
            show_error(form, caught)
        else:
            db.session.commit()
            if not wants_fragment():
                flash(_("The question has been saved."), "success")
                return back_to_editor(poll, f"question-{question.id}")
            poll = load_poll(poll_id)
            question = load_question(poll, poll_question_id)
            context = {"poll": poll, "question": question, "option_labels": option_labels(poll)}
            return page_or_block("polls/builder/question.html", "item", editing=False, **context)
    return page_or_block(
        "polls/builder/question.html",
        "item",
        status=error_status(form, error),
        editing=True,
        form=form,
        locked=services.has_responses(poll),
        **context,
    )


@bp.post("/<int:poll_id>/questions/<int:poll_question_id>/move")
@require_member(*BUILDERS)
def move_question(poll_id: int, poll_question_id: int):
    poll = load_poll(poll_id)
    question = load_question(poll, poll_question_id)
    try:
        services.move_question(question, request.form.get("direction", ""), actor=current_user)
    except services.PollError as error:
        if not error.locked:
            abort(400, description=str(error.message))
        refuse(error)
    db.session.commit()
    if wants_fragment():
        poll = load_poll(poll_id)
        return page_or_block("polls/builder/questions.html", "list", **editor_context(poll))
    return back_to_editor(poll, f"question-{poll_question_id}")


@bp.route("/<int:poll_id>/questions/<int:poll_question_id>/remove", methods=["GET", "POST"])
@require_member(*BUILDERS)
def remove_question(poll_id: int, poll_question_id: int):
    poll = load_poll(poll_id)
    question = load_question(poll, poll_question_id)
    if request.method == "POST":
        try:
            services.remove_question(question, actor=current_user)
        except services.PollError as error:
            refuse(error)
        db.session.commit()
        if wants_fragment():
            poll = load_poll(poll_id)
            return page_or_block("polls/builder/questions.html", "list", **editor_context(poll))
        flash(_("The question has been removed."), "success")
        return back_to_editor(poll)
    dependants = [
        item for item in poll.questions if item.condition_option_id in {o.id for o in question.options}
    ]
    return page_or_block(
        "polls/builder/remove_question.html",
        "item",
        poll=poll,
        question=question,
        dependants=dependants,
        locked=services.has_responses(poll),
    )


@bp.get("/<int:poll_id>/preview")
@require_member(*BUILDERS)
def preview(poll_id: int):
    poll = load_poll(poll_id)
    return page_or_block("polls/builder/preview.html", "preview", poll=poll, items=list(poll.questions))
