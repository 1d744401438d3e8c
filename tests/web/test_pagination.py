"""``web.pagination.paginate``: the page's rows and the total in one statement (a
window count), the same pages and totals as counting the listing separately did,
at every page boundary, with filters, groups and DISTINCT, and only the tenant in
scope counted (issue 15)."""

from __future__ import annotations

from math import ceil

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from kringwerk.extensions import db
from kringwerk.members.models import Company, ContactPerson
from kringwerk.tenancy import tenant_scope
from kringwerk.web.pagination import Page, count_rows, paginate
from tests.members.support import count_queries


def reference(statement, number: int, per_page: int, *, scalars: bool = True) -> Page:
    """Pagination as it was before issue 15: a COUNT over the listing as a subquery, the
    page clamped to the last one, then the page's rows."""
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    number = min(number, max(1, ceil(total / per_page)))
    paged = statement.limit(per_page).offset((number - 1) * per_page)
    result = db.session.scalars(paged) if scalars else db.session.execute(paged)
    items = list(result.unique() if scalars else result)
    return Page(items=items, number=number, per_page=per_page, total=total)


def same(page: Page, expected: Page, key=lambda item: item) -> None:
    assert (page.number, page.total, page.pages, page.has_prev, page.has_next) == (
        expected.number,
        expected.total,
        expected.pages,
        expected.has_prev,
        expected.has_next,
    )
    assert [key(item) for item in page.items] == [key(item) for item in expected.items]


@pytest.fixture
def companies(world):
    """Seven companies in tenant A (sectors Bouw ×4, Zorg ×3, a contact each, two for the
    first), twelve in tenant B (all Bouw): B's must never be listed or counted in A."""
    for tenant, count in ((world.a.tenant, 7), (world.b.tenant, 12)):
        with tenant_scope(tenant):
            for n in range(count):
                company = Company(name=f"{tenant.slug} {n:02d}", sector="Bouw" if n % 2 == 0 else "Zorg")
                if tenant is world.b.tenant:
                    company.sector = "Bouw"
                company.contacts.append(ContactPerson(name=f"Contact {n}"))
                if n == 0:
                    company.contacts.append(ContactPerson(name="Tweede contact"))
                db.session.add(company)
            db.session.commit()
    return world


def by_name(*conditions):
    return select(Company).where(*conditions).order_by(Company.name, Company.id)


def paged(statement, number, per_page, **kwargs) -> tuple[Page, int]:
    with count_queries() as statements:
        page = paginate(statement, number, per_page, **kwargs)
    return page, len(statements)


@pytest.mark.both_databases
def test_pages_and_totals_are_those_of_a_separate_count_at_every_boundary(companies):
    """Not full, exactly full, a middle and a last page, past the end, empty: the same
    page numbers and totals as before, and the other tenant's rows never counted."""
    cases = [
        (by_name(), 3),  # 7 rows: pages of 3, 3, 1
        (by_name(), 7),  # exactly one full page
        (by_name(), 10),  # first page not full
        (by_name(Company.sector == "Zorg"), 3),  # filtered: exactly one full page
        (by_name(Company.sector == "Bouw"), 3),  # filtered: 3 + 1
        (by_name(Company.sector == "Ruimtevaart"), 3),  # nothing at all
    ]
    with tenant_scope(companies.a.tenant):
        for statement, per_page in cases:
            for number in (1, 2, 3, 4, 99):
                page, _ = paged(statement, number, per_page)
                same(page, reference(statement, number, per_page), key=lambda company: company.id)
                assert all(company.name.startswith("kring-a ") for company in page.items)
                assert page.total <= 7


