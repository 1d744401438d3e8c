"""Affiliations: a regional network onboarding member associations and municipalities.

An ``Affiliation`` row belongs to the network's tenant. The network's board
invites a tenant, edits its note and can end the affiliation; the invited
tenant's board accepts or declines, and can later leave. The member side only
ever reads or changes rows whose ``member_tenant_id`` is its own tenant, and
says so with an explicit ``unscoped(...)``. Every step is recorded in the audit
trail of both tenants.

Life cycle: invited -> active (accepted) -> left (left or ended); an invitation
that is declined or withdrawn goes straight to left, without a ``joined_on``.
An invitation is mailed to the invited tenant's admins and its contact address,
linking to the page where its board accepts or declines.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from kringwerk.accounts.models import Membership, Role
from kringwerk.audit.services import record
from kringwerk.extensions import db, utcnow
from kringwerk.mail import send_mail
from kringwerk.tenancy.context import tenant_scope, unscoped
from kringwerk.tenancy.models import Affiliation, AffiliationStatus, Tenant, TenantKind

MEMBER_KINDS = (TenantKind.ASSOCIATION, TenantKind.MUNICIPALITY)
MAX_NOTE_LENGTH = 2000


class AffiliationError(ValueError):
    """An affiliation change that cannot be made; the message is for the user."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def today_in(tenant: Tenant) -> date:
    """Today's date where ``tenant`` is (joined/left dates are calendar days there)."""
    return datetime.now(ZoneInfo(tenant.timezone or "Europe/Amsterdam")).date()


def _require_network(network: Tenant) -> None:
    if network.kind != TenantKind.REGION:
        raise AffiliationError(_l("Only a regional network can have member organisations."))


def _record_both(action: str, affiliation: Affiliation, *, actor, acting: Tenant, other: Tenant, **details):
    """Record ``action`` in the acting tenant (in scope) and in the other tenant.

    The other tenant's entry is written across the wall, so it is flushed inside
    an explicit crossing.
    """
    network, member = (acting, other) if acting.id == affiliation.tenant_id else (other, acting)
    with tenant_scope(acting):
        record(action, actor=actor, target=affiliation, target_label=other.name, details=details or None)
        db.session.flush()
    with unscoped(f"affiliation {affiliation.id}: audit entry in the other tenant ({other.slug})"):
        record(
            action,
            actor=actor,
            target=affiliation,
            target_label=acting.name,
            details={**details, "network": network.slug, "member": member.slug},
            tenant=other,
        )
        db.session.flush()


# --- the network's side -----------------------------------------------------------------


def _status_order():
    """Current affiliations first, then open invitations, then past ones."""
    return case(
        (Affiliation.status == AffiliationStatus.ACTIVE, 0),
        (Affiliation.status == AffiliationStatus.INVITED, 1),
        else_=2,
    )


def network_affiliations(network: Tenant) -> Select:
    """The network's affiliations with their member tenant (one query), current first."""
    _require_network(network)
    return (
        select(Affiliation)
        .where(Affiliation.tenant_id == network.id)
        .join(Tenant, Tenant.id == Affiliation.member_tenant_id)
        .options(contains_eager(Affiliation.member))
        .order_by(_status_order(), Tenant.name, Affiliation.id)
    )


def invite_candidates(network: Tenant, query: str, *, limit: int = 20) -> list[Tenant]:
    """Associations and municipalities matching ``query`` (name or address) that
    the network may invite: not itself, not a region, not invited or active already."""
    _require_network(network)
    query = (query or "").strip().lower()
    if not query:
        return []
    taken = select(Affiliation.member_tenant_id).where(
        Affiliation.tenant_id == network.id, Affiliation.status != AffiliationStatus.LEFT
    )
    with tenant_scope(network):
        return list(
            db.session.scalars(
                select(Tenant)
                .where(
                    Tenant.kind.in_(MEMBER_KINDS),
                    Tenant.id != network.id,
                    Tenant.id.not_in(taken),
                    or_(
                        func.lower(Tenant.name).contains(query, autoescape=True),
                        Tenant.slug.contains(query, autoescape=True),
                    ),
                )
                .order_by(Tenant.name)
                .limit(limit)
            )
        )


