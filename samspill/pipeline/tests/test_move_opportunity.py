"""Moving an opportunity between stages: probabilities, reopening, what may not be moved."""

from __future__ import annotations

from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken
from samspill.pipeline.actions.opportunities import (
    configure_stages,
    lose_opportunity,
    move_opportunity,
    win_opportunity,
)
from samspill.pipeline.models import Estimate, Opportunity

pytestmark = pytest.mark.django_db


def test_moving_sets_the_stage_default_probability_and_logs_the_move(opportunity: Any, seller: Any) -> None:
    moved = move_opportunity(opportunity, "solution", by=seller, version=1)
    assert (moved.stage, moved.probability, moved.version) == ("solution", 40, 2)
    assert moved.stage_changed_at is not None
    event = Event.objects.get(verb="opportunity.moved")
    assert event.changes["stage"]["before"] == "lead"
    assert event.changes["stage"]["after"] == "solution"


def test_a_probability_given_with_the_move_is_kept(opportunity: Any, seller: Any) -> None:
    assert move_opportunity(opportunity, "qualified", by=seller, version=1, probability=33).probability == 33


def test_the_defaults_come_from_the_stage_settings(opportunity: Any, seller: Any, administrator: Any) -> None:
    configure_stages({"qualified": {"probability": 30, "requires_review": False}}, by=administrator)
    assert move_opportunity(opportunity, "qualified", by=seller, version=1).probability == 30


@pytest.mark.parametrize("probability", [-1, 101, "high", 12.5, True])
def test_a_probability_outside_0_to_100_is_a_field_error(
    opportunity: Any, seller: Any, probability: Any
) -> None:
    with pytest.raises(InvalidInput) as refused:
        move_opportunity(opportunity, "qualified", by=seller, version=1, probability=probability)
    assert "probability" in refused.value.errors
    assert Opportunity.objects.get().stage == "lead"


@pytest.mark.parametrize("stage", ["bogus", "", "WON"])
def test_an_unknown_stage_is_a_field_error(opportunity: Any, seller: Any, stage: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        move_opportunity(opportunity, stage, by=seller, version=1)
    assert "stage" in refused.value.errors


@pytest.mark.parametrize("stage", ["won", "lost"])
def test_won_and_lost_are_reached_by_winning_or_losing_not_by_moving(
    opportunity: Any, seller: Any, stage: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        move_opportunity(opportunity, stage, by=seller, version=1)
    assert "Win" in refused.value.errors["stage"][0]


def test_moving_backwards_is_never_gated(make_opportunity: Any, seller: Any, reviewed: Any) -> None:
    opportunity = make_opportunity()
    reviewed(opportunity)
    sent = move_opportunity(opportunity, "offer_sent", by=seller, version=1)
    reviewed(sent, verdict="not_realistic")
    back = move_opportunity(sent, "solution", by=seller, version=sent.version)
    assert back.stage == "solution"


def test_a_lost_opportunity_may_be_reopened_and_its_reason_is_cleared(opportunity: Any, seller: Any) -> None:
    lost = lose_opportunity(opportunity, reason="timing", note="Next year", by=seller, version=1)
    reopened = move_opportunity(lost, "qualified", by=seller, version=lost.version)
    assert (reopened.stage, reopened.lost_reason, reopened.lost_note, reopened.decided_on) == (
        "qualified",
        "",
        "",
        None,
    )
    assert Event.objects.filter(verb="opportunity.lost").get().changes["lost_reason"]["after"] == "timing"


def test_a_won_opportunity_is_final(opportunity: Any, seller: Any, manager: Any) -> None:
    won = win_opportunity(opportunity, by=manager, version=1, override_reason="Direct award")
    with pytest.raises(RuleBroken):
        move_opportunity(won, "negotiation", by=seller, version=won.version)


def test_moving_to_the_same_stage_changes_nothing(opportunity: Any, seller: Any) -> None:
    same = move_opportunity(opportunity, "lead", by=seller, version=1)
    assert same.version == 1
    assert not Event.objects.filter(verb="opportunity.moved").exists()


def test_an_outsider_may_not_move_an_opportunity(opportunity: Any, outsider: Any) -> None:
    with pytest.raises(NotAllowed):
        move_opportunity(opportunity, "qualified", by=outsider, version=1)


def test_sending_the_offer_locks_the_current_estimate(
    make_opportunity: Any, seller: Any, reviewed: Any
) -> None:
    opportunity = make_opportunity()
    reviewed(opportunity)
    move_opportunity(opportunity, "offer_sent", by=seller, version=1)
    assert Estimate.objects.get(opportunity=opportunity).is_locked
