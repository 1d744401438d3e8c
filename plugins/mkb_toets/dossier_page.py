"""What the dossier page and the dossier list read, in as few statements as the page allows.

The dossier page used to run eleven statements of its own: the dossier, two counts, three
lazy loads (themes, timeline, sections), the attachment, and five for the board's panel
forms (sectors, parks, circles, companies, the standing panel's size). Here the dossier
comes with its themes, its attachment and the counts the reader's role is shown in one
statement; the timeline and the sections in one narrow statement; the board's choices
(companies, sectors, parks, circles) one more, only while the panel may change. The page
runs them only when it is built (``kept_pages``): once per person and write.

The statements are built once per process with bound parameters (building a select with
scalar subqueries costs more than running it); the tenant wall adds its criteria to each
execution, subqueries included, and row-level security holds on PostgreSQL as before."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import (
    Select,
    String,
    bindparam,
    func,
    literal,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import joinedload

from kringwerk.plugin_api import BusinessPark, Circle, Company, Role, StoredFile, db, panel_contacts
from plugins.mkb_toets.dossiers import only_visible
from plugins.mkb_toets.forms import PanelFilterForm
from plugins.mkb_toets.models import Dossier, DossierSection, Phase, PhaseChange
from plugins.mkb_toets.panel import COMPOSABLE
from plugins.mkb_toets.summary import answered_count, seats_count

STAFF = (Role.ADMIN, Role.MUNICIPALITY)


@dataclass(frozen=True)
class Step:
    """One phase on the timeline and its last change, if the dossier got there."""

    phase: Phase
    changed_at: datetime | None = None
    actor_label: str | None = None
    reached: bool = False


@dataclass(frozen=True)
class DossierPage:
    dossier: Dossier
    attachment: StoredFile | None
    answered: int  # seats that gave any feedback (0 unless the reader is staff)
    seats: int  # seats on the panel (0 unless the reader is staff)
    standing: int  # the standing panel's size (0 unless the board may still compose)


class Option(NamedTuple):
    """One choice of the board's panel forms: a company, business park or circle."""

    id: int
    name: str


@dataclass(frozen=True)
class PanelChoices:
    """What the board's panel forms offer: companies by name, sectors, parks, circles."""

    companies: list[Option]
    sectors: list[str]
    parks: list[Option]
    circles: list[Option]


@functools.cache
def _page_statement(staff: bool, board: bool) -> Select:
    """The dossier (with themes and attachment) if visible, and the counts its reader sees."""
    zero = literal(0)
    statement = (
        select(
            Dossier,
            StoredFile,
            answered_count() if staff else zero,
            seats_count() if staff else zero,
            (
                select(func.count()).select_from(panel_contacts().subquery()).scalar_subquery()
                if board
                else zero
            ),
        )
        .outerjoin(StoredFile, StoredFile.id == Dossier.attachment_id)
        .where(Dossier.id == bindparam("dossier_id"))
        .options(joinedload(Dossier.themes))
    )
    return only_visible(statement, Role.ADMIN if staff else None)


def load(dossier_id: int, role: Role | None) -> DossierPage | None:
    """The dossier page's main read: None when the dossier is not there for ``role`` (another
    tenant's, unknown, or a draft for someone not staff). The counts come only for the staff
    and the standing panel's size only for the board while the panel may change: the page
    shows them nowhere else."""
    staff = role in STAFF
    board = role == Role.ADMIN
    row = db.session.execute(_page_statement(staff, board), {"dossier_id": dossier_id}).unique().one_or_none()
    if row is None:
        return None
    dossier, attachment, answered, seats, standing = row
    if board and dossier.phase not in COMPOSABLE:
        standing = 0
    return DossierPage(dossier, attachment, answered or 0, seats or 0, standing or 0)


class Section(NamedTuple):
    """One section of the draft as the page shows it."""

    id: int
    number: int
    heading: str
    body: str


