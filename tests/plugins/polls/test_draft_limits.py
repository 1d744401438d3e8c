"""A draft is no place for megabytes: an autosave of a huge answer is refused
with 413 (the short htmx fragment) and the stored draft stays as it was."""

from __future__ import annotations

from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.polls.models import PollResponse
from tests.plugins.polls.test_answering import invite, questions


def _drafts(tenant):
    with tenant_scope(tenant):
        return [r.draft for r in db.session.scalars(select(PollResponse))]


def test_a_nine_megabyte_draft_is_refused(client, polls_world, poll_id):
    w = polls_world
    token = invite(
        w.a.tenant,
        poll_id,
        "bert@berends.test",
        w.company_ids["Bakkerij Berends"],
        w.contact_ids["bert@berends.test"],
    )
    url = f"/{w.a.tenant.slug}/polls/{poll_id}/a/{token}/draft"
    q = questions(w.a.tenant, poll_id)
    saved = client.post(url, data={f"q{q.short}": "Bert"}, headers={"HX-Request": "true"})
    assert saved.status_code == 200
    response = client.post(url, data={f"q{q.long}": "x" * (9 * 1024 * 1024)}, headers={"HX-Request": "true"})
    assert response.status_code == 413
    assert response.headers["HX-Retarget"] == "#htmx-alerts"
    assert 'role="alert"' in response.get_data(as_text=True)
    assert _drafts(w.a.tenant) == [{f"q{q.short}": ["Bert"]}]
    assert " 1 MB." in response.get_data(as_text=True)  # the form's limit, not the upload's 10 MB
    assert _drafts(w.b.tenant) == []
