"""Rendered documents read back: the PDF's text extracted with pypdf, the Word
file opened with python-docx. Each carries its own tenant's name, colour and
logo, never the other tenant's."""

from __future__ import annotations

import io

import docx
import pytest
from flask_babel import force_locale
from jinja2 import ChoiceLoader, DictLoader
from pypdf import PdfReader

from kringwerk.documents.pdf import css_string, page_label_css, render_document_pdf, render_pdf
from kringwerk.documents.structure import Document, DocumentTable, Paragraph, Points, Section
from kringwerk.documents.word import render_docx
from kringwerk.extensions import db
from kringwerk.tenancy.context import tenant_scope
from kringwerk.tenants.services import set_logo
from tests.documents.support import image_bytes

ADVICE = Document(
    title="Advice on the SME test",
    subtitle="Business park De Hoek",
    blocks=[Paragraph("Dear Sir or Madam,\nhere is our advice.")],
    sections=[
        Section("Reason", [Paragraph("Café owners asked for <b>longer</b> opening hours.")]),
        Section("Recommendations", [Points(["Widen the road", "Add lighting"]), Points(["Start again"])]),
        Section(
            "Participants",
            [DocumentTable(["Company", "Sector"], [["Bakery Jansen", "Food"], ["Garage Smit", "Mobility"]])],
            level=2,
        ),
    ],
)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pdf_images(data: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages)


def with_logo(world, side, colour="blue"):
    set_logo(side.tenant, io.BytesIO(image_bytes("PNG", colour, (60, 30))), "logo.png", actor=side.admin)
    db.session.commit()


@pytest.mark.both_databases
def test_a_pdf_carries_the_content_and_its_tenants_name_only(world, app):
    world.a.tenant.brand_colour = "#aa3300"
    db.session.commit()
    with app.test_request_context(), tenant_scope(world.a.tenant):
        data = render_document_pdf(ADVICE)
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title == "Advice on the SME test" and reader.metadata.author == "Kring A"
    assert reader.trailer["/Root"]["/Lang"] == "en" and "/StructTreeRoot" in reader.trailer["/Root"]  # tagged
    text = pdf_text(data)
    for expected in (
        "Advice on the SME test",
        "Business park De Hoek",
        "here is our advice.",
        "Café owners asked for <b>longer</b> opening hours.",  # text, never markup
        "Widen the road",
        "Bakery Jansen",
        "Mobility",
        "Kring A",
        "Page 1 of 1",
    ):
        assert expected in text
    assert "Kring B" not in text
    assert pdf_images(data) == 0  # no logo set

    with app.test_request_context():
        other = pdf_text(render_document_pdf(ADVICE, tenant=world.b.tenant))
    assert "Kring B" in other and "Kring A" not in other


def test_the_pdf_shows_the_logo_when_there_is_one(world, app):
    with_logo(world, world.a)
    with app.test_request_context():
        assert pdf_images(render_document_pdf(ADVICE, tenant=world.a.tenant)) == 1
        assert pdf_images(render_document_pdf(ADVICE, tenant=world.b.tenant)) == 0


def test_a_job_renders_for_the_tenant_in_scope_and_in_dutch(world, app):
    """No request: the tenant comes from the scope (as in a background job)."""
    with tenant_scope(world.b.tenant), force_locale("nl"):
        text = pdf_text(
            render_document_pdf(Document("Intentieverklaring", blocks=[Paragraph("Wij doen mee.")]))
        )
    assert "Intentieverklaring" in text and "Wij doen mee." in text
    assert "Kring B" in text and "Kring A" not in text
    assert "Pagina 1 van 1" in text


def test_rendering_without_a_tenant_is_refused(app):
    with app.test_request_context(), pytest.raises(RuntimeError, match="needs a tenant"):
        render_document_pdf(ADVICE)


def test_the_page_label_is_css_with_counters_and_escaped_text(app):
    with app.test_request_context():
        assert page_label_css() == '"Page " counter(page) " of " counter(pages)'
    assert css_string('a"b\\c\n</style>') == '"a\\22 b\\5c c\\a \\3c /style\\3e "'


