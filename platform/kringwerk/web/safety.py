"""Small guards for what users send: request sizes, redirect targets, integer
query arguments, and control characters in any form or query string (refused
once here, so no form has to)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, Request, abort, current_app, request
from flask_babel import gettext as _

from kringwerk.web.converters import MAX_DATABASE_ID

# C0 controls but tab, LF and CR (a textarea sends those), and DEL. PostgreSQL cannot
# store a NUL in text at all; none of them belongs in anything a person types.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# In a single-line value (a redirect target) CR and LF are refused too.
LINE_BREAKS = re.compile(r"[\r\n]")


def install(app: Flask) -> None:
    app.request_class = SizeLimitedRequest
    app.before_request(refuse_control_characters)


class SizeLimitedRequest(Request):
    """``MAX_CONTENT_LENGTH`` (10 MB) is for uploads; any other body (a form, an
    autosave) may be ``MAX_FORM_MEMORY_SIZE`` at most, or it answers 413.

    Werkzeug reads a urlencoded form whole and applies ``MAX_FORM_MEMORY_SIZE``
    only to the parts of a multipart one, so without this a 9 MB draft got in.
    A property rather than a hook: Flask-WTF's CSRF check reads the form before
    any later ``before_request`` could look."""

    @property
    def max_content_length(self) -> int | None:
        limit = super().max_content_length
        if self._max_content_length is not None or not current_app or self.mimetype == "multipart/form-data":
            return limit
        form_limit = current_app.config.get("MAX_FORM_MEMORY_SIZE")
        if form_limit is None:
            return limit
        return form_limit if limit is None else min(limit, form_limit)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def refuse_control_characters() -> None:
    """400 for a request whose query string or form holds a control character."""
    # An empty query string parses to no arguments: most GETs leave at once, without
    # building request.args.
    fields = [request.args] if request.query_string else []
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        fields.append(request.form)
    for multidict in fields:
        for key, value in multidict.items(multi=True):
            # A multipart part whose name werkzeug cannot read (a backslash before the
            # closing quote) comes as None; it reaches no form field.
            if CONTROL_CHARACTERS.search(key or "") or CONTROL_CHARACTERS.search(value or ""):
                abort(
                    400,
                    _("The request contains a control character (such as a NUL byte) that cannot be stored."),
                )


def int_arg(name: str) -> int | None:
    """The query argument ``name`` as an id-sized integer (1 to the largest id the
    database holds), or None: a larger number is no row, and would overflow the driver."""
    value = request.args.get(name, "")
    # Python refuses to parse numbers of thousands of digits; ten are enough for any id.
    if not value.isascii() or not value.isdigit() or len(value) > len(str(MAX_DATABASE_ID)):
        return None
    number = int(value)
    return number if 0 < number <= MAX_DATABASE_ID else None


def safe_next_url(target: str | None, *, fallback: str) -> str:
    """``target`` if it is a path on this site, else ``fallback`` (no open redirects)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or LINE_BREAKS.search(target) or CONTROL_CHARACTERS.search(target):
        return fallback
    return target