@dataclass(frozen=True)
class Story:
    """The dossier's timeline (every phase, reached or not) and its sections by number."""

    timeline: list[Step]
    sections: list[Section]


@functools.cache
def _story_statement() -> Select:
    # One statement for both lists, "kind" sorting them apart: the timeline's changes in
    # the order they were made, the sections by number. The timeline comes first so the
    # union's last column reads as a point in time; its phase reads as plain text.
    changes = select(
        literal_column("'t'").label("kind"),
        PhaseChange.id.label("position"),
        null().label("section_id"),
        type_coerce(PhaseChange.to_phase, String).label("title"),
        PhaseChange.actor_label.label("text"),
        PhaseChange.changed_at.label("changed_at"),
    ).where(PhaseChange.dossier_id == bindparam("dossier_id"))
    sections = select(
        literal_column("'s'"),
        DossierSection.number,
        DossierSection.id,
        DossierSection.heading,
        DossierSection.body,
        null(),
    ).where(DossierSection.dossier_id == bindparam("dossier_id"))
    both = union_all(changes, sections).subquery()
    return select(*both.c).order_by(both.c.kind, both.c.position)


def story(dossier_id: int) -> Story:
    """The timeline, with the last change that brought the dossier into each phase, and the
    sections as rows of (id, number, heading, body), by number: one statement."""
    last: dict[Phase, tuple] = {}
    found: list[Section] = []
    for kind, position, section_id, title, text, changed_at in db.session.execute(
        _story_statement(), {"dossier_id": dossier_id}
    ):
        if kind == "t":
            last[Phase(title)] = (changed_at, text)
        else:
            found.append(Section(section_id, position, title, text or ""))
    steps = [Step(phase, *last[phase], reached=True) if phase in last else Step(phase) for phase in Phase]
    return Story(steps, found)


@functools.cache
def _choices_statement() -> Select:
    # One statement for four lists; "kind" sorts them apart, each by name as before.
    options = union_all(
        select(literal_column("'c'").label("kind"), Company.id, Company.name, Company.sector),
        select(literal_column("'p'").label("kind"), BusinessPark.id, BusinessPark.name, null()),
        select(literal_column("'r'").label("kind"), Circle.id, Circle.name, null()),
    ).subquery()
    return select(options.c.kind, options.c.id, options.c.name, options.c.sector).order_by(
        options.c.kind, options.c.name
    )


def panel_choices() -> PanelChoices:
    """The companies, sectors, business parks and circles of the tenant, in one statement."""
    found: dict[str, list] = {"c": [], "p": [], "r": []}
    sectors: set[str] = set()
    for kind, id_, name, sector in db.session.execute(_choices_statement()):
        found[kind].append(Option(id_, name))
        if kind == "c" and sector is not None:
            sectors.add(sector)
    return PanelChoices(found["c"], sorted(sectors), found["p"], found["r"])


@functools.cache
def _listing_statement(staff: bool) -> Select:
    statement = select(
        Dossier.id, Dossier.title, Dossier.policy_area, Dossier.phase, Dossier.consultation_closes_at
    ).order_by(Dossier.created_at.desc(), Dossier.id.desc())
    return only_visible(statement, Role.ADMIN if staff else None)


def listing(role: Role | None) -> Select:
    """The dossier list's rows, newest first: only the columns the list shows."""
    return _listing_statement(role in STAFF)


def filter_form(choices: PanelChoices | None = None) -> PanelFilterForm:
    """The board's panel filter with its choices (loaded here unless ``choices`` are given)."""
    choices = choices if choices is not None else panel_choices()
    form = PanelFilterForm()
    form.sector.choices = [("", _("Any sector"))] + [(s, s) for s in choices.sectors]
    form.business_park_id.choices = [("", _("Any business park"))] + [
        (str(id_), name) for id_, name in choices.parks
    ]
    form.circle_id.choices = [("", _("Any circle"))] + [(str(id_), name) for id_, name in choices.circles]
    return form
