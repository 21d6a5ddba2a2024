"""The completeness score: the checklist plus the required facts, each missing one named."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from samspill.handover import actions
from samspill.handover.completeness import FACT_CHECKS, completeness, with_facts
from samspill.handover.models import Handover
from samspill.pipeline.actions.expectations import update_expectation
from samspill.pipeline.models import Expectation


def _score(handover: Handover) -> Any:
    return actions.current_completeness(handover)


def _keys(score: Any) -> list[str]:
    return [m.key.split(":")[0] for m in score.missing]


@pytest.mark.django_db
def test_a_fresh_handover_names_the_meeting_the_unclear_expectations_and_every_open_checklist_item(
    handover: Handover,
) -> None:
    score = _score(handover)
    assert _keys(score) == ["meeting", "acceptance_criteria", "agreed", *["checklist"] * 6]
    assert score.checks == FACT_CHECKS + 6
    assert score.score == (score.checks - 9) * 100 // score.checks
    texts = [m.text for m in score.missing]
    assert "The handover meeting is not booked." in texts
    assert "Checklist: Contract signed by the customer" in texts
    criteria = next(m for m in score.missing if m.key == "acceptance_criteria")
    assert criteria.text == "1 of 2 expectations has no acceptance criteria."
    assert criteria.details == ("“Innbyggerne skal finne fram selv”",)


@pytest.mark.django_db
def test_filling_every_gap_gives_100_percent(
    handover: Handover, seller: Any, project_manager: Any, customer: Any
) -> None:
    for item in handover.checklist.all():
        actions.tick(item, by=project_manager)
    handover.refresh_from_db()
    actions.set_meeting(
        handover,
        meeting_on=timezone.now() + datetime.timedelta(days=2),
        participants=[seller, project_manager],
        by=seller,
        version=handover.version,
    )
    unclear = Expectation.objects.get(opportunity=handover.opportunity, acceptance_criteria="")
    update_expectation(
        unclear,
        {
            "acceptance_criteria": "Brukertest med 5 innbyggere uten hjelp",
            "agreed_with": customer.contacts.get(),
        },
        by=seller,
        version=unclear.version,
    )
    score = _score(handover)
    assert score.missing == []
    assert (score.score, score.is_complete) == (100, True)


@pytest.mark.django_db
def test_each_missing_fact_is_named(
    sell: Any, win: Any, make_opportunity: Any, seller: Any, project_manager: Any
) -> None:
    bare = win(sell("Uten noe", estimate=False, expectations=False, contact=False, value=0))
    keys = _keys(_score(bare))
    assert keys[:6] == ["baseline", "price", "project_manager", "meeting", "expectations", "contacts"]
    assert "acceptance_criteria" not in keys and "agreed" not in keys
    texts = [m.text for m in _score(bare).missing]
    assert "No sold estimate with work packages: the project has no baseline to start from." in texts
    assert "No contact person at the customer." in texts
    assert "No project manager is chosen." in texts


@pytest.mark.django_db
def test_an_unanswered_question_is_missing_until_it_is_answered(
    handover: Handover, project_manager: Any, seller: Any
) -> None:
    actions.send_back(handover, questions=["Hvem hos kunden godkjenner?"], by=project_manager)
    score = _score(handover)
    assert "1 question to the seller is not answered yet." in [m.text for m in score.missing]
    actions.answer_question(handover.questions.get(), "Kari Nordmann", by=seller)
    assert "questions" not in _keys(_score(handover))


@pytest.mark.django_db
def test_a_meeting_without_participants_is_not_booked_enough(handover: Handover, seller: Any) -> None:
    actions.set_meeting(
        handover, meeting_on=timezone.now(), participants=[], by=seller, version=handover.version
    )
    meeting = next(m for m in _score(handover).missing if m.key == "meeting")
    assert meeting.text == "The handover meeting has no participants."


@pytest.mark.django_db
def test_lists_count_the_same_gaps_as_the_page_without_naming_the_checklist_items(handover: Handover) -> None:
    listed = with_facts(Handover.objects.filter(pk=handover.pk)).get()
    short, full = completeness(listed), _score(handover)
    assert (short.score, len(short.missing)) == (full.score, len(full.missing))
    assert _keys(short) == _keys(full)


@pytest.mark.django_db
def test_the_price_falls_back_to_the_opportunity_value(sell: Any, win: Any) -> None:
    handover = win(sell("Uten estimat", estimate=False, value=Decimal(250_000)))
    keys = _keys(_score(handover))
    assert "baseline" in keys and "price" not in keys


def _facts(**given: Any) -> SimpleNamespace:
    opportunity = SimpleNamespace(
        sold_estimate_id=given.pop("sold_estimate_id"),
        sold_estimate=SimpleNamespace(price=given.pop("price")),
        value=Decimal(0),
        contract_type=given.pop("contract_type"),
    )
    return SimpleNamespace(opportunity=opportunity, **given)


@given(
    required=st.integers(0, 40),
    open_share=st.floats(0, 1),
    expectations=st.integers(0, 30),
    without=st.integers(0, 30),
    not_agreed=st.integers(0, 30),
    packages=st.integers(0, 3),
    contacts=st.integers(0, 2),
    questions=st.integers(0, 3),
    participants=st.integers(0, 2),
    estimate=st.booleans(),
    price=st.sampled_from([Decimal(0), Decimal(100)]),
    contract=st.sampled_from(["", "fixed_price"]),
    manager=st.sampled_from([None, 7]),
    meeting=st.sampled_from([None, datetime.datetime(2025, 3, 20, 9, tzinfo=datetime.UTC)]),
)
def test_the_score_is_the_share_of_checks_met_and_100_only_when_nothing_is_missing(
    required: int,
    open_share: float,
    expectations: int,
    without: int,
    not_agreed: int,
    packages: int,
    contacts: int,
    questions: int,
    participants: int,
    estimate: bool,
    price: Decimal,
    contract: str,
    manager: int | None,
    meeting: datetime.datetime | None,
) -> None:
    handover = _facts(
        checklist_required=required,
        checklist_open=int(required * open_share),
        expectation_count=expectations,
        expectations_without_criteria=min(without, expectations),
        expectations_not_agreed=min(not_agreed, expectations),
        baseline_packages=packages,
        contact_count=contacts,
        open_questions=questions,
        participant_count=participants,
        sold_estimate_id=1 if estimate else None,
        price=price,
        contract_type=contract,
        project_manager_id=manager,
        meeting_on=meeting,
    )
    score = completeness(handover)
    assert score.checks == FACT_CHECKS + required
    assert score.met + len(score.missing) == score.checks
    assert 0 <= score.score <= 100
    assert score.score == score.met * 100 // score.checks
    assert (score.score == 100) == (not score.missing)
    assert sum(1 for m in score.missing if m.key.startswith("checklist")) == int(required * open_share)
