"""Nonsense requests to the pipeline's API and pages are answered with 4xx, never a 500.

Every body field of every state-changing endpoint gets each value of NASTY in turn (huge ids and
amounts, strings for numbers, negative hours, unknown stages, NUL characters, lists for text …).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from samspill.pipeline.actions import reviews as review_actions
from samspill.pipeline.models import EstimateLine, Opportunity, WorkPackage
from samspill.pipeline.tests.estimating import make_estimate

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
NASTY: list[Any] = [
    None,
    "",
    "abc",
    "\x00",
    "a\x00b",
    -1,
    -1.5,
    0,
    10**30,
    1e308,
    "1e400",
    "NaN",
    "Infinity",
    2**63,
    [],
    {},
    {"a": 1},
    True,
    "9" * 400,
    "12,5",
    "won",
    "bogus",
]


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _variants(base: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield {}
    for key in base:
        for value in NASTY:
            yield {**base, key: value}


@pytest.fixture
def world(seller: Any, expert: Any, customer: Any, make_opportunity: Any, today: Any) -> dict[str, Any]:
    opportunity = make_opportunity("Probe")
    estimate = make_estimate(opportunity, seller)
    review = review_actions.request_review(
        estimate, by=seller, due_on=datetime.date(2025, 3, 20), reviewer=expert
    )
    return {
        "opportunity": opportunity,
        "estimate": estimate,
        "package": estimate.packages.first(),
        "line": EstimateLine.objects.create(estimate=estimate, kind="assumption", text="x", position=1),
        "risk": estimate.risks.create(description="r", probability=10, consequence_hours=Decimal(5)),
        "review": review,
        "customer": customer,
        "seller": seller,
        "expert": expert,
    }


def _seller_api(w: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    o, e, p, c = w["opportunity"].pk, w["estimate"].pk, w["package"].pk, w["customer"].pk
    return [
        (
            "post",
            "/api/v1/opportunities",
            {
                "customer_id": c,
                "title": "T",
                "value": "100",
                "probability": 10,
                "stage": "lead",
                "expected_start": "2025-05-01",
                "duration_weeks": 4,
                "tags": ["a"],
                "owner_id": w["seller"].pk,
            },
        ),
        ("patch", f"/api/v1/opportunities/{o}", {"version": 1, "title": "T", "value": "5", "probability": 5}),
        ("post", f"/api/v1/opportunities/{o}/move", {"stage": "qualified", "version": 1, "probability": 20}),
        ("post", f"/api/v1/opportunities/{o}/win", {"version": 1, "decided_on": "2025-03-01"}),
        ("post", f"/api/v1/opportunities/{o}/lose", {"version": 1, "reason": "price", "note": "n"}),
        ("post", f"/api/v1/opportunities/{o}/team", {"person_id": w["expert"].pk, "role": "expert"}),
        (
            "post",
            "/api/v1/expectations",
            {
                "opportunity_id": o,
                "kind": "scope",
                "customer_words": "w",
                "source": "meeting",
                "agreed_on": "2025-01-01",
                "agreed_by_id": w["seller"].pk,
            },
        ),
        ("post", "/api/v1/estimates", {"opportunity_id": o, "based_on_id": e}),
        ("patch", f"/api/v1/estimates/{e}", {"version": 1, "title": "t", "confidence": "p80"}),
        (
            "post",
            f"/api/v1/estimates/{e}/work-packages",
            {
                "name": "n",
                "role": "expert",
                "optimistic": "1",
                "most_likely": "2",
                "pessimistic": "3",
                "hourly_rate": "1000",
                "skills": [],
            },
        ),
        (
            "patch",
            f"/api/v1/work-packages/{p}",
            {
                "version": 1,
                "role": "expert",
                "optimistic": "1",
                "most_likely": "2",
                "pessimistic": "3",
                "hourly_rate": "1000",
                "skills": [],
            },
        ),
        ("post", f"/api/v1/estimates/{e}/lines", {"kind": "assumption", "text": "t"}),
        ("patch", f"/api/v1/estimates/{e}/lines/{w['line'].pk}", {"text": "t"}),
        (
            "post",
            f"/api/v1/estimates/{e}/risks",
            {"description": "d", "probability": 10, "consequence_hours": 5},
        ),
        ("patch", f"/api/v1/estimates/{e}/risks/{w['risk'].pk}", {"probability": 10, "consequence_hours": 5}),
        (
            "post",
            "/api/v1/expert-reviews",
            {"estimate_id": e, "reviewer_id": w["expert"].pk, "min_level": 1, "due_on": "2025-03-20"},
        ),
        ("post", f"/api/v1/expert-reviews/{w['review'].pk}/cancel", {"reason": "r"}),
    ]


def _expert_api(w: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    r = w["review"].pk
    return [
        (
            "post",
            f"/api/v1/expert-reviews/{r}/comments",
            {
                "work_package_id": w["package"].pk,
                "text": "t",
                "proposed_optimistic": "1",
                "proposed_most_likely": "2",
                "proposed_pessimistic": "3",
            },
        ),
        ("post", f"/api/v1/expert-reviews/{r}/verdict", {"verdict": "approved_with_changes", "comment": "c"}),
    ]


def test_nonsense_bodies_to_the_api_are_refused_without_a_server_error(
    world: dict[str, Any], token_for: Any
) -> None:
    failures = []
    for person, cases in ((world["seller"], _seller_api(world)), (world["expert"], _expert_api(world))):
        api = Client(headers=token_for(person), raise_request_exception=False)
        for method, url, base in cases:
            for body in _variants(base):
                with rolled_back():
                    response = getattr(api, method)(url, json.dumps(body), content_type="application/json")
                if response.status_code >= 500:
                    failures.append((method, url, body))
    assert not failures
    assert Opportunity.objects.count() == 1


@pytest.mark.parametrize(
    "query",
    [
        "opportunities?limit=0",
        "opportunities?offset=-1",
        "opportunities?stage=bogus",
        "opportunities?q=%00",
        f"opportunities?owner={HUGE}",
        "opportunities?expected_start_from=2025-13-45",
        "opportunities?customer=abc",
        "opportunities?mine=maybe",
        "estimates?opportunity=-5",
        "expert-reviews?state=bogus",
        "expectations?opportunity=0",
        "expectations?kind=%00",
        f"opportunities/{HUGE}",
        f"estimates/{HUGE}",
        f"work-packages/{HUGE}",
        f"expert-reviews/{HUGE}",
        f"expectations/{HUGE}",
    ],
)
def test_nonsense_api_queries_are_refused_without_a_server_error(
    query: str, seller: Any, token_for: Any
) -> None:
    response = Client(headers=token_for(seller), raise_request_exception=False).get(f"/api/v1/{query}")
    assert 400 <= response.status_code < 500


def test_nonsense_page_requests_are_refused_or_ignored_without_a_server_error(
    world: dict[str, Any], client_for: Any
) -> None:
    o, e, p = world["opportunity"].pk, world["estimate"].pk, world["package"].pk
    gets = [
        "/pipeline/?q=%00",
        f"/pipeline/?customer={HUGE}",
        "/pipeline/?owner=abc&skill=-1&start_from=2025-99-99&sort=%00",
        "/pipeline/board/lead/?offset=abc",
        f"/pipeline/board/lead/?offset={HUGE}",
        f"/pipeline/list/?sort=%00&page={HUGE}",
        "/pipeline/list/export.csv?stage=%00&q=%00",
        f"/pipeline/form-check/?opportunity={o}&agreement={HUGE}&value=1e400",
        f"/pipeline/form-check/?opportunity={HUGE}",
        f"/pipeline/estimates/{e}/compare/?with={HUGE}",
        f"/pipeline/estimates/{e}/compare/?with=%00",
        f"/pipeline/estimates/{e}/offer/print/?valid_days={HUGE}",
        f"/pipeline/new/?customer={HUGE}",
        f"/pipeline/{HUGE}/",
        f"/pipeline/estimates/{HUGE}/",
        f"/pipeline/reviews/{HUGE}/",
    ]
    posts = [
        (f"/pipeline/{o}/move/", {"stage": "\x00", "version": HUGE, "probability": "1e400"}),
        (f"/pipeline/{o}/move/", {"stage": "qualified", "version": "-1", "probability": "-5"}),
        (f"/pipeline/{o}/win/", {"decided_on": "2025-99-01", "version": "1e5"}),
        (f"/pipeline/{o}/lose/", {"reason": "\x00", "note": "\x00", "version": "1"}),
        (f"/pipeline/{o}/team/", {"person": HUGE, "role": "x"}),
        (
            f"/pipeline/{o}/expectations/new/",
            {"kind": "scope", "customer_words": "a\x00b", "agreed_with": HUGE},
        ),
        (f"/pipeline/{o}/edit/", {"title": "a\x00", "value": "1e400", "probability": "1e5", "version": "1"}),
        ("/pipeline/new/", {"title": "x", "value": "9" * 30, "probability": "10", "stage": "\x00"}),
        (f"/pipeline/{o}/estimates/new/", {"based_on": HUGE}),
        (f"/pipeline/{o}/estimates/new/", {"based_on": "abc"}),
        (f"/pipeline/estimates/{e}/settings/", {"version": "1", "confidence": "p99", "title_form": "1"}),
        (
            f"/pipeline/estimates/{e}/packages/add/",
            {
                "name": "n",
                "optimistic": "1e400",
                "most_likely": "-2",
                "pessimistic": "1",
                "hourly_rate": "1e20",
            },
        ),
        (f"/pipeline/estimates/packages/{p}/edit/", {"version": "1", "name": "\x00", "optimistic": "NaN"}),
        (f"/pipeline/estimates/{e}/lines/add/", {"kind": "\x00", "text": "a"}),
        (f"/pipeline/estimates/{e}/lines/add/", {"kind": "package", "text": ""}),
        (
            f"/pipeline/estimates/{e}/risks/add/",
            {"description": "d", "probability": HUGE, "consequence_hours": "1e400"},
        ),
        (f"/pipeline/estimates/{e}/review/new/", {"who": "person", "reviewer": HUGE, "due_on": "9999-12-31"}),
        (f"/pipeline/estimates/{e}/offer/", {"valid_days": HUGE}),
        (f"/pipeline/reviews/{world['review'].pk}/cancel/", {"reason": "\x00"}),
    ]
    client = client_for(world["seller"])
    client.raise_request_exception = False
    failures = [url for url in gets if client.get(url).status_code >= 500]
    for url, data in posts:
        with rolled_back():
            if client.post(url, data).status_code >= 500:
                failures.append(f"POST {url} {data}")
    assert not failures


def test_an_hourly_rate_too_large_to_store_is_a_field_error(world: dict[str, Any], api_for: Any) -> None:
    response = api_for(world["seller"]).patch(
        f"/api/v1/work-packages/{world['package'].pk}",
        json.dumps({"version": 1, "hourly_rate": "1e400"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert [e["loc"][-1] for e in response.json()["detail"]] == ["hourly_rate"]
    assert WorkPackage.objects.get(pk=world["package"].pk).hourly_rate == Decimal(1500)


def test_an_unknown_kind_of_line_shows_the_page_again_with_the_error(
    world: dict[str, Any], client_for: Any
) -> None:
    response = client_for(world["seller"]).post(
        f"/pipeline/estimates/{world['estimate'].pk}/lines/add/", {"kind": "package", "text": ""}
    )
    assert response.status_code == 200
    assert response.context["assumption_form"].errors
    assert not EstimateLine.objects.exclude(pk=world["line"].pk).exists()
