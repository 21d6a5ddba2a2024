"""The arithmetic of an estimate: PERT means, the simulated P50/P80/P90, prices and contingency."""

from __future__ import annotations

import itertools
import math
import random
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from samspill.pipeline.estimation import (
    DEFAULT_CORRELATION,
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    ConfidencePoint,
    Package,
    Risk,
    ThreePoint,
    _standard_quantiles,
    expected_amount_only,
    expected_hours_only,
    package_amount,
    pert_mean,
    pert_sd,
    summarise,
    validate_hourly_rate,
    validate_risk,
    validate_three_point,
)

# Property tests simulate with fewer draws than a page does, to keep the module fast; every property
# holds for any number of draws.
FEW_DRAWS = 400


def tp(o: str | int, m: str | int, p: str | int) -> ThreePoint:
    return ThreePoint(Decimal(o), Decimal(m), Decimal(p))


def pkg(o: str | int, m: str | int, p: str | int, rate: str | int = 1400) -> Package:
    return Package(tp(o, m, p), Decimal(rate))


# A realistic bid: seven packages of different sizes and skews.
BID = [
    pkg(40, 60, 120, 1450),
    pkg(16, 24, 40, 1300),
    pkg(80, 100, 160, 1500),
    pkg(8, 12, 30, 1200),
    pkg("20.5", 30, 45, 1400),
    pkg(4, 8, 8, 1600),
    pkg(60, 64, 100, 1350),
]


# --- strategies ---------------------------------------------------------------------------------

tenths = st.integers(min_value=0, max_value=20_000).map(lambda n: Decimal(n) / 10)


@st.composite
def three_points(draw: st.DrawFn, hours: st.SearchStrategy[Decimal] = tenths) -> ThreePoint:
    o, m, p = sorted(draw(st.tuples(hours, hours, hours)))
    return ThreePoint(o, m, p)


@st.composite
def packages(draw: st.DrawFn) -> Package:
    rate = draw(st.integers(min_value=0, max_value=3_000).map(Decimal))
    return Package(draw(three_points()), rate)


bids = st.lists(packages(), min_size=1, max_size=12)
correlations = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
seeds = st.integers(min_value=0, max_value=2**32)


# --- properties ---------------------------------------------------------------------------------


@given(bids, correlations, seeds)
def test_p50_is_never_above_p80_and_p80_never_above_p90_in_hours_and_in_price(
    bid: list[Package], correlation: float, seed: int
) -> None:
    s = summarise(bid, correlation=correlation, seed=seed, draws=FEW_DRAWS)
    assert s.p50_hours <= s.p80_hours <= s.p90_hours
    assert s.p50_amount <= s.p80_amount <= s.p90_amount


@given(bids, correlations, seeds)
def test_every_confidence_point_lies_between_the_sum_of_optimistic_and_of_pessimistic_hours(
    bid: list[Package], correlation: float, seed: int
) -> None:
    s = summarise(bid, correlation=correlation, seed=seed, draws=FEW_DRAWS)
    lowest = sum(p.hours.optimistic for p in bid)
    highest = sum(p.hours.pessimistic for p in bid)
    for point in s.points:
        assert lowest - Decimal("0.1") <= point.hours <= highest + Decimal("0.1")


@given(bids)
def test_the_expected_hours_of_the_estimate_are_the_sum_of_the_packages_expected_hours(
    bid: list[Package],
) -> None:
    s = summarise(bid, draws=FEW_DRAWS)
    assert s.expected_hours == sum(pert_mean(p.hours) for p in bid)
    assert s.expected_hours == sum(s.package_hours) == expected_hours_only(bid)
    assert s.expected_hours == expected_hours_only([p.hours for p in bid])
    assert s.expected_amount == sum(s.package_amounts) == expected_amount_only(bid)
    assert s.package_amounts == tuple(package_amount(p) for p in bid)


