"""Another worker, for tests of what each process keeps: another app on the same database
(its own process cache, its own session and pool) that makes a change and commits it."""

from __future__ import annotations

import contextvars
from collections.abc import Callable

from kringwerk import create_app
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope


def in_another_worker(app_config: dict, change: Callable[[], object], tenant: object = None) -> None:
    """Run ``change()`` in another app on the same database (within ``tenant``'s scope when
    given: an id or a tenant) and commit there, as another gunicorn worker would."""
    other = create_app(app_config, environ={})

    def run():
        with other.app_context():
            try:
                if tenant is None:
                    change()
                    db.session.commit()
                else:
                    with tenant_scope(tenant):  # the commit's flush writes in the scope too
                        change()
                        db.session.commit()
            finally:
                db.session.remove()
                db.engine.dispose()

    contextvars.Context().run(run)
