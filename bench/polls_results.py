"""The results page of a poll of 20 questions (every kind, two theme-interest
questions) with 100 and with 10,000 submitted responses: median page time,
SQL statements and peak memory per page, the ratio between the two, and the
ratio to a bare Flask page served the same way.

    .venv/bin/python bench/polls_results.py               # SQLite (the embedded default)
    .venv/bin/python bench/polls_results.py --postgresql  # a throwaway PostgreSQL server

Target: the 10,000-response page under 150 ms and at most 3x the 100-response page.
Also printed: how long the background task takes to write all responses as CSV and XLSX.
"""

from __future__ import annotations

import random
import sys
import time
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
CHUNK = 20_000  # rows per executemany: bounded memory while filling


def build_poll(side) -> int:
    """A poll of 20 questions of every kind; returns its id."""
    from kringwerk.extensions import db, utcnow
    from kringwerk.members.models import Theme
    from plugins.polls.models import (
        Poll,
        PollOption,
        PollQuestion,
        PollState,
        QuestionKind,
        ResultsVisibility,
    )

    def options(*labels):
        return [PollOption(label=label, position=i) for i, label in enumerate(labels)]

    themes = list(db.session.scalars(select(Theme).order_by(Theme.position)))
    k = QuestionKind
    questions = [
        *(
            PollQuestion(kind=k.SINGLE_CHOICE, text=f"Keuze {i}", options=options("A", "B", "C", "D"))
            for i in range(4)
        ),
        *(
            PollQuestion(
                kind=k.MULTIPLE_CHOICE,
                text=f"Meerkeuze {i}",
                settings={"min_choices": 1, "max_choices": 3},
                options=options("Glasvezel", "Laadpalen", "Beveiliging", "Groen", "Parkeren"),
            )
            for i in range(2)
        ),
        *(PollQuestion(kind=k.SCALE, text=f"Schaal {i}", settings={"scale": "1-5"}) for i in range(2)),
        *(PollQuestion(kind=k.SCALE, text=f"Score {i}", settings={"scale": "0-10"}) for i in range(2)),
        *(
            PollQuestion(kind=k.NUMBER, text=f"Getal {i}", settings={"min_value": 0, "max_value": 500})
            for i in range(2)
        ),
        *(PollQuestion(kind=k.SHORT_TEXT, text=f"Kort {i}") for i in range(2)),
        PollQuestion(kind=k.LONG_TEXT, text="Toelichting"),
        *(
            PollQuestion(
                kind=k.RANKING,
                text=f"Rangorde {i}",
                options=options("Veiligheid", "Energie", "Groen", "Wegen"),
            )
            for i in range(2)
        ),
        PollQuestion(
            kind=k.POINTS, text="Verdeel 100 punten", options=options("Wegen", "Groen", "Licht", "Veilig")
        ),
        *(
            PollQuestion(
                kind=k.THEME_INTEREST,
                text=f"Thema's {i}",
                # Five themes each: a poll asks about a theme once.
                options=[
                    PollOption(label=t.name_nl, theme_id=t.id, position=p)
                    for p, t in enumerate(themes[5 * i : 5 * i + 5])
                ],
            )
            for i in range(2)
        ),
    ]
    assert len(questions) == 20
    for position, question in enumerate(questions):
        question.position = position
    now = utcnow()
    poll = Poll(
        title="Bench peiling",
        state=PollState.CLOSED,
        opens_at=now,
        closes_at=now,
        results_visibility=ResultsVisibility.BOARD,
        questions=questions,
    )
    db.session.add(poll)
    db.session.flush()
    return poll.id


