"""Keep link tokens out of access logs.

A personal link carries its token in the path (``/polls/3/a/<token>``,
``/account/magic/<token>``, ``/<tenant>/panel/leave/<token>``), and access logs
print the path. ``redact`` replaces anything shaped like a token with
``[token]``; the werkzeug development server's log gets it as a filter
(``install``), gunicorn's access log through ``deploy/gunicorn.conf.py``.
"""

from __future__ import annotations

import logging
import re

# A run of URL-safe characters as long as a token (token_urlsafe(32) gives 43) that
# holds an upper-case letter or an underscore, which slugs, ids and hex digests never do.
TOKEN_LIKE = re.compile(r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[A-Z_])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])")
PLACEHOLDER = "[token]"


def redact(text: str) -> str:
    """``text`` with every token-shaped run replaced by ``[token]``."""
    return TOKEN_LIKE.sub(PLACEHOLDER, text)


class RedactTokens(logging.Filter):
    """Formats the record's message now and takes the tokens out (whatever the
    arguments: werkzeug passes a tuple, gunicorn a mapping of atoms)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def install(logger_name: str = "werkzeug") -> None:
    """Add the filter to ``logger_name`` once."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(existing, RedactTokens) for existing in logger.filters):
        logger.addFilter(RedactTokens())
