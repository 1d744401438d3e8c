"""Forms of the MKB-toets plugin: opening a dossier (municipality or board) and
composing its panel by filter. Dates are typed as days in Europe/Amsterdam; a
consultation closes at the end of its day. The rules live in the services."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from kringwerk.plugin_api import AcceptedUpload

LOCAL = ZoneInfo("Europe/Amsterdam")
# The draft as sent by the municipality: a PDF or a Word file.
DRAFT_TYPES = ("pdf", "docx")
# Below the request limit (MAX_CONTENT_LENGTH, 10 MB), so an oversized file gets the form's message.
MAX_DRAFT_BYTES = 8 * 1024 * 1024
LONG = 10_000


def end_of_day(day) -> datetime | None:
    """23:59:59 of ``day`` in Dutch time, in UTC."""
    if day is None:
        return None
    return datetime.combine(day, time(23, 59, 59), tzinfo=LOCAL).astimezone(UTC)


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("invalid_choice_message", _l("Choose from the options shown."))
        super().__init__(*args, **kwargs)


class DossierForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    policy_area = StringField(_l("Policy area"), validators=[Optional(), Length(max=200)])
    themes = CheckboxesField(_l("Themes"), choices=[])
    problem = TextAreaField(_l("The problem, in plain language"), validators=[Optional(), Length(max=LONG)])
    proposal = TextAreaField(_l("The proposed solution"), validators=[Optional(), Length(max=LONG)])
    affected = TextAreaField(_l("Who is affected"), validators=[Optional(), Length(max=LONG)])
    expected_effect = TextAreaField(_l("Expected effect"), validators=[Optional(), Length(max=LONG)])
    sections = TextAreaField(
        _l("The draft, section by section"), validators=[Optional(), Length(max=200_000)]
    )
    attachment = FileField(
        _l("The draft as a file (PDF or Word)"),
        validators=[AcceptedUpload(allowed=DRAFT_TYPES, max_bytes=MAX_DRAFT_BYTES)],
    )
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=200)])
    contact_email = EmailField(
        _l("Contact person's e-mail"), validators=[Optional(), Email(), Length(max=254)]
    )
    closes_on = DateField(_l("Consultation closes on"), validators=[Optional()])
    answer_due_on = DateField(_l("Municipality's answer due on"), validators=[Optional()])


class PanelFilterForm(FlaskForm):
    sector = SelectField(_l("Sector"), choices=[], validate_choice=False, validators=[Optional()])
    business_park_id = SelectField(_l("Business park"), choices=[], coerce=str, validate_choice=False)
    circle_id = SelectField(_l("Circle"), choices=[], coerce=str, validate_choice=False)
    min_employees = IntegerField(
        _l("At least this many staff"), validators=[Optional(), NumberRange(min=0, max=1_000_000)]
    )
    max_employees = IntegerField(
        _l("At most this many staff"), validators=[Optional(), NumberRange(min=0, max=1_000_000)]
    )


class AttachmentForm(FlaskForm):
    """Replacing the draft's file while the dossier is a draft."""

    attachment = FileField(
        _l("The draft as a file (PDF or Word)"),
        validators=[
            FileRequired(_l("Choose a PDF or Word file.")),
            AcceptedUpload(allowed=DRAFT_TYPES, max_bytes=MAX_DRAFT_BYTES),
        ],
    )
