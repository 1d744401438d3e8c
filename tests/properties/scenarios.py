"""Rows the generic builder cannot make realistic: an open poll with every kind of
question and a personal answer link, a panel opt-out link. A new plugin whose
pages need such rows adds a function here with ``@scenario``."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from kringwerk.documents.models import StoredFile
from kringwerk.extensions import db
from kringwerk.members.models import ContactPerson
from kringwerk.members.panel import OPT_OUT_PURPOSE
from kringwerk.tenancy import tenant_scope
from kringwerk.tokens import services as tokens
from tests.properties.routes import scenario


@scenario
def open_poll(tenant, rows) -> dict[str, dict]:
    from plugins.polls.models import Poll, PollQuestion
    from tests.plugins.polls.conftest import make_poll
    from tests.plugins.polls.test_answering import invite

    poll_id = make_poll(tenant)
    token = invite(tenant, poll_id, "fuzz@example.com", None, None)
    with tenant_scope(tenant):
        question_id = db.session.scalar(
            select(PollQuestion.id)
            .where(PollQuestion.poll_id == poll_id)
            .order_by(PollQuestion.position.desc())
        )
        assert db.session.get(Poll, poll_id) is not None
    return {"polls.": {"poll_id": poll_id, "poll_question_id": question_id, "token": token}}


@scenario
def panel_link(tenant, rows) -> dict[str, dict]:
    with tenant_scope(tenant):
        contact_id = rows[ContactPerson]
        raw = tokens.issue(OPT_OUT_PURPOSE, contact_id)
        db.session.commit()
    return {"panel.leave": {"token": raw}}


@scenario
def stored_file(tenant, rows) -> dict[str, dict]:
    """The generic row's storage key is no key at all (file_path refuses it, as it should)."""
    with tenant_scope(tenant):
        stored = db.session.get(StoredFile, rows[StoredFile])
        stored.storage_key = uuid.uuid4().hex
        db.session.commit()
    return {}


@scenario
def open_dossier(tenant, rows) -> dict[str, dict]:
    """An MKB-toets dossier open for feedback, a panel seat and its personal link."""
    from plugins.mkb_toets.models import FEEDBACK_LINK, Dossier, PanelSeat, Phase
    from tests.plugins.mkb_toets.conftest import make_dossier

    dossier_id = make_dossier(tenant, phase=Phase.CONSULTATION_OPEN)
    with tenant_scope(tenant):
        seat = PanelSeat(dossier_id=dossier_id, contact_person_id=rows[ContactPerson])
        db.session.add(seat)
        db.session.flush()
        raw = tokens.issue(FEEDBACK_LINK, seat.id)
        section_id = db.session.get(Dossier, dossier_id).sections[0].id
        seat_id = seat.id
        db.session.commit()
    # A draft for the file's replacement, and an advice with versions for their pages.
    from plugins.mkb_toets import advice
    from plugins.mkb_toets.models import AdviceVersion

    draft_id = make_dossier(tenant, title="Concept")
    writing_id = make_dossier(tenant, title="Advies", phase=Phase.ADVICE_WRITING)
    with tenant_scope(tenant):
        advice.add_point(db.session.get(Dossier, writing_id), "Eerste punt.", actor=None)
        version_id = db.session.scalar(select(AdviceVersion.id).where(AdviceVersion.dossier_id == writing_id))
        db.session.commit()
    ids = {"dossier_id": dossier_id, "dossier_section_id": section_id, "token": raw, "panel_seat_id": seat_id}
    return {
        "mkb_toets.": ids,
        "mkb_toets.attachment": {"dossier_id": draft_id},
        "mkb_toets.advice_version": {"dossier_id": writing_id, "advice_version_id": version_id},
    }


@scenario
def park_plan(tenant, rows) -> dict[str, dict]:
    """A park's implementation plan on the generic park, with a document of its own (the
    generic stored file is shared by every generic row that holds one)."""
    import io

    from werkzeug.datastructures import FileStorage

    from kringwerk.members.models import BusinessPark
    from plugins.masterplan import parks

    with tenant_scope(tenant):
        plan = parks.start_plan(db.session.get(BusinessPark, rows[BusinessPark]), actor=None)
        upload = FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="onderzoek.pdf")
        document = parks.add_document(plan, "research", upload, actor=None)
        ids = {"park_plan_id": plan.id, "park_step_id": plan.steps[0].id, "step_document_id": document.id}
        db.session.commit()
    endpoints = ("park_plan", "edit_park_step", "add_park_document")
    endpoints += ("park_document", "replace_park_document", "delete_park_document")
    return {f"masterplan.{endpoint}": ids for endpoint in endpoints}


@scenario
def letter_link(tenant, rows) -> dict[str, dict]:
    """A signatory's personal link to the generic letter (networks)."""
    from kringwerk.networks.models import SIGN_LINK, Signatory

    with tenant_scope(tenant):
        raw = tokens.issue(SIGN_LINK, rows[Signatory])
        db.session.commit()
    return {"networks.sign_by_link": {"token": raw}, "networks.sign_by_link_pdf": {"token": raw}}


@scenario
def own_fields(tenant, rows) -> dict[str, dict]:
    """Rows whose pages show forms the generic rows hide: a public published event (its
    sign-up form), a draft dossier (its edit form), an advice being written with a point, a
    password-reset link and an open invitation."""
    from datetime import timedelta

    from kringwerk.accounts.models import AuthToken, Invitation, Role, TokenPurpose, User
    from kringwerk.extensions import utcnow
    from kringwerk.tokens.primitives import new_token
    from plugins.events.models import Audience
    from plugins.mkb_toets import advice
    from plugins.mkb_toets.models import AdvicePoint, Dossier, Phase
    from tests.plugins.events.conftest import make_event
    from tests.plugins.mkb_toets.conftest import make_dossier

    event_id = make_event(tenant, audience=Audience.PUBLIC, capacity=50)
    draft_id = make_dossier(tenant, title="Concept voor bewerken")
    writing_id = make_dossier(tenant, title="Advies in wording", phase=Phase.ADVICE_WRITING)
    reset, reset_digest = new_token()
    invited, invited_digest = new_token()
    with tenant_scope(tenant):
        advice.add_point(db.session.get(Dossier, writing_id), "Eerste punt.", actor=None)
        point_id = db.session.scalar(select(AdvicePoint.id).where(AdvicePoint.dossier_id == writing_id))
        user = User(email="vergeten@example.com", name="Vergeten Wachtwoord")
        db.session.add(
            AuthToken(
                user=user,
                purpose=TokenPurpose.PASSWORD_RESET,
                token_hash=reset_digest,
                expires_at=utcnow() + timedelta(hours=1),
            )
        )
        db.session.add(
            Invitation(
                email="uitgenodigd@example.com",
                role=Role.MEMBER,
                token_hash=invited_digest,
                expires_at=utcnow() + timedelta(days=14),
            )
        )
        db.session.commit()
    advice_ids = {"dossier_id": writing_id, "advice_point_id": point_id}
    return {
        # The page of the public event shows its sign-up and copy forms (publishing is a
        # draft's button, walked without fields).
        "events.event": {"event_id": event_id},
        "events.sign_up": {"event_id": event_id},
        "events.copy": {"event_id": event_id},
        "mkb_toets.edit": {"dossier_id": draft_id},
        "mkb_toets.advice_page": advice_ids,
        "mkb_toets.add_advice_point": advice_ids,
        "mkb_toets.edit_advice_point": advice_ids,
        "accounts.reset_password": {"token": reset},
        "accounts.invitation": {"token": invited},
    }
