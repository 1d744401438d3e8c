"""Documents: PDF and Word files rendered from templates in the tenant's look, and uploaded files kept per tenant.

- ``structure``: ``Document`` / ``Section`` / ``Paragraph`` / ``Points`` / ``DocumentTable``, the
  content a plugin writes once;
- ``pdf``: ``render_pdf(template, **context)`` and ``render_document_pdf(document)``
  (WeasyPrint, templates under ``templates/documents/``);
- ``word``: ``render_docx(document)`` (python-docx);
- ``services``: ``store_upload``, ``check_upload``, ``delete_file``, ``UploadError``;
- ``views``: ``/<tenant>/files/<id>/<name>`` for the tenant's members, ``file_url(stored)``;
- ``responses``: ``send_document(data, filename, kind)``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from kringwerk.documents import views

    app.register_blueprint(views.bp)
