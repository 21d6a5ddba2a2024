"""The approval page and the start page's weeks to approve: only the project manager approves and reopens."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from samspill.activity.models import Event
from samspill.delivery.actions.time import approve_week
from samspill.delivery.models import WeekApproval
from samspill.delivery.tests.timefactories import (
    LAST_MONDAY,
    LAST_WEEK,
    MONDAY,
    fix_today,
    log,
    make_project,
    person,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
URL = "/projects/approvals/"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    fix_today(monkeypatch)


@pytest.fixture
def project(project_manager: Any, customer: Any, expert: Any) -> Any:
    return make_project(project_manager, customer, team=[expert])


def _week(project: Any, who: Any, week: str = LAST_WEEK) -> dict[str, str]:
    return {"project": str(project.pk), "person": str(who.pk), "week": week}


def test_the_project_manager_sees_ended_weeks_waiting_with_their_entries(
    project: Any, expert: Any, client_for: Any, project_manager: Any
) -> None:
    log(expert, project, LAST_MONDAY, "7.5", note="Workshop")
    log(expert, project, MONDAY, 3)  # this week has not ended
    html = client_for(project_manager).get(URL).content.decode()
    assert "1 week waits" in html
    assert html.count('data-testid="waiting-week"') == 1
    assert "Frode Fag" in html and "Week 47" in html and "«Workshop»" in html


def test_approving_locks_the_week_and_moves_it_to_the_approved_list(
    project: Any, expert: Any, client_for: Any, project_manager: Any
) -> None:
    log(expert, project, LAST_MONDAY, 4)
    client = client_for(project_manager)
    response = client.post("/projects/approvals/approve/", _week(project, expert))
    assert response.status_code == 302
    approval = WeekApproval.objects.get()
    assert (approval.person, approval.week) == (expert, LAST_MONDAY)
    html = client.get(URL).content.decode()
    assert "Week 47 of Frode Fag on «Kundeportal» is approved" in html
    assert 'data-testid="approved-week"' in html and 'data-testid="waiting-week"' not in html


def test_approve_all_approves_every_listed_week_or_none(
    project: Any, expert: Any, client_for: Any, project_manager: Any
) -> None:
    log(expert, project, LAST_MONDAY, 4)
    log(project_manager, project, LAST_MONDAY, 2)
    client = client_for(project_manager)
    weeks = [f"{expert.pk}:{LAST_WEEK}", f"{project_manager.pk}:{LAST_WEEK}", f"{expert.pk}:2026-W40"]
    client.post("/projects/approvals/approve-all/", {"project": project.pk, "week": weeks})
    assert not WeekApproval.objects.exists()  # week 40 has no hours: nothing is approved
    client.post("/projects/approvals/approve-all/", {"project": project.pk, "week": weeks[:2]})
    assert WeekApproval.objects.count() == 2


def test_only_the_project_manager_approves_through_the_page(
    project: Any, expert: Any, client_for: Any, manager: Any
) -> None:
    log(expert, project, LAST_MONDAY, 4)
    for someone in (expert, manager):
        response = client_for(someone).post(
            "/projects/approvals/approve/", _week(project, expert), follow=True
        )
        assert "Only the project manager" in response.content.decode()
    assert not WeekApproval.objects.exists()


def test_a_confidential_project_is_not_found_for_an_outsider(
    project_manager: Any, customer: Any, expert: Any, outsider: Any, client_for: Any
) -> None:
    secret = make_project(project_manager, customer, title="Hemmelig", team=[expert], confidential=True)
    log(expert, secret, LAST_MONDAY, 4)
    client = client_for(outsider)
    assert client.post("/projects/approvals/approve/", _week(secret, expert)).status_code == 404
    data = {**_week(secret, expert), "reason": "x"}
    assert client.post("/projects/approvals/reopen/", data).status_code == 404
    assert "Hemmelig" not in client.get(URL).content.decode()


def test_reopening_needs_a_reason_and_opens_the_week(
    project: Any, expert: Any, client_for: Any, project_manager: Any
) -> None:
    log(expert, project, LAST_MONDAY, 4)
    approve_week(project, expert, LAST_MONDAY, by=project_manager)
    client = client_for(project_manager)
    blank = client.post(
        "/projects/approvals/reopen/", {**_week(project, expert), "reason": "  "}, follow=True
    )
    assert "This field is required." in blank.content.decode()
    assert WeekApproval.objects.exists()
    client.post("/projects/approvals/reopen/", {**_week(project, expert), "reason": "Feil arbeidspakke"})
    assert not WeekApproval.objects.exists()
    assert Event.objects.get(verb="week.reopened").data["reason"] == "Feil arbeidspakke"


def test_bad_input_is_refused_without_an_error_page(
    project: Any, client_for: Any, project_manager: Any
) -> None:
    client = client_for(project_manager)
    for data in (
        {},
        {"project": "x", "person": "1", "week": "2026-W47"},
        {"project": "1", "person": "1", "week": "uke"},
    ):
        assert client.post("/projects/approvals/approve/", data).status_code == 302
    assert (
        client.post("/projects/approvals/approve-all/", {"project": "99999999999999999999"}).status_code
        == 404
    )
    assert client.get("/projects/approvals/approve/").status_code == 405


def test_someone_who_manages_no_project_is_told_what_the_page_is_for(expert: Any, client_for: Any) -> None:
    assert 'data-testid="approvals-none"' in client_for(expert).get(URL).content.decode()


def test_the_start_page_lists_weeks_to_approve_for_their_project_manager_only(
    project: Any, expert: Any, client_for: Any, project_manager: Any
) -> None:
    log(expert, project, LAST_MONDAY, 4)
    assert 'data-testid="start-weeks-to-approve"' in client_for(project_manager).get("/").content.decode()
    assert 'data-testid="start-weeks-to-approve"' not in client_for(expert).get("/").content.decode()


def test_the_approval_page_costs_the_same_queries_for_few_and_many_weeks(
    project: Any, expert: Any, client_for: Any, project_manager: Any, customer: Any
) -> None:
    client = client_for(project_manager)
    log(expert, project, LAST_MONDAY, 1)

    def count() -> int:
        client.get(URL)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    few = count()
    for i in range(3):
        other = make_project(project_manager, customer, title=f"P{i}", team=[expert])
        worker = person(f"w{i}", ["expert"])
        other.members.create(person=worker)
        for weeks_back in range(1, 4):
            monday = MONDAY - datetime.timedelta(days=7 * weeks_back)
            log(worker, other, monday, 2)
            log(expert, other, monday + datetime.timedelta(days=1), 3)
        approve_week(other, worker, MONDAY - datetime.timedelta(days=21), by=project_manager)
    assert count() == few
