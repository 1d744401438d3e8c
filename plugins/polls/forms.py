"""Forms of the poll builder: a poll's settings and one question.

The rules live in ``services``; these forms only read what was typed, so a
service's message lands next to its field. Times are typed in the local time
of the platform (Europe/Amsterdam, ``BABEL_DEFAULT_TIMEZONE``) and handed to
the service as aware datetimes, which stores them in UTC.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from plugins.polls.models import QuestionKind, ResponseUnit


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Amsterdam")


def optional_int(value) -> int | None:
    """Select values: "" means none; anything else must be a whole number."""
    if value in (None, "", "None"):
        return None
    return int(value)


class ChoiceField(SelectField):
    """A select whose wrong values get a message a person understands."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_choice_message", _l("Choose one of the options in the list."))
        kwargs.setdefault("invalid_value_message", _l("Choose one of the options in the list."))
        super().__init__(*args, **kwargs)


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("invalid_choice_message", _l("Choose from the options shown."))
        kwargs.setdefault("invalid_value_message", _l("Choose from the options shown."))
        super().__init__(*args, **kwargs)


def _local_datetime(label):
    return DateTimeLocalField(
        label,
        validators=[DataRequired(message=_l("Enter a date and time."))],
        # First format: what the datetime-local control shows and sends.
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        tz=local_zone,
    )


class PollForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(message=_l("Enter a title.")),
            Length(max=200),
            # The title is a mail subject: one line.
            Regexp(r"[^\r\n]*\Z", message=_l("Write the title on one line.")),
        ],
    )
    introduction = TextAreaField(_l("Introduction"), validators=[Optional(), Length(max=10_000)])
    language = ChoiceField(
        _l("Language of the poll"),
        choices=[SelectChoice("nl", _l("Dutch")), SelectChoice("en", _l("English"))],
        default="nl",
    )
    opens_at = _local_datetime(_l("Opens at"))
    closes_at = _local_datetime(_l("Closes at"))
    response_unit = ChoiceField(
        _l("Who responds"),
        choices=[SelectChoice(unit.value, unit.label) for unit in ResponseUnit],
        default=ResponseUnit.COMPANY.value,
    )
    anonymous = BooleanField(_l("Anonymous: store responses without a link to the company or person"))
    names_to_members = BooleanField(_l("Show members which company gave an open answer"))
    match_threshold = IntegerField(
        _l("Companies needed for a cooperation match"),
        validators=[
            Optional(),
            NumberRange(
                min=1, max=1000, message=_l("Enter a whole number from 1 to 1000, or leave it empty.")
            ),
        ],
        invalid_value_message=_l("Enter a whole number from 1 to 1000, or leave it empty."),
        render_kw={"min": 1, "max": 1000, "step": 1, "inputmode": "numeric"},
    )

    def values(self) -> dict:
        return {
            "title": self.title.data,
            "introduction": self.introduction.data,
            "language": self.language.data,
            "opens_at": self.opens_at.data,
            "closes_at": self.closes_at.data,
            "response_unit": self.response_unit.data,
            "anonymous": self.anonymous.data,
            "names_to_members": self.names_to_members.data,
            "match_threshold": self.match_threshold.data,
        }


class QuestionForm(FlaskForm):
    """Every field of every kind: the service reads those of the chosen kind."""

    kind = ChoiceField(
        _l("Type"),
        choices=[SelectChoice(kind.value, kind.label) for kind in QuestionKind],
        default=QuestionKind.SINGLE_CHOICE.value,
    )
    text = TextAreaField(
        _l("Question or heading"),
        validators=[DataRequired(message=_l("Enter the question.")), Length(max=500)],
        render_kw={"rows": 2},
    )
    help_text = TextAreaField(
        _l("Help text"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 2}
    )
    required = BooleanField(_l("An answer is required"))
    options = TextAreaField(
        _l("Options, one per line"),
        validators=[Optional(), Length(max=20_000)],
        render_kw={"rows": 4},
    )
    theme_ids = CheckboxesField(_l("Themes"))
    min_choices = IntegerField(
        _l("At least this many choices"),
        validators=[Optional()],
        invalid_value_message=_l("Enter a whole number."),
        render_kw={"min": 0, "step": 1, "inputmode": "numeric"},
    )
    max_choices = IntegerField(
        _l("At most this many choices"),
        validators=[Optional()],
        invalid_value_message=_l("Enter a whole number."),
        render_kw={"min": 0, "step": 1, "inputmode": "numeric"},
    )
    scale = ChoiceField(
        _l("Scale"),
        choices=[SelectChoice("1-5", _l("1 to 5")), SelectChoice("0-10", _l("0 to 10"))],
        default="1-5",
    )
    low_label = StringField(_l("Label of the lowest value"), validators=[Optional(), Length(max=100)])
    high_label = StringField(_l("Label of the highest value"), validators=[Optional(), Length(max=100)])
    min_value = StringField(
        _l("Lowest number allowed"),
        validators=[Optional(), Length(max=30)],
        render_kw={"inputmode": "decimal"},
    )
    max_value = StringField(
        _l("Highest number allowed"),
        validators=[Optional(), Length(max=30)],
        render_kw={"inputmode": "decimal"},
    )
    condition_option_id = ChoiceField(_l("Show only when an earlier answer is"), coerce=optional_int)

    def set_choices(self, themes, conditions) -> None:
        """``themes``: Theme rows; ``conditions``: (option id, label) of earlier choice questions."""
        self.theme_ids.choices = [SelectChoice(theme.id, theme.name) for theme in themes]
        self.condition_option_id.choices = [
            SelectChoice("", _l("Always show")),
            *(SelectChoice(i, label) for i, label in conditions),
        ]

    def fill(self, question) -> None:
        """Show a stored question (on GET)."""
        settings = question.settings or {}
        self.kind.data = question.kind.value
        self.text.data = question.text
        self.help_text.data = question.help_text
        self.required.data = question.required
        if question.kind == QuestionKind.THEME_INTEREST:
            self.theme_ids.data = [option.theme_id for option in question.options]
        else:
            self.options.data = "\n".join(option.label for option in question.options)
        self.min_choices.data = settings.get("min_choices")
        self.max_choices.data = settings.get("max_choices")
        self.scale.data = settings.get("scale", "1-5")
        self.low_label.data = settings.get("low_label")
        self.high_label.data = settings.get("high_label")
        for name in ("min_value", "max_value"):
            value = settings.get(name)
            self[name].data = "" if value is None else str(value)
        self.condition_option_id.data = question.condition_option_id

    def values(self) -> dict:
        kind = self.kind.data
        values = {
            "text": self.text.data,
            "help_text": self.help_text.data,
            "required": self.required.data,
            "condition_option_id": self.condition_option_id.data,
        }
        # Only the fields of the chosen kind: a question of another kind keeps no stray values.
        if kind == QuestionKind.THEME_INTEREST:
            values["theme_ids"] = self.theme_ids.data or []
        elif kind in (
            QuestionKind.SINGLE_CHOICE,
            QuestionKind.MULTIPLE_CHOICE,
            QuestionKind.RANKING,
            QuestionKind.POINTS,
        ):
            values["options"] = self.options.data or ""
        values["settings"] = {
            "min_choices": self.min_choices.data,
            "max_choices": self.max_choices.data,
            "scale": self.scale.data,
            "low_label": self.low_label.data,
            "high_label": self.high_label.data,
            "min_value": (self.min_value.data or "").strip().replace(",", "."),
            "max_value": (self.max_value.data or "").strip().replace(",", "."),
        }
        return values
