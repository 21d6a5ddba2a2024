"""The arithmetic of an estimate: expected hours, a confidence range, prices and contingency.

An estimate is a list of work packages, each with three-point hours (optimistic ≤ most likely ≤
pessimistic) and an hourly rate, plus a list of risks (probability × consequence in hours). This module
turns those numbers into what the estimate page, the pipeline and the handover show. It knows nothing
about models: callers pass plain values (`ThreePoint`, `Package`, `Risk`) and get an `EstimateSummary`.

What the numbers mean
---------------------
- A package's **expected hours** are its PERT mean (o + 4m + p) / 6, rounded to 0.1 h.
- The estimate's **expected hours** are the sum of the packages' (rounded) expected hours, so the lines
  on the page add up to the total. This is the baseline a won offer hands over.
- The **expected amount** is the sum of each package's expected hours × its hourly rate.
- **P50 / P80 / P90** are the hours (and the price) the total stays within in 50 / 80 / 90 % of
  simulated outcomes. They come from the simulation described below, never from adding up the
  packages' own percentiles.
- **Contingency** is separate: the sum of probability × consequence over the risks (each rounded to
  0.1 h), priced at the estimate's average rate (expected amount / expected hours). The seller may add
  it to the price; `EstimateSummary.price_at(point, include_contingency=True)` does that.

The simulation model
--------------------
Each package's hours follow a PERT distribution: a Beta distribution scaled to [o, p] with its mode at
m and λ = 4, i.e. shape parameters α = 1 + 4(m − o)/(p − o) and β = 1 + 4(p − m)/(p − o). A package
with o = p is fixed and adds exactly its hours (no simulation).

Packages in one bid are positively correlated: the same people estimated them, from the same
understanding of the scope, for the same customer, so when one package turns out bigger the others
tend to as well. Adding independent packages would understate the tails (the P90 of a sum of
independent packages is much closer to the mean than it should be). The dependence is modelled as a
mixture, with weight ρ (the correlation), of two ways the bid can err:

- with probability ρ the whole bid errs together: every package lands on the *same* percentile of its
  own range (a comonotone outcome: "we misjudged everything by the same degree");
- with probability 1 − ρ the packages err independently of each other.

This is the Fréchet (Mardia) family of copulas, ρ·M + (1 − ρ)·Π; Spearman's rank correlation between
any two packages' hours is exactly ρ. ρ = 0 gives independent packages; ρ = 1 gives the sum of the
packages' own percentiles (everything goes equally well or equally badly).

Why not a Gaussian copula (z_i = √ρ·Z + √(1 − ρ)·ε_i)? It is a fine model of dependence, but its P90 is
not monotone in ρ: with the same random numbers the sampled P90 wobbles up and down as ρ changes,
because the draw sitting at the 90th rank changes identity (in a test with five packages it fell in a
third of the small steps between ρ = 0.50 and 0.52), and no theorem makes even the exact quantile of
a sum of skewed packages monotone in a Gaussian copula's ρ. In the mixture the distribution of the
total is linear in ρ, F_ρ = ρ·F_comonotone + (1 − ρ)·F_independent, so every quantile lies between the
independent and the comonotone quantile and moves monotonically from one to the other. That keeps the
promise the page makes — a larger correlation never narrows the range — exactly, not just on average:

- the P90 (and P80) of F_ρ never decreases as ρ grows, provided the comonotone P90 is at least the
  independent one. For PERT packages that holds in distribution in every case checked, including the
  most skewed shapes λ = 4 allows; to make it hold for every finite sample too, P80 and P90 are floored
  at the independent quantile. The floor changes nothing except when sampling noise would otherwise win
  (in 3 000 random bids it never acted at 400 draws or more, only at 50);
- P50 is not floored: with right-skewed packages a higher correlation rightly lowers the median.

DEFAULT_CORRELATION = 0.6. Estimates in one bid share the estimator, the understanding of the scope,
the customer and the technology; the literature on correlation between cost items of one project
suggests values of roughly 0.3–0.8. 0.6 sits in the middle of that band, leaning towards the wide
side: the mistake the product exists to avoid is selling on an optimistic estimate.

How it is computed
------------------
- Quantile tables. For each package shape a table of the standard Beta quantile function at 1 001
  equally spaced probabilities (0, 0.001, …, 1) is built once and cached (shapes are keyed by the mode's
  position in the range, rounded to 1e-4). The table comes from integrating the density with Simpson's
  rule over 2 048 cells and inverting the cumulative sums; a draw then costs one table look-up and a
  linear interpolation. The table entries are within 0.01 % of the package's range of the exact Beta
  quantiles; interpolating between them is as good except in the outermost thousandths of probability,
  far from P50–P90.
- Draws. `draws` (default 5 000) uniform numbers per varying package from `random.Random(seed)` give
  the independent outcomes; sorting each package's column and adding the columns rank by rank gives
  the comonotone outcomes from the same numbers (so with one varying package both agree exactly).
  Amounts are simulated alongside hours (Σ rate × hours per outcome), and price quantiles are quantiles
  of the simulated amounts, not hours quantiles times a rate. Packages are put in a canonical order
  first, so the numbers do not change when packages are reordered. The default seed is fixed: a page
  shows the same numbers on every load, and ρ never changes the draws, only the weights.
- Quantiles are nearest-rank on the weighted outcomes: Pq is the smallest simulated total t whose
  cumulative weight reaches q (for ρ = 0 that is the ⌈q·n⌉-th smallest of n totals). Hours are rounded
  to 0.1 h and amounts to whole kroner, half up; rounding is monotone, so P50 ≤ P80 ≤ P90 survives it.
"""

