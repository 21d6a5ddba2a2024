"""Progress arithmetic on plain numbers: forecast at completion, earned value and margin.

Pure functions of Decimals, so the project page, the API, the deviation rules and the tests agree.
"""

from __future__ import annotations

from decimal import Decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def remaining(
    budget: Decimal, actual: Decimal, *, remaining_hours: Decimal | None, percent_complete: int | None
) -> Decimal:
    """Return the hours still to go on a package.

    The project manager's word wins: remaining hours as given; else from % complete (actual hours are
    that share of the whole); else what is left of the budget, never below zero.
    """
    if remaining_hours is not None:
        return max(remaining_hours, ZERO)
    if percent_complete is not None:
        if percent_complete >= 100:
            return ZERO
        if percent_complete > 0 and actual > 0:
            return actual * (HUNDRED - percent_complete) / percent_complete
        return max(budget * (HUNDRED - percent_complete) / HUNDRED, ZERO)
    return max(budget - actual, ZERO)


def forecast_at_completion(actual: Decimal, remaining_hours: Decimal) -> Decimal:
    """Return actual + remaining: what the package (or project) will have cost in hours when done."""
    return actual + remaining_hours
