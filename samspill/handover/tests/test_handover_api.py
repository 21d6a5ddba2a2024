"""The handovers API: the same actions and rules as the pages, with the conventions' status codes."""

from __future__ import annotations

from typing import Any

import pytest

from samspill.delivery.models import Project, ProjectPackage
from samspill.handover.models import Handover, Question

pytestmark = pytest.mark.django_db

JSON = "application/json"


def _url(handover: Handover, tail: str = "") -> str:
    return f"/api/v1/handovers/{handover.pk}{tail}"


def test_the_package_holds_completeness_missing_items_checklist_and_baseline(
    handover: Handover, api_for: Any, project_manager: Any
) -> None:
    body = api_for(project_manager).get(_url(handover)).json()
    assert body["state"] == "open" and body["project_manager"]["id"] == project_manager.pk
    assert body["completeness"] < 100 and body["missing_count"] == len(body["missing"])
    keys = [m["key"] for m in body["missing"]]
    assert "meeting" in keys and any(k.startswith("checklist:") for k in keys)
    assert len(body["checklist"]) == 6 and body["checklist"][0]["done"] is False
    assert [p["name"] for p in body["baseline"]["packages"]] == [
        "Analyse og design",
        "Integrasjon mot ERP",
        "Test og overlevering",
    ]
    assert len(body["expectations"]) == 2 and body["assumptions"] == ["Kunden stiller testmiljø"]
    assert body["exclusions"] == ["Drift etter lansering"] and body["contacts"][0]["name"] == "Kari Nordmann"


def test_the_whole_journey_through_the_api(
    handover: Handover, api_for: Any, project_manager: Any, seller: Any
) -> None:
    pm, selger = api_for(project_manager), api_for(seller)
    item = handover.checklist.first()
    ticked = pm.post(_url(handover, f"/checklist/{item.pk}"), {"done": True}, content_type=JSON)
    assert (ticked.status_code, ticked.json()["done"], ticked.json()["done_by"]["id"]) == (
        200,
        True,
        project_manager.pk,
    )
    patched = pm.patch(
        _url(handover),
        {"version": 1, "meeting_on": "2025-03-20T09:30:00+01:00", "participant_ids": [seller.pk]},
        content_type=JSON,
    )
    assert patched.status_code == 200 and patched.json()["participants"][0]["id"] == seller.pk
    sent = pm.post(_url(handover, "/send-back"), {"questions": ["Hvem godkjenner?"]}, content_type=JSON)
    assert (sent.status_code, sent.json()["state"]) == (200, "sent_back")
    version = sent.json()["version"]
    refused = pm.post(_url(handover, "/acknowledge"), {"version": version}, content_type=JSON)
    assert refused.status_code == 409 and "not answered yet" in refused.json()["detail"]
    question = sent.json()["questions"][0]
    answered = selger.post(
        _url(handover, f"/questions/{question['id']}/answer"), {"answer": "Kari"}, content_type=JSON
    )
    assert (answered.status_code, answered.json()["answer"]) == (200, "Kari")
    version = pm.get(_url(handover)).json()["version"]
    done = pm.post(_url(handover, "/acknowledge"), {"version": version}, content_type=JSON)
    assert done.status_code == 200
    body = done.json()
    assert body["state"] == "acknowledged" and body["acknowledged_score"] == body["completeness"]
    project = Project.objects.get(pk=body["project_id"])
    hours = {p.name: p.sold_hours for p in ProjectPackage.objects.filter(project=project)}
    assert hours == {p["name"]: p["expected_hours"] for p in _decimal_packages(body)}


def _decimal_packages(body: dict[str, Any]) -> list[dict[str, Any]]:
    from decimal import Decimal

    return [{**p, "expected_hours": Decimal(p["expected_hours"])} for p in body["baseline"]["packages"]]


def test_the_list_filters_by_state_and_mine(
    handover: Handover, sell: Any, win: Any, api_for: Any, project_manager: Any, delivery_manager: Any
) -> None:
    win(sell("Uten prosjektleder"))
    mine = api_for(project_manager).get("/api/v1/handovers?mine=true").json()
    assert mine["count"] == 1 and mine["items"][0]["id"] == handover.pk
    everything = api_for(delivery_manager).get("/api/v1/handovers?state=waiting&limit=1").json()
    assert everything["count"] == 2 and len(everything["items"]) == 1
    assert api_for(delivery_manager).get("/api/v1/handovers?state=acknowledged").json()["count"] == 0
    assert api_for(delivery_manager).get("/api/v1/handovers?state=nonsense").status_code == 422


