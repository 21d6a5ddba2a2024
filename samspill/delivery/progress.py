"""Progress arithmetic on plain numbers: forecast at completion, earned value, margin and health.

Pure functions of Decimals and dates, so the project page, the API, the deviation rules and the tests
agree. Earned value is measured in hours throughout, never in kroner:

- budget (BAC): a package's hours in the current baseline;
- planned value (PV) on a date: the budget spread evenly over the package's planned days (its own
  start and end, else the project's), the share of those days passed by the end of that date;
- earned value (EV): the budget × the share of the work that is done (the project manager's % complete,
  else actual ÷ (actual + remaining));
- actual cost (AC): the hours booked;
- CPI = EV ÷ AC (below 1: each hour buys less than planned), SPI = EV ÷ PV (below 1: behind plan).

Hours keep the index honest when rates differ between packages and people; kroner follow from them
(the margin uses each person's cost rate and each package's hourly rate).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samspill.lib.formatting import date as show_date
from samspill.lib.formatting import hours as show_hours
from samspill.lib.formatting import number

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


# -- remaining and forecast ------------------------------------------------------------------------


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


def share_done(
    budget: Decimal, actual: Decimal, *, remaining_hours: Decimal | None, percent_complete: int | None
) -> Decimal:
    """Return the share of a package's work that is done, from 0 to 1.

    The stated % complete, else actual ÷ forecast. With no progress stated the package is taken to
    follow its budget (actual ÷ budget, at most 1), so its CPI is 1 until somebody says otherwise.
    """
    if percent_complete is not None:
        return min(max(Decimal(percent_complete), ZERO), HUNDRED) / HUNDRED
    left = remaining(budget, actual, remaining_hours=remaining_hours, percent_complete=None)
    whole = forecast_at_completion(actual, left)
    if whole <= 0:
        return ONE if remaining_hours is not None else ZERO
    return min(actual / whole, ONE)


def percent(share: Decimal) -> int:
    """Return a share from 0 to 1 as a whole percent, rounded half up."""
    return int((share * HUNDRED).quantize(ONE, rounding=ROUND_HALF_UP))


def over_percent(forecast: Decimal, baseline: Decimal) -> Decimal | None:
    """Return how many percent `forecast` is above `baseline` (negative below); None without a baseline."""
    if baseline <= 0:
        return None
    return (forecast - baseline) * HUNDRED / baseline


# -- earned value ----------------------------------------------------------------------------------


def planned_share(
    starts_on: datetime.date | None, ends_on: datetime.date | None, on: datetime.date
) -> Decimal:
    """Return the share of the planned days `starts_on`–`ends_on` (both counted) passed by the end of `on`.

    Without both dates nothing can be planned and the share is 0; an end before the start counts as one day.
    """
    if starts_on is None or ends_on is None:
        return ZERO
    ends_on = max(ends_on, starts_on)
    if on < starts_on:
        return ZERO
    if on >= ends_on:
        return ONE
    days = (ends_on - starts_on).days + 1
    return Decimal((on - starts_on).days + 1) / Decimal(days)


def planned_value(
    budget: Decimal, starts_on: datetime.date | None, ends_on: datetime.date | None, on: datetime.date
) -> Decimal:
    """Return the hours of `budget` planned to be spent by the end of `on` (spread evenly over the days)."""
    return budget * planned_share(starts_on, ends_on, on)


def index(earned: Decimal, base: Decimal) -> Decimal | None:
    """Return earned ÷ base (CPI with actual hours, SPI with planned value); None when base is zero."""
    if base <= 0:
        return None
    return earned / base


@dataclass(frozen=True)
class PackagePlan:
    """What earned value needs of one work package: its budget, its plan and its progress."""

    budget_hours: Decimal
    actual_hours: Decimal
    remaining_hours: Decimal | None = None
    percent_complete: int | None = None
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None

    @property
    def left(self) -> Decimal:
        return remaining(
            self.budget_hours,
            self.actual_hours,
            remaining_hours=self.remaining_hours,
            percent_complete=self.percent_complete,
        )

    @property
    def forecast(self) -> Decimal:
        return forecast_at_completion(self.actual_hours, self.left)

    @property
    def share(self) -> Decimal:
        return share_done(
            self.budget_hours,
            self.actual_hours,
            remaining_hours=self.remaining_hours,
            percent_complete=self.percent_complete,
        )

    def planned(self, on: datetime.date) -> Decimal:
        return planned_value(self.budget_hours, self.starts_on, self.ends_on, on)

    @property
    def earned(self) -> Decimal:
        if self.percent_complete is None:
            # budget × actual ÷ forecast, multiplied first so that a package on budget earns exactly its hours
            whole = self.forecast
            if whole > 0:
                return min(self.budget_hours * self.actual_hours / whole, self.budget_hours)
        return self.budget_hours * self.share


@dataclass(frozen=True)
class EarnedValue:
    """Planned value, earned value and actual cost in hours on one date, and the two indices."""

    on: datetime.date
    budget: Decimal
    planned: Decimal
    earned: Decimal
    actual: Decimal
    planned_known: bool = True

    @property
    def cpi(self) -> Decimal | None:
        return index(self.earned, self.actual)

    @property
    def spi(self) -> Decimal | None:
        return index(self.earned, self.planned) if self.planned_known else None

    @property
    def share_done(self) -> Decimal:
        return self.earned / self.budget if self.budget > 0 else ZERO


def earned_value(packages: Iterable[PackagePlan], on: datetime.date) -> EarnedValue:
    """Return the earned-value figures of a set of packages on a date (all in hours)."""
    budget = planned = earned = actual = ZERO
    known = False
    for package in packages:
        budget += package.budget_hours
        planned += package.planned(on)
        earned += package.earned
        actual += package.actual_hours
        known = known or (package.starts_on is not None and package.ends_on is not None)
    return EarnedValue(on, budget, planned, earned, actual, planned_known=known)


# -- margin ----------------------------------------------------------------------------------------

TIME_AND_MATERIALS = "time_and_materials"
CAPPED = "capped"


def revenue(contract_type: str, price: Decimal, billable_amount: Decimal) -> Decimal:
    """Return what the work brings in: the sold price for a fixed price; the billable hours at the
    packages' rates for time and materials; those, at most the price, for capped time and materials."""
    if contract_type == TIME_AND_MATERIALS:
        return billable_amount
    if contract_type == CAPPED:
        return min(billable_amount, price) if price > 0 else billable_amount
    return price


