"""Approving and reopening weeks: only the project's manager, a reason to reopen, and what waits."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.delivery.actions.time import (
    approve_week,
    as_date,
    change_entry,
    reopen_week,
    waiting_weeks_query,
)
from samspill.delivery.models import Project, WeekApproval
from samspill.delivery.tests.timefactories import (
    LAST_MONDAY,
    MONDAY,
    close,
    delivery_manager,
    fix_today,
    log,
    make_project,
)
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    fix_today(monkeypatch)


@pytest.fixture
def project(project_manager: Any, customer: Any, expert: Any) -> Any:
    return make_project(project_manager, customer, team=[expert])


def test_the_project_manager_approves_a_week_with_its_hours(
    project: Any, expert: Any, project_manager: Any
) -> None:
    log(expert, project, LAST_MONDAY, 7)
    log(expert, project, LAST_MONDAY + datetime.timedelta(days=4), "3.5", billable=False)
    approval = approve_week(project, expert, LAST_MONDAY, by=project_manager)
    assert (approval.hours, approval.approved_by, approval.week) == (
        Decimal("10.5"),
        project_manager,
        LAST_MONDAY,
    )
    event = Event.objects.get(verb="week.approved")
    assert event.data == {"person": expert.pk, "week": "2026-W47", "hours": "10.50"}


def test_only_the_project_manager_approves(
    project: Any, expert: Any, manager: Any, administrator: Any, seller: Any
) -> None:
    log(expert, project, LAST_MONDAY, 7)
    for person in (expert, manager, administrator, seller, delivery_manager()):
        with pytest.raises(NotAllowed) as refused:
            approve_week(project, expert, LAST_MONDAY, by=person)
        assert "Only the project manager" in refused.value.message
    assert not WeekApproval.objects.exists()


def test_a_week_is_approved_once_with_hours_and_once_it_has_begun(
    project: Any, expert: Any, project_manager: Any
) -> None:
    with pytest.raises(RuleBroken) as empty:
        approve_week(project, expert, LAST_MONDAY, by=project_manager)
    assert "no hours" in empty.value.message
    with pytest.raises(RuleBroken) as future:
        approve_week(project, expert, MONDAY + datetime.timedelta(days=7), by=project_manager)
    assert "not begun" in future.value.message
    with pytest.raises(InvalidInput):
        approve_week(project, expert, LAST_MONDAY + datetime.timedelta(days=1), by=project_manager)
    log(expert, project, MONDAY, 2)
    approve_week(project, expert, MONDAY, by=project_manager)  # the current week, begun
    with pytest.raises(RuleBroken) as twice:
        approve_week(project, expert, MONDAY, by=project_manager)
    assert "already approved" in twice.value.message


def test_reopening_needs_a_reason_which_the_event_keeps(
    project: Any, expert: Any, project_manager: Any
) -> None:
    entry = log(expert, project, LAST_MONDAY, 7)
    approve_week(project, expert, LAST_MONDAY, by=project_manager)
    for blank in ("", "   "):
        with pytest.raises(InvalidInput) as refused:
            reopen_week(project, expert, LAST_MONDAY, blank, by=project_manager)
        assert "reason" in refused.value.errors
    with pytest.raises(NotAllowed):
        reopen_week(project, expert, LAST_MONDAY, "Feil pakke", by=expert)
    reopen_week(project, expert, LAST_MONDAY, "  Feil pakke  ", by=project_manager)
    assert not WeekApproval.objects.exists()
    event = Event.objects.get(verb="week.reopened")
    assert (event.data["reason"], event.data["week"], event.data["hours"]) == (
        "Feil pakke",
        "2026-W47",
        "7.00",
    )
    assert change_entry(entry, {"hours": 6}, by=expert).hours == 6  # open again
    with pytest.raises(RuleBroken) as again:
        reopen_week(project, expert, LAST_MONDAY, "Igjen", by=project_manager)
    assert "not approved" in again.value.message


def test_a_closed_projects_weeks_stay_approved(project: Any, expert: Any, project_manager: Any) -> None:
    log(expert, project, LAST_MONDAY, 7)
    approve_week(project, expert, LAST_MONDAY, by=project_manager)
    close(project)
    with pytest.raises(RuleBroken):
        reopen_week(project, expert, LAST_MONDAY, "Feil", by=project_manager)


def test_waiting_weeks_are_ended_unapproved_weeks_with_hours_per_person(
    project: Any, expert: Any, project_manager: Any
) -> None:
    log(expert, project, LAST_MONDAY, 7)
    log(expert, project, LAST_MONDAY + datetime.timedelta(days=1), 1, billable=False)
    log(project_manager, project, LAST_MONDAY, 2)
    log(expert, project, LAST_MONDAY - datetime.timedelta(days=7), 4)
    log(expert, project, MONDAY, 5)  # this week has not ended
    approve_week(project, expert, LAST_MONDAY - datetime.timedelta(days=7), by=project_manager)
    rows = list(waiting_weeks_query(Project.objects.filter(pk=project.pk), before=MONDAY))
    found = {(r["person_id"], as_date(r["week"])): (r["total"], r["billable_total"]) for r in rows}
    assert found == {
        (expert.pk, LAST_MONDAY): (Decimal(8), Decimal(7)),
        (project_manager.pk, LAST_MONDAY): (Decimal(2), Decimal(2)),
    }
