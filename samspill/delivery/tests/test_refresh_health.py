"""The daily scan keeps the stored health current as days pass: a milestone whose day passed makes a project
amber in the list, without anyone touching it, in a fixed number of queries per batch."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from samspill.delivery import figures
from samspill.delivery.actions.projects import add_status_report, create_milestone, refresh_health
from samspill.delivery.models import Deviation, Project
from samspill.delivery.tasks import scan_running_projects
from samspill.delivery.tests.deviation_factories import (
    expectation,
    make_project,
    milestone,
    won_opportunity,
)

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def _health(project: Project) -> str:
    return Project.objects.values_list("health", flat=True).get(pk=project.pk)


def test_the_daily_scan_turns_a_project_amber_once_its_milestone_day_has_passed(
    customer: Any, project_manager: Any, today: datetime.date
) -> None:
    waiting = make_project(customer, project_manager, title="Venter på go-live")
    create_milestone(waiting, {"name": "Go-live", "planned_on": today + 3 * DAY}, by=project_manager)
    reached = make_project(customer, project_manager, title="Nådd før tiden")
    create_milestone(
        reached, {"name": "Go-live", "planned_on": today + 3 * DAY, "done_on": today}, by=project_manager
    )
    closed = make_project(customer, project_manager, title="Avsluttet")
    create_milestone(closed, {"name": "Go-live", "planned_on": today + 3 * DAY}, by=project_manager)
    Project.objects.filter(pk=closed.pk).update(status="closed", closed_on=today)
    assert [_health(p) for p in (waiting, reached, closed)] == ["green", "green", "green"]

    scan_running_projects(today=today + DAY)
    assert _health(waiting) == "green"  # the day has not come yet
    scan_running_projects(today=today + 5 * DAY)
    assert [_health(p) for p in (waiting, reached, closed)] == ["amber", "green", "green"]
    page = figures.figures(Project.objects.get(pk=waiting.pk), today=today + 5 * DAY)
    assert page.health.level == "amber"  # the list now says what the project page says


def test_a_status_report_or_a_broken_expectation_outweighs_the_date(
    customer: Any, seller: Any, project_manager: Any, today: datetime.date
) -> None:
    reported = make_project(customer, project_manager, title="Rapportert rød")
    create_milestone(reported, {"name": "Go-live", "planned_on": today + 3 * DAY}, by=project_manager)
    add_status_report(reported, health="red", comment="Nøkkelperson sluttet", by=project_manager)
    sold = won_opportunity(customer, seller)
    broken = make_project(customer, project_manager, title="Brutt løfte", opportunity=sold)
    expectation(sold, status="broken")
    Project.objects.update(health="")
    refresh_health(list(Project.objects.all()), today=today + 5 * DAY)
    assert (_health(reported), _health(broken)) == ("red", "red")


def _projects(customer: Any, manager: Any, seller: Any, today: datetime.date, count: int) -> list[Project]:
    """`count` of each: a late milestone (amber), a broken expectation (red), nothing wrong (green)."""
    made = []
    for n in range(count):
        late = make_project(customer, manager, title=f"Sen {n}")
        milestone(late, planned=today - DAY)
        sold = won_opportunity(customer, seller, title=f"Solgt {n}")
        expectation(sold, status="broken")
        made += [late, make_project(customer, manager, title=f"Brutt {n}", opportunity=sold)]
        made.append(make_project(customer, manager, title=f"Rolig {n}"))
    Project.objects.filter(pk__in=[p.pk for p in made]).update(health="")
    return list(Project.objects.filter(pk__in=[p.pk for p in made]).order_by("pk"))


def test_refreshing_a_batch_costs_the_same_queries_for_three_projects_or_thirty(
    customer: Any, seller: Any, project_manager: Any, today: datetime.date, django_assert_num_queries: Any
) -> None:
    few = _projects(customer, project_manager, seller, today, 1)
    # Packages, open milestones, latest reports, troubled expectations, deviations raised by hand; then
    # one write per health level that changed.
    with django_assert_num_queries(5 + 3):
        assert refresh_health(few, today=today) == 3
    many = _projects(customer, project_manager, seller, today, 10)
    with django_assert_num_queries(5 + 3):
        assert refresh_health(many, today=today) == 30
    assert {p.health for p in many} == {"amber", "red", "green"}
    with django_assert_num_queries(5):  # nothing changed, nothing written
        assert refresh_health(many, today=today) == 0
    assert not Deviation.objects.exists()  # health alone: the scan's rules open deviations, not this
