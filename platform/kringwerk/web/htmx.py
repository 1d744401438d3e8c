"""htmx on the server side: recognising its requests and answering them with a
block of the page's own template, so a page and its fragments cannot drift apart.
"""

from __future__ import annotations

from flask import Response, current_app, make_response, render_template, request


def is_htmx() -> bool:
    """Any request made by htmx."""
    return request.headers.get("HX-Request") == "true"


def wants_fragment() -> bool:
    """An htmx request that swaps part of the page (not a whole-page swap, nor a
    history restore, which both need the full page)."""
    return (
        is_htmx()
        and request.headers.get("HX-Request-Type", "partial") != "full"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render_block(template_name: str, block: str, **context) -> str:
    """One block of a page template, rendered with the usual template context."""
    app = current_app._get_current_object()
    template = app.jinja_env.get_template(template_name)
    app.update_template_context(context)
    return "".join(template.blocks[block](template.new_context(context)))


def page_or_block(template_name: str, block: str, status: int = 200, **context) -> Response:
    """The whole page, or only ``block`` of it for an htmx fragment request."""
    if wants_fragment():
        response = make_response(render_block(template_name, block, **context), status)
    else:
        response = make_response(render_template(template_name, **context), status)
    # One URL answers a page or a fragment; caches must keep them apart.
    response.vary.add("HX-Request")
    return response
