"""The page shell (``base.html`` outside its blocks) kept per process until the next write.

Every page renders ``base.html`` around its content: the head with its static links, the
site header, the suspension notice, the footer. For a page whose content is kept, that
shell was the largest part of a request (about 0.2 ms: a dozen function calls through
Jinja, the header's key and navigation, the translations). What it writes outside its
blocks depends only on

- the language, the mount prefix (``request.script_root``), the data (tenant name,
  colours and logo, suspension, the person's name, role and operator status);
- the tenant the template sees (the ``tenant`` context variable: a view may pass its
  own), the tenant of the URL (the shell's links, the header), the tenant in scope;
- the person, the current navigation entries and whether this is the sign-in page;
- per request, the return URL and sign-in link in the header and the CSRF token on
  ``<body>`` and in the header's forms: placeholders in the kept text (web.navigation).

So the shell is kept as a *frame*: the literal text between the blocks, and the blocks'
names. It is kept with ``tenancy.cache.remember`` (under the tenant in scope) under
``("shell frame", locale, template tenant id, header key)``, the header key being
``web.navigation.header_key``'s (URL tenant, person, current entries, sign-in page, mount
prefix); outside any tenant and signed out nothing in it comes from the database, so it
is kept for the process without reading the data stamp (as the header is). A request
yields the frame's literals, this request's values where the placeholders were (split out
when the frame was built: ``navigation.request_values``), and renders each block exactly
as Jinja's own code for ``{% block %}`` does, in the page's own context: the title, head,
notices (the billing notice, which depends on the time and the blueprint, and the flash
messages, so a message waiting in the session does not stop the frame) and content are
each page's own, every time.

How (Jinja 3.1): base.html's compiled root function is what every page calls after
``{% extends %}`` (``yield from parent_template.root_render_func(context)``, directly or
through a plugin's layout), and ``Template._from_namespace`` makes every template a loader
or ``from_string`` gives. ``ShellTemplate`` (the environment's template class) wraps that
function for ``base.html`` only. The frame is built by running the original root function
on a copy of the context whose blocks yield markers, whose ``csrf_token()`` gives a
placeholder and whose ``site_header`` gives the header unfilled.

Why it is safe: the frame is used only for a GET or HEAD request with a data generation
(nothing written yet, ``KEEP_PAGE_DATA`` on) while templates do not reload, and only for a
tenant the template sees that is a stored, unchanged ``Tenant``; anything else renders as
before. base.html sets nothing at its top level that a block reads, and no template
extending it sets at its top level a name base.html reads
(tests/web/test_shell_frame.py checks both, and compares every kind of page kept and
fresh; tests/isolation/test_kept_pages.py compares every page).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from flask import has_request_context, request
from flask_babel import get_locale
from jinja2 import Template
from jinja2.runtime import Context
from markupsafe import Markup

from kringwerk.tenancy import cache
from kringwerk.tenancy.context import current_tenant_id
from kringwerk.tenancy.models import Tenant
from kringwerk.web import navigation

BASE = "base.html"
STATS = "kringwerk.web.shell"  # in app.extensions
_PLATFORM_FRAMES = "kringwerk.web.shell.platform"  # in app.extensions
# A frame's parts: (kind, text). A placeholder's kind is its index in
# navigation.PLACEHOLDERS (and in what navigation.request_values gives).
_LITERAL, _BLOCK = -1, -2
_SPLIT = re.compile("(" + "|".join(map(re.escape, navigation.PLACEHOLDERS)) + ")")


@dataclass
class ShellStats:
    """For tests: frames built, pages served from a frame, pages rendered as before."""

    built: int = 0
    kept: int = 0
    fresh: int = 0


class Frame(str):
    """A frame's whole text (so the keep counts its size) with its ``parts``: ``(kind,
    text)``, a literal, a block's name, or a placeholder for this request's value."""

    parts: tuple[tuple[int, str], ...]


class _Slot:
    """What a block yields while a frame is built: where the block goes."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class ShellTemplate(Template):
    """Jinja's Template, with base.html's root function serving the kept frame."""

    @classmethod
    def _from_namespace(cls, environment, namespace, globals):  # noqa: A002 (Jinja's name)
        template = super()._from_namespace(environment, namespace, globals)
        if template.name == BASE:
            template.root_render_func = kept_root(template.root_render_func)
        return template


