"""The dossier page and the dossier list kept until the next write (issue 15): a warm request
builds nothing and reads none of the plugin's data; the dossier page is kept per person (the
board, the municipality and a member each see their own), the list per role and page; a
change through the app or in another worker shows at the next request; a 404 stays a 404
for whoever may not see the dossier; the other tenant's dossiers never appear; reading
writes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.tenancy import cache, tenant_scope
from kringwerk.tenancy.cache import DATA_STAMP_ID, CacheStamp
from kringwerk.web.fragments import CSRF_PLACEHOLDER
from plugins.mkb_toets.models import Dossier, Phase
from tests.members.support import count_queries
from tests.plugins.mkb_toets.conftest import make_dossier
from tests.plugins.mkb_toets.test_speed import _grow, _own
from tests.tenancy.test_data_cache import in_another_worker

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def main(html: str) -> str:
    """The page's own content, without the shell (where a flash message may differ)."""
    return html.partition('class="htmx-alerts"></div>')[2].partition("</main>")[0]


def builds(app) -> int:
    return app.extensions[cache.EXTENSION_KEY].builds


def data_stamp() -> str:
    value = db.session.scalar(select(CacheStamp.value).where(CacheStamp.id == DATA_STAMP_ID))
    db.session.rollback()
    return value


@pytest.mark.both_databases
def test_a_warm_dossier_page_builds_nothing_and_reads_none_of_the_plugins_data(
    app, mkb_world, client, login_as
):
    a, b = mkb_world.a, mkb_world.b
    b_dossier = make_dossier(b.tenant, title="Dossier van B", phase=Phase.CONSULTATION_OPEN)
    totals: dict[str, list[int]] = {"admin": [], "official": [], "member": []}
    for size in (2, 20):
        dossier_id = make_dossier(a.tenant, title=f"Dossier {size}", phase=Phase.CONSULTATION_OPEN)
        _grow(a.tenant, dossier_id, size, f"a{size}")
        for who in totals:
            login_as(getattr(a, who))
            first = client.get(f"/kring-a/mkb-toets/{dossier_id}").get_data(as_text=True)
            built = builds(app)
            with count_queries() as statements:
                page = client.get(f"/kring-a/mkb-toets/{dossier_id}")
            text = page.get_data(as_text=True)
            assert page.status_code == 200 and main(text) == main(first)
            assert f"Dossier {size}" in text and f"Artikel a{size}-{size - 1}" in text
            assert "Dossier van B" not in text
            assert builds(app) == built  # the title and the content were kept
            assert _own(statements) == []
            totals[who].append(len(statements))
            assert client.get(f"/kring-a/mkb-toets/{b_dossier}").status_code == 404
            client.post("/account/logout")
    # Whatever the dossier's size, only what any signed-in page reads (the stamps, the shell).
    assert all(small == large for small, large in totals.values())


@pytest.mark.both_databases
def test_a_warm_dossier_list_builds_nothing_and_reads_none_of_the_plugins_data(
    app, mkb_world, client, login_as
):
    a, b = mkb_world.a, mkb_world.b
    make_dossier(b.tenant, title="Dossier van B", phase=Phase.CONSULTATION_OPEN)
    totals = []
    for size in (2, 20):
        for number in range(size - len(totals) * 2):
            make_dossier(a.tenant, title=f"Dossier {size}-{number}", phase=Phase.CONSULTATION_OPEN)
        login_as(a.member)
        first = client.get("/kring-a/mkb-toets/").get_data(as_text=True)
        built = builds(app)
        with count_queries() as statements:
            text = client.get("/kring-a/mkb-toets/").get_data(as_text=True)
        assert main(text) == main(first) and f"Dossier {size}-0" in text and "Dossier van B" not in text
        assert builds(app) == built and _own(statements) == []
        totals.append(len(statements))
        client.post("/account/logout")
    assert totals[0] == totals[1]