@given(three_points())
def test_a_packages_expected_hours_lie_between_its_optimistic_and_pessimistic_hours(
    hours: ThreePoint,
) -> None:
    assert hours.optimistic <= pert_mean(hours) <= hours.pessimistic
    assert pert_mean(hours) == pert_mean(hours).quantize(Decimal("0.1"))


@given(three_points(st.integers(min_value=0, max_value=2_000).map(lambda n: Decimal(n) / 100)))
def test_the_expected_hours_stay_within_the_range_even_for_hours_with_two_decimals(
    hours: ThreePoint,
) -> None:
    assert hours.optimistic <= pert_mean(hours) <= hours.pessimistic


@given(bids, correlations, correlations, seeds)
def test_a_larger_correlation_never_narrows_the_p90_or_the_p80(
    bid: list[Package], first: float, second: float, seed: int
) -> None:
    lower, higher = sorted((first, second))
    narrow = summarise(bid, correlation=lower, seed=seed, draws=FEW_DRAWS)
    wide = summarise(bid, correlation=higher, seed=seed, draws=FEW_DRAWS)
    assert narrow.p90_hours <= wide.p90_hours
    assert narrow.p90_amount <= wide.p90_amount
    assert narrow.p80_hours <= wide.p80_hours
    assert narrow.p80_amount <= wide.p80_amount


@given(bids, correlations, seeds, st.randoms(use_true_random=False))
def test_the_same_seed_gives_the_same_numbers_whatever_the_order_of_the_packages(
    bid: list[Package], correlation: float, seed: int, shuffler: random.Random
) -> None:
    first = summarise(bid, correlation=correlation, seed=seed, draws=FEW_DRAWS)
    again = summarise(bid, correlation=correlation, seed=seed, draws=FEW_DRAWS)
    reordered = list(bid)
    shuffler.shuffle(reordered)
    shuffled = summarise(reordered, correlation=correlation, seed=seed, draws=FEW_DRAWS)
    assert first == again
    assert first.points == shuffled.points
    assert first.expected_hours == shuffled.expected_hours


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=100).map(lambda n: Decimal(n) / 100),
            tenths,
        ),
        max_size=8,
    )
)
def test_the_contingency_is_the_sum_of_probability_times_consequence(
    risks: list[tuple[Decimal, Decimal]],
) -> None:
    s = summarise(BID, [Risk(p, c) for p, c in risks], draws=FEW_DRAWS)
    exact = sum((p * c for p, c in risks), start=Decimal(0))
    assert s.contingency_hours == sum(s.risk_hours)
    assert abs(s.contingency_hours - exact) <= Decimal("0.05") * len(risks)


# --- examples: the simulation -------------------------------------------------------------------


def test_a_single_fixed_package_is_the_same_at_p50_p80_and_p90() -> None:
    s = summarise([pkg("37.5", "37.5", "37.5", 1400)])
    assert s.expected_hours == s.p50_hours == s.p80_hours == s.p90_hours == Decimal("37.5")
    assert s.expected_amount == Decimal("52500.00")
    assert s.p50_amount == s.p80_amount == s.p90_amount == Decimal(52500)


def test_fixed_packages_add_exactly_their_hours_to_every_confidence_point() -> None:
    varying = summarise([pkg(10, 20, 40)])
    with_fixed = summarise([pkg(10, 20, 40), pkg("7.3", "7.3", "7.3", 1000)])
    for alone, both in zip(varying.points, with_fixed.points, strict=True):
        assert both.hours == alone.hours + Decimal("7.3")
        assert both.amount == alone.amount + Decimal(7300)


def test_an_estimate_without_packages_is_all_zeros() -> None:
    s = summarise([])
    assert s.expected_hours == s.p90_hours == s.contingency_hours == 0
    assert s.expected_amount == s.p90_amount == s.price_at("p90", include_contingency=True) == 0


def test_the_correlation_does_not_move_a_single_varying_package() -> None:
    bid = [pkg(10, 20, 60), pkg(5, 5, 5)]
    points = {summarise(bid, correlation=rho).points for rho in (0.0, 0.3, 0.6, 1.0)}
    assert len(points) == 1


