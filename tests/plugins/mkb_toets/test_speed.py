"""The dossier page and the dossier list stay cheap (issue 15): their own statements are
few and do not grow with the dossier's sections, timeline, themes, panel, feedback or the
tenant's companies; the statements are built once per process and still keep each
tenant to its own data; the panel filter's selects cost no WTForms attribute building yet
read exactly as the shared ``field()`` macro writes them."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask import render_template_string
from sqlalchemy import select

from kringwerk.extensions import db, utcnow
from kringwerk.members.models import BusinessPark, Circle, Company, ContactPerson, Theme
from kringwerk.tenancy import tenant_scope
from plugins.mkb_toets import dossier_page, summary
from plugins.mkb_toets.forms import PanelFilterForm
from plugins.mkb_toets.models import Dossier, DossierSection, Feedback, PanelSeat, Phase, PhaseChange, Verdict
from tests.members.support import count_queries
from tests.plugins.mkb_toets.conftest import make_dossier

# The plugin's own statements: those reading its tables or what its pages show of the
# core's (companies, parks, circles, themes, files, the standing panel). The core's
# statements of any signed-in page (tenant, plugins, user, membership, cache stamps) are
# left out, so these tests hold the plugin's count whatever the core does about its own.
OWN_TABLES = re.compile(
    r"\b(mkb_\w+|companies|business_parks|circles|themes|stored_files|contact_persons|panel_members)\b"
)


def _own(statements: list[str]) -> list[str]:
    return [statement for statement in statements if OWN_TABLES.search(statement)]


def _grow(tenant, dossier_id: int, size: int, tag: str) -> None:
    """``size`` more of everything the dossier page shows or counts: companies (with a park
    and a circle each), seats that gave feedback, sections, timeline steps and themes."""
    with tenant_scope(tenant):
        dossier = db.session.get(Dossier, dossier_id)
        themes = db.session.scalars(select(Theme).order_by(Theme.position).limit(size)).all()
        dossier.themes = list(themes)
        for number in range(size):
            park = BusinessPark(name=f"Park {tag}-{number}")
            circle = Circle(name=f"Kring {tag}-{number}")
            company = Company(
                name=f"Bedrijf {tag}-{number}", sector=f"Sector {tag}-{number}", business_park=park
            )
            company.contacts.append(
                ContactPerson(name=f"Persoon {tag}-{number}", email=f"p{tag}{number}@x.test")
            )
            db.session.add_all([park, circle, company])
            db.session.flush()
            seat = PanelSeat(dossier_id=dossier_id, contact_person_id=company.contacts[0].id)
            db.session.add(seat)
            db.session.flush()
            db.session.add(
                Feedback(seat_id=seat.id, section_id=dossier.sections[0].id, verdict=Verdict.WORKABLE)
            )
            db.session.add(PhaseChange(dossier_id=dossier_id, from_phase=Phase.DRAFT, to_phase=Phase.DRAFT))
        db.session.flush()
        for number in range(size):
            dossier.sections.append(
                DossierSection(
                    dossier_id=dossier_id,
                    number=100 + number,
                    heading=f"Artikel {tag}-{number}",
                    body="Tekst.",
                )
            )
        db.session.flush()
    db.session.commit()


@pytest.mark.both_databases
def test_the_dossier_page_costs_as_many_statements_for_a_small_as_for_a_large_dossier(
    app, mkb_world, client, login_as
):
    """What the first request after a write costs: nothing kept (test_kept_pages.py holds the rest)."""
    app.config["KEEP_PAGE_DATA"] = False
    a, b = mkb_world.a, mkb_world.b
    b_dossier = make_dossier(b.tenant, title="Dossier van B", phase=Phase.CONSULTATION_OPEN)
    counts: dict[str, list[int]] = {"admin": [], "official": [], "member": []}
    for size in (2, 20):
        dossier_id = make_dossier(a.tenant, title=f"Dossier {size}", phase=Phase.CONSULTATION_OPEN)
        _grow(a.tenant, dossier_id, size, f"a{size}")
        for who in counts:
            login_as(getattr(a, who))
            client.get(f"/kring-a/mkb-toets/{dossier_id}")  # the process's first use is not counted
            with count_queries() as statements:
                page = client.get(f"/kring-a/mkb-toets/{dossier_id}")
            text = page.get_data(as_text=True)
            assert (
                page.status_code == 200
                and f"Dossier {size}" in text
                and f"Artikel a{size}-{size - 1}" in text
            )
            assert "Dossier van B" not in text
            counts[who].append(len(_own(statements)))
            if who != "member":
                assert f"{size} of {size} panel members have given feedback." in text
            if who == "admin":
                assert f"Bedrijf a{size}-{size - 1}" in text and f"Park a{size}-0" in text
                assert f"Kring a{size}-0" in text and f"Sector a{size}-0" in text
                # The standing panel of A (Anna, Bert): never B's.
                assert "Add the standing panel (2)" in text
                assert "Bedrijf van B" not in text
            assert client.get(f"/kring-a/mkb-toets/{b_dossier}").status_code == 404
            client.post("/account/logout")
    # The dossier with its counts; its timeline and sections; for the board the panel's choices.
    assert counts == {"admin": [3, 3], "official": [2, 2], "member": [2, 2]}


@pytest.mark.both_databases
def test_the_dossier_list_costs_as_many_statements_for_two_dossiers_as_for_twenty(
    app, mkb_world, client, login_as
):
    app.config["KEEP_PAGE_DATA"] = False  # the first request after a write
    a, b = mkb_world.a, mkb_world.b
    b_dossier = make_dossier(b.tenant, title="Dossier van B", phase=Phase.CONSULTATION_OPEN)
    counts = []
    made: list[int] = []
    for size in (2, 20):
        while len(made) < size:
            made.append(
                make_dossier(a.tenant, title=f"Dossier nummer {len(made)}", phase=Phase.CONSULTATION_OPEN)
            )
        login_as(a.member)
        client.get("/kring-a/mkb-toets/")
        with count_queries() as statements:
            page = client.get("/kring-a/mkb-toets/")
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        for dossier_id in made:
            assert f'href="/kring-a/mkb-toets/{dossier_id}"' in text
        assert "Dossier van B" not in text and f'href="/kring-a/mkb-toets/{b_dossier}"' not in text
        own = _own(statements)
        # Only the columns the list shows: not the note's long texts.
        assert own and not any("problem" in statement for statement in own)
        counts.append(len(own))
        client.post("/account/logout")
    assert counts[0] == counts[1] <= 2


def test_the_statements_are_built_once_and_still_keep_each_tenant_to_its_own(
    app, mkb_world, client, login_as
):
    """Built once per process with bound parameters; the tenant wall adds the tenant per run,
    so the same statements serve A and B and neither sees the other's dossier or counts."""
    app.config["KEEP_PAGE_DATA"] = False  # every request reads, as the first after a write does
    a, b = mkb_world.a, mkb_world.b
    cached = (
        dossier_page._page_statement,
        dossier_page._story_statement,
        dossier_page._choices_statement,
        dossier_page._listing_statement,
    )
    for function in cached:
        function.cache_clear()
    a_dossier = make_dossier(a.tenant, title="Dossier van A", phase=Phase.CONSULTATION_OPEN)
    b_dossier = make_dossier(b.tenant, title="Dossier van B", phase=Phase.CONSULTATION_OPEN)
    _grow(a.tenant, a_dossier, 3, "a")
    sides = (
        (a, "kring-a", a_dossier, b_dossier, 3, "Dossier van A", "Bedrijf a-0"),
        (b, "kring-b", b_dossier, a_dossier, 0, "Dossier van B", "Bedrijf van B"),
    )
    for side, slug, mine, theirs, seats, title, company in sides:
        other_title = "Dossier van B" if side is a else "Dossier van A"
        other_company = "Bedrijf van B" if side is a else "Bedrijf a-0"
        login_as(side.admin)
        for _ in range(2):
            text = client.get(f"/{slug}/mkb-toets/{mine}").get_data(as_text=True)
            listing = client.get(f"/{slug}/mkb-toets/").get_data(as_text=True)
            assert f"{seats} of {seats} panel members" in text
            assert title in text and title in listing and company in text
            assert other_title not in text + listing and other_company not in text
        assert client.get(f"/{slug}/mkb-toets/{theirs}").status_code == 404
        client.post("/account/logout")
    assert [function.cache_info().misses for function in cached] == [1, 1, 1, 1]
    assert all(function.cache_info().hits >= 3 for function in cached)


