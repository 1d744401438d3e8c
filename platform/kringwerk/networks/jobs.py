"""Jobs of the networks package: the chair's and a signatory's invitation mail.

Each delivers at once (``send_mail_now``) and records on its row whether the mail
went out, so the board's pages say "sent" only for a mail that left, and "could not be
sent" (with a button to try again) for one the mail server refused.
"""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.extensions import db, utcnow
from kringwerk.mail.services import MailError, send_mail_now
from kringwerk.networks.models import Letter, NetworkInvitation, Signatory
from kringwerk.tenancy.models import Tenant
from kringwerk.tenancy.routing import current_tenant

log = logging.getLogger("kringwerk.networks")


def _locale(tenant: Tenant) -> str:
    return tenant.default_locale or "nl"


def _deliver(row, to: str, subject, template: str, context: dict, key: str, locale: str) -> None:
    try:
        send_mail_now(to, subject, template, locale=locale, context=context, idempotency_key=key)
    except MailError:
        log.warning("%s mail for %s %s could not be delivered", template, type(row).__name__, row.id)
        row.mail_failed_at = utcnow()
        row.mailed_at = None
        return
    row.mailed_at = utcnow()
    row.mail_failed_at = None


def send_chair_mail(invitation_id: int, raw_token: str) -> None:
    """Mail the chair their personal link (runs in the network's scope)."""
    from kringwerk.web.urls import external_url

    network = current_tenant()
    invitation = db.session.get(NetworkInvitation, invitation_id)
    if invitation is None or invitation.accepted_at is not None:
        return
    member = invitation.affiliation.member
    _deliver(
        invitation,
        invitation.chair_email,
        _l("%(network)s invites %(member)s into its network", network=network.name, member=member.name),
        "networks/chair_invitation",
        {
            "network_name": network.name,
            "member_name": member.name,
            "chair_name": invitation.chair_name,
            "new_tenant": invitation.created_tenant,
            # Without a letter the chair accepts the invitation instead of signing.
            "has_letter": db.session.scalar(select(Letter.id).limit(1)) is not None,
            "link": external_url("networks.chair_link", token=raw_token, tenant=network.slug),
            "sender_name": network.name,
        },
        f"network-invitation:{invitation.id}:{invitation.mail_queued_at.isoformat()}",
        _locale(network),
    )
    db.session.flush()


def send_signatory_mail(signatory_id: int, raw_token: str) -> None:
    """Mail a named signatory their personal signing link (runs in the letter owner's scope)."""
    from kringwerk.web.urls import external_url

    owner = current_tenant()
    signatory = db.session.get(Signatory, signatory_id)
    if signatory is None:
        return
    letter = db.session.get(Letter, signatory.letter_id)
    _deliver(
        signatory,
        signatory.email,
        _l("%(owner)s asks you to sign “%(title)s”", owner=owner.name, title=letter.title),
        "networks/signatory_invitation",
        {
            "owner_name": owner.name,
            "title": letter.title,
            "name": signatory.name,
            "link": external_url("networks.sign_by_link", token=raw_token, tenant=owner.slug),
            "sender_name": owner.name,
        },
        f"letter-signatory:{signatory.id}:{signatory.mail_queued_at.isoformat()}",
        _locale(owner),
    )
    db.session.flush()
