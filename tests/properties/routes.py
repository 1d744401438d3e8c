"""What the property walk needs to know about the routes, found rather than listed.

Every rule of ``app.url_map`` is filled in: ``<x_id>`` with tenant A's row of
model ``X`` (as the isolation walk does), other arguments from ``ARGUMENTS``
or a scenario (a real poll and a real answer link, say). The signed-in GET
pages are parsed for their forms, so each POST gets the field names its
form really sends, and each GET the names of the filter forms aiming at it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from werkzeug.routing import Rule

from tests.isolation.factory import model_for_argument

SKIPPED_METHODS = {"HEAD", "OPTIONS"}

# Arguments that are not ids: one value that reaches the view's own checks.
# ``job_id`` is an RQ job's id (a string), not a row.
ARGUMENTS: dict[str, str] = {
    "key": "polls",
    "fmt": "csv",
    "kind": "x",
    "token": "x",
    "name": "x",
    "job_id": "t1-x",
}

# Query names many pages read besides those of their filter forms.
COMMON_QUERY = ("page", "task", "q", "next", "saved", "show", "audience", "sort", "language")

SCENARIOS: list[Callable] = []
"""Functions (tenant, rows) -> {endpoint prefix: {argument: value}} that build
realistic rows (an open poll, a personal link) the generic rows cannot be.

Besides the rule's arguments (``tenant`` too: a regional network's pages), a value may
hold ``QUERY`` (query arguments of the URL: the association a chair form is for),
``AS`` (who of tenant A walks the route instead of its admin: ``"official"`` answers the
advice) and ``PAGE`` (the endpoint whose page, filled with the same values and read as
that person, shows the form)."""

QUERY, AS, PAGE = "_query", "_as", "_page"


def scenario(function: Callable) -> Callable:
    SCENARIOS.append(function)
    return function


@dataclass
class Target:
    rule: Rule
    method: str
    url: str
    fields: set[str] = field(default_factory=set)
    files: set[str] = field(default_factory=set)
    from_page: bool = True  # False: the fields are named in the test, no page shows them

    @property
    def name(self) -> str:
        return f"{self.method} {self.url} ({self.rule.endpoint})"


def walked_rules(app) -> list[Rule]:
    return [
        rule
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
        if not rule.endpoint.endswith("static")
    ]


def fill(app, rule: Rule, slug: str, ids: dict[type, int], overrides: dict[str, dict]) -> str | None:
    """The URL of ``rule`` for tenant ``slug``; None if an id has no row to point at."""
    values: dict[str, object] = {}
    for argument in rule.arguments:
        if argument == "tenant":
            values[argument] = slug
        elif argument == "tenant_id":
            values[argument] = ids.get("tenant")
        elif argument.endswith("_id") and argument not in ARGUMENTS:
            values[argument] = ids.get(model_for_argument(argument))
        else:
            values[argument] = ARGUMENTS.get(argument, "x")
    query: dict[str, object] = {}
    for prefix, replaced in overrides.items():
        if rule.endpoint.startswith(prefix):
            values.update({k: v for k, v in replaced.items() if k in rule.arguments})
            query.update(replaced.get(QUERY, {}))
    if any(value is None for value in values.values()):
        return None
    with app.test_request_context():
        return app.url_for(rule.endpoint, **values, **query)


def walker(endpoint: str, overrides: dict[str, dict]) -> str:
    """Who of tenant A walks ``endpoint``: a scenario's ``AS``, else its admin."""
    for prefix, replaced in overrides.items():
        if endpoint.startswith(prefix) and AS in replaced:
            return replaced[AS]
    return "admin"


def other_pages(app, slug: str, overrides: dict[str, dict]) -> list[tuple[str, str]]:
    """(who, URL) of the pages scenarios name with ``PAGE``: forms only that person sees there."""
    pages = []
    for replaced in overrides.values():
        if PAGE in replaced:
            rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == replaced[PAGE])
            values = {k: v for k, v in replaced.items() if k in rule.arguments}
            values.setdefault("tenant", slug)
            with app.test_request_context():
                pages.append((replaced.get(AS, "admin"), app.url_for(rule.endpoint, **values)))
    return pages


class FormParser(HTMLParser):
    """Forms of a page: (action, method, field names, file field names); htmx
    attributes (``hx-post`` on a form or a field) count as the action."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: list[tuple[str, str, set[str], set[str]]] = []
        self._stack: list[tuple[str, str, set[str], set[str]]] = []
        self._also: list[tuple[str, str] | None] = []
        self.loose: list[tuple[str, str, set[str]]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            method = (attributes.get("method") or "get").upper()
            action = attributes.get("action") or ""
            also = None
            for hx in ("hx-post", "hx-get"):
                if attributes.get(hx):
                    if method == "POST" and attributes.get("action"):
                        # A live preview or an autosave on change of a form that still
                        # submits to its action: both get the fields.
                        also = (self._absolute(attributes[hx]), hx[3:].upper())
                        continue
                    method, action = hx[3:].upper(), attributes[hx]
            self._stack.append((self._absolute(action), method, set(), set()))
            self._also.append(also)
            return
        if tag in ("input", "select", "textarea", "button") and attributes.get("name") and self._stack:
            target = self._stack[-1][3] if attributes.get("type") == "file" else self._stack[-1][2]
            target.add(attributes["name"])
        for hx in ("hx-post", "hx-get"):
            if attributes.get(hx):
                names = {attributes["name"]} if attributes.get("name") else set()
                self.loose.append((self._absolute(attributes[hx]), hx[3:].upper(), names))

    def handle_endtag(self, tag):
        if tag == "form" and self._stack:
            form = self._stack.pop()
            self.forms.append(form)
            also = self._also.pop()
            if also is not None:
                self.forms.append((*also, form[2], set()))

    def _absolute(self, action: str) -> str:
        return urlsplit(urljoin(self.page_url, action)).path


def forms_by_target(pages: dict[str, str]) -> dict[tuple[str, str], tuple[set[str], set[str]]]:
    """{(method, path): (field names, file field names)} over every form on ``pages``."""
    found: dict[tuple[str, str], tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for url, html in pages.items():
        parser = FormParser(url)
        parser.feed(html)
        for action, method, names, files in parser.forms:
            found[(method, action)][0].update(names)
            found[(method, action)][1].update(files)
        for action, method, names in parser.loose:
            found[(method, action)][0].update(names)
    return found
