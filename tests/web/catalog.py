"""Compiled message catalogs for tests that need to see Dutch.

The real catalogs live in platform/kringwerk/translations as .po files; the
compiled .mo files are build output (not in git). Tests compile them into a
temporary folder. ``FALLBACK_NL`` gives a Dutch text for the few strings the
language tests look at while the real catalog has none yet; a real
translation always wins. Tests compare against ``gettext`` in Dutch, never
against a hard-coded Dutch text, so they keep passing when translators
change the wording.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages import mofile, pofile

from kringwerk.config import PROJECT_ROOT
from kringwerk.extensions import babel

TRANSLATIONS_DIR = PROJECT_ROOT / "platform" / "kringwerk" / "translations"

FALLBACK_NL = {
    "Skip to content": "Naar de inhoud",
    "Sign in": "Inloggen",
    "Page not found": "Pagina niet gevonden",
    "This page does not exist, or you do not have access to it.": (
        "Deze pagina bestaat niet, of u heeft er geen toegang toe."
    ),
    "No access": "Geen toegang",
    "Bad request": "Ongeldig verzoek",
    "Please sign in": "Log in",
    "Not allowed": "Niet toegestaan",
    "File too large": "Bestand te groot",
    "Too many attempts": "Te veel pogingen",
    "Something went wrong": "Er ging iets mis",
    "The form has expired": "Het formulier is verlopen",
    "Your organisations": "Uw organisaties",
    "Dashboard": "Overzicht",
    "Administration": "Beheer",
    "Members": "Leden",
    "Welcome": "Welkom",
}


def compile_catalogs(target: Path, fallback: dict[str, dict[str, str]] | None = None) -> Path:
    """Compile every ``<lang>/LC_MESSAGES/messages.po`` into ``target`` (same layout),
    filling untranslated messages from ``fallback[lang]``."""
    fallback = fallback or {}
    for po_path in sorted(TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po")):
        language = po_path.parent.parent.name
        with po_path.open("rb") as handle:
            catalog = pofile.read_po(handle, locale=language)
        for msgid, text in fallback.get(language, {}).items():
            message = catalog.get(msgid)
            if message is None:
                catalog.add(msgid, text)
            elif not message.string:
                message.string = text
        out = target / language / "LC_MESSAGES"
        out.mkdir(parents=True, exist_ok=True)
        with (out / "messages.mo").open("wb") as handle:
            mofile.write_mo(handle, catalog)
    return target


def forget_loaded_translations() -> None:
    """Flask-Babel caches catalogs per process (on the shared ``babel`` object),
    not per app; clear it so a test's catalogs neither leak in nor out."""
    # ``domain_instance`` is a cached property: read it only once created (no app context needed).
    domain = vars(babel).get("domain_instance")
    if domain is not None:
        domain.cache.clear()
