"""Onboarding associations into a network: the chair's invitation by e-mail (to an
existing association, or a new one made from the invitation), letters of intent with
versioned text and signatures (PDF), the network's overview and the combined member
directory of the associations that share theirs.

Builds on the affiliations of ``kringwerk.tenants`` (invited -> active -> left).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from kringwerk.networks import letter_views, overview_views, views

    assert letter_views and overview_views  # their routes register on views.bp
    app.register_blueprint(views.bp)