def install(app) -> None:
    """Render base.html through its kept frame (before any template is loaded)."""
    app.jinja_env.template_class = ShellTemplate
    app.extensions[STATS] = ShellStats()


def kept_root(original: Callable[[Context], Iterator[str]]) -> Callable[[Context], Iterator[str]]:
    def root(context: Context) -> Iterator[str]:
        stats = context.environment.app.extensions.get(STATS)
        frame = _frame(context, original) if stats is not None else None
        if frame is None:
            if stats is not None:
                stats.fresh += 1
            yield from original(context)
            return
        stats.kept += 1
        blocks = context.blocks
        values = None
        for kind, text in frame.parts:
            if kind == _LITERAL:
                yield text
            elif kind == _BLOCK:
                yield from blocks[text][0](context)  # what Jinja's {% block %} compiles to
            else:
                if values is None:  # at the first: the CSRF token on <body>, as before
                    values = navigation.request_values()
                yield values[kind]

    return root


def _frame(context: Context, original) -> Frame | None:
    """This request's frame, built when missing; None where it may not be used."""
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return None
    app = context.environment.app
    config = app.config
    if app.debug or config.get("TEMPLATES_AUTO_RELOAD") or not config.get("KEEP_PAGE_DATA", True):
        return None
    tenant = context.resolve_or_missing("tenant")
    if not tenant:  # None, undefined or missing: base.html's {% if tenant %} is false
        tenant_id = None
    elif type(tenant) is Tenant and tenant.id is not None and not tenant._sa_instance_state.modified:
        tenant_id = tenant.id
    else:
        return None  # a tenant the data stamp does not describe (new, changed in memory)
    header = navigation.header_key()
    key = ("shell frame", str(get_locale()), tenant_id, header)

    def build() -> Frame:
        app.extensions[STATS].built += 1
        return _build(context, original)

    if tenant_id is None and header[1] is None and header[2] is None and current_tenant_id() is None:
        # Outside any tenant and signed out: nothing in the frame comes from the database.
        return navigation.kept_for_process(_PLATFORM_FRAMES, key, build)
    if cache.current_data() is None:
        return None  # this request wrote, or nothing is kept: render as before
    return cache.remember(key, build)


def _build(context: Context, original) -> Frame:
    """Run base.html's root on a copy of ``context`` whose blocks yield markers."""
    values = context.get_all()
    values["csrf_token"] = lambda: navigation.TOKEN_PLACEHOLDER
    values["site_header"] = lambda render: Markup(navigation.unfilled_header(render))
    blocks = {name: _marker(name) for name in context.blocks}
    copy = Context(context.environment, values, context.name, blocks, context.globals_keys)
    copy.eval_ctx = context.eval_ctx
    parts: list[tuple[int, str]] = []
    text: list[str] = []

    def close() -> None:
        literal = "".join(text)
        text.clear()
        for index, piece in enumerate(_SPLIT.split(literal)):
            if index % 2:  # the separators the split kept: the placeholders
                parts.append((navigation.PLACEHOLDERS.index(piece), piece))
            elif piece:
                parts.append((_LITERAL, piece))

    for piece in original(copy):
        if isinstance(piece, _Slot):
            close()
            parts.append((_BLOCK, piece.name))
        else:
            text.append(piece)
    close()
    frame = Frame("".join(part for _, part in parts))
    frame.parts = tuple(parts)
    return frame


def _marker(name: str) -> Callable[[Context], Iterator[_Slot]]:
    def block(context: Context) -> Iterator[_Slot]:
        yield _Slot(name)

    return block
