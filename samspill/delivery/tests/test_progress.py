"""Progress arithmetic: remaining and forecast, earned value in hours, margin and health."""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from samspill.delivery import progress

D = Decimal
hours = st.decimals(min_value=0, max_value=10_000, places=1, allow_nan=False, allow_infinity=False)
percents = st.integers(min_value=0, max_value=100)
days = st.dates(min_value=datetime.date(2024, 1, 1), max_value=datetime.date(2027, 12, 31))
money = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)


# -- remaining and forecast ------------------------------------------------------------------------


@given(budget=hours, actual=hours, left=st.none() | hours, done=st.none() | percents)
def test_remaining_is_never_negative_and_the_forecast_never_below_what_is_booked(
    budget: Decimal, actual: Decimal, left: Decimal | None, done: int | None
) -> None:
    remaining = progress.remaining(budget, actual, remaining_hours=left, percent_complete=done)
    assert remaining >= 0
    assert progress.forecast_at_completion(actual, remaining) >= actual


@given(budget=hours, actual=hours)
def test_without_stated_progress_the_forecast_is_the_budget_or_what_is_booked_if_more(
    budget: Decimal, actual: Decimal
) -> None:
    remaining = progress.remaining(budget, actual, remaining_hours=None, percent_complete=None)
    assert progress.forecast_at_completion(actual, remaining) == max(budget, actual)


@given(budget=hours, actual=hours, left=hours)
def test_stated_remaining_hours_win(budget: Decimal, actual: Decimal, left: Decimal) -> None:
    assert progress.remaining(budget, actual, remaining_hours=left, percent_complete=50) == left


@given(budget=hours, actual=hours.filter(lambda h: h > 0), done=st.integers(min_value=1, max_value=100))
def test_with_percent_complete_what_is_booked_is_that_share_of_the_forecast(
    budget: Decimal, actual: Decimal, done: int
) -> None:
    remaining = progress.remaining(budget, actual, remaining_hours=None, percent_complete=done)
    forecast = progress.forecast_at_completion(actual, remaining)
    assert abs(forecast * done / 100 - actual) < D("0.0001")


def test_a_package_at_100_percent_has_nothing_left() -> None:
    assert progress.remaining(D(100), D(140), remaining_hours=None, percent_complete=100) == 0


def test_percent_complete_before_any_hours_are_booked_takes_the_rest_of_the_budget() -> None:
    assert progress.remaining(D(200), D(0), remaining_hours=None, percent_complete=25) == D(150)


# -- share done ------------------------------------------------------------------------------------


@given(budget=hours, actual=hours, left=st.none() | hours, done=st.none() | percents)
def test_the_share_done_is_between_nothing_and_all(
    budget: Decimal, actual: Decimal, left: Decimal | None, done: int | None
) -> None:
    share = progress.share_done(budget, actual, remaining_hours=left, percent_complete=done)
    assert 0 <= share <= 1


@given(budget=hours, done=percents, actual=hours)
def test_a_stated_percent_complete_is_the_share_done(budget: Decimal, done: int, actual: Decimal) -> None:
    assert progress.share_done(budget, actual, remaining_hours=None, percent_complete=done) == D(done) / 100


def test_remaining_hours_give_the_share_done_as_booked_over_forecast() -> None:
    assert progress.share_done(D(100), D(60), remaining_hours=D(40), percent_complete=None) == D("0.6")


# -- planned value ---------------------------------------------------------------------------------


@given(start=days, length=st.integers(min_value=0, max_value=400), first=days, second=days)
def test_planned_share_grows_with_the_date_from_nothing_to_all(
    start: datetime.date, length: int, first: datetime.date, second: datetime.date
) -> None:
    end = start + datetime.timedelta(days=length)
    early, late = sorted([first, second])
    assert 0 <= progress.planned_share(start, end, early) <= progress.planned_share(start, end, late) <= 1
    assert progress.planned_share(start, end, start - datetime.timedelta(days=1)) == 0
    assert progress.planned_share(start, end, end) == 1


def test_planned_value_spreads_the_budget_evenly_over_the_days() -> None:
    start = datetime.date(2025, 3, 1)
    end = datetime.date(2025, 3, 10)  # ten days, both counted
    assert progress.planned_value(D(100), start, end, datetime.date(2025, 3, 3)) == D(30)


def test_without_dates_nothing_is_planned() -> None:
    assert progress.planned_value(D(100), None, datetime.date(2025, 3, 10), datetime.date(2025, 3, 3)) == 0


# -- earned value ----------------------------------------------------------------------------------

ON = datetime.date(2025, 3, 14)
plans = st.builds(
    progress.PackagePlan,
    budget_hours=hours,
    actual_hours=hours,
    remaining_hours=st.none() | hours,
    percent_complete=st.none() | percents,
    starts_on=st.none() | st.just(datetime.date(2025, 1, 1)),
    ends_on=st.none() | st.just(datetime.date(2025, 6, 30)),
)


