"""PDF files from Jinja templates, in the tenant's look, with WeasyPrint.

A template extends ``documents/layout.html`` (A4, the tenant's name and logo in
the header, its name and the page number in the footer) and fills the block
``body``; ``documents/document.html`` renders a ``structure.Document``.
WeasyPrint fetches nothing from outside: the logo travels as a ``data:`` URI
and every other URL is refused, so text from users cannot make the renderer
read files or call servers.
"""

from __future__ import annotations

import re

from flask import render_template
from flask_babel import gettext as _

from kringwerk.documents.branding import branding_for
from kringwerk.documents.structure import Document
from kringwerk.tenancy.models import Tenant

DOCUMENT_TEMPLATE = "documents/document.html"


def render_pdf(template_name: str, *, tenant: Tenant | None = None, **context) -> bytes:
    """Render ``template_name`` with ``context`` as a PDF for ``tenant`` (by default
    the tenant being worked for). The template sees ``branding`` and ``page_label``."""
    # Imported here: WeasyPrint takes half a second to load Pango, which every app
    # start (CLI, workers, tests) would pay otherwise.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_template(
        template_name, branding=branding_for(tenant), page_label=page_label_css(), **context
    )
    fetcher = URLFetcher(allowed_protocols={"data"})
    # PDF/UA: tagged, with its language and title, readable by a screen reader (public
    # bodies among the tenants must publish accessible documents).
    return HTML(string=html, url_fetcher=fetcher).write_pdf(pdf_variant="pdf/ua-1")


def render_document_pdf(document: Document, *, tenant: Tenant | None = None) -> bytes:
    """A ``Document`` as a PDF."""
    return render_pdf(DOCUMENT_TEMPLATE, tenant=tenant, document=document)


def page_label_css() -> str:
    """The translated "Page 2 of 5" as a CSS ``content`` value with page counters."""
    label = _("Page %(page)s of %(pages)s", page="\x00page\x00", pages="\x00pages\x00")
    parts = []
    # re.split with a group alternates text and counter names: text, name, text, ...
    for index, piece in enumerate(re.split(r"\x00(pages?)\x00", label)):
        if index % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(css_string(piece))
    return " ".join(parts)


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string; quotes, backslashes, line breaks and angle brackets
    are escaped, so it can never end the string or the ``<style>`` element around it."""
    escaped = "".join(c if c.isprintable() and c not in '"\\<>' else f"\\{ord(c):x} " for c in text)
    return f'"{escaped}"'
