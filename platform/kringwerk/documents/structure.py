"""One structure for a document's content, written once and rendered twice: as
HTML for the PDF (``templates/documents/document.html``) and as a Word file
(``documents.word``).

A plugin builds a ``Document`` of ``Section``s, each a heading with blocks:
``Paragraph`` (plain text; line breaks kept), ``Points`` (numbered, or bullets
with ``numbered=False``) and ``DocumentTable`` (a header row and rows of text). Text is
always plain: the HTML side escapes it and the Word side writes it as runs, so
content from users can go in as it is.

    Document(
        title="Advies MKB-toets",
        subtitle="Bedrijventerrein De Hoek",
        sections=[
            Section("Aanleiding", [Paragraph("...")]),
            Section("Aanbevelingen", [Points(["...", "..."])]),
            Section("Deelnemers", [DocumentTable(["Bedrijf", "Sector"], [["Bakkerij Jansen", "Food"]])]),
        ],
    )
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True)
class Paragraph:
    kind: ClassVar[str] = "paragraph"
    text: str


@dataclass(frozen=True)
class Points:
    """A list of points, numbered from 1 (each list starts again at 1) or with bullets."""

    kind: ClassVar[str] = "points"
    items: list[str]
    numbered: bool = True


@dataclass(frozen=True)
class DocumentTable:
    """A table of text: ``header`` names the columns, each row has one cell per column."""

    kind: ClassVar[str] = "table"
    header: list[str]
    rows: list[list[str]]

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.header):
                raise ValueError(f"a table row has {len(row)} cells for {len(self.header)} columns")


Block = Paragraph | Points | DocumentTable


@dataclass(frozen=True)
class Section:
    """A heading and what follows it; ``level`` 1 is a chapter, 2 a paragraph heading."""

    heading: str
    blocks: list[Block] = field(default_factory=list)
    level: int = 1

    def __post_init__(self) -> None:
        if self.level not in (1, 2):
            raise ValueError("a section heading has level 1 or 2")


@dataclass(frozen=True)
class Document:
    """A title, an optional subtitle (a place, a date, a reference) and sections.

    ``blocks`` before the first section serve as an introduction (or as the whole
    body of a letter without headings).
    """

    title: str
    sections: list[Section] = field(default_factory=list)
    subtitle: str | None = None
    blocks: list[Block] = field(default_factory=list)
