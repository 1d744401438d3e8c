"""Tokens stay out of the logs: access-log lines lose anything token-shaped, the
app installs that filter on werkzeug's logger, and the token service itself logs
no raw token (nor does SQLAlchemy's echo of its statements)."""

from __future__ import annotations

import logging

import pytest

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from kringwerk.tokens.primitives import new_token
from kringwerk.tokens.redact import RedactTokens, redact
from kringwerk.tokens.services import issue, mark_used, resolve, revoke


def test_redact_takes_out_tokens_and_leaves_the_rest():
    raw, digest = new_token()
    line = f'"GET /kring-a/polls/12/a/{raw}/draft?saved=1 HTTP/1.1" 303 -'
    assert redact(line) == '"GET /kring-a/polls/12/a/[token]/draft?saved=1 HTTP/1.1" 303 -'
    assert redact(f"/account/magic/{raw}") == "/account/magic/[token]"
    untouched = [
        "/ondernemersvereniging-bedrijventerrein-noord/members/",  # a long slug
        f"/static/app.{digest}.css",  # a hex digest
        "/kring-a/tasks/t12-send-invitations-0123456789abcdef0123456789abcdef",
    ]
    assert [redact(text) for text in untouched] == untouched


def test_the_app_filters_werkzeug_access_lines(app, caplog):
    raw, _digest = new_token()
    assert any(isinstance(f, RedactTokens) for f in logging.getLogger("werkzeug").filters)
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        # As werkzeug's request handler logs a request line.
        logging.getLogger("werkzeug").info(
            '%s - - [%s] "%s" %s %s', "127.0.0.1", "now", f"GET /a/{raw}", 200, "-"
        )
    assert caplog.records and raw not in caplog.text and "/a/[token]" in caplog.text


@pytest.mark.both_databases
def test_the_token_service_logs_no_raw_token(app, world, caplog):
    engine_log = logging.getLogger("sqlalchemy.engine")
    level = engine_log.level
    with caplog.at_level(logging.DEBUG), tenant_scope(world.a.tenant):
        engine_log.setLevel(logging.INFO)  # statements and their parameters
        try:
            raw = issue("polls.answer", 1)
            db.session.commit()
            mark_used(resolve("polls.answer", raw))
            revoke("polls.answer", 1)
            db.session.commit()
        finally:
            engine_log.setLevel(level)
    assert "personal_tokens" in caplog.text  # the statements were logged
    assert raw not in caplog.text
    with tenant_scope(world.b.tenant):
        assert resolve("polls.answer", raw) is None