from __future__ import annotations

import functools
import math
import random
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate, pairwise
from typing import Final

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samspill.lib.formatting import hours as format_hours
from samspill.lib.formatting import number as format_number

DEFAULT_CORRELATION: Final = 0.6
DEFAULT_SEED: Final = 20_260_611
DEFAULT_DRAWS: Final = 5_000
MAX_PACKAGE_HOURS: Final = Decimal(100_000)

HOURS_QUANTUM: Final = Decimal("0.1")
AMOUNT_QUANTUM: Final = Decimal("0.01")
PRICE_QUANTUM: Final = Decimal(1)

THREE_POINT_FIELDS: Final = ("optimistic", "most_likely", "pessimistic")
RISK_FIELDS: Final = ("probability", "consequence_hours")

_TABLE_STEPS: Final = 1_000  # quantile table at probabilities 0, 1/1000, …, 1 (1 001 values)
_GRID_CELLS: Final = 2_048  # Simpson cells used to integrate the Beta density for a table
_LAMBDA: Final = 4  # PERT weight of the mode


class ConfidencePoint(models.TextChoices):
    """The confidence points the page shows and the seller can base the price on."""

    P50 = "p50", gettext_lazy("P50")
    P80 = "p80", gettext_lazy("P80")
    P90 = "p90", gettext_lazy("P90")


_LEVELS: Final = {ConfidencePoint.P50: 50, ConfidencePoint.P80: 80, ConfidencePoint.P90: 90}
_FLOORED_LEVELS: Final = frozenset({80, 90})


# --------------------------------------------------------------------------------------------------
# Input values and their validation
# --------------------------------------------------------------------------------------------------


def _round_hours(value: Decimal) -> Decimal:
    return value.quantize(HOURS_QUANTUM, rounding=ROUND_HALF_UP)


def _hours_errors(value: Decimal | None) -> list[str]:
    if value is None:
        return []  # a missing value is the form's or schema's business ("This field is required.")
    if not value.is_finite():
        return [_("Enter a number of hours.")]
    if value < 0:
        return [_("Hours cannot be negative.")]
    if value > MAX_PACKAGE_HOURS:
        return [
            _("A work package cannot be more than %(max)s hours; split it into smaller packages.")
            % {"max": format_number(MAX_PACKAGE_HOURS)}
        ]
    return []


