"""The member directory with 100 and with 10,000 companies: median page time,
SQL statements and peak memory per page, and the ratio to a bare Flask page
served the same way.

    .venv/bin/python bench/members_directory.py               # SQLite (the embedded default)
    .venv/bin/python bench/members_directory.py --postgresql  # a throwaway PostgreSQL server
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select  # noqa: E402

from bench.common import (  # noqa: E402
    baseline_ms,
    count_statements,
    make_app,
    peak_memory_kib,
    postgres_databases,
    report,
    time_requests,
)

SIZES = (100, 10_000)


def fill(app, companies: int):
    """A tenant with parks, circles, themes and ``companies`` companies; returns a signed-in client."""
    from kringwerk.accounts.models import Role
    from kringwerk.accounts.services import add_membership, create_user
    from kringwerk.extensions import db
    from kringwerk.members.models import BusinessPark, Circle, Company, Theme, company_circles, company_themes
    from kringwerk.tenancy import tenant_scope
    from kringwerk.tenants.services import create_tenant

    rng = random.Random(7)
    with app.app_context():
        tenant = create_tenant("bench", "Bench Kring", "association")
        other = create_tenant("other", "Other Kring", "association")
        user = create_user("bench@example.com", "Bench", password="bench-password")
        db.session.flush()
        for side in (tenant, other):
            with tenant_scope(side):
                if side is tenant:
                    add_membership(tenant, user, Role.ADMIN)
                parks = [BusinessPark(name=f"Park {i}") for i in range(5)]
                circles = [Circle(name=f"Kring {i}") for i in range(4)]
                db.session.add_all(parks + circles)
                db.session.flush()
                themes = list(db.session.scalars(select(Theme)))
                rows = [
                    {
                        "tenant_id": side.id,
                        "name": f"Bedrijf {i:05d} BV",
                        "kvk_number": f"{10_000_000 + i}",
                        "sector": rng.choice(["Bouw", "Logistiek", "Zorg", "ICT", "Industrie"]),
                        "employees": rng.randint(1, 250),
                        "city": "Lochem",
                        "business_park_id": rng.choice(parks).id,
                    }
                    for i in range(companies)
                ]
                db.session.execute(insert(Company), rows)
                ids = list(db.session.scalars(select(Company.id)))
                db.session.execute(
                    insert(company_circles),
                    [
                        {"tenant_id": side.id, "company_id": c, "circle_id": rng.choice(circles).id}
                        for c in ids
                    ],
                )
                db.session.execute(
                    insert(company_themes),
                    [{"tenant_id": side.id, "company_id": c, "theme_id": rng.choice(themes).id} for c in ids],
                )
        db.session.commit()
        # Fresh bulk inserts have no planner statistics yet; production tables do.
        with db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    client = app.test_client()
    page = client.post("/account/login", data={"email": "bench@example.com", "password": "bench-password"})
    assert page.status_code == 302, page.status_code
    return client


def measure(size: int, database_url: str | None) -> tuple[float, int, float, float]:
    from kringwerk.extensions import db

    app = make_app(database_url)
    app.config["WTF_CSRF_ENABLED"] = False
    client = fill(app, size)
    page_ms = time_requests(client, "/bench/members/")
    filtered_ms = time_requests(client, "/bench/members/?q=Bedrijf+0&sector=Bouw")
    with app.app_context(), count_statements(db.engine) as counter:
        client.get("/bench/members/")
    memory = peak_memory_kib(client, "/bench/members/")
    return page_ms, counter["n"], filtered_ms, memory


def main() -> None:
    postgresql = "--postgresql" in sys.argv
    server, urls = postgres_databases("bench", SIZES) if postgresql else (None, dict.fromkeys(SIZES))
    base = baseline_ms()
    try:
        results = {size: measure(size, urls[size]) for size in SIZES}
    finally:
        if server is not None:
            server.stop()
    small, large = results[SIZES[0]], results[SIZES[-1]]
    rows = [("bare Flask page (baseline)", f"{base:.2f} ms")]
    for size, (page_ms, statements, filtered_ms, memory) in results.items():
        rows.append(
            (
                f"directory, {size:,} companies",
                f"{page_ms:.2f} ms  ({page_ms / base:.1f}x baseline), {statements} SQL statements, "
                f"peak {memory:,.0f} KiB",
            )
        )
        rows.append((f"  searched + filtered, {size:,}", f"{filtered_ms:.2f} ms"))
    rows.append(("10,000 / 100 page time", f"{large[0] / small[0]:.2f}x"))
    rows.append(("statements constant", "yes" if small[1] == large[1] else f"NO ({small[1]} vs {large[1]})"))
    database = "PostgreSQL" if postgresql else "SQLite"
    report(f"Member directory ({database}, median of 30 requests)", rows)


if __name__ == "__main__":
    main()
