"""Who a poll goes to: the audience, invitations by e-mail, reminders, and the standing panel (join, leave, one-click opt-out)."""

from plugins.polls.views import bp  # noqa: F401
