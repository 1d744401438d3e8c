"""Forms of the operator console: the tenant filter, the new-tenant form, and the
reasons given when suspending or reactivating a tenant."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, Form, SearchField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from kringwerk.operator.suspension import REASON_MAX
from kringwerk.tenancy.models import TenantKind
from kringwerk.tenants.forms import LANGUAGE_CHOICES, checked_by
from kringwerk.tenants.services import clean_timezone


def kind_choices(empty_label=None) -> list[SelectChoice]:
    choices = [SelectChoice(kind.value, kind.label) for kind in TenantKind]
    return [SelectChoice("", str(empty_label)), *choices] if empty_label is not None else choices


class TenantFilterForm(Form):
    """Search and filter of the tenant list (GET, no CSRF token)."""

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Kind"), validators=[Optional()], validate_choice=True)
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("", _l("All statuses")),
            SelectChoice("active", _l("Active")),
            SelectChoice("suspended", _l("Suspended")),
        ],
        validators=[Optional()],
        validate_choice=True,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices(_l("All kinds"))


class NewTenantForm(FlaskForm):
    slug = StringField(
        _l("Web address"),
        validators=[DataRequired(), Length(max=63)],
        description=_l("Lowercase letters, digits and hyphens; the tenant's pages live at /address/."),
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    default_locale = SelectField(_l("Default language"), choices=LANGUAGE_CHOICES, default="nl")
    timezone = StringField(
        _l("Time zone"),
        default="Europe/Amsterdam",
        validators=[DataRequired(), Length(max=64), checked_by(clean_timezone)],
    )
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=200)])
    contact_email = EmailField(
        _l("Contact e-mail address"), validators=[Optional(), Email(), Length(max=254)]
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices()

    def attributes(self) -> dict:
        """The optional settings, for ``create_tenant(..., **attributes)``."""
        return {
            "default_locale": self.default_locale.data,
            "timezone": self.timezone.data,
            "contact_name": self.contact_name.data or None,
            "contact_email": self.contact_email.data or None,
        }


class SuspendForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(_l("Give the reason for the suspension.")), Length(max=REASON_MAX)],
        description=_l("Recorded in the tenant's audit trail and shown to its board on every page."),
    )


class ReactivateForm(FlaskForm):
    note = TextAreaField(
        _l("Note (optional)"),
        validators=[Optional(), Length(max=REASON_MAX)],
        description=_l("Recorded in the tenant's audit trail with the reason of the suspension."),
    )
