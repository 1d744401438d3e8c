"""Forms of billing: choosing a plan to subscribe to, and the operator's comp."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from kringwerk.billing.plans import plans


class CheckoutForm(FlaskForm):
    """One paid plan, paid by the month or by the year."""

    plan = SelectField(_l("Plan"), validators=[DataRequired(message=_l("Choose a plan."))])
    interval = RadioField(
        _l("Pay"),
        choices=[SelectChoice("month", _l("Monthly")), SelectChoice("year", _l("Yearly"))],
        default="month",
        validators=[DataRequired(message=_l("Choose monthly or yearly payment."))],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.plan.choices = [SelectChoice(plan.key, plan.name) for plan in plans().paid()]


class CompForm(FlaskForm):
    """The plan an operator gives a tenant for free; empty ends the comp."""

    plan = SelectField(_l("Plan provided free of charge"), validators=[Optional()])
    note = StringField(
        _l("Note"),
        validators=[Optional(), Length(max=300)],
        description=_l("Why the tenant gets this plan (shown in the audit log)."),
    )

    def __init__(self, *args, catalogue=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [SelectChoice("", _l("None: the tenant pays for its plan"))]
        self.plan.choices = choices + [SelectChoice(plan.key, plan.name) for plan in (catalogue or [])]
