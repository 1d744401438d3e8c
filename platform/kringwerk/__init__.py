"""Kringwerk: a multi-tenant platform for business associations, regional
networks and the municipalities they work with.

Only the application factory lives here; importing the package does no work.
"""

from kringwerk.app import create_app

__all__ = ["create_app"]
