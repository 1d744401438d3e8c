"""Who may open a plugin's pages: members of the URL's tenant, failing closed.

Before any plugin view runs the host asks for sign-in and then for a membership
of the tenant in the URL (an operator passes, as with ``require_member``), so a
view that forgets its ``require_member`` still shows nothing to a visitor or to
another tenant's people: they get 404, as ``require_member`` answers outsiders.
Two kinds of view say otherwise, explicitly:

- ``@public``: pages for people without an account (answering by personal link,
  published results, leaving a panel from an e-mail) check their own token or
  audience rule;
- views opened to the network scope (``require_member_or_network`` marks them
  with ``open_to_network``) also admit whoever ``network_access`` lets into the
  tenant, and nobody else.

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
_NETWORK = "_kringwerk_open_to_network"


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


def open_to_network(view):
    """Mark a plugin view as opened to the network scope (``require_member_or_network``
    does this): the host then admits people ``network_access`` lets in, besides members.
    ``functools.wraps`` carries the mark to decorators put around it."""
    setattr(view, _NETWORK, True)
    return view


def is_open_to_network(view) -> bool:
    return bool(getattr(view, _NETWORK, False))


def require_access():
    """Before a plugin view runs: a response sending a visitor to sign in, None to let
    the view run, or 404 for a signed-in person the view is not open to."""
    endpoint = request.endpoint or ""
    view = current_app.view_functions.get(endpoint)
    if endpoint.endswith(".static") or is_public(view):
        return None
    # Imported here (after the public views have left): these modules import the plugin
    # host themselves.
    from kringwerk.accounts.permissions import current_membership, is_operator
    from kringwerk.tenancy.routing import current_tenant
    from kringwerk.tenants.network import network_access

    if not current_user.is_authenticated:
        if request.method in ("GET", "HEAD"):
            return redirect(url_for(login_manager.login_view, next=request.full_path.rstrip("?")))
        abort(401)
    # The membership is cached per request: the view's own require_member reads it again
    # without a statement.
    if is_operator() or current_membership() is not None:
        return None
    if is_open_to_network(view) and network_access(current_user, current_tenant()) is not None:
        return None
    abort(404)
