"""The twelve default themes every tenant starts with (see GLOSSARY.md)."""

from __future__ import annotations

DEFAULT_THEMES: tuple[tuple[str, str, str], ...] = (
    # key, Dutch name, English name
    ("energie", "Energie", "Energy"),
    ("materialen", "Materialen", "Materials"),
    ("ruimtegebruik", "Ruimtegebruik", "Land use"),
    ("welzijn-leefomgeving", "Welzijn en leefomgeving", "Wellbeing and living environment"),
    ("vestigingsklimaat", "Vestigingsklimaat", "Business climate"),
    ("bereikbaarheid", "Bereikbaarheid", "Accessibility"),
    ("veiligheid", "Veiligheid", "Safety"),
    ("arbeidsmarkt", "Arbeidsmarkt", "Labour market"),
    ("digitalisering", "Digitalisering", "Digitalisation"),
    ("circulariteit", "Circulariteit", "Circularity"),
    ("klimaatadaptatie", "Klimaatadaptatie", "Climate adaptation"),
    ("mobiliteit", "Mobiliteit", "Mobility"),
)
