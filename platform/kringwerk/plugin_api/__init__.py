"""The one door from a plugin to the core: everything a plugin may use.

Plugins import ``from kringwerk.plugin_api import ...`` and nothing else of
``kringwerk`` (an import-linter contract in pyproject.toml checks it, and so
does ``tests/plugin_api``). The core itself never imports this module: it is
a list of re-exports, so the core's own modules stay free to move while this
surface stays put. docs/architecture.md gives one line per name.
"""

from kringwerk.accounts.models import Role, User
from kringwerk.accounts.people import people_query as memberships
from kringwerk.accounts.permissions import MANAGERS, current_membership, has_role, require_member
from kringwerk.accounts.ratelimit import rate_limit
from kringwerk.audit.services import record
from kringwerk.billing.guard import plugin_read_only
from kringwerk.billing.payments import PaymentError, money_text, payment_currency, start_payment
from kringwerk.billing.stripe_client import billing_enabled
from kringwerk.documents.forms import AcceptedUpload
from kringwerk.documents.models import StoredFile
from kringwerk.documents.pdf import render_document_pdf, render_pdf
from kringwerk.documents.responses import send_document
from kringwerk.documents.services import UploadError, check_upload, delete_file, store_upload
from kringwerk.documents.spreadsheets import csv_bytes, formula_safe
from kringwerk.documents.structure import Document, DocumentTable, Paragraph, Points, Section
from kringwerk.documents.views import file_url
from kringwerk.documents.word import render_docx
from kringwerk.extensions import db, utcnow
from kringwerk.jobs.dispatch import enqueue
from kringwerk.jobs.services import fail_task, finish_task, get_task, report_progress, start_task
from kringwerk.mail.services import MailError, delivery_key, send_mail, send_mail_now, was_sent
from kringwerk.mail.services import attachment as mail_attachment
from kringwerk.members.directory import sectors as company_sectors
from kringwerk.members.models import (
    BusinessPark,
    Circle,
    Company,
    ContactPerson,
    PanelMember,
    Theme,
    company_circles,
)
from kringwerk.members.panel import active_contact_ids as panel_members_among
from kringwerk.members.panel import opt_out_url as panel_opt_out_url
from kringwerk.members.panel import panel_contact_ids, panel_contacts
from kringwerk.members.themes import active_themes
from kringwerk.operator.usage import UsageFigure
from kringwerk.pluginhost.access import public
from kringwerk.pluginhost.gating import all_hooks, collect, hooks, is_enabled
from kringwerk.pluginhost.hookspecs import hookimpl
from kringwerk.pluginhost.manifest import (
    AdminSection,
    Attendance,
    CooperationMatch,
    DashboardCard,
    DemoContribution,
    FollowUpOffer,
    LinkableEvent,
    NavItem,
    PeriodicJob,
    Plugin,
    PublicLink,
    SettingsForm,
    ThemeActivity,
    ThemeInterest,
    WaitingItem,
)
from kringwerk.pluginhost.services import plugin_settings, update_plugin_settings
from kringwerk.sqltypes import UTCDateTime, json_type
from kringwerk.tenancy.cache import remember
from kringwerk.tenancy.context import current_tenant_id, tenant_scope, unscoped
from kringwerk.tenancy.models import Tenant, TenantScoped, str_enum, tenant_fk
from kringwerk.tenancy.routing import current_tenant
from kringwerk.tenants.network import (
    MemberFigures,
    NetworkAccess,
    NetworkFigure,
    member_networks,
    network_access,
    network_figures,
    peer_access,
    require_member_or_network,
)
from kringwerk.tenants.network import active_members as network_members
from kringwerk.tokens.models import PersonalToken
from kringwerk.tokens.primitives import hash_token
from kringwerk.tokens.services import delete_tokens
from kringwerk.tokens.services import issue as issue_token
from kringwerk.tokens.services import mark_used as mark_token_used
from kringwerk.tokens.services import resolve as resolve_token
from kringwerk.tokens.services import revoke as revoke_tokens
from kringwerk.upsert import upsert
from kringwerk.web.fragments import remembered_html
from kringwerk.web.htmx import is_htmx, page_or_block, render_block, wants_fragment
from kringwerk.web.i18n import chosen_language
from kringwerk.web.pagination import paginate
from kringwerk.web.safety import int_arg
from kringwerk.web.urls import external_url

__all__ = [
    # the plugin's manifest and what its hooks return
    "Plugin",
    "hookimpl",
    "NavItem",
    "AdminSection",
    "PublicLink",
    "SettingsForm",
    "DashboardCard",
    "ThemeActivity",
    "PeriodicJob",
    "CooperationMatch",
    "FollowUpOffer",
    "Attendance",
    "DemoContribution",
    "WaitingItem",
    "ThemeInterest",
    "LinkableEvent",
    "UsageFigure",
    # hooks of other plugins
    "hooks",
    "all_hooks",
    "collect",
    "is_enabled",
    "public",
    "plugin_settings",
    "update_plugin_settings",
    # payments
    "billing_enabled",
    "plugin_read_only",
    "start_payment",
    "PaymentError",
    "payment_currency",
    "money_text",
    # data and the tenant wall
    "db",
    "utcnow",
    "upsert",
    "UTCDateTime",
    "json_type",
    "str_enum",
    "TenantScoped",
    "tenant_fk",
    "tenant_scope",
    "unscoped",
    "current_tenant",
    "current_tenant_id",
    "remember",
    # core models a plugin may reference
    "Tenant",
    "User",
    "Role",
    "Company",
    "ContactPerson",
    "BusinessPark",
    "Circle",
    "Theme",
    "company_circles",
    "company_sectors",
    "active_themes",
    # the entrepreneurs' panel
    "PanelMember",
    "panel_contacts",
    "panel_contact_ids",
    "panel_members_among",
    "panel_opt_out_url",
    # permissions
    "require_member",
    "has_role",
    "current_membership",
    "MANAGERS",
    "memberships",
    "rate_limit",
    # the network scope
    "require_member_or_network",
    "network_access",
    "peer_access",
    "network_members",
    "member_networks",
    "NetworkAccess",
    "network_figures",
    "MemberFigures",
    "NetworkFigure",
    # audit, jobs, mail
    "record",
    "enqueue",
    "start_task",
    "report_progress",
    "finish_task",
    "fail_task",
    "get_task",
    "send_mail",
    "send_mail_now",
    "mail_attachment",
    "MailError",
    "delivery_key",
    "was_sent",
    # personal links
    "PersonalToken",
    "issue_token",
    "resolve_token",
    "revoke_tokens",
    "mark_token_used",
    "delete_tokens",
    "hash_token",
    # documents and uploaded files
    "Document",
    "Section",
    "Paragraph",
    "Points",
    "DocumentTable",
    "render_pdf",
    "render_document_pdf",
    "render_docx",
    "send_document",
    "StoredFile",
    "store_upload",
    "check_upload",
    "delete_file",
    "UploadError",
    "AcceptedUpload",
    "file_url",
    "csv_bytes",
    "formula_safe",
    # pages
    "page_or_block",
    "render_block",
    "wants_fragment",
    "remembered_html",
    "is_htmx",
    "paginate",
    "int_arg",
    "external_url",
    "chosen_language",
]