def test_a_single_package_p80_lies_at_its_own_80th_percentile() -> None:
    # mode at the optimistic end: Beta(1, 5), whose quantile function is 1 − (1 − u)^(1/5)
    s = summarise([pkg(0, 0, 100)], draws=20_000)
    for point, level in ((s.p50_hours, 0.5), (s.p80_hours, 0.8), (s.p90_hours, 0.9)):
        exact = 100 * (1 - (1 - level) ** (1 / 5))
        assert abs(float(point) - exact) < 1.0


def test_independent_packages_give_narrower_tails_than_correlated_ones() -> None:
    independent = summarise(BID, correlation=0.0)
    default = summarise(BID)
    together = summarise(BID, correlation=1.0)
    assert independent.p90_hours < default.p90_hours < together.p90_hours
    assert independent.p90_amount < default.p90_amount < together.p90_amount
    assert independent.p80_hours < default.p80_hours < together.p80_hours


def test_with_full_correlation_the_p90_is_the_sum_of_the_packages_own_p90() -> None:
    together = summarise(BID, correlation=1.0, draws=20_000)
    own_p90 = sum(_exact_pert_quantile(p.hours, 0.9) for p in BID)
    assert abs(float(together.p90_hours) - own_p90) < 1.0


def test_without_correlation_the_p90_is_near_the_normal_approximation_of_the_sum() -> None:
    independent = summarise(BID, correlation=0.0, draws=20_000)
    mean = sum(_exact_pert_mean(p.hours) for p in BID)
    sd = math.sqrt(sum(_exact_pert_variance(p.hours) for p in BID))
    assert abs(float(independent.p90_hours) - (mean + 1.2816 * sd)) < 0.05 * sd + 1.0
    assert abs(float(independent.p50_hours) - mean) < 0.1 * sd + 1.0


def test_the_same_seed_gives_the_same_summary_and_another_seed_other_draws() -> None:
    assert summarise(BID, seed=7) == summarise(BID, seed=7)
    assert summarise(BID) == summarise(BID, seed=DEFAULT_SEED, draws=DEFAULT_DRAWS)
    others = {summarise(BID, seed=seed).p90_hours for seed in (1, 2, 3)}
    assert len(others) > 1
    # different seeds differ only by sampling noise
    assert max(others) - min(others) < Decimal(5)


def test_price_quantiles_come_from_simulated_amounts_so_a_dearer_package_weighs_more() -> None:
    even = summarise([pkg(10, 20, 40, 1000), pkg(10, 20, 40, 1000)])
    uneven = summarise([pkg(10, 20, 40, 500), pkg(10, 20, 40, 1500)])
    assert even.points[2].hours == uneven.points[2].hours
    assert even.expected_amount == uneven.expected_amount
    # the same rate everywhere: the price quantile is the hours quantile times the rate
    assert abs(even.p90_amount - even.p90_hours * 1000) <= 50
    # uneven rates spread the price more when the packages vary independently of each other
    assert uneven.p90_amount > even.p90_amount
    together_even = summarise([pkg(10, 20, 40, 1000), pkg(10, 20, 40, 1000)], correlation=1.0)
    together_uneven = summarise([pkg(10, 20, 40, 500), pkg(10, 20, 40, 1500)], correlation=1.0)
    # erring together, both pairs are one package of twice the size (up to sampling noise)
    assert abs(together_even.p90_amount - together_uneven.p90_amount) < Decimal(300)


def test_the_default_correlation_is_the_documented_one() -> None:
    assert DEFAULT_CORRELATION == 0.6
    assert summarise(BID).correlation == 0.6