def test_each_person_sees_their_own_dossier_page(mkb_world, client, login_as):
    """The board's version is kept first; the official and a member still get their own."""
    a, b = mkb_world.a, mkb_world.b
    dossier_id = make_dossier(a.tenant, title="Dossier van A", phase=Phase.CONSULTATION_OPEN)
    draft_id = make_dossier(a.tenant, title="Concept van A")
    b_dossier = make_dossier(b.tenant, title="Dossier van B", phase=Phase.CONSULTATION_OPEN)
    seen = {}
    for who in ("admin", "official", "member", "admin"):
        login_as(getattr(a, who))
        seen[who] = client.get(f"/kring-a/mkb-toets/{dossier_id}").get_data(as_text=True)
        draft = client.get(f"/kring-a/mkb-toets/{draft_id}")
        listing = client.get("/kring-a/mkb-toets/").get_data(as_text=True)
        if who == "member":  # a draft is for the staff: 404 although the board's is kept
            assert draft.status_code == 404 and "Concept van A" not in listing
            assert "New dossier" not in listing
        else:
            assert draft.status_code == 200 and "Concept van A" in listing
            assert "New dossier" in listing
        assert "Dossier van B" not in seen[who] + listing
        assert client.get(f"/kring-a/mkb-toets/{b_dossier}").status_code == 404
        client.post("/account/logout")
    assert "Add the standing panel (2)" in seen["admin"] and "Who is on the panel" in seen["admin"]
    assert "0 of 0 panel members have given feedback." in seen["official"]
    assert "Add the standing panel" not in seen["official"] + seen["member"]
    assert "panel members have given feedback" not in seen["member"]
    assert "Dossier van A" in seen["member"]
    # Tenant B's board: its own dossier and standing panel, never A's.
    login_as(b.admin)
    text = client.get(f"/kring-b/mkb-toets/{b_dossier}").get_data(as_text=True)
    assert "Dossier van B" in text and "Add the standing panel (1)" in text
    assert client.get(f"/kring-b/mkb-toets/{dossier_id}").status_code == 404


@pytest.mark.both_databases
def test_a_change_through_the_app_shows_at_the_next_request(app, mkb_world, client, login_as):
    """The board's forms carry its own token; composing the panel shows in the counts."""
    a = mkb_world.a
    dossier_id = make_dossier(a.tenant, title="Dossier van A", phase=Phase.DRAFT)
    b_dossier = make_dossier(mkb_world.b.tenant, title="Dossier van B", phase=Phase.DRAFT)
    login_as(a.admin)
    app.config["WTF_CSRF_ENABLED"] = True
    for _ in range(2):
        text = client.get(f"/kring-a/mkb-toets/{dossier_id}").get_data(as_text=True)
    assert "0 of 0 panel members" in text and CSRF_PLACEHOLDER not in text
    tokens = set(TOKEN.findall(text))
    assert len(tokens) == 1  # the small forms and the filter form: this visitor's one token
    token = tokens.pop()  # the POST below answers 400 with anything but this session's token
    answer = client.post(
        f"/kring-a/mkb-toets/{dossier_id}/panel", data={"csrf_token": token, "source": "standing"}
    )
    assert answer.status_code == 303
    built = builds(app)
    text = client.get(f"/kring-a/mkb-toets/{dossier_id}").get_data(as_text=True)
    assert "0 of 2 panel members" in text
    assert builds(app) > built  # built anew after the write
    answer = client.post(
        f"/kring-a/mkb-toets/{dossier_id}/advance",
        data={"csrf_token": token, "to": Phase.CONSULTATION_OPEN.value},
    )
    assert answer.status_code == 303
    listing = client.get("/kring-a/mkb-toets/").get_data(as_text=True)
    assert "Consultation open" in listing and "Dossier van B" not in listing
    text = client.get(f"/kring-a/mkb-toets/{dossier_id}").get_data(as_text=True)
    assert "Phase: <strong>Consultation open</strong>" in text
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/account/logout")
    # The member sees the dossier now that it is open; B's draft stays B's.
    login_as(a.member)
    assert "Dossier van A" in client.get(f"/kring-a/mkb-toets/{dossier_id}").get_data(as_text=True)
    assert client.get(f"/kring-a/mkb-toets/{b_dossier}").status_code == 404


