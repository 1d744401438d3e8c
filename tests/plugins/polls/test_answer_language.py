"""The language switch on the answer page works: the page speaks the poll's
language until the visitor chooses another with the switch, then theirs (the
questions stay as written). The choice is the visitor's own: another visitor of
the same link, and tenant B's answer pages, still speak their poll's language."""

from __future__ import annotations

from tests.members.support import page_text
from tests.plugins.polls.test_answering import invite


def _link(pw, tenant, poll_id, email, company_id, contact_id) -> str:
    return f"/{tenant.slug}/polls/{poll_id}/a/{invite(tenant, poll_id, email, company_id, contact_id)}"


def test_the_switch_turns_a_dutch_poll_page_english(app, client, polls_world, poll_id, b_poll_id):
    w = polls_world
    url = _link(
        w,
        w.a.tenant,
        poll_id,
        "bert@berends.test",
        w.company_ids["Bakkerij Berends"],
        w.contact_ids["bert@berends.test"],
    )
    b_url = _link(w, w.b.tenant, b_poll_id, "x@b.test", w.b_company_id, w.b_contact_id)
    before = page_text(client.get(url))
    assert '<html lang="nl">' in before and "Submit your answers" not in before

    switched = client.post("/language", data={"language": "en", "next": url})
    assert switched.status_code == 302 and switched.headers["Location"].endswith(url)
    after = page_text(client.get(url))
    assert '<html lang="en">' in after
    assert "Submit your answers" in after
    assert "Samenwerken op Aalsvoort" in after  # the poll's own words stay as written
    assert '<html lang="en">' in page_text(client.get(b_url))  # the visitor's choice, everywhere

    other = app.test_client()  # another visitor, who chose nothing
    assert '<html lang="nl">' in page_text(other.get(url))
    assert '<html lang="nl">' in page_text(other.get(b_url))
