"""The consolidated advice and the municipality's answer ("pas toe of leg uit").

The board writes numbered points while the advice is being written, each resting on
the feedback on one section; every save keeps a version. Sending the advice (the
phase step to "advice sent") freezes the last version, from which the PDF letter is
rendered. The municipality then answers every point — adopted, partly, or not, with an
explanation where not fully adopted — and cannot take the step to its answer while a
point is open. Every refusal raises ``AdviceError`` and changes nothing."""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from kringwerk.plugin_api import (
    Document,
    DocumentTable,
    Paragraph,
    Points,
    Section,
    current_tenant,
    db,
    record,
    render_document_pdf,
    utcnow,
)
from plugins.mkb_toets.models import AdvicePoint, AdviceVersion, Answer, Dossier, DossierSection, Phase
from plugins.mkb_toets.summary import section_figures

MAX_TEXT = 5000
MAX_POINTS = 100


class AdviceError(ValueError):
    """An advice change the rules refuse; ``str()`` is the message for the user."""


def points_of(dossier: Dossier) -> list[AdvicePoint]:
    return list(
        db.session.scalars(
            select(AdvicePoint).where(AdvicePoint.dossier_id == dossier.id).order_by(AdvicePoint.number)
        )
    )


def _section(dossier: Dossier, section_id: int | None) -> DossierSection | None:
    if section_id is None:
        return None
    section = db.session.scalar(
        select(DossierSection).where(DossierSection.id == section_id, DossierSection.dossier_id == dossier.id)
    )
    if section is None:
        raise AdviceError(_l("That section is not part of this dossier."))
    return section


def _text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise AdviceError(_l("Write the point of advice."))
    if len(text) > MAX_TEXT:
        raise AdviceError(_l("Keep each text under %(count)d characters.", count=MAX_TEXT))
    return text


def _writable(dossier: Dossier) -> None:
    if dossier.phase != Phase.ADVICE_WRITING:
        raise AdviceError(_l("The advice can only be changed while it is being written."))


def snapshot(dossier: Dossier) -> list[dict]:
    """The advice's points now, as a version keeps them."""
    return [
        {
            "number": point.number,
            "text": point.text,
            "section": f"{point.section.number}. {point.section.heading}" if point.section else None,
        }
        for point in points_of(dossier)
    ]