@pytest.mark.both_databases
def test_the_response_count_is_one_statement_and_counts_this_dossier_of_this_tenant_only(app, mkb_world):
    a, b = mkb_world.a, mkb_world.b
    dossier_id = make_dossier(a.tenant, phase=Phase.CONSULTATION_OPEN)
    other = make_dossier(a.tenant, title="Ander dossier", phase=Phase.CONSULTATION_OPEN)
    b_dossier = make_dossier(b.tenant, phase=Phase.CONSULTATION_OPEN)
    with tenant_scope(a.tenant):
        dossier = db.session.get(Dossier, dossier_id)
        seats = [
            PanelSeat(dossier_id=dossier_id, contact_person_id=mkb_world.contact_ids[name])
            for name in ("Anna Alpha", "Bert Berends", "Carla Chemie")
        ]
        seats.append(PanelSeat(dossier_id=other, contact_person_id=mkb_world.contact_ids["Anna Alpha"]))
        db.session.add_all(seats)
        db.session.flush()
        for section in dossier.sections:  # Anna on every section: one seat that answered
            db.session.add(Feedback(seat_id=seats[0].id, section_id=section.id, verdict=Verdict.WORKABLE))
        db.session.add(Feedback(seat_id=seats[1].id, section_id=dossier.sections[0].id))
        db.session.flush()
    with tenant_scope(b.tenant):
        seat = PanelSeat(dossier_id=b_dossier, contact_person_id=mkb_world.b_contact_id)
        db.session.add(seat)
        db.session.flush()
        section_id = db.session.get(Dossier, b_dossier).sections[0].id
        db.session.add(Feedback(seat_id=seat.id, section_id=section_id, verdict=Verdict.NOT_WORKABLE))
        db.session.flush()
    db.session.commit()
    with app.test_request_context(), tenant_scope(a.tenant):
        dossier = db.session.get(Dossier, dossier_id)
        with count_queries() as statements:
            assert summary.response_count(dossier) == (2, 3)
        assert len(statements) == 1
        # B's dossier by id in A's scope: no seat of B counts.
        assert summary.response_count(SimpleNamespace(id=b_dossier)) == (0, 0)
    with app.test_request_context(), tenant_scope(b.tenant):
        assert summary.response_count(db.session.get(Dossier, b_dossier)) == (1, 1)