def answers_for(rng, poll_id, response_id, tenant_id, questions) -> list[dict]:
    from plugins.polls.models import QuestionKind as k

    rows = []

    def row(question, option_id=None, number=None, text=None):
        rows.append(
            {
                "tenant_id": tenant_id,
                "poll_id": poll_id,
                "response_id": response_id,
                "question_id": question.id,
                "option_id": option_id,
                "value_number": number,
                "value_text": text,
            }
        )

    for q in questions:
        option_ids = [o.id for o in q.options]
        if q.kind == k.SINGLE_CHOICE:
            row(q, rng.choice(option_ids))
        elif q.kind == k.MULTIPLE_CHOICE:
            for option_id in rng.sample(option_ids, rng.randint(1, 3)):
                row(q, option_id)
        elif q.kind == k.SCALE:
            row(q, number=rng.randint(0, 10) if q.settings.get("scale") == "0-10" else rng.randint(1, 5))
        elif q.kind == k.NUMBER:
            row(q, number=rng.randint(0, 500))
        elif q.kind in (k.SHORT_TEXT, k.LONG_TEXT):
            if rng.random() < 0.6:  # open questions are often skipped
                row(q, text=f"Antwoord {response_id} op {q.text}")
        elif q.kind == k.RANKING:
            for rank, option_id in enumerate(rng.sample(option_ids, len(option_ids)), start=1):
                row(q, option_id, rank)
        elif q.kind == k.POINTS:
            split = sorted(rng.sample(range(0, 101, 10), 3))
            shares = [split[0], split[1] - split[0], split[2] - split[1], 100 - split[2]]
            for option_id, points in zip(option_ids, shares, strict=True):
                if points:
                    row(q, option_id, points)
        elif q.kind == k.THEME_INTEREST:
            for option_id in option_ids:
                row(q, option_id, rng.choices((0, 1, 2), weights=(6, 3, 1))[0])
    return rows


def fill_side(side, responses: int, rng, first_response: int) -> int:
    """Parks, circles, ``responses`` companies each invited and answered; returns the poll id."""
    from kringwerk.extensions import db, utcnow
    from kringwerk.members.models import BusinessPark, Circle, Company, company_circles
    from plugins.polls import tallies
    from plugins.polls.models import (
        Poll,
        PollAnswer,
        PollInvitation,
        PollQuestion,
        PollResponse,
        ResponseStatus,
    )

    parks = [BusinessPark(name=f"Park {i}") for i in range(5)]
    circles = [Circle(name=f"Kring {i}") for i in range(4)]
    db.session.add_all(parks + circles)
    db.session.flush()
    companies = responses + responses // 4  # a fifth of those invited did not answer
    db.session.execute(
        insert(Company),
        [
            {
                "tenant_id": side.id,
                "name": f"Bedrijf {i:05d} BV",
                "sector": rng.choice(["Bouw", "Logistiek", "Zorg", "ICT", "Industrie"]),
                "employees": rng.randint(1, 250),
                "business_park_id": rng.choice(parks).id,
            }
            for i in range(companies)
        ],
    )
    company_ids = list(db.session.scalars(select(Company.id).order_by(Company.id)))
    db.session.execute(
        insert(company_circles),
        [{"tenant_id": side.id, "company_id": c, "circle_id": rng.choice(circles).id} for c in company_ids],
    )
    poll_id = build_poll(side)
    questions = list(db.session.scalars(select(PollQuestion).where(PollQuestion.poll_id == poll_id)))
    now = utcnow()
    db.session.execute(
        insert(PollInvitation),
        [
            {
                "tenant_id": side.id,
                "poll_id": poll_id,
                "company_id": company_id,
                "email": f"info{company_id}@bedrijf.test",
                "token_hash": f"{side.id}-{company_id}",
                "responded_at": now if n < responses else None,
            }
            for n, company_id in enumerate(company_ids)
        ],
    )
    db.session.execute(
        insert(PollResponse),
        [
            {
                "id": first_response + n,
                "tenant_id": side.id,
                "poll_id": poll_id,
                "company_id": company_ids[n],
                "status": ResponseStatus.SUBMITTED,
                "draft": {},
                "started_at": now,
                "updated_at": now,
                "submitted_at": now,
            }
            for n in range(responses)
        ],
    )
    batch: list[dict] = []
    for n in range(responses):
        batch.extend(answers_for(rng, poll_id, first_response + n, side.id, questions))
        if len(batch) >= CHUNK:
            db.session.execute(insert(PollAnswer), batch)
            batch = []
    if batch:
        db.session.execute(insert(PollAnswer), batch)
    # Answers written in bulk bypass submission, which keeps the running counts: count them once.
    tallies.recount(db.session.get(Poll, poll_id))
    return poll_id