def _keep_version(dossier: Dossier, actor) -> AdviceVersion:
    number = (
        db.session.scalar(
            select(func.max(AdviceVersion.number)).where(AdviceVersion.dossier_id == dossier.id)
        )
        or 0
    ) + 1
    version = AdviceVersion(
        dossier_id=dossier.id,
        number=number,
        points=snapshot(dossier),
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(version)
    db.session.flush()
    return version


def add_point(dossier: Dossier, text: str, *, section_id: int | None = None, actor) -> AdvicePoint:
    _writable(dossier)
    count = db.session.scalar(
        select(func.count()).select_from(AdvicePoint).where(AdvicePoint.dossier_id == dossier.id)
    )
    if count >= MAX_POINTS:
        raise AdviceError(_l("An advice has at most %(count)d points.", count=MAX_POINTS))
    section = _section(dossier, section_id)
    point = AdvicePoint(
        dossier_id=dossier.id, number=count + 1, text=_text(text), section_id=section.id if section else None
    )
    db.session.add(point)
    db.session.flush()
    _keep_version(dossier, actor)
    record("mkb-toets.advice_point_added", actor=actor, target=dossier, target_label=dossier.title)
    return point


def edit_point(
    dossier: Dossier, point_id: int, text: str, *, section_id: int | None = None, actor
) -> AdvicePoint:
    _writable(dossier)
    point = db.session.scalar(
        select(AdvicePoint).where(AdvicePoint.id == point_id, AdvicePoint.dossier_id == dossier.id)
    )
    if point is None:
        raise AdviceError(_l("That point is not part of this advice."))
    point.text = _text(text)
    section = _section(dossier, section_id)
    point.section_id = section.id if section else None
    db.session.flush()
    db.session.refresh(point)
    _keep_version(dossier, actor)
    return point


def sent_version(dossier: Dossier) -> AdviceVersion | None:
    return db.session.scalar(
        select(AdviceVersion).where(
            AdviceVersion.dossier_id == dossier.id, AdviceVersion.sent_at.is_not(None)
        )
    )


def freeze(dossier: Dossier, *, actor) -> AdviceVersion:
    """Called by the step to "advice sent": the current points become the sent version."""
    if not points_of(dossier):
        raise AdviceError(_l("Write at least one point of advice before sending it."))
    version = _keep_version(dossier, actor)
    version.sent_at = utcnow()
    return version


def answer_point(
    dossier: Dossier, point_id: int, answer: str, explanation: str | None, *, actor
) -> AdvicePoint:
    if dossier.phase != Phase.ADVICE_SENT:
        raise AdviceError(_l("The advice can be answered once it has been sent, until the answer is given."))
    point = db.session.scalar(
        select(AdvicePoint).where(AdvicePoint.id == point_id, AdvicePoint.dossier_id == dossier.id)
    )
    if point is None:
        raise AdviceError(_l("That point is not part of this advice."))
    try:
        chosen = Answer(answer)
    except ValueError:
        raise AdviceError(_l("Choose adopted, partly adopted or not adopted.")) from None
    explanation = (explanation or "").strip() or None
    if chosen != Answer.ADOPTED and not explanation:
        raise AdviceError(_l("Explain why the point is not (fully) adopted."))
    if explanation and len(explanation) > MAX_TEXT:
        raise AdviceError(_l("Keep each text under %(count)d characters.", count=MAX_TEXT))
    point.answer, point.explanation = chosen, explanation
    point.answered_at, point.answered_by_id = utcnow(), getattr(actor, "id", None)
    record(
        "mkb-toets.advice_answered",
        actor=actor,
        target=dossier,
        target_label=dossier.title,
        details={"point": point.number, "answer": chosen.value},
    )
    return point


def unanswered(dossier: Dossier) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AdvicePoint)
        .where(AdvicePoint.dossier_id == dossier.id, AdvicePoint.answer.is_(None))
    )


def letter(dossier: Dossier, version: AdviceVersion) -> Document:
    """The advice letter of ``version``: the note, the panel's figures, the numbered points."""
    tenant = current_tenant()
    figures = section_figures(dossier, names="municipality")
    return Document(
        title=_("Advice on %(title)s", title=dossier.title),
        subtitle=_(
            "MKB-toets by %(name)s, version %(number)d",
            name=tenant.name if tenant else "",
            number=version.number,
        ),
        sections=[
            Section(
                _("The proposal"), [Paragraph(text) for text in (dossier.problem, dossier.proposal) if text]
            ),
            Section(
                _("What the panel said"),
                [
                    DocumentTable(
                        [
                            _("Section"),
                            _("Workable"),
                            _("Workable with changes"),
                            _("Not workable"),
                            _("Hours per year"),
                            _("Euros per year"),
                        ],
                        [
                            [
                                f"{row.section.number}. {row.section.heading}",
                                *(format_decimal(count) for count in row.verdicts.values()),
                                format_decimal(row.hours_yearly),
                                format_decimal(row.euros_yearly),
                            ]
                            for row in figures
                        ],
                    )
                ],
            ),
            Section(
                _("Our advice"),
                [
                    Points(
                        [
                            point["text"] + (f" ({point['section']})" if point.get("section") else "")
                            for point in version.points
                        ]
                    )
                ],
            ),
        ],
    )


def letter_pdf(dossier: Dossier) -> bytes:
    version = sent_version(dossier)
    if version is None:
        raise AdviceError(_l("The advice has not been sent yet."))
    return render_document_pdf(letter(dossier, version), tenant=current_tenant())
