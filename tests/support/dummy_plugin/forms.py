"""The dummy plugin's per-tenant settings form (keys of its ``default_settings``)."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange


class DummySettingsForm(FlaskForm):
    greeting = StringField("Greeting", validators=[DataRequired(), Length(max=20)])
    threshold = IntegerField("Threshold", validators=[DataRequired(), NumberRange(min=1, max=10)])