def invite(
    network: Tenant,
    member: Tenant,
    *,
    actor,
    note: str | None = None,
    mail: bool = True,
    not_to: frozenset[str] = frozenset(),
) -> Affiliation:
    """Invite ``member`` into ``network``; a tenant that left earlier is invited again.

    ``mail=False`` sends nothing (an association made from the invitation has nobody to
    tell yet); ``not_to`` leaves out addresses that get a mail of their own (the chair).
    """
    _require_network(network)
    if member.id == network.id:
        raise AffiliationError(_l("A network cannot invite itself."), field="member")
    if member.kind not in MEMBER_KINDS:
        raise AffiliationError(
            _l("Only business associations and municipalities can join a network."), field="member"
        )
    note = clean_note(note)
    with tenant_scope(network):
        affiliation = db.session.scalar(select(Affiliation).where(Affiliation.member_tenant_id == member.id))
        if affiliation is not None and affiliation.status != AffiliationStatus.LEFT:
            raise AffiliationError(
                _l("%(name)s is already invited or a member.", name=member.name), field="member"
            )
        if affiliation is None:
            affiliation = Affiliation(member_tenant_id=member.id, member=member)
            db.session.add(affiliation)
        affiliation.status = AffiliationStatus.INVITED
        affiliation.invited_at = utcnow()
        affiliation.joined_on = None
        affiliation.left_on = None
        if note is not None:
            affiliation.note = note
        db.session.flush()
    _record_both("affiliation.invited", affiliation, actor=actor, acting=network, other=member)
    if mail:
        _mail_invitation(network, member, affiliation, not_to=not_to)
    return affiliation


def _mail_invitation(
    network: Tenant, member: Tenant, affiliation: Affiliation, *, not_to: frozenset[str] = frozenset()
) -> None:
    """Tell the invited tenant's admins and its contact address, each once, in their language.

    Sent in the member's scope (its admins and the mail's key are the member's); the
    key carries the invitation time, so inviting again after leaving mails again.
    """
    from kringwerk.web.urls import external_url

    languages = current_app.config["LANGUAGES"]
    fallback = member.default_locale if member.default_locale in languages else "nl"
    with tenant_scope(member):
        recipients: dict[str, str] = {}
        for membership in db.session.scalars(select(Membership).where(Membership.role == Role.ADMIN)):
            user = membership.user
            locale = user.preferred_locale if user.preferred_locale in languages else fallback
            recipients.setdefault(user.email.strip().lower(), locale)
        if member.contact_email:
            recipients.setdefault(member.contact_email.strip().lower(), fallback)
        link = external_url("tenants.networks", tenant=member.slug)
        for address, locale in recipients.items():
            if address in not_to:
                continue
            send_mail(
                address,
                _l(
                    "%(network)s invites %(member)s into its network",
                    network=network.name,
                    member=member.name,
                ),
                "tenants/affiliation_invited",
                locale=locale,
                context={
                    "network_name": network.name,
                    "member_name": member.name,
                    "link": link,
                    "sender_name": network.name,
                },
                idempotency_key=f"affiliation-invited:{affiliation.id}:{affiliation.invited_at.isoformat()}:{address}",
            )


def clean_note(note: str | None) -> str | None:
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise AffiliationError(_l("Use at most %(max)s characters.", max=MAX_NOTE_LENGTH), field="note")
    return note or None


def update_note(network: Tenant, affiliation: Affiliation, note: str | None, *, actor) -> Affiliation:
    """Change the network's own note on an affiliation (the member does not see it)."""
    _require_own(network, affiliation)
    note = clean_note(note)
    if note != affiliation.note:
        with tenant_scope(network):
            affiliation.note = note
            record(
                "affiliation.updated",
                actor=actor,
                target=affiliation,
                target_label=affiliation.member.name,
                details={"fields": ["note"]},
            )
            db.session.flush()
    return affiliation


