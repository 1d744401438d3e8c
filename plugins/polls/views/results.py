"""Results of a poll: response rates, a chart per question, open answers, cooperation matches with their follow-ups, publishing, and CSV/XLSX exports.

The results page shows the counts of the cooperation matches; each match's
companies and follow-up buttons load into it on demand from the match's own page
(its cost grows with that theme's interested companies, not with the whole
poll's answers). The summary downloads at once; all responses are written by a
background task whose progress the results page shows, then downloaded.

Who sees what: the board (admins and facilitators) always; other members when
the poll's results are published to members or the public; anyone on the
public page when published to the public. A draft has no results page except
for the board. Company names with open answers appear to the board, to members
only where the poll says so (``names_to_members``), and never for anonymous
polls; the public page shows numbers only.

The results page and the public page keep their body per process until the next write
(``remembered_html``), per poll, audience (board, members, public) and language: it holds
nothing personal, and the same numbers as a fresh one (groups too small to show stay
merged). Who may see it is checked every request, from the poll's head kept the same way
(``page_data.results_head``). A body showing a form's errors or an export's progress is
not kept.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.routing import BuildError
from werkzeug.utils import secure_filename
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired

from kringwerk.plugin_api import (
    MANAGERS,
    collect,
    current_tenant,
    db,
    has_role,
    hooks,
    int_arg,
    page_or_block,
    paginate,
    public,
    record,
    remembered_html,
    require_member,
    utcnow,
    wants_fragment,
)
from plugins.polls import exports
from plugins.polls.charts import format_share, question_chart
from plugins.polls.matches import counts_people, match_threshold, theme_matches
from plugins.polls.models import Poll, PollQuestion, PollState, ResultsVisibility
from plugins.polls.page_data import ResultsHead, results_head
from plugins.polls.page_words import results_words
from plugins.polls.rates import MIN_GROUP_SIZE
from plugins.polls.results import TEXT_KINDS, open_answers, poll_results
from plugins.polls.views import bp, poll_or_404, polls_task

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class VisibilityForm(FlaskForm):
    visibility = RadioField(
        _l("Who may see the results"),
        choices=[SelectChoice(v.value, v.label) for v in ResultsVisibility],
        validators=[InputRequired(message=_l("Choose who may see the results."))],
    )


# A percentage kept as 0-100 in the page's language (the results' tables): a filter rather
# than a template macro, which cost more per table cell than the formatting itself.
bp.add_app_template_filter(format_share, "poll_share")


# --- helpers -----------------------------------------------------------------------------------


def is_board() -> bool:
    return has_role(*MANAGERS)


def readable_poll(poll_id: int, poll: Poll | ResultsHead | None = None) -> tuple[Poll | ResultsHead, bool]:
    """The poll (``poll`` when already loaded, or its kept head) if the signed-in member may
    see its results, and whether they are the board."""
    poll = poll or poll_or_404(poll_id)
    board = is_board()
    if board:
        return poll, True
    if poll.state == PollState.DRAFT:
        abort(404)
    if poll.results_visibility == ResultsVisibility.BOARD:
        abort(403)
    return poll, False


def followups(matches) -> dict[int, list[tuple[object, str]]]:
    """theme id -> [(FollowUpOffer, url)] for the highlighted matches, from the enabled plugins
    (one hook call per match)."""
    tenant = current_tenant()
    user = current_user._get_current_object()
    offers = {}
    for item in matches:
        if not item.highlighted:
            continue
        found = []
        for offer in collect(hooks(tenant).followup_offers(tenant=tenant, user=user, match=item.match)):
            try:
                found.append((offer, url_for(offer.endpoint, **offer.values)))
            except BuildError:
                continue  # a plugin offering an endpoint that does not exist: leave the button out
        offers[item.match.theme_id] = found
    return offers


def render_results(
    poll: Poll | ResultsHead,
    *,
    board: bool,
    public: bool = False,
    form=None,
    status: int = 200,
    loaded: dict | None = None,
):
    """The results page of ``poll`` (the poll, or its kept head; ``loaded``: what building
    the head read) for this audience. Its body is kept until the next write unless it shows
    ``form`` (with errors) or an export's progress (``?task=``), which are this request's own."""
    export_task = polls_task(int_arg("task"), kind="polls.export") if board else None

    def body() -> str:
        full = poll if isinstance(poll, Poll) else (loaded or {}).get("poll") or poll_or_404(poll.id)
        submitted = poll.submitted if isinstance(poll, ResultsHead) else None
        return _results_body(
            full, board=board, public=public, form=form, submitted=submitted, task=export_task
        )

    if form is None and export_task is None:
        # The host too: the board's part shows the public page's full address.
        html = remembered_html(("polls.results", poll.id, board, public, request.host), body)
    else:
        html = Markup(body())
    return render_template("polls/results/page.html", poll=poll, body=html), status


def _results_body(poll: Poll, *, board: bool, public: bool, form, submitted: int | None, task) -> str:
    results = poll_results(poll, submitted)
    # Counts only: each match's companies and follow-ups load when its disclosure opens
    # (or on its own page without JavaScript), at a cost that grows with that theme's
    # companies; listing every theme's here would grow with the whole poll's answers.
    threshold = match_threshold(poll)
    matches = theme_matches(poll, threshold, questions=results.items, groups=results.groups)
    return render_template(
        "polls/results/_body.html",
        poll=poll,
        results=results,
        matches=matches,
        threshold=threshold,
        counts_people=counts_people(poll),
        min_group_size=MIN_GROUP_SIZE,
        board=board,
        public=public,
        form=form or VisibilityForm(visibility=poll.results_visibility.value),
        chart=question_chart,
        text_kinds=TEXT_KINDS,
        words=results_words(),
        export_task=task,
    )


# --- pages -------------------------------------------------------------------------------------


@bp.get("/<int:poll_id>/results")
@require_member()
def results(poll_id: int):
    # The poll's head (with its count of submitted responses: one statement) kept until
    # the next write; who may see it is checked every request.
    loaded: dict = {}
    head, board = readable_poll(poll_id, results_head(poll_id, loaded) or abort(404))
    return render_results(head, board=board, loaded=loaded)


@bp.get("/<int:poll_id>/results/themes/<int:theme_id>")
@require_member()
def results_match(poll_id: int, theme_id: int):
    """One theme's match: the companies (unless anonymous) and the follow-ups other plugins offer."""
    poll, board = readable_poll(poll_id)
    threshold = match_threshold(poll)
    found = theme_matches(poll, threshold, with_companies=True, theme_id=theme_id)
    if not found:
        abort(404)  # not a theme of this poll (or another tenant's theme)
    item = found[0]
    # Whole, the match's own page; as a fragment, the companies and follow-ups the
    # results page loads into the match's disclosure, under its h3.
    return page_or_block(
        "polls/results/match.html",
        "match_detail",
        poll=poll,
        item=item,
        threshold=threshold,
        counts_people=counts_people(poll),
        offers=followups([item]).get(theme_id, []),
        board=board,
        level=4 if wants_fragment() else 2,
    )


