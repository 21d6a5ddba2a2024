"""Properties of the timesheet's arithmetic: hours read back as written, and a saved week is exactly the
grid that was typed, or nothing changes at all."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samspill.delivery.actions.time import DAY_LIMIT, WeekRefused, WeekRow, parse_hours, save_week
from samspill.delivery.models import TimeEntry
from samspill.delivery.tests.timefactories import LAST_MONDAY, fix_today, log, make_project, package
from samspill.delivery.views.time import _hours_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

hundredths = st.integers(min_value=0, max_value=2400).map(lambda n: Decimal(n) / 100)
halves = st.integers(min_value=0, max_value=28).map(lambda n: Decimal(n) / 2)


@given(hundredths)
def test_hours_shown_in_a_cell_read_back_as_the_same_hours(hours: Decimal) -> None:
    text = _hours_text(hours)
    assert (parse_hours(text) or Decimal(0)) == hours
    assert "." not in text


@given(st.integers(min_value=0, max_value=23), st.integers(min_value=0, max_value=59))
def test_hours_and_minutes_read_as_hours_to_the_hundredth(whole: int, minutes: int) -> None:
    parsed = parse_hours(f"{whole}:{minutes:02d}")
    assert parsed is not None
    assert abs(parsed - (whole + Decimal(minutes) / 60)) <= Decimal("0.005")


@pytest.fixture
def sheet(monkeypatch: pytest.MonkeyPatch, project_manager: Any, customer: Any, expert: Any) -> Any:
    fix_today(monkeypatch)
    project = make_project(project_manager, customer, team=[expert])
    log(expert, project, LAST_MONDAY + datetime.timedelta(days=2), 6, name="Utvikling", billable=False)
    return project


@given(grid=st.lists(st.lists(halves, min_size=7, max_size=7), min_size=2, max_size=2))
def test_a_saved_week_is_the_grid_typed_or_nothing_changes(
    sheet: Any, expert: Any, grid: list[list[Decimal]]
) -> None:
    rows = [
        WeekRow(package(sheet, name), True, list(hours), [""] * 7)
        for name, hours in zip(("Analyse", "Utvikling"), grid, strict=True)
    ]
    before = sorted(TimeEntry.objects.values_list("package_id", "billable", "date", "hours"))
    try:
        save_week(expert, LAST_MONDAY, rows, by=expert)
    except WeekRefused as refused:
        days = {int(key.split("-")[1]) for key in refused.errors}
        assert days
        assert all(grid[0][d] + grid[1][d] + (6 if d == 2 else 0) > DAY_LIMIT for d in days)
        assert sorted(TimeEntry.objects.values_list("package_id", "billable", "date", "hours")) == before
        return
    for row, hours in zip(rows, grid, strict=True):
        for day, value in enumerate(hours):
            stored = TimeEntry.objects.filter(
                package=row.package, billable=True, date=LAST_MONDAY + datetime.timedelta(days=day)
            ).values_list("hours", flat=True)
            assert sum(stored, Decimal(0)) == value
    TimeEntry.objects.filter(billable=True).delete()  # the next example starts from the same week
