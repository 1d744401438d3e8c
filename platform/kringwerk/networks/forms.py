"""Forms of the networks package: inviting a chair, a new association, a letter's text,
a signature, a named signatory, and an association's directory sharing.

The services check every value again (``InvitationError``/``LetterError`` name their
field); the forms give the first messages next to the fields.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from kringwerk.networks.letters import MAX_LINE, MAX_TEXT, MAX_TITLE
from kringwerk.tenants.affiliations import MAX_NOTE_LENGTH


def _chair_fields():
    name = StringField(
        _l("Chair's name"),
        validators=[DataRequired(message=_l("Enter the chair's name.")), Length(max=200)],
    )
    email = EmailField(
        _l("Chair's e-mail address"),
        validators=[
            DataRequired(message=_l("Enter the chair's e-mail address.")),
            Email(message=_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
        description=_l("The chair receives the invitation with a personal link."),
    )
    return name, email


class ChairInviteForm(FlaskForm):
    chair_name, chair_email = _chair_fields()
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=MAX_NOTE_LENGTH)])


class NewAssociationForm(FlaskForm):
    name = StringField(
        _l("Name of the association"), validators=[DataRequired(message=_l("Enter a name.")), Length(max=200)]
    )
    slug = StringField(
        _l("Address on Kringwerk"),
        validators=[DataRequired(message=_l("Enter an address.")), Length(max=63)],
        description=_l("Lowercase letters, digits and hyphens, such as ondernemers-zutphen."),
    )
    municipality = StringField(_l("Municipality"), validators=[Optional(), Length(max=200)])
    chair_name, chair_email = _chair_fields()


class LetterForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(message=_l("Enter a title.")), Length(max=MAX_TITLE)]
    )
    text = TextAreaField(
        _l("Text"),
        validators=[DataRequired(message=_l("Enter the text of the letter.")), Length(max=MAX_TEXT)],
        description=_l("Separate paragraphs with an empty line. Every change is kept as a new version."),
        render_kw={"rows": 16},
    )
    based_on = HiddenField()


class SignForm(FlaskForm):
    full_name = StringField(
        _l("Full name"), validators=[DataRequired(message=_l("Type your full name.")), Length(max=MAX_LINE)]
    )
    function = StringField(
        _l("Function"),
        validators=[DataRequired(message=_l("Enter your function.")), Length(max=MAX_LINE)],
        description=_l("Such as chair, or alderman for economic affairs."),
    )
    organisation = StringField(
        _l("Organisation"),
        validators=[DataRequired(message=_l("Enter the organisation you sign for.")), Length(max=MAX_LINE)],
    )
    signed_on = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date of signing."))])
    version = HiddenField()
    agree = BooleanField(
        _l("I have read this version of the letter and sign it."),
        validators=[DataRequired(message=_l("Confirm that you have read the letter and sign it."))],
    )


class SignatoryForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(message=_l("Enter the name.")), Length(max=MAX_LINE)]
    )
    function = StringField(
        _l("Function"),
        validators=[
            DataRequired(message=_l("Enter the function, such as alderman for economic affairs.")),
            Length(max=MAX_LINE),
        ],
    )
    organisation = StringField(
        _l("Organisation"),
        validators=[Optional(), Length(max=MAX_LINE)],
        description=_l("Such as Gemeente Lochem."),
    )
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(message=_l("Enter a valid e-mail address.")),
            Email(message=_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
        description=_l("They receive a personal link to read and sign the letter."),
    )


class SharingForm(FlaskForm):
    shared = BooleanField(
        _l("Share our member directory with our regional networks"),
        description=_l(
            "Shows the name, sector, place and website of each member company in the combined "
            "directory of every network this organisation is an active member of. Contact persons, "
            "e-mail addresses and phone numbers are never shared."
        ),
    )