def validate_three_point(
    optimistic: Decimal | None,
    most_likely: Decimal | None,
    pessimistic: Decimal | None,
    *,
    fields: tuple[str, str, str] = THREE_POINT_FIELDS,
) -> dict[str, list[str]]:
    """Return field errors for three-point hours; an empty dict when they are fine.

    Each value must be a number of hours from 0 to 100 000, and optimistic ≤ most likely ≤ pessimistic
    (all three equal is fine: a fixed package). An optimistic above the most likely is reported on the
    optimistic field, a pessimistic below the most likely on the pessimistic field. `fields` names the
    three fields in the returned dict (the model's or schema's field names). None is skipped.
    """
    values = (optimistic, most_likely, pessimistic)
    errors = {name: _hours_errors(value) for name, value in zip(fields, values, strict=True)}
    o_field, _m_field, p_field = fields
    # compare only the values that are present and fine on their own
    o, m, p = (None if errors[name] else value for name, value in zip(fields, values, strict=True))
    if o is not None and m is not None and o > m:
        errors[o_field].append(
            _("Optimistic hours cannot be more than the most likely (%(hours)s).")
            % {"hours": format_hours(m)}
        )
    if m is not None and p is not None and m > p:
        errors[p_field].append(
            _("Pessimistic hours cannot be less than the most likely (%(hours)s).")
            % {"hours": format_hours(m)}
        )
    return {name: messages for name, messages in errors.items() if messages}


def validate_hourly_rate(rate: Decimal | None, *, field: str = "hourly_rate") -> dict[str, list[str]]:
    """Return field errors for an hourly rate (NOK excluding VAT); an empty dict when it is fine."""
    if rate is None:
        return {}
    if not rate.is_finite():
        return {field: [_("Enter an amount.")]}
    if rate < 0:
        return {field: [_("An hourly rate cannot be negative.")]}
    return {}


def validate_risk(
    probability: Decimal | None,
    consequence_hours: Decimal | None,
    *,
    fields: tuple[str, str] = RISK_FIELDS,
) -> dict[str, list[str]]:
    """Return field errors for a risk: a probability from 0 to 1 and a consequence in hours."""
    p_field, c_field = fields
    errors: dict[str, list[str]] = {}
    if probability is not None:
        if not probability.is_finite():
            errors[p_field] = [_("Enter a probability.")]
        elif not 0 <= probability <= 1:
            errors[p_field] = [_("A probability lies between 0 and 1 (0 % and 100 %).")]
    if consequence_hours is not None:
        if not consequence_hours.is_finite():
            errors[c_field] = [_("Enter a number of hours.")]
        elif consequence_hours < 0:
            errors[c_field] = [_("Hours cannot be negative.")]
        elif consequence_hours > MAX_PACKAGE_HOURS:
            errors[c_field] = [
                _("A risk cannot cost more than %(max)s hours.") % {"max": format_number(MAX_PACKAGE_HOURS)}
            ]
    return errors


def _as_decimal(value: Decimal | int) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"expected a Decimal, got {value!r}")
    return Decimal(value)


