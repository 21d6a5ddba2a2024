"""The API of projects, milestones, staffing, status reports and retrospectives: same rules as the pages."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from samspill.delivery.actions import projects as actions
from samspill.delivery.models import Milestone, Project, ProjectPackage, Staffing, StatusReport

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _package(project: Any, position: int = 0) -> ProjectPackage:
    return ProjectPackage.objects.filter(project=project).order_by("position", "pk")[position]


def test_a_project_reads_with_its_packages_forecast_earned_value_margin_and_health(
    project: Any, project_manager: Any, api_for: Any, book: Any
) -> None:
    book(_package(project, 0), project_manager, 60)
    actions.set_package_progress(_package(project, 0), percent_complete=50, by=project_manager, version=None)
    body = api_for(project_manager).get(f"/api/v1/projects/{project.pk}").json()
    assert body["forecast_hours"] == "420.0"  # 60 h is half of 120 h, plus 300 h
    first = body["packages"][0]
    assert (first["percent_complete"], first["remaining_hours"], first["variance_hours"]) == (
        50,
        "60.0",
        "20.0",
    )
    assert body["earned_value"]["earned_value_hours"] == "50.0"
    assert body["earned_value"]["cpi"] == "0.833"
    assert body["health"] == "amber" and body["health_reasons"][0]["level"] == "amber"
    assert Decimal(body["sold_margin"]["revenue"]) == Decimal(540000)


def test_the_list_is_paged_filtered_and_keeps_its_query_count(
    make_project: Any, project_manager: Any, manager: Any, api_for: Any, django_assert_num_queries: Any
) -> None:
    make_project("A")
    make_project("Hemmelig", confidential=True, manager=manager, seller=None, by=manager)
    api = api_for(project_manager)
    api.get("/api/v1/projects")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        body = api.get("/api/v1/projects?limit=2").json()
    assert body["count"] == 1 and [p["title"] for p in body["items"]] == ["A"]
    for number in range(4):
        make_project(f"P{number}")
    with django_assert_num_queries(len(first)):
        body = api.get("/api/v1/projects?limit=3&offset=1").json()
    assert body["count"] == 5 and len(body["items"]) == 3
    assert api_for(manager).get("/api/v1/projects?q=Hemmelig").json()["count"] == 1


def test_an_outsider_gets_404_for_a_confidential_project_and_403_for_an_ordinary_one(
    make_project: Any, project: Any, outsider: Any, api_for: Any
) -> None:
    secret = make_project("Hemmelig", confidential=True)
    api = api_for(outsider)
    assert api.get(f"/api/v1/projects/{secret.pk}").status_code == 404
    assert (
        api.patch(
            f"/api/v1/projects/{secret.pk}", {"version": 1, "title": "X"}, content_type=JSON
        ).status_code
        == 404
    )
    assert api.get(f"/api/v1/milestones?project={secret.pk}").json()["count"] == 0
    assert api.get(f"/api/v1/projects/{project.pk}").status_code == 200
    refused = api.patch(f"/api/v1/projects/{project.pk}", {"version": 1, "title": "X"}, content_type=JSON)
    assert refused.status_code == 403
    refused = api.post(
        f"/api/v1/projects/{project.pk}/close",
        {"satisfaction": 5, "went_well": "x", "version": 1},
        content_type=JSON,
    )
    assert refused.status_code == 403
    unseen = api.post(
        "/api/v1/status-reports",
        {"project_id": secret.pk, "health": "green", "comment": "x"},
        content_type=JSON,
    )
    assert unseen.status_code == 422
    assert Project.objects.get(pk=project.pk).title == "Ny kundeportal"


def test_a_project_is_created_patched_and_its_status_set(
    customer: Any, project_manager: Any, api_for: Any
) -> None:
    api = api_for(project_manager)
    created = api.post(
        "/api/v1/projects",
        {
            "customer_id": customer.pk,
            "title": "Driftsavtale",
            "contract_type": "time_and_materials",
            "starts_on": "2025-04-01",
            "ends_on": "2025-06-30",
            "packages": [{"name": "Drift", "hours": 200, "hourly_rate": 1100}],
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["manager"]["id"], body["budget_hours"], body["price"]) == (
        project_manager.pk,
        "200.0",
        "220000.00",
    )
    patched = api.patch(
        f"/api/v1/projects/{body['id']}", {"version": 1, "title": "Drift 2025"}, content_type=JSON
    )
    assert patched.status_code == 200 and patched.json()["version"] == 2
    stale = api.patch(f"/api/v1/projects/{body['id']}", {"version": 1, "title": "Y"}, content_type=JSON)
    assert stale.status_code == 409
    closed = api.post(
        f"/api/v1/projects/{body['id']}/status", {"status": "closed", "version": 2}, content_type=JSON
    )
    assert closed.status_code == 422
    active = api.post(
        f"/api/v1/projects/{body['id']}/status", {"status": "active", "version": 2}, content_type=JSON
    )
    assert active.json()["status"] == "active"
    bad = api.post("/api/v1/projects", {"customer_id": customer.pk, "title": ""}, content_type=JSON)
    assert bad.status_code == 422


def test_progress_is_given_through_the_api_with_the_same_rules(
    project: Any, project_manager: Any, api_for: Any
) -> None:
    package = _package(project)
    url = f"/api/v1/projects/{project.pk}/packages/{package.pk}/progress"
    api = api_for(project_manager)
    both = api.post(url, {"remaining_hours": 5, "percent_complete": 10, "version": 1}, content_type=JSON)
    assert both.status_code == 422
    done = api.post(url, {"percent_complete": 100, "version": 1}, content_type=JSON)
    assert done.status_code == 200 and done.json()["packages"][0]["remaining_hours"] == "0.0"
    assert (
        api.post(
            f"/api/v1/projects/{project.pk}/packages/999999/progress", {"version": 1}, content_type=JSON
        ).status_code
        == 404
    )


def test_milestones_through_the_api(project: Any, project_manager: Any, api_for: Any) -> None:
    api = api_for(project_manager)
    created = api.post(
        "/api/v1/milestones",
        {"project_id": project.pk, "name": "Go-live", "planned_on": "2025-05-01"},
        content_type=JSON,
    )
    assert created.status_code == 201
    milestone_id = created.json()["id"]
    moved = api.patch(
        f"/api/v1/milestones/{milestone_id}", {"version": 1, "forecast_on": "2025-05-11"}, content_type=JSON
    )
    assert moved.json()["slip_days"] == 10
    assert api.get(f"/api/v1/milestones?project={project.pk}").json()["count"] == 1
    assert api.delete(f"/api/v1/milestones/{milestone_id}").status_code == 204
    assert not Milestone.objects.exists()


def test_staffing_and_status_reports_through_the_api(
    project: Any, project_manager: Any, expert: Any, api_for: Any
) -> None:
    api = api_for(project_manager)
    package = _package(project, 1)
    rows = [{"package_id": package.pk, "person_id": expert.pk, "week": "2025-03-19", "hours": 25}]
    response = api.post("/api/v1/staffing", {"project_id": project.pk, "rows": rows}, content_type=JSON)
    assert response.json() == {"changed": 1}
    listed = api.get(f"/api/v1/staffing?project={project.pk}").json()
    assert listed["items"][0]["week"] == "2025-03-17" and listed["items"][0]["hours"] == "25.0"
    too_many = [{**rows[0], "hours": 81}]
    assert (
        api.post(
            "/api/v1/staffing", {"project_id": project.pk, "rows": too_many}, content_type=JSON
        ).status_code
        == 422
    )
    assert Staffing.objects.get().hours == Decimal(25)
    report = api.post(
        "/api/v1/status-reports",
        {"project_id": project.pk, "health": "amber", "comment": "Sen leveranse"},
        content_type=JSON,
    )
    assert report.status_code == 201 and report.json()["week"] == "2025-03-10"
    assert api.get(f"/api/v1/status-reports?project={project.pk}").json()["count"] == 1
    assert (
        api_for(expert)
        .post(
            "/api/v1/status-reports",
            {"project_id": project.pk, "health": "red", "comment": "x"},
            content_type=JSON,
        )
        .status_code
        == 403
    )
    assert StatusReport.objects.count() == 1


def test_closing_and_the_retrospective_through_the_api(
    project: Any, project_manager: Any, outsider: Any, api_for: Any, today: datetime.date
) -> None:
    api = api_for(project_manager)
    closed = api.post(
        f"/api/v1/projects/{project.pk}/close",
        {
            "satisfaction": 4,
            "went_well": "Godt samarbeid",
            "lessons": [{"text": "Avklar testmiljø tidlig", "phase": "handover", "tags": ["test"]}],
            "version": 1,
        },
        content_type=JSON,
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = api.post(
        f"/api/v1/projects/{project.pk}/close",
        {"satisfaction": 4, "went_well": "x", "version": 2},
        content_type=JSON,
    )
    assert again.status_code == 409
    retrospectives = api.get(f"/api/v1/retrospectives?project={project.pk}").json()
    retrospective = retrospectives["items"][0]
    assert retrospective["lessons"][0]["phase"] == "handover"
    patched = api.patch(
        f"/api/v1/retrospectives/{retrospective['id']}",
        {"went_badly": "Sen test", "satisfaction": 3},
        content_type=JSON,
    )
    assert patched.json()["went_badly"] == "Sen test"
    assert Project.objects.get(pk=project.pk).satisfaction == 3
    refused = api_for(outsider).patch(
        f"/api/v1/retrospectives/{retrospective['id']}", {"went_badly": "x"}, content_type=JSON
    )
    assert refused.status_code == 403
    frozen = api.patch(f"/api/v1/projects/{project.pk}", {"version": 3, "title": "X"}, content_type=JSON)
    assert frozen.status_code == 409 and "closed" in frozen.json()["detail"]


def test_expectation_status_through_the_api(won_project: Any, project_manager: Any, api_for: Any) -> None:
    expectation = won_project.opportunity.expectations.order_by("pk").first()
    response = api_for(project_manager).post(
        f"/api/v1/projects/{won_project.pk}/expectations/{expectation.pk}/status",
        {"status": "broken", "note": "Go-live flyttet til høsten", "version": 1},
        content_type=JSON,
    )
    assert response.status_code == 200 and response.json()["status"] == "broken"
    assert api_for(project_manager).get(f"/api/v1/projects/{won_project.pk}").json()["health"] == "red"
