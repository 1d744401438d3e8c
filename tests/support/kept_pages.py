"""Kept pages compared with pages built fresh: a wrong key of ``remember``/``remembered_html``
serves one person's, role's, page's or tenant's version to another.

``compare(app, client, url)`` asks for ``url`` twice with the data kept (the app's default)
and once with ``KEEP_PAGE_DATA`` off, as the visitor signed in on ``client``, and names
every difference in status, ``Location`` or body. Only what is legitimately per request or
per rendering is normalised, each named in ``PER_RENDERING`` with its reason: the CSRF
token's value (the one thing a kept fragment puts in on the way out; each token is first
checked to be the visitor's own: it decodes to the raw token of their session, the same for
every token of the response, so another visitor's token served from a kept page stays a
difference), the ids a chart takes from a per-process counter, and an iCalendar feed's
DTSTAMP (the time it was generated); downloads are compared by what they hold, without the
times they were made (``_document``). Pages carry no CSP nonce.
The walk (tests/isolation/test_kept_pages.py) shows the list is enough: two fresh builds of
every page compare equal with it.

``variants(pages)`` finds the query strings the pages themselves link to or filter with
(pagination, a calendar's months, a directory's filters), so the walk asks for a page with
the arguments a key must name.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from itsdangerous import BadData, URLSafeTimedSerializer

TOKEN_VALUE = r"[A-Za-z0-9_\-\.]+"
# Where a token appears: an input named csrf_token (either attribute order) and the htmx
# header of base.html's body.
TOKEN_PATTERNS = (
    re.compile(rf'(name="csrf_token"[^>]*?value=")({TOKEN_VALUE})(")'),
    re.compile(rf'(value=")({TOKEN_VALUE})("[^>]*?name="csrf_token")'),
    re.compile(rf'("X-CSRFToken": ")({TOKEN_VALUE})(")'),
)
TOKEN_MARK = "CSRF-TOKEN-OF-THIS-VISITOR"

# Downloads, compared by what they hold (``_document``).
ZIP, PDF = b"PK\x03\x04", b"%PDF"
OFFICE_TIMES = re.compile(r"<(dcterms:(?:created|modified))\b[^>]*>[^<]*</dcterms:(?:created|modified)>")
PDF_TIMES = (
    (re.compile(r"/(CreationDate|ModDate) ?\(D:[^)]*\)"), r"/\1 (made)"),
    (re.compile(r"/ID ?\[ ?<[0-9a-fA-F]+> ?<[0-9a-fA-F]+> ?\]"), "/ID [made]"),
)

# (mimetype or None for any, pattern, replacement, reason)
PER_RENDERING = (
    (
        None,
        re.compile(r"\b([a-z]+-chart-)\d+(-(?:title|desc))\b"),
        r"\1N\2",
        "an SVG chart's ids come from a per-process counter (polls/charts.py, masterplan/charts.py)",
    ),
    (
        "text/calendar",
        re.compile(r"^DTSTAMP:\d{8}T\d{6}Z\r?$", re.MULTILINE),
        "DTSTAMP:generated",
        "RFC 5545: the time the iCalendar object was generated",
    ),
)


@dataclass
class Seen:
    """One response, normalised."""

    status: int
    location: str
    body: str
    raw_tokens: set[str] = field(default_factory=set)
    foreign: list[str] = field(default_factory=list)  # token values this app did not sign


def _serializer(app) -> URLSafeTimedSerializer:
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token")


def seen(app, response) -> Seen:
    """The response with each CSRF token replaced by a mark, and the raw tokens they carry."""
    location = response.headers.get("Location", "")
    data = response.get_data()
    if data.startswith((ZIP, PDF)):
        return Seen(response.status_code, location, _document(data))
    try:
        body = data.decode("utf-8")
    except UnicodeDecodeError:
        return Seen(response.status_code, location, repr(data))
    result = Seen(response.status_code, location, body)
    serializer = _serializer(app)

    def mark(match: re.Match) -> str:
        token = match.group(2)
        try:
            raw = serializer.loads(token)
        except BadData:
            result.foreign.append(token)
            return match.group(0)  # not a token of this app: left as it is, a difference
        result.raw_tokens.add(raw)
        return f"{match.group(1)}{TOKEN_MARK}{match.group(3)}"

    for pattern in TOKEN_PATTERNS:
        body = pattern.sub(mark, body)
    for mimetype, pattern, replacement, _reason in PER_RENDERING:
        if mimetype is None or response.mimetype == mimetype:
            body = pattern.sub(replacement, body)
    result.body = body
    return result


def _document(data: bytes) -> str:
    """A download (XLSX, DOCX, PDF) as text to compare, without the moment it was made: the
    times a ZIP archive stamps on its members and an Office file's created/modified
    properties, a PDF's creation and modification dates and its ID (derived from them)."""
    if data.startswith(PDF):
        text = data.decode("latin-1")
        for pattern, replacement in PDF_TIMES:
            text = pattern.sub(replacement, text)
        return text
    parts = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.infolist():
            content = OFFICE_TIMES.sub(
                r"<\1>made</\1>", archive.read(member).decode("utf-8", "backslashreplace")
            )
            parts.append(f"== {member.filename}\n{content}")
    return "\n".join(parts)


