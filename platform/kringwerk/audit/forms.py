"""Filters of the audit log pages (GET forms, so no CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Form, SearchField
from wtforms.validators import Length, Optional


class AuditFilterForm(Form):
    action = SearchField(_l("Action"), validators=[Optional(), Length(max=80)])
    actor = SearchField(_l("By (e-mail)"), validators=[Optional(), Length(max=254)])


class PlatformAuditFilterForm(AuditFilterForm):
    tenant = SearchField(_l("Tenant"), validators=[Optional(), Length(max=200)])