@pytest.mark.both_databases
def test_one_statement_per_page_whatever_the_page(companies):
    with tenant_scope(companies.a.tenant):
        full, statements = paged(by_name(), 1, 3)
        assert (full.total, len(full.items), statements) == (7, 3, 1)
        last, statements = paged(by_name(), 3, 3)
        assert (last.total, len(last.items), last.number, statements) == (7, 1, 3, 1)
        not_full, statements = paged(by_name(), 1, 10)
        assert (not_full.total, len(not_full.items), statements) == (7, 7, 1)
        empty, statements = paged(by_name(Company.sector == "Ruimtevaart"), 1, 3)
        assert (empty.total, empty.items, empty.number, statements) == (0, [], 1, 1)
        # Past the last page (a stale link): count, then the last page.
        past, statements = paged(by_name(), 9, 3)
        assert (past.total, past.number, [c.name for c in past.items], statements) == (
            7,
            3,
            ["kring-a 06"],
            3,
        )
    with tenant_scope(companies.b.tenant):
        page, statements = paged(by_name(), 1, 3)
        assert (page.total, statements) == (12, 1)


@pytest.mark.both_databases
def test_rows_keep_their_shape_without_the_count_column(companies):
    statement = (
        select(Company.name, func.count(ContactPerson.id).label("contacts"))
        .outerjoin(ContactPerson, ContactPerson.company_id == Company.id)
        .group_by(Company.id, Company.name)
        .order_by(Company.name)
    )
    with tenant_scope(companies.a.tenant):
        page, statements = paged(statement, 1, 5, scalars=False)
        same(page, reference(statement, 1, 5, scalars=False), key=tuple)
        assert statements == 1
        first = page.items[0]
        assert (first.name, first.contacts) == ("kring-a 00", 2)  # names kept, no extra column
        name, contacts = first
        assert len(first) == 2 and first._fields == ("name", "contacts")
        # A grouped listing counts its groups, as a count over it did.
        assert page.total == 7 and page.pages == 2


@pytest.mark.both_databases
def test_entities_come_once_with_joined_collections_and_selectin_loads(companies):
    joined = by_name().options(joinedload(Company.contacts))
    selectin = by_name().options(selectinload(Company.contacts))
    with tenant_scope(companies.a.tenant):
        for statement in (joined, selectin):
            for number in (1, 2, 3):
                page = paginate(statement, number, 3)
                same(page, reference(statement, number, 3), key=lambda company: company.id)
            first = paginate(statement, 1, 3).items[0]
            assert sorted(contact.name for contact in first.contacts) == ["Contact 0", "Tweede contact"]
        # A join that repeats a company: rows are counted, as before, and each company shows once.
        repeated = select(Company).join(Company.contacts).order_by(Company.name)
        page = paginate(repeated, 1, 20)
        same(page, reference(repeated, 1, 20), key=lambda company: company.id)
        assert page.total == 8 and len(page.items) == 7


@pytest.mark.both_databases
def test_distinct_listings_are_counted_apart(companies):
    statement = select(Company.sector).distinct().order_by(Company.sector)
    with tenant_scope(companies.a.tenant):
        page, statements = paged(statement, 1, 1, scalars=False)
        same(page, reference(statement, 1, 1, scalars=False), key=tuple)
        assert (page.total, [row.sector for row in page.items], statements) == (2, ["Bouw"], 2)
        page = paginate(statement, 2, 1, scalars=True)
        assert (page.total, page.items) == (2, ["Zorg"])


@pytest.mark.both_databases
def test_count_rows_counts_the_table_without_a_subquery_when_it_can(companies):
    with tenant_scope(companies.a.tenant):
        filtered = by_name(Company.sector == "Bouw").options(selectinload(Company.contacts))
        with count_queries() as statements:
            assert count_rows(filtered) == 4
        assert "count(*)" in statements[0].lower() and "anon" not in statements[0].lower()
        assert "order by" not in statements[0].lower()
        joined = select(Company).join(Company.contacts).where(ContactPerson.name.like("Contact%"))
        assert count_rows(joined) == 7
        grouped = select(Company.sector, func.count()).group_by(Company.sector)
        with count_queries() as statements:
            assert count_rows(grouped) == 2
        assert "anon" in statements[0].lower()  # groups are counted over the grouped rows
    with tenant_scope(companies.b.tenant):
        assert count_rows(by_name(Company.sector == "Bouw")) == 12
