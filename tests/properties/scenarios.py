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
from tests.properties.routes import AS, PAGE, QUERY, scenario


def admin_of(tenant):
    from kringwerk.accounts.models import Membership, Role, User

    with tenant_scope(tenant):
        return db.session.scalar(
            select(User).join(Membership, Membership.user_id == User.id).where(Membership.role == Role.ADMIN)
        )


def own_contact(tenant, rows) -> tuple[int, int, str]:
    """A contact person of the generic company linked to tenant A's admin, with an e-mail
    address: their own panel status (panel.index), a candidate for the panel (panel.add),
    and a person a poll can invite. Returns its id, company id and e-mail address."""
    with tenant_scope(tenant):
        contact = db.session.scalar(select(ContactPerson).where(ContactPerson.email == "eigen@example.com"))
        if contact is None:
            company_id = db.session.get(ContactPerson, rows[ContactPerson]).company_id
            contact = ContactPerson(
                company_id=company_id,
                name="Eigen Contactpersoon",
                email="eigen@example.com",
                user_id=admin_of(tenant).id,
            )
            db.session.add(contact)
            db.session.flush()
        found = contact.id, contact.company_id, contact.email
        db.session.commit()
    return found


@scenario
def open_poll(tenant, rows) -> dict[str, dict]:
    from plugins.polls.models import Poll, PollQuestion
    from tests.plugins.polls.conftest import make_poll
    from tests.plugins.polls.test_answering import invite

    poll_id = make_poll(tenant)
    token = invite(tenant, poll_id, "fuzz@example.com", None, None)
    # The admin is invited too, through a contact person of their own: their home then shows
    # the poll's "Answer" button (polls.my_answer).
    contact_id, company_id, email = own_contact(tenant, rows)
    invite(tenant, poll_id, email, company_id, contact_id)
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


@scenario
def own_panel_status(tenant, rows) -> dict[str, dict]:
    """The admin's own contact person: the panel page shows its join button, the add page
    lists it as a candidate."""
    own_contact(tenant, rows)
    return {}


@scenario
def plugin_settings(tenant, rows) -> dict[str, dict]:
    """The settings form of the first plugin that has one (the generic key has none)."""
    from kringwerk.pluginhost.services import settings_forms

    with tenant_scope(tenant):
        keys = [spec.plugin for spec in settings_forms(tenant) if spec.form is not None]
    return {"plugin_settings.edit": {"key": keys[0]}} if keys else {}


@scenario
def masterplan_links_and_round(tenant, rows) -> dict[str, dict]:
    """A second goal and project in the generic plan (the generic ones are linked to each
    other, so neither page offers a choice), and a priority round open today."""
    from datetime import date, timedelta

    from plugins.masterplan.models import Goal, Masterplan, PriorityRound, Project

    today = date.today()
    with tenant_scope(tenant):
        goal = db.session.get(Goal, rows[Goal])
        project = db.session.get(Project, rows[Project])
        plan_id = rows[Masterplan]
        db.session.add(
            Goal(
                masterplan_id=plan_id,
                title="Tweede doel",
                unit=goal.unit,
                baseline=0,
                target=10,
                deadline=today + timedelta(days=365),
            )
        )
        db.session.add(Project(masterplan_id=plan_id, theme_id=project.theme_id, title="Tweede project"))
        # One day either side: the round is open whatever the time zone's date is.
        round_ = PriorityRound(
            masterplan_id=plan_id,
            title="Open ronde",
            opens_on=today - timedelta(days=1),
            closes_on=today + timedelta(days=7),
        )
        db.session.add(round_)
        db.session.flush()
        round_id = round_.id
        db.session.commit()
    return {"masterplan.round": {"priority_round_id": round_id}}