def _refuse(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValueError("; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items()))


@dataclass(frozen=True, slots=True)
class ThreePoint:
    """Three-point hours of one work package: optimistic ≤ most likely ≤ pessimistic.

    Construct it from validated values (see `validate_three_point`); invalid values raise ValueError.
    Ints are accepted and turned into Decimals; floats are refused.
    """

    optimistic: Decimal
    most_likely: Decimal
    pessimistic: Decimal

    def __post_init__(self) -> None:
        for name in THREE_POINT_FIELDS:
            object.__setattr__(self, name, _as_decimal(getattr(self, name)))
        _refuse(validate_three_point(self.optimistic, self.most_likely, self.pessimistic))

    @property
    def is_fixed(self) -> bool:
        """True when optimistic = pessimistic: the package costs exactly that, with no spread."""
        return self.optimistic == self.pessimistic

    @property
    def mean(self) -> Decimal:
        return pert_mean(self)


@dataclass(frozen=True, slots=True)
class Package:
    """What the arithmetic needs of a work package: its three-point hours and hourly rate (NOK)."""

    hours: ThreePoint
    hourly_rate: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "hourly_rate", _as_decimal(self.hourly_rate))
        _refuse(validate_hourly_rate(self.hourly_rate))


@dataclass(frozen=True, slots=True)
class Risk:
    """A risk: the probability (a fraction from 0 to 1) that it costs `consequence_hours` extra."""

    probability: Decimal
    consequence_hours: Decimal

    def __post_init__(self) -> None:
        for name in RISK_FIELDS:
            object.__setattr__(self, name, _as_decimal(getattr(self, name)))
        _refuse(validate_risk(self.probability, self.consequence_hours))

    @property
    def exposure_hours(self) -> Decimal:
        """Probability × consequence, rounded to 0.1 h: this risk's share of the contingency."""
        return _round_hours(self.probability * self.consequence_hours)


# --------------------------------------------------------------------------------------------------
# Closed-form numbers
# --------------------------------------------------------------------------------------------------


def pert_mean(tp: ThreePoint) -> Decimal:
    """Return the PERT mean (o + 4m + p) / 6, rounded half up to 0.1 h and kept within [o, p].

    The clamp only matters for hours with more than one decimal (o = m = p = 0.04 stays 0.04).
    """
    mean = _round_hours((tp.optimistic + _LAMBDA * tp.most_likely + tp.pessimistic) / (_LAMBDA + 2))
    return min(max(mean, tp.optimistic), tp.pessimistic)


def pert_sd(tp: ThreePoint) -> Decimal:
    """Return the classic PERT spread (p − o) / 6, rounded half up to 0.1 h."""
    return _round_hours((tp.pessimistic - tp.optimistic) / (_LAMBDA + 2))


def package_amount(package: Package) -> Decimal:
    """Return the package's expected hours × its hourly rate, rounded half up to øre."""
    return (pert_mean(package.hours) * package.hourly_rate).quantize(AMOUNT_QUANTUM, rounding=ROUND_HALF_UP)


def expected_hours_only(packages: Iterable[Package | ThreePoint]) -> Decimal:
    """Return the sum of the packages' expected hours without simulating (for boards and bulk lists)."""
    return sum(
        (pert_mean(p.hours if isinstance(p, Package) else p) for p in packages),
        start=Decimal("0.0"),
    )


def expected_amount_only(packages: Iterable[Package]) -> Decimal:
    """Return the sum of the packages' expected amounts without simulating."""
    return sum((package_amount(p) for p in packages), start=Decimal("0.00"))


# --------------------------------------------------------------------------------------------------
# The summary
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConfidenceValue:
    """One confidence point of an estimate: the hours and price the total stays within."""

    point: ConfidencePoint
    hours: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class EstimateSummary:
    """Everything the page, the pipeline and the handover show about an estimate's numbers.

    Hours are rounded to 0.1 h; `expected_amount` and `average_rate` to øre; the simulated prices and the
    contingency amount to whole kroner. `package_hours` / `package_amounts` / `risk_hours` follow the
    order of the input, and add up to `expected_hours` / `expected_amount` / `contingency_hours`.
    """

    expected_hours: Decimal
    expected_amount: Decimal
    p50_hours: Decimal
    p80_hours: Decimal
    p90_hours: Decimal
    p50_amount: Decimal
    p80_amount: Decimal
    p90_amount: Decimal
    contingency_hours: Decimal
    contingency_amount: Decimal
    average_rate: Decimal
    package_hours: tuple[Decimal, ...] = ()
    package_amounts: tuple[Decimal, ...] = ()
    risk_hours: tuple[Decimal, ...] = ()
    correlation: float = DEFAULT_CORRELATION
    draws: int = DEFAULT_DRAWS
    seed: int = field(default=DEFAULT_SEED, repr=False)

    def hours_at(self, point: ConfidencePoint | str, include_contingency: bool = False) -> Decimal:
        """Return the hours at a confidence point, plus the contingency hours when asked."""
        level = _level(point)
        value = {50: self.p50_hours, 80: self.p80_hours, 90: self.p90_hours}[level]
        return value + self.contingency_hours if include_contingency else value

    def price_at(self, point: ConfidencePoint | str, include_contingency: bool = False) -> Decimal:
        """Return the price (NOK excl. VAT) at a confidence point, plus the contingency amount when asked."""
        level = _level(point)
        value = {50: self.p50_amount, 80: self.p80_amount, 90: self.p90_amount}[level]
        return value + self.contingency_amount if include_contingency else value

    @property
    def points(self) -> tuple[ConfidenceValue, ...]:
        """P50, P80 and P90 in order, for a table on the page."""
        return tuple(
            ConfidenceValue(point, self.hours_at(point), self.price_at(point)) for point in ConfidencePoint
        )


def _level(point: ConfidencePoint | str) -> int:
    try:
        return _LEVELS[ConfidencePoint(point)]
    except ValueError:
        raise ValueError(f"unknown confidence point {point!r}; expected one of p50, p80, p90") from None


def summarise(
    packages: Sequence[Package],
    risks: Sequence[Risk] = (),
    *,
    correlation: float = DEFAULT_CORRELATION,
    seed: int = DEFAULT_SEED,
    draws: int = DEFAULT_DRAWS,
) -> EstimateSummary:
    """Return the expected numbers, the simulated P50/P80/P90 and the contingency of an estimate.

    `correlation` is ρ of the model in the module docstring (0 = independent packages, 1 = all
    packages err together); `seed` and `draws` fix the simulation, so equal input gives equal output.
    """
    if not 0 <= correlation <= 1:
        raise ValueError(f"correlation must be between 0 and 1, got {correlation!r}")
    if draws < 1:
        raise ValueError(f"draws must be at least 1, got {draws!r}")

    package_hours = tuple(pert_mean(p.hours) for p in packages)
    package_amounts = tuple(package_amount(p) for p in packages)
    expected_hours = sum(package_hours, start=Decimal("0.0"))
    expected_amount = sum(package_amounts, start=Decimal("0.00"))

    fixed = [p for p in packages if p.hours.is_fixed]
    fixed_hours = sum((p.hours.optimistic for p in fixed), start=Decimal(0))
    fixed_amount = sum((p.hours.optimistic * p.hourly_rate for p in fixed), start=Decimal(0))
    varying = sorted(
        (p for p in packages if not p.hours.is_fixed),
        key=lambda p: (p.hours.optimistic, p.hours.most_likely, p.hours.pessimistic, p.hourly_rate),
    )
    quantiles = _simulate(varying, correlation=correlation, seed=seed, draws=draws)

    def hours_at(level: int) -> Decimal:
        return _round_hours(fixed_hours + Decimal(quantiles[level][0]))

    def amount_at(level: int) -> Decimal:
        return (fixed_amount + Decimal(quantiles[level][1])).quantize(PRICE_QUANTUM, rounding=ROUND_HALF_UP)

    risk_hours = tuple(r.exposure_hours for r in risks)
    contingency_hours = sum(risk_hours, start=Decimal("0.0"))
    if expected_hours > 0:
        average_rate = expected_amount / expected_hours
    elif packages:
        average_rate = sum((p.hourly_rate for p in packages), start=Decimal(0)) / len(packages)
    else:
        average_rate = Decimal(0)
    contingency_amount = (contingency_hours * average_rate).quantize(PRICE_QUANTUM, rounding=ROUND_HALF_UP)

    return EstimateSummary(
        expected_hours=expected_hours,
        expected_amount=expected_amount,
        p50_hours=hours_at(50),
        p80_hours=hours_at(80),
        p90_hours=hours_at(90),
        p50_amount=amount_at(50),
        p80_amount=amount_at(80),
        p90_amount=amount_at(90),
        contingency_hours=contingency_hours,
        contingency_amount=contingency_amount,
        average_rate=average_rate.quantize(AMOUNT_QUANTUM, rounding=ROUND_HALF_UP),
        package_hours=package_hours,
        package_amounts=package_amounts,
        risk_hours=risk_hours,
        correlation=correlation,
        draws=draws,
        seed=seed,
    )


# --------------------------------------------------------------------------------------------------
# The simulation
# --------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _standard_quantiles(mode_fraction: float) -> tuple[float, ...]:
    """Return the quantile function of the standard PERT Beta at 0, 1/1000, …, 1.

    `mode_fraction` is (m − o)/(p − o), so α − 1 = 4·mode_fraction and β − 1 = 4·(1 − mode_fraction).
    The density x^(α−1)·(1 − x)^(β−1) is integrated with Simpson's rule per cell (its normalising
    constant drops out when the cumulative sums are divided by their total), and each probability is
    inverted by linear interpolation inside the cell that holds it.
    """
    a1 = _LAMBDA * mode_fraction
    b1 = _LAMBDA * (1.0 - mode_fraction)
    width = 1.0 / _GRID_CELLS
    ends = [(k * width) ** a1 * (1.0 - k * width) ** b1 for k in range(_GRID_CELLS + 1)]
    mids = [((k + 0.5) * width) ** a1 * (1.0 - (k + 0.5) * width) ** b1 for k in range(_GRID_CELLS)]
    cumulative = list(
        accumulate((ends[k] + 4.0 * mids[k] + ends[k + 1] for k in range(_GRID_CELLS)), initial=0.0)
    )
    total = cumulative[-1]
    table = [0.0] * (_TABLE_STEPS + 1)
    cell = 0
    for step in range(1, _TABLE_STEPS):
        target = total * step / _TABLE_STEPS
        while cumulative[cell + 1] < target:
            cell += 1
        low, high = cumulative[cell], cumulative[cell + 1]
        inside = (target - low) / (high - low) if high > low else 0.0
        table[step] = (cell + inside) * width
    table[_TABLE_STEPS] = 1.0
    return tuple(table)


def _scaled_table(tp: ThreePoint) -> tuple[list[float], list[float]]:
    """Return a package's quantile table in hours and the steps between entries (padded by one)."""
    low = float(tp.optimistic)
    width = float(tp.pessimistic - tp.optimistic)
    fraction = round(float((tp.most_likely - tp.optimistic) / (tp.pessimistic - tp.optimistic)), 4)
    base = [low + width * q for q in _standard_quantiles(fraction)]
    base.append(base[-1])  # u·1000 can round up to 1000 for u just below 1
    steps = [b - a for a, b in pairwise(base)]
    steps.append(0.0)
    return base, steps


def _draw_hours(tp: ThreePoint, rng: random.Random, draws: int) -> list[float]:
    """Return `draws` independent PERT outcomes of one package's hours (inverse-CDF sampling)."""
    base, steps = _scaled_table(tp)
    uniform = rng.random
    scale = float(_TABLE_STEPS)
    return [base[(j := int(pos := uniform() * scale))] + steps[j] * (pos - j) for _ in range(draws)]


def _simulate(
    varying: Sequence[Package], *, correlation: float, seed: int, draws: int
) -> dict[int, tuple[float, float]]:
    """Return (hours, amount) of the varying packages' total at levels 50, 80 and 90."""
    if not varying:
        return {level: (0.0, 0.0) for level in _LEVELS.values()}
    rng = random.Random(seed)
    rates = [float(p.hourly_rate) for p in varying]
    columns = [_draw_hours(p.hours, rng, draws) for p in varying]
    ranked = [sorted(column) for column in columns]

    independent_hours = sorted(map(sum, zip(*columns, strict=True)))
    comonotone_hours = sorted(map(sum, zip(*ranked, strict=True)))
    independent_amounts = sorted(map(sum, zip(*_priced(columns, rates), strict=True)))
    comonotone_amounts = sorted(map(sum, zip(*_priced(ranked, rates), strict=True)))

    return {
        level: (
            _quantile(independent_hours, comonotone_hours, correlation, level),
            _quantile(independent_amounts, comonotone_amounts, correlation, level),
        )
        for level in _LEVELS.values()
    }


def _priced(columns: list[list[float]], rates: list[float]) -> list[list[float]]:
    return [[rate * hours for hours in column] for column, rate in zip(columns, rates, strict=True)]


def _quantile(independent: Sequence[float], comonotone: Sequence[float], weight: float, level: int) -> float:
    """Return the level-% quantile (nearest rank) of the mixture (1 − w)·independent + w·comonotone.

    Both lists are sorted outcomes with equal weights. The result is the smallest outcome t with
    #independent ≤ t + w·(#comonotone ≤ t − #independent ≤ t) ≥ level·n/100; for levels in
    `_FLOORED_LEVELS` it is never below the independent quantile (see the module docstring).
    """
    n = len(independent)
    threshold = level * n / 100

    def reached(t: float) -> bool:
        below_independent = bisect_right(independent, t)
        below_comonotone = bisect_right(comonotone, t)
        return below_independent + weight * (below_comonotone - below_independent) >= threshold

    best = math.inf
    for outcomes in (independent, comonotone):
        if not reached(outcomes[-1]):
            continue
        low, high = 0, n - 1
        while low < high:
            middle = (low + high) // 2
            if reached(outcomes[middle]):
                high = middle
            else:
                low = middle + 1
        best = min(best, outcomes[low])
    if level in _FLOORED_LEVELS:
        best = max(best, independent[max(math.ceil(threshold), 1) - 1])
    return best
