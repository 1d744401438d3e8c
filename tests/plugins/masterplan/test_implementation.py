"""The implementation view lists the plan's projects by theme priority with owners,
budgets and funding, filtered by theme and status; tenant B gets 404."""

from __future__ import annotations

import pytest

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.masterplan import projects
from plugins.masterplan.models import Masterplan


def test_projects_by_priority_filtered_by_theme_and_status(plan_world, login_as):
    w = plan_world
    with tenant_scope(w.a.tenant):
        plan = db.session.get(Masterplan, w.plan_a)
        projects.create_project(
            plan,
            {
                "title": "Zon op de daken",
                "theme_id": w.themes_a[0],
                "status": "running",
                "owner_company_id": w.company_a,
                "budget": "1000",
                "funding": "province",
            },
            actor=w.a.admin,
        )
        projects.create_project(
            plan,
            {"title": "Fietspad", "theme_id": w.themes_a[1], "status": "idea", "budget": "500"},
            actor=w.a.admin,
        )
    db.session.commit()
    client = login_as(w.a.member)
    page = client.get(f"/kring-a/masterplan/{w.plan_a}/implementation").get_data(as_text=True)
    assert page.index("Zon op de daken") < page.index("Fietspad")
    assert "Alpha Bouw BV" in page and "1,500" in page
    running = client.get(f"/kring-a/masterplan/{w.plan_a}/implementation?status=running").get_data(
        as_text=True
    )
    assert "Zon op de daken" in running and "Fietspad" not in running
    by_theme = client.get(f"/kring-a/masterplan/{w.plan_a}/implementation?theme={w.themes_a[1]}").get_data(
        as_text=True
    )
    assert "Fietspad" in by_theme and "Zon op de daken" not in by_theme
    assert (
        client.get(f"/kring-a/masterplan/{w.plan_a}/implementation?status=x&theme=99999999999").status_code
        == 200
    )
    client.post("/account/logout")
    login_as(w.b.member)
    assert client.get(f"/kring-a/masterplan/{w.plan_a}/implementation").status_code == 404
    assert client.get(f"/kring-b/masterplan/{w.plan_a}/implementation").status_code == 404


def _svg(page: str):
    """The timeline's SVG parsed, or None when the page has none."""
    import re
    from xml.etree import ElementTree

    found = re.search(r'<svg class="timeline".*?</svg>', page, re.S)
    return ElementTree.fromstring(found.group(0)) if found else None


SVG = "{http://www.w3.org/2000/svg}"


def _bars(svg) -> list[tuple[int, float, float]]:
    return [
        (int(r.get("data-project")), float(r.get("x")), float(r.get("width")))
        for r in svg.iter(f"{SVG}rect")
        if r.get("class") == "timeline-bar"
    ]