def test_refusals_have_the_conventions_status_codes(
    handover: Handover, api_for: Any, seller: Any, outsider: Any, project_manager: Any
) -> None:
    assert api_for(outsider).get(_url(handover)).status_code == 200  # an ordinary one: readable
    refused = api_for(outsider).post(_url(handover, "/acknowledge"), {"version": 1}, content_type=JSON)
    assert refused.status_code == 403
    assert (
        api_for(seller).post(_url(handover, "/acknowledge"), {"version": 1}, content_type=JSON).status_code
        == 403
    )
    assert (
        api_for(seller)
        .post(_url(handover, "/send-back"), {"questions": ["?"]}, content_type=JSON)
        .status_code
        == 403
    )
    pm = api_for(project_manager)
    pm.post(_url(handover, "/send-back"), {"questions": ["Hvem?"]}, content_type=JSON)
    question = Question.objects.get(handover=handover)
    answer = pm.post(_url(handover, f"/questions/{question.pk}/answer"), {"answer": "Jeg"}, content_type=JSON)
    assert answer.status_code == 403
    assert pm.patch(_url(handover), {"version": 2, "notes": "x"}, content_type=JSON).status_code == 403
    stale = pm.patch(_url(handover), {"version": 1, "meeting_on": None}, content_type=JSON)
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert not Project.objects.exists()


def test_a_confidential_handover_is_not_found_for_an_outsider(
    sell: Any, win: Any, api_for: Any, outsider: Any, project_manager: Any
) -> None:
    handover = win(sell("Hemmelig", candidate=project_manager, confidential=True))
    api = api_for(outsider)
    item = handover.checklist.first()
    assert api.get(_url(handover)).status_code == 404
    assert api.post(_url(handover, "/acknowledge"), {"version": 1}, content_type=JSON).status_code == 404
    assert (
        api.post(_url(handover, f"/checklist/{item.pk}"), {"done": True}, content_type=JSON).status_code
        == 404
    )
    assert api.get("/api/v1/handovers?state=all").json()["count"] == 0
    assert api_for(project_manager).get(_url(handover)).status_code == 200


@pytest.mark.parametrize(
    ("method", "tail", "body"),
    [
        ("post", "/checklist/{item}", {"done": "kanskje"}),
        ("post", "/checklist/{item}", {}),
        ("post", "/send-back", {"questions": []}),
        ("post", "/send-back", {"questions": ["   "]}),
        ("post", "/send-back", {"questions": ["x" * 2001]}),
        ("post", "/send-back", {"questions": "Hvem?"}),
        ("post", "/send-back", {"questions": ["bad\u0000text"]}),
        ("post", "/acknowledge", {}),
        ("post", "/acknowledge", {"version": 0}),
        ("post", "/acknowledge", {"version": 99}),
        ("patch", "", {"version": 1, "meeting_on": "i morgen"}),
        ("patch", "", {"version": 1, "participant_ids": [999999]}),
        ("patch", "", {"version": 1, "project_manager_id": 999999}),
        ("patch", "", {"version": 1, "notes": None}),
        ("patch", "", {"meeting_on": None}),
    ],
)
def test_bad_input_is_a_422(
    handover: Handover, api_for: Any, project_manager: Any, method: str, tail: str, body: dict[str, Any]
) -> None:
    item = handover.checklist.first()
    url = _url(handover, tail.format(item=item.pk))
    response = getattr(api_for(project_manager), method)(url, body, content_type=JSON)
    assert response.status_code == 422, response.content
    assert not Question.objects.exists() and not Project.objects.exists()


def test_a_seller_is_not_made_project_manager(
    handover: Handover, api_for: Any, seller: Any, manager: Any
) -> None:
    response = api_for(manager).patch(
        _url(handover), {"version": 1, "project_manager_id": seller.pk}, content_type=JSON
    )
    assert response.status_code == 422
    assert "project_manager" in str(response.json()["detail"])


def test_unknown_ids_are_not_found(
    handover: Handover, api_for: Any, project_manager: Any, seller: Any
) -> None:
    pm = api_for(project_manager)
    assert pm.get("/api/v1/handovers/999999").status_code == 404
    assert pm.get("/api/v1/handovers/99999999999999999999999").status_code in (404, 422)
    assert pm.post(_url(handover, "/checklist/999999"), {"done": True}, content_type=JSON).status_code == 404
    answer = api_for(seller).post(
        _url(handover, "/questions/999999/answer"), {"answer": "x"}, content_type=JSON
    )
    assert answer.status_code == 404
