"""The tenant home's content kept per process until the next write (issue 15): per tenant,
person, locale and minute. A warm home builds nothing and runs no statement beyond the page
shell's; a change through the app's own POST or from another worker shows at the next GET;
each person sees their own home and each tenant its own; what waits follows the clock to
the minute without any write (a poll closing at 14:00 leaves the home at 14:00; a moment set
to the second shows at the latest at the end of its minute, the honest cost of the key);
reading the home writes nothing and every visitor gets their own CSRF token."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import render_template
from sqlalchemy import select, update

from kringwerk.accounts.models import Role
from kringwerk.accounts.people import add_membership
from kringwerk.audit.services import record
from kringwerk.extensions import db, utcnow
from kringwerk.members.models import Company, ContactPerson
from kringwerk.pluginhost.services import enable_plugin
from kringwerk.tenancy import cache, tenant_scope
from kringwerk.tenancy.cache import DATA_STAMP_ID, CacheStamp
from kringwerk.web.fragments import CSRF_PLACEHOLDER
from plugins.polls import invitations
from plugins.polls.models import Poll, PollInvitation
from tests.conftest import login
from tests.plugins.polls.conftest import make_poll
from tests.tenancy.test_data_cache import in_another_worker
from tests.web.conftest import count_queries

# A whole minute two days ahead: the polls' closing moment in these tests.
DEADLINE = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
SIGNED = re.compile(r"\bI[\w-]+\.[\w-]+\.[\w-]+")  # a signed CSRF token


class Clock:
    """The time the home and the polls' ``waiting_for`` read; the real time until set."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        return self.now or datetime.now(UTC)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    clock.now = DEADLINE - timedelta(days=1)  # fixed: no minute passes between two GETs
    monkeypatch.setattr("kringwerk.web.home.utcnow", clock)
    monkeypatch.setattr("plugins.polls.waiting.utcnow", clock)
    return clock


def invite(tenant, poll_id: int) -> None:
    """Invitations for the poll's audience, marked sent."""
    with tenant_scope(tenant):
        invitations.create_invitations(db.session.get(Poll, poll_id))
        for row in db.session.scalars(select(PollInvitation).where(PollInvitation.poll_id == poll_id)):
            row.sent_at = utcnow()
        db.session.commit()


@pytest.fixture
def homes(world, clock):
    """Polls on in both tenants; each tenant's member is the contact of one company there,
    invited to an open poll of their tenant ("Poll of A", "Poll of B") closing at DEADLINE.
    Each has an entry of their own in the audit trail, and A's admin one that only admins see."""
    world.poll_ids = {}
    for side, name in ((world.a, "A"), (world.b, "B")):
        enable_plugin(side.tenant, "polls")
        with tenant_scope(side.tenant):
            company = Company(name=f"Bakkerij {name}")
            company.contacts.append(ContactPerson(name=f"Bert {name}", email=f"bert@{name.lower()}.test"))
            db.session.add(company)
            db.session.flush()
            company.contacts[0].user_id = side.member.id
            record("profile.updated", actor=side.member, target_label=f"own change of {name}")
            record("member.invited", actor=side.admin, target_label=f"admin entry of {name}")
            db.session.commit()
        world.poll_ids[name] = make_poll(
            side.tenant, title=f"Poll of {name}", opens_at=DEADLINE - timedelta(days=3), closes_at=DEADLINE
        )
        invite(side.tenant, world.poll_ids[name])
    return world


@pytest.fixture
def shell_probe(app):
    """An empty page of the tenant in the page shell (base.html): what the home costs
    without its content."""
    app.add_url_rule("/<tenant>/shell-probe", "shell_probe", lambda: render_template("base.html"))


@pytest.fixture
def renders(monkeypatch) -> list[int]:
    """The user ids the home's content was rendered for (built, not found kept)."""
    from kringwerk.web import home as home_module

    rendered, render = [], home_module._render_home

    def counted(tenant, user):
        rendered.append(user.id)
        return render(tenant, user)

    monkeypatch.setattr(home_module, "_render_home", counted)
    return rendered


def builds(app) -> int:
    return app.extensions[cache.EXTENSION_KEY].builds


def data_stamp() -> str:
    value = db.session.scalar(select(CacheStamp.value).where(CacheStamp.id == DATA_STAMP_ID))
    db.session.rollback()
    return value


