"""The time API: entries, a project's weeks with approve and reopen, and the import, with the same rules
and the conventions' status codes (404 unseen, 403 not yours, 409 a rule, 422 bad input)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from samspill.delivery.actions.time import approve_week
from samspill.delivery.models import TimeEntry, WeekApproval
from samspill.delivery.tests.timefactories import (
    LAST_MONDAY,
    LAST_WEEK,
    MONDAY,
    close,
    fix_today,
    log,
    make_project,
    package,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
JSON = "application/json"
HEADER = "date;person;project;package;hours;billable;note"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    fix_today(monkeypatch)


@pytest.fixture
def project(project_manager: Any, customer: Any, expert: Any) -> Any:
    return make_project(project_manager, customer, team=[expert])


def _body(project: Any, **fields: Any) -> dict[str, Any]:
    return {
        "project_id": project.pk,
        "package_id": package(project).pk,
        "date": "2026-11-23",
        "hours": "7.5",
        **fields,
    }


def test_log_read_change_and_delete_an_entry(project: Any, expert: Any, api_for: Any) -> None:
    api = api_for(expert)
    created = api.post("/api/v1/time-entries", _body(project, note="Workshop"), content_type=JSON)
    assert created.status_code == 201
    body = created.json()
    assert (body["hours"], body["week"], body["approved"], body["person"]["id"]) == (
        "7.50",
        "2026-W48",
        False,
        expert.pk,
    )
    assert body["project"] == {"id": project.pk, "name": "Kundeportal"}
    url = f"/api/v1/time-entries/{body['id']}"
    assert api.get(url).json()["note"] == "Workshop"
    patched = api.patch(
        url, {"hours": "6", "package_id": package(project, "Utvikling").pk}, content_type=JSON
    )
    assert (patched.status_code, patched.json()["hours"], patched.json()["package"]["name"]) == (
        200,
        "6.00",
        "Utvikling",
    )
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_the_api_refuses_what_the_rules_refuse(
    project: Any, expert: Any, outsider: Any, project_manager: Any, customer: Any, api_for: Any
) -> None:
    api = api_for(expert)
    other = make_project(project_manager, customer, title="Annet", team=[expert], packages=[("Drift", 10)])
    cases = [
        (_body(project, hours="-1"), 422),
        (_body(project, hours="25"), 422),
        (_body(project, hours="abc"), 422),
        (_body(project, date="2027-01-01"), 422),
        (_body(project, package_id=package(other, "Drift").pk), 422),
        (_body(project, project_id=999_999), 422),
        (_body(project, package_id=999_999), 422),
        (_body(project, person_id=outsider.pk), 403),
        (_body(project, note="x" * 501), 422),
        ({"project_id": project.pk}, 422),
    ]
    for body, status in cases:
        response = api.post("/api/v1/time-entries", body, content_type=JSON)
        assert response.status_code == status, (body, response.json())
    assert (
        api_for(outsider).post("/api/v1/time-entries", _body(project), content_type=JSON).status_code == 403
    )
    log(expert, project, MONDAY, 20)
    over = api.post("/api/v1/time-entries", _body(project, hours="5"), content_type=JSON)
    assert over.status_code == 422 and "at most 24 hours" in over.json()["detail"][0]["msg"]
    close(project)
    closed = api.post("/api/v1/time-entries", _body(project, hours="1"), content_type=JSON)
    assert closed.status_code == 409 and "closed" in closed.json()["detail"]
    assert TimeEntry.objects.count() == 1


def test_an_approved_weeks_entries_cannot_change_through_the_api(
    project: Any, expert: Any, project_manager: Any, api_for: Any
) -> None:
    entry = log(expert, project, LAST_MONDAY, 4)
    approve_week(project, expert, LAST_MONDAY, by=project_manager)
    api = api_for(expert)
    url = f"/api/v1/time-entries/{entry.pk}"
    assert api.get(url).json()["approved"] is True
    assert api.patch(url, {"hours": "5"}, content_type=JSON).status_code == 409
    assert api.delete(url).status_code == 409
    body = _body(project, date=LAST_MONDAY.isoformat(), hours="1")
    assert api.post("/api/v1/time-entries", body, content_type=JSON).status_code == 409


def test_an_outsider_does_not_find_a_confidential_projects_entries(
    project_manager: Any, customer: Any, expert: Any, outsider: Any, seller: Any, api_for: Any
) -> None:
    secret = make_project(project_manager, customer, title="Hemmelig", team=[expert], confidential=True)
    entry = log(expert, secret, MONDAY, 2)
    api = api_for(outsider)
    assert api.get(f"/api/v1/time-entries/{entry.pk}").status_code == 404
    assert api.patch(f"/api/v1/time-entries/{entry.pk}", {"hours": "1"}, content_type=JSON).status_code == 404
    assert api.delete(f"/api/v1/time-entries/{entry.pk}").status_code == 404
    assert api.get("/api/v1/time-entries").json() == {"items": [], "count": 0}
    assert api.get(f"/api/v1/projects/{secret.pk}/weeks").status_code == 404
    approve = api.post(
        f"/api/v1/projects/{secret.pk}/weeks/2026-W48/approve", {"person_id": expert.pk}, content_type=JSON
    )
    assert approve.status_code == 404
    created = api.post("/api/v1/time-entries", _body(secret), content_type=JSON)
    assert created.status_code == 422 and "No project you can see" in str(created.json())
    assert api_for(expert).get(f"/api/v1/time-entries/{entry.pk}").status_code == 200


def test_someone_else_may_read_but_not_change_an_entry(
    project: Any, expert: Any, seller: Any, api_for: Any
) -> None:
    entry = log(expert, project, MONDAY, 2)
    api = api_for(seller)
    assert api.get(f"/api/v1/time-entries/{entry.pk}").status_code == 200
    assert api.patch(f"/api/v1/time-entries/{entry.pk}", {"hours": "1"}, content_type=JSON).status_code == 403
    assert api.delete(f"/api/v1/time-entries/{entry.pk}").status_code == 403


def test_the_list_filters_and_costs_the_same_queries_for_few_and_many(
    project: Any, expert: Any, project_manager: Any, api_for: Any, django_assert_num_queries: Any
) -> None:
    api = api_for(project_manager)
    log(expert, project, MONDAY, 1)
    url = f"/api/v1/time-entries?project={project.pk}&date_from=2026-11-01&date_to=2026-11-30&limit=100"
    api.get(url)
    with django_assert_num_queries(4):  # token, person's roles, page, count
        assert api.get(url).json()["count"] == 1
    for day in range(1, 6):
        log(expert, project, MONDAY - datetime.timedelta(days=day), 1, name="Utvikling", billable=False)
        log(project_manager, project, MONDAY - datetime.timedelta(days=day), 2)
    approve_week(project, expert, LAST_MONDAY, by=project_manager)
    with django_assert_num_queries(4):
        assert api.get(url).json()["count"] == 11
    assert api.get(f"{url}&person={expert.pk}&billable=false").json()["count"] == 5
    assert api.get(f"{url}&package={package(project).pk}").json()["count"] == 6
    assert api.get("/api/v1/time-entries?date_from=nonsense").status_code == 422


def test_only_the_project_manager_approves_and_reopens_a_week(
    project: Any, expert: Any, project_manager: Any, manager: Any, api_for: Any
) -> None:
    log(expert, project, LAST_MONDAY, 4)
    base = f"/api/v1/projects/{project.pk}/weeks/{LAST_WEEK}"
    for person in (expert, manager):
        assert (
            api_for(person).post(f"{base}/approve", {"person_id": expert.pk}, content_type=JSON).status_code
            == 403
        )
    api = api_for(project_manager)
    approved = api.post(f"{base}/approve", {"person_id": expert.pk}, content_type=JSON)
    assert approved.status_code == 200
    assert (approved.json()["approved"], approved.json()["hours"], approved.json()["week"]) == (
        True,
        "4.00",
        "2026-W47",
    )
    assert approved.json()["approved_by"]["id"] == project_manager.pk
    assert api.post(f"{base}/approve", {"person_id": expert.pk}, content_type=JSON).status_code == 409
    assert (
        api.post(f"{base}/reopen", {"person_id": expert.pk, "reason": ""}, content_type=JSON).status_code
        == 422
    )
    assert api.post(f"{base}/reopen", {"person_id": expert.pk}, content_type=JSON).status_code == 422
    reopened = api.post(f"{base}/reopen", {"person_id": expert.pk, "reason": "Feil pakke"}, content_type=JSON)
    assert (reopened.status_code, reopened.json()["approved"]) == (200, False)
    assert not WeekApproval.objects.exists()
    bad = api.post(
        f"/api/v1/projects/{project.pk}/weeks/uke47/approve", {"person_id": expert.pk}, content_type=JSON
    )
    assert bad.status_code == 422


def test_a_projects_weeks_list_waiting_and_approved_ones(
    project: Any, expert: Any, project_manager: Any, api_for: Any
) -> None:
    log(expert, project, LAST_MONDAY, 4)
    log(expert, project, LAST_MONDAY - datetime.timedelta(days=7), 3, billable=False)
    log(expert, project, MONDAY, 1)
    approve_week(project, expert, LAST_MONDAY - datetime.timedelta(days=7), by=project_manager)
    api = api_for(project_manager)
    url = f"/api/v1/projects/{project.pk}/weeks"
    every = api.get(url).json()
    assert [w["week"] for w in every["items"]] == ["2026-W48", "2026-W47", "2026-W46"]
    assert every["items"][2]["approved"] and every["items"][2]["billable_hours"] in ("0", "0.00", 0)
    assert [w["week"] for w in api.get(f"{url}?status=waiting").json()["items"]] == ["2026-W47"]
    assert [w["week"] for w in api.get(f"{url}?status=approved").json()["items"]] == ["2026-W46"]


def test_the_import_runs_dry_by_default_and_never_half_way(
    project: Any, project_manager: Any, expert: Any, api_for: Any
) -> None:
    api = api_for(project_manager)
    text = "\r\n".join(
        [HEADER, "16.11.2026;frode;Kundeportal;Analyse;7,5;ja;", "17.11.2026;frode;Kundeportal;Drift;2;ja;"]
    )

    def send(**form: Any) -> Any:
        upload = SimpleUploadedFile("timer.csv", text.encode("cp1252"), content_type="application/pdf")
        return api.post("/api/v1/time-entries/import", {"file": upload, **form})

    dry = send()
    assert dry.status_code == 200
    assert (dry.json()["dry_run"], dry.json()["accepted_count"], dry.json()["rejected_count"]) == (True, 1, 1)
    assert dry.json()["rejected"][0]["row"] == 3
    refused = send(dry_run="false")
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["file", "row", 3]
    assert not TimeEntry.objects.exists()
    done = send(dry_run="false", skip_rejected="true")
    assert done.status_code == 201 and len(done.json()["created_ids"]) == 1
    assert TimeEntry.objects.count() == 1


def test_the_import_refuses_files_and_people_it_should(
    project: Any, expert: Any, project_manager: Any, api_for: Any
) -> None:
    upload = SimpleUploadedFile("timer.csv", b"PK\x03\x04" + b"\x00" * 40, content_type="text/csv")
    refused = api_for(project_manager).post("/api/v1/time-entries/import", {"file": upload})
    assert refused.status_code == 422 and "Excel" in str(refused.json())
    text = SimpleUploadedFile(
        "timer.csv", f"{HEADER}\r\n16.11.2026;;Kundeportal;Analyse;1;ja;".encode(), content_type="text/csv"
    )
    assert api_for(expert).post("/api/v1/time-entries/import", {"file": text}).status_code == 403
    assert api_for(project_manager).post("/api/v1/time-entries/import", {}).status_code == 422