@pytest.mark.parametrize("mode_fraction", [0.0, 0.1, 0.25, 0.5, 0.8, 1.0])
def test_the_quantile_table_matches_the_exact_beta_distribution(mode_fraction: float) -> None:
    alpha, beta = 1 + 4 * mode_fraction, 1 + 4 * (1 - mode_fraction)
    table = _standard_quantiles(mode_fraction)
    assert len(table) == 1001 and table[0] == 0.0 and table[-1] == 1.0
    assert all(a <= b for a, b in itertools.pairwise(table))
    for step in range(10, 1000, 10):
        assert abs(_regularised_incomplete_beta(alpha, beta, table[step]) - step / 1000) < 2e-4


# --- examples: contingency and price ------------------------------------------------------------


def test_the_contingency_is_priced_at_the_average_rate_and_added_on_request() -> None:
    bid = [pkg(10, 10, 10, 1000), pkg(30, 30, 30, 2000)]  # 70 000 kr for 40 h: 1 750 kr/h
    risks = [Risk(Decimal("0.3"), Decimal(40)), Risk(Decimal("0.25"), Decimal(10))]
    s = summarise(bid, risks)
    assert s.risk_hours == (Decimal("12.0"), Decimal("2.5"))
    assert s.contingency_hours == Decimal("14.5")
    assert s.average_rate == Decimal("1750.00")
    assert s.contingency_amount == Decimal(25375)
    assert s.price_at(ConfidencePoint.P80) == Decimal(70000)
    assert s.price_at("p80", include_contingency=True) == Decimal(95375)
    assert s.hours_at(ConfidencePoint.P90, include_contingency=True) == Decimal("54.5")


def test_the_points_list_p50_p80_and_p90_in_order() -> None:
    s = summarise(BID)
    assert [v.point for v in s.points] == [ConfidencePoint.P50, ConfidencePoint.P80, ConfidencePoint.P90]
    assert [v.hours for v in s.points] == [s.p50_hours, s.p80_hours, s.p90_hours]
    assert [v.amount for v in s.points] == [s.p50_amount, s.p80_amount, s.p90_amount]


def test_an_unknown_confidence_point_is_refused() -> None:
    with pytest.raises(ValueError, match="p70"):
        summarise(BID).price_at("p70")


def test_a_correlation_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="correlation"):
        summarise(BID, correlation=1.2)
    with pytest.raises(ValueError, match="draws"):
        summarise(BID, draws=0)


def test_pert_mean_and_spread_follow_the_textbook_formulas() -> None:
    assert pert_mean(tp(10, 20, 60)) == Decimal("25.0")
    assert pert_mean(tp(1, 2, 4)) == Decimal("2.2")  # 13/6 = 2.1666…
    assert pert_sd(tp(10, 20, 60)) == Decimal("8.3")
    assert tp(5, 5, 5).is_fixed and pert_sd(tp(5, 5, 5)) == 0


# --- examples: validation -----------------------------------------------------------------------


def test_three_point_hours_in_order_have_no_errors_and_all_equal_is_fine() -> None:
    assert validate_three_point(Decimal(1), Decimal(2), Decimal(3)) == {}
    assert validate_three_point(Decimal(8), Decimal(8), Decimal(8)) == {}
    assert validate_three_point(None, Decimal(2), None) == {}


def test_an_optimistic_above_the_most_likely_is_an_error_on_the_optimistic_field() -> None:
    with translation.override("en"):
        errors = validate_three_point(Decimal(12), Decimal(10), Decimal(20))
    assert errors == {"optimistic": ["Optimistic hours cannot be more than the most likely (10\xa0t)."]}


def test_a_pessimistic_below_the_most_likely_is_an_error_on_the_pessimistic_field() -> None:
    with translation.override("en"):
        errors = validate_three_point(Decimal(5), Decimal("10.5"), Decimal(8))
    assert errors == {"pessimistic": ["Pessimistic hours cannot be less than the most likely (10,5\xa0t)."]}


def test_negative_and_huge_hours_are_refused_under_the_callers_field_names() -> None:
    with translation.override("en"):
        errors = validate_three_point(
            Decimal(-1), Decimal(10), Decimal(100_001), fields=("low", "likely", "high")
        )
    assert errors == {
        "low": ["Hours cannot be negative."],
        "high": ["A work package cannot be more than 100\xa0000 hours; split it into smaller packages."],
    }
    assert validate_three_point(Decimal(0), Decimal(0), Decimal(100_000)) == {}


