"""Rate limits on sign-in attempts and on magic-link and reset requests,
per client IP and per e-mail address, in memory or in Redis."""

from __future__ import annotations

import hashlib
import logging
import threading

import pytest

from kringwerk.accounts.ratelimit import MemoryBackend, RateLimiter, RedisBackend, limiter
from tests.conftest import World, base_config
from tests.support.services import free_port

LIMITS = {"RATELIMIT_ENABLED": True, "RATELIMIT_IP_LIMIT": 4, "RATELIMIT_EMAIL_LIMIT": 3}


def from_ip(ip: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": ip}}


def fail_login(client, email, ip="10.0.0.1"):
    return client.post("/account/login", data={"email": email, "password": "wrong"}, **from_ip(ip))


def good_login(client, email, ip="10.0.0.1"):
    return client.post("/account/login", data={"email": email, "password": World.password}, **from_ip(ip))


# --- the limiter on its own ---------------------------------------------------------------


def make_limiter(backend, **overrides) -> RateLimiter:
    settings = {"enabled": True, "ip_limit": 3, "email_limit": 2, "window": 60, **overrides}
    return RateLimiter(backend=backend, **settings)


def test_keys_hash_the_address_and_name_the_action():
    key = RateLimiter.key("login", "email", " Someone@Example.com ")
    digest = hashlib.sha256(b"someone@example.com").hexdigest()
    assert key == f"kringwerk:ratelimit:login:email:{digest}"
    assert "example" not in key


def test_memory_backend_counts_per_key_and_forgets_after_the_window(monkeypatch):
    import kringwerk.accounts.ratelimit as module

    now = [1000.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: now[0])
    backend = MemoryBackend()
    assert [backend.increment("a", 60) for _ in range(3)] == [1, 2, 3]
    assert backend.count("a") == 3 and backend.count("b") == 0
    now[0] += 61
    assert backend.count("a") == 0
    assert backend.increment("a", 60) == 1


def test_memory_backend_is_thread_safe():
    backend = MemoryBackend()

    def work():
        for _ in range(500):
            backend.increment("shared", 60)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert backend.count("shared") == 4000


def test_limits_per_address_and_per_ip():
    rl = make_limiter(MemoryBackend())
    assert not rl.hit("login", ip="1.1.1.1", email="a@example.com")
    assert not rl.hit("login", ip="1.1.1.1", email="a@example.com")
    assert rl.exceeded("login", ip="9.9.9.9", email="a@example.com")  # the address is used up
    assert rl.hit("login", ip="2.2.2.2", email="a@example.com")
    assert not rl.exceeded("login", ip="1.1.1.1", email="b@example.com")  # IP has 1 left
    assert not rl.hit("login", ip="1.1.1.1", email="b@example.com")
    assert rl.exceeded("login", ip="1.1.1.1", email="c@example.com")  # the IP is used up
    assert not rl.exceeded("magic_link", ip="1.1.1.1", email="a@example.com")  # other action


def test_disabled_limiter_never_refuses():
    rl = make_limiter(MemoryBackend(), enabled=False)
    assert not any(rl.hit("login", ip="1.1.1.1", email="a@example.com") for _ in range(20))
    assert not rl.exceeded("login", ip="1.1.1.1", email="a@example.com")


def unreachable_redis() -> RedisBackend:
    return RedisBackend(f"redis://127.0.0.1:{free_port()}/0")


def test_an_unreachable_store_falls_back_to_counting_in_the_process_and_says_so_once(caplog):
    rl = make_limiter(unreachable_redis())
    with caplog.at_level(logging.WARNING, logger="kringwerk.ratelimit"):
        assert [rl.hit("login", ip="1.1.1.1", email="a@example.com") for _ in range(3)] == [
            False,
            False,
            True,
        ]
        assert rl.exceeded("login", ip="1.1.1.1", email="a@example.com")
        # Another address is counted apart (by IP still: 3 per IP).
        assert not rl.exceeded("login", ip="2.2.2.2", email="b@example.com")
        assert rl.hit("login", ip="1.1.1.1", email="b@example.com")
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "in this process" in warnings[0].getMessage()


def test_the_store_is_tried_again_after_a_while_and_its_return_is_noted(monkeypatch, caplog):
    import kringwerk.accounts.ratelimit as module

    now = [1000.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: now[0])
    store = MemoryBackend()
    broken = [True]

    class Flaky:
        def count(self, key):
            if broken[0]:
                raise ConnectionError("down")
            return store.count(key)

        def increment(self, key, window):
            if broken[0]:
                raise ConnectionError("down")
            return store.increment(key, window)

    rl = make_limiter(Flaky())
    with caplog.at_level(logging.INFO, logger="kringwerk.ratelimit"):
        assert not rl.hit("login", ip="1.1.1.1", email="a@example.com")
        broken[0] = False
        now[0] += 1  # still within the pause: the process keeps counting
        assert not rl.hit("login", ip="1.1.1.1", email="a@example.com")
        assert store.count(RateLimiter.key("login", "ip", "1.1.1.1")) == 0
        now[0] += module.RETRY_STORE_AFTER
        assert not rl.hit("login", ip="1.1.1.1", email="a@example.com")
        assert store.count(RateLimiter.key("login", "ip", "1.1.1.1")) == 1
    assert sum(record.levelno == logging.WARNING for record in caplog.records) == 1
    assert "reachable again" in caplog.text


@pytest.fixture
def redis_backend(redis_server):
    backend = RedisBackend(redis_server.url)
    keys = backend.redis.keys("kringwerk:ratelimit:*")
    if keys:
        backend.redis.delete(*keys)
    yield backend
    keys = backend.redis.keys("kringwerk:ratelimit:*")
    if keys:
        backend.redis.delete(*keys)


def test_redis_backend_counts_with_an_expiring_key(redis_backend):
    rl = make_limiter(redis_backend, window=30)
    assert not rl.hit("login", ip="1.1.1.1", email="a@example.com")
    key = RateLimiter.key("login", "email", "a@example.com")
    assert redis_backend.count(key) == 1
    assert 0 < redis_backend.redis.ttl(key) <= 30
    assert not rl.hit("login", ip="1.1.1.1", email="a@example.com")
    assert rl.hit("login", ip="1.1.1.1", email="a@example.com")
    assert redis_backend.count(key) == 3
    assert redis_backend.redis.exists(RateLimiter.key("login", "ip", "1.1.1.1"))


def test_redis_counters_are_shared_between_limiters(redis_server, redis_backend):
    """Two web processes see the same counts."""
    one = make_limiter(redis_backend)
    other = make_limiter(RedisBackend(redis_server.url))
    one.hit("password_reset", ip="1.1.1.1", email="a@example.com")
    one.hit("password_reset", ip="1.1.1.1", email="a@example.com")
    assert other.exceeded("password_reset", ip="3.3.3.3", email="a@example.com")


# --- the pages, with the in-process store ----------------------------------------------------


class TestPagesInMemory:
    @pytest.fixture
    def app_config(self, tmp_path, database_url):
        return base_config(tmp_path, database_url, **LIMITS)

    def test_the_app_uses_the_memory_store_without_redis(self, app):
        assert isinstance(limiter().backend, MemoryBackend)
        assert limiter().enabled and limiter().email_limit == 3

    def test_failed_sign_ins_per_address_end_in_429_even_with_the_right_password(self, client, world):
        email = world.a.member.email
        for attempt in range(3):
            assert fail_login(client, email, ip=f"10.0.0.{attempt}").status_code == 422
        refused = good_login(client, email, ip="10.0.0.99")
        assert refused.status_code == 429
        page = refused.get_data(as_text=True)
        assert "Too many attempts" in page
        assert 'name="email"' in page  # the form page, with what was typed
        assert refused.headers["Retry-After"] == "900"
        assert client.get("/account/").status_code == 302  # not signed in
        # Another account from the same address is unaffected.
        assert good_login(client, world.a.admin.email, ip="10.0.0.99").status_code == 302

    def test_failed_sign_ins_per_ip(self, client, world):
        emails = [world.a.member.email, world.a.admin.email, world.b.member.email, world.b.admin.email]
        for email in emails:
            assert fail_login(client, email, ip="10.9.9.9").status_code == 422
        assert good_login(client, world.a.official.email, ip="10.9.9.9").status_code == 429
        assert good_login(client, world.a.official.email, ip="10.9.9.8").status_code == 302

    def test_successful_sign_ins_do_not_count(self, app, world):
        for _ in range(6):
            other = app.test_client()
            assert good_login(other, world.a.member.email).status_code == 302

    def test_magic_link_requests_are_limited_per_address(self, client, world, outbox):
        email = world.a.member.email
        for attempt in range(3):
            response = client.post("/account/magic", data={"email": email}, **from_ip(f"10.1.0.{attempt}"))
            assert response.status_code == 200
        refused = client.post("/account/magic", data={"email": email}, **from_ip("10.1.0.50"))
        assert refused.status_code == 429
        assert "Too many attempts" in refused.get_data(as_text=True)
        assert len(outbox.to(email)) == 3

    def test_limits_apply_to_unknown_addresses_too(self, client, world):
        """Otherwise the limit itself would tell which addresses have accounts."""
        for _ in range(3):
            client.post("/account/magic", data={"email": "nobody@example.com"})
        refused = client.post("/account/magic", data={"email": "nobody@example.com"}, **from_ip("10.7.7.7"))
        assert refused.status_code == 429

    def test_reset_requests_are_limited_per_ip(self, client, world, outbox):
        for n in range(4):
            response = client.post(
                "/account/reset", data={"email": f"person{n}@example.com"}, **from_ip("10.2.0.1")
            )
            assert response.status_code == 200
        refused = client.post("/account/reset", data={"email": world.a.member.email}, **from_ip("10.2.0.1"))
        assert refused.status_code == 429
        assert outbox.to(world.a.member.email) == []

    def test_actions_are_counted_apart(self, client, world):
        for _ in range(3):
            client.post("/account/magic", data={"email": world.a.member.email})
        assert good_login(client, world.a.member.email).status_code == 302


def test_limits_are_off_by_default_in_tests(client, world):
    for _ in range(12):
        assert fail_login(client, world.a.member.email).status_code == 422
    assert good_login(client, world.a.member.email).status_code == 302


class TestPagesWithRedisDown:
    @pytest.fixture
    def app_config(self, tmp_path, database_url):
        down = f"redis://127.0.0.1:{free_port()}/0"
        return base_config(tmp_path, database_url, REDIS_URL=down, JOBS_IN_PROCESS=True, **LIMITS)

    def test_limits_still_apply_and_the_log_says_so_once(self, client, world, caplog):
        email = world.a.member.email
        with caplog.at_level(logging.WARNING, logger="kringwerk.ratelimit"):
            for attempt in range(3):
                assert fail_login(client, email, ip=f"10.0.0.{attempt}").status_code == 422
            assert good_login(client, email, ip="10.0.0.99").status_code == 429
            assert client.get("/account/").status_code == 302
            # Someone of the other tenant, from another address, signs in as ever.
            assert good_login(client, world.b.member.email, ip="10.0.1.1").status_code == 302
        warnings = [
            r for r in caplog.records if r.name == "kringwerk.ratelimit" and r.levelno == logging.WARNING
        ]
        assert len(warnings) == 1


# --- the pages, with Redis ---------------------------------------------------------------------


class TestPagesWithRedis:
    @pytest.fixture
    def app_config(self, tmp_path, database_url, redis_server, redis_backend):
        # Jobs stay in-process: only the rate limiter is under test here.
        return base_config(tmp_path, database_url, REDIS_URL=redis_server.url, JOBS_IN_PROCESS=True, **LIMITS)

    def test_the_app_uses_redis_when_configured(self, app):
        assert isinstance(limiter().backend, RedisBackend)

    def test_failed_sign_ins_end_in_429(self, client, world, redis_backend):
        email = world.a.member.email
        for _ in range(3):
            assert fail_login(client, email).status_code == 422
        assert redis_backend.count(RateLimiter.key("login", "email", email)) == 3
        assert redis_backend.count(RateLimiter.key("login", "ip", "10.0.0.1")) == 3
        assert good_login(client, email, ip="10.3.3.3").status_code == 429

    def test_a_new_process_remembers_the_count(self, app_config, client, world):
        from kringwerk import create_app

        for _ in range(3):
            fail_login(client, world.a.member.email)
        second = create_app(app_config, environ={})
        with second.test_client() as other:
            response = good_login(other, world.a.member.email, ip="10.4.4.4")
        assert response.status_code == 429