@pytest.mark.both_databases
def test_the_timeline_keeps_the_last_step_into_each_phase(app, mkb_world):
    a = mkb_world.a
    dossier_id = make_dossier(a.tenant, phase=Phase.CONSULTATION_CLOSED)
    b_dossier = make_dossier(
        mkb_world.b.tenant, phase=Phase.CONSULTATION_CLOSED, sections=(("Artikel van B", "Tekst van B."),)
    )
    early, late = utcnow() - timedelta(days=3), utcnow() - timedelta(days=1)
    with tenant_scope(a.tenant):
        for to, when, who in (
            (Phase.CONSULTATION_OPEN, early, "Eerste"),
            (Phase.CONSULTATION_CLOSED, early, "Tweede"),
            (Phase.CONSULTATION_OPEN, late, "Derde"),
        ):
            db.session.add(PhaseChange(dossier_id=dossier_id, to_phase=to, changed_at=when, actor_label=who))
        db.session.flush()
    with tenant_scope(mkb_world.b.tenant):
        db.session.add(PhaseChange(dossier_id=b_dossier, to_phase=Phase.ADVICE_SENT, actor_label="B"))
        db.session.flush()
    db.session.commit()
    with app.test_request_context(), tenant_scope(a.tenant):
        with count_queries() as statements:
            story = dossier_page.story(dossier_id)
        steps = story.timeline
    assert len(statements) == 1  # the timeline and the sections together
    assert [section.heading for section in story.sections] == ["Venstertijden", "Ontheffingen", "Handhaving"]
    assert [step.phase for step in steps] == list(Phase)
    by_phase = {step.phase: step for step in steps}
    assert by_phase[Phase.CONSULTATION_OPEN].actor_label == "Derde"
    assert by_phase[Phase.CONSULTATION_OPEN].changed_at == late  # read back as a point in time
    assert [section.number for section in story.sections] == [1, 2, 3]
    assert story.sections[1].body == "Een ontheffing kost 120 euro per jaar per voertuig."
    assert by_phase[Phase.CONSULTATION_CLOSED].actor_label == "Tweede"
    # B's step into "advice sent" is B's: not on A's timeline.
    assert not by_phase[Phase.DRAFT].reached and not by_phase[Phase.ADVICE_SENT].reached
    assert [step.phase.position for step in steps] == list(range(len(Phase)))


