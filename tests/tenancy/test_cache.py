"""The per-process cache of the tenant by slug and its enabled plugins (``tenancy.cache``):
it saves their statements on every tenant page, and a change made by any worker (another
app on the same database stands in for another process) is seen by the next request of
every other, without one tenant's values ever reaching another tenant's request."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, inspect, select, text, update

from kringwerk.accounts.models import User
from kringwerk.extensions import db
from kringwerk.operator.suspension import reactivate_tenant, suspend_tenant
from kringwerk.pluginhost.gating import enabled_keys, is_enabled
from kringwerk.pluginhost.services import disable_plugin, enable_plugin
from kringwerk.tenancy import cache
from kringwerk.tenancy.cache import STAMP_ID, CacheStamp
from kringwerk.tenancy.models import Tenant
from tests.support.workers import in_another_worker


@contextmanager
def count_statements():
    counter = {"n": 0}

    def count(*_):
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def stamp() -> str:
    return db.session.scalar(select(CacheStamp.value).where(CacheStamp.id == STAMP_ID))


def tenant_in_this_session(tenant_id: int) -> Tenant:
    return db.session.get(Tenant, tenant_id)


@pytest.fixture
def probe(app):
    """A tenant page that shows what the request got: its tenant and enabled plugins."""

    @app.get("/<tenant>/cache-probe")
    def cache_probe():
        return {"id": g.tenant.id, "name": g.tenant.name, "plugins": sorted(enabled_keys(g.tenant))}

    @app.post("/<tenant>/cache-probe")
    def cache_rename():
        g.tenant.name = f"{g.tenant.name} (renamed)"
        db.session.commit()
        return {"name": g.tenant.name}

    return app


# --- statements --------------------------------------------------------------------------


@pytest.mark.both_databases
def test_a_warm_worker_reads_neither_the_tenant_nor_its_plugins(app, client, world, login_as):
    # The configuration cache alone: pages and the session's user kept until the next
    # write (KEEP_PAGE_DATA) would leave out the statements this test counts.
    app.config["KEEP_PAGE_DATA"] = False
    for side in (world.a, world.b):
        enable_plugin(side.tenant, "dummy")
    db.session.commit()
    login_as(world.a.member)
    state = app.extensions[cache.EXTENSION_KEY]
    counts = {}
    for slug in ("kring-a", "kring-b"):
        if slug == "kring-b":
            client.post("/account/logout")
            login_as(world.b.member)
        cache.forget_all(app)  # a worker just started
        with count_statements() as cold:
            assert client.get(f"/{slug}/").status_code == 200
        reads = state.stamps_read
        with count_statements() as warm:
            page = client.get(f"/{slug}/").get_data(as_text=True)
        assert state.stamps_read == reads + 1  # the stamp, once per request
        with count_statements() as again:
            client.get(f"/{slug}/")
        # The tenant by slug and its enabled plugins: two statements fewer, every time.
        assert warm["n"] == cold["n"] - 2, slug
        assert again["n"] == warm["n"]
        counts[slug] = warm["n"]
        other = "Kring B" if slug == "kring-a" else "Kring A"
        assert other not in page
    assert counts["kring-a"] == counts["kring-b"]


def test_pages_without_a_tenant_do_not_read_the_stamp(app, client, world):
    state = app.extensions[cache.EXTENSION_KEY]
    reads = state.stamps_read
    assert client.get("/account/login").status_code == 200
    assert state.stamps_read == reads
    assert client.get("/kring-a/").status_code in (200, 302)
    assert state.stamps_read == reads + 1


# --- changes from another worker ----------------------------------------------------------


@pytest.mark.both_databases
def test_a_change_in_another_worker_is_seen_by_the_next_request(app, app_config, client, world, probe):
    a_id, b_id = world.a.tenant.id, world.b.tenant.id
    assert client.get("/kring-a/cache-probe").json == {"id": a_id, "name": "Kring A", "plugins": []}
    assert client.get("/kring-b/cache-probe").json == {"id": b_id, "name": "Kring B", "plugins": []}

    def rename_and_enable():
        tenant = tenant_in_this_session(a_id)
        tenant.name = "Kring Anders"
        enable_plugin(tenant, "dummy")

    in_another_worker(app_config, rename_and_enable)
    assert client.get("/kring-a/cache-probe").json == {
        "id": a_id,
        "name": "Kring Anders",
        "plugins": ["dummy"],
    }
    assert client.get("/kring-b/cache-probe").json == {"id": b_id, "name": "Kring B", "plugins": []}

    def move():
        tenant_in_this_session(a_id).slug = "kring-anders"

    in_another_worker(app_config, move)
    assert client.get("/kring-a/cache-probe").status_code == 404
    assert client.get("/kring-anders/cache-probe").json["id"] == a_id
    assert client.get("/kring-b/cache-probe").json["id"] == b_id


@pytest.mark.both_databases
def test_a_plugin_disabled_elsewhere_is_gone_at_once(app, app_config, client, world, login_as):
    for side in (world.a, world.b):
        enable_plugin(side.tenant, "dummy")
    db.session.commit()
    login_as(world.a.member)
    assert client.get("/kring-a/dummy/").status_code == 200
    assert 'href="/kring-a/dummy/"' in client.get("/kring-a/").get_data(as_text=True)

    a_id = world.a.tenant.id
    in_another_worker(app_config, lambda: disable_plugin(tenant_in_this_session(a_id), "dummy"))
    assert client.get("/kring-a/dummy/").status_code == 404  # its routes
    assert "/kring-a/dummy/" not in client.get("/kring-a/").get_data(as_text=True)  # its hooks
    # The other tenant keeps it.
    client.post("/account/logout")
    login_as(world.b.member)
    assert client.get("/kring-b/dummy/").status_code == 200
    assert 'href="/kring-b/dummy/"' in client.get("/kring-b/").get_data(as_text=True)


@pytest.mark.both_databases
def test_suspension_elsewhere_refuses_changes_at_once(app, app_config, client, world, login_as, probe):
    login_as(world.a.admin)
    assert client.post("/kring-a/cache-probe").status_code == 200  # the cache is warm now
    a_id, operator_id = world.a.tenant.id, world.operator.id

    def suspend():
        operator = db.session.get(User, operator_id)
        suspend_tenant(tenant_in_this_session(a_id), "Unpaid invoices", actor=operator)

    in_another_worker(app_config, suspend)
    assert client.post("/kring-a/cache-probe").status_code == 423
    assert "suspended" in client.get("/kring-a/").get_data(as_text=True)
    assert client.post("/kring-b/cache-probe").status_code == 200  # the other tenant is not

    def reactivate():
        operator = db.session.get(User, operator_id)
        reactivate_tenant(tenant_in_this_session(a_id), actor=operator)

    in_another_worker(app_config, reactivate)
    assert client.post("/kring-a/cache-probe").status_code == 200


def test_a_tenant_deleted_elsewhere_is_gone_at_once(app, app_config, client, world, probe):
    assert client.get("/kring-b/cache-probe").status_code == 200
    b_id = world.b.tenant.id
    in_another_worker(app_config, lambda: db.session.delete(tenant_in_this_session(b_id)))
    assert client.get("/kring-b/cache-probe").status_code == 404
    assert client.get("/kring-a/cache-probe").json["id"] == world.a.tenant.id


@pytest.mark.both_databases
def test_a_write_around_the_orm_is_seen_once_it_renews_the_stamp(app, client, world, probe):
    assert client.get("/kring-a/cache-probe").json["name"] == "Kring A"
    before = stamp()
    db.session.execute(text("UPDATE tenants SET name = 'Kring Raw' WHERE slug = 'kring-a'"))
    cache.renew_stamp()
    db.session.commit()
    assert stamp() != before
    assert client.get("/kring-a/cache-probe").json["name"] == "Kring Raw"
    assert client.get("/kring-b/cache-probe").json["name"] == "Kring B"


# --- the stamp ----------------------------------------------------------------------------


@pytest.mark.both_databases
def test_the_stamp_changes_with_a_committed_change_to_cached_data_only(app, world):
    first = stamp()
    world.a.tenant.brand_colour = "#123456"
    db.session.rollback()
    assert stamp() == first  # rolled back: nothing changed

    world.a.tenant.name = world.a.tenant.name  # set, but unchanged
    db.session.commit()
    assert stamp() == first

    world.b.member.name = "Someone else"  # not cached data
    db.session.commit()
    assert stamp() == first

    world.b.tenant.default_locale = "nl"
    db.session.commit()
    second = stamp()
    assert second != first

    enable_plugin(world.b.tenant, "dummy")
    db.session.commit()
    assert stamp() not in (first, second)


def test_a_savepoint_rolled_back_leaves_the_rest_of_the_transaction_alone(app, world):
    first = stamp()
    with db.session.begin_nested():
        world.a.tenant.website = "https://a.example.com"
    with pytest.raises(RuntimeError), db.session.begin_nested():
        world.b.member.name = "Someone"
        raise RuntimeError("undo the savepoint")
    db.session.commit()
    assert stamp() != first
    assert db.session.scalar(select(Tenant.website).where(Tenant.id == world.a.tenant.id)) == (
        "https://a.example.com"
    )


def test_every_new_database_starts_with_its_own_random_stamp(tmp_path):
    stamps = []
    for name in ("one", "two"):
        engine = create_engine(f"sqlite:///{tmp_path / name}.db")
        CacheStamp.__table__.create(engine)
        with engine.connect() as connection:
            stamps.extend(connection.execute(select(CacheStamp.__table__.c.value)).scalars())
        engine.dispose()
    assert len(stamps) == 4  # the stamp and the data stamp of each database
    assert len(set(stamps)) == 4
    assert all(len(value) == 32 for value in stamps)


# --- the cached tenant in a request -------------------------------------------------------


@pytest.mark.both_databases
def test_what_a_view_changes_on_the_cached_tenant_is_saved(app, client, world, probe):
    assert client.get("/kring-a/cache-probe").json["name"] == "Kring A"
    assert client.get("/kring-a/cache-probe").json["name"] == "Kring A"  # from the cache
    assert client.post("/kring-a/cache-probe").json["name"] == "Kring A (renamed)"
    db.session.expire_all()
    assert db.session.get(Tenant, world.a.tenant.id).name == "Kring A (renamed)"
    assert db.session.get(Tenant, world.b.tenant.id).name == "Kring B"
    assert client.get("/kring-a/cache-probe").json["name"] == "Kring A (renamed)"


def test_the_kept_tenant_belongs_to_no_session(app, client, world, probe):
    client.get("/kring-a/cache-probe")
    client.get("/kring-b/cache-probe")
    generation = app.extensions[cache.EXTENSION_KEY].generation
    kept = {slug: generation.get(("tenant", slug)) for slug in ("kring-a", "kring-b")}
    assert {slug: tenant.id for slug, tenant in kept.items()} == {
        "kring-a": world.a.tenant.id,
        "kring-b": world.b.tenant.id,
    }
    assert all(inspect(tenant).detached for tenant in kept.values())
    assert generation.get(("plugins", world.a.tenant.id)) == frozenset()
    assert generation.get(("tenant", "no-such-kring")) is None
    assert client.get("/no-such-kring/cache-probe").status_code == 404
    assert generation.get(("tenant", "no-such-kring")) is None  # an unknown slug is not kept


def test_a_change_within_a_request_is_seen_by_the_rest_of_it(app, world):
    enable_plugin(world.a.tenant, "dummy")
    db.session.commit()
    with app.test_request_context("/kring-a/"):
        tenant = db.session.get(Tenant, world.a.tenant.id)
        assert is_enabled(tenant, "dummy")
        disable_plugin(tenant, "dummy")
        assert not is_enabled(tenant, "dummy")
        db.session.rollback()
    with app.test_request_context("/kring-a/"):
        assert is_enabled(db.session.get(Tenant, world.a.tenant.id), "dummy")  # rolled back


def test_outside_a_request_nothing_is_kept(app, world):
    state = app.extensions[cache.EXTENSION_KEY]
    reads = state.stamps_read
    assert enabled_keys(world.a.tenant) == frozenset()
    assert state.stamps_read == reads
    assert state.generation is None


@pytest.mark.both_databases
def test_an_update_statement_through_the_session_renews_the_stamp(app, client, world, probe):
    assert client.get("/kring-a/cache-probe").json["name"] == "Kring A"
    before = stamp()
    db.session.execute(update(Tenant).where(Tenant.id == world.a.tenant.id).values(name="Kring A2"))
    db.session.commit()
    assert stamp() != before
    assert client.get("/kring-a/cache-probe").json["name"] == "Kring A2"
    assert client.get("/kring-b/cache-probe").json["name"] == "Kring B"


def test_uncommitted_changes_of_a_shared_session_never_reach_the_cache(app, client, world, probe):
    # A plain client shares this test's context and session, uncommitted changes included.
    plain_client = FlaskClient(app, app.response_class)
    world.a.tenant.name = "Kring Uncommitted"
    db.session.flush()
    assert plain_client.get("/kring-a/cache-probe").json["name"] == "Kring Uncommitted"
    db.session.rollback()
    assert client.get("/kring-a/cache-probe").json["name"] == "Kring A"
    assert client.get("/kring-b/cache-probe").json["name"] == "Kring B"