@dataclass(frozen=True)
class Margin:
    revenue: Decimal
    cost: Decimal

    @property
    def amount(self) -> Decimal:
        return self.revenue - self.cost

    @property
    def percent(self) -> Decimal | None:
        """The margin as a percent of revenue; None without revenue."""
        if self.revenue <= 0:
            return None
        return self.amount * HUNDRED / self.revenue


def margin(revenue_amount: Decimal, cost: Decimal) -> Margin:
    """Return revenue − cost, with the margin's share of revenue."""
    return Margin(revenue_amount, cost)


def average_rate(amount: Decimal, hours: Decimal, fallback: Decimal) -> Decimal:
    """Return amount ÷ hours, or `fallback` when no hours are booked yet."""
    return amount / hours if hours > 0 else fallback


# -- health ----------------------------------------------------------------------------------------

GREEN, AMBER, RED = "green", "amber", "red"
_RANK = {GREEN: 0, AMBER: 1, RED: 2}


@dataclass(frozen=True)
class Reason:
    level: str
    text: str


@dataclass(frozen=True)
class Assessment:
    """A project's health: the worst of its reasons, each reason a sentence with the numbers behind it."""

    level: str
    reasons: list[Reason] = field(default_factory=list)


@dataclass(frozen=True)
class LateMilestone:
    name: str
    planned_on: datetime.date
    expected_on: datetime.date


@dataclass(frozen=True)
class TroubledExpectation:
    words: str
    status: str


@dataclass(frozen=True)
class PackageOver:
    name: str
    actual_hours: Decimal
    budget_hours: Decimal


def worst(levels: Iterable[str]) -> str:
    """Return the worst of red, amber and green (green for none)."""
    return max(levels, key=lambda level: _RANK.get(level, 0), default=GREEN)


def assess_health(
    *,
    forecast: Decimal,
    baseline: Decimal,
    threshold: Decimal,
    reported: str | None = None,
    reported_comment: str = "",
    late: Sequence[LateMilestone] = (),
    expectations: Sequence[TroubledExpectation] = (),
    packages_over: Sequence[PackageOver] = (),
    manual_deviations: int = 0,
) -> Assessment:
    """Return the project's health from its numbers and the project manager's latest status report.

    Red: forecast over the baseline by the deviation threshold or more, an expectation broken, or the
    project manager says red. Amber: forecast over the baseline, a package past its budget, a
    milestone late, an expectation at risk, a deviation raised by hand, or the report says amber.
    """
    reasons: list[Reason] = []
    over = over_percent(forecast, baseline)
    if over is not None and over > 0:
        level = RED if over >= threshold else AMBER
        reasons.append(
            Reason(
                level,
                _("Forecast %(forecast)s is %(over)s %% over the baseline %(baseline)s.")
                % {"forecast": show_hours(forecast), "over": number(over), "baseline": show_hours(baseline)},
            )
        )
    for expectation in expectations:
        broken = expectation.status == "broken"
        template = _("Expectation broken: “%(words)s”.") if broken else _("Expectation at risk: “%(words)s”.")
        reasons.append(Reason(RED if broken else AMBER, template % {"words": _short(expectation.words)}))
    for milestone in late:
        reasons.append(
            Reason(
                AMBER,
                _("Milestone “%(name)s” expected %(expected)s, planned %(planned)s.")
                % {
                    "name": milestone.name,
                    "expected": show_date(milestone.expected_on),
                    "planned": show_date(milestone.planned_on),
                },
            )
        )
    for package in packages_over:
        reasons.append(
            Reason(
                AMBER,
                _("%(name)s: %(actual)s booked of a budget of %(budget)s.")
                % {
                    "name": package.name,
                    "actual": show_hours(package.actual_hours),
                    "budget": show_hours(package.budget_hours),
                },
            )
        )
    if manual_deviations:
        text = ngettext(
            "%(count)d deviation raised by hand is open.",
            "%(count)d deviations raised by hand are open.",
            manual_deviations,
        )
        reasons.append(Reason(AMBER, text % {"count": manual_deviations}))
    if reported in (RED, AMBER):
        said = (
            _("The project manager reports red")
            if reported == RED
            else _("The project manager reports amber")
        )
        text = f"{said}: {_short(reported_comment)}" if reported_comment else f"{said}."
        reasons.insert(0, Reason(reported, text))
    level = worst(reason.level for reason in reasons)
    reasons.sort(key=lambda reason: -_RANK[reason.level])
    if not reasons:
        if baseline > 0:
            text = _("Forecast %(forecast)s is within the baseline %(baseline)s; no milestone is late.") % {
                "forecast": show_hours(forecast),
                "baseline": show_hours(baseline),
            }
        else:
            text = _("No baseline hours to measure against yet; no milestone is late.")
        reasons.append(Reason(GREEN, text))
    return Assessment(level, reasons)


def _short(text: str, length: int = 120) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
