"""Property tests of the MKB-toets forms: whatever an official or a panel member (or a
fuzzer) types, the new-dossier form answers 303 or 422 (400 for control characters,
the core's refusal) and the feedback by link 200/303 or 422, never a server error; a
stored burden is never negative nor beyond its bound, and nothing lands in tenant B."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.mkb_toets.models import MAX_EUROS, MAX_HOURS, Dossier, Feedback, PanelSeat, Phase
from tests.plugins.mkb_toets.conftest import make_dossier
from tests.plugins.mkb_toets.test_services import link_for

TEXT = st.text(max_size=300)
NUMBER = st.one_of(st.integers(min_value=-(10**7), max_value=10**13).map(str), TEXT, st.just(""))
DAY = st.one_of(
    st.dates().map(lambda day: day.isoformat()), st.sampled_from(["", "31-12-2027", "morgen"]), TEXT
)
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(
    form=st.fixed_dictionaries(
        {
            "title": TEXT,
            "policy_area": TEXT,
            "problem": TEXT,
            "sections": TEXT,
            "contact_email": st.one_of(TEXT, st.just("gerda@gemeente.test")),
            "closes_on": DAY,
            "answer_due_on": DAY,
        }
    )
)
def test_the_dossier_form_never_breaks(mkb_world, login_as, form):
    client = login_as(mkb_world.a.official)
    response = client.post("/kring-a/mkb-toets/new", data=form)
    assert response.status_code in (303, 400, 422), response.status_code
    with tenant_scope(mkb_world.a.tenant):
        for dossier in db.session.scalars(select(Dossier)):
            assert dossier.title.strip() and dossier.phase == Phase.DRAFT
    with tenant_scope(mkb_world.b.tenant):
        assert db.session.scalars(select(Dossier)).all() == []


@SETTINGS
@given(
    form=st.fixed_dictionaries(
        {
            "verdict": st.one_of(st.sampled_from(["workable", "with_changes", "not_workable", ""]), TEXT),
            "hours_once": NUMBER,
            "hours_yearly": NUMBER,
            "euros_once": NUMBER,
            "euros_yearly": NUMBER,
            "business_kinds": st.lists(st.one_of(st.sampled_from(["retail", "small"]), TEXT), max_size=3),
            "alternative": TEXT,
            "comment": TEXT,
        }
    )
)
def test_feedback_by_link_never_breaks_nor_stores_a_bad_burden(mkb_world, client, form):
    a = mkb_world.a
    with tenant_scope(a.tenant):
        seat = db.session.scalar(select(PanelSeat))
    if seat is None:
        dossier_id = make_dossier(a.tenant, phase=Phase.CONSULTATION_OPEN)
        with tenant_scope(a.tenant):
            db.session.add(
                PanelSeat(dossier_id=dossier_id, contact_person_id=mkb_world.contact_ids["Anna Alpha"])
            )
            db.session.commit()
            seat = db.session.scalar(select(PanelSeat))
    with tenant_scope(a.tenant):
        seat_id = seat.id
        section_id = db.session.get(Dossier, seat.dossier_id).sections[0].id
    token = link_for(a.tenant, seat_id)
    response = client.post(f"/kring-a/mkb-toets/feedback/{token}/section/{section_id}", data=form)
    assert response.status_code in (303, 400, 422), response.status_code
    with tenant_scope(a.tenant):
        for row in db.session.scalars(select(Feedback)):
            for value, top in (
                (row.hours_once, MAX_HOURS),
                (row.hours_yearly, MAX_HOURS),
                (row.euros_once, MAX_EUROS),
                (row.euros_yearly, MAX_EUROS),
            ):
                assert value is None or 0 <= value <= top
    with tenant_scope(mkb_world.b.tenant):
        assert db.session.scalars(select(Feedback)).all() == []