@bp.get("/<int:poll_id>/results/public")
@public
def results_public(poll_id: int):
    # No sign-in: the tenant's plugin gate and the tenant scope still apply.
    loaded: dict = {}
    head = results_head(poll_id, loaded) or abort(404)
    if head.state == PollState.DRAFT or head.results_visibility != ResultsVisibility.PUBLIC:
        abort(404)
    return render_results(head, board=False, public=True, loaded=loaded)


# The endpoint is polls.open_answers; the function has another name so it does not hide the service.
@bp.get("/<int:poll_id>/results/questions/<int:poll_question_id>", endpoint="open_answers")
@require_member()
def open_answers_page(poll_id: int, poll_question_id: int):
    poll, board = readable_poll(poll_id)
    question = db.session.get(PollQuestion, poll_question_id)
    if question is None or question.poll_id != poll.id or question.kind not in TEXT_KINDS:
        abort(404)
    search = request.args.get("q", "").strip()[:200]
    # Members see whose answer it is only where the poll told respondents so.
    names = board or poll.names_to_members
    page = paginate(open_answers(poll, question, search or None, with_names=names), scalars=False)
    return page_or_block(
        "polls/results/open_answers.html",
        "answers",
        poll=poll,
        question=question,
        search=search,
        page=page,
        show_names=names and not poll.anonymous,
    )


@bp.post("/<int:poll_id>/results/visibility")
@require_member(*MANAGERS)
def publish_results(poll_id: int):
    poll = poll_or_404(poll_id)
    form = VisibilityForm()
    if not form.validate():
        return render_results(poll, board=True, form=form, status=422)
    visibility = ResultsVisibility(form.visibility.data)
    if visibility != poll.results_visibility:
        previous = poll.results_visibility
        poll.results_visibility = visibility
        record(
            "poll.results_published",
            actor=current_user._get_current_object(),
            target=poll,
            details={"from": previous.value, "to": visibility.value},
        )
        db.session.commit()
    flash(_("Results are now visible to: %(who)s.", who=visibility.label), "success")
    return redirect(url_for("polls.results", poll_id=poll.id))


@bp.post("/<int:poll_id>/results/export/responses.<fmt>")
@require_member(*MANAGERS)
def export_responses(poll_id: int, fmt: str):
    """Start writing all responses in the background; the results page shows its progress."""
    poll = poll_or_404(poll_id)
    if fmt not in FORMATS:
        abort(404)
    task = exports.start_responses_export(poll, fmt, actor=current_user._get_current_object())
    task_id = task.id
    db.session.commit()  # the job starts now
    return redirect(url_for("polls.results", poll_id=poll_id, task=task_id, _anchor="exports"), 303)


@bp.get("/<int:poll_id>/results/exports/<int:background_task_id>")
@require_member(*MANAGERS)
def export_download(poll_id: int, background_task_id: int):
    """The file a responses export wrote, while it is kept."""
    poll = poll_or_404(poll_id)
    task = polls_task(background_task_id, kind="polls.export")
    result = task.result if task is not None and isinstance(task.result, dict) else None
    if result is None or result.get("poll_id") != poll.id or result.get("format") not in FORMATS:
        abort(404)
    path = exports.export_file(poll.tenant_id, result.get("file"))
    if path is None:
        flash(_("That export is no longer available. Export the responses again."), "warning")
        return redirect(url_for("polls.results", poll_id=poll.id, _anchor="exports"))
    fmt = result["format"]
    name = (
        secure_filename(f"{poll.title}-responses-{task.created_at:%Y-%m-%d}.{fmt}") or f"poll-{poll.id}.{fmt}"
    )
    response = send_file(path, mimetype=FORMATS[fmt], as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:poll_id>/results/export/summary.<fmt>")
@require_member(*MANAGERS)
def export_summary(poll_id: int, fmt: str):
    poll = poll_or_404(poll_id)
    if fmt not in FORMATS:
        abort(404)
    data = exports.summary_file(poll, fmt)
    record(
        "poll.exported",
        actor=current_user._get_current_object(),
        target=poll,
        details={"export": "summary", "format": fmt},
    )
    db.session.commit()
    # ASCII only: the header cannot carry what a title might contain.
    name = (
        secure_filename(f"{poll.title}-summary-{utcnow():%Y-%m-%d}.{fmt}") or f"poll-{poll.id}-summary.{fmt}"
    )
    return Response(
        data,
        mimetype=FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
