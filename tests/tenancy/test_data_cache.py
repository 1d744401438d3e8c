"""The data stamp and ``remember`` (``tenancy.cache``): what a page derives from tenant data
is kept per process until the next committed write anywhere; a write in another worker
(another app on the same database) is seen by the next request of every other; a GET writes
nothing, so reading pages keeps the stamp; one tenant's kept values never reach another
tenant's request."""

from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import select, text, update

from kringwerk.accounts.models import User
from kringwerk.extensions import db
from kringwerk.tenancy import cache
from kringwerk.tenancy.cache import DATA_STAMP_ID, STAMP_ID, CacheStamp
from tests.support.workers import in_another_worker


def stamp(stamp_id: int) -> str:
    return db.session.scalar(select(CacheStamp.value).where(CacheStamp.id == stamp_id))


@pytest.fixture
def probe(app):
    """A tenant page showing a value derived from the data (the tenant's users' names,
    counted by the build) and a POST that writes."""
    built = {"n": 0}

    def names():
        built["n"] += 1
        return sorted(db.session.scalars(select(User.name)).all())

    @app.get("/<tenant>/remember-probe")
    def remember_probe():
        return {"tenant": g.tenant.slug, "names": cache.remember("names", names)}

    @app.post("/<tenant>/remember-probe")
    def remember_write():
        user = db.session.scalars(select(User).order_by(User.id)).first()
        user.name = "Renamed here"
        db.session.commit()
        return {"names": cache.remember("names", names)}

    return built


@pytest.mark.both_databases
def test_a_kept_value_is_built_once_per_tenant_until_a_write(app, app_config, client, world, probe):
    first = client.get("/kring-a/remember-probe").json
    assert client.get("/kring-a/remember-probe").json == first
    assert probe["n"] == 1  # the second request found it kept
    assert client.get("/kring-b/remember-probe").json["tenant"] == "kring-b"
    assert probe["n"] == 2  # kept per tenant: kring-b never gets kring-a's value
    assert client.get("/kring-b/remember-probe").json["tenant"] == "kring-b"
    assert probe["n"] == 2

    user_id = world.b.member.id

    def rename():
        db.session.get(User, user_id).name = "Renamed elsewhere"

    in_another_worker(app_config, rename)
    assert "Renamed elsewhere" in client.get("/kring-a/remember-probe").json["names"]
    assert probe["n"] == 3


@pytest.mark.both_databases
def test_a_request_that_writes_reads_its_own_change_and_renews_the_stamp(app, client, world, probe):
    client.get("/kring-a/remember-probe")
    before = stamp(DATA_STAMP_ID)
    db.session.rollback()
    built = probe["n"]
    assert "Renamed here" in client.post("/kring-a/remember-probe").json["names"]
    assert probe["n"] == built + 1  # after its write the request builds, and keeps nothing
    after = stamp(DATA_STAMP_ID)
    assert after != before
    assert "Renamed here" in client.get("/kring-a/remember-probe").json["names"]


@pytest.mark.both_databases
def test_the_data_stamp_changes_with_committed_writes_only(app, world):
    data, config = stamp(DATA_STAMP_ID), stamp(STAMP_ID)
    world.a.member.name = "Not saved"
    db.session.rollback()
    assert stamp(DATA_STAMP_ID) == data  # rolled back

    world.a.member.name = world.a.member.name  # set, but unchanged
    db.session.commit()
    assert stamp(DATA_STAMP_ID) == data

    world.a.member.name = "Saved"
    db.session.commit()
    renamed = stamp(DATA_STAMP_ID)
    assert renamed != data
    assert stamp(STAMP_ID) == config  # not cached configuration: the other stamp stays

    db.session.execute(update(User).where(User.id == world.b.member.id).values(name="Bulk"))
    db.session.commit()
    bulk = stamp(DATA_STAMP_ID)
    assert bulk != renamed

    db.session.execute(text("UPDATE users SET name = 'Text' WHERE id = :id"), {"id": world.b.member.id})
    db.session.commit()
    assert stamp(DATA_STAMP_ID) != bulk


@pytest.mark.both_databases
def test_reading_the_main_pages_writes_nothing(app, client, world, login_as):
    """A GET never writes, so reading keeps every process's kept values."""
    login_as(world.a.admin)
    db.session.rollback()
    data = stamp(DATA_STAMP_ID)
    db.session.rollback()
    for path in ("/kring-a/", "/kring-a/members/", "/account/"):
        for _ in range(2):
            assert client.get(path).status_code == 200, path
    assert stamp(DATA_STAMP_ID) == data


def test_outside_a_request_remember_just_builds(app, world):
    calls = []
    assert cache.remember("x", lambda: calls.append(1) or "value") == "value"
    assert cache.remember("x", lambda: calls.append(1) or "value") == "value"
    assert calls == [1, 1]


def test_a_full_generation_keeps_no_more(app):
    generation = cache.Generation("s", limit=2)
    for key in "abc":
        assert generation.put(key, key.upper()) == key.upper()
    assert generation.get("a") == "A" and generation.get("b") == "B"
    assert generation.get("c") is None

    text = cache.Generation("s", limit=10, text_limit=10)
    text.put("a", "x" * 6)
    text.put("b", "y" * 6)  # would pass the limit on text
    text.put("c", ("not", "text"))
    assert text.get("a") == "x" * 6 and text.get("b") is None and text.get("c") == ("not", "text")


def test_keep_page_data_off_builds_every_time(app, client, world, probe):
    app.config["KEEP_PAGE_DATA"] = False
    client.get("/kring-a/remember-probe")
    client.get("/kring-a/remember-probe")
    assert probe["n"] == 2


def test_a_new_version_replaces_the_kept_value(app, client, world):
    state = app.extensions[cache.EXTENSION_KEY]
    versions = iter(["monday", "monday", "tuesday", "tuesday"])

    @app.get("/<tenant>/versioned-probe")
    def versioned_probe():
        version = next(versions)
        return {"value": cache.remember("day", lambda: f"built on {version}", version=version)}

    assert client.get("/kring-a/versioned-probe").json["value"] == "built on monday"
    assert client.get("/kring-a/versioned-probe").json["value"] == "built on monday"
    assert client.get("/kring-a/versioned-probe").json["value"] == "built on tuesday"
    assert client.get("/kring-a/versioned-probe").json["value"] == "built on tuesday"
    assert state.builds == 2
    # One entry for the key, whatever the number of versions it went through.
    kept = [key for key in state.data_generation.entries if key[1] == "day"]
    assert len(kept) == 1


def test_a_replaced_value_gives_back_its_room(app):
    generation = cache.Generation("s", limit=10, text_limit=10)
    generation.put("a", "x" * 6)
    generation.put("a", "y" * 6)  # replaces: the text of the old value is not counted twice
    assert generation.get("a") == "y" * 6
    generation.put("b", ("v", "z" * 4), size=4)
    assert generation.get("b") == ("v", "z" * 4)
    assert generation.put("c", "w") == "w" and generation.get("c") is None  # 6 + 4 + 1 > 10
