"""Results of a poll: response rates, a chart per question, open answers, cooperation matches with their follow-ups, publishing, and CSV/XLSX exports."""

from plugins.polls.views import bp  # noqa: F401
