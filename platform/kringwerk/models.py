"""Every core model, imported in one place so the metadata is complete for
``create_all``, Alembic and the isolation tests. Plugins add theirs through
their manifest's ``models``."""

from kringwerk.accounts.models import AuthToken, Invitation, Membership, Role, User
from kringwerk.audit.models import AuditEntry
from kringwerk.billing.models import BillingAccount, StripeEvent
from kringwerk.documents.models import StoredFile
from kringwerk.jobs.models import BackgroundTask
from kringwerk.mail.models import SentMail
from kringwerk.members.models import BusinessPark, Circle, Company, ContactPerson, PanelMember, Theme
from kringwerk.networks.models import (
    DirectorySharing,
    Letter,
    LetterVersion,
    NetworkInvitation,
    Signatory,
    Signature,
)
from kringwerk.pluginhost.models import TenantPlugin
from kringwerk.tenancy.cache import CacheStamp
from kringwerk.tenancy.models import Affiliation, Tenant, TenantScoped
from kringwerk.tokens.models import PersonalToken

__all__ = [
    "Affiliation",
    "AuditEntry",
    "AuthToken",
    "BackgroundTask",
    "BillingAccount",
    "BusinessPark",
    "CacheStamp",
    "Circle",
    "Company",
    "ContactPerson",
    "DirectorySharing",
    "Invitation",
    "Letter",
    "LetterVersion",
    "Membership",
    "NetworkInvitation",
    "PanelMember",
    "PersonalToken",
    "Role",
    "SentMail",
    "Signatory",
    "Signature",
    "StoredFile",
    "StripeEvent",
    "Tenant",
    "TenantPlugin",
    "TenantScoped",
    "Theme",
    "User",
]