@given(packages=st.lists(plans, max_size=6))
def test_earned_and_planned_value_never_exceed_the_budget_and_add_up_over_packages(
    packages: list[progress.PackagePlan],
) -> None:
    total = progress.earned_value(packages, ON)
    assert 0 <= total.earned <= total.budget
    assert 0 <= total.planned <= total.budget
    assert total.earned == sum((p.earned for p in packages), D(0))
    assert total.actual == sum((p.actual_hours for p in packages), D(0))


@given(budget=hours.filter(lambda h: h > 0), actual=hours.filter(lambda h: h > 0))
def test_a_package_without_stated_progress_within_its_budget_has_a_cpi_of_one(
    budget: Decimal, actual: Decimal
) -> None:
    actual = min(actual, budget)
    total = progress.earned_value([progress.PackagePlan(budget, actual)], ON)
    assert total.cpi == 1


def test_cpi_and_spi_in_hours() -> None:
    # 100 h budget over January–April; on 14 March about 61 % is planned; half the work is done with 60 h.
    package = progress.PackagePlan(
        D(100),
        D(60),
        percent_complete=50,
        starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2025, 4, 30),
    )
    total = progress.earned_value([package], ON)
    assert total.earned == D(50)
    assert total.cpi == D(50) / D(60)
    assert round(total.planned, 2) == D("60.83")  # 73 of 120 days
    assert round(total.spi or 0, 3) == D("0.822")


def test_without_planned_dates_there_is_no_spi() -> None:
    total = progress.earned_value([progress.PackagePlan(D(100), D(10))], ON)
    assert total.spi is None and total.cpi == 1


def test_without_hours_booked_there_is_no_cpi() -> None:
    assert progress.earned_value([progress.PackagePlan(D(100), D(0))], ON).cpi is None


# -- margin ----------------------------------------------------------------------------------------


@given(price=money, billable=money)
def test_revenue_follows_the_contract(price: Decimal, billable: Decimal) -> None:
    assert progress.revenue("fixed_price", price, billable) == price
    assert progress.revenue("time_and_materials", price, billable) == billable
    capped = progress.revenue("capped", price, billable)
    assert capped == (min(price, billable) if price > 0 else billable)


@given(revenue=money, cost=money)
def test_margin_is_revenue_less_cost_and_its_share_of_revenue(revenue: Decimal, cost: Decimal) -> None:
    margin = progress.margin(revenue, cost)
    assert margin.amount == revenue - cost
    if revenue > 0:
        assert margin.percent is not None
        assert abs(margin.percent * revenue / 100 - margin.amount) < D("0.0001")
    else:
        assert margin.percent is None


# -- health ----------------------------------------------------------------------------------------


def _health(**facts: object) -> progress.Assessment:
    values = {"forecast": D(100), "baseline": D(100), "threshold": D(10), **facts}
    return progress.assess_health(**values)  # type: ignore[arg-type]


def test_a_project_on_its_baseline_with_nothing_late_is_green_and_says_why() -> None:
    health = _health()
    assert health.level == "green"
    assert "within the baseline" in health.reasons[0].text


def test_a_forecast_over_the_baseline_is_amber_and_over_the_threshold_red() -> None:
    assert _health(forecast=D(105)).level == "amber"
    red = _health(forecast=D(110))
    assert red.level == "red"
    assert "10 % over the baseline" in red.reasons[0].text


def test_a_broken_expectation_is_red_and_one_at_risk_amber() -> None:
    broken = progress.TroubledExpectation("Go-live før sommeren", "broken")
    at_risk = progress.TroubledExpectation("BankID", "at_risk")
    assert _health(expectations=[broken]).level == "red"
    assert _health(expectations=[at_risk]).level == "amber"
    assert "Go-live før sommeren" in _health(expectations=[broken]).reasons[0].text


def test_the_project_managers_red_report_makes_the_project_red_whatever_the_numbers() -> None:
    health = _health(reported="red", reported_comment="Kunden har stoppet arbeidet")
    assert health.level == "red"
    assert "Kunden har stoppet arbeidet" in health.reasons[0].text


def test_a_late_milestone_and_a_package_over_budget_are_amber_and_worst_reasons_come_first() -> None:
    late = progress.LateMilestone("Go-live", datetime.date(2025, 5, 1), datetime.date(2025, 5, 20))
    over = progress.PackageOver("Analyse", D(120), D(100))
    health = _health(late=[late], packages_over=[over], forecast=D(115))
    assert health.level == "red"
    assert [r.level for r in health.reasons] == ["red", "amber", "amber"]
    assert any("Go-live" in r.text and "20.05.2025" in r.text for r in health.reasons)
