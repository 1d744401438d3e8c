"""The fixed words of the results page, translated once per process and language.

The results page repeats the same words for every question, match and rate table
(column headers, "Match", "Read the answers", the kinds of question): some seventy
gettext calls a request, each finding the request's catalogue through Flask-Babel.
They depend on the language alone, so each language's words are translated once and
kept with Flask-Babel's own catalogue object: a new app, or a catalogue loaded again,
is a new object and gets its words translated afresh.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from weakref import WeakKeyDictionary

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from plugins.polls.models import QuestionKind

WORDS = {
    "invited": _l("Invited"),
    "responded": _l("Responded"),
    "response_rate": _l("Response rate"),
    "match": _l("Match"),
    "start_follow_up": _l("Start a follow-up"),
    "companies_and_follow_up": _l("Companies and follow-up"),
    "open_match_page": _l("Open the page of this match"),
    "read_answers": _l("Read the answers"),
    "average": _l("Average"),
    "lowest": _l("Lowest"),
    "highest": _l("Highest"),
    "value": _l("Value"),
    "count": _l("Count"),
    "percentage": _l("Percentage"),
    "theme": _l("Theme"),
    "not_interested": _l("Not interested"),
    "interested": _l("Interested in cooperating"),
    "lead": _l("Willing to take the lead"),
    "option": _l("Option"),
    "average_rank": _l("Average rank"),
    "ranked_first": _l("Ranked first"),
    "average_points": _l("Average points"),
    "total_points": _l("Total points"),
    "share": _l("Share"),
}

_translated: WeakKeyDictionary = WeakKeyDictionary()


def results_words() -> Mapping[str, object]:
    """The words in the current language, marked safe as the templates' ``_()`` marks a
    translation; ``kinds`` maps each question kind's value to its label."""
    catalogue = get_translations()
    words = _translated.get(catalogue)
    if words is None:
        found: dict[str, object] = {key: Markup(str(text)) for key, text in WORDS.items()}
        found["kinds"] = MappingProxyType({kind.value: Markup(str(kind.label)) for kind in QuestionKind})
        words = _translated[catalogue] = MappingProxyType(found)
    return words
