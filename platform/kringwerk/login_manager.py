"""Flask-Login's ``LoginManager`` without the work whose answer is known before it is done.

Every request that asks for ``current_user`` runs Flask-Login's session protection and
user loading. Two parts of that cost time and decide nothing here:

- the session identifier (a SHA-512 of the remote address and user agent) was computed
  for every request, also for an empty session (a visitor, not checked at all) and for a
  session holding no identifier (which no identifier matches). It is now computed only
  when there is one to compare with, and kept per (address, user agent) seen; a session
  with a user is checked exactly as before, "basic" and "strong" alike;
- a visitor without a user was looked for in the ``Authorization`` header, which only a
  header loader reads; Kringwerk registers none, so the header is no longer looked at
  (werkzeug raises and catches an error for every absent header).

Everything else is Flask-Login 0.6's own code, with the same signals in the same order.
"""

from __future__ import annotations

import functools
from hashlib import sha512

import flask_login
from flask import current_app, request, session
from flask_login.config import AUTH_HEADER_NAME, COOKIE_NAME, SESSION_KEYS
from flask_login.signals import session_protected, user_accessed


def session_identifier() -> str:
    """Flask-Login's ``_create_identifier``: the same value from the same request, kept
    per (forwarded-for, remote address, user agent)."""
    return _identifier_of(
        request.headers.get("X-Forwarded-For"), request.remote_addr, request.headers.get("User-Agent")
    )


@functools.lru_cache(maxsize=1024)
def _identifier_of(forwarded_for: str | None, remote_addr: str | None, user_agent: str | None) -> str:
    address = forwarded_for if forwarded_for is not None else remote_addr
    if address is not None:
        # The first of an X-Forwarded-For list is the visitor's own address.
        address = address.encode("utf-8").split(b",")[0].strip()
    agent = user_agent.encode("utf-8") if user_agent is not None else None
    return sha512(f"{address}|{agent}".encode()).hexdigest()


class LoginManager(flask_login.LoginManager):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._session_identifier_generator = session_identifier

    def _session_protection_failed(self) -> bool:
        sess = session._get_current_object()
        # An empty session is an anonymous visitor or one just signed out: not checked.
        if not sess:
            return False
        app = current_app._get_current_object()
        mode = app.config.get("SESSION_PROTECTION", self.session_protection)
        if not mode or mode not in ("basic", "strong"):
            return False
        stored = sess.get("_id")
        # No identifier differs from any identifier (a hex digest, never None).
        if stored is not None and stored == self._session_identifier_generator():
            return False
        if mode == "basic" or sess.permanent:
            if sess.get("_fresh") is not False:
                sess["_fresh"] = False
            session_protected.send(app)
            return False
        for key in SESSION_KEYS:
            sess.pop(key, None)
        sess["_remember"] = "clear"
        session_protected.send(app)
        return True

    def _load_user(self):
        if self._user_callback is None and self._request_callback is None:
            raise Exception("Missing user_loader or request_loader.")
        user_accessed.send(current_app._get_current_object())
        if self._session_protection_failed():
            return self._update_request_context_with_user()
        user = None
        user_id = session.get("_user_id")
        if user_id is not None and self._user_callback is not None:
            user = self._user_callback(user_id)
        if user is None:
            config = current_app.config
            cookie_name = config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
            if cookie_name in request.cookies and session.get("_remember") != "clear":
                user = self._load_user_from_remember_cookie(request.cookies[cookie_name])
            elif self._request_callback:
                user = self._load_user_from_request(request)
            elif self._header_callback is not None:
                # Only a header loader reads the header: without one it is not looked at.
                header_name = config.get("AUTH_HEADER_NAME", AUTH_HEADER_NAME)
                if header_name in request.headers:
                    user = self._load_user_from_header(request.headers[header_name])
        return self._update_request_context_with_user(user)
