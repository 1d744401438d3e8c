"""A network's board invites an association by e-mail to its chair.

Either an existing association (the affiliation invitation of ``tenants.affiliations``,
its board is told as before) or a new association made from the invitation (name,
address, municipality; the chair is its contact). The chair gets a personal link
(``networks.chair``, a token of the network): opening it, they create their account
or sign in with the invited address; for an association made from the invitation they
then become its board member (admin). For an existing association the link only leads
its board members on: a network cannot hand itself a seat on another tenant's board.

The chair's mail goes out through a job after the commit (``jobs.send_chair_mail``),
which records whether it went out (``mailed_at``) or failed (``mail_failed_at``); the
pages show exactly that, never "sent" for a mail still waiting or refused.
Services flush; the caller commits.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from kringwerk.accounts.models import Membership, Role, User
from kringwerk.accounts.people import add_membership
from kringwerk.accounts.services import AccountError, create_user, find_user, validate_password
from kringwerk.audit.services import record
from kringwerk.extensions import db, utcnow
from kringwerk.jobs import enqueue
from kringwerk.networks.models import CHAIR_LINK, NetworkInvitation
from kringwerk.tenancy.context import tenant_scope
from kringwerk.tenancy.models import Affiliation, AffiliationStatus, Tenant, TenantKind
from kringwerk.tenants import affiliations
from kringwerk.tenants import services as tenant_services
from kringwerk.tokens import services as tokens

MAX_NAME = 200
# The chair's link lives a month; the board can send a new one.
CHAIR_LINK_TTL = timedelta(days=30)


class InvitationError(ValueError):
    """An invitation that cannot be made or used; ``field`` names the form field."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _clean_chair(name: str | None, email: str | None) -> tuple[str, str]:
    name = " ".join((name or "").split())
    if not name:
        raise InvitationError(_l("Enter the chair's name."), field="chair_name")
    if len(name) > MAX_NAME:
        raise InvitationError(_l("Use at most %(max)s characters.", max=MAX_NAME), field="chair_name")
    try:
        email = tenant_services.clean_contact_email(email)
    except tenant_services.TenantError as error:
        raise InvitationError(error.message, field="chair_email") from None
    if not email:
        raise InvitationError(_l("Enter the chair's e-mail address."), field="chair_email")
    return name, email.lower()


def invite_existing(
    network: Tenant, member: Tenant, *, chair_name: str, chair_email: str, note: str | None = None, actor
) -> NetworkInvitation:
    """Invite an existing association; its board hears as before, the chair by personal link."""
    chair_name, chair_email = _clean_chair(chair_name, chair_email)
    try:
        affiliation = affiliations.invite(
            network, member, actor=actor, note=note, not_to=frozenset({chair_email})
        )
    except affiliations.AffiliationError as error:
        raise InvitationError(error.message, field=error.field) from None
    return _invitation(network, affiliation, chair_name, chair_email, created=False, actor=actor)


def invite_new(
    network: Tenant,
    *,
    name: str,
    slug: str,
    municipality: str | None,
    chair_name: str,
    chair_email: str,
    actor,
) -> NetworkInvitation:
    """Make a new association from the invitation and invite its chair to run it."""
    if network.kind != TenantKind.REGION:
        raise InvitationError(_l("Only a regional network can have member organisations."))
    chair_name, chair_email = _clean_chair(chair_name, chair_email)
    try:
        member = tenant_services.create_tenant(
            slug,
            name,
            TenantKind.ASSOCIATION,
            actor=actor,
            municipality=municipality,
            contact_name=chair_name,
            contact_email=chair_email,
            default_locale=network.default_locale,
            timezone=network.timezone,
        )
        affiliation = affiliations.invite(network, member, actor=actor, mail=False)
    except tenant_services.TenantError as error:
        raise InvitationError(error.message, field=error.field) from None
    except affiliations.AffiliationError as error:
        raise InvitationError(error.message, field=error.field) from None
    return _invitation(network, affiliation, chair_name, chair_email, created=True, actor=actor)


def _invitation(network, affiliation, chair_name, chair_email, *, created: bool, actor) -> NetworkInvitation:
    with tenant_scope(network):
        invitation = NetworkInvitation(
            affiliation_id=affiliation.id,
            chair_name=chair_name,
            chair_email=chair_email,
            created_tenant=created,
            invited_by_id=getattr(actor, "id", None),
        )
        db.session.add(invitation)
        db.session.flush()
        record(
            "network_invitation.created",
            actor=actor,
            target=invitation,
            target_label=chair_email,
            details={"member": affiliation.member.slug, "new_tenant": created},
        )
        queue_mail(network, invitation)
        db.session.flush()
    return invitation


def queue_mail(network: Tenant, invitation: NetworkInvitation) -> None:
    """A fresh link (older ones stop working) and the chair's mail, sent after the commit."""
    from kringwerk.networks.jobs import send_chair_mail

    with tenant_scope(network):
        tokens.revoke(CHAIR_LINK, invitation.id)
        raw = tokens.issue(CHAIR_LINK, invitation.id, ttl=CHAIR_LINK_TTL)
        invitation.mail_queued_at = utcnow()
        invitation.mailed_at = None
        invitation.mail_failed_at = None
        db.session.flush()
        enqueue(send_chair_mail, invitation.id, raw, tenant=network)


