"""Integer query parameters out of the database's range (``?task=`` on the results and
audience pages) are no task at all: the page answers as without one, never a 500."""

from __future__ import annotations

import pytest


@pytest.mark.both_databases
@pytest.mark.parametrize("value", ["99999999999999999999", "-99999999999999999999", "2147483648", "x", ""])
@pytest.mark.parametrize("page", ["results", "audience"])
def test_a_task_number_beyond_the_database_is_ignored(client, polls_world, poll_id, login_as, page, value):
    login_as(polls_world.a.admin)
    response = client.get(
        f"/{polls_world.a.tenant.slug}/polls/{poll_id}/{page}", query_string={"task": value}
    )
    assert response.status_code == 200
    # Tenant B's admin still does not reach tenant A's poll with the same parameter.
    login_as(polls_world.b.admin)
    response = client.get(
        f"/{polls_world.a.tenant.slug}/polls/{poll_id}/{page}", query_string={"task": value}
    )
    assert response.status_code == 404
