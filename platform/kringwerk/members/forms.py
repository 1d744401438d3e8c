"""Forms for companies, contact persons, business parks, circles, themes, the
directory filters and the CSV upload.

The rules on values (KvK number, postcode, website, e-mail) live in
``services``; the form validators call the same functions so a form shows
every problem at once, next to its field.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup, escape
from wtforms import (
    EmailField,
    Form,
    IntegerField,
    SearchField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from kringwerk.members import directory, groupings, services


def _service_check(normaliser):
    """A WTForms validator that runs a ``services`` normaliser and shows its message."""

    def validator(form, field):
        try:
            normaliser(field.data)
        except services.MembersError as error:
            raise ValidationError(str(error.message)) from None

    return validator


class ChoiceField(SelectField):
    """A select whose wrong values get a message a person understands."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_choice_message", _l("Choose one of the options in the list."))
        kwargs.setdefault("invalid_value_message", _l("Choose one of the options in the list."))
        super().__init__(*args, **kwargs)


class QuickSelect(widgets.Select):
    """WTForms' ``<select>``, the same markup, with each plain option written by one
    format instead of ``html_params`` (a sort and an escape per attribute): the
    directory filter renders some thirty options on every page (issue 15).
    Multiple selects, option groups and options with their own attributes are
    left to WTForms."""

    def __call__(self, field, **kwargs):
        if self.multiple or field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        for flag in self.validation_attrs:
            if flag not in kwargs and getattr(field.flags, flag, False):
                kwargs[flag] = getattr(field.flags, flag)
        html = [f"<select {widgets.html_params(name=field.name, **kwargs)}>"]
        for choice in field.iter_choices():
            if choice.render_kw or not isinstance(choice.value, str):
                html.append(self.render_option(choice))
            else:
                # html_params' order: "selected" sorts before "value".
                selected = "selected " if choice.selected else ""
                html.append(
                    f'<option {selected}value="{escape(choice.value)}">{escape(choice.label or choice.value)}</option>'
                )
        html.append("</select>")
        return Markup("".join(html))


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes; templates render it as a fieldset."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("invalid_choice_message", _l("Choose from the options shown."))
        kwargs.setdefault("invalid_value_message", _l("Choose from the options shown."))
        super().__init__(*args, **kwargs)


def choices(items, label=lambda item: item.name) -> list[SelectChoice]:
    return [SelectChoice(str(item.id), label(item)) for item in items]


def pairs(options) -> list[SelectChoice]:
    """Choices from (id, name) pairs, as ``choices`` makes them from objects."""
    return [SelectChoice(str(id_), name) for id_, name in options]


def optional_id(value: str | None) -> int | None:
    """Select values: "" means none; anything else must be a whole number."""
    if value in (None, "", "None"):
        return None
    return int(value)


class CompanyForm(FlaskForm):
    name = StringField(
        _l("Company name"),
        validators=[DataRequired(message=_l("Enter the company name.")), Length(max=200)],
    )
    kvk_number = StringField(
        _l("KvK number"),
        validators=[Optional(), _service_check(services.normalise_kvk)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    sector = StringField(_l("Sector"), validators=[Optional(), Length(max=120)])
    employees = IntegerField(
        _l("Number of employees"),
        validators=[
            Optional(),
            NumberRange(
                min=0,
                max=services.MAX_EMPLOYEES,
                message=_l("Enter the number of employees as a whole number, 0 or more."),
            ),
        ],
        invalid_value_message=_l("Enter the number of employees as a whole number, 0 or more."),
        render_kw={"min": 0, "step": 1, "inputmode": "numeric"},
    )
    street = StringField(_l("Street and number"), validators=[Optional(), Length(max=200)])
    postcode = StringField(
        _l("Postcode"),
        validators=[Optional(), _service_check(services.normalise_postcode)],
        render_kw={"autocomplete": "postal-code"},
    )
    city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    website = StringField(
        _l("Website"),
        validators=[Optional(), Length(max=300), _service_check(services.normalise_website)],
        render_kw={"inputmode": "url"},
    )
    email = EmailField(
        _l("E-mail address"),
        validators=[Optional(), Length(max=254), _service_check(services.normalise_email)],
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)], render_kw={"type": "tel"})
    business_park_id = ChoiceField(_l("Business park"), coerce=optional_id)
    circle_ids = CheckboxesField(_l("Circles"))
    theme_ids = CheckboxesField(_l("Themes of interest"))

    def company_values(self) -> dict:
        return {name: self[name].data for name in services.COMPANY_FIELDS}


class ContactForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Enter the name of the contact person.")), Length(max=200)],
    )
    job_title = StringField(_l("Job title"), validators=[Optional(), Length(max=120)])
    email = EmailField(
        _l("E-mail address"),
        validators=[Optional(), Length(max=254), _service_check(services.normalise_email)],
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)], render_kw={"type": "tel"})

    def values(self) -> dict:
        return {name: self[name].data for name in services.CONTACT_FIELDS}


class ParkForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter a name.")), Length(max=200)])
    municipality = StringField(_l("Municipality"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])

    def values(self) -> dict:
        return {name: self[name].data for name in ("name", "municipality", "description")}


class CircleForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter a name.")), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])

    def values(self) -> dict:
        return {name: self[name].data for name in ("name", "description")}


class ThemeForm(FlaskForm):
    name_nl = StringField(
        _l("Name (Dutch)"),
        validators=[DataRequired(message=_l("Enter the Dutch name.")), Length(max=120)],
    )
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=120)])
    description_nl = TextAreaField(_l("Description (Dutch)"), validators=[Optional(), Length(max=5000)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Optional(), Length(max=5000)])

    def values(self) -> dict:
        return {name: self[name].data for name in groupings.THEME_FIELDS}


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(message=_l("Choose a CSV file to upload."))],
        render_kw={"accept": ".csv,text/csv"},
    )


class DirectoryFilterForm(Form):
    """The directory's filters: a plain GET form, so links and the back button keep them."""

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=200)])
    park = ChoiceField(_l("Business park"), coerce=optional_id, widget=QuickSelect())
    circle = ChoiceField(_l("Circle"), coerce=optional_id, widget=QuickSelect())
    sector = ChoiceField(_l("Sector"), default="", widget=QuickSelect())
    theme = ChoiceField(_l("Theme"), coerce=optional_id, widget=QuickSelect())

    def filters(self) -> directory.DirectoryFilters:
        """The valid filters; a field with an error does not filter."""

        def ok(name):
            field = self[name]
            return None if field.errors else field.data

        return directory.DirectoryFilters(
            q=(ok("q") or "").strip(),
            park_id=ok("park"),
            circle_id=ok("circle"),
            sector=ok("sector") or None,
            theme_id=ok("theme"),
        )

    def arguments(self) -> dict:
        """Query arguments that reproduce the current filters (for pagination and export)."""
        filters = self.filters()
        values = {
            "q": filters.q,
            "park": filters.park_id,
            "circle": filters.circle_id,
            "sector": filters.sector,
            "theme": filters.theme_id,
        }
        return {key: value for key, value in values.items() if value}