def difference(kept: Seen, fresh: Seen) -> str | None:
    """What differs between a kept and a fresh response, in one line; None if nothing."""
    if kept.status != fresh.status:
        return f"status {kept.status} kept, {fresh.status} fresh"
    if kept.location != fresh.location:
        return f"Location {kept.location!r} kept, {fresh.location!r} fresh"
    if kept.foreign and not fresh.foreign:
        return f"the kept page carries CSRF tokens this app did not sign: {kept.foreign[:2]}"
    if len(kept.raw_tokens) > 1:
        return "the kept page carries the CSRF tokens of more than one session"
    if kept.raw_tokens and fresh.raw_tokens and kept.raw_tokens != fresh.raw_tokens:
        return "the kept page carries another session's CSRF token"
    if kept.body == fresh.body:
        return None
    at = next(
        (i for i, (a, b) in enumerate(zip(kept.body, fresh.body, strict=False)) if a != b),
        min(len(kept.body), len(fresh.body)),
    )
    start = max(0, at - 80)
    return (
        f"body differs at {at}: kept …{_squeeze(kept.body[start : at + 120])}… "
        f"fresh …{_squeeze(fresh.body[start : at + 120])}…"
    )


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


HTMX = " [htmx]"  # at the end of a URL: asked for as htmx does (the page's fragment)


def get(app, client, url: str, *, keep: bool) -> Seen:
    """``url`` for ``client``'s visitor, with the data kept or built fresh; a URL ending in
    ``HTMX`` with htmx's header. A message the answer flashed for the next page (a
    redirect's) is dropped from the session: each page is compared as it shows without one,
    whatever was asked for before it."""
    saved = app.config.get("KEEP_PAGE_DATA", True)
    app.config["KEEP_PAGE_DATA"] = keep
    headers = {"HX-Request": "true"} if url.endswith(HTMX) else {}
    try:
        response = client.get(url.removesuffix(HTMX), headers=headers)
    finally:
        app.config["KEEP_PAGE_DATA"] = saved
    with client.session_transaction() as session:
        session.pop("_flashes", None)
    return seen(app, response)


def compare(app, client, url: str) -> tuple[list[str], int]:
    """Differences between ``url`` kept (asked twice) and built fresh, for ``client``'s
    visitor, and the fresh status. A difference is asked again once (kept and fresh) before
    it counts: a page keyed by the minute may cross one between the two requests; a wrong
    key gives the same wrong page again."""
    found = []
    fresh = None
    for _attempt in range(2):
        kept = [get(app, client, url, keep=True) for _ in range(2)]
        fresh = get(app, client, url, keep=False)
        found = [d for d in (difference(k, fresh) for k in kept) if d]
        if not found:
            break
    return found, fresh.status


# --- the arguments the pages themselves use ----------------------------------------------


class _QueryParser(HTMLParser):
    """Links with a query string and GET forms of a page: {path: {query string}}."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.queries: dict[str, set[str]] = defaultdict(set)
        self._form: tuple[str, dict[str, str]] | None = None
        self._select: str | None = None

    def _absolute(self, url: str):
        return urlsplit(urljoin(self.page_url, url))

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            target = self._absolute(attributes["href"])
            if target.query and target.netloc in ("", "localhost"):
                self.queries[target.path].add(target.query)
        elif tag == "form" and (attributes.get("method") or "get").lower() == "get":
            self._form = (self._absolute(attributes.get("action") or "").path, {})
        elif self._form is not None and attributes.get("name"):
            values = self._form[1]
            name = attributes["name"]
            if tag == "select":
                self._select = name
            elif tag == "input" and attributes.get("type") not in ("submit", "hidden", "button"):
                if attributes.get("type") in ("checkbox", "radio"):
                    values.setdefault(name, attributes.get("value") or "on")
                else:
                    values.setdefault(name, "iso")
        elif tag == "option" and self._form is not None and self._select:
            value = attributes.get("value")
            if value:
                self._form[1].setdefault(self._select, value)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            path, values = self._form
            for name, value in sorted(values.items()):
                self.queries[path].add(urlencode({name: value}))
            self._form = None


def variants(pages: dict[str, str], limit: int = 4) -> dict[str, list[str]]:
    """{path: query strings} the pages link to or filter with, at most ``limit`` per path,
    each a different set of argument names first (a page, a month, a filter)."""
    found: dict[str, set[str]] = defaultdict(set)
    for url, html in pages.items():
        parser = _QueryParser(url)
        parser.feed(html)
        for path, queries in parser.queries.items():
            found[path] |= queries
    chosen: dict[str, list[str]] = {}
    for path, queries in found.items():
        by_names: dict[tuple, str] = {}
        for query in sorted(queries):
            names = tuple(sorted({name for name, _ in parse_qsl(query, keep_blank_values=True)}))
            by_names.setdefault(names, query)
        chosen[path] = sorted(by_names.values())[:limit]
    return chosen
