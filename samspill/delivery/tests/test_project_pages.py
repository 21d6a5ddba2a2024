"""The project page and its forms, the project list, starting by hand, staffing, closing, and the panels."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest

from samspill.delivery.actions import projects as actions
from samspill.delivery.actions.closing import close_project
from samspill.delivery.models import Milestone, Project, ProjectPackage, Staffing, StatusReport
from samspill.lib import registry

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _package(project: Any, position: int = 0) -> ProjectPackage:
    return ProjectPackage.objects.filter(project=project).order_by("position", "pk")[position]


@pytest.fixture
def busy(project: Any, project_manager: Any, book: Any, today: datetime.date) -> Any:
    """The project with hours booked, progress given, a late milestone and a status report."""
    book(_package(project, 0), project_manager, 80, day=today - datetime.timedelta(days=10))
    package = _package(project, 0)
    actions.set_package_progress(package, remaining_hours=80, by=project_manager, version=None)
    actions.create_milestone(
        project,
        {
            "name": "Go-live",
            "planned_on": today + datetime.timedelta(days=20),
            "forecast_on": today + datetime.timedelta(days=34),
        },
        by=project_manager,
    )
    actions.add_status_report(project, health="amber", comment="Analysen tar tid", by=project_manager)
    return Project.objects.get(pk=project.pk)


# -- the page --------------------------------------------------------------------------------------


def test_the_page_answers_first_whether_we_are_on_track_against_what_was_sold(
    busy: Any, project_manager: Any, client_for: Any
) -> None:
    response = client_for(project_manager).get(f"/projects/{busy.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    summary = html.index('data-testid="project-summary"')
    assert summary < html.index('data-testid="burn-chart"') < html.index('data-testid="work-packages"')
    assert 'data-testid="health-level"><span class="health-dot" aria-hidden="true"></span>Red' in html
    assert "Forecast 460\xa0t is 15 % over the baseline 400\xa0t." in html
    assert "The project manager reports amber: Analysen tar tid" in html
    assert 'data-testid="forecast-hours">460\xa0t<' in html
    assert 'data-testid="sold-hours">400\xa0t<' in html
    assert "+60\xa0t (+15 %)" in html
    assert "Go-live" in html and "later than planned" in html
    assert 'data-testid="deviation-count">' in html and 'href="#deviation-' in html
    for testid in (
        "earned-value",
        "margin",
        "milestones",
        "expectations",
        "staffing",
        "status-reports",
        "team",
        "feed",
    ):
        assert f'data-testid="{testid}"' in html, testid


def test_the_burn_chart_gets_baseline_booked_and_forecast_per_week(
    busy: Any, project_manager: Any, client_for: Any
) -> None:
    chart = client_for(project_manager).get(f"/projects/{busy.pk}/").context["chart"]
    assert chart["sold"] == 400.0
    booked = [value for value in chart["actual"] if value is not None]
    assert booked[-1] == 80.0 and booked == sorted(booked)
    assert chart["forecast"][chart["today_index"]] == 80.0
    assert [v for v in chart["forecast"] if v is not None][-1] == 460.0
    assert chart["planned"][-1] == 400.0


def test_an_outsider_gets_404_for_a_confidential_project(
    make_project: Any, outsider: Any, seller: Any, manager: Any, client_for: Any
) -> None:
    secret = make_project("Hemmelig", confidential=True)
    assert client_for(outsider).get(f"/projects/{secret.pk}/").status_code == 404
    assert client_for(outsider).get(f"/projects/{secret.pk}/staffing/").status_code == 404
    assert (
        client_for(outsider).post(f"/projects/{secret.pk}/status/", {"status": "active"}).status_code == 404
    )
    assert client_for(seller).get(f"/projects/{secret.pk}/").status_code == 200  # the seller is on the team
    assert client_for(manager).get(f"/projects/{secret.pk}/").status_code == 200


def test_a_reader_sees_the_page_without_controls_and_is_refused_changes(
    busy: Any, outsider: Any, client_for: Any, today: datetime.date
) -> None:
    client = client_for(outsider)
    html = client.get(f"/projects/{busy.pk}/").content.decode()
    for testid in (
        "edit-project",
        "write-status",
        "edit-progress",
        "add-milestone",
        "status-report-form",
        "add-member",
    ):
        assert f'data-testid="{testid}"' not in html, testid
    package = _package(busy)
    milestone = Milestone.objects.get()
    refused = [
        client.get(f"/projects/{busy.pk}/edit/"),
        client.post(f"/projects/{busy.pk}/status/", {"status": "on_hold"}),
        client.post(f"/projects/{busy.pk}/packages/{package.pk}/progress/", {"remaining_hours": "1"}),
        client.post(f"/projects/{busy.pk}/milestones/new/", {"name": "X", "planned_on": "2025-04-01"}),
        client.post(f"/projects/milestones/{milestone.pk}/", {"name": "X", "planned_on": "2025-04-01"}),
        client.post(f"/projects/{busy.pk}/status-reports/new/", {"health": "green", "comment": "x"}),
        client.post(f"/projects/{busy.pk}/staffing/", {}),
        client.get(f"/projects/{busy.pk}/close/"),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert StatusReport.objects.count() == 1


def test_the_page_keeps_a_fixed_number_of_queries_as_the_project_grows(
    busy: Any,
    project_manager: Any,
    expert: Any,
    client_for: Any,
    book: Any,
    django_assert_max_num_queries: Any,
    today: datetime.date,
) -> None:
    client = client_for(project_manager)
    client.get(f"/projects/{busy.pk}/")  # warm the caches (content types, sessions)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        client.get(f"/projects/{busy.pk}/")
    for week in range(6):
        book(_package(busy, 1), expert, 30, day=today - datetime.timedelta(weeks=week))
    for number in range(4):
        actions.create_milestone(busy, {"name": f"M{number}", "planned_on": today}, by=project_manager)
        actions.add_status_report(busy, health="green", comment=f"Uke {number}", by=project_manager)
    actions.set_staffing(
        busy,
        [{"package": _package(busy, 1), "person": expert, "week": today, "hours": 20}],
        by=project_manager,
    )
    with django_assert_max_num_queries(len(first) + 2):
        client.get(f"/projects/{busy.pk}/")


# -- progress, milestones, expectations and status reports on the page ----------------------------


def test_the_project_manager_updates_progress_inline_and_the_numbers_follow(
    project: Any, project_manager: Any, client_for: Any
) -> None:
    client = client_for(project_manager)
    package = _package(project, 1)
    url = f"/projects/{project.pk}/packages/{package.pk}/progress/"
    form = client.get(url, **HTMX).content.decode()
    assert 'data-testid="progress-form"' in form
    both = client.post(url, {"remaining_hours": "10", "percent_complete": "50", "version": "1"}, **HTMX)
    assert "not both" in both.content.decode()
    response = client.post(url, {"percent_complete": "50", "version": "1"}, **HTMX)
    html = response.content.decode()
    assert 'id="packages"' in html and 'id="summary"' in html and 'hx-swap-oob="true"' in html
    assert ProjectPackage.objects.get(pk=package.pk).percent_complete == 50
    plain = client.post(url, {"remaining_hours": "120", "version": "2"})
    assert plain.status_code == 302 and plain["Location"].endswith("#packages")


def test_milestones_are_added_and_edited_from_the_page(
    project: Any, project_manager: Any, client_for: Any, today: datetime.date
) -> None:
    client = client_for(project_manager)
    response = client.post(
        f"/projects/{project.pk}/milestones/new/", {"name": "Go-live", "planned_on": "01.05.2025"}, **HTMX
    )
    assert "Go-live" in response.content.decode()
    milestone = Milestone.objects.get()
    response = client.post(
        f"/projects/milestones/{milestone.pk}/",
        {"name": "Go-live", "planned_on": "2025-05-01", "done_on": "2025-05-02", "version": "1"},
    )
    assert response.status_code == 200 and "cannot be reached in the future" in response.content.decode()
    response = client.post(
        f"/projects/milestones/{milestone.pk}/",
        {"name": "Go-live", "planned_on": "2025-05-01", "forecast_on": "2025-05-15", "version": "1"},
    )
    assert response.status_code == 302
    assert Milestone.objects.get().forecast_on == datetime.date(2025, 5, 15)


def test_expectations_at_risk_stand_out_and_keep_their_history(
    won_project: Any, project_manager: Any, client_for: Any
) -> None:
    client = client_for(project_manager)
    expectation = won_project.opportunity.expectations.order_by("pk").first()
    response = client.post(
        f"/projects/{won_project.pk}/expectations/{expectation.pk}/status/",
        {"status": "at_risk", "note": "Kunden mangler testmiljø", "version": "1"},
        **HTMX,
    )
    html = response.content.decode()
    assert "expectation-row status-at_risk" in html
    assert 'data-testid="troubled-count"' in html
    assert "Kunden mangler testmiljø" in html  # the history with its note
    page = client.get(f"/projects/{won_project.pk}/").content.decode()
    assert "Expectation at risk: “Go-live før sommerferien”." in page


def test_a_status_report_is_written_from_the_page(
    project: Any, project_manager: Any, client_for: Any
) -> None:
    client = client_for(project_manager)
    empty = client.post(
        f"/projects/{project.pk}/status-reports/new/", {"health": "green", "comment": ""}, **HTMX
    )
    assert "This field is required" in empty.content.decode()
    response = client.post(
        f"/projects/{project.pk}/status-reports/new/", {"health": "amber", "comment": "Ressurser mangler"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#status")
    assert StatusReport.objects.get().health == "amber"
    assert "Ressurser mangler" in client.get(f"/projects/{project.pk}/status-reports/").content.decode()


def test_the_status_menu_sets_on_hold(project: Any, project_manager: Any, client_for: Any) -> None:
    response = client_for(project_manager).post(
        f"/projects/{project.pk}/status/", {"status": "on_hold", "version": "1"}
    )
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).status == "on_hold"


# -- staffing --------------------------------------------------------------------------------------


def test_the_staffing_grid_saves_hours_per_person_package_and_week(
    project: Any, project_manager: Any, client_for: Any
) -> None:
    client = client_for(project_manager)
    package = _package(project, 1)
    page = client.get(f"/projects/{project.pk}/staffing/?from=2025-03-10")
    cell = f"h-{package.pk}-{project_manager.pk}-2025-03-17"
    assert f'name="{cell}"' in page.content.decode()
    bad = client.post(f"/projects/{project.pk}/staffing/", {"from": "2025-03-10", cell: "mange"})
    assert "is not a number of hours" in bad.content.decode()
    response = client.post(f"/projects/{project.pk}/staffing/", {"from": "2025-03-10", cell: "22,5"})
    assert response.status_code == 302
    row = Staffing.objects.get()
    assert (row.person, row.package, row.week, row.hours) == (
        project_manager,
        package,
        datetime.date(2025, 3, 17),
        Decimal("22.5"),
    )
    summary = client.get(f"/projects/{project.pk}/").context["staffing"]
    assert [line["total"] for line in summary if line["person"] == project_manager] == [Decimal("22.5")]


# -- the list and starting by hand -----------------------------------------------------------------


def test_the_list_filters_sorts_by_trouble_and_keeps_its_query_count(
    make_project: Any,
    busy: Any,
    project_manager: Any,
    manager: Any,
    client_for: Any,
    django_assert_max_num_queries: Any,
) -> None:
    calm = make_project("Rolig prosjekt")
    make_project("Hemmelig", confidential=True, manager=manager, seller=None, by=manager)
    client = client_for(project_manager)
    client.get("/projects/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        response = client.get("/projects/")
    rows = list(response.context["page"].object_list)
    assert [row.title for row in rows][:2] == [busy.title, calm.title]  # red first; the secret one unseen
    assert "Hemmelig" not in [row.title for row in rows]
    for number in range(5):
        make_project(f"Prosjekt {number}")
    with django_assert_max_num_queries(len(first)):
        client.get("/projects/")
    mine = client.get("/projects/?health=red&mine=on").context["page"].object_list
    assert [row.title for row in mine] == [busy.title]
    by_title = client.get("/projects/?sort=title&status=all").context["page"].object_list
    assert [row.title for row in by_title] == sorted(row.title for row in by_title)


def test_a_project_is_started_by_hand_with_its_work_packages(
    customer: Any, project_manager: Any, seller: Any, client_for: Any
) -> None:
    client = client_for(project_manager)
    assert client_for(seller).get("/projects/new/").status_code == 403
    page = client.get(f"/projects/new/?customer={customer.pk}")
    assert page.context["form"].initial["customer"] == customer.pk
    response = client.post(
        "/projects/new/",
        {
            "customer": customer.pk,
            "title": "Driftsavtale",
            "manager": project_manager.pk,
            "status": "active",
            "contract_type": "time_and_materials",
            "starts_on": "2025-04-01",
            "ends_on": "2025-06-30",
            "packages-TOTAL_FORMS": "2",
            "packages-INITIAL_FORMS": "0",
            "packages-0-name": "Drift",
            "packages-0-hours": "200",
            "packages-0-hourly_rate": "1100",
            "packages-1-name": "",
        },
    )
    created = Project.objects.get(title="Driftsavtale")
    assert response.status_code == 302 and response["Location"] == f"/projects/{created.pk}/"
    assert (created.budget_hours, created.price, created.status) == (Decimal(200), Decimal(220000), "active")


def test_an_end_before_the_start_is_shown_on_the_form(
    customer: Any, project_manager: Any, client_for: Any
) -> None:
    response = client_for(project_manager).post(
        "/projects/new/",
        {
            "customer": customer.pk,
            "title": "X",
            "manager": project_manager.pk,
            "status": "planned",
            "contract_type": "fixed_price",
            "starts_on": "2025-04-01",
            "ends_on": "2025-03-01",
            "packages-TOTAL_FORMS": "0",
            "packages-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "The planned end comes before the start." in response.content.decode()
    assert not Project.objects.exists()


# -- closing ---------------------------------------------------------------------------------------


def test_the_project_is_closed_from_its_closing_page_and_then_shows_its_final_numbers(
    busy: Any, project_manager: Any, client_for: Any
) -> None:
    client = client_for(project_manager)
    page = client.get(f"/projects/{busy.pk}/close/").content.decode()
    assert 'data-testid="final-numbers"' in page
    assert 'data-testid="final-over-sold">−80 %' in page  # 80 h booked of 400 h sold
    missing = client.post(
        f"/projects/{busy.pk}/close/",
        {"went_well": "x", "lessons-TOTAL_FORMS": "0", "lessons-INITIAL_FORMS": "0"},
    )
    assert missing.status_code == 200 and not Project.objects.get(pk=busy.pk).is_closed
    response = client.post(
        f"/projects/{busy.pk}/close/",
        {
            "version": str(busy.version),
            "satisfaction": "5",
            "went_well": "Godt samarbeid",
            "lessons-TOTAL_FORMS": "1",
            "lessons-INITIAL_FORMS": "0",
            "lessons-0-text": "Sett av tid til analyse",
            "lessons-0-phase": "sales",
            "lessons-0-tags": "analyse",
        },
    )
    assert response.status_code == 302
    html = client.get(f"/projects/{busy.pk}/").content.decode()
    assert 'data-testid="closed-note"' in html and 'data-testid="satisfaction">5' in html
    assert "Sett av tid til analyse" in html
    assert 'data-testid="edit-progress"' not in html
    assert client.post(f"/projects/{busy.pk}/status/", {"status": "active"}).status_code == 302
    assert Project.objects.get(pk=busy.pk).status == "closed"
    edited = client.post(
        f"/projects/{busy.pk}/retrospective/",
        {
            "satisfaction": "4",
            "went_well": "Godt samarbeid",
            "went_badly": "Sen testing",
            "lessons-TOTAL_FORMS": "0",
            "lessons-INITIAL_FORMS": "0",
        },
    )
    assert edited.status_code == 302
    assert Project.objects.get(pk=busy.pk).satisfaction == 4


# -- what projects add to other pages --------------------------------------------------------------


def test_the_customer_page_shows_running_projects_with_health_and_past_ones_with_satisfaction(
    busy: Any,
    make_project: Any,
    won_project: Any,
    customer: Any,
    project_manager: Any,
    outsider: Any,
    client_for: Any,
) -> None:
    done = make_project("Ferdig prosjekt")
    close_project(done, satisfaction=2, went_badly="Sprakk", by=project_manager)
    expectation = won_project.opportunity.expectations.first()
    actions.set_expectation_status(won_project, expectation, "broken", by=project_manager, version=None)
    make_project("Hemmelig", confidential=True)
    html = client_for(outsider).get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="customer-projects"' in html
    assert busy.title in html and "health-red" in html
    assert 'data-testid="troubled-expectations"' in html
    assert 'data-testid="customer-past-project"' in html and "2 / 5" in html
    assert "Hemmelig" not in html


def test_search_and_documents_follow_project_access(
    make_project: Any, outsider: Any, project_manager: Any
) -> None:
    secret = make_project("Hemmelig", confidential=True)
    source = registry.registry.search_sources["projects"]
    assert secret not in source.visible_to(outsider)
    assert secret in source.visible_to(project_manager)
    access = registry.access_for("delivery.project")
    assert not access.visible_to(outsider).filter(pk=secret.pk).exists()
    assert access.can_change(project_manager, secret) and not access.can_change(outsider, secret)


def test_the_burn_chart_data_is_valid_json_on_the_page(
    busy: Any, project_manager: Any, client_for: Any
) -> None:
    html = client_for(project_manager).get(f"/projects/{busy.pk}/").content.decode()
    start = html.index('id="burn-labels">') + len('id="burn-labels">')
    labels = json.loads(html[start : html.index("</script>", start)])
    assert labels["actual"] == "Booked"


def test_search_finds_a_project_only_for_who_may_see_it(
    make_project: Any, outsider: Any, project_manager: Any, api_for: Any
) -> None:
    from samspill.workspace.search.index import refresh

    open_one = make_project("Fjordkraft datavarehus")
    secret = make_project("Fjordkraft hemmelig", confidential=True)
    for found in (open_one, secret):
        refresh(Project, found.pk)
    seen = api_for(outsider).get("/api/v1/search?q=Fjordkraft&kind=projects").json()
    titles = [hit["title"] for hit in seen["items"]]
    assert "Fjordkraft datavarehus" in titles and "Fjordkraft hemmelig" not in titles
    mine = api_for(project_manager).get("/api/v1/search?q=Fjordkraft&kind=projects").json()
    assert "Fjordkraft hemmelig" in [hit["title"] for hit in mine["items"]]


def test_the_page_links_both_ways_to_the_opportunity_and_its_handover(
    won_project: Any, project_manager: Any, seller: Any, client_for: Any
) -> None:
    from django.apps import apps

    handover = apps.get_model("handover", "Handover").objects.create(
        opportunity=won_project.opportunity,
        seller=seller,
        project_manager=project_manager,
        project=won_project,
    )
    html = client_for(project_manager).get(f"/projects/{won_project.pk}/").content.decode()
    assert f'href="{won_project.opportunity.get_absolute_url()}" data-testid="opportunity-link"' in html
    assert f'href="{handover.get_absolute_url()}" data-testid="handover-link"' in html


def test_the_opportunity_page_shows_its_project_with_health(
    won_project: Any, seller: Any, client_for: Any
) -> None:
    html = client_for(seller).get(won_project.opportunity.get_absolute_url()).content.decode()
    assert 'data-testid="opportunity-project"' in html and won_project.get_absolute_url() in html