def home(client, slug: str) -> str:
    """The home's content (from its heading to the end of ``main``: no flash messages), each
    CSRF token (the session's own) written as TOKEN."""
    response = client.get(f"/{slug}/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return SIGNED.sub("TOKEN", html[html.index("<h1>") : html.index("</main>")])


@pytest.mark.both_databases
def test_a_warm_home_builds_nothing_and_runs_only_the_shells_statements(app, client, homes, shell_probe):
    login(client, homes.a.member)
    for _ in range(2):
        client.get("/kring-a/shell-probe")
        page = home(client, "kring-a")
    assert "Poll of A" in page and "own change of A" in page
    assert "Poll of B" not in page and "own change of B" not in page and "admin entry of A" not in page
    with count_queries(app) as shell:
        assert client.get("/kring-a/shell-probe").status_code == 200
    built = builds(app)
    with count_queries(app) as warm:
        assert home(client, "kring-a") == page
    assert builds(app) == built  # nothing built: the content was kept
    # Like the shell: the stamps read with the driver alone (tenancy/cache.py), no statement.
    assert warm == shell == [], warm
    assert not [s for s in warm if re.search(r"\b(polls|poll_invitations|audit_entries)\b", s)], warm

    # Twenty more polls waiting for the member: the first GET builds, then the same again.
    for number in range(20):
        invite(homes.a.tenant, make_poll(homes.a.tenant, title=f"More {number}", closes_at=DEADLINE))
    with count_queries(app) as after_write:
        assert "More 19" in home(client, "kring-a")
    with count_queries(app) as warm_again:
        home(client, "kring-a")
    assert len(warm_again) == len(shell) and len(after_write) > len(warm_again)

    client.post("/account/logout")
    login(client, homes.b.member)
    other = home(client, "kring-b")
    assert "Poll of B" in other and "own change of B" in other
    assert "Poll of A" not in other and "More 19" not in other and "own change of A" not in other


@pytest.mark.both_databases
def test_a_change_through_the_apps_own_post_shows_at_the_next_get(app, client, homes):
    login(client, homes.a.member)
    assert "Poll of A" in home(client, "kring-a")
    assert "Poll of A" in home(client, "kring-a")  # kept
    admin = app.test_client()
    login(admin, homes.a.admin)
    closed = admin.post(f"/kring-a/polls/{homes.poll_ids['A']}/close")
    assert closed.status_code in (302, 303), closed.status_code
    page = home(client, "kring-a")
    assert "Poll of A" not in page and "Nothing waits for you" in page
    # Tenant B's member still sees their own open poll.
    client.post("/account/logout")
    login(client, homes.b.member)
    assert "Poll of B" in home(client, "kring-b")


@pytest.mark.both_databases
def test_a_change_in_another_worker_shows_at_the_next_get(app, app_config, client, homes):
    login(client, homes.a.member)
    assert "Poll of A" in home(client, "kring-a")
    built = builds(app)
    assert "Poll of A" in home(client, "kring-a")
    assert builds(app) == built
    tenant_id, poll_id = homes.a.tenant.id, homes.poll_ids["A"]

    def rename():
        with tenant_scope(tenant_id):
            db.session.execute(update(Poll).where(Poll.id == poll_id).values(title="Renamed elsewhere"))

    in_another_worker(app_config, rename)
    page = home(client, "kring-a")
    assert "Renamed elsewhere" in page and "Poll of A" not in page
    assert builds(app) > built


@pytest.mark.both_databases
def test_each_person_and_each_tenant_sees_their_own_home(app, client, homes):
    login(client, homes.a.member)
    admin_client = app.test_client()
    login(admin_client, homes.a.admin)  # signing in writes: both before the pages are kept
    member = home(client, "kring-a")
    assert "Poll of A" in member and "own change of A" in member and "admin entry of A" not in member
    admin = home(admin_client, "kring-a")  # no contact person: nothing waits; the whole trail
    assert "Poll of A" not in admin and "Nothing waits for you" in admin
    assert "admin entry of A" in admin and "own change of A" in admin and "admin entry of B" not in admin
    built = builds(app)
    assert home(client, "kring-a") == member  # each their own version, both kept
    assert home(admin_client, "kring-a") == admin
    assert builds(app) == built

    # The same person in both tenants: each tenant's home shows that tenant's content only.
    with tenant_scope(homes.b.tenant):
        add_membership(homes.b.tenant, homes.a.member, Role.MEMBER)
        db.session.commit()
    in_a, in_b = home(client, "kring-a"), home(client, "kring-b")
    assert "Kring A" in in_a and "Poll of A" in in_a and "Poll of B" not in in_a
    assert "Kring B" in in_b and "Poll of A" not in in_b and "own change of A" not in in_b
    assert "Nothing waits for you" in in_b  # B's poll waits for B's member, not for A's
    assert home(client, "kring-a") == in_a and home(client, "kring-b") == in_b


@pytest.mark.both_databases
def test_a_poll_leaves_the_home_at_its_closing_minute_without_any_write(app, client, homes, clock):
    later = make_poll(homes.a.tenant, title="Opens at the deadline", opens_at=DEADLINE)
    invite(homes.a.tenant, later)
    login(client, homes.a.member)
    stamp = data_stamp()
    clock.now = DEADLINE - timedelta(seconds=30)
    page = home(client, "kring-a")
    assert "Poll of A" in page and "Opens at the deadline" not in page
    clock.now = DEADLINE - timedelta(seconds=1)
    built = builds(app)
    assert home(client, "kring-a") == page  # the same minute: kept
    assert builds(app) == built
    clock.now = DEADLINE  # 14:00 sharp: the poll closing at 14:00 is no longer open
    page = home(client, "kring-a")
    assert "Poll of A" not in page and "Opens at the deadline" in page
    assert builds(app) == built + 1
    assert data_stamp() == stamp  # no write: the minute alone


@pytest.mark.both_databases
def test_a_moment_set_to_the_second_shows_by_the_end_of_its_minute(app, client, homes, clock):
    """The honest cost of keying by the minute: a closing moment set to the second (not
    possible in the forms, which take minutes) keeps showing the poll until its minute ends."""
    with tenant_scope(homes.a.tenant):
        poll = db.session.get(Poll, homes.poll_ids["A"])
        poll.closes_at = DEADLINE + timedelta(seconds=30)
        db.session.commit()
    login(client, homes.a.member)
    clock.now = DEADLINE + timedelta(seconds=10)
    assert "Poll of A" in home(client, "kring-a")
    clock.now = DEADLINE + timedelta(seconds=40)  # closed 10 seconds ago
    assert "Poll of A" in home(client, "kring-a")  # still shown: kept for this minute
    clock.now = DEADLINE + timedelta(seconds=60)  # the next minute
    assert "Poll of A" not in home(client, "kring-a")


@pytest.mark.both_databases
def test_reading_the_home_writes_nothing(app, client, homes):
    login(client, homes.a.member)
    admin_client = app.test_client()
    login(admin_client, homes.a.admin)  # signing in writes: before the stamp is taken
    stamp = data_stamp()
    for _ in range(3):
        assert "Poll of A" in home(client, "kring-a")
        assert "admin entry of A" in home(admin_client, "kring-a")
    assert data_stamp() == stamp


def test_each_visitor_gets_their_own_token_in_the_kept_home(app, homes, renders):
    app.config["WTF_CSRF_ENABLED"] = True
    one, two = app.test_client(), app.test_client()
    tokens = []
    for browser in (one, two):  # the same person in two browsers: one kept home, two sessions
        form = TOKEN.search(browser.get("/account/login").get_data(as_text=True)).group(1)
        signed_in = browser.post(
            "/account/login",
            data={"csrf_token": form, "email": homes.a.member.email, "password": homes.password},
        )
        assert signed_in.status_code == 302
    for browser in (one, two):
        page = browser.get("/kring-a/").get_data(as_text=True)
        assert "Poll of A" in page and CSRF_PLACEHOLDER not in page
        tokens.append(TOKEN.search(page).group(1))
    assert renders == [homes.a.member.id]  # the second browser got the kept home
    assert tokens[0] != tokens[1]
    answer = f"/kring-a/polls/{homes.poll_ids['A']}/my-answer"
    assert one.post(answer, data={"csrf_token": tokens[0]}).status_code == 303
    assert two.post(answer, data={"csrf_token": tokens[0]}).status_code == 400  # not this session's
    assert two.post(answer, data={"csrf_token": tokens[1]}).status_code == 303
