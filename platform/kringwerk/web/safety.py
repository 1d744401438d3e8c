"""Small guards for what users send: redirect targets, integer query arguments,
and control characters in any form or query string (refused once here, so no
form has to)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, abort, request
from flask_babel import gettext as _

from kringwerk.web.converters import MAX_DATABASE_ID

# C0 controls but tab, LF and CR (a textarea sends those), and DEL. PostgreSQL cannot
# store a NUL in text at all; none of them belongs in anything a person types.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# In a single-line value (a redirect target) CR and LF are refused too.
LINE_BREAKS = re.compile(r"[\r\n]")


def install(app: Flask) -> None:
    app.before_request(refuse_control_characters)


def refuse_control_characters() -> None:
    """400 for a request whose query string or form holds a control character."""
    fields = [request.args]
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        fields.append(request.form)
    for multidict in fields:
        for key, value in multidict.items(multi=True):
            if CONTROL_CHARACTERS.search(key) or CONTROL_CHARACTERS.search(value):
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
