"""Who may open a plugin's pages: signed-in people, unless a view is marked ``public``.

The host asks for sign-in before any plugin view runs, so a view that forgets
its ``require_member`` still shows nothing to a visitor. Pages for people
without an account (answering by personal link, published results, leaving a
panel from an e-mail) are marked ``@public`` and check their own token.

A visitor is sent to the sign-in page as the core's ``require_member`` does (a
GET is redirected there and comes back afterwards; any other method answers
401); an htmx fragment request gets ``HX-Redirect`` instead, through the core's
error handling (``web.errors``).
"""

from __future__ import annotations

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from kringwerk.extensions import login_manager

_PUBLIC = "_kringwerk_public"


def public(view):
    """Mark a plugin view as open to visitors who are not signed in.

    Put it between the route and the view (or anywhere among decorators made
    with ``functools.wraps``): ``@bp.get("/<int:poll_id>/a/<token>")``, then
    ``@public``. The view checks its own token or publication state.
    """
    setattr(view, _PUBLIC, True)
    return view


def is_public(view) -> bool:
    return bool(getattr(view, _PUBLIC, False))


def require_sign_in():
    """Before a plugin view runs: a response sending a visitor to sign in, or None."""
    endpoint = request.endpoint or ""
    if current_user.is_authenticated or endpoint.endswith(".static"):
        return None
    if is_public(current_app.view_functions.get(endpoint)):
        return None
    if request.method in ("GET", "HEAD"):
        return redirect(url_for(login_manager.login_view, next=request.full_path.rstrip("?")))
    abort(401)
