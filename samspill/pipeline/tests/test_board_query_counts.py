"""The board, its "load more", the list, the CSV file and the API list cost the same number of queries for
few opportunities as for many: no query per card or row."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samspill.people.models import Skill
from samspill.pipeline.models import Estimate, ExpertReview, Opportunity, Stage, TeamMember

pytestmark = pytest.mark.django_db

STAGES = [s.value for s in Stage]


def _add(count: int, customer: Any, owner: Any, expert: Any) -> None:
    """Insert `count` opportunities spread over every stage, each with a team, a skill and a review."""
    skill, _created = Skill.objects.get_or_create(name="Azure")
    today = timezone.localdate()
    start = Opportunity.objects.count()
    rows = Opportunity.objects.bulk_create(
        Opportunity(
            customer=customer,
            title=f"Deal {start + i}",
            value=Decimal(100_000 + i),
            probability=40,
            stage=STAGES[(start + i) % len(STAGES)],
            decided_on=today,
            expected_start=today + datetime.timedelta(days=30 * (i % 14)),
            offer_due=today + datetime.timedelta(days=i % 20 - 5),
            owner=owner,
            confidential=i % 5 == 0,
        )
        for i in range(count)
    )
    TeamMember.objects.bulk_create(TeamMember(opportunity=o, person=owner, role="seller") for o in rows)
    TeamMember.objects.bulk_create(TeamMember(opportunity=o, person=expert, role="expert") for o in rows)
    Opportunity.required_skills.through.objects.bulk_create(
        Opportunity.required_skills.through(opportunity_id=o.pk, skill_id=skill.pk) for o in rows
    )
    estimates = Estimate.objects.bulk_create(Estimate(opportunity=o, number=1) for o in rows)
    ExpertReview.objects.bulk_create(
        ExpertReview(
            opportunity=e.opportunity,
            estimate=e,
            requested_by=owner,
            reviewer=expert,
            due_on=today,
            state="done",
            verdict="approved",
        )
        for e in estimates
    )


def _queries(client: Client, url: str) -> int:
    client.get(url)  # the first request may record a token's use; count the steady state
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


URLS = [
    "/pipeline/",
    "/pipeline/?mine=on&sort=due&skill=1",
    "/pipeline/board/lead/?offset=2",
    "/pipeline/list/",
    "/pipeline/list/?stage=all&sort=-weighted",
    "/pipeline/list/export.csv?stage=all",
]


@pytest.mark.parametrize("url", URLS)
def test_a_pipeline_page_costs_the_same_queries_for_8_and_80_opportunities(
    url: str, customer: Any, seller: Any, expert: Any, client_for: Any
) -> None:
    client = client_for(seller)
    _add(8, customer, seller, expert)
    few = _queries(client, url)
    _add(72, customer, seller, expert)
    many = _queries(client, url)
    assert few == many, f"{url}: {few} queries for 8 opportunities, {many} for 80"


def test_the_board_is_a_handful_of_queries(customer: Any, seller: Any, expert: Any, client_for: Any) -> None:
    client = client_for(seller)
    _add(40, customer, seller, expert)
    assert _queries(client, "/pipeline/") <= 12


@pytest.mark.parametrize("url", ["/api/v1/opportunities", "/api/v1/opportunities?stage=open&mine=true"])
def test_the_api_list_costs_the_same_queries_for_8_and_80_opportunities(
    url: str, customer: Any, seller: Any, expert: Any, token_for: Any
) -> None:
    api = Client(headers=token_for(seller))
    _add(8, customer, seller, expert)
    few = _queries(api, url)
    _add(72, customer, seller, expert)
    many = _queries(api, url)
    assert few == many, f"{url}: {few} queries for 8, {many} for 80"


def test_the_outsider_board_costs_the_same_queries_too(
    customer: Any, seller: Any, expert: Any, outsider: Any, client_for: Any
) -> None:
    client = client_for(outsider)
    _add(8, customer, seller, expert)
    few = _queries(client, "/pipeline/")
    _add(72, customer, seller, expert)
    assert _queries(client, "/pipeline/") == few
