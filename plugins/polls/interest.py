"""Theme interest of closed polls for other plugins (the ``theme_interest`` hook): per
poll, how many companies want to cooperate on each theme of its theme-interest
questions, so a masterplan's priority round can start from it.

Aggregates only, counted as the cooperation matches count them (``matches``): a company
once however many of its people answered; people in an anonymous poll answered per
person. The small-group rule of the results holds here too: a poll with fewer than
``MIN_GROUP_SIZE`` respondents, or an anonymous one with fewer invited, gives no counts
(``withheld``), because a count of one among three says who answered.
"""

from __future__ import annotations

from sqlalchemy import select

from kringwerk.plugin_api import ThemeInterest, db, hookimpl
from plugins.polls.matches import theme_matches
from plugins.polls.models import Poll, PollQuestion, PollState, QuestionKind
from plugins.polls.rates import MIN_GROUP_SIZE, response_rate
from plugins.polls.results import submitted_count

PREFIX = "polls:"
RECENT = 10  # closed polls offered at once: the most recently closed


def source_key(poll: Poll) -> str:
    return f"{PREFIX}{poll.id}"


def _poll_id(source: str) -> int | None:
    if not isinstance(source, str) or not source.startswith(PREFIX):
        return None
    digits = source.removeprefix(PREFIX)
    return int(digits) if digits.isdigit() and len(digits) < 10 else None


def _closed_polls(poll_id: int | None) -> list[Poll]:
    asks_themes = select(PollQuestion.poll_id).where(PollQuestion.kind == QuestionKind.THEME_INTEREST)
    statement = select(Poll).where(Poll.state == PollState.CLOSED, Poll.id.in_(asks_themes))
    if poll_id is not None:
        statement = statement.where(Poll.id == poll_id)
    statement = statement.order_by(Poll.closed_at.desc().nulls_last(), Poll.id.desc()).limit(RECENT)
    return list(db.session.scalars(statement))


def too_small(poll: Poll, respondents: int) -> bool:
    """Whether the poll's group is below the results' minimum (see the module docstring)."""
    if respondents < MIN_GROUP_SIZE:
        return True
    return bool(poll.anonymous) and response_rate(poll).invited < MIN_GROUP_SIZE


def interest_of(poll: Poll) -> ThemeInterest:
    respondents = submitted_count(poll)
    if too_small(poll, respondents):
        counts, withheld = {}, True
    else:
        counts = {item.match.theme_id: item.match.interested for item in theme_matches(poll, 1)}
        withheld = False
    return ThemeInterest(
        source=source_key(poll),
        label=poll.title,
        counts=counts,
        respondents=respondents,
        withheld=withheld,
        closed_on=poll.closed_at,
    )


@hookimpl
def theme_interest(tenant, source):
    """The recently closed polls asking about themes (or the one ``source`` names), in the
    tenant in scope; another plugin's source key gets nothing."""
    if source is not None and _poll_id(source) is None:
        return []
    return [interest_of(poll) for poll in _closed_polls(_poll_id(source) if source is not None else None)]
