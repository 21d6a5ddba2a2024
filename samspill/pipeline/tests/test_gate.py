"""The review gate: an offer goes out only after a finished expert review that did not find it unrealistic."""

from __future__ import annotations

from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.lib.errors import NotAllowed, RuleBroken
from samspill.pipeline.actions.opportunities import configure_stages, move_opportunity, win_opportunity
from samspill.pipeline.models import Opportunity

pytestmark = pytest.mark.django_db


def test_an_offer_without_any_review_is_stopped(opportunity: Any, seller: Any) -> None:
    with pytest.raises(RuleBroken) as refused:
        move_opportunity(opportunity, "offer_sent", by=seller, version=1)
    assert "expert review" in refused.value.message
    assert Opportunity.objects.get().stage == "lead"


def test_an_open_review_stops_the_offer_and_names_the_reviewer_and_due_date(
    opportunity: Any, seller: Any, reviewed: Any
) -> None:
    reviewed(opportunity, state="accepted")
    with pytest.raises(RuleBroken) as refused:
        move_opportunity(opportunity, "offer_sent", by=seller, version=1)
    assert "Frode Fag" in refused.value.message
    assert "20.03.2025" in refused.value.message


def test_a_not_realistic_verdict_stops_the_offer(opportunity: Any, seller: Any, reviewed: Any) -> None:
    reviewed(opportunity, verdict="not_realistic")
    with pytest.raises(RuleBroken) as refused:
        move_opportunity(opportunity, "offer_sent", by=seller, version=1)
    assert "not realistic" in refused.value.message


@pytest.mark.parametrize("verdict", ["approved", "approved_with_changes"])
def test_an_approving_verdict_lets_the_offer_go(
    opportunity: Any, seller: Any, reviewed: Any, verdict: str
) -> None:
    reviewed(opportunity, verdict=verdict)
    assert move_opportunity(opportunity, "offer_sent", by=seller, version=1).stage == "offer_sent"


def test_the_last_done_review_counts(opportunity: Any, seller: Any, reviewed: Any) -> None:
    reviewed(opportunity, verdict="approved")
    reviewed(opportunity, verdict="not_realistic")
    with pytest.raises(RuleBroken):
        move_opportunity(opportunity, "offer_sent", by=seller, version=1)


def test_skipping_past_the_gate_is_stopped_too(opportunity: Any, seller: Any) -> None:
    with pytest.raises(RuleBroken):
        move_opportunity(opportunity, "negotiation", by=seller, version=1)


def test_winning_straight_from_an_early_stage_passes_the_gate(opportunity: Any, seller: Any) -> None:
    with pytest.raises(RuleBroken):
        win_opportunity(opportunity, by=seller, version=1)
    assert Opportunity.objects.get().stage == "lead"


def test_reopening_a_lost_opportunity_past_the_gate_needs_the_review(opportunity: Any, seller: Any) -> None:
    from samspill.pipeline.actions.opportunities import lose_opportunity

    lost = lose_opportunity(opportunity, reason="price", note="Too dear", by=seller, version=1)
    with pytest.raises(RuleBroken):
        move_opportunity(lost, "negotiation", by=seller, version=lost.version)


def test_management_may_override_with_a_reason_that_is_logged(opportunity: Any, manager: Any) -> None:
    moved = move_opportunity(
        opportunity, "offer_sent", by=manager, version=1, override_reason="The customer needs it today"
    )
    assert moved.stage == "offer_sent"
    event = Event.objects.get(verb="opportunity.moved")
    assert event.changes["override_reason"]["after"] == "The customer needs it today"


def test_management_must_write_the_reason(opportunity: Any, manager: Any) -> None:
    with pytest.raises(RuleBroken) as refused:
        move_opportunity(opportunity, "offer_sent", by=manager, version=1, override_reason="   ")
    assert "reason" in refused.value.message


def test_a_seller_may_not_override_the_gate(opportunity: Any, seller: Any) -> None:
    with pytest.raises(NotAllowed):
        move_opportunity(opportunity, "offer_sent", by=seller, version=1, override_reason="Trust me")
    assert Opportunity.objects.get().stage == "lead"


def test_administrators_choose_which_stages_are_gated(
    opportunity: Any, seller: Any, administrator: Any
) -> None:
    configure_stages(
        {
            "offer_sent": {"probability": 60, "requires_review": False},
            "review": {"probability": 50, "requires_review": True},
        },
        by=administrator,
    )
    assert move_opportunity(opportunity, "solution", by=seller, version=1).stage == "solution"
    with pytest.raises(RuleBroken):
        move_opportunity(opportunity, "review", by=seller, version=2)


def test_only_administrators_configure_the_stages(seller: Any, manager: Any) -> None:
    for person in (seller, manager):
        with pytest.raises(NotAllowed):
            configure_stages({"lead": {"probability": 5, "requires_review": False}}, by=person)