@pytest.mark.both_databases
def test_a_change_in_another_worker_shows_at_the_next_request(app, app_config, mkb_world, client, login_as):
    a, b = mkb_world.a, mkb_world.b
    dossier_id = make_dossier(a.tenant, title="Dossier van A", phase=Phase.CONSULTATION_OPEN)
    b_dossier = make_dossier(b.tenant, title="Dossier van B", phase=Phase.CONSULTATION_OPEN)
    login_as(a.member)
    for _ in range(2):
        assert "Dossier van A" in client.get(f"/kring-a/mkb-toets/{dossier_id}").get_data(as_text=True)
        assert "Dossier van A" in client.get("/kring-a/mkb-toets/").get_data(as_text=True)
    tenant_id = a.tenant.id

    def rename():
        from kringwerk.tenancy.models import Tenant

        with tenant_scope(db.session.get(Tenant, tenant_id)):
            dossier = db.session.get(Dossier, dossier_id)
            dossier.title = "Anders genoemd"
            db.session.flush()  # in the scope; the worker commits after

    in_another_worker(app_config, rename)
    text = client.get(f"/kring-a/mkb-toets/{dossier_id}").get_data(as_text=True)
    listing = client.get("/kring-a/mkb-toets/").get_data(as_text=True)
    assert "Anders genoemd" in text and "Anders genoemd" in listing
    assert "Dossier van A" not in text + listing and "Dossier van B" not in text + listing

    def back_to_draft():
        from kringwerk.tenancy.models import Tenant

        with tenant_scope(db.session.get(Tenant, tenant_id)):
            db.session.get(Dossier, dossier_id).phase = Phase.DRAFT
            db.session.flush()

    in_another_worker(app_config, back_to_draft)
    # A draft is the staff's: the member's kept title and content no longer open it.
    assert client.get(f"/kring-a/mkb-toets/{dossier_id}").status_code == 404
    assert "Anders genoemd" not in client.get("/kring-a/mkb-toets/").get_data(as_text=True)
    assert client.get(f"/kring-a/mkb-toets/{b_dossier}").status_code == 404


def test_the_list_is_kept_per_page(app, mkb_world, client, login_as):
    a, b = mkb_world.a, mkb_world.b
    app.config["PAGE_SIZE"] = 2
    for number in range(3):
        make_dossier(a.tenant, title=f"Dossier nummer {number}", phase=Phase.CONSULTATION_OPEN)
    make_dossier(b.tenant, title="Dossier van B", phase=Phase.CONSULTATION_OPEN)
    login_as(a.member)
    pages = {}
    for _ in range(2):
        for number in ("1", "2", "9", "x"):
            pages[number] = client.get(f"/kring-a/mkb-toets/?page={number}").get_data(as_text=True)
    assert "Dossier nummer 2" in pages["1"] and "Dossier nummer 0" not in pages["1"]
    assert "Dossier nummer 0" in pages["2"] and "Dossier nummer 2" not in pages["2"]
    assert "Dossier nummer 0" in pages["9"]  # past the last page: the last page
    assert "Dossier nummer 2" in pages["x"]  # anything odd: the first
    assert all("Dossier van B" not in text for text in pages.values())


@pytest.mark.both_databases
def test_reading_the_dossier_pages_writes_nothing(mkb_world, client, login_as):
    a = mkb_world.a
    dossier_id = make_dossier(a.tenant, phase=Phase.CONSULTATION_OPEN)
    draft_id = make_dossier(a.tenant, title="Concept")
    for who in ("admin", "official", "member"):
        login_as(getattr(a, who))
        before = data_stamp()
        for _ in range(2):
            for path in ("/kring-a/mkb-toets/", f"/kring-a/mkb-toets/{dossier_id}"):
                assert client.get(path).status_code == 200
            assert client.get(f"/kring-a/mkb-toets/{draft_id}").status_code == (
                404 if who == "member" else 200
            )
        assert data_stamp() == before
        client.post("/account/logout")