@pytest.mark.both_databases
def test_the_timeline_draws_a_bar_per_dated_project_in_priority_order(app, plan_world, login_as):
    app.config["KEEP_PAGE_DATA"] = False  # the statements of a page built after a write, each time
    from datetime import date, timedelta

    from sqlalchemy import event as sqlalchemy_event

    from plugins.masterplan import timeline

    w = plan_world
    today = date.today()
    start_sun, end_sun = today - timedelta(days=40), today + timedelta(days=200)
    start_bike, end_bike = today + timedelta(days=10), today + timedelta(days=100)
    milestone = today + timedelta(days=60)
    with tenant_scope(w.a.tenant):
        plan = db.session.get(Masterplan, w.plan_a)
        sun = projects.create_project(
            plan,
            {
                "title": "Zon op de daken",
                "theme_id": w.themes_a[0],
                "status": "running",
                "owner_company_id": w.company_a,
                "starts_on": start_sun.isoformat(),
                "ends_on": end_sun.isoformat(),
                "milestones": [("Aanbesteding", milestone.isoformat())],
            },
            actor=w.a.admin,
        ).id
        # Second theme, so after the sun project although it starts later: priority first.
        bike = projects.create_project(
            plan,
            {
                "title": "Fietspad",
                "theme_id": w.themes_a[1],
                "status": "idea",
                "starts_on": start_bike.isoformat(),
                "ends_on": end_bike.isoformat(),
            },
            actor=w.a.admin,
        ).id
        projects.create_project(
            plan, {"title": "Groene daken", "theme_id": w.themes_a[0], "status": "idea"}, actor=w.a.admin
        )
    with tenant_scope(w.b.tenant):
        projects.create_project(
            db.session.get(Masterplan, w.plan_b),
            {"title": "Geheim project van B", "theme_id": w.themes_b[0], "starts_on": today.isoformat()},
            actor=w.b.admin,
        )
    db.session.commit()
    client = login_as(w.a.member)
    url = f"/kring-a/masterplan/{w.plan_a}/implementation"
    page = client.get(url).get_data(as_text=True)
    svg = _svg(page)
    assert svg is not None and svg.get("role") == "img" and "in order of priority" in svg.get("aria-label")
    assert svg.find(f"{SVG}title") is not None and "Fietspad (Idea)" in svg.find(f"{SVG}desc").text
    first = date(start_sun.year, start_sun.month, 1)
    last = date(end_sun.year + end_sun.month // 12, end_sun.month % 12 + 1, 1)

    def x(day):
        days = (last - first).days
        return round(
            timeline.LEFT + (timeline.WIDTH - timeline.LEFT - timeline.RIGHT) * (day - first).days / days, 1
        )

    bars = _bars(svg)
    assert [b[0] for b in bars] == [sun, bike]
    assert bars[0][1] == x(start_sun) and bars[0][1] + bars[0][2] == pytest.approx(x(end_sun), abs=0.2)
    assert bars[1][1] == x(start_bike) and bars[1][1] + bars[1][2] == pytest.approx(x(end_bike), abs=0.2)
    (mark,) = [p for p in svg.iter(f"{SVG}path") if p.get("class") == "timeline-milestone"]
    assert f"M {x(milestone)} " in mark.get("d")
    (today_line,) = [line for line in svg.iter(f"{SVG}line") if line.get("class") == "timeline-today"]
    assert abs(float(today_line.get("x1")) - x(today)) <= 5  # Amsterdam's date may differ by a day
    links = [a.get("href") for a in svg.iter(f"{SVG}a")]
    assert links == [
        f"/kring-a/masterplan/{w.plan_a}/projects/{sun}",
        f"/kring-a/masterplan/{w.plan_a}/projects/{bike}",
    ]
    assert "Not scheduled yet" in page and "Groene daken" in page and "Geheim project van B" not in page
    assert ' style="' not in page.split('<svg class="timeline"')[1].split("</svg>")[0]
    # The filters apply to the drawing as well.
    running = _svg(client.get(f"{url}?status=running").get_data(as_text=True))
    assert [b[0] for b in _bars(running)] == [sun]
    by_theme = _svg(client.get(f"{url}?theme={w.themes_a[1]}").get_data(as_text=True))
    assert [b[0] for b in _bars(by_theme)] == [bike]
    assert _svg(client.get(f"{url}?status=done").get_data(as_text=True)) is None

    def statements() -> int:
        seen = []

        def count(*_):
            seen.append(1)

        sqlalchemy_event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            sqlalchemy_event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    few = statements()
    with tenant_scope(w.a.tenant):
        plan = db.session.get(Masterplan, w.plan_a)
        for number in range(4):
            projects.create_project(
                plan,
                {
                    "title": f"Extra {number}",
                    "theme_id": w.themes_a[number % 2],
                    "owner_company_id": w.company_a,
                    "starts_on": today.isoformat(),
                    "milestones": [("Start", (today + timedelta(days=5)).isoformat())],
                },
                actor=w.a.admin,
            )
    db.session.commit()
    assert statements() == few


def test_the_timeline_speaks_dutch(plan_world, login_as):
    from datetime import date

    w = plan_world
    w.a.tenant.default_locale = "nl"
    with tenant_scope(w.a.tenant):
        projects.create_project(
            db.session.get(Masterplan, w.plan_a),
            {"title": "Zon", "theme_id": w.themes_a[0], "starts_on": "2030-03-01", "ends_on": "2030-05-31"},
            actor=w.a.admin,
        )
    db.session.commit()
    page = login_as(w.a.member).get(f"/kring-a/masterplan/{w.plan_a}/implementation").get_data(as_text=True)
    svg = _svg(page)
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "mrt 2030" in " ".join(texts) or "mrt. 2030" in " ".join(texts)
    assert "1 mrt 2030 tot 31 mei 2030" in svg.find(f"{SVG}desc").text.replace(".", "")
    assert "Tijdlijn" in page and date.today().year < 2030  # today lies outside the range: no line
    assert not [line for line in svg.iter(f"{SVG}line") if line.get("class") == "timeline-today"]
