"""Work a web process would otherwise do on its first requests, done once before forking.

gunicorn loads the app in its master and forks the workers from it
(``deploy/gunicorn.conf.py``). What the master has built, every worker shares page for
page; what a worker builds on its first requests, each pays for itself. ``warm_up``
builds the large, read-only pieces that cost little time: the ORM's mapper
configuration (SQLAlchemy's work at the first query, about 5 MB) and each language's
translations and Babel locale data (about 3 MB). Templates are left to compile on
first use: compiling all of them takes as long as creating the app, for 1–2 MB.
It opens no database connection.
"""

from __future__ import annotations

from babel import Locale
from flask import Flask
from flask_babel import force_locale, get_translations
from sqlalchemy.orm import configure_mappers


def warm_up(app: Flask) -> dict[str, object]:
    """Build the shared pieces; returns what was built (for the log and the tests)."""
    configure_mappers()
    with app.test_request_context():
        for language in app.config["LANGUAGES"]:
            with force_locale(language):
                get_translations()  # Flask-Babel keeps each language's merged catalogs
            locale = Locale.parse(language)
            # The CLDR tables pages format with load on first use: load them here.
            _ = (locale.number_symbols, locale.decimal_formats, locale.datetime_formats, locale.time_formats)
    return {"mappers": True, "languages": list(app.config["LANGUAGES"])}
