"""HTTP security headers for every response, cookie flags that follow BASE_URL, and the
session cookie's serializer and reading kept per process instead of redone per request.

``KeptSerializer`` is itsdangerous' URL-safe timed serializer with its signer made once per
salt and each secret key's signing key derived once (itsdangerous makes a signer and derives
the key again for every ``dumps`` and ``loads``): the same bytes, the same checks. The session
cookie and the shell's CSRF token (``csrf_tokens``) are signed with one each, per process.

The Content-Security-Policy allows scripts and styles from this site only: no
inline ``<script>``, no ``hx-on``/``on*=`` handlers, no ``style=""``. The
tenant's colour therefore arrives as a stylesheet (``/<tenant>/theme.css``).
A test scans every template for what this policy would block.
"""

from __future__ import annotations

import copy
import time

from flask import Flask, Request, Response
from flask.json import dumps as json_dumps
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import current_user
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def install(app: Flask) -> None:
    https = app.config["BASE_URL"].startswith("https://")
    if https:
        # BASE_URL may come from the environment or from overrides; cookies follow it either way.
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.session_interface = SessionInterface()
    # Each header with its lower-case name, the way the response's names are compared.
    headers = [(name.lower(), name, value) for name, value in SECURITY_HEADERS.items()]
    if https:
        headers.append((HSTS[0].lower(), *HSTS))

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        # A view's own value of any of these wins. One pass over the response's few headers
        # instead of werkzeug's setdefault per header (a scan and a KeyError each).
        present = {name.lower() for name, _value in response.headers}
        for lowered, name, value in headers:
            if lowered not in present:
                response.headers.add(name, value)
        if "cache-control" not in present and _signed_in():
            # A page for a signed-in person must not be kept by a shared cache or the
            # browser's back button after sign-out.
            response.headers["Cache-Control"] = "private, no-store"
        return response


class KeptKeySigner(TimestampSigner):
    """itsdangerous' timestamp signer that derives each secret key's signing key once."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._derived: dict = {}  # one entry per secret key (the current and any fallbacks)

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        derived = self._derived.get(secret_key)
        if derived is None:
            derived = self._derived[secret_key] = super().derive_key(secret_key)
        return derived


class KeptSerializer(URLSafeTimedSerializer):
    """itsdangerous' URL-safe timed serializer that makes its signer once per salt (signers
    hold nothing but the keys, salt and algorithm, so one serves every request)."""

    default_signer = KeptKeySigner

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._signers: dict = {}

    def make_signer(self, salt: str | bytes | None = None):
        signer = self._signers.get(salt)
        if signer is None:
            if len(self._signers) >= SIGNERS_LIMIT:  # callers passing ever new salts
                self._signers.clear()
            signer = self._signers[salt] = super().make_signer(salt)
        return signer


SIGNERS_LIMIT = 16

# What Flask's tagged JSON leaves as it is: a session of only these (a visitor's CSRF token,
# Flask-Login's user id, freshness and identifier) needs no walk through the tags.
_PLAIN = frozenset({str, int, float, bool, type(None)})


class SessionJSON(TaggedJSONSerializer):
    """Flask's tagged JSON for the session, without the walk through the tags for a session
    whose values are all plain strings, numbers, booleans or None: what the walk would return
    for those is the session itself, so the text is the same."""

    def dumps(self, value) -> str:
        if (
            type(value) is dict
            and all(type(item) in _PLAIN for item in value.values())
            and not (len(value) == 1 and next(iter(value)) in self.tags)  # Flask's TagDict
        ):
            return json_dumps(value, separators=(",", ":"))
        return super().dumps(value)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with two costs of every request paid once per process:
    the serializer (Flask builds a new one, deriving its keys, for every request) and the
    reading of a cookie already read (base64, HMAC, zlib and tagged JSON: about 60 µs).
    A cookie is kept only once its signature has been checked, keyed by its exact text
    (signature included), and only with the serializer (the secret keys) that checked it;
    its age is checked on every request exactly as itsdangerous does. Saving is Flask's, with
    the kept serializer and ``Vary: Cookie`` written without parsing the header twice."""

    serializer = SessionJSON()
    _kept: tuple[tuple, URLSafeTimedSerializer | None, dict] | None = None

    def _serializer(self, app: Flask) -> tuple[URLSafeTimedSerializer | None, dict]:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._kept
        if kept is None or kept[0] != keys:
            # New keys: a new serializer, and no cookie read with the old ones is trusted.
            kept = self._kept = (keys, self._new_serializer(app), {})
        return kept[1], kept[2]

    def _new_serializer(self, app: Flask) -> KeptSerializer | None:
        # Flask's own serializer (SecureCookieSessionInterface.get_signing_serializer), kept.
        if not app.secret_key:
            return None
        keys = [*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key]  # current key last
        return KeptSerializer(
            keys,
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method},
        )

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        return self._serializer(app)[0]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer, opened = self._serializer(app)
        if serializer is None:
            return None
        cookies, name = request.cookies, self.get_cookie_name(app)
        # ``in`` first: werkzeug's get() of a missing key raises and catches an HTTP error.
        if name not in cookies or not (value := cookies[name]):
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        known = opened.get(value)
        if known is not None:
            age = int(time.time()) - known[1]  # itsdangerous' own rule: whole seconds, 0..max_age
            if 0 <= age <= max_age:
                return self.session_class(_copy(known[0]))
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if len(opened) >= OPENED_LIMIT:
            opened.clear()
        opened[value] = (_copy(data), int(signed_at.timestamp()))
        return self.session_class(data)

    def save_session(self, app: Flask, session, response: Response) -> None:
        """Flask's ``save_session`` step for step; only ``Vary`` is added more cheaply."""
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        secure = self.get_cookie_secure(app)
        partitioned = self.get_cookie_partitioned(app)
        samesite = self.get_cookie_samesite(app)
        httponly = self.get_cookie_httponly(app)
        if session.accessed:
            vary_on_cookie(response)
        if not session:
            if session.modified:
                response.delete_cookie(
                    name,
                    domain=domain,
                    path=path,
                    secure=secure,
                    partitioned=partitioned,
                    samesite=samesite,
                    httponly=httponly,
                )
                vary_on_cookie(response)
            return
        if not self.should_set_cookie(app, session):
            return
        expires = self.get_expiration_time(app, session)
        value = self.get_signing_serializer(app).dumps(dict(session))
        response.set_cookie(
            name,
            value,
            expires=expires,
            httponly=httponly,
            domain=domain,
            path=path,
            secure=secure,
            partitioned=partitioned,
            samesite=samesite,
        )
        vary_on_cookie(response)


def vary_on_cookie(response: Response) -> None:
    """``response.vary.add("Cookie")``: the same header, without werkzeug parsing ``Vary``
    into a set and writing it back on every response when it is absent or just "Cookie"
    (nor looking it up with ``headers.get``, which raises and catches an HTTP error when
    the header is absent)."""
    current = None
    for name, value in response.headers:
        if name.lower() == "vary":
            current = value
            break
    if current is None:
        response.headers.add("Vary", "Cookie")
    elif current != "Cookie":
        response.vary.add("Cookie")


OPENED_LIMIT = 1024  # cookies kept per process, about 1 kB each

_SCALARS = (str, int, float, bool, type(None))


def _copy(data: dict) -> dict:
    # Each request gets its own session dict; nested values are copied too.
    if all(isinstance(value, _SCALARS) for value in data.values()):
        return dict(data)
    return copy.deepcopy(data)


def _signed_in() -> bool:
    return current_user.is_authenticated
