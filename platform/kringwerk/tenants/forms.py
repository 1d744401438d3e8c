"""Forms for a tenant's settings and its network affiliations.

Field checks call the same cleaners the services use (``tenants.services``),
so the form shows every problem at once next to its field, and the service
still refuses bad values when called without a form.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    EmailField,
    Form,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from kringwerk.tenants import services
from kringwerk.tenants.affiliations import MAX_NOTE_LENGTH

LANGUAGE_CHOICES = [SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")]


def checked_by(cleaner):
    """A WTForms validator running a service cleaner; its TenantError becomes the field's error."""

    def validator(form, field) -> None:
        try:
            cleaner(field.data)
        except services.TenantError as error:
            raise ValidationError(str(error.message)) from None

    return validator


class TenantSettingsForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=200), checked_by(services.clean_name)]
    )
    municipality = StringField(
        _l("Municipality"),
        validators=[Optional(), Length(max=200)],
        description=_l("Where the organisation works; its networks list it by this."),
    )
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=200)])
    contact_email = EmailField(
        _l("Contact e-mail address"),
        validators=[Optional(), Length(max=254), checked_by(services.clean_contact_email)],
    )
    contact_phone = TelField(
        _l("Phone number"), validators=[Optional(), Length(max=40), checked_by(services.clean_contact_phone)]
    )
    website = StringField(
        _l("Website"), validators=[Optional(), Length(max=300), checked_by(services.clean_website)]
    )
    default_locale = SelectField(_l("Default language"), choices=LANGUAGE_CHOICES)
    timezone = StringField(
        _l("Time zone"), validators=[DataRequired(), Length(max=64), checked_by(services.clean_timezone)]
    )
    brand_colour = StringField(
        _l("Brand colour"),
        validators=[DataRequired(), Length(max=7), checked_by(services.clean_brand_colour)],
    )

    logo = FileField(
        _l("Logo"),
        description=_l("PNG, JPEG or WebP, at most 1 MB. Leave empty to keep the current logo."),
    )

    def validate_logo(self, field) -> None:
        upload = field.data
        if not upload or not getattr(upload, "filename", None):
            return
        try:
            services.read_logo(upload.stream, upload.filename)
        except services.TenantError as error:
            raise ValidationError(str(error.message)) from None
        finally:
            upload.stream.seek(0)

    def changes(self) -> dict:
        return {name: self[name].data for name in services.SETTINGS_FIELDS}

    def uploaded_logo(self):
        upload = self.logo.data
        return upload if upload and getattr(upload, "filename", None) else None


class AffiliationSearchForm(Form):
    """The search for tenants to invite (GET, no CSRF token)."""

    q = SearchField(_l("Search by name or address"), validators=[Optional(), Length(max=200)])


class NoteForm(FlaskForm):
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=MAX_NOTE_LENGTH)],
        description=_l("Only your network's board sees this note."),
    )
