"""The app class (kringwerk.app.Kringwerk) remembers per function whether it is a coroutine
function instead of asking ``inspect`` for every hook on every request; the context
processors that added nothing are gone. Every hook still runs once per request, a coroutine
function behaves as in stock Flask, and templates see the same names."""

from __future__ import annotations

import contextvars
import inspect

import pytest
from flask import Flask, render_template_string

from kringwerk import app as app_module
from kringwerk import create_app
from tests.web.test_csrf import header_token

try:
    import asgiref  # noqa: F401 - Flask's "async" extra

    ASYNC_EXTRA = True
except ImportError:
    ASYNC_EXTRA = False


@pytest.fixture
def counting_hooks(app):
    """A hook of every kind on the app, each counting its calls."""
    calls = {"before": 0, "after": 0, "teardown": 0, "context": 0}

    def before():
        calls["before"] += 1

    def after(response):
        calls["after"] += 1
        return response

    def teardown(_error):
        calls["teardown"] += 1

    def context():
        calls["context"] += 1
        return {}

    app.before_request(before)
    app.after_request(after)
    app.teardown_request(teardown)
    app.context_processor(context)
    return calls


def _count_coroutine_checks(monkeypatch):
    checks = []
    real = inspect.iscoroutinefunction

    def counted(func):
        checks.append(func)
        return real(func)

    monkeypatch.setattr("flask.app.iscoroutinefunction", counted)
    return checks


def test_every_hook_runs_once_per_request_and_inspect_is_asked_once(
    app, client, world, counting_hooks, monkeypatch
):
    checks = _count_coroutine_checks(monkeypatch)
    assert client.get("/kring-a/").status_code == 200
    first = len(checks)
    assert first >= 10  # hooks, processors and the view, asked once each
    pages = ["/kring-b/", "/kring-a/", "/kring-b/"]
    for path in pages:
        assert client.get(path).status_code == 200
    assert len(checks) == first  # remembered: not asked again
    assert counting_hooks == {"before": 4, "after": 4, "teardown": 4, "context": 4}


def test_the_hooks_registered_are_flasks_own(app_config, monkeypatch):
    """Building the app on plain Flask registers the same before, after and teardown hooks."""
    ours = create_app(app_config, environ={})
    monkeypatch.setattr(app_module, "Kringwerk", Flask)
    monkeypatch.setattr(app_module, "_drop_redundant_context_processors", lambda app: None)
    plain = create_app(app_config, environ={})
    assert type(plain) is Flask and isinstance(ours, Flask) and type(ours) is not Flask
    for registry in ("before_request_funcs", "after_request_funcs", "teardown_request_funcs"):
        names = {
            scope: [getattr(f, "__qualname__", f) for f in funcs]
            for scope, funcs in getattr(ours, registry).items()
        }
        plain_names = {
            scope: [getattr(f, "__qualname__", f) for f in funcs]
            for scope, funcs in getattr(plain, registry).items()
        }
        assert names == plain_names, registry
    dropped = {
        scope: len(plain.template_context_processors[scope]) - len(funcs)
        for scope, funcs in ours.template_context_processors.items()
    }
    assert dropped.pop(None) == 1  # Flask-WTF's
    assert set(dropped.values()) == {1}  # each blueprint's copy of Flask's default processor
    assert ours.template_context_processors[None][0] is plain.template_context_processors[None][0]


def test_templates_see_the_same_names(app, client, world):
    app.add_url_rule(
        "/_test/names",
        "test_names",
        lambda: render_template_string(
            "{{ csrf_token() }}|{{ csrf_meta_tag() }}|{{ g is defined }}|{{ request.path }}|"
            "{{ session is defined }}|{{ current_user.is_authenticated }}|{{ tenant is none }}"
        ),
    )
    landing = client.get("/kring-a/")
    token = header_token(landing)
    text = client.get("/_test/names").get_data(as_text=True)
    assert text == f'{token}|<meta name="csrf-token" content="{token}">|True|/_test/names|True|False|True'
    assert header_token(client.get("/kring-b/")) == token


def _async_app(factory):
    """``factory()``'s app with an async before_request and a page."""
    app = factory()
    seen = []

    async def before():
        seen.append(1)

    app.before_request(before)
    app.add_url_rule("/_test/async", "test_async", lambda: "ok")
    return app, seen


def _get(app, path):
    app.config["PROPAGATE_EXCEPTIONS"] = True

    def run():
        try:
            return app.test_client().get(path).status_code
        except RuntimeError as error:
            return str(error)

    return contextvars.Context().run(run)


def test_a_coroutine_hook_behaves_as_in_stock_flask(app_config):
    ours, ours_seen = _async_app(lambda: create_app(app_config, environ={}))
    stock, stock_seen = _async_app(lambda: Flask("stock"))
    for _ in range(2):  # the second time from what was remembered
        ours_answer = _get(ours, "/_test/async")
        assert ours_answer == _get(stock, "/_test/async")
        if ASYNC_EXTRA:
            assert ours_answer == 200
        else:
            assert "async" in ours_answer  # "Install Flask with the 'async' extra ..."
    assert len(ours_seen) == len(stock_seen) == (2 if ASYNC_EXTRA else 0)


def test_what_is_remembered_is_bounded(app, monkeypatch):
    monkeypatch.setattr(type(app), "COROUTINE_ANSWERS_KEPT", 8)
    functions = [eval("lambda: None") for _ in range(30)]  # noqa: S307 - distinct functions
    for function in functions:
        assert app.ensure_sync(function) is function
    assert len(app._coroutine_function) <= 8

    class Unhashable:
        __hash__ = None

        def __call__(self):
            return None

    callable_ = Unhashable()
    assert app.ensure_sync(callable_) is callable_


def test_flask_wtfs_check_runs_for_changes_only(app, client, world, monkeypatch):
    from flask_wtf.csrf import CSRFProtect

    app.config["WTF_CSRF_ENABLED"] = True
    asked = []
    real = CSRFProtect.protect

    def protect(self, *args, **kwargs):
        asked.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(CSRFProtect, "protect", protect)
    assert client.get("/kring-a/").status_code == 200
    assert client.get("/kring-b/").status_code == 200
    assert client.head("/kring-a/").status_code == 200
    assert asked == []
    refused = client.post("/language", data={"language": "nl", "next": "/kring-a/"})
    assert refused.status_code == 400 and asked == [1]
    token = header_token(client.get("/kring-a/"))
    passed = client.post("/language", data={"language": "nl", "next": "/kring-b/", "csrf_token": token})
    assert passed.status_code == 302 and asked == [1, 1]
