"""Winning an opportunity opens its handover in the same transaction: once, with the checklist and the PM."""

from __future__ import annotations

from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.handover import actions
from samspill.handover.models import ChecklistItem, ChecklistTemplateItem, Handover, HandoverState
from samspill.lib.errors import RuleBroken
from samspill.pipeline.actions.opportunities import lose_opportunity, win_opportunity

pytestmark = pytest.mark.django_db


def test_the_default_checklist_template_is_there_from_the_start() -> None:
    texts = list(ChecklistTemplateItem.objects.filter(active=True).values_list("text", flat=True))
    assert len(texts) == 6
    assert texts[0] == "Contract signed by the customer"
    assert any("Kick-off" in text for text in texts)
    assert any("Expectations reviewed one by one" in text for text in texts)


def test_winning_opens_the_handover_with_the_seller_the_candidate_and_the_checklist(
    sell: Any, win: Any, seller: Any, project_manager: Any
) -> None:
    handover = win(sell(candidate=project_manager))
    assert handover.state == HandoverState.OPEN
    assert handover.seller == seller
    assert handover.project_manager == project_manager
    items = list(handover.checklist.order_by("position", "pk"))
    template = list(ChecklistTemplateItem.objects.filter(active=True).order_by("position", "pk"))
    assert [i.text for i in items] == [t.text for t in template]
    assert not any(i.is_done for i in items)
    event = Event.objects.get(verb="handover.opened")
    assert event.target_id == str(handover.pk)
    assert event.changes["project_manager"]["after"] == project_manager.pk
    assert event.data["checklist_items"] == len(template)


def test_without_a_candidate_on_the_team_nobody_is_project_manager_yet(sell: Any, win: Any) -> None:
    assert win(sell()).project_manager is None


def test_the_checklist_copies_only_active_items_and_later_template_changes_leave_it_alone(
    sell: Any, win: Any
) -> None:
    ChecklistTemplateItem.objects.filter(position=10).update(active=False)
    ChecklistTemplateItem.objects.create(text="Budget approved", position=99, required=False)
    handover = win(sell())
    texts = list(handover.checklist.values_list("text", flat=True))
    assert "Contract signed by the customer" not in texts
    assert "Budget approved" in texts
    assert not handover.checklist.get(text="Budget approved").required
    ChecklistTemplateItem.objects.create(text="Added afterwards", position=100)
    assert not ChecklistItem.objects.filter(handover=handover, text="Added afterwards").exists()


def test_a_handover_opens_once(sell: Any, win: Any, seller: Any) -> None:
    handover = win(sell())
    again = actions.open_handover(handover.opportunity, by=seller)
    assert again.pk == handover.pk
    assert Handover.objects.count() == 1
    assert Event.objects.filter(verb="handover.opened").count() == 1


def test_a_lost_opportunity_opens_no_handover(make_opportunity: Any, seller: Any) -> None:
    lose_opportunity(make_opportunity(), reason="price", note="Too dear", by=seller, version=1)
    assert not Handover.objects.exists()


def test_an_opportunity_that_is_not_won_is_not_handed_over(make_opportunity: Any, seller: Any) -> None:
    with pytest.raises(RuleBroken):
        actions.open_handover(make_opportunity(), by=seller)


def test_if_the_handover_cannot_open_the_win_is_undone(
    sell: Any, seller: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    opportunity = sell()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("no handover")

    monkeypatch.setattr(actions, "open_handover", broken)
    with pytest.raises(RuntimeError):
        win_opportunity(opportunity, by=seller, version=opportunity.version)
    opportunity.refresh_from_db()
    assert opportunity.stage != "won"
    assert not Event.objects.filter(verb="opportunity.won").exists()
