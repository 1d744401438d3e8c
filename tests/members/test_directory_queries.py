"""The directory page's queries (issue 15): the filter's choices in one statement,
the page's rows with only the columns it shows, their circles and themes in one
statement; each the same as the whole objects gave, and of the tenant in scope only.
And the filter's quicker select widget, markup for markup the same as WTForms'."""

from __future__ import annotations

from collections import namedtuple

import pytest
from flask_babel import force_locale
from markupsafe import Markup
from sqlalchemy import func, select
from wtforms import Form, SelectChoice, SelectField

from kringwerk.extensions import db
from kringwerk.members import directory, groupings
from kringwerk.members.directory import DirectoryFilters
from kringwerk.members.forms import QuickSelect
from kringwerk.members.models import BusinessPark, Circle, Company
from kringwerk.tenancy import tenant_scope
from kringwerk.web.pagination import paginate
from tests.members.support import count_queries, theme_by_key


@pytest.fixture
def varied(members):
    """More to choose from in A: a park and a circle written in lower case (they sort
    between the others, ignoring case), a switched-off theme, a reordered theme, and
    companies with several circles and themes. B gets its own park, circle and sector."""
    with tenant_scope(members.a.tenant):
        park = BusinessPark(name="bedrijvenpark Oost")
        circle = Circle(name="midden")
        theme_by_key("energie").active = False
        theme_by_key("mobiliteit").position = 0  # now first
        noord, zuid = db.session.get(Circle, members.noord_id), db.session.get(Circle, members.zuid_id)
        for n in range(4):
            db.session.add(
                Company(
                    name=f"Coöperatie {n}",
                    sector="Energie" if n % 2 else None,
                    business_park=park if n % 2 else None,
                    circles=[zuid, circle, noord][: n % 4],
                    themes=[theme_by_key("veiligheid"), theme_by_key("mobiliteit"), theme_by_key("energie")][
                        : n % 4
                    ],
                )
            )
        db.session.add(park)
        db.session.flush()
    with tenant_scope(members.b.tenant):
        db.session.add_all(
            [
                BusinessPark(name="B-park"),
                Circle(name="B-kring"),
                Company(name="B bedrijf", sector="Luchtvaart"),
            ]
        )
        db.session.flush()
    db.session.commit()
    return members


def choices_as_before():
    """The four queries the directory ran for its filter before issue 15."""
    parks = db.session.scalars(select(BusinessPark).order_by(func.lower(BusinessPark.name))).all()
    circles = db.session.scalars(select(Circle).order_by(func.lower(Circle.name))).all()
    themes = groupings.ordered_themes(active_only=True)
    return directory.FilterChoices(
        parks=[(park.id, park.name) for park in parks],
        circles=[(circle.id, circle.name) for circle in circles],
        themes=[(theme.id, theme.name) for theme in themes],
        sectors=directory.sectors(),
    )


@pytest.mark.both_databases
def test_the_filter_choices_come_in_one_statement_and_only_of_the_tenant_in_scope(app, varied):
    for language in ("nl", "en"):
        with app.test_request_context(), force_locale(language), tenant_scope(varied.a.tenant):
            with count_queries() as statements:
                found = directory.filter_choices()
            assert len(statements) == 1
            assert found == choices_as_before()
            assert [name for _id, name in found.parks] == ["Aalsvoort", "bedrijvenpark Oost", "De Wieken"]
            assert [name for _id, name in found.circles] == ["midden", "Noord", "Zuid"]
            assert found.sectors == ["Bouw", "Energie", "Zorg"]
            themes = [name for _id, name in found.themes]
            assert themes[0] == ("Mobiliteit" if language == "nl" else "Mobility")
            assert "Energie" not in themes and "Energy" not in themes  # switched off
            assert len(themes) == 11
    with tenant_scope(varied.b.tenant):
        found = directory.filter_choices()
        assert found == choices_as_before()
        assert [name for _id, name in found.parks] == ["Aalsvoort", "B-park"]
        assert [name for _id, name in found.circles] == ["B-kring", "Noord"]
        assert found.sectors == ["Bouw", "Luchtvaart"]
        assert len(found.themes) == 12


