"""Forms of the implementation plans per park. They only carry what was typed: the
rules live in ``plugins.masterplan.parks``, and a refusal lands next to its field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from plugins.masterplan.models import StepKind, StepState


def _choices(enum_) -> list[SelectChoice]:
    return [SelectChoice(member.value, member.label) for member in enum_]


class StepForm(FlaskForm):
    owner_id = SelectField(_l("Owner"), choices=[], validate_choice=False)
    starts_on = StringField(
        _l("Starts on"), render_kw={"type": "date"}, validators=[Optional(), Length(max=10)]
    )
    due_on = StringField(_l("Due on"), render_kw={"type": "date"}, validators=[Optional(), Length(max=10)])
    state = SelectField(_l("State"), choices=_choices(StepState), validate_choice=False)
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])
    version = HiddenField()


class DocumentForm(FlaskForm):
    step = SelectField(_l("Step"), choices=_choices(StepKind), validate_choice=False)
    file = FileField(_l("Document (PDF, Word or an image, at most 8 MB)"))


class ReplaceForm(FlaskForm):
    file = FileField(_l("New file (PDF, Word or an image, at most 8 MB)"))
