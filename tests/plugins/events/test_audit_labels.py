"""Every audit action the events plugin records has a readable label (English and Dutch), and so
has every detail key it records; the Dutch log of tenant A shows them, B's entries stay out."""

from __future__ import annotations

import re

from flask_babel import force_locale

from kringwerk.audit.labels import action_label, detail_items
from kringwerk.config import PROJECT_ROOT
from kringwerk.extensions import db
from tests.audit.conftest import add_entries

SOURCE = "\n".join(path.read_text() for path in (PROJECT_ROOT / "plugins" / "events").rglob("*.py"))
ACTIONS = sorted(set(re.findall(r'record\(\s*"(events\.[a-z_]+)"', SOURCE)))
DETAIL_KEYS = sorted(
    {
        key
        for block in re.findall(r"details=\{([^}]*)\}", SOURCE)
        for key in re.findall(r'"([a-z_]+)":', block)
    }
)


def test_every_action_and_detail_key_has_a_label(app):
    assert len(ACTIONS) >= 12 and "events.paid" in ACTIONS
    with app.test_request_context():
        for locale in ("en", "nl"):
            with force_locale(locale):
                unlabelled = [action for action in ACTIONS if action_label(action) == action]
                assert unlabelled == [], locale
                raw = [key for key in DETAIL_KEYS if detail_items({key: 1})[0][0] == key]
                assert raw == [], locale
        with force_locale("nl"):
            assert action_label("events.created") == "Bijeenkomst aangemaakt"
            assert action_label("events.paid") == "Plaats bij een bijeenkomst betaald"


def test_the_dutch_log_names_event_actions(world, login_as):
    add_entries(world.a.tenant, world.a.admin, ["events.cancelled"], details={"told": 3})
    add_entries(world.b.tenant, world.b.admin, ["events.copied"], details={"from": 7})
    world.a.admin.preferred_locale = "nl"
    db.session.commit()
    page = login_as(world.a.admin).get(f"/{world.a.tenant.slug}/admin/audit/").get_data(as_text=True)
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    assert "Bijeenkomst geannuleerd" in body and "<dt>Mensen ingelicht</dt><dd>3</dd>" in body
    assert ">events.cancelled<" not in body and "Bijeenkomst gekopieerd" not in body