def end_affiliation(network: Tenant, affiliation: Affiliation, *, actor) -> Affiliation:
    """The network ends a membership, or withdraws an open invitation."""
    _require_own(network, affiliation)
    if affiliation.status == AffiliationStatus.LEFT:
        raise AffiliationError(_l("This affiliation has already ended."))
    was = affiliation.status
    with tenant_scope(network):
        affiliation.status = AffiliationStatus.LEFT
        affiliation.left_on = today_in(network)
        db.session.flush()
    _record_both(
        "affiliation.ended",
        affiliation,
        actor=actor,
        acting=network,
        other=affiliation.member,
        previous_status=str(was),
    )
    return affiliation


def _require_own(network: Tenant, affiliation: Affiliation) -> None:
    if affiliation.tenant_id != network.id:
        # Reached only by a caller that skipped the scoped lookup; never reveal the row.
        raise AffiliationError(_l("This affiliation does not exist."))


# --- the member's side -------------------------------------------------------------------


def member_affiliations(member: Tenant) -> list[Affiliation]:
    """Every affiliation of ``member`` in any network, with the network loaded."""
    with unscoped(f"tenant {member.slug} reads its own affiliations in the networks' tenants"):
        return list(
            db.session.scalars(
                select(Affiliation)
                .where(Affiliation.member_tenant_id == member.id)
                .join(Tenant, Tenant.id == Affiliation.tenant_id)
                .options(contains_eager(Affiliation.network))
                .order_by(_status_order(), Tenant.name, Affiliation.id)
            )
        )


def member_affiliation(member: Tenant, affiliation_id: int) -> Affiliation | None:
    """One of ``member``'s own affiliations by id, or None (also for anyone else's)."""
    with unscoped(f"tenant {member.slug} looks up its own affiliation {affiliation_id}"):
        return db.session.scalar(
            select(Affiliation)
            .where(Affiliation.id == affiliation_id, Affiliation.member_tenant_id == member.id)
            .options(joinedload(Affiliation.network))
        )


def _member_change(member: Tenant, affiliation: Affiliation, expected: AffiliationStatus) -> None:
    if affiliation.member_tenant_id != member.id:
        raise AffiliationError(_l("This affiliation does not exist."))
    if affiliation.status != expected:
        raise AffiliationError(
            {
                AffiliationStatus.INVITED: _l("This invitation is no longer open."),
                AffiliationStatus.ACTIVE: _l("You are not a member of this network (any more)."),
            }[expected]
        )


def accept(member: Tenant, affiliation: Affiliation, *, actor) -> Affiliation:
    """The invited tenant joins the network today."""
    _member_change(member, affiliation, AffiliationStatus.INVITED)
    with unscoped(f"tenant {member.slug} accepts its invitation {affiliation.id}"):
        affiliation.status = AffiliationStatus.ACTIVE
        affiliation.joined_on = today_in(member)
        affiliation.left_on = None
        db.session.flush()
    _record_both("affiliation.accepted", affiliation, actor=actor, acting=member, other=affiliation.network)
    return affiliation


def decline(member: Tenant, affiliation: Affiliation, *, actor) -> Affiliation:
    """The invited tenant says no; the network may invite it again later."""
    _member_change(member, affiliation, AffiliationStatus.INVITED)
    with unscoped(f"tenant {member.slug} declines its invitation {affiliation.id}"):
        affiliation.status = AffiliationStatus.LEFT
        affiliation.left_on = today_in(member)
        db.session.flush()
    _record_both("affiliation.declined", affiliation, actor=actor, acting=member, other=affiliation.network)
    return affiliation


def leave(member: Tenant, affiliation: Affiliation, *, actor) -> Affiliation:
    """The member tenant leaves the network today."""
    _member_change(member, affiliation, AffiliationStatus.ACTIVE)
    with unscoped(f"tenant {member.slug} leaves network affiliation {affiliation.id}"):
        affiliation.status = AffiliationStatus.LEFT
        affiliation.left_on = today_in(member)
        db.session.flush()
    _record_both("affiliation.left", affiliation, actor=actor, acting=member, other=affiliation.network)
    return affiliation


def status_label(affiliation: Affiliation) -> str:
    """The status as people say it: a row that left without ever joining was declined or withdrawn."""
    if affiliation.status == AffiliationStatus.LEFT and affiliation.joined_on is None:
        return str(_l("Not joined"))
    return affiliation.status.label
