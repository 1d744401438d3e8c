"""With REDIS_URL set and Redis down, the sign-in link and password reset pages
never say "sent": they say the e-mail could not be sent now, the same for known
and unknown addresses, and nothing is recorded as sent."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kringwerk.accounts import views
from kringwerk.accounts.models import AuthToken
from kringwerk.extensions import db
from kringwerk.mail.models import SentMail
from tests.accounts.conftest import main_of
from tests.conftest import base_config
from tests.support.services import free_port

REDIS_DB = 9
UNAVAILABLE = "could not send the e-mail right now"


@pytest.fixture
def app_config(request, tmp_path, database_url) -> dict:
    config = base_config(tmp_path, database_url)
    if "redis_up" in request.fixturenames:
        server = request.getfixturevalue("redis_server")
        config.update(REDIS_URL=server.url.rsplit("/", 1)[0] + f"/{REDIS_DB}", JOBS_IN_PROCESS=False)
    else:  # REDIS_URL set, but nothing listens there: Redis is down.
        config.update(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", JOBS_IN_PROCESS=False)
    return config


@pytest.fixture
def redis_up(app):
    from kringwerk.jobs.queue import get_queue, redis_connection

    redis_connection(app).flushdb()
    yield get_queue(app)
    redis_connection(app).flushdb()


def counts() -> tuple[int, int]:
    db.session.expire_all()
    return db.session.scalar(select(func.count(AuthToken.id))), db.session.scalar(
        select(func.count(SentMail.id))
    )


@pytest.mark.parametrize("path", ["/account/magic", "/account/reset"])
def test_redis_down_says_not_sent_alike_for_known_and_unknown_addresses(client, world, path):
    known = client.post(path, data={"email": world.a.member.email})
    other_tenant = client.post(path, data={"email": world.b.member.email})
    unknown = client.post(path, data={"email": "nobody@example.com"})
    assert known.status_code == other_tenant.status_code == unknown.status_code == 503
    pages = [
        main_of(response).replace(email, "EMAIL")
        for response, email in (
            (known, world.a.member.email),
            (other_tenant, world.b.member.email),
            (unknown, "nobody@example.com"),
        )
    ]
    assert pages[0] == pages[1] == pages[2]
    assert UNAVAILABLE in known.get_data(as_text=True)
    assert "sent" not in pages[0].lower().replace("could not send", "")
    assert counts() == (0, 0)  # no link issued, nothing recorded as sent


def test_a_mail_that_fails_to_queue_after_the_commit_is_not_called_sent(client, world, monkeypatch):
    # Redis answered the first question, then went away before the commit.
    monkeypatch.setattr(views, "queue_reachable", lambda: True)
    response = client.post("/account/magic", data={"email": world.a.member.email})
    assert response.status_code == 503
    assert UNAVAILABLE in response.get_data(as_text=True)
    assert counts()[1] == 0


def test_with_redis_up_the_link_is_queued_and_the_page_says_sent(client, world, redis_up):
    response = client.post("/account/magic", data={"email": world.a.member.email})
    assert response.status_code == 200
    assert UNAVAILABLE not in response.get_data(as_text=True)
    assert redis_up.count == 1
    [job_id] = redis_up.job_ids
    assert job_id.startswith("platform-")  # a platform job: no tenant in it
