"""The deviations and change requests API: the same actions as the pages, with the conventions' codes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from samspill.delivery.actions.changes import create_change_request, send_change_request
from samspill.delivery.actions.deviations import raise_deviation
from samspill.delivery.detection import detect_deviations
from samspill.delivery.models import Baseline, ChangeRequest, Deviation, Project
from samspill.delivery.tests.deviation_factories import TODAY, book, make_project, package

pytestmark = pytest.mark.usefixtures("english")
JSON = "application/json"


@pytest.fixture
def project(customer: Any, project_manager: Any, seller: Any) -> Project:
    return make_project(customer, project_manager, seller=seller)


def _queries(call: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert call().status_code == 200
    return len(captured)


# -- deviations ------------------------------------------------------------------------------------


def test_raise_read_patch_and_close_a_deviation(project: Project, project_manager: Any, api_for: Any) -> None:
    api = api_for(project_manager)
    created = api.post(
        "/api/v1/deviations",
        {"project_id": project.pk, "what": "Leverandør forsinket", "consequence": "To uker"},
        content_type=JSON,
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["kind"], body["status"], body["owner"]["id"]) == ("manual", "open", project_manager.pk)
    assert api.get(f"/api/v1/deviations/{body['id']}").json()["what"] == "Leverandør forsinket"
    patched = api.patch(
        f"/api/v1/deviations/{body['id']}", {"version": 1, "action": "Eskalert"}, content_type=JSON
    )
    assert (patched.status_code, patched.json()["action"], patched.json()["version"]) == (200, "Eskalert", 2)
    stale = api.patch(f"/api/v1/deviations/{body['id']}", {"version": 1, "action": "x"}, content_type=JSON)
    assert stale.status_code == 409
    closed = api.post(
        f"/api/v1/deviations/{body['id']}/close", {"version": 2, "resolution": "Levert"}, content_type=JSON
    )
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    again = api.post(
        f"/api/v1/deviations/{body['id']}/close", {"version": 3, "resolution": "x"}, content_type=JSON
    )
    assert again.status_code == 409


def test_a_rules_deviation_carries_its_numbers_and_cannot_be_closed_while_it_holds(
    project: Project, project_manager: Any, expert: Any, api_for: Any
) -> None:
    book(project, expert, 120)
    detect_deviations(project, today=TODAY)
    api = api_for(project_manager)
    rows = api.get(f"/api/v1/deviations?project={project.pk}&kind=package_over_budget").json()
    assert rows["count"] == 1
    row = rows["items"][0]
    assert row["numbers"]["actual_hours"] == 120.0
    assert "«Analyse»" in row["text"]
    refused = api.post(
        f"/api/v1/deviations/{row['id']}/close",
        {"version": row["version"], "resolution": "x"},
        content_type=JSON,
    )
    assert refused.status_code == 409
    renamed = api.patch(f"/api/v1/deviations/{row['id']}", {"version": 1, "what": "Annet"}, content_type=JSON)
    assert renamed.status_code == 422


def test_the_list_filters_by_status_and_kind(project: Project, project_manager: Any, api_for: Any) -> None:
    one = raise_deviation(project, {"what": "En"}, by=project_manager)
    raise_deviation(project, {"what": "To"}, by=project_manager)
    Deviation.objects.filter(pk=one.pk).update(status="closed")
    api = api_for(project_manager)
    assert api.get("/api/v1/deviations?status=open").json()["count"] == 1
    assert api.get("/api/v1/deviations?status=closed").json()["items"][0]["what"] == "En"
    assert api.get("/api/v1/deviations?kind=milestone_late").json()["count"] == 0
    assert api.get("/api/v1/deviations?status=nonsense").status_code == 422


def test_bad_deviation_input_is_a_field_error(project: Project, project_manager: Any, api_for: Any) -> None:
    api = api_for(project_manager)
    assert (
        api.post("/api/v1/deviations", {"project_id": project.pk, "what": ""}, content_type=JSON).status_code
        == 422
    )
    assert (
        api.post(
            "/api/v1/deviations", {"project_id": project.pk, "what": "x\x00"}, content_type=JSON
        ).status_code
        == 422
    )
    unknown_owner = api.post(
        "/api/v1/deviations", {"project_id": project.pk, "what": "x", "owner_id": 999999}, content_type=JSON
    )
    assert unknown_owner.status_code == 422
    assert "owner_id" in str(unknown_owner.json()["detail"])
    assert (
        api.post("/api/v1/deviations", {"project_id": 999999, "what": "x"}, content_type=JSON).status_code
        == 422
    )
    assert not Deviation.objects.exists()


def test_outsiders_get_404_for_confidential_projects_and_403_for_what_they_only_read(
    customer: Any, project: Project, project_manager: Any, outsider: Any, api_for: Any
) -> None:
    secret = make_project(customer, project_manager, title="Hemmelig", confidential=True)
    hidden = raise_deviation(secret, {"what": "Hemmelig avvik"}, by=project_manager)
    seen = raise_deviation(project, {"what": "Åpent avvik"}, by=project_manager)
    api = api_for(outsider)
    assert api.get(f"/api/v1/deviations/{hidden.pk}").status_code == 404
    assert [row["id"] for row in api.get("/api/v1/deviations").json()["items"]] == [seen.pk]
    assert (
        api.patch(
            f"/api/v1/deviations/{hidden.pk}", {"version": 1, "action": "x"}, content_type=JSON
        ).status_code
        == 404
    )
    assert (
        api.patch(
            f"/api/v1/deviations/{seen.pk}", {"version": 1, "action": "x"}, content_type=JSON
        ).status_code
        == 403
    )
    raised = api.post("/api/v1/deviations", {"project_id": project.pk, "what": "x"}, content_type=JSON)
    assert raised.status_code == 403
    assert (
        api.post("/api/v1/deviations", {"project_id": secret.pk, "what": "x"}, content_type=JSON).status_code
        == 422
    )


def test_the_deviations_list_answers_in_a_constant_number_of_queries(
    customer: Any, project_manager: Any, seller: Any, api_for: Any
) -> None:
    api = api_for(seller)
    for n in range(2):
        raise_deviation(
            make_project(customer, project_manager, title=f"P{n}"), {"what": f"A{n}"}, by=project_manager
        )
    api.get("/api/v1/deviations")  # the token's first use is recorded once
    few = _queries(lambda: api.get("/api/v1/deviations"))
    for n in range(2, 7):
        raise_deviation(make_project(customer, project_manager, title=f"P{n}"), {"what": f"A{n}"}, by=seller)
    assert _queries(lambda: api.get("/api/v1/deviations")) == few


# -- change requests -------------------------------------------------------------------------------


def _change_body(project: Project, **fields: Any) -> dict[str, Any]:
    return {
        "project_id": project.pk,
        "title": "Integrasjon",
        "description": "Mot SAP",
        "package_id": package(project, 1).pk,
        "hours": "80",
        "price": "112000",
        "delay_days": 7,
        **fields,
    }


def test_draft_patch_send_and_accept_a_change_request(
    project: Project, project_manager: Any, seller: Any, api_for: Any
) -> None:
    pm, sales = api_for(project_manager), api_for(seller)
    created = pm.post("/api/v1/change-requests", _change_body(project), content_type=JSON)
    assert created.status_code == 201
    body = created.json()
    assert (body["number"], body["state"], body["package"]["id"]) == (1, "draft", package(project, 1).pk)
    url = f"/api/v1/change-requests/{body['id']}"
    assert pm.patch(url, {"version": 1, "hours": "90"}, content_type=JSON).json()["hours"] == "90.0"
    early = sales.post(f"{url}/accept", {"version": 2}, content_type=JSON)
    assert early.status_code == 409
    assert sales.post(f"{url}/send", {"version": 2}, content_type=JSON).status_code == 403
    sent = pm.post(f"{url}/send", {"version": 2}, content_type=JSON)
    assert (sent.status_code, sent.json()["state"]) == (200, "sent")
    assert pm.patch(url, {"version": 3, "hours": "95"}, content_type=JSON).status_code == 409
    assert pm.post(f"{url}/accept", {"version": 3}, content_type=JSON).status_code == 403
    waiting = sales.get("/api/v1/change-requests?waiting_for_me=true").json()
    assert [row["id"] for row in waiting["items"]] == [body["id"]]
    accepted = sales.post(f"{url}/accept", {"version": 3, "note": "Ja"}, content_type=JSON)
    assert (accepted.status_code, accepted.json()["state"]) == (200, "accepted")
    assert Baseline.objects.filter(project=project).count() == 2


def test_rejecting_needs_a_note(project: Project, project_manager: Any, seller: Any, api_for: Any) -> None:
    change = create_change_request(
        project,
        {"title": "X", "description": "Y", "hours": Decimal(5), "price": Decimal(5000)},
        by=project_manager,
    )
    change = send_change_request(change, by=project_manager, version=1)
    url = f"/api/v1/change-requests/{change.pk}/reject"
    api = api_for(seller)
    missing = api.post(url, {"version": change.version}, content_type=JSON)
    assert missing.status_code == 422
    rejected = api.post(url, {"version": change.version, "note": "For dyrt"}, content_type=JSON)
    assert (rejected.status_code, rejected.json()["decision_note"]) == (200, "For dyrt")


def test_bad_change_request_input_is_a_field_error(
    customer: Any, project: Project, project_manager: Any, api_for: Any
) -> None:
    api = api_for(project_manager)
    other = make_project(customer, project_manager, title="Annet")
    for body in (
        _change_body(project, hours="abc"),
        _change_body(project, hours="1.25"),
        _change_body(project, hours="0", price="0"),
        _change_body(project, package_id=package(other).pk),
        _change_body(project, delay_days=99999),
        _change_body(project, title=""),
        _change_body(project, package_id=None, hours="-10"),
    ):
        assert api.post("/api/v1/change-requests", body, content_type=JSON).status_code == 422, body
    assert not ChangeRequest.objects.exists()


def test_outsiders_and_sellers_are_refused_the_right_way(
    customer: Any, project: Project, project_manager: Any, seller: Any, outsider: Any, api_for: Any
) -> None:
    secret = make_project(customer, project_manager, title="Hemmelig", confidential=True)
    hidden = create_change_request(
        secret,
        {"title": "X", "description": "Y", "hours": Decimal(5), "price": Decimal(5000)},
        by=project_manager,
    )
    api = api_for(outsider)
    assert api.get(f"/api/v1/change-requests/{hidden.pk}").status_code == 404
    assert (
        api.post(f"/api/v1/change-requests/{hidden.pk}/accept", {"version": 1}, content_type=JSON).status_code
        == 404
    )
    assert api.get("/api/v1/change-requests").json()["count"] == 0
    assert (
        api_for(seller).post("/api/v1/change-requests", _change_body(project), content_type=JSON).status_code
        == 403
    )


def test_the_change_requests_list_answers_in_a_constant_number_of_queries(
    customer: Any, project_manager: Any, api_for: Any
) -> None:
    api = api_for(project_manager)

    def add(n: int) -> None:
        project = make_project(customer, project_manager, title=f"P{n}")
        create_change_request(
            project,
            {
                "title": f"C{n}",
                "description": "Y",
                "package": package(project),
                "hours": Decimal(5),
                "price": Decimal(1),
            },
            by=project_manager,
        )

    add(0)
    api.get("/api/v1/change-requests")  # the token's first use is recorded once
    few = _queries(lambda: api.get("/api/v1/change-requests"))
    for n in range(1, 6):
        add(n)
    assert _queries(lambda: api.get("/api/v1/change-requests")) == few
