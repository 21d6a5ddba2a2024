"""Saving a week's timesheet: every row in one go or nothing, with an error on each cell that is wrong."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.delivery.actions.time import WeekRefused, WeekRow, approve_week, save_week
from samspill.delivery.models import Project, TimeEntry
from samspill.delivery.tests.timefactories import (
    LAST_MONDAY,
    MONDAY,
    close,
    fix_today,
    log,
    make_project,
    package,
)
from samspill.lib.errors import NotAllowed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
D = Decimal


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    fix_today(monkeypatch)


@pytest.fixture
def project(project_manager: Any, customer: Any, expert: Any) -> Any:
    return make_project(project_manager, customer, team=[expert])


def row(pkg: Any, *hours: Any, billable: bool = True, was: bool | None = None, notes: Any = None) -> WeekRow:
    values = [D(str(h)) if h not in (None, "") else None for h in hours] + [None] * (7 - len(hours))
    return WeekRow(pkg, billable, values, list(notes or [""] * 7), was_billable=was)


def entries(person: Any) -> list[tuple[str, bool, datetime.date, Decimal, str]]:
    return [
        (e.package.name, e.billable, e.date, e.hours, e.note)
        for e in TimeEntry.objects.filter(person=person).select_related("package").order_by("date", "package")
    ]


def test_a_week_saves_every_row_and_refreshes_the_numbers(project: Any, expert: Any) -> None:
    analysis, build = package(project), package(project, "Utvikling")
    notes = ["Workshop", "", "", "", "", "", ""]
    saved = save_week(
        expert,
        LAST_MONDAY,
        [row(analysis, 4, 4, notes=notes), row(build, 3, 3, 7.5, billable=False)],
        by=expert,
    )
    assert (saved.created, saved.changed, saved.deleted) == (5, 0, 0)
    assert entries(expert)[0] == ("Analyse", True, LAST_MONDAY, D(4), "Workshop")
    assert Project.objects.get(pk=project.pk).actual_hours == D("21.5")
    assert Event.objects.filter(verb="time.logged").count() == 5


def test_saving_again_changes_only_the_cells_that_changed(project: Any, expert: Any) -> None:
    analysis = package(project)
    save_week(expert, LAST_MONDAY, [row(analysis, 4, 4, 4)], by=expert)
    events_before = Event.objects.count()
    saved = save_week(expert, LAST_MONDAY, [row(analysis, 4, 5, None, was=True)], by=expert)
    assert (saved.created, saved.changed, saved.deleted) == (0, 1, 1)
    assert [e[3] for e in entries(expert)] == [D(4), D(5)]
    assert Event.objects.count() - events_before == 2  # one changed, one deleted
    unchanged = save_week(expert, LAST_MONDAY, [row(analysis, 4, 5, was=True)], by=expert)
    assert unchanged.count == 0


def test_a_cell_of_several_entries_becomes_one_when_changed(project: Any, expert: Any) -> None:
    log(expert, project, LAST_MONDAY, 2, note="a")
    log(expert, project, LAST_MONDAY, 3, note="b")
    same = save_week(
        expert, LAST_MONDAY, [row(package(project), 5, notes=["a · b"] + [""] * 6, was=True)], by=expert
    )
    assert same.count == 0
    save_week(
        expert, LAST_MONDAY, [row(package(project), 6, notes=["samlet"] + [""] * 6, was=True)], by=expert
    )
    assert entries(expert) == [("Analyse", True, LAST_MONDAY, D(6), "samlet")]


def test_turning_a_rows_billable_flag_moves_its_hours(project: Any, expert: Any) -> None:
    analysis = package(project)
    save_week(expert, LAST_MONDAY, [row(analysis, 4, 2)], by=expert)
    ids = set(TimeEntry.objects.values_list("pk", flat=True))
    saved = save_week(expert, LAST_MONDAY, [row(analysis, 4, 2, billable=False, was=True)], by=expert)
    assert (saved.created, saved.changed, saved.deleted) == (0, 2, 0)
    assert set(TimeEntry.objects.values_list("pk", flat=True)) == ids  # the same entries, changed
    assert {e[1] for e in entries(expert)} == {False}


def test_nothing_is_saved_when_one_cell_is_wrong(project: Any, expert: Any) -> None:
    analysis, build = package(project), package(project, "Utvikling")
    with pytest.raises(WeekRefused) as refused:
        save_week(expert, LAST_MONDAY, [row(analysis, 4, 4), row(build, -1, 30)], by=expert)
    errors = refused.value.errors
    assert "negative" in errors["1-0"][0]
    assert "24 hours" in errors["1-1"][0]
    assert "0-0" not in errors
    assert not TimeEntry.objects.exists()


def test_a_note_without_hours_is_an_error_on_its_cell(project: Any, expert: Any) -> None:
    with pytest.raises(WeekRefused) as refused:
        save_week(expert, LAST_MONDAY, [row(package(project), None, 2, notes=["Hva?"] + [""] * 6)], by=expert)
    assert "note" in refused.value.errors["0-0"][0]


def test_a_day_over_24_hours_is_refused_on_the_cells_that_add_to_it(
    project: Any, expert: Any, project_manager: Any, customer: Any
) -> None:
    other = make_project(project_manager, customer, title="Annet", team=[expert])
    log(expert, other, LAST_MONDAY, 10)
    with pytest.raises(WeekRefused) as refused:
        save_week(
            expert,
            LAST_MONDAY,
            [row(package(project), 8, 8), row(package(project, "Utvikling"), 8)],
            by=expert,
        )
    assert set(refused.value.errors) == {"0-0", "1-0"}
    assert "would have 26\xa0t on 16.11.2026" in refused.value.errors["0-0"][0]
    assert TimeEntry.objects.count() == 1


def test_an_approved_week_and_a_closed_project_refuse_their_cells(
    project: Any, expert: Any, project_manager: Any, customer: Any
) -> None:
    closed = make_project(project_manager, customer, title="Ferdig", team=[expert])
    log(expert, project, LAST_MONDAY, 4)
    approve_week(project, expert, LAST_MONDAY, by=project_manager)
    close(closed)
    with pytest.raises(WeekRefused) as refused:
        save_week(
            expert,
            LAST_MONDAY,
            [row(package(project), 5, was=True), row(package(closed), None, 3)],
            by=expert,
        )
    assert "approved" in refused.value.errors["0-0"][0]
    assert "closed" in refused.value.errors["1-1"][0]
    # unchanged cells of a locked row are no error
    assert save_week(expert, LAST_MONDAY, [row(package(project), 4, was=True)], by=expert).count == 0


def test_a_row_on_a_project_one_is_not_on_is_refused(
    project_manager: Any, customer: Any, expert: Any, outsider: Any
) -> None:
    foreign = make_project(project_manager, customer, title="Fremmed")
    with pytest.raises(WeekRefused) as refused:
        save_week(expert, LAST_MONDAY, [row(package(foreign), 2)], by=expert)
    assert "not on the team" in refused.value.errors["0-0"][0]


def test_two_rows_for_the_same_package_and_flag_are_refused(project: Any, expert: Any) -> None:
    with pytest.raises(WeekRefused) as refused:
        save_week(expert, LAST_MONDAY, [row(package(project), 2), row(package(project), 3)], by=expert)
    assert "two rows" in refused.value.errors["1"][0]


def test_days_far_ahead_are_refused(project: Any, expert: Any) -> None:
    next_week = MONDAY + datetime.timedelta(days=7)
    with pytest.raises(WeekRefused) as refused:
        save_week(expert, next_week, [row(package(project), 2, 2, 2, 2, 2)], by=expert)
    assert set(refused.value.errors) == {"0-4"}  # Friday 4 Dec is 8 days after Thursday 26 Nov


def test_only_ones_own_timesheet_is_saved(project: Any, expert: Any, project_manager: Any) -> None:
    with pytest.raises(NotAllowed):
        save_week(expert, LAST_MONDAY, [row(package(project), 2)], by=project_manager)
