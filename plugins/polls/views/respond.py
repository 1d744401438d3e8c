"""Answering a poll by personal link: no account needed; drafts saved while typing; a receipt after submission."""

from plugins.polls.views import bp  # noqa: F401
