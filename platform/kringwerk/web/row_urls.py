"""``row_url(endpoint, key, **values)``: the URL of every row of a table built once.

A table of 25 rows linking each row to ``url_for(endpoint, key=row.id)`` paid 25 full
``url_for`` calls (the URL defaults, the tenant filler, werkzeug's builder) for URLs
that differ only in the id. ``row_url`` builds the URL once with a placeholder id and
returns a function that puts each row's id in its place. Only for integer ids (the
``<int:...>`` converter writes an integer as its digits, nothing else): anything else
is refused rather than put into a URL unescaped.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import url_for

# An id no table will hold, so it is found once in the built URL and nowhere else.
_PLACEHOLDER = 918_273_645_546_372_819


def row_url(endpoint: str, key: str, **values) -> Callable[[int], str]:
    """A function of an integer id giving ``url_for(endpoint, **values, **{key: id})``."""
    built = url_for(endpoint, **values, **{key: _PLACEHOLDER})
    head, found, tail = built.partition(str(_PLACEHOLDER))
    if not found or str(_PLACEHOLDER) in tail:  # not a plain path segment: build each one
        return lambda id_: url_for(endpoint, **values, **{key: id_})

    def url(id_: int) -> str:
        if type(id_) is not int or id_ < 0:
            raise TypeError(f"row_url takes a non-negative int id, not {id_!r}")
        return f"{head}{id_}{tail}"

    return url
