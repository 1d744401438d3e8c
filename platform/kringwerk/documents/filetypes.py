"""What an uploaded file is, read from its content (never from its name).

puremagic reads the magic numbers; a Word file is a zip archive, so it counts
only when the archive holds ``word/document.xml`` declared as a plain (macro-free)
Word document; an image counts only when Pillow can read its header.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import puremagic
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class FileType:
    kind: str  # "pdf", "docx" or "image": what callers allow
    content_type: str
    extension: str  # the extension a download gets


PDF = FileType("pdf", "application/pdf", ".pdf")
DOCX = FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx")
IMAGES = {
    "image/png": FileType("image", "image/png", ".png"),
    "image/jpeg": FileType("image", "image/jpeg", ".jpg"),
    "image/webp": FileType("image", "image/webp", ".webp"),
    "image/gif": FileType("image", "image/gif", ".gif"),
}
PILLOW_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}

# How the kinds are named to people ("Only PDF files or Word documents (.docx) can be uploaded here").
KIND_LABELS = {
    "pdf": _l("PDF files"),
    "docx": _l("Word documents (.docx)"),
    "image": _l("images (PNG, JPEG, WebP, GIF)"),
}

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_CONTENT_TYPES_LIMIT = 256 * 1024


def detect(data: bytes) -> FileType | None:
    """The type of ``data`` when it is one we keep (a PDF, a Word document, an image), else None."""
    try:
        found = {match.mime_type for match in puremagic.magic_string(data)}
    except (puremagic.PureError, ValueError):
        return None
    if "application/pdf" in found and data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return DOCX if _is_word_document(data) else None
    image_types = found & IMAGES.keys()
    if image_types:
        return _checked_image(data, image_types)
    return None


def _is_word_document(data: bytes) -> bool:
    """A zip with ``word/document.xml`` declared as a Word document (not a macro-enabled
    .docm, not an Excel or PowerPoint file). Reads the directory and one small part only."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                return False
            if "word/vbaProject.bin" in names:
                return False
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _CONTENT_TYPES_LIMIT:
                return False
            with archive.open(info) as part:
                content_types = part.read(_CONTENT_TYPES_LIMIT).decode("utf-8", "replace")
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError):
        return False
    return WORD_MAIN in content_types and "macroEnabled" not in content_types


def _checked_image(data: bytes, expected: set[str]) -> FileType | None:
    """The image type when Pillow reads the same format the magic number announced."""
    # Imported here, not at the top: only uploads need Pillow, and a web worker that never
    # takes one need not hold it.
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            content_type = PILLOW_FORMATS.get(image.format or "")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return IMAGES[content_type] if content_type in expected else None
