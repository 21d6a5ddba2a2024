"""The opportunities API: the same actions as the pages, with the conventions' status codes."""

from __future__ import annotations

from typing import Any

import pytest

from samspill.pipeline.models import Opportunity, TeamMember

pytestmark = pytest.mark.django_db

JSON = "application/json"


def _create(api: Any, customer: Any, **fields: Any) -> Any:
    return api.post(
        "/api/v1/opportunities",
        {"customer_id": customer.pk, "title": "API deal", "value": "250000", **fields},
        content_type=JSON,
    )


def test_create_get_and_patch_an_opportunity(customer: Any, seller: Any, api_for: Any) -> None:
    api = api_for(seller)
    created = _create(api, customer, tags=["portal"], project_type="data")
    assert created.status_code == 201
    body = created.json()
    assert (body["stage"], body["probability"], body["weighted_value"]) == ("lead", 10, "25000.00")
    assert body["team"][0]["person"]["id"] == seller.pk and body["team"][0]["role"] == "seller"
    assert api.get(f"/api/v1/opportunities/{body['id']}").json()["title"] == "API deal"
    patched = api.patch(
        f"/api/v1/opportunities/{body['id']}", {"version": 1, "value": "300000"}, content_type=JSON
    )
    assert (patched.status_code, patched.json()["value"], patched.json()["version"]) == (200, "300000.00", 2)
    stale = api.patch(f"/api/v1/opportunities/{body['id']}", {"version": 1, "value": "1"}, content_type=JSON)
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2


def test_move_win_and_lose_through_the_api(customer: Any, seller: Any, manager: Any, api_for: Any) -> None:
    api = api_for(seller)
    first = _create(api, customer).json()
    moved = api.post(
        f"/api/v1/opportunities/{first['id']}/move",
        {"stage": "qualified", "version": 1, "probability": 30},
        content_type=JSON,
    )
    assert (moved.status_code, moved.json()["stage"], moved.json()["probability"]) == (200, "qualified", 30)
    gated = api.post(
        f"/api/v1/opportunities/{first['id']}/move", {"stage": "offer_sent", "version": 2}, content_type=JSON
    )
    assert gated.status_code == 409
    assert "expert review" in gated.json()["detail"]
    won = api_for(manager).post(
        f"/api/v1/opportunities/{first['id']}/win",
        {"version": 2, "override_reason": "Direct award"},
        content_type=JSON,
    )
    assert (won.status_code, won.json()["stage"], won.json()["sold_estimate_id"]) == (200, "won", None)
    second = _create(api, customer).json()
    lost = api.post(
        f"/api/v1/opportunities/{second['id']}/lose",
        {"reason": "timing", "note": "Next year", "version": 1},
        content_type=JSON,
    )
    assert (lost.status_code, lost.json()["lost_reason"]) == (200, "timing")


def test_the_team_is_read_added_to_and_removed_from(
    customer: Any, seller: Any, expert: Any, outsider: Any, api_for: Any
) -> None:
    api = api_for(seller)
    opportunity = _create(api, customer).json()
    url = f"/api/v1/opportunities/{opportunity['id']}/team"
    added = api.post(url, {"person_id": expert.pk, "role": "expert"}, content_type=JSON)
    assert added.status_code == 201
    assert api.get(url).json()["count"] == 2
    assert api.post(url, {"person_id": expert.pk, "role": "expert"}, content_type=JSON).status_code == 422
    assert api_for(outsider).delete(f"{url}/{added.json()['id']}").status_code == 403
    assert api.delete(f"{url}/{added.json()['id']}").status_code == 204
    assert api.delete(f"{url}/{added.json()['id']}").status_code == 404
    assert not TeamMember.objects.filter(person=expert).exists()


def test_the_list_filters_like_the_board(customer: Any, seller: Any, manager: Any, api_for: Any) -> None:
    api = api_for(seller)
    _create(api, customer, title="Mine", project_type="data")
    _create(api_for(manager), customer, title="Lena's")
    assert api.get("/api/v1/opportunities?mine=true").json()["count"] == 1
    assert api.get("/api/v1/opportunities?project_type=data").json()["items"][0]["title"] == "Mine"
    assert api.get(f"/api/v1/opportunities?owner={manager.pk}").json()["count"] == 1
    assert api.get("/api/v1/opportunities?stage=won").json()["count"] == 0
    assert api.get("/api/v1/opportunities?limit=1&offset=1").json()["count"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"value": "-1"}, "value"),
        ({"probability": 101}, "probability"),
        ({"customer_id": 999999}, "customer_id"),
        ({"agreement_id": 999999}, "agreement_id"),
        ({"owner_id": 999999}, "owner_id"),
        ({"required_skill_ids": [999999]}, "required_skills"),
        ({"stage": "won"}, "stage"),
        ({"title": ""}, "title"),
        ({"tags": ["x" * 60]}, "tags"),
    ],
)
def test_creating_refuses_nonsense_with_a_field_error_and_saves_nothing(
    customer: Any, seller: Any, api_for: Any, body: dict[str, Any], field: str
) -> None:
    response = _create(api_for(seller), customer, **body)
    assert response.status_code == 422
    assert field in [str(error["loc"][-1]) for error in response.json()["detail"]] or field in str(
        response.json()
    )
    assert not Opportunity.objects.exists()


@pytest.mark.parametrize(
    ("verb", "body", "field"),
    [
        ("move", {"stage": "bogus", "version": 1}, "stage"),
        ("move", {"stage": "qualified", "version": 1, "probability": -3}, "probability"),
        ("move", {"stage": "won", "version": 1}, "stage"),
        ("lose", {"reason": "", "note": "", "version": 1}, "reason"),
        ("lose", {"reason": "price", "note": " ", "version": 1}, "note"),
        ("win", {"decided_on": "2999-01-01", "version": 1}, "decided_on"),
        ("win", {"decided_on": "yesterday", "version": 1}, "decided_on"),
        ("move", {"stage": "qualified"}, "version"),
    ],
)
def test_the_verbs_refuse_nonsense_with_a_field_error(
    opportunity: Any, seller: Any, api_for: Any, verb: str, body: dict[str, Any], field: str
) -> None:
    response = api_for(seller).post(f"/api/v1/opportunities/{opportunity.pk}/{verb}", body, content_type=JSON)
    assert response.status_code == 422, response.content
    assert field in [str(error["loc"][-1]) for error in response.json()["detail"]]
    assert Opportunity.objects.get().version == 1


def test_unknown_and_unseen_ids_are_not_found(seller: Any, api_for: Any) -> None:
    api = api_for(seller)
    assert api.get("/api/v1/opportunities/999999").status_code == 404
    assert (
        api.post(
            "/api/v1/opportunities/999999/move", {"stage": "qualified", "version": 1}, content_type=JSON
        ).status_code
        == 404
    )
    assert api.get("/api/v1/expectations/999999").status_code == 404


def test_a_reader_gets_403_on_changes(opportunity: Any, outsider: Any, api_for: Any) -> None:
    api = api_for(outsider)
    assert api.get(f"/api/v1/opportunities/{opportunity.pk}").status_code == 200
    for verb, body in (
        ("move", {"stage": "qualified", "version": 1}),
        ("lose", {"reason": "price", "note": "x", "version": 1}),
    ):
        assert (
            api.post(f"/api/v1/opportunities/{opportunity.pk}/{verb}", body, content_type=JSON).status_code
            == 403
        )
    assert (
        api.post(
            "/api/v1/opportunities",
            {"customer_id": opportunity.customer_id, "title": "x", "value": "1"},
            content_type=JSON,
        ).status_code
        == 403
    )