@pytest.mark.both_databases
def test_a_docx_has_the_paragraphs_headings_in_the_brand_colour_and_its_tenant(world, app):
    world.a.tenant.brand_colour = "#aa3300"
    db.session.commit()
    with app.test_request_context(), tenant_scope(world.a.tenant):
        word = docx.Document(io.BytesIO(render_docx(ADVICE)))

    paragraphs = [(p.style.name, p.text) for p in word.paragraphs]
    assert ("Title", "Advice on the SME test") in paragraphs
    assert ("Subtitle", "Business park De Hoek") in paragraphs
    assert ("Normal", "Dear Sir or Madam,\nhere is our advice.") in paragraphs
    assert ("Heading 1", "Reason") in paragraphs
    assert ("Normal", "Café owners asked for <b>longer</b> opening hours.") in paragraphs
    assert ("Heading 2", "Participants") in paragraphs
    points = [p for p in word.paragraphs if p.style.name == "List Number"]
    assert [p.text for p in points] == ["Widen the road", "Add lighting", "Start again"]
    # Each numbered list counts from 1 on its own.
    num_ids = [p._p.pPr.numPr.numId.val for p in points]
    assert num_ids[0] == num_ids[1] != num_ids[2]

    table = word.tables[0]
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["Company", "Sector"],
        ["Bakery Jansen", "Food"],
        ["Garage Smit", "Mobility"],
    ]
    for style in ("Title", "Heading 1", "Heading 2"):
        assert str(word.styles[style].font.color.rgb) == "AA3300"
    assert word.core_properties.title == "Advice on the SME test"

    header = word.sections[0].header
    footer = word.sections[0].footer
    assert "Kring A" in header.paragraphs[0].text and "Kring A" in footer.paragraphs[0].text
    assert "Kring B" not in header.paragraphs[0].text + footer.paragraphs[0].text
    assert not header.part.package.image_parts  # no logo set
    assert [
        f.get(docx.oxml.ns.qn("w:instr")) for f in footer._element.iter(docx.oxml.ns.qn("w:fldSimple"))
    ] == [
        "PAGE",
        "NUMPAGES",
    ]


def test_the_docx_header_shows_the_logo_when_there_is_one(world, app):
    with_logo(world, world.a)
    with app.test_request_context():
        with_a = docx.Document(io.BytesIO(render_docx(ADVICE, tenant=world.a.tenant)))
        with_b = docx.Document(io.BytesIO(render_docx(ADVICE, tenant=world.b.tenant)))
    header = with_a.sections[0].header
    pictures = list(header._element.iter(docx.oxml.ns.qn("pic:pic")))
    assert len(pictures) == 1
    assert [d.get("descr") for d in header._element.iter(docx.oxml.ns.qn("wp:docPr"))] == ["Logo of Kring A"]
    assert [part.content_type for part in header.part.package.image_parts] == ["image/png"]
    assert not list(with_b.sections[0].header._element.iter(docx.oxml.ns.qn("pic:pic")))


def test_a_webp_logo_goes_into_word_as_png(world, app):
    set_logo(
        world.a.tenant, io.BytesIO(image_bytes("WEBP", "green", (40, 20))), "logo.webp", actor=world.a.admin
    )
    db.session.commit()
    with app.test_request_context():
        word = docx.Document(io.BytesIO(render_docx(ADVICE, tenant=world.a.tenant)))
        assert pdf_images(render_document_pdf(ADVICE, tenant=world.a.tenant)) == 1
    assert [part.content_type for part in word.sections[0].header.part.package.image_parts] == ["image/png"]


def test_the_renderer_fetches_no_file_or_address_a_template_names(world, app, tmp_path):
    """Only data: URIs load, so nothing in a document can make the renderer read a
    server file or call a server."""
    picture = tmp_path / "secret.png"
    picture.write_bytes(image_bytes())
    app.jinja_env.loader = ChoiceLoader(
        [
            DictLoader(
                {
                    "test/fetching.html": '{% extends "documents/layout.html" %}{% block body %}'
                    '<p>Fetching</p><img src="{{ path }}"><img src="http://127.0.0.1:9/x.png">'
                    '<link rel="stylesheet" href="{{ path }}">{% endblock %}'
                }
            ),
            app.jinja_env.loader,
        ]
    )
    with app.test_request_context():
        data = render_pdf("test/fetching.html", tenant=world.a.tenant, path=picture.as_uri())
    assert "Fetching" in pdf_text(data) and "Kring A" in pdf_text(data)
    assert pdf_images(data) == 0