def fill(app, responses: int):
    """Two tenants with the same poll and responses; returns a signed-in client and the poll's URL."""
    from kringwerk.accounts.models import Role
    from kringwerk.accounts.services import add_membership, create_user
    from kringwerk.extensions import db
    from kringwerk.pluginhost.services import enable_plugin
    from kringwerk.tenancy import tenant_scope
    from kringwerk.tenants.services import create_tenant

    rng = random.Random(7)
    with app.app_context():
        tenant = create_tenant("bench", "Bench Kring", "association")
        other = create_tenant("other", "Other Kring", "association")
        user = create_user("bench@example.com", "Bench", password="bench-password")
        db.session.flush()
        poll_id = None
        for index, side in enumerate((tenant, other)):
            enable_plugin(side, "polls")
            with tenant_scope(side):
                if side is tenant:
                    add_membership(tenant, user, Role.ADMIN)
                # Response ids are given (the answers refer to them), one range per tenant.
                side_poll = fill_side(side, responses, rng, first_response=index * responses + 1)
                poll_id = poll_id or side_poll
        db.session.commit()
        # Fresh bulk inserts have no planner statistics yet; production tables do. On
        # PostgreSQL also no visibility map: without VACUUM (autovacuum's job after
        # inserts) every "index-only" scan of the answers would visit the table too.
        with db.engine.connect() as connection:
            if db.engine.dialect.name == "postgresql":
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
            else:
                connection.exec_driver_sql("ANALYZE")
                connection.commit()
    client = app.test_client()
    page = client.post("/account/login", data={"email": "bench@example.com", "password": "bench-password"})
    assert page.status_code == 302, page.status_code
    return client, f"/bench/polls/{poll_id}/results"


def measure(size: int, database_url: str | None) -> tuple[float, int, float, float, dict[str, float]]:
    from kringwerk.extensions import db

    app = make_app(database_url)
    app.config["WTF_CSRF_ENABLED"] = False
    start = time.perf_counter()
    client, url = fill(app, size)
    fill_s = time.perf_counter() - start
    page_ms = time_requests(client, url)
    with app.app_context(), count_statements(db.engine) as counter:
        client.get(url)
    memory = peak_memory_kib(client, url)
    return page_ms, counter["n"], memory, fill_s, export_seconds(app, int(url.split("/")[-2]))


def export_seconds(app, poll_id: int) -> dict[str, float]:
    """Seconds the background task takes to write all responses, per format (one run each)."""
    from kringwerk.extensions import db
    from kringwerk.tenancy import tenant_scope
    from kringwerk.tenancy.models import Tenant
    from plugins.polls import exports
    from plugins.polls.models import Poll

    timings = {}
    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "bench"))
        with tenant_scope(tenant):
            poll = db.session.get(Poll, poll_id)
            for fmt in ("csv", "xlsx"):
                start = time.perf_counter()
                exports.write_responses_file(poll, fmt, f"1-bench-export.{fmt}")
                timings[fmt] = time.perf_counter() - start
    return timings


def main() -> None:
    postgresql = "--postgresql" in sys.argv
    server, urls = postgres_databases("bench_polls", SIZES) if postgresql else (None, dict.fromkeys(SIZES))
    base = baseline_ms()
    try:
        results = {size: measure(size, urls[size]) for size in SIZES}
    finally:
        if server is not None:
            server.stop()
    small, large = results[SIZES[0]], results[SIZES[-1]]
    rows = [("bare Flask page (baseline)", f"{base:.2f} ms")]
    for size, (page_ms, statements, memory, fill_s, _exports) in results.items():
        rows.append(
            (
                f"results page, {size:,} responses",
                f"{page_ms:.2f} ms  ({page_ms / base:.1f}x baseline), {statements} SQL statements, "
                f"peak {memory:,.0f} KiB  (filled in {fill_s:.1f} s)",
            )
        )
    for size, result in results.items():
        rows.append(
            (
                f"responses export, {size:,} responses",
                f"CSV {result[4]['csv']:.2f} s, XLSX {result[4]['xlsx']:.2f} s (a background task)",
            )
        )
    ratio = large[0] / small[0]
    rows.append(("10,000 / 100 page time", f"{ratio:.2f}x"))
    rows.append(("statements constant", "yes" if small[1] == large[1] else f"NO ({small[1]} vs {large[1]})"))
    met = large[0] < 150 and ratio <= 3
    rows.append(("target (<150 ms at 10,000, <= 3x)", "met" if met else "MISSED"))
    database = "PostgreSQL" if postgresql else "SQLite"
    report(f"Poll results page ({database}, 20 questions, median of 30 requests)", rows)


if __name__ == "__main__":
    main()
