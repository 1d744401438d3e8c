"""A version of a letter of intent as a PDF in the owner's look (name, colour, logo),
with every signature under that version so far. Rendered on request, never stored."""

from __future__ import annotations

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _

from kringwerk.documents.pdf import render_document_pdf
from kringwerk.documents.structure import Document, DocumentTable, Paragraph, Section
from kringwerk.networks.letters import signatures
from kringwerk.networks.models import LetterVersion
from kringwerk.tenancy.models import Tenant
from kringwerk.web.templating import datetime_pattern


def letter_document(
    owner: Tenant, version: LetterVersion, *, left: dict[int, object] | None = None
) -> Document:
    """The letter's text (paragraphs split on blank lines) and a table of its signatures.

    ``left`` maps member tenant ids to the date they left the network: their signature
    stays, with that date beside it.
    """
    left = left or {}
    paragraphs = [Paragraph(part.strip()) for part in version.text.split("\n\n") if part.strip()]
    rows = []
    for signature in signatures(version):
        organisation = signature.organisation
        if signature.member_tenant_id in left:
            organisation = _(
                "%(name)s (left on %(date)s)",
                name=organisation,
                date=format_date(left[signature.member_tenant_id]),
            )
        rows.append(
            [
                signature.full_name,
                signature.function,
                organisation,
                format_date(signature.signed_on),
                # As on the pages: the date in words, the time to the minute.
                format_datetime(signature.signed_at, datetime_pattern("medium")),
            ]
        )
    header = [_("Name"), _("Function"), _("Organisation"), _("Date"), _("Signed online")]
    blocks = [DocumentTable(header, rows)] if rows else [Paragraph(_("Nobody has signed this version yet."))]
    return Document(
        title=version.title,
        subtitle=_(
            "%(owner)s · version %(number)s of %(date)s",
            owner=owner.name,
            number=version.number,
            date=format_date(version.created_at),
        ),
        blocks=paragraphs,
        sections=[Section(_("Signatures"), blocks)],
    )


def letter_pdf(owner: Tenant, version: LetterVersion, *, left: dict[int, object] | None = None) -> bytes:
    return render_document_pdf(letter_document(owner, version, left=left), tenant=owner)


def pdf_filename(version: LetterVersion) -> str:
    return f"{version.title} v{version.number}.pdf"
