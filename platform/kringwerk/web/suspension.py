"""A suspended tenant accepts no changes: every request to its URLs other than
GET, HEAD or OPTIONS answers 423 before the view runs, so nothing changes
(core pages, plugin pages, answering by personal link, public sign-ups alike).
Reading still works; every page shows a notice (``base.html``). Routes that act
on a tenant without its slug in the URL (an invitation link) call
``refuse_if_suspended`` themselves. The operator suspends and reactivates
tenants in the console (``operator.suspension``)."""

from __future__ import annotations

from flask import Flask, abort, g, request
from flask_babel import gettext as _

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def install(app: Flask) -> None:
    @app.before_request
    def refuse_changes_while_suspended():
        tenant = g.get("tenant")
        if tenant is not None and request.method not in SAFE_METHODS:
            refuse_if_suspended(tenant)


def refuse_if_suspended(tenant) -> None:
    """Stop the request with the 423 page when ``tenant`` is suspended."""
    if tenant is not None and tenant.is_suspended:
        abort(
            423, _("%(name)s is suspended: nothing can be changed until it is reactivated.", name=tenant.name)
        )
