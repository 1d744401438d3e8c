"""Forms for signing in, recovering access, one's own account, invitations
and the people admin of a tenant."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from kringwerk.accounts.invitations import INVITABLE_ROLES
from kringwerk.accounts.models import Role
from kringwerk.accounts.services import MIN_PASSWORD_LENGTH

LANGUAGE_CHOICES = [SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_field(label=None):
    return EmailField(
        label or _l("E-mail address"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Enter your e-mail address.")),
            Email(message=_l("Enter a valid e-mail address, like name@example.com.")),
            Length(max=254, message=_l("An e-mail address has at most 254 characters.")),
        ],
    )


def _new_password_fields(optional: bool = False):
    first = [Optional()] if optional else [DataRequired(message=_l("Choose a password."))]
    password = PasswordField(
        _l("New password"),
        validators=[
            *first,
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=_l("Use at least %(count)s characters.", count=MIN_PASSWORD_LENGTH),
            ),
        ],
    )
    repeat = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("password", message=_l("The two passwords are not the same."))],
    )
    return password, repeat


def role_choices():
    return [SelectChoice(role.value, role.label) for role in INVITABLE_ROLES]


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password."))])
    next = HiddenField()


class EmailForm(FlaskForm):
    """Asks for an address to send a magic link or a password-reset link to."""

    email = _email_field()


class NewPasswordForm(FlaskForm):
    password, password_repeat = _new_password_fields()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"))
    password, password_repeat = _new_password_fields()


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Enter your name.")),
            Length(max=200, message=_l("Use at most 200 characters.")),
        ],
    )
    preferred_locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class InviteForm(FlaskForm):
    email = _email_field()
    role = SelectField(_l("Role"), choices=role_choices, default=Role.MEMBER.value)


class AcceptInvitationForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=[
            DataRequired(message=_l("Enter your name.")),
            Length(max=200, message=_l("Use at most 200 characters.")),
        ],
    )
    password, password_repeat = _new_password_fields(optional=True)


class RoleForm(FlaskForm):
    """One per row of the people list, so each form has a prefix naming its membership."""

    role = SelectField(_l("Role"), choices=role_choices)


class PeopleFilterForm(FlaskForm):
    """The search above the people list (GET, no CSRF token needed)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or e-mail address"), validators=[Length(max=200)])
    role = SelectField(
        _l("Role"),
        choices=lambda: [SelectChoice("", str(_l("All roles"))), *role_choices()],
        validators=[Optional()],
    )
