"""Logging, changing and deleting hours: each rule refuses with a clear message, and numbers follow."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.delivery.access import can_log_time
from samspill.delivery.actions.time import (
    approve_week,
    change_entry,
    delete_entry,
    log_time,
    loggers,
    parse_hours,
    parse_week,
    week_code,
)
from samspill.delivery.models import Deviation, Project, TimeEntry
from samspill.delivery.tests.timefactories import (
    MONDAY,
    TODAY,
    close,
    delivery_manager,
    fix_today,
    log,
    make_project,
    package,
)
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    fix_today(monkeypatch)


@pytest.fixture
def project(project_manager: Any, customer: Any, expert: Any) -> Any:
    return make_project(project_manager, customer, team=[expert])


def test_a_team_member_logs_hours_and_the_project_numbers_follow(project: Any, expert: Any) -> None:
    entry = log(expert, project, MONDAY, "7.5", note="Workshop")
    assert (entry.hours, entry.billable, entry.note, entry.person) == (
        Decimal("7.5"),
        True,
        "Workshop",
        expert,
    )
    project.refresh_from_db()
    assert project.actual_hours == Decimal("7.5")
    assert package(project).actual_hours == Decimal("7.5")
    event = Event.objects.get(verb="time.logged")
    assert event.changes["hours"]["after"] == "7.5"
    assert event.context_id == str(project.pk)


def test_hours_past_a_package_budget_open_a_deviation(
    project_manager: Any, customer: Any, expert: Any
) -> None:
    small = make_project(project_manager, customer, title="Liten", team=[expert], packages=[("Analyse", 10)])
    log(expert, small, MONDAY, 8)
    assert not Deviation.objects.filter(project=small, kind="package_over_budget").exists()
    log(expert, small, MONDAY + datetime.timedelta(days=1), 8)
    assert Deviation.objects.filter(project=small, kind="package_over_budget", status="open").count() == 1


def test_someone_not_on_the_team_cannot_log_hours(project: Any, outsider: Any, seller: Any) -> None:
    for person in (outsider, seller):
        with pytest.raises(NotAllowed) as refused:
            log(person, project, MONDAY, 2)
        assert "not on the team" in refused.value.message
    assert not TimeEntry.objects.exists()


def test_the_project_manager_and_delivery_managers_log_hours_without_being_members(
    project: Any, project_manager: Any
) -> None:
    log(project_manager, project, MONDAY, 2)
    log(delivery_manager(), project, MONDAY, 3)
    assert TimeEntry.objects.count() == 2


def test_the_batch_rule_for_who_logs_agrees_with_can_log_time(
    project: Any, project_manager: Any, expert: Any, outsider: Any, seller: Any, manager: Any
) -> None:
    people = [project_manager, expert, outsider, seller, manager, delivery_manager()]
    allowed = loggers([project], people)
    for person in people:
        assert ((project.pk, person.pk) in allowed) == can_log_time(person, project), person.username


def test_only_the_project_manager_logs_hours_for_someone_else(
    project: Any, project_manager: Any, expert: Any, customer: Any
) -> None:
    colleague = make_project(project_manager, customer, title="Annet", team=[expert])
    log(expert, project, MONDAY, 2, by=project_manager)
    from samspill.delivery.tests.timefactories import person

    member = person("mia", ["expert"], name="Mia Medlem")
    from samspill.delivery.models import ProjectMember

    ProjectMember.objects.create(project=colleague, person=member)
    with pytest.raises(NotAllowed) as refused:
        log(expert, colleague, MONDAY, 2, by=member)
    assert "Only the project manager" in refused.value.message


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("-1", "cannot be negative"),
        ("0", "more than 0"),
        ("24.5", "at most 24"),
        ("7.333", "two decimals"),
        ("sju", "as a number"),
        ("NaN", "as a number"),
    ],
)
def test_nonsense_hours_are_refused(project: Any, expert: Any, hours: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        log_time(expert, project, package(project), MONDAY, hours, by=expert)
    assert message in " ".join(refused.value.errors["hours"])


def test_a_day_holds_at_most_24_hours_over_every_project(
    project: Any, expert: Any, project_manager: Any, customer: Any
) -> None:
    other = make_project(project_manager, customer, title="Annet", team=[expert])
    log(expert, project, MONDAY, 16)
    log(expert, other, MONDAY, 8)
    with pytest.raises(InvalidInput) as refused:
        log(expert, other, MONDAY, "0.5")
    assert "24,5" in refused.value.errors["hours"][0]
    assert "at most 24 hours" in refused.value.errors["hours"][0]
    log(expert, other, MONDAY + datetime.timedelta(days=1), "0.5")  # another day is fine


def test_hours_far_ahead_are_refused_but_a_week_ahead_is_fine(project: Any, expert: Any) -> None:
    log(expert, project, TODAY + datetime.timedelta(days=7), 2)
    with pytest.raises(InvalidInput) as refused:
        log(expert, project, TODAY + datetime.timedelta(days=8), 2)
    assert "days ahead" in refused.value.errors["date"][0]


def test_hours_before_the_planned_start_are_accepted(project: Any, expert: Any) -> None:
    assert log(expert, project, datetime.date(2026, 8, 20), 2).pk


def test_a_package_of_another_project_is_refused(
    project: Any, expert: Any, project_manager: Any, customer: Any
) -> None:
    other = make_project(project_manager, customer, title="Annet", team=[expert], packages=[("Drift", 50)])
    with pytest.raises(InvalidInput) as refused:
        log_time(expert, project, package(other, "Drift"), MONDAY, 2, by=expert)
    assert "belongs to another project" in refused.value.errors["package"][0]


def test_a_closed_project_refuses_new_changed_and_deleted_hours(project: Any, expert: Any) -> None:
    entry = log(expert, project, MONDAY, 2)
    close(project)
    with pytest.raises(RuleBroken) as refused:
        log(expert, project, MONDAY, 1)
    assert "is closed" in refused.value.message
    with pytest.raises(RuleBroken):
        change_entry(entry, {"hours": 3}, by=expert)
    with pytest.raises(RuleBroken):
        delete_entry(entry, by=expert)
    assert TimeEntry.objects.get().hours == 2


def test_an_approved_week_refuses_new_changed_moved_and_deleted_hours(
    project: Any, expert: Any, project_manager: Any
) -> None:
    entry = log(expert, project, MONDAY, 2)
    later = log(expert, project, MONDAY + datetime.timedelta(days=7), 2)
    approve_week(project, expert, MONDAY, by=project_manager)
    with pytest.raises(RuleBroken) as refused:
        log(expert, project, MONDAY + datetime.timedelta(days=2), 1)
    assert "Week 48 is approved" in refused.value.message
    with pytest.raises(RuleBroken):
        change_entry(entry, {"note": "later"}, by=expert)
    with pytest.raises(RuleBroken):
        change_entry(entry, {"date": MONDAY + datetime.timedelta(days=7)}, by=expert)  # out of the week
    with pytest.raises(RuleBroken):
        change_entry(later, {"date": MONDAY}, by=expert)  # into the week
    with pytest.raises(RuleBroken):
        delete_entry(entry, by=expert)
    assert TimeEntry.objects.filter(date=MONDAY).count() == 1


def test_another_persons_week_and_another_project_stay_open(
    project: Any, expert: Any, project_manager: Any, customer: Any
) -> None:
    other = make_project(project_manager, customer, title="Annet", team=[expert])
    log(expert, project, MONDAY, 2)
    approve_week(project, expert, MONDAY, by=project_manager)
    assert log(project_manager, project, MONDAY, 1).pk
    assert log(expert, other, MONDAY, 1).pk


def test_changing_an_entry_records_what_changed_and_refreshes_the_numbers(project: Any, expert: Any) -> None:
    entry = log(expert, project, MONDAY, 2)
    changed = change_entry(entry, {"hours": "3,5", "package": package(project, "Utvikling")}, by=expert)
    assert (changed.hours, changed.package.name) == (Decimal("3.5"), "Utvikling")
    assert package(project, "Analyse").actual_hours == 0
    assert package(project, "Utvikling").actual_hours == Decimal("3.5")
    event = Event.objects.get(verb="time.changed")
    assert set(event.changes) == {"hours", "package"}


def test_changing_an_entry_counts_its_own_hours_once_for_the_day(project: Any, expert: Any) -> None:
    entry = log(expert, project, MONDAY, 20)
    assert change_entry(entry, {"hours": 24}, by=expert).hours == 24
    with pytest.raises(InvalidInput):
        change_entry(entry, {"hours": "24.5"}, by=expert)


def test_someone_else_cannot_change_or_delete_an_entry(project: Any, expert: Any, outsider: Any) -> None:
    entry = log(expert, project, MONDAY, 2)
    with pytest.raises(NotAllowed):
        change_entry(entry, {"hours": 1}, by=outsider)
    with pytest.raises(NotAllowed):
        delete_entry(entry, by=outsider)


def test_deleting_an_entry_records_it_and_refreshes_the_numbers(project: Any, expert: Any) -> None:
    entry = log(expert, project, MONDAY, 2)
    delete_entry(entry, by=expert)
    assert not TimeEntry.objects.exists()
    assert Project.objects.get(pk=project.pk).actual_hours == 0
    assert Event.objects.filter(verb="time.deleted", target_id=str(entry.pk)).exists()


def test_hours_read_with_a_decimal_comma_or_as_hours_and_minutes() -> None:
    assert parse_hours("7,5") == Decimal("7.5")
    assert parse_hours(" 7.25 ") == Decimal("7.25")
    assert parse_hours("7:30") == Decimal("7.50")
    assert parse_hours("0:20") == Decimal("0.33")
    assert parse_hours("") is None
    for bad in ("7:75", "1e3x", "7,5,5", "abc", "7:3"):
        with pytest.raises(ValueError):
            parse_hours(bad)


def test_weeks_read_and_write_as_iso_weeks() -> None:
    assert parse_week("2026-W48") == MONDAY
    assert parse_week("2026-w1") == datetime.date(2025, 12, 29)
    assert week_code(MONDAY) == "2026-W48"
    for bad in ("2026-W54", "2026-48", "W48", "", "20260-W1", "2026-W"):
        with pytest.raises(ValueError):
            parse_week(bad)
