"""Winning records the decision date and the estimate version that was sold."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from samspill.activity.models import Event
from samspill.lib.errors import InvalidInput, RuleBroken
from samspill.pipeline.actions.opportunities import lose_opportunity, move_opportunity, win_opportunity
from samspill.pipeline.models import Estimate

pytestmark = pytest.mark.django_db


def test_winning_records_the_decision_and_the_sent_estimate(
    make_opportunity: Any, seller: Any, reviewed: Any, today: datetime.date
) -> None:
    opportunity = make_opportunity()
    reviewed(opportunity)
    sent = move_opportunity(opportunity, "offer_sent", by=seller, version=1)
    sent_estimate = Estimate.objects.get(opportunity=opportunity)
    Estimate.objects.create(opportunity=opportunity, number=2, created_by=seller)  # a draft after the offer
    won = win_opportunity(sent, by=seller, version=sent.version, decided_on=datetime.date(2025, 3, 10))
    assert (won.stage, won.probability, won.decided_on) == ("won", 100, datetime.date(2025, 3, 10))
    assert won.sold_estimate == sent_estimate
    event = Event.objects.get(verb="opportunity.won")
    assert event.changes["sold_estimate"]["after"] == sent_estimate.pk


def test_without_a_sent_estimate_the_current_one_is_sold_and_locked(
    make_opportunity: Any, seller: Any, manager: Any, today: datetime.date
) -> None:
    opportunity = make_opportunity()
    Estimate.objects.create(opportunity=opportunity, number=1, created_by=seller)
    current = Estimate.objects.create(opportunity=opportunity, number=2, created_by=seller)
    won = win_opportunity(opportunity, by=manager, version=1, override_reason="Direct award")
    assert won.sold_estimate == current
    current.refresh_from_db()
    assert current.is_locked
    assert won.decided_on == today


def test_an_opportunity_without_an_estimate_is_won_without_a_sold_estimate(
    make_opportunity: Any, manager: Any
) -> None:
    won = win_opportunity(make_opportunity(), by=manager, version=1, override_reason="Call-off by phone")
    assert won.stage == "won"
    assert won.sold_estimate is None


def test_a_decision_in_the_future_is_a_field_error(
    opportunity: Any, seller: Any, today: datetime.date
) -> None:
    with pytest.raises(InvalidInput) as refused:
        win_opportunity(opportunity, by=seller, version=1, decided_on=today + datetime.timedelta(days=1))
    assert "decided_on" in refused.value.errors


def test_a_lost_opportunity_is_reopened_before_it_is_won(opportunity: Any, seller: Any) -> None:
    lost = lose_opportunity(opportunity, reason="price", note="Too dear", by=seller, version=1)
    with pytest.raises(RuleBroken):
        win_opportunity(lost, by=seller, version=lost.version)


def test_winning_twice_is_refused(opportunity: Any, manager: Any) -> None:
    won = win_opportunity(opportunity, by=manager, version=1, override_reason="Direct award")
    with pytest.raises(RuleBroken):
        win_opportunity(won, by=manager, version=won.version)
    assert timezone.now()  # the first win stands
    assert Event.objects.filter(verb="opportunity.won").count() == 1