FILTER_FIELDS = """{% from "components/forms.html" import field %}
{%- from "mkb_toets/_choice_field.html" import choice_field, number_field %}
{%- for name in ('sector', 'business_park_id', 'circle_id') %}
<one>{{ field(form[name]) }}</one><two>{{ choice_field(form[name]) }}</two>{% endfor %}
{%- for name in ('min_employees', 'max_employees') %}
<one>{{ field(form[name]) }}</one><two>{{ number_field(form[name]) }}</two>{% endfor %}"""


def _normal(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"sector": "Bouw & <Co>", "circle_id": "7", "min_employees": "5", "max_employees": "50"},
        {"min_employees": "veel", "max_employees": "-3"},
    ],
)
def test_the_filter_selects_read_as_the_shared_field_macro_writes_them(app, mkb_world, data):
    a = mkb_world.a
    with tenant_scope(a.tenant), app.test_request_context(method="POST" if data else "GET", data=data):
        form = PanelFilterForm(meta={"csrf": False})
        form.sector.choices = [("", "Any sector"), ("Bouw & <Co>", "Bouw & <Co>"), ("Zorg", "Zorg")]
        form.business_park_id.choices = [("", "Any business park"), ("3", 'Park "Oost"')]
        form.circle_id.choices = [("", "Any circle"), ("7", "Kring 7"), ("8", "Kring 8")]
        if data:
            form.validate()
        html = render_template_string(FILTER_FIELDS, form=form)
    pairs = re.findall(r"<one>(.*?)</one><two>(.*?)</two>", html, flags=re.S)
    assert len(pairs) == 5
    for shared, own in pairs:
        assert _normal(shared) == _normal(own)
    if data.get("sector"):
        assert '<option selected value="Bouw &amp; &lt;Co&gt;">' in html
        assert '<option selected value="7">Kring 7</option>' in html
        assert 'name="min_employees" type="number" value="5"' in html
    if data.get("max_employees") == "-3":  # refused: the field's error shows through field()
        assert html.count('class="field-error"') == 4


class _Counted:
    """A lazily translated text that counts how often it is turned into text."""

    def __init__(self, text, calls: list):
        self.text, self.calls = text, calls

    def __str__(self):
        self.calls.append(1)
        return str(self.text)


def test_the_phase_labels_are_translated_once_per_locale_not_per_row(
    mkb_world, client, login_as, monkeypatch
):
    from flask_babel import force_locale

    from plugins.mkb_toets import models

    a, b = mkb_world.a, mkb_world.b
    for number in range(20):
        make_dossier(a.tenant, title=f"Dossier nummer {number}", phase=Phase.CONSULTATION_OPEN)
    make_dossier(b.tenant, title="Dossier van B", phase=Phase.ADVICE_SENT)
    calls: list[int] = []
    monkeypatch.setattr(models, "_TRANSLATED", {})
    monkeypatch.setattr(
        models, "PHASE_LABELS", {phase: _Counted(text, calls) for phase, text in models.PHASE_LABELS.items()}
    )
    login_as(a.member)
    for _ in range(2):
        text = client.get("/kring-a/mkb-toets/").get_data(as_text=True)
        assert text.count("Consultation open") == 20 and "Dossier van B" not in text
    assert len(calls) == len(Phase)  # the first page translated each label once; the second none
    client.post("/account/logout")
    login_as(b.member)
    text = client.get("/kring-b/mkb-toets/").get_data(as_text=True)
    assert "Advice sent" in text and "Dossier nummer" not in text
    assert len(calls) == len(Phase)
    # Each locale has its own texts, the same as translating afresh.
    with client.application.test_request_context():
        for language in ("nl", "en"):
            with force_locale(language):
                assert Phase.ADVICE_SENT.label == str(models.PHASE_LABELS[Phase.ADVICE_SENT].text)
    assert len(calls) == 2 * len(Phase)  # English was kept from the pages; Dutch translated once
