"""Every action the platform records has a readable label; others fall back to their name."""

from __future__ import annotations

import pytest

from kringwerk.audit.labels import ACTION_LABELS, action_label, detail_items

REQUIRED = [
    "tenant.created",
    "tenant.updated",
    "plugin.enabled",
    "plugin.disabled",
    "plugin.settings_changed",
    "affiliation.invited",
    "affiliation.accepted",
    "affiliation.declined",
    "affiliation.ended",
    "member.invited",
    "invitation.resent",
    "invitation.revoked",
    "invitation.accepted",
    "membership.role_changed",
    "membership.removed",
    "member.exported",
    "member.erased",
    "company.created",
    "company.updated",
    "company.deleted",
    "companies.imported",
    "contact.created",
    "contact.updated",
    "contact.deleted",
    "park.created",
    "park.updated",
    "park.deleted",
    "circle.created",
    "circle.updated",
    "circle.deleted",
    "theme.created",
    "theme.updated",
    "theme.deactivated",
    "theme.reactivated",
    "theme.reordered",
    "tenants.synced",
]


@pytest.mark.parametrize("action", REQUIRED)
def test_required_actions_have_a_label(app, action):
    assert action in ACTION_LABELS
    label = action_label(action)
    assert label and label != action


def test_labels_are_distinct(app):
    labels = [str(label) for label in ACTION_LABELS.values()]
    assert len(labels) == len(set(labels))


def test_unknown_action_falls_back_to_its_name(app):
    assert action_label("weather.changed") == "weather.changed"


def test_plugins_bring_their_own_labels(app):
    from kringwerk.audit.labels import known_actions

    assert action_label("poll.closed") == "Poll closed"
    assert "poll.closed" in known_actions()


def test_details_are_readable(app):
    assert detail_items({"fields": ["name", "logo"], "count": 3, "role": None}) == [
        ("Fields", "name, logo"),
        ("Number", "3"),
        ("Role", "–"),
    ]
    assert detail_items(None) == []