@pytest.mark.both_databases
def test_the_page_rows_show_what_the_whole_companies_did(app, varied):
    with app.test_request_context(), force_locale("en"), tenant_scope(varied.a.tenant):
        for filters in (
            DirectoryFilters(),
            DirectoryFilters(q="co"),
            DirectoryFilters(circle_id=varied.zuid_id),
        ):
            for number in (1, 2, 3):
                with count_queries() as statements:
                    page = paginate(directory.directory_rows_query(filters), number, 2, scalars=False)
                    rows = directory.with_groupings(page.items)
                before = paginate(directory.directory_query(filters), number, 2)
                # Rows with their total, and the groupings; past the last page a count
                # and the last page's rows come first.
                past_the_end = (2 if before.total else 1) if number > before.pages else 0
                assert len(statements) == 1 + past_the_end + (1 if rows else 0)
                assert (page.number, page.total) == (before.number, before.total)
                assert rows == [
                    directory.DirectoryRow(
                        id=company.id,
                        name=company.name,
                        kvk_number=company.kvk_number,
                        city=company.city,
                        sector=company.sector,
                        park=company.business_park.name if company.business_park else None,
                        circles=tuple(circle.name for circle in company.circles),
                        themes=tuple(theme.name for theme in company.themes),
                    )
                    for company in before.items
                ]
        everyone = paginate(directory.directory_rows_query(DirectoryFilters()), 1, 50, scalars=False)
        rows = {row.name: row for row in directory.with_groupings(everyone.items)}
        assert everyone.total == 6 and "Bravo Logistiek" not in rows
        # By name as the database sorts them (the relationship's order, compared above).
        assert set(rows["Coöperatie 3"].circles) == {"midden", "Noord", "Zuid"}
        assert rows["Coöperatie 3"].themes == ("Mobility", "Energy", "Safety")  # the tenant's order
        assert rows["Coöperatie 1"].park == "bedrijvenpark Oost" and rows["Coöperatie 0"].park is None
    with tenant_scope(varied.b.tenant):
        page = paginate(directory.directory_rows_query(DirectoryFilters()), 1, 50, scalars=False)
        rows = directory.with_groupings(page.items)
        assert [row.name for row in rows] == ["B bedrijf", "Bravo Logistiek"]
        assert rows[1].circles == ("Noord",) and rows[1].park == "Aalsvoort"
        # Another tenant's company ids find no circles or themes here.
        shown = namedtuple("Shown", "id name kvk_number city sector park")
        with_a = directory.with_groupings([shown(varied.alpha_id, "Alpha Bouw BV", None, None, None, None)])
        assert with_a[0].circles == () and with_a[0].themes == ()


class Filters(Form):
    plain = SelectField(choices=[])
    quick = SelectField(choices=[], widget=QuickSelect())
    quick_int = SelectField(choices=[], coerce=int, widget=QuickSelect())
    plain_int = SelectField(choices=[], coerce=int)


def test_the_quick_select_writes_what_wtforms_writes(app):
    options = [
        SelectChoice("", "All <sectors>"),
        SelectChoice("a&b", 'Bouw "en" zo'),
        SelectChoice("zorg", "Zorg"),
        SelectChoice("x", "Special", render_kw={"disabled": True, "data_x": "1"}),
        SelectChoice("leeg", ""),
    ]
    with app.test_request_context("/?plain=zorg&quick=zorg&quick_int=2&plain_int=2"):
        from flask import request

        form = Filters(request.args)
        form.plain.choices = form.quick.choices = options
        form.quick_int.choices = form.plain_int.choices = [
            SelectChoice("1", "Een"),
            SelectChoice("2", "Twee"),
        ]
        for kwargs in ({}, {"aria_describedby": "x-error", "aria_invalid": "true", "required": False}):
            quick, plain = form.quick(**kwargs), form.plain(**kwargs)
            assert isinstance(quick, Markup)
            assert str(quick).replace("quick", "plain") == str(plain)
            assert '<option selected value="zorg">Zorg</option>' in quick
            assert "&lt;sectors&gt;" in quick and 'value="a&amp;b"' in quick
        assert form.quick_int().replace("quick_int", "plain_int") == form.plain_int()
        assert '<option selected value="2">Twee</option>' in form.quick_int()


def test_the_directory_statements_are_built_once_per_language_for_every_tenant(app, varied):
    """They hold no tenant: the wall adds the tenant in scope to each execution, so one
    statement serves every tenant, each seeing only its own rows."""
    directory._choices_statement.cache_clear()
    directory._groupings_statement.cache_clear()
    seen = {}
    for language in ("nl", "nl", "en"):
        for side in (varied.a, varied.b):
            with app.test_request_context(), force_locale(language), tenant_scope(side.tenant):
                choices = directory.filter_choices()
                page = paginate(directory.directory_rows_query(DirectoryFilters()), 1, 50, scalars=False)
                rows = directory.with_groupings(page.items)
                seen[side.tenant.slug, language] = (
                    choices.circles,
                    [(row.name, row.circles) for row in rows],
                )
    assert directory._choices_statement.cache_info().misses == 2  # Dutch and English names
    assert directory._groupings_statement.cache_info().misses == 2
    assert directory._choices_statement.cache_info().hits == 4
    a_circles, a_rows = seen["kring-a", "nl"]
    b_circles, b_rows = seen["kring-b", "nl"]
    assert {name for _id, name in a_circles} == {"midden", "Noord", "Zuid"}
    assert {name for _id, name in b_circles} == {"B-kring", "Noord"}
    assert {name for name, _circles in b_rows} == {"B bedrijf", "Bravo Logistiek"}
    assert "Bravo Logistiek" not in {name for name, _circles in a_rows}
