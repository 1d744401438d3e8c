"""Sending a rendered document or a stored file to the browser: the right content
type, a download name that is safe in a header, nothing cached, no sniffing."""

from __future__ import annotations

import io

from flask import Response, send_file

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def send_document(data: bytes, filename: str, kind: str, *, inline: bool = False) -> Response:
    """Answer with a rendered document: ``kind`` is ``pdf`` or ``docx``; it downloads as
    ``filename`` (a PDF opens in the browser with ``inline=True``)."""
    if kind not in CONTENT_TYPES:
        raise ValueError(f"kind must be one of {sorted(CONTENT_TYPES)}, not {kind!r}")
    return private_file(io.BytesIO(data), CONTENT_TYPES[kind], filename, inline=inline)


def private_file(source, content_type: str, filename: str, *, inline: bool) -> Response:
    """``source`` (a path or a binary stream) as a tenant's private file. Werkzeug writes
    the name as ``filename="ascii"; filename*=UTF-8''...``, so any name is header-safe."""
    response = send_file(
        source,
        mimetype=content_type,
        as_attachment=not inline,
        download_name=filename,
        max_age=0,
        conditional=False,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
