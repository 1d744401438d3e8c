"""Fixtures for the accounts tests: pages in English (so assertions do not
depend on the Dutch catalog), the mail outbox, and counting SQL queries."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from sqlalchemy import event

from kringwerk.extensions import db


@pytest.fixture(autouse=True)
def english(client):
    """Visitors and users without a preference see English pages."""
    with client.session_transaction() as session:
        session["locale"] = "en"
    return client


class Outbox:
    """The messages ``send_mail`` wrote to OUTBOX_DIR (tests have no SMTP_URL)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def messages(self) -> list[Message]:
        if not self.folder.exists():
            return []
        files = sorted(self.folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        return [message_from_bytes(path.read_bytes()) for path in files]

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages() if m["To"] == address]

    def last(self, address: str) -> Message:
        messages = self.to(address)
        assert messages, f"no mail to {address}"
        return messages[-1]


def main_of(response) -> str:
    """The ``<main>`` element of a page: what the page says, without the shared shell."""
    page = response.get_data(as_text=True)
    match = re.search(r"<main\b.*?</main>", page, re.S)
    assert match, "page has no <main>"
    return match.group(0)


def text_of(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("message has no text part")


def html_of(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/html":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("message has no html part")


def link_in(message: Message, path: str) -> str:
    """The path of the first link to ``path`` in the text part, e.g. ``/account/magic/<token>``."""
    match = re.search(r"http://localhost(" + re.escape(path) + r"[A-Za-z0-9_\-]+)", text_of(message))
    assert match, f"no {path} link in:\n{text_of(message)}"
    return match.group(1)


@pytest.fixture
def outbox(app) -> Outbox:
    return Outbox(Path(app.config["OUTBOX_DIR"]))


@pytest.fixture
def count_queries(app):
    """``with count_queries() as counter: ...``; ``counter.count`` is the number of statements."""
    from contextlib import contextmanager

    class Counter:
        count = 0

    @contextmanager
    def counting():
        counter = Counter()

        def before(*args, **kwargs):
            counter.count += 1

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def mail_calls(monkeypatch) -> list[dict]:
    """The arguments of every ``send_mail`` call (the mail still goes out)."""
    import kringwerk.mail

    calls: list[dict] = []
    real = kringwerk.mail.send_mail

    def spy(to, subject, template, **kwargs):
        calls.append({"to": to, "subject": str(subject), "template": template, **kwargs})
        return real(to, subject, template, **kwargs)

    monkeypatch.setattr(kringwerk.mail, "send_mail", spy)
    return calls
