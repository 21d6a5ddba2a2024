"""Losing needs a reason and a note, so the next offer can learn from it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken
from samspill.pipeline.actions.opportunities import lose_opportunity, win_opportunity
from samspill.pipeline.models import Opportunity

pytestmark = pytest.mark.django_db


def test_losing_records_the_reason_the_note_and_the_date(
    opportunity: Any, seller: Any, today: datetime.date
) -> None:
    lost = lose_opportunity(
        opportunity, reason="competitor", note=" Bouvet won on price ", by=seller, version=1
    )
    assert (lost.stage, lost.probability, lost.lost_reason, lost.lost_note, lost.decided_on) == (
        "lost",
        0,
        "competitor",
        "Bouvet won on price",
        today,
    )
    assert Event.objects.filter(verb="opportunity.lost").count() == 1


@pytest.mark.parametrize(
    ("reason", "note", "fields"),
    [("", "", {"reason", "note"}), ("price", "  ", {"note"}), ("cheap", "Too dear", {"reason"})],
)
def test_a_loss_without_reason_or_note_is_refused_and_nothing_is_saved(
    opportunity: Any, seller: Any, reason: str, note: str, fields: set[str]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        lose_opportunity(opportunity, reason=reason, note=note, by=seller, version=1)
    assert set(refused.value.errors) == fields
    assert Opportunity.objects.get().stage == "lead"
    assert not Event.objects.filter(verb="opportunity.lost").exists()


def test_losing_is_never_gated(make_opportunity: Any, seller: Any) -> None:
    assert (
        lose_opportunity(make_opportunity(), reason="scope", note="Too big", by=seller, version=1).stage
        == "lost"
    )


def test_a_won_opportunity_cannot_be_lost(opportunity: Any, manager: Any) -> None:
    won = win_opportunity(opportunity, by=manager, version=1, override_reason="Direct award")
    with pytest.raises(RuleBroken):
        lose_opportunity(won, reason="price", note="x", by=manager, version=won.version)


def test_an_outsider_may_not_lose_an_opportunity(opportunity: Any, outsider: Any) -> None:
    with pytest.raises(NotAllowed):
        lose_opportunity(opportunity, reason="price", note="x", by=outsider, version=1)
