"""The estimates and expert-reviews API: the same rules as the pages, as status codes."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from samspill.people.models import PersonSkill, Skill
from samspill.pipeline.actions import estimates as estimate_actions
from samspill.pipeline.actions import reviews as review_actions
from samspill.pipeline.models import Estimate, ExpertReview, ReviewState, WorkPackage
from samspill.pipeline.tests.estimating import make_estimate, skilled_expert

pytestmark = pytest.mark.django_db

API = "/api/v1"
DUE = "2025-03-20"


def _post(client: Client, url: str, data: Any = None) -> Any:
    return client.post(API + url, json.dumps(data or {}), content_type="application/json")


def _patch(client: Client, url: str, data: Any) -> Any:
    return client.patch(API + url, json.dumps(data), content_type="application/json")


@pytest.fixture
def estimate(opportunity: Any, seller: Any) -> Estimate:
    return make_estimate(opportunity, seller, risks=[("Risiko", 20, 50)])


# -- estimates ---------------------------------------------------------------------------------------------


def test_an_estimate_reads_with_packages_lines_risks_and_summary(
    estimate: Estimate, seller: Any, api_for: Any
) -> None:
    body = api_for(seller).get(f"{API}/estimates/{estimate.pk}").json()
    assert body["number"] == 1 and len(body["work_packages"]) == 3 and len(body["risks"]) == 1
    assert body["summary"]["p80_hours"] == str(estimate.p80_hours)
    assert body["summary"]["price"] == str(estimate.price)
    assert body["work_packages"][0]["rate_source"] == "typed"
    assert body["risks"][0]["exposure_hours"] == "10.0"


def test_estimates_are_listed_by_opportunity(
    estimate: Estimate, opportunity: Any, make_opportunity: Any, seller: Any, api_for: Any
) -> None:
    make_estimate(make_opportunity("Annen"), seller)
    body = api_for(seller).get(f"{API}/estimates?opportunity={opportunity.pk}").json()
    assert body["count"] == 1 and body["items"][0]["id"] == estimate.pk


def test_a_new_version_is_created_from_another(
    estimate: Estimate, opportunity: Any, seller: Any, api_for: Any
) -> None:
    response = _post(
        api_for(seller), "/estimates", {"opportunity_id": opportunity.pk, "based_on_id": estimate.pk}
    )
    assert response.status_code == 201
    assert response.json()["number"] == 2 and len(response.json()["work_packages"]) == 3


def test_the_confidence_point_is_patched_with_the_version(
    estimate: Estimate, seller: Any, api_for: Any
) -> None:
    client = api_for(seller)
    response = _patch(client, f"/estimates/{estimate.pk}", {"version": estimate.version, "confidence": "p90"})
    assert response.status_code == 200
    assert response.json()["summary"]["price"] == str(Estimate.objects.get(pk=estimate.pk).p90_price)
    stale = _patch(client, f"/estimates/{estimate.pk}", {"version": estimate.version, "confidence": "p50"})
    assert stale.status_code == 409


def test_a_locked_estimate_answers_409(
    estimate: Estimate, opportunity: Any, seller: Any, api_for: Any
) -> None:
    estimate_actions.lock_for_offer(opportunity, by=seller)
    client = api_for(seller)
    added = _post(
        client,
        f"/estimates/{estimate.pk}/work-packages",
        {"name": "Ny", "optimistic": 1, "most_likely": 2, "pessimistic": 3},
    )
    assert added.status_code == 409
    package = estimate.packages.first()
    assert package is not None
    assert (
        _patch(client, f"/work-packages/{package.pk}", {"version": package.version, "name": "X"}).status_code
        == 409
    )
    assert client.delete(f"{API}/work-packages/{package.pk}").status_code == 409


def test_three_points_out_of_order_answer_422_on_the_field(
    estimate: Estimate, seller: Any, api_for: Any
) -> None:
    response = _post(
        api_for(seller),
        f"/estimates/{estimate.pk}/work-packages",
        {"name": "Feil", "optimistic": 50, "most_likely": 40, "pessimistic": 100},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "optimistic"]
    assert estimate.packages.count() == 3


def test_negative_hours_and_a_bad_probability_answer_422(
    estimate: Estimate, seller: Any, api_for: Any
) -> None:
    client = api_for(seller)
    negative = _post(
        client,
        f"/estimates/{estimate.pk}/work-packages",
        {"name": "Feil", "optimistic": -1, "most_likely": 2, "pessimistic": 3},
    )
    assert negative.status_code == 422
    risk = _post(
        client,
        f"/estimates/{estimate.pk}/risks",
        {"description": "R", "probability": 120, "consequence_hours": 5},
    )
    assert risk.status_code == 422 and risk.json()["detail"][0]["loc"] == ["body", "probability"]
    garbage = _post(client, f"/estimates/{estimate.pk}/work-packages", {"name": "X", "optimistic": "mye"})
    assert garbage.status_code == 422


def test_a_work_package_is_created_patched_and_deleted(estimate: Estimate, seller: Any, api_for: Any) -> None:
    client = api_for(seller)
    created = _post(
        client,
        f"/estimates/{estimate.pk}/work-packages",
        {"name": "Opplæring", "optimistic": 10, "most_likely": 15, "pessimistic": 30, "hourly_rate": 1200},
    )
    assert created.status_code == 201
    body = created.json()
    assert body["expected_hours"] == "16.7" and body["rate_source"] == "typed"
    patched = _patch(client, f"/work-packages/{body['id']}", {"version": body["version"], "most_likely": 20})
    assert patched.status_code == 200 and patched.json()["expected_hours"] == "20.0"
    assert client.delete(f"{API}/work-packages/{body['id']}").status_code == 204
    assert not WorkPackage.objects.filter(pk=body["id"]).exists()


def test_lines_and_risks_are_added_and_removed(estimate: Estimate, seller: Any, api_for: Any) -> None:
    client = api_for(seller)
    line = _post(client, f"/estimates/{estimate.pk}/lines", {"kind": "assumption", "text": "Testmiljø"})
    assert line.status_code == 201
    assert client.get(f"{API}/estimates/{estimate.pk}/lines").json()["count"] == 1
    assert client.delete(f"{API}/estimates/{estimate.pk}/lines/{line.json()['id']}").status_code == 204
    risk = _post(
        client,
        f"/estimates/{estimate.pk}/risks",
        {"description": "R", "probability": 50, "consequence_hours": 40},
    )
    assert risk.status_code == 201 and risk.json()["exposure_hours"] == "20.0"
    assert Estimate.objects.get(pk=estimate.pk).contingency_hours == 30


def test_unknown_and_invisible_ids_answer_404(
    make_opportunity: Any, seller: Any, outsider: Any, api_for: Any
) -> None:
    secret = make_estimate(make_opportunity("Hemmelig", confidential=True), seller)
    client = api_for(outsider)
    assert client.get(f"{API}/estimates/{secret.pk}").status_code == 404
    assert client.get(f"{API}/estimates/987654").status_code == 404
    assert _patch(client, "/work-packages/987654", {"version": 1, "name": "X"}).status_code == 404
    assert client.get(f"{API}/estimates").json()["count"] == 0


def test_someone_off_the_team_gets_403_when_changing(estimate: Estimate, outsider: Any, api_for: Any) -> None:
    response = _post(
        api_for(outsider),
        f"/estimates/{estimate.pk}/work-packages",
        {"name": "Snik", "optimistic": 1, "most_likely": 2, "pessimistic": 3},
    )
    assert response.status_code == 403


def test_versions_are_compared(estimate: Estimate, opportunity: Any, seller: Any, api_for: Any) -> None:
    second = estimate_actions.create_estimate(opportunity, by=seller, based_on=estimate)
    body = api_for(seller).get(f"{API}/estimates/{second.pk}/compare?other={estimate.pk}").json()
    assert body["before_id"] == estimate.pk and {row["status"] for row in body["packages"]} == {"same"}


# -- expert reviews ----------------------------------------------------------------------------------------


def test_the_expert_review_flow(
    estimate: Estimate, seller: Any, expert: Any, api_for: Any, today: Any
) -> None:
    azure = Skill.objects.create(name="Azure")
    PersonSkill.objects.create(person=expert, skill=azure, level=5)
    requested = _post(
        api_for(seller),
        "/expert-reviews",
        {"estimate_id": estimate.pk, "skill_id": azure.pk, "min_level": 4, "due_on": DUE},
    )
    assert requested.status_code == 201
    review_id = requested.json()["id"]
    expert_api = api_for(expert)
    mine = expert_api.get(f"{API}/expert-reviews?mine=true").json()
    assert [r["id"] for r in mine["items"]] == [review_id]
    assert _post(expert_api, f"/expert-reviews/{review_id}/accept").status_code == 200
    target = estimate.packages.first()
    assert target is not None
    comment = _post(
        expert_api,
        f"/expert-reviews/{review_id}/comments",
        {
            "work_package_id": target.pk,
            "text": "Mer",
            "proposed_optimistic": 50,
            "proposed_most_likely": 80,
            "proposed_pessimistic": 150,
        },
    )
    assert comment.status_code == 201
    verdict = _post(
        expert_api,
        f"/expert-reviews/{review_id}/verdict",
        {"verdict": "approved_with_changes", "comment": "Se pakke 1"},
    )
    assert verdict.status_code == 200 and verdict.json()["state"] == "done"
    applied = _post(api_for(seller), f"/expert-reviews/{review_id}/comments/{comment.json()['id']}/apply")
    assert applied.status_code == 200 and applied.json()["most_likely"] == "80.0"


def test_a_second_accept_answers_409_and_a_verdict_by_another_403(
    estimate: Estimate, seller: Any, expert: Any, api_for: Any, today: Any
) -> None:
    review = review_actions.request_review(
        estimate, by=seller, due_on=datetime.date(2025, 3, 20), reviewer=expert
    )
    review_actions.accept_review(review, by=expert)
    assert (
        _post(api_for(seller), f"/expert-reviews/{review.pk}/verdict", {"verdict": "approved"}).status_code
        == 403
    )
    azure = Skill.objects.create(name="Azure")
    PersonSkill.objects.create(person=expert, skill=azure, level=5)
    skill_wide = review_actions.request_review(
        estimate, by=seller, due_on=datetime.date(2025, 3, 20), skill=azure
    )
    review_actions.accept_review(skill_wide, by=expert)
    other = skilled_expert("annen", azure, 5)
    assert _post(api_for(other), f"/expert-reviews/{skill_wide.pk}/accept").status_code == 409


def test_a_verdict_without_the_needed_comment_answers_422(
    estimate: Estimate, seller: Any, expert: Any, api_for: Any, today: Any
) -> None:
    review = review_actions.request_review(
        estimate, by=seller, due_on=datetime.date(2025, 3, 20), reviewer=expert
    )
    response = _post(api_for(expert), f"/expert-reviews/{review.pk}/verdict", {"verdict": "not_realistic"})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "verdict_comment"]
    assert ExpertReview.objects.get(pk=review.pk).state == ReviewState.REQUESTED


def test_a_review_is_cancelled_by_its_requester(
    estimate: Estimate, seller: Any, expert: Any, api_for: Any, today: Any
) -> None:
    review = review_actions.request_review(
        estimate, by=seller, due_on=datetime.date(2025, 3, 20), reviewer=expert
    )
    assert _post(api_for(expert), f"/expert-reviews/{review.pk}/cancel").status_code == 403
    response = _post(api_for(seller), f"/expert-reviews/{review.pk}/cancel", {"reason": "Feil person"})
    assert response.status_code == 200 and response.json()["state"] == "cancelled"


def test_a_request_for_an_unknown_person_or_skill_answers_422(
    estimate: Estimate, seller: Any, api_for: Any, today: Any
) -> None:
    client = api_for(seller)
    person = _post(
        client, "/expert-reviews", {"estimate_id": estimate.pk, "reviewer_id": 987654, "due_on": DUE}
    )
    skill = _post(client, "/expert-reviews", {"estimate_id": estimate.pk, "skill_id": 987654, "due_on": DUE})
    assert person.status_code == 422 and skill.status_code == 422


# -- query counts ------------------------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_lists_cost_the_same_queries_for_few_and_many_rows(
    make_opportunity: Any, seller: Any, expert: Any, api_for: Any, today: Any
) -> None:
    client = api_for(seller)
    estimate = make_estimate(make_opportunity("Første"), seller)
    review_actions.request_review(estimate, by=seller, due_on=datetime.date(2025, 3, 20), reviewer=expert)
    urls = [
        "/estimates",
        f"/estimates/{estimate.pk}/work-packages",
        f"/estimates/{estimate.pk}",
        "/expert-reviews",
    ]
    small = [_queries(client, API + url) for url in urls]
    for i in range(8):
        more = make_estimate(make_opportunity(f"Mulighet {i}"), seller)
        review_actions.request_review(more, by=seller, due_on=datetime.date(2025, 3, 20), reviewer=expert)
        estimate_actions.add_work_package(
            estimate, {"name": f"P{i}", "optimistic": 1, "most_likely": 2, "pessimistic": 3}, by=seller
        )
    assert [_queries(client, API + url) for url in urls] == small
