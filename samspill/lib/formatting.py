"""Norwegian formats for amounts, hours and dates, the same in both languages."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

NBSP = "\xa0"


def _group(whole: str) -> str:
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return NBSP.join(groups)


def number(value: Any, decimals: int = 0) -> str:
    """Return 1 234 567 or 1 234,50: non-breaking spaces between thousands, a decimal comma."""
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    quantum = Decimal(1).scaleb(-decimals)
    amount = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "−" if amount < 0 else ""
    whole, _, fraction = f"{abs(amount):.{decimals}f}".partition(".")
    return sign + _group(whole) + ("," + fraction if fraction else "")


def nok(value: Any, decimals: int | None = None) -> str:
    """Return an amount as `kr 1 234 567`, with øre only when there are any (`kr 1 234,50`)."""
    if value in (None, ""):
        return ""
    if decimals is None:
        decimals = 0 if Decimal(str(value)) == Decimal(str(value)).to_integral_value() else 2
    return f"kr{NBSP}{number(value, decimals)}"


def bare_hours(value: Any) -> str:
    """Return hours as `37,5` or `120`: one decimal when there is a fraction, no unit."""
    if value in (None, ""):
        return ""
    amount = Decimal(str(value))
    return number(amount, 0 if amount == amount.to_integral_value() else 1)


def hours(value: Any) -> str:
    """Return hours as `37,5 t`."""
    shown = bare_hours(value)
    return f"{shown}{NBSP}t" if shown else ""


def date(value: datetime.date | datetime.datetime | None) -> str:
    """Return 27.11.2026 (local time for a datetime)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.strftime("%d.%m.%Y %H:%M")
    return value.strftime("%d.%m.%Y")
