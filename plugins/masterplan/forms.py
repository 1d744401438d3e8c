"""Forms of the masterplans plugin. They only carry what was typed: the rules live
in the services, and a refusal there lands next to its field (``show``). Editing
forms carry the version the item had when the form was opened."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from plugins.masterplan.models import Funding, ItemKind, PlanStatus, ProjectStatus, Scope

LONG = 20000


def _choices(enum_, empty=None):
    options = [SelectChoice(member.value, member.label) for member in enum_]
    return ([SelectChoice("", empty)] if empty is not None else []) + options


def choices(rows, label, *, empty: bool = True) -> list[SelectChoice]:
    """Choices from rows (by id), with an empty first choice unless ``empty`` is False."""
    options = [SelectChoice(str(row.id), label(row)) for row in rows]
    return ([SelectChoice("", "–")] if empty else []) + options


class PlanForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=200)])
    scope = SelectField(_l("The plan is for"), choices=_choices(Scope), validate_choice=False)
    circle_id = SelectField(_l("Circle"), choices=[], validate_choice=False)
    business_park_id = SelectField(_l("Business park"), choices=[], validate_choice=False)
    ambition = TextAreaField(_l("Ambition"), validators=[Optional(), Length(max=LONG)])
    status = SelectField(_l("Status"), choices=_choices(PlanStatus), validate_choice=False)
    owners = StringField(_l("Owners"), validators=[Optional(), Length(max=500)])
    version = HiddenField()


class ItemForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=_choices(ItemKind), validate_choice=False)
    text = TextAreaField(_l("Your wish or challenge"), validators=[Length(max=2000)])


class SituationForm(FlaskForm):
    current_situation = TextAreaField(_l("Current situation"), validators=[Optional(), Length(max=LONG)])
    version = HiddenField()


class ProjectForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=LONG)])
    theme_id = SelectField(_l("Theme"), choices=[], validate_choice=False)
    owner_company_id = SelectField(_l("Owning company"), choices=[], validate_choice=False)
    owner_contact_id = SelectField(_l("Owner (person)"), choices=[], validate_choice=False)
    partners = StringField(_l("Partners"), validators=[Optional(), Length(max=500)])
    budget = StringField(_l("Estimated budget (euros)"), validators=[Optional(), Length(max=30)])
    funding = SelectField(
        _l("Funding"), choices=_choices(Funding, empty=_l("Not known yet")), validate_choice=False
    )
    funding_name = StringField(_l("Name of the subsidy"), validators=[Optional(), Length(max=200)])
    status = SelectField(_l("Status"), choices=_choices(ProjectStatus), validate_choice=False)
    starts_on = StringField(
        _l("Starts on"), render_kw={"type": "date"}, validators=[Optional(), Length(max=10)]
    )
    ends_on = StringField(_l("Ends on"), render_kw={"type": "date"}, validators=[Optional(), Length(max=10)])
    milestones = TextAreaField(_l("Milestones"), validators=[Optional(), Length(max=LONG)])
    version = HiddenField()

    def milestone_lines(self) -> list[tuple[str, str]]:
        """ "2026-06-01 Aanbesteding" per line -> [(title, date text)]; the service checks the dates."""
        lines = []
        for line in (self.milestones.data or "").splitlines():
            line = line.strip()
            if not line:
                continue
            due, _, title = line.partition(" ")
            lines.append((title.strip() or line, due))
        return lines


class GoalForm(FlaskForm):
    title = StringField(_l("Goal"), validators=[Length(max=200)])
    theme_id = SelectField(_l("Theme"), choices=[], validate_choice=False)
    unit = StringField(_l("Unit"), validators=[Length(max=60)])
    baseline = StringField(_l("Baseline"), validators=[Length(max=30)])
    target = StringField(_l("Target value"), validators=[Length(max=30)])
    deadline = StringField(_l("Deadline"), render_kw={"type": "date"}, validators=[Length(max=10)])
    version = HiddenField()


class MeasurementForm(FlaskForm):
    measured_on = StringField(_l("Date"), render_kw={"type": "date"}, validators=[Length(max=10)])
    value = StringField(_l("Value"), validators=[Length(max=30)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class RoundForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=200)])
    opens_on = StringField(_l("Opens on"), render_kw={"type": "date"}, validators=[Length(max=10)])
    closes_on = StringField(_l("Closes on"), render_kw={"type": "date"}, validators=[Length(max=10)])
    points_per_member = StringField(_l("Points per member"), validators=[Length(max=6)])
    # Filled by the view from the theme_interest hook; the service asks the source again.
    seed_source = SelectField(_l("Starting order"), choices=[], validate_choice=False)


def show(form, errors: dict) -> None:
    """Put a service's refusal next to its field (milestone errors go to the milestones box)."""
    for key, message in errors.items():
        name = "milestones" if key.startswith("milestone_") else key
        if name and name in form:
            form[name].errors = [*form[name].errors, str(message)]
        else:
            form.form_errors.append(str(message))