@scenario
def sent_advice(tenant, rows) -> dict[str, dict]:
    """An advice sent to the municipality: its official answers each point on the advice page."""
    from kringwerk.accounts.models import Role
    from plugins.mkb_toets import advice, phases
    from plugins.mkb_toets.models import AdvicePoint, Dossier, Phase
    from tests.plugins.mkb_toets.conftest import make_dossier

    admin = admin_of(tenant)
    dossier_id = make_dossier(tenant, title="Advies verstuurd", phase=Phase.ADVICE_WRITING)
    with tenant_scope(tenant):
        dossier = db.session.get(Dossier, dossier_id)
        advice.add_point(dossier, "Venstertijden tot 12 uur.", actor=admin)
        phases.advance(dossier, Phase.ADVICE_SENT, actor=admin, role=Role.ADMIN)
        point_id = db.session.scalar(select(AdvicePoint.id).where(AdvicePoint.dossier_id == dossier_id))
        db.session.commit()
    return {
        "mkb_toets.answer_advice_point": {
            "dossier_id": dossier_id,
            "advice_point_id": point_id,
            AS: "official",
            PAGE: "mkb_toets.advice_page",
        }
    }


@scenario
def regional_network(tenant, rows) -> dict[str, dict]:
    """A regional network whose board includes tenant A's admin, with tenant A as an active
    member: the network's pages (its members, inviting, a chair's link) are walked there, and
    A's goals can count toward the network's goal.

    Each form gets a member of its own, so that one route's accepted input does not close
    another's: an association to invite (never tenant B, whose rows must stay untouched),
    one to end the affiliation with, one whose chair has an open personal link.
    """
    from datetime import date, timedelta

    from kringwerk.accounts.models import Role
    from kringwerk.accounts.people import add_membership
    from kringwerk.networks import invitations
    from kringwerk.networks.models import CHAIR_LINK
    from kringwerk.pluginhost.services import enable_plugin
    from kringwerk.tenants import affiliations
    from kringwerk.tenants.services import create_tenant
    from plugins.masterplan.models import Goal, Masterplan

    admin = admin_of(tenant)
    region = create_tenant("walk-regio", "Regio van de walk", "region", default_locale="en")
    candidate = create_tenant("walk-kandidaat", "Kring Kandidaat", "association")
    leaving = create_tenant("walk-vertrek", "Kring Vertrek", "association")
    invited = create_tenant("walk-genodigd", "Kring Genodigd", "association")
    db.session.flush()
    with tenant_scope(region):
        add_membership(region, admin, Role.ADMIN)
        db.session.flush()
    enable_plugin(region, "masterplan")
    affiliation_ids = {}
    for member in (tenant, leaving):
        affiliation = affiliations.invite(region, member, actor=admin)
        affiliation_ids[member.slug] = affiliation.id
        affiliations.accept(member, affiliation, actor=None)
    chair = invitations.invite_existing(
        region,
        invited,
        chair_name="Nieuwe Voorzitter",
        chair_email="voorzitter@genodigd.example",
        actor=admin,
    )
    with tenant_scope(tenant):
        unit = db.session.get(Goal, rows[Goal]).unit
    with tenant_scope(region):
        plan = Masterplan(title="Plan van de regio")
        db.session.add(plan)
        db.session.flush()
        db.session.add(
            Goal(
                masterplan_id=plan.id,
                title="Doel van de regio",
                unit=unit,
                baseline=0,
                target=100,
                deadline=date.today() + timedelta(days=365),
            )
        )
        # The mailed link's token is in the mail job; the walk gets a link of its own.
        raw = tokens.issue(CHAIR_LINK, chair.id)
        db.session.commit()
    network = {"tenant": region.slug}
    return {
        "tenants.affiliations": network,
        "tenants.affiliation_note": {**network, "affiliation_id": affiliation_ids[tenant.slug]},
        "tenants.end_affiliation": {**network, "affiliation_id": affiliation_ids[leaving.slug]},
        "tenants.invite": network,
        "networks.invite_existing": {**network, QUERY: {"member": candidate.id}},
        "networks.invite_new": network,
        "networks.chair_link": {**network, "token": raw},
    }
