"""Compact numbers for the project page's narrow tables, where a header or a note gives the unit."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from samspill.lib import formatting

register = template.Library()


@register.filter
def bare_hours(value: Any) -> str:
    """Return hours as `1 276,8` or `120`: like `hours`, without the unit."""
    try:
        return formatting.bare_hours(value)
    except InvalidOperation:
        return str(value)


@register.filter
def signed_hours(value: Any) -> str:
    """Return a variance in hours with its sign: `+14,7`, `−3`, `0`."""
    shown = bare_hours(value)
    if shown and not shown.startswith("−") and Decimal(str(value)) > 0:
        return f"+{shown}"
    return shown
