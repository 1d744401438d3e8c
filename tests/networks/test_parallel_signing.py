"""Twenty signings of one version for one association at the same moment (two board
members double-clicking, a script) leave exactly one signature: the unique key
(tenant, version, party) decides, on PostgreSQL with its row locks and real parallel
connections. The same for a named signatory's personal link."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from kringwerk.accounts.models import Role
from kringwerk.accounts.people import add_membership
from kringwerk.accounts.services import create_user
from kringwerk.extensions import db
from kringwerk.networks import signatories
from kringwerk.networks.models import Signature
from kringwerk.tenancy import tenant_scope
from tests.accounts.conftest import text_of
from tests.conftest import login
from tests.networks.conftest import get_letter, invite, make_letter

PARALLEL = 20
FORM = {
    "full_name": "Harold Viscaal",
    "function": "Voorzitter",
    "organisation": "Kring A",
    "signed_on": "2026-12-01",
    "version": "1",
    "agree": "y",
}


def _fire(clients, url: str) -> list[int]:
    start = threading.Barrier(len(clients))

    def post(client):
        start.wait()
        return client.post(url, data=FORM).status_code

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return list(pool.map(post, clients))


def _signatures(owner) -> int:
    with tenant_scope(owner):
        return db.session.scalar(select(func.count(Signature.id)))


@pytest.mark.postgresql_only
def test_parallel_chairs_leave_one_signature(app, net, world):
    second = create_user("tweede@kring-a.example.com", "Tweede bestuurder", password=world.password)
    db.session.flush()
    with tenant_scope(world.a.tenant):
        add_membership(world.a.tenant, second, Role.ADMIN)
        db.session.commit()
    _invitation, affiliation_id = invite(net, world.a.tenant)
    letter_id = make_letter(net.region, net.admin)
    clients = []
    for index in range(PARALLEL):
        client = app.test_client()
        login(client, world.a.admin if index % 2 else second)
        clients.append(client)
    codes = _fire(clients, f"/kring-a/admin/networks/{affiliation_id}/letters/{letter_id}")
    assert sorted(codes).count(302) == 1, codes
    assert all(code in (302, 409, 422) for code in codes), codes
    assert _signatures(net.region) == 1
    assert _signatures(net.other) == 0


@pytest.mark.postgresql_only
def test_parallel_link_signings_leave_one_signature(app, world, outbox):
    letter_id = make_letter(world.a.tenant, world.a.admin, "Aalsvoort", "Samen.")
    with tenant_scope(world.a.tenant):
        signatories.add_signatory(
            get_letter(world.a.tenant, letter_id),
            name="Eric-Jan de Haan",
            function="Wethouder",
            organisation="Gemeente Lochem",
            email="wethouder@lochem.example.com",
            actor=world.a.admin,
        )
    db.session.commit()
    raw = re.search(
        r"/letters/sign/([A-Za-z0-9_-]+)", text_of(outbox.last("wethouder@lochem.example.com"))
    ).group(1)
    codes = _fire([app.test_client() for _ in range(PARALLEL)], f"/kring-a/letters/sign/{raw}")
    assert sorted(codes).count(302) == 1, codes
    assert _signatures(world.a.tenant) == 1
    assert _signatures(world.b.tenant) == 0
