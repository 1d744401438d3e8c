"""The printable year overview (jaarkalender) as a core ``Document``: a section per month
with a table of the events, in the reader's language and Europe/Amsterdam time."""

from __future__ import annotations

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _

from kringwerk.plugin_api import Document, DocumentTable, Paragraph, Section
from plugins.events.services import by_month


def year_document(tenant, year: int, events) -> Document:
    sections = [
        Section(
            heading=format_date(month, "MMMM yyyy"),
            blocks=[
                DocumentTable(
                    header=[_("When"), _("Event"), _("Organiser"), _("Open to")],
                    rows=[
                        [
                            format_datetime(event.starts_at, "EEE d MMM HH:mm"),
                            event.title,
                            event.organiser or tenant.name,
                            str(event.audience.label),
                        ]
                        for event in items
                    ],
                )
            ],
        )
        for month, items in by_month(events)
    ]
    if not sections:
        sections = [Section(heading=str(year), blocks=[Paragraph(_("No events planned yet."))])]
    return Document(title=_("Annual calendar %(year)s", year=year), subtitle=tenant.name, sections=sections)
