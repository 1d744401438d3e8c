"""Audit details speak the reader's language: each detail's key has a label (the
core's, or the one its plugin declares), yes/no for true/false; an unknown key is
shown as it is. Tenant B's entries stay off tenant A's log."""

from __future__ import annotations

from flask_babel import force_locale

from kringwerk.audit.labels import detail_items
from kringwerk.extensions import db
from tests.audit.conftest import add_entries

TENANT_LOG = "/kring-a/admin/audit/"


def rows(page: str) -> str:
    return page[page.index("<tbody>") : page.index("</tbody>")]


def test_detail_keys_have_labels(app):
    with app.test_request_context(), force_locale("en"):
        assert detail_items({"role": "admin", "changed": ["name"], "automatic": True, "weather": 1}) == [
            ("Role", "admin"),
            ("Changed", "name"),
            ("Automatic", "Yes"),
            ("weather", "1"),
        ]
        assert detail_items({"reminder_at": None})[0][0] == "Reminder"  # the polls plugin's own key


def test_the_dutch_log_shows_dutch_keys(world, login_as):
    add_entries(world.a.tenant, world.a.admin, ["poll.closed"], details={"automatic": True, "recipients": 4})
    add_entries(world.b.tenant, world.b.admin, ["company.created"], details={"kvk_number": "99999999"})
    world.a.admin.preferred_locale = "nl"
    db.session.commit()
    page = rows(login_as(world.a.admin).get(TENANT_LOG).get_data(as_text=True))
    assert "<dt>Automatisch</dt><dd>Ja</dd>" in page
    assert "<dt>Ontvangers</dt><dd>4</dd>" in page
    assert "<dt>automatic</dt>" not in page and "<dt>recipients</dt>" not in page
    assert "99999999" not in page
