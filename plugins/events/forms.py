"""Forms of the events plugin: an event (organisers) and a sign-up (members and guests).

Times are typed in Europe/Amsterdam wall-clock time and handed to the services
as aware datetimes (stored in UTC). The rules live in ``services``; a refusal
there lands next to its field.
"""

from __future__ import annotations

from babel.numbers import get_currency_symbol
from flask_babel import format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import URL, DataRequired, Email, Length, NumberRange, Optional

from kringwerk.plugin_api import billing_enabled, payment_currency
from plugins.events.models import Audience
from plugins.events.services import to_utc

MAX_QUESTIONS = 10


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("invalid_choice_message", _l("Choose from the options shown."))
        super().__init__(*args, **kwargs)


def currency_symbol() -> str:
    """The symbol of the currency Checkout charges in, as the reader writes it ("€")."""
    return get_currency_symbol(payment_currency(), locale=get_locale() or "nl")


def plain_amount(typed: str) -> str:
    """An amount as typed in either language ("12,50", "1.250,00", "1,250.00", "12.5") as a
    plain decimal ("12.50"). A last comma or dot with one or two digits after it is the
    decimal sign; every other comma or dot groups thousands."""
    text = "".join(typed.split())
    last = max(text.rfind(","), text.rfind("."))
    if last >= 0 and len(text) - last - 1 in (1, 2):
        whole, cents = text[:last], text[last + 1 :]
        return whole.replace(",", "").replace(".", "") + "." + cents
    return text.replace(",", "").replace(".", "")


class MoneyField(DecimalField):
    """An amount as the reader types and reads it: "12,50" on a Dutch page, "12.50" in English.
    A text box (a number box refuses a decimal comma in many browsers)."""

    widget = widgets.TextInput()

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0]:
            valuelist = [plain_amount(valuelist[0])]
        super().process_formdata(valuelist)

    def _value(self):
        if self.raw_data is not None or self.data is None:
            return super()._value()
        return format_decimal(self.data, "0.00")


class EventForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    starts_at = DateTimeLocalField(
        _l("Starts"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("Give a date and time."))]
    )
    ends_at = DateTimeLocalField(
        _l("Ends"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("Give a date and time."))]
    )
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=300)])
    online_url = StringField(
        _l("Online link"),
        validators=[
            Optional(),
            Length(max=500),
            URL(message=_l("Give a web address starting with https://.")),
        ],
    )
    organiser = StringField(_l("Organiser"), validators=[Optional(), Length(max=200)])
    partners = StringField(_l("Partner organisations"), validators=[Optional(), Length(max=500)])
    capacity = IntegerField(
        _l("Number of seats"),
        validators=[
            Optional(),
            NumberRange(min=1, max=100000, message=_l("Give a number from 1 to 100,000.")),
        ],
    )
    price = MoneyField(
        _l("Price per seat"),
        places=2,
        validators=[
            Optional(),
            NumberRange(min=0, max=10000, message=_l("Give an amount from 0 to 10,000.")),
        ],
    )
    signup_deadline = DateTimeLocalField(
        _l("Sign-up deadline"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    audience = SelectField(
        _l("Open to"),
        choices=[SelectChoice(audience.value, audience.label) for audience in Audience],
        default=Audience.MEMBERS.value,
    )
    themes = CheckboxesField(_l("Themes"), choices=[])
    questions = TextAreaField(
        _l("Extra sign-up questions"),
        validators=[Optional(), Length(max=2000)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if billing_enabled():
            # Checkout charges in the plans' currency; the label names it ("Price per seat (€)").
            self.price.label.text = _l("Price per seat (%(currency)s)", currency=currency_symbol())
        self.price.render_kw = {"inputmode": "decimal"}

    def validate_questions(self, field):
        if len(question_lines(field.data)) > MAX_QUESTIONS:
            from wtforms.validators import ValidationError

            raise ValidationError(_l("At most %(count)s questions.", count=MAX_QUESTIONS))

    def values(self) -> dict:
        """What the services take: aware UTC times, the audience, the questions as a list."""
        return {
            "title": self.title.data.strip(),
            "description": (self.description.data or "").strip() or None,
            "starts_at": to_utc(self.starts_at.data),
            "ends_at": to_utc(self.ends_at.data),
            "venue": (self.venue.data or "").strip() or None,
            "online_url": (self.online_url.data or "").strip() or None,
            "organiser": (self.organiser.data or "").strip() or None,
            "partners": (self.partners.data or "").strip() or None,
            "capacity": self.capacity.data,
            # Cents; empty or 0 is a free event (a price counts only where billing is on).
            "price_cents": int(self.price.data * 100) if self.price.data else None,
            "signup_deadline": to_utc(self.signup_deadline.data) if self.signup_deadline.data else None,
            "audience": Audience(self.audience.data),
            # Keys are given by the services (``questions.keyed``), kept across edits.
            "questions": [{"label": label} for label in question_lines(self.questions.data)],
        }


def question_lines(text: str | None) -> list[str]:
    """One question per line; blank lines do not count."""
    return [line.strip()[:200] for line in (text or "").splitlines() if line.strip()]


class SignupForm(FlaskForm):
    """A signed-in person's sign-up: only the event's extra questions (added per event)."""


class GuestForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), Email(message=_l("Give a valid e-mail address.")), Length(max=254)],
    )
    company = StringField(_l("Company"), validators=[Optional(), Length(max=200)])


def with_questions(form_class, questions: list[dict]):
    """The form class plus a text field per extra question of the event (the class itself
    for an event without questions: no new class per request)."""
    if not questions:
        return form_class

    class Form(form_class):
        pass

    for question in questions or []:
        setattr(
            Form,
            question["key"],
            StringField(question["label"], validators=[Optional(), Length(max=500)]),
        )
    return Form


def answers_of(form, questions: list[dict]) -> dict:
    return {q["key"]: (form[q["key"]].data or "").strip() for q in questions or [] if q["key"] in form}


class MessageForm(FlaskForm):
    """An organiser's e-mail to the people signed up."""

    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=150)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=5000)])
    to_waiting = BooleanField(_l("Also to the people on the waiting list"))
