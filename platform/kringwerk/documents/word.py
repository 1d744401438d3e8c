"""Word files (.docx) from a ``structure.Document``, in the tenant's look, with
python-docx: A4, the logo and name in the header of every page, the name and
"Page 2 of 5" in the footer, headings and table heads in the brand colour, the
language of the text set so Word checks the right spelling."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from flask_babel import get_locale
from flask_babel import gettext as _

from kringwerk.documents.branding import Branding, branding_for
from kringwerk.documents.structure import Block, Document, Paragraph, Points
from kringwerk.tenancy.models import Tenant

if TYPE_CHECKING:
    from docx.shared import RGBColor

# python-docx (with lxml) and Pillow are imported inside the functions below, not at the top:
# they weigh about 9 MB and a web worker that never exports a Word file need not hold them.

HEADING_STYLES = ("Title", "Heading 1", "Heading 2")
WORD_LANGUAGES = {"nl": "nl-NL", "en": "en-GB"}


def render_docx(document: Document, *, tenant: Tenant | None = None) -> bytes:
    """``document`` as a .docx for ``tenant`` (by default the tenant being worked for)."""
    from docx import Document as new_word_file

    branding = branding_for(tenant)
    word = new_word_file()
    _page_setup(word, branding)
    _brand_styles(word, branding)
    word.core_properties.title = document.title
    word.core_properties.author = branding.name

    word.add_heading(document.title, level=0)
    if document.subtitle:
        word.add_paragraph(document.subtitle, style="Subtitle")
    _add_blocks(word, document.blocks, branding)
    for section in document.sections:
        word.add_heading(section.heading, level=section.level)
        _add_blocks(word, section.blocks, branding)

    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _page_setup(word, branding: Branding) -> None:
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Cm, Mm, Pt

    section = word.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin, section.bottom_margin = Mm(25), Mm(20)

    header = section.header.paragraphs[0]
    if branding.logo is not None:
        logo = header.add_run().add_picture(io.BytesIO(_word_image(branding.logo)), height=Cm(1.2))
        logo._inline.docPr.set("descr", _("Logo of %(name)s", name=branding.name))  # the alt text
        header.add_run("  ")
    name = header.add_run(branding.name)
    name.bold = True
    name.font.color.rgb = _rgb(branding.text_colour)

    footer = section.footer.paragraphs[0]
    footer.paragraph_format.tab_stops.add_tab_stop(section.page_width - 2 * Mm(20), WD_TAB_ALIGNMENT.RIGHT)
    footer.add_run(f"{branding.name}\t")
    # "Page {page} of {pages}" with Word's own page fields in the places of the numbers.
    label = _("Page %(page)s of %(pages)s", page="\x00PAGE\x00", pages="\x00NUMPAGES\x00")
    for index, piece in enumerate(label.split("\x00")):
        if index % 2:
            _add_field(footer, piece)
        elif piece:
            footer.add_run(piece)
    word.styles["Footer"].font.size = Pt(8.5)


def _brand_styles(word, branding: Branding) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    colour = _rgb(branding.text_colour)
    for name in HEADING_STYLES:
        word.styles[name].font.color.rgb = colour
    # The language of every run, unless a run says otherwise.
    language = WORD_LANGUAGES.get(str(get_locale() or "nl"), "nl-NL")
    run_defaults = word.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = run_defaults.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        run_defaults.append(lang)
    lang.set(qn("w:val"), language)


def _add_blocks(word, blocks: list[Block], branding: Branding) -> None:
    for block in blocks:
        if isinstance(block, Paragraph):
            word.add_paragraph(block.text)
        elif isinstance(block, Points):
            numbering = _new_numbering(word) if block.numbered else None
            for item in block.items:
                paragraph = word.add_paragraph(item, style="List Number" if block.numbered else "List Bullet")
                if numbering is not None:
                    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
                    num_pr.get_or_add_ilvl().val = 0
                    num_pr.get_or_add_numId().val = numbering
        else:
            table = word.add_table(rows=1, cols=len(block.header), style="Table Grid")
            for cell, text in zip(table.rows[0].cells, block.header, strict=True):
                cell.text = text
                _shade(cell, branding.colour)
                for run in cell.paragraphs[0].runs:
                    run.bold = True
                    run.font.color.rgb = _rgb(branding.on_colour)
            for row in block.rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
            word.add_paragraph()


def _new_numbering(word) -> int:
    """A numbering of its own for one list, so each numbered list starts at 1
    (Word otherwise carries the count on across every "List Number" paragraph)."""
    numbering = word.part.numbering_part.numbering_definitions._numbering
    style_num_id = word.styles["List Number"].element.pPr.numPr.numId.val
    abstract_id = numbering.num_having_numId(style_num_id).abstractNumId.val
    num = numbering.add_num(abstract_id)
    num.add_lvlOverride(ilvl=0).add_startOverride(1)
    return num.numId


def _add_field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in when it lays out the pages."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _shade(cell, colour: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour.lstrip("#").upper())
    cell._tc.get_or_add_tcPr().append(shading)


def _word_image(data: bytes) -> bytes:
    """PNG and JPEG go in as they are; Word cannot show WebP, so that becomes PNG."""
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff")):
        return data
    from PIL import Image

    out = io.BytesIO()
    with Image.open(io.BytesIO(data)) as image:
        image.save(out, "PNG")
    return out.getvalue()


def _rgb(colour: str) -> RGBColor:
    from docx.shared import RGBColor

    return RGBColor.from_string(colour.lstrip("#").upper())
