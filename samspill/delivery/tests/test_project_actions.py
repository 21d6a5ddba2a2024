"""Actions on a project: fields, status, progress, milestones, team, staffing, reports, expectations."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.delivery.actions import projects as actions
from samspill.delivery.models import (
    Deviation,
    DeviationKind,
    DeviationStatus,
    Milestone,
    Project,
    ProjectMember,
    ProjectPackage,
    Staffing,
    StatusReport,
)
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken, StaleVersion

pytestmark = pytest.mark.django_db


def _package(project: Any, position: int = 0) -> ProjectPackage:
    return ProjectPackage.objects.filter(project=project).order_by("position", "pk")[position]


def _close(project: Any, by: Any) -> Project:
    from samspill.delivery.actions.closing import close_project

    return close_project(project, satisfaction=4, went_well="Godt samarbeid", by=by)


# -- starting by hand ------------------------------------------------------------------------------


def test_a_project_started_by_hand_gets_its_baseline_team_and_price(
    project: Any, project_manager: Any
) -> None:
    assert project.baselines.get().number == 1
    assert project.budget_hours == Decimal(400)
    assert project.price == Decimal(100 * 1200 + 300 * 1400)
    roles = dict(ProjectMember.objects.filter(project=project).values_list("person__username", "role"))
    assert roles == {"pia": "project_manager", "selma": "seller"}
    assert Event.objects.filter(verb="project.created", target_id=str(project.pk)).exists()


def test_only_delivery_people_start_projects_by_hand(customer: Any, seller: Any) -> None:
    with pytest.raises(NotAllowed):
        actions.create_project({"customer": customer, "title": "X", "manager": seller}, by=seller)


def test_a_project_needs_a_customer_a_title_and_a_manager(project_manager: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        actions.create_project({"title": " "}, by=project_manager)
    assert set(refused.value.errors) == {"customer", "title", "manager"}


def test_a_package_without_a_name_is_refused(customer: Any, project_manager: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        actions.create_project(
            {"customer": customer, "title": "X", "manager": project_manager},
            by=project_manager,
            packages=[{"name": "", "hours": 10}],
        )
    assert "packages" in refused.value.errors


# -- fields and status -----------------------------------------------------------------------------


def test_the_project_manager_changes_the_fields_with_a_version_and_an_event(
    project: Any, project_manager: Any
) -> None:
    saved = actions.update_project(
        project,
        {"title": "Kundeportal fase 1", "tags": "portal, portal, azure"},
        by=project_manager,
        version=1,
    )
    assert (saved.title, saved.tags, saved.version) == ("Kundeportal fase 1", ["portal", "azure"], 2)
    event = Event.objects.get(verb="project.updated")
    assert event.changes["title"]["after"] == "Kundeportal fase 1"


def test_a_stale_edit_is_refused(project: Any, project_manager: Any) -> None:
    actions.update_project(project, {"title": "A"}, by=project_manager, version=1)
    with pytest.raises(StaleVersion):
        actions.update_project(project, {"title": "B"}, by=project_manager, version=1)


def test_an_end_before_the_start_is_refused(project: Any, project_manager: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        actions.update_project(
            project,
            {"ends_on": project.starts_on - datetime.timedelta(days=1)},
            by=project_manager,
            version=None,
        )
    assert "ends_on" in refused.value.errors


def test_somebody_else_cannot_change_the_project(project: Any, seller: Any, outsider: Any) -> None:
    for person in (seller, outsider):
        with pytest.raises(NotAllowed):
            actions.update_project(project, {"title": "X"}, by=person, version=None)


def test_a_new_project_manager_takes_the_role_on_the_team(
    project: Any, project_manager: Any, expert: Any
) -> None:
    from samspill.people.models import RoleAssignment

    RoleAssignment.objects.create(person=expert, role="project_manager")
    actions.update_project(project, {"manager": expert}, by=project_manager, version=None)
    roles = dict(ProjectMember.objects.filter(project=project).values_list("person__username", "role"))
    assert roles["frode"] == "project_manager" and roles["pia"] == "member"


def test_the_status_moves_between_planned_active_and_on_hold_but_not_to_closed(
    project: Any, project_manager: Any
) -> None:
    saved = actions.set_project_status(project, "on_hold", by=project_manager, version=1)
    assert saved.status == "on_hold"
    with pytest.raises(RuleBroken, match="closing"):
        actions.set_project_status(saved, "closed", by=project_manager, version=None)
    with pytest.raises(InvalidInput):
        actions.set_project_status(saved, "finished", by=project_manager, version=None)


# -- progress --------------------------------------------------------------------------------------


def test_progress_is_remaining_hours_or_percent_not_both(project: Any, project_manager: Any) -> None:
    package = _package(project)
    with pytest.raises(InvalidInput) as refused:
        actions.set_package_progress(
            package, remaining_hours=10, percent_complete=50, by=project_manager, version=None
        )
    assert set(refused.value.errors) == {"remaining_hours", "percent_complete"}
    for bad in (
        {"remaining_hours": "-1"},
        {"percent_complete": "101"},
        {"percent_complete": "12.5"},
        {"remaining_hours": "mye"},
    ):
        with pytest.raises(InvalidInput):
            actions.set_package_progress(package, **bad, by=project_manager, version=None)


def test_setting_one_kind_of_progress_clears_the_other_and_refreshes_the_forecast(
    project: Any, project_manager: Any, book: Any
) -> None:
    package = _package(project)
    book(package, project_manager, 40)
    saved = actions.set_package_progress(package, percent_complete=25, by=project_manager, version=1)
    project.refresh_from_db()
    assert project.forecast_hours == Decimal(160 + 300)  # 40 h is a quarter of 160 h
    saved = actions.set_package_progress(saved, remaining_hours="30", by=project_manager, version=2)
    assert (saved.remaining_hours, saved.percent_complete, saved.version) == (Decimal(30), None, 3)
    project.refresh_from_db()
    assert project.forecast_hours == Decimal(70 + 300)
    assert Event.objects.filter(verb="package.progress_set").count() == 2


def test_progress_that_pushes_the_forecast_past_the_threshold_opens_a_deviation_and_turns_red(
    project: Any, project_manager: Any, book: Any
) -> None:
    package = _package(project)
    book(package, project_manager, 80)
    actions.set_package_progress(package, remaining_hours=80, by=project_manager, version=None)
    project.refresh_from_db()
    assert project.forecast_hours == Decimal(460)  # 15 % over 400
    assert project.health == "red"
    assert (
        Deviation.objects.filter(
            project=project, kind=DeviationKind.FORECAST_OVER_BASELINE, status=DeviationStatus.OPEN
        ).count()
        == 1
    )


# -- milestones ------------------------------------------------------------------------------------


def test_milestones_are_added_moved_and_reached(
    project: Any, project_manager: Any, today: datetime.date
) -> None:
    milestone = actions.create_milestone(
        project, {"name": "Go-live", "planned_on": today + datetime.timedelta(days=30)}, by=project_manager
    )
    moved = actions.update_milestone(
        milestone, {"forecast_on": today + datetime.timedelta(days=44)}, by=project_manager, version=1
    )
    assert moved.slip_days == 14
    assert Deviation.objects.filter(
        project=project, kind=DeviationKind.MILESTONE_LATE, status="open"
    ).exists()
    project.refresh_from_db()
    assert project.health == "amber"
    reached = actions.update_milestone(
        moved, {"forecast_on": None, "done_on": today}, by=project_manager, version=2
    )
    assert reached.done_on == today and reached.slip_days < 0
    assert not Deviation.objects.filter(
        project=project, kind=DeviationKind.MILESTONE_LATE, status="open"
    ).exists()


def test_a_milestone_cannot_be_reached_in_the_future_nor_lack_a_name(
    project: Any, project_manager: Any, today: datetime.date
) -> None:
    with pytest.raises(InvalidInput) as refused:
        actions.create_milestone(
            project,
            {"name": "", "planned_on": today, "done_on": today + datetime.timedelta(days=1)},
            by=project_manager,
        )
    assert set(refused.value.errors) == {"name", "done_on"}


def test_a_milestone_is_removed_with_an_event(
    project: Any, project_manager: Any, today: datetime.date
) -> None:
    milestone = actions.create_milestone(
        project, {"name": "Go-live", "planned_on": today}, by=project_manager
    )
    actions.remove_milestone(milestone, by=project_manager)
    assert not Milestone.objects.exists()
    assert Event.objects.filter(verb="milestone.removed").exists()


# -- team and staffing -----------------------------------------------------------------------------


def test_staffing_sets_hours_per_person_package_and_week_and_zero_removes(
    project: Any, project_manager: Any, expert: Any, today: datetime.date
) -> None:
    package = _package(project, 1)
    wednesday = today - datetime.timedelta(days=2)
    changed = actions.set_staffing(
        project,
        [
            {"package": package, "person": expert, "week": wednesday, "hours": "30"},
            {
                "package": package.pk,
                "person": expert.pk,
                "week": today + datetime.timedelta(days=7),
                "hours": 20,
            },
        ],
        by=project_manager,
    )
    assert changed == 2
    row = Staffing.objects.get(week=datetime.date(2025, 3, 10))
    assert row.hours == Decimal(30)
    assert ProjectMember.objects.filter(project=project, person=expert, role="member").exists()
    changed = actions.set_staffing(
        project, [{"package": package, "person": expert, "week": wednesday, "hours": 0}], by=project_manager
    )
    assert changed == 1 and Staffing.objects.count() == 1
    assert Event.objects.filter(verb="project.staffing_set").count() == 2


def test_staffing_refuses_other_projects_packages_and_impossible_hours(
    project: Any, make_project: Any, project_manager: Any, expert: Any, today: datetime.date
) -> None:
    other = make_project("Annet prosjekt")
    with pytest.raises(InvalidInput, match="not in this project"):
        actions.set_staffing(
            project,
            [{"package": _package(other), "person": expert, "week": today, "hours": 5}],
            by=project_manager,
        )
    with pytest.raises(InvalidInput, match="between 0 and 80"):
        actions.set_staffing(
            project,
            [{"package": _package(project), "person": expert, "week": today, "hours": 81}],
            by=project_manager,
        )
    assert not Staffing.objects.exists()


def test_the_project_manager_stays_on_the_team(project: Any, project_manager: Any, expert: Any) -> None:
    member = actions.add_member(project, expert, "member", by=project_manager)
    actions.remove_member(member, by=project_manager)
    assert not ProjectMember.objects.filter(project=project, person=expert).exists()
    manager = ProjectMember.objects.get(project=project, person=project_manager)
    with pytest.raises(RuleBroken):
        actions.remove_member(manager, by=project_manager)


# -- status reports --------------------------------------------------------------------------------


def test_status_reports_keep_their_history_and_set_the_health(
    project: Any, project_manager: Any, today: datetime.date
) -> None:
    actions.add_status_report(
        project,
        health="green",
        comment="Godt i gang",
        by=project_manager,
        week=today - datetime.timedelta(days=7),
    )
    actions.add_status_report(project, health="red", comment="Kunden mangler testmiljø", by=project_manager)
    assert list(StatusReport.objects.filter(project=project).values_list("health", flat=True)) == [
        "red",
        "green",
    ]
    assert StatusReport.objects.filter(health="red").get().week == datetime.date(2025, 3, 10)
    project.refresh_from_db()
    assert project.health == "red"


def test_a_status_report_needs_a_health_and_a_comment_and_not_a_future_week(
    project: Any, project_manager: Any, today: datetime.date
) -> None:
    with pytest.raises(InvalidInput) as refused:
        actions.add_status_report(project, health="blue", comment=" ", by=project_manager)
    assert set(refused.value.errors) == {"health", "comment"}
    with pytest.raises(InvalidInput):
        actions.add_status_report(
            project, health="green", comment="x", by=project_manager, week=today + datetime.timedelta(days=7)
        )


# -- expectations ----------------------------------------------------------------------------------


def test_the_project_manager_tracks_an_expectation_with_a_note_and_a_deviation_opens(
    won_project: Any, project_manager: Any
) -> None:
    expectation = won_project.opportunity.expectations.order_by("pk").first()
    saved = actions.set_expectation_status(
        won_project, expectation, "at_risk", by=project_manager, version=1, note="Testmiljøet er forsinket"
    )
    assert (saved.status, saved.version) == ("at_risk", 2)
    event = Event.objects.get(verb="expectation.status_set")
    assert event.data["note"] == "Testmiljøet er forsinket"
    assert event.changes["status"]["after"] == "at_risk"
    assert Deviation.objects.filter(
        project=won_project, kind=DeviationKind.EXPECTATION, status="open"
    ).exists()
    won_project.refresh_from_db()
    assert won_project.health == "amber"


def test_an_expectation_of_another_opportunity_or_an_unknown_status_is_refused(
    won_project: Any, project: Any, project_manager: Any
) -> None:
    expectation = won_project.opportunity.expectations.first()
    with pytest.raises(InvalidInput):
        actions.set_expectation_status(project, expectation, "met", by=project_manager, version=None)
    with pytest.raises(InvalidInput):
        actions.set_expectation_status(
            won_project, expectation, "forgotten", by=project_manager, version=None
        )


# -- closed projects -------------------------------------------------------------------------------


def test_a_closed_project_refuses_every_change_with_a_clear_message(
    project: Any, project_manager: Any, expert: Any, today: datetime.date
) -> None:
    closed = _close(project, project_manager)
    package = _package(closed)
    attempts = [
        lambda: actions.update_project(closed, {"title": "X"}, by=project_manager, version=None),
        lambda: actions.set_project_status(closed, "active", by=project_manager, version=None),
        lambda: actions.set_package_progress(package, remaining_hours=5, by=project_manager, version=None),
        lambda: actions.create_milestone(closed, {"name": "X", "planned_on": today}, by=project_manager),
        lambda: actions.add_status_report(closed, health="green", comment="x", by=project_manager),
        lambda: actions.set_staffing(
            closed, [{"package": package, "person": expert, "week": today, "hours": 1}], by=project_manager
        ),
    ]
    for attempt in attempts:
        with pytest.raises(RuleBroken, match="closed and its numbers are final"):
            attempt()