def resend(network: Tenant, invitation: NetworkInvitation, *, actor) -> None:
    """Send the chair a new link, while the invitation is open."""
    if invitation.accepted_at is not None or invitation.affiliation.status != AffiliationStatus.INVITED:
        raise InvitationError(_l("This invitation is no longer open."))
    with tenant_scope(network):
        queue_mail(network, invitation)
        record(
            "network_invitation.resent", actor=actor, target=invitation, target_label=invitation.chair_email
        )
        db.session.flush()


def invitations_by_affiliation(network: Tenant) -> dict[int, NetworkInvitation]:
    """The newest chair invitation of each of the network's affiliations (in the network's scope)."""
    found: dict[int, NetworkInvitation] = {}
    with tenant_scope(network):
        for invitation in db.session.scalars(select(NetworkInvitation).order_by(NetworkInvitation.id)):
            found[invitation.affiliation_id] = invitation
    return found


def mail_state(invitation: NetworkInvitation) -> str:
    """``sent``, ``failed`` or ``queued``: what the board is told about the chair's mail."""
    if invitation.mailed_at is not None:
        return "sent"
    if invitation.mail_failed_at is not None:
        return "failed"
    return "queued"


# --- the chair's link ---------------------------------------------------------------------------


def resolve_link(raw: str) -> NetworkInvitation | None:
    """The open invitation behind a chair's link, in the network in scope; None otherwise."""
    token = tokens.resolve(CHAIR_LINK, raw)
    if token is None:
        return None
    invitation = db.session.get(NetworkInvitation, token.subject_id)
    if invitation is None or invitation.accepted_at is not None:
        return None
    affiliation = invitation.affiliation
    if affiliation.status == AffiliationStatus.LEFT:
        return None
    # A link from an earlier round (withdrawn, then invited again) stays dead.
    if invitation.created_at < affiliation.invited_at:
        return None
    return invitation


def link_state(invitation: NetworkInvitation, user) -> str:
    """``register`` (no account yet), ``sign_in``, ``join`` (signed in as the chair) or ``other_user``."""
    existing = find_user(invitation.chair_email)
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    if signed_in:
        return "join" if existing is not None and user.id == existing.id else "other_user"
    return "sign_in" if existing is not None else "register"


def accept(
    network: Tenant,
    invitation: NetworkInvitation,
    raw: str,
    *,
    user: User | None = None,
    name: str | None = None,
    password: str | None = None,
    locale: str | None = None,
) -> tuple[User, Tenant]:
    """The chair takes up the invitation: with their account (``user``, the invited
    address) or a new one (``name``, optional ``password``). For an association made from
    the invitation they become its board member. Returns the account and the association."""
    affiliation: Affiliation = invitation.affiliation
    member = affiliation.member
    if user is None:
        if find_user(invitation.chair_email) is not None:
            raise InvitationError(
                _l("There is already an account for this e-mail address. Sign in to accept.")
            )
        name = " ".join((name or "").split())
        if not name:
            raise InvitationError(_l("Enter your name."), field="name")
        if password:
            try:
                validate_password(password)
            except AccountError as error:
                raise InvitationError(error.message, field="password") from None
    elif user.email.lower() != invitation.chair_email:
        raise InvitationError(
            _l("This invitation is for %(email)s. Sign in with that address.", email=invitation.chair_email)
        )
    with tenant_scope(network):
        now = utcnow()
        # Claim the invitation: of two clicks at once, one takes it.
        claimed = db.session.execute(
            update(NetworkInvitation)
            .where(NetworkInvitation.id == invitation.id, NetworkInvitation.accepted_at.is_(None))
            .values(accepted_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            raise InvitationError(_l("This invitation has been used already."))
        if user is None:
            user = create_user(invitation.chair_email, name, password=password or None, locale=locale)
            db.session.flush()
        invitation.accepted_at = now
        invitation.accepted_by_id = user.id
        token = tokens.resolve(CHAIR_LINK, raw)
        if token is not None:
            tokens.mark_used(token)
        record(
            "network_invitation.accepted", actor=user, target=invitation, target_label=invitation.chair_email
        )
        db.session.flush()
    with tenant_scope(member):
        is_admin = (
            db.session.scalar(
                select(Membership.id).where(Membership.user_id == user.id, Membership.role == Role.ADMIN)
            )
            is not None
        )
        if invitation.created_tenant and not is_admin:
            add_membership(member, user, Role.ADMIN)
            record(
                "member.joined",
                actor=user,
                target=member,
                target_label=user.email,
                details={"role": Role.ADMIN.value, "network": network.slug},
            )
            db.session.flush()
        elif not invitation.created_tenant and not is_admin:
            raise InvitationError(
                _l(
                    "Only a board member of %(name)s can take up this invitation. Ask its board to add you first.",
                    name=member.name,
                )
            )
        user.last_login_at = now
        db.session.flush()
    return user, member
