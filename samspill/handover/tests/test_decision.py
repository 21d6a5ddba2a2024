"""Send back with questions, answer them, acknowledge: who may, when, and the project it starts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.delivery.models import Baseline, Project, ProjectMember, ProjectPackage
from samspill.handover import actions
from samspill.handover.models import Handover, HandoverState, Question
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken, StaleVersion
from samspill.pipeline.models import WorkPackage

pytestmark = pytest.mark.django_db


def _fresh(handover: Handover) -> Handover:
    return Handover.objects.select_related("opportunity").get(pk=handover.pk)


def test_sending_back_puts_the_questions_to_the_seller(handover: Handover, project_manager: Any) -> None:
    sent = actions.send_back(
        handover,
        questions=["Hvem godkjenner leveransen?", "  ", "Er testmiljøet bestilt?"],
        by=project_manager,
    )
    assert sent.state == HandoverState.SENT_BACK
    assert list(sent.questions.values_list("text", flat=True)) == [
        "Hvem godkjenner leveransen?",
        "Er testmiljøet bestilt?",
    ]
    event = Event.objects.get(verb="handover.sent_back")
    assert event.changes["state"]["after"] == "sent_back"
    assert event.data["questions"] == ["Hvem godkjenner leveransen?", "Er testmiljøet bestilt?"]


def test_only_the_delivery_side_sends_a_handover_back(
    handover: Handover, seller: Any, outsider: Any, other_manager: Any, delivery_manager: Any
) -> None:
    for person in (seller, outsider, other_manager):
        with pytest.raises(NotAllowed):
            actions.send_back(handover, questions=["Hvorfor?"], by=person)
    assert actions.send_back(handover, questions=["Hvorfor?"], by=delivery_manager).state == "sent_back"


def test_sending_back_without_a_question_is_bad_input(handover: Handover, project_manager: Any) -> None:
    for questions in ([], ["", "   "], ["x" * 2001], ["?"] * 21):
        with pytest.raises(InvalidInput) as refused:
            actions.send_back(handover, questions=questions, by=project_manager)
        assert "questions" in refused.value.errors
    assert _fresh(handover).state == HandoverState.OPEN


def test_the_last_answer_gives_the_handover_back_to_the_project_manager(
    handover: Handover, project_manager: Any, seller: Any
) -> None:
    actions.send_back(handover, questions=["Hvem?", "Når?"], by=project_manager)
    first, second = Question.objects.filter(handover=handover).order_by("pk")
    actions.answer_question(first, "Kari", by=seller)
    assert _fresh(handover).state == HandoverState.SENT_BACK
    answered = actions.answer_question(second, "  I mai  ", by=seller)
    assert (answered.answer, answered.answered_by, answered.is_answered) == ("I mai", seller, True)
    assert _fresh(handover).state == HandoverState.OPEN
    assert Event.objects.filter(verb="handover.question_answered").count() == 2
    assert Event.objects.get(verb="handover.answered").changes["state"]["after"] == "open"


def test_only_the_sales_side_answers(
    handover: Handover, project_manager: Any, outsider: Any, manager: Any
) -> None:
    actions.send_back(handover, questions=["Hvem?"], by=project_manager)
    question = Question.objects.get(handover=handover)
    for person in (project_manager, outsider):
        with pytest.raises(NotAllowed):
            actions.answer_question(question, "Meg", by=person)
    assert actions.answer_question(question, "Lena vet", by=manager).is_answered


def test_an_empty_answer_is_bad_input(handover: Handover, project_manager: Any, seller: Any) -> None:
    actions.send_back(handover, questions=["Hvem?"], by=project_manager)
    question = Question.objects.get(handover=handover)
    for answer in ("", "   ", "x" * 5001):
        with pytest.raises(InvalidInput):
            actions.answer_question(question, answer, by=seller)


def test_acknowledging_with_an_unanswered_question_is_refused_with_the_reason(
    handover: Handover, project_manager: Any
) -> None:
    sent = actions.send_back(handover, questions=["Hvem?"], by=project_manager)
    with pytest.raises(RuleBroken) as refused:
        actions.acknowledge(sent, by=project_manager, version=sent.version)
    assert "1 question to the seller is not answered yet" in refused.value.message
    assert not Project.objects.exists()


def test_acknowledging_without_a_project_manager_is_refused(
    sell: Any, win: Any, delivery_manager: Any
) -> None:
    handover = win(sell())
    with pytest.raises(RuleBroken) as refused:
        actions.acknowledge(handover, by=delivery_manager, version=handover.version)
    assert "Choose the project manager" in refused.value.message


def test_acknowledging_starts_the_project_from_the_sold_baseline(
    handover: Handover, project_manager: Any, seller: Any
) -> None:
    done = actions.acknowledge(handover, by=project_manager, version=handover.version)
    assert done.state == HandoverState.ACKNOWLEDGED
    assert (done.acknowledged_by, done.acknowledged_at is not None) == (project_manager, True)
    project = Project.objects.get(opportunity=handover.opportunity)
    assert done.project == project
    assert (project.manager, project.seller) == (project_manager, seller)
    sold = handover.opportunity.sold_estimate
    expected = {p.name: p.expected_hours for p in WorkPackage.objects.filter(estimate=sold)}
    started = {p.name: p.sold_hours for p in ProjectPackage.objects.filter(project=project)}
    assert started == expected
    assert {p.name: p.budget_hours for p in ProjectPackage.objects.filter(project=project)} == expected
    assert Baseline.objects.get(project=project, number=1).hours == sum(expected.values(), Decimal(0))
    assert ProjectMember.objects.filter(project=project, person=project_manager).exists()


def test_acknowledging_below_100_percent_records_what_was_missing(
    handover: Handover, project_manager: Any
) -> None:
    done = actions.acknowledge(handover, by=project_manager, version=handover.version)
    assert done.acknowledged_score is not None and done.acknowledged_score < 100
    keys = [m["key"] for m in done.acknowledged_missing]
    assert "meeting" in keys and "acceptance_criteria" in keys
    event = Event.objects.get(verb="handover.acknowledged")
    assert event.data["completeness"] == done.acknowledged_score
    assert event.data["missing"] == done.acknowledged_missing
    assert event.data["project_id"] == done.project_id


def test_an_acknowledged_handover_no_longer_changes(
    handover: Handover, project_manager: Any, seller: Any
) -> None:
    done = actions.acknowledge(handover, by=project_manager, version=handover.version)
    with pytest.raises(RuleBroken):
        actions.acknowledge(done, by=project_manager, version=done.version)
    with pytest.raises(RuleBroken):
        actions.send_back(done, questions=["Hva nå?"], by=project_manager)
    with pytest.raises(RuleBroken):
        actions.tick(done.checklist.first(), by=project_manager)
    with pytest.raises(RuleBroken):
        actions.set_meeting(done, meeting_on=None, by=seller, version=done.version)
    assert Project.objects.count() == 1


def test_only_the_delivery_side_acknowledges(
    handover: Handover, seller: Any, outsider: Any, other_manager: Any
) -> None:
    for person in (seller, outsider, other_manager):
        with pytest.raises(NotAllowed):
            actions.acknowledge(handover, by=person, version=handover.version)
    assert not Project.objects.exists()


def test_acknowledging_from_a_stale_version_names_what_changed(
    handover: Handover, project_manager: Any, seller: Any
) -> None:
    seen = handover.version
    actions.write_notes(handover, "Kunden er sensitiv på pris.", by=seller, version=seen)
    with pytest.raises(StaleVersion) as refused:
        actions.acknowledge(handover, by=project_manager, version=seen)
    assert "Notes from sales" in refused.value.message
    assert not Project.objects.exists()