def test_hours_that_are_not_numbers_are_refused() -> None:
    with translation.override("en"):
        errors = validate_three_point(Decimal("NaN"), Decimal(1), Decimal("Infinity"))
    assert errors == {"optimistic": ["Enter a number of hours."], "pessimistic": ["Enter a number of hours."]}


def test_a_three_point_out_of_order_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="optimistic"):
        tp(12, 10, 20)
    with pytest.raises(TypeError):
        ThreePoint(1.5, Decimal(2), Decimal(3))  # type: ignore[arg-type]
    assert tp(1, 2, 3) == ThreePoint(1, 2, 3)  # type: ignore[arg-type]


def test_risks_need_a_probability_from_zero_to_one_and_hours_that_are_not_negative() -> None:
    with translation.override("en"):
        assert validate_risk(Decimal("1.5"), Decimal(-2)) == {
            "probability": ["A probability lies between 0 and 1 (0 % and 100 %)."],
            "consequence_hours": ["Hours cannot be negative."],
        }
        assert validate_risk(Decimal(0), Decimal(0)) == validate_risk(Decimal(1), Decimal(10)) == {}
    with pytest.raises(ValueError, match="probability"):
        Risk(Decimal(-1), Decimal(1))


def test_a_negative_hourly_rate_is_refused() -> None:
    with translation.override("en"):
        assert validate_hourly_rate(Decimal(-1)) == {"hourly_rate": ["An hourly rate cannot be negative."]}
        assert validate_hourly_rate(Decimal(0)) == {}
    with pytest.raises(ValueError, match="hourly_rate"):
        Package(tp(1, 2, 3), Decimal(-5))


# --- exact reference values ---------------------------------------------------------------------


def _shape(hours: ThreePoint) -> tuple[float, float, float, float]:
    o, m, p = (float(v) for v in (hours.optimistic, hours.most_likely, hours.pessimistic))
    return o, p - o, 1 + 4 * (m - o) / (p - o), 1 + 4 * (p - m) / (p - o)


def _exact_pert_mean(hours: ThreePoint) -> float:
    o, m, p = (float(v) for v in (hours.optimistic, hours.most_likely, hours.pessimistic))
    return (o + 4 * m + p) / 6


def _exact_pert_variance(hours: ThreePoint) -> float:
    if hours.is_fixed:
        return 0.0
    _, width, a, b = _shape(hours)
    return width**2 * a * b / ((a + b) ** 2 * (a + b + 1))


def _exact_pert_quantile(hours: ThreePoint, level: float) -> float:
    if hours.is_fixed:
        return float(hours.optimistic)
    low_end, width, a, b = _shape(hours)
    low, high = 0.0, 1.0
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if _regularised_incomplete_beta(a, b, middle) < level else (low, middle)
    return low_end + width * (low + high) / 2


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (Numerical Recipes, betacf)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a - 1 + 2 * m) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 1 + 2 * m)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return result


def _regularised_incomplete_beta(a: float, b: float, x: float) -> float:
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1.0 - front * _beta_continued_fraction(b, a, 1.0 - x) / b


def test_the_reference_incomplete_beta_agrees_with_closed_forms() -> None:
    for x in (0.01, 0.2, 0.5, 0.77, 0.99):
        assert _regularised_incomplete_beta(1, 5, x) == pytest.approx(1 - (1 - x) ** 5, abs=1e-12)
        assert _regularised_incomplete_beta(5, 1, x) == pytest.approx(x**5, abs=1e-12)
        assert _regularised_incomplete_beta(2, 2, x) == pytest.approx(3 * x**2 - 2 * x**3, abs=1e-12)
    assert _regularised_incomplete_beta(3, 3, 0.5) == pytest.approx(0.5, abs=1e-12)
