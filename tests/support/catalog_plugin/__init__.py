"""A test-only plugin laid out as a third-party one would be: it brings its own
Dutch in ``translations/`` beside this file, which the registry finds without
being told. It also offers its own wording of a core message, which must lose."""

from flask import Blueprint
from flask_babel import gettext as _

from kringwerk.accounts.permissions import require_member
from kringwerk.pluginhost import Plugin

bp = Blueprint("catalog", __name__)


@bp.get("/")
@require_member()
def index():
    return f"{_('A sentence only the catalog plugin knows.')}|{_('Sign in')}"


plugin = Plugin(key="catalog", name="Catalog", blueprint=bp)
