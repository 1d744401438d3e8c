"""Reading typed values from form input: dates (ISO, as ``<input type=date>`` sends
them) and amounts with a decimal comma or point, as Dutch and English readers type them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

MAX_AMOUNT = Decimal("999999999999.99")


def as_date(value) -> date | None:
    """A date, or None when empty; raises ValueError on anything else."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def as_amount(value) -> Decimal | None:
    """An amount ("1.250,50", "1250.5", "100"), or None when empty; raises ValueError otherwise."""
    if value in (None, ""):
        return None
    if isinstance(value, Decimal | int):
        number = Decimal(value)
    else:
        text = str(value).strip().replace(" ", "").replace("€", "")
        if "," in text:  # Dutch: points group thousands, the comma is the decimal sign
            text = text.replace(".", "").replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(value) from None
    if not number.is_finite() or abs(number) > MAX_AMOUNT:
        raise ValueError(value)
    return number.quantize(Decimal("0.01"))
