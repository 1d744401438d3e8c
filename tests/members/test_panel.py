"""The entrepreneurs' panel as business rules (no HTTP): join, leave and join again,
adding in bulk from a directory filter, a selection and a CSV file (bad rows and
another tenant's contact refused, nothing half done), the audience a plugin reads,
and the personal data it holds. Tenant B's panel never moves."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kringwerk.accounts.models import Membership
from kringwerk.accounts.people import erase_member, export_member
from kringwerk.extensions import db
from kringwerk.members import csv_io, panel
from kringwerk.members.directory import DirectoryFilters
from kringwerk.members.models import ContactPerson, PanelMember
from kringwerk.tenancy import tenant_scope
from kringwerk.tokens import services as tokens
from tests.members.panel_support import on_panel
from tests.members.support import audit_actions, last_audit


def contact(people, key) -> ContactPerson:
    return db.session.get(ContactPerson, people.a[key])


def test_join_leave_and_join_again(people):
    a = people.world.a.tenant
    with tenant_scope(a):
        anna = contact(people, "anna@alpha.test")
        first = panel.join(anna, actor=people.world.a.admin)
        assert panel.join(anna) is first  # already on: nothing changes
        db.session.commit()
    assert on_panel(a) == {"anna@alpha.test"}
    with tenant_scope(a):
        anna = contact(people, "anna@alpha.test")
        assert panel.leave(anna) is True
        assert panel.leave(anna) is False
        db.session.commit()
        assert (
            db.session.scalar(select(PanelMember.left_at)) is not None
        )  # the row stays: the trail shows when
    assert on_panel(a) == set()
    with tenant_scope(a):
        panel.join(contact(people, "anna@alpha.test"))
        db.session.commit()
        assert db.session.scalar(select(func.count(PanelMember.id))) == 1
    assert on_panel(a) == {"anna@alpha.test"}
    assert audit_actions(a)[-3:] == ["panel.joined", "panel.left", "panel.joined"]
    assert on_panel(people.world.b.tenant) == set()


@pytest.mark.both_databases
def test_add_everyone_a_directory_filter_finds(people):
    a, b = people.world.a.tenant, people.world.b.tenant
    with tenant_scope(a):
        result = panel.add_filtered(
            DirectoryFilters(park_id=people.members.park_id), actor=people.world.a.admin
        )
        db.session.commit()
    assert (result.added, result.already) == (2, 0)
    assert on_panel(a) == {"anna@alpha.test", "arie@alpha.test"}  # Alpha is on Aalsvoort; Anker is not
    entry = last_audit(a)
    assert entry.action == "panel.added_in_bulk"
    assert entry.details["source"] == "filter" and entry.details["filters"] == {
        "park_id": people.members.park_id
    }
    assert sorted(entry.details["contact_ids"]) == sorted(
        [people.a["anna@alpha.test"], people.a["arie@alpha.test"]]
    )
    with tenant_scope(a):
        panel.leave(contact(people, "arie@alpha.test"))
        # No filter: the whole directory; people without an e-mail address are left out.
        result = panel.add_filtered(DirectoryFilters(), actor=people.world.a.admin)
        db.session.commit()
    assert (result.added, result.already) == (2, 1)  # Arie back on, Karel new; Anna was on
    assert on_panel(a) == {"anna@alpha.test", "arie@alpha.test", "karel@anker.test"}
    # Tenant B's directory (Bravo, with the same park name and an "anna@alpha.test") stays off.
    assert on_panel(b) == set()
    with tenant_scope(b):
        panel.add_filtered(DirectoryFilters(q="Bravo"), actor=people.world.b.admin)
        db.session.commit()
    assert on_panel(b) == {"bram@bravo.test", "anna@alpha.test"}
    assert on_panel(a) == {"anna@alpha.test", "arie@alpha.test", "karel@anker.test"}


def test_candidates_are_those_with_an_address_not_on_the_panel(people):
    with tenant_scope(people.world.a.tenant):
        panel.join(contact(people, "anna@alpha.test"))
        names = [c.name for c in db.session.scalars(panel.candidates(DirectoryFilters()))]
        assert names == ["Arie Alpha", "Karel Anker"]
        assert [c.name for c in db.session.scalars(panel.candidates(DirectoryFilters(q="anker")))] == [
            "Karel Anker"
        ]


def test_add_a_selection(people):
    a = people.world.a.tenant
    with tenant_scope(a):
        # Tenant B's contact in the choice: refused as a whole, nobody added.
        with pytest.raises(panel.PanelError):
            panel.add_selected([people.a["anna@alpha.test"], people.b["bram@bravo.test"]], actor=None)
        with pytest.raises(panel.PanelError):
            panel.add_selected([people.a["Nina Zonder"]], actor=None)  # no e-mail address
        with pytest.raises(panel.PanelError):
            panel.add_selected([], actor=None)
        db.session.rollback()
    assert on_panel(a) == set()
    with tenant_scope(a):
        result = panel.add_selected(
            [people.a["anna@alpha.test"], people.a["karel@anker.test"], people.a["anna@alpha.test"]],
            actor=people.world.a.facilitator,
        )
        db.session.commit()
    assert (result.added, result.already) == (2, 0)
    assert on_panel(a) == {"anna@alpha.test", "karel@anker.test"}
    assert last_audit(a).details["source"] == "selection"
    assert on_panel(people.world.b.tenant) == set()


DUTCH_WITH_PROBLEMS = (
    "\ufeffE-mailadres;Naam\r\n"
    "anna@alpha.test;Anna\r\n"
    "KAREL@anker.test;Karel\r\n"  # case does not matter
    "geen-adres;Iemand\r\n"  # row 4: not an address
    "onbekend@example.test;Onbekend\r\n"  # row 5: nobody here
    "bram@bravo.test;Bram\r\n"  # row 6: tenant B's person
    ";Leeg\r\n"  # row 7: nothing to go on
)


def test_csv_rows_are_all_checked_and_nothing_is_added_on_a_problem(people):
    a = people.world.a.tenant
    with tenant_scope(a):
        result = panel.add_from_csv(
            DUTCH_WITH_PROBLEMS.encode(), actor=people.world.a.admin, filename="panel.csv"
        )
        db.session.rollback()
    assert not result.ok and result.added == 0
    assert [(e.row, e.column, e.value) for e in result.errors] == [
        (4, "E-mailadres", "geen-adres"),
        (5, "E-mailadres", "onbekend@example.test"),
        (6, "E-mailadres", "bram@bravo.test"),
        (7, "E-mailadres", ""),
    ]
    assert "e-mail address such as" in result.errors[0].message
    assert (
        result.errors[1].message == result.errors[2].message == "No contact person has this e-mail address."
    )
    assert on_panel(a) == set()
    assert "panel.added_in_bulk" not in audit_actions(a)


def test_csv_of_numbers_refuses_another_tenants_contact(people):
    a = people.world.a.tenant
    numbers = f"{people.a['anna@alpha.test']}\n{people.b['bram@bravo.test']}\n{people.a['Nina Zonder']}\n"
    with tenant_scope(a):
        result = panel.add_from_csv(numbers.encode(), actor=None)
        db.session.rollback()
    assert [(e.row, e.message) for e in result.errors] == [
        (2, f"There is no contact person with number {people.b['bram@bravo.test']}."),
        (3, "Nina Zonder has no e-mail address, so cannot be asked."),
    ]
    assert on_panel(a) == set() and on_panel(people.world.b.tenant) == set()


@pytest.mark.both_databases
def test_a_clean_csv_adds_everyone_once(people):
    a = people.world.a.tenant
    with tenant_scope(a):
        panel.join(contact(people, "anna@alpha.test"))
        data = (
            "id,email,name\n"
            f",anna@alpha.test,Anna\n"
            f"{people.a['arie@alpha.test']},,Arie\n"
            f",karel@anker.test,Karel\n"
            f",Karel@Anker.test,Karel again\n"
        )
        result = panel.add_from_csv(data.encode(), actor=people.world.a.admin, filename="panel.csv")
        db.session.commit()
    assert result.ok and (result.added, result.already, result.rows) == (2, 1, 4)
    assert on_panel(a) == {"anna@alpha.test", "arie@alpha.test", "karel@anker.test"}
    entry = last_audit(a)
    assert entry.action == "panel.added_in_bulk" and entry.target_label == "panel.csv"
    assert entry.details["source"] == "csv" and entry.details["added"] == 2
    # Tenant B's "anna@alpha.test" was not touched by A's file.
    assert on_panel(people.world.b.tenant) == set()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"naam\nAnna\n", "no column"),
        ("anna@alpha.test\n".encode("utf-16"), "UTF-8"),
    ],
)
def test_unusable_files_say_why(people, data, message):
    with tenant_scope(people.world.a.tenant), pytest.raises(csv_io.ImportFileError, match=message):
        panel.add_from_csv(data, actor=None)


def test_the_audience_a_plugin_reads(people):
    a = people.world.a.tenant
    with tenant_scope(a):
        for key in ("anna@alpha.test", "karel@anker.test"):
            panel.join(contact(people, key))
        panel.leave(contact(people, "karel@anker.test"))
        db.session.commit()
        assert [c.email for c in db.session.scalars(panel.panel_contacts())] == ["anna@alpha.test"]
        assert set(db.session.scalars(panel.panel_contact_ids())) == {people.a["anna@alpha.test"]}
        assert panel.active_contact_ids([*people.a.values(), *people.b.values()]) == {
            people.a["anna@alpha.test"]
        }
    with tenant_scope(people.world.b.tenant):
        assert list(db.session.scalars(panel.panel_contacts())) == []
        assert panel.active_contact_ids(people.a.values()) == set()


def _membership(tenant, user):
    with tenant_scope(tenant):
        return db.session.scalar(select(Membership).where(Membership.user_id == user.id))


def test_personal_data_export_and_erasure(people):
    w = people.world
    a, b = w.a.tenant, w.b.tenant
    with tenant_scope(a):
        karel = contact(people, "karel@anker.test")
        karel.user_id = w.a.member.id
        panel.join(karel)
        panel.join(contact(people, "anna@alpha.test"))
        panel.opt_out_url(karel)
        db.session.commit()
    with tenant_scope(b):
        bram = db.session.get(ContactPerson, people.b["bram@bravo.test"])
        bram.user_id = w.a.member.id  # the same account is a contact in tenant B too
        panel.join(bram)
        db.session.commit()
    data = export_member(a, _membership(a, w.a.member), actor=w.a.admin)
    assert [(row["contact_person_id"], row["left_at"]) for row in data["panel"]] == [
        (people.a["karel@anker.test"], None)
    ]
    db.session.commit()
    erase_member(a, _membership(a, w.a.member), actor=w.a.admin)
    db.session.commit()
    assert on_panel(a) == {"anna@alpha.test"}  # Karel's row is gone; Anna's stays
    with tenant_scope(a):
        assert db.session.scalar(select(func.count(PanelMember.id))) == 1
        assert tokens.live_tokens(panel.OPT_OUT_PURPOSE, people.a["karel@anker.test"]) == []
    assert on_panel(b) == {"bram@bravo.test"}  # erasure never reaches beyond the tenant
