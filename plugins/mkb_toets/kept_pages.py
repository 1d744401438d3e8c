"""The dossier list's and the dossier page's content, rendered once and kept per process
until the next committed write anywhere (``remembered_html``), as most visits come between
two writes.

What each depends on besides the tenant's data, and so is in its key:

- the dossier page: the dossier and the person looking (their role decides the counts, the
  board's panel forms and buttons, the drafts they may see; keyed by the person as well,
  so nothing one person is shown reaches another). Nothing on it depends on the clock:
  dates are shown as dates, never as "in 3 days", and the phase moves only by a write
  (the board's step or the periodic job that closes a consultation), which renews the
  stamp. The board's forms keep a placeholder for the CSRF token, filled in per visitor.
- the list: the reader's role (drafts only for the staff, the "New dossier" button) and
  the page number; nothing on it is anyone's own.

Whether the dossier is there for the visitor at all (404) is decided before its content,
on every request, from its title kept per dossier and per "staff or not" (what
``only_visible`` decides by); a dossier that is not there is never kept, so its 404 reads
the database each time. The first request after a write reads the dossier once for both.
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user
from markupsafe import Markup

from kringwerk.plugin_api import Role, file_url, paginate, remember, remembered_html
from plugins.mkb_toets import dossier_page, panel, phases, summary
from plugins.mkb_toets.models import Phase

STAFF = (Role.ADMIN, Role.MUNICIPALITY)


def page_number() -> int:
    """The ``page`` argument as the list's pagination reads it; anything odd is page 1."""
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def dossier_list(role: Role | None) -> Markup:
    """The list's content for ``role`` at the requested page."""
    number = page_number()

    def render() -> str:
        page = paginate(dossier_page.listing(role), number, scalars=False)
        return render_template("mkb_toets/_index.html", page=page, may_open=role in STAFF)

    return remembered_html(("mkb_toets.index", role, number), render)


class DossierContent:
    """One request's view of a dossier: its title (None: not there for this visitor) and its
    content, each kept; on a build both come from one read of the dossier."""

    def __init__(self, dossier_id: int, role: Role | None) -> None:
        self.dossier_id = dossier_id
        self.role = role
        self._found: list = []  # the page's read, once per request when anything is built

    def _load(self) -> dossier_page.DossierPage | None:
        if not self._found:
            self._found.append(dossier_page.load(self.dossier_id, self.role))
        return self._found[0]

    def title(self) -> str | None:
        def build() -> str | None:
            found = self._load()
            return found.dossier.title if found is not None else None

        return remember(("mkb_toets.dossier.title", self.dossier_id, self.role in STAFF), build)

    def html(self) -> Markup:
        """The content, for a dossier ``title()`` found."""
        key = ("mkb_toets.dossier", self.dossier_id, current_user.get_id(), self.role)
        return remembered_html(key, self._render)

    def _render(self) -> str:
        found = self._load()
        if found is None:  # gone since this request read the stamp (a write that raced it)
            abort(404)
        role = self.role
        item = found.dossier
        composable = item.phase in panel.COMPOSABLE
        # The board's panel forms show only while the panel may change: their choices load then.
        choices = dossier_page.panel_choices() if role == Role.ADMIN and composable else None
        story = dossier_page.story(item.id)
        return render_template(
            "mkb_toets/_dossier.html",
            dossier=item,
            role=role,
            staff=role in STAFF,
            Role=Role,
            Phase=Phase,
            timeline=story.timeline,
            sections=story.sections,
            attachment=found.attachment,
            attachment_url=file_url(found.attachment) if found.attachment else None,
            next_phase=phases.next_step(item),
            may_advance=role is not None and phases.may_advance(item, role),
            answered=found.answered,
            seats=found.seats,
            filters=dossier_page.filter_form(choices) if choices is not None else None,
            companies=choices.companies if choices is not None else [],
            composable=composable,
            standing=found.standing,
            releasable=item.phase in summary.RELEASABLE,
        )
