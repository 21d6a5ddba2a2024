"""Norwegian formats: kr 1 234 567, 1 234,50, 27.11.2026."""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from samspill.lib.formatting import NBSP, date, hours, nok, number


def test_amounts_read_as_kroner_with_non_breaking_spaces() -> None:
    assert nok(1234567) == f"kr{NBSP}1{NBSP}234{NBSP}567"
    assert nok(Decimal("1234.5")) == f"kr{NBSP}1{NBSP}234,50"
    assert nok(None) == ""


def test_negative_amounts_keep_their_sign() -> None:
    assert number(-1500) == f"−1{NBSP}500"


def test_hours_use_a_decimal_comma() -> None:
    assert hours(Decimal("37.5")) == f"37,5{NBSP}t"
    assert hours(40) == f"40{NBSP}t"


def test_dates_read_day_month_year() -> None:
    assert date(datetime.date(2026, 11, 27)) == "27.11.2026"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_grouping_never_changes_the_value(value: int) -> None:
    text = number(value)
    assert int(text.replace(NBSP, "").replace("−", "-")) == value
    groups = text.lstrip("−").split(NBSP)
    assert all(len(group) == 3 for group in groups[1:]) and 1 <= len(groups[0]) <= 3


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_two_decimals_round_trip(value: Decimal) -> None:
    text = number(value, 2)
    back = Decimal(text.replace(NBSP, "").replace("−", "-").replace(",", "."))
    assert back == value
