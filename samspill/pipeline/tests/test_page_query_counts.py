"""The opportunity page, the customer and agreement panels, the start page, the review page and the
expectations API cost the same number of queries for a little as for a lot."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from samspill.customers.actions import create_agreement
from samspill.pipeline.actions import expectations as expectation_actions
from samspill.pipeline.actions import opportunities as opportunity_actions
from samspill.pipeline.actions import reviews as review_actions
from samspill.pipeline.tests.estimating import make_estimate, skilled_expert

pytestmark = pytest.mark.django_db

DUE = datetime.date(2025, 3, 20)


def _queries(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_opportunity_page_costs_the_same_for_a_small_and_a_big_opportunity(
    opportunity: Any, seller: Any, client_for: Any, today: Any
) -> None:
    from samspill.people.models import Skill

    def grow(start: int, count: int) -> None:
        for i in range(start, start + count):
            person = skilled_expert(f"fag{i}", Skill.objects.get_or_create(name="Azure")[0], 3)
            opportunity_actions.add_team_member(opportunity, person, "expert", by=seller)
            expectation_actions.create_expectation(
                opportunity,
                {"kind": "scope", "customer_words": f"Ønske {i}", "source": "meeting", "agreed_by": person},
                by=seller,
            )
            estimate = make_estimate(opportunity, seller, [("Pakke", 1, 2, 3)])
            review_actions.request_review(estimate, by=seller, due_on=DUE, reviewer=person)

    client = client_for(seller)
    url = opportunity.get_absolute_url()
    grow(0, 1)
    few = _queries(client, url)
    grow(1, 6)
    assert _queries(client, url) == few


def test_the_customer_and_agreement_pages_cost_the_same_for_few_and_many_opportunities(
    customer: Any, seller: Any, manager: Any, make_opportunity: Any, client_for: Any, today: Any
) -> None:
    agreement = create_agreement(
        customer,
        {
            "title": "Ramme",
            "starts_on": datetime.date(2024, 1, 1),
            "ends_on": datetime.date(2027, 1, 1),
            "ceiling": Decimal(40_000_000),
        },
        by=seller,
    )

    def grow(start: int, count: int) -> None:
        for i in range(start, start + count):
            opened = make_opportunity(
                f"Avrop {i}", agreement=agreement, offer_due=DUE, confidential=i % 2 == 0
            )
            if i % 3 == 0:
                opportunity_actions.lose_opportunity(
                    opened, reason="price", note="dyrt", by=seller, version=1
                )

    urls = [f"/customers/{customer.pk}/", f"/customers/agreements/{agreement.pk}/", "/"]
    client = client_for(seller)
    grow(0, 14)  # more than a panel shows, so each panel also counts them all
    few = [_queries(client, url) for url in urls]
    grow(14, 12)
    assert [_queries(client, url) for url in urls] == few


def test_the_review_page_costs_the_same_for_few_and_many_comments(
    opportunity: Any, seller: Any, expert: Any, client_for: Any, today: Any
) -> None:
    estimate = make_estimate(opportunity, seller)
    review = review_actions.request_review(estimate, by=seller, due_on=DUE, reviewer=expert)
    packages = list(estimate.packages.all())

    def comment(count: int) -> None:
        for i in range(count):
            review_actions.comment_on_review(
                review,
                by=expert,
                work_package=packages[i % len(packages)],
                text=f"Merknad {i}",
                proposed=(Decimal(1), Decimal(2), Decimal(3 + i)),
            )
            review_actions.comment_on_review(review, by=expert, text=f"Generelt {i}")

    client = client_for(seller)
    comment(1)
    few = _queries(client, review.get_absolute_url())
    comment(8)
    assert _queries(client, review.get_absolute_url()) == few


def test_the_expectations_api_costs_the_same_for_few_and_many(
    opportunity: Any, seller: Any, api_for: Any
) -> None:
    def add(start: int, count: int) -> None:
        for i in range(start, start + count):
            expectation_actions.create_expectation(
                opportunity,
                {"kind": "deadline", "customer_words": f"Frist {i}", "source": "email", "agreed_by": seller},
                by=seller,
            )

    client = api_for(seller)
    add(0, 1)
    few = _queries(client, "/api/v1/expectations")
    add(1, 9)
    assert _queries(client, "/api/v1/expectations") == few
