"""Fixtures of the web shell tests: query counting, the dummy plugin switched
on in tenant A, and throwaway routes that fail on purpose."""

from __future__ import annotations

from contextlib import contextmanager
from html.parser import HTMLParser

import pytest
from flask import abort
from sqlalchemy import event

from kringwerk.extensions import db
from kringwerk.pluginhost.services import enable_plugin


@contextmanager
def count_queries(app):
    """Count the SQL statements the app's engine runs inside the block."""
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engines[None] if hasattr(db, "engines") else db.engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


@pytest.fixture
def dummy_on(world):
    """The test-only dummy plugin enabled in tenant A (not in B)."""
    enable_plugin(world.a.tenant, "dummy", actor=world.a.admin)
    db.session.commit()
    return world


@pytest.fixture
def failing_routes(app):
    """/_test/abort/<code> answers that error; /_test/crash raises an unexpected exception."""

    def abort_with(code):
        abort(code)

    def crash():
        raise RuntimeError("boom")

    app.add_url_rule("/_test/abort/<int:code>", "test_abort", abort_with, methods=["GET", "POST"])
    app.add_url_rule("/_test/crash", "test_crash", crash)
    return app


class Page(HTMLParser):
    """The parts of an HTML page the tests look at: elements with their attributes, and the text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self._text.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self._text).split())

    def find(self, tag: str, **attrs) -> list[dict[str, str | None]]:
        """Elements named ``tag`` whose attributes include ``attrs`` (``class_`` for class)."""
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        found = []
        for name, element_attrs in self.elements:
            if name != tag:
                continue
            if all(
                (v in (element_attrs.get(k) or "").split()) if k == "class" else element_attrs.get(k) == v
                for k, v in wanted.items()
            ):
                found.append(element_attrs)
        return found

    @property
    def lang(self) -> str | None:
        return self.find("html")[0].get("lang")


def page(response) -> Page:
    return Page(response.get_data(as_text=True))
