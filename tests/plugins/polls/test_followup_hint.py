"""The match page's follow-up hint says what is true: with masterplans enabled but no
module answering ``followup_offers`` yet (events answers now: tests/plugins/events/
test_followup.py), it says that no enabled module offers a follow-up, and blames nobody. Tenant B's match page stays out of A's reach."""

from __future__ import annotations

from kringwerk.extensions import db
from kringwerk.pluginhost.services import enable_plugin
from tests.plugins.polls.test_matches import interest, theme_ids  # noqa: F401  (fixture)

NONE_YET = "None of the modules enabled for this organisation offers a follow-up yet."


def test_with_masterplans_enabled_the_hint_blames_nobody(interest, poll_id, client, login_as):  # noqa: F811
    for key in ("masterplan",):
        enable_plugin(interest.a.tenant, key)
    db.session.commit()
    first, *_ = theme_ids(interest, poll_id)
    login_as(interest.a.admin)
    body = client.get(f"/kring-a/polls/{poll_id}/results/themes/{first}").get_data(as_text=True)
    assert NONE_YET in body
    assert "operator" not in body
    assert "Once the operator enables" not in body
    # The same address in tenant B finds nothing of A's poll.
    assert client.get(f"/kring-b/polls/{poll_id}/results/themes/{first}").status_code == 404
