"""Expert review actions: asking, taking, commenting, the verdict, cancelling and applying a proposal."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken
from samspill.people.models import Skill
from samspill.pipeline.actions import estimates as estimate_actions
from samspill.pipeline.actions import reviews as actions
from samspill.pipeline.models import ExpertReview, ReviewComment, ReviewState, TeamMember, WorkPackage
from samspill.pipeline.tests.estimating import make_estimate, skilled_expert

pytestmark = pytest.mark.django_db

DUE = datetime.date(2025, 3, 20)


@pytest.fixture
def azure(db: Any) -> Skill:
    return Skill.objects.create(name="Azure")


@pytest.fixture
def estimate(opportunity: Any, seller: Any) -> Any:
    return make_estimate(opportunity, seller)


def _skilled(username: str, skill: Skill, level: int) -> Any:
    return skilled_expert(username, skill, level)


def _skill_review(estimate: Any, seller: Any, skill: Skill, level: int = 4) -> ExpertReview:
    return actions.request_review(estimate, by=seller, due_on=DUE, skill=skill, min_level=level)


def _named_review(estimate: Any, seller: Any, expert: Any) -> ExpertReview:
    return actions.request_review(
        estimate, by=seller, due_on=DUE, reviewer=expert, message="Se på integrasjonen"
    )


# -- asking ------------------------------------------------------------------------------------------------


def test_a_named_request_puts_the_reviewer_on_the_team_as_expert(
    estimate: Any, seller: Any, expert: Any, today: Any
) -> None:
    review = _named_review(estimate, seller, expert)
    assert review.state == ReviewState.REQUESTED and review.reviewer == expert
    assert TeamMember.objects.filter(opportunity=estimate.opportunity, person=expert, role="expert").exists()
    event = Event.objects.get(verb="review.requested")
    assert event.context_id == str(estimate.opportunity_id)


def test_a_skill_wide_request_for_a_confidential_opportunity_is_refused(
    make_opportunity: Any, seller: Any, azure: Skill, today: Any
) -> None:
    secret = make_estimate(make_opportunity("Hemmelig", confidential=True), seller)
    with pytest.raises(RuleBroken):
        _skill_review(secret, seller, azure)
    assert not ExpertReview.objects.exists()


def test_a_request_needs_a_person_or_a_skill_and_a_due_date_not_past(
    estimate: Any, seller: Any, expert: Any, azure: Skill, today: Any
) -> None:
    with pytest.raises(InvalidInput) as neither:
        actions.request_review(estimate, by=seller, due_on=DUE)
    assert "reviewer" in neither.value.errors
    with pytest.raises(InvalidInput) as both:
        actions.request_review(estimate, by=seller, due_on=DUE, reviewer=expert, skill=azure)
    assert "reviewer" in both.value.errors
    with pytest.raises(InvalidInput) as past:
        actions.request_review(
            estimate, by=seller, due_on=today - datetime.timedelta(days=1), reviewer=expert
        )
    assert "due_on" in past.value.errors
    with pytest.raises(InvalidInput) as level:
        actions.request_review(estimate, by=seller, due_on=DUE, skill=azure, min_level=6)
    assert "min_level" in level.value.errors
    assert not ExpertReview.objects.exists()


def test_an_empty_estimate_cannot_be_reviewed(opportunity: Any, seller: Any, expert: Any, today: Any) -> None:
    empty = estimate_actions.create_estimate(opportunity, by=seller)
    with pytest.raises(RuleBroken):
        _named_review(empty, seller, expert)


def test_someone_off_the_team_cannot_ask_for_a_review(
    estimate: Any, outsider: Any, expert: Any, today: Any
) -> None:
    with pytest.raises(NotAllowed):
        _named_review(estimate, outsider, expert)


# -- taking a skill-wide request ---------------------------------------------------------------------------


def test_an_expert_at_the_level_sees_and_takes_a_skill_wide_request(
    estimate: Any, seller: Any, azure: Skill, today: Any
) -> None:
    senior = _skilled("senior", azure, 4)
    review = _skill_review(estimate, seller, azure, 4)
    assert list(actions.waiting_for(senior)) == [review]
    taken = actions.accept_review(review, by=senior)
    assert taken.state == ReviewState.ACCEPTED and taken.reviewer == senior and taken.accepted_at
    assert TeamMember.objects.filter(opportunity=estimate.opportunity, person=senior, role="expert").exists()
    assert list(actions.waiting_for(senior)) == []


def test_an_expert_below_the_level_neither_sees_nor_takes_it(
    estimate: Any, seller: Any, azure: Skill, today: Any
) -> None:
    junior = _skilled("junior", azure, 3)
    review = _skill_review(estimate, seller, azure, 4)
    assert list(actions.waiting_for(junior)) == []
    with pytest.raises(NotAllowed):
        actions.accept_review(review, by=junior)
    assert ExpertReview.objects.get(pk=review.pk).state == ReviewState.REQUESTED


def test_an_expert_with_another_skill_cannot_take_it(
    estimate: Any, seller: Any, azure: Skill, today: Any
) -> None:
    other = _skilled("annen", Skill.objects.create(name="SAP"), 5)
    review = _skill_review(estimate, seller, azure, 1)
    assert list(actions.waiting_for(other)) == []
    with pytest.raises(NotAllowed):
        actions.accept_review(review, by=other)


def test_the_first_to_accept_takes_it_and_the_second_is_refused(
    estimate: Any, seller: Any, azure: Skill, today: Any
) -> None:
    first, second = _skilled("forste", azure, 5), _skilled("andre", azure, 4)
    review = _skill_review(estimate, seller, azure)
    actions.accept_review(review, by=first)
    with pytest.raises(RuleBroken) as refused:
        actions.accept_review(review, by=second)
    assert "Forste Ekspert" in refused.value.message
    assert ExpertReview.objects.get(pk=review.pk).reviewer == first


def test_a_named_request_is_taken_only_by_the_person_named(
    estimate: Any, seller: Any, expert: Any, azure: Skill, today: Any
) -> None:
    review = _named_review(estimate, seller, expert)
    with pytest.raises(NotAllowed):
        actions.accept_review(review, by=_skilled("annen", azure, 5))
    assert actions.accept_review(review, by=expert).state == ReviewState.ACCEPTED


# -- comments and proposals --------------------------------------------------------------------------------


def test_the_reviewer_comments_and_proposes_other_hours(
    estimate: Any, seller: Any, expert: Any, today: Any
) -> None:
    review = _named_review(estimate, seller, expert)
    target = estimate.packages.first()
    comment = actions.comment_on_review(
        review,
        by=expert,
        work_package=target,
        text="For lavt",
        proposed=(Decimal(50), Decimal(80), Decimal(150)),
    )
    assert comment.proposes_hours and comment.proposed_most_likely == Decimal(80)
    assert ExpertReview.objects.get(pk=review.pk).state == ReviewState.ACCEPTED  # the named reviewer took it


@pytest.mark.parametrize(
    ("proposed", "field"),
    [
        ((Decimal(50), Decimal(40), Decimal(150)), "proposed_optimistic"),
        ((Decimal(50), Decimal(80), Decimal(60)), "proposed_pessimistic"),
        ((Decimal(-5), Decimal(80), Decimal(90)), "proposed_optimistic"),
        ((Decimal(50), None, Decimal(90)), "proposed_most_likely"),
    ],
)
def test_a_proposal_out_of_order_is_a_field_error(
    estimate: Any, seller: Any, expert: Any, today: Any, proposed: Any, field: str
) -> None:
    review = _named_review(estimate, seller, expert)
    with pytest.raises(InvalidInput) as refused:
        actions.comment_on_review(
            review, by=expert, work_package=estimate.packages.first(), proposed=proposed
        )
    assert field in refused.value.errors
    assert not ReviewComment.objects.exists()


def test_a_comment_on_a_package_of_another_estimate_is_refused(
    estimate: Any, make_opportunity: Any, seller: Any, expert: Any, today: Any
) -> None:
    review = _named_review(estimate, seller, expert)
    foreign = make_estimate(make_opportunity("Annen"), seller).packages.first()
    with pytest.raises(InvalidInput) as refused:
        actions.comment_on_review(review, by=expert, work_package=foreign, text="Hei")
    assert "work_package" in refused.value.errors


def test_only_the_reviewer_can_comment(estimate: Any, seller: Any, expert: Any, today: Any) -> None:
    review = _named_review(estimate, seller, expert)
    with pytest.raises(NotAllowed):
        actions.comment_on_review(review, by=seller, text="Jeg vil også si noe")


# -- verdicts ----------------------------------------------------------------------------------------------


def test_approving_finishes_the_review(estimate: Any, seller: Any, expert: Any, today: Any) -> None:
    review = _named_review(estimate, seller, expert)
    done = actions.give_verdict(review, by=expert, verdict="approved")
    assert done.state == ReviewState.DONE and done.verdict == "approved" and done.decided_at
    assert Event.objects.filter(verb="review.decided", context_id=str(estimate.opportunity_id)).exists()


@pytest.mark.parametrize("verdict", ["approved_with_changes", "not_realistic"])
def test_changes_and_not_realistic_need_a_comment(
    estimate: Any, seller: Any, expert: Any, today: Any, verdict: str
) -> None:
    review = _named_review(estimate, seller, expert)
    with pytest.raises(InvalidInput) as refused:
        actions.give_verdict(review, by=expert, verdict=verdict, comment="  ")
    assert "verdict_comment" in refused.value.errors
    assert ExpertReview.objects.get(pk=review.pk).state == ReviewState.REQUESTED
    done = actions.give_verdict(review, by=expert, verdict=verdict, comment="Integrasjonen er undervurdert")
    assert done.verdict == verdict and done.verdict_comment == "Integrasjonen er undervurdert"


def test_someone_who_does_not_hold_the_review_cannot_give_the_verdict(
    estimate: Any, seller: Any, expert: Any, manager: Any, azure: Skill, today: Any
) -> None:
    review = _skill_review(estimate, seller, azure)
    for somebody in (seller, manager, expert, _skilled("kvalifisert", azure, 5)):
        with pytest.raises(NotAllowed):
            actions.give_verdict(review, by=somebody, verdict="approved")
    assert ExpertReview.objects.get(pk=review.pk).state == ReviewState.REQUESTED


def test_an_unknown_verdict_is_a_field_error(estimate: Any, seller: Any, expert: Any, today: Any) -> None:
    review = _named_review(estimate, seller, expert)
    with pytest.raises(InvalidInput) as refused:
        actions.give_verdict(review, by=expert, verdict="maybe")
    assert "verdict" in refused.value.errors


def test_a_finished_review_cannot_change(estimate: Any, seller: Any, expert: Any, today: Any) -> None:
    review = _named_review(estimate, seller, expert)
    actions.give_verdict(review, by=expert, verdict="approved")
    with pytest.raises(RuleBroken):
        actions.give_verdict(review, by=expert, verdict="not_realistic", comment="Ombestemte meg")
    with pytest.raises(RuleBroken):
        actions.comment_on_review(review, by=expert, text="Etterpå")


# -- cancelling --------------------------------------------------------------------------------------------


def test_the_requester_or_management_cancels_but_not_the_reviewer(
    estimate: Any, seller: Any, expert: Any, manager: Any, today: Any
) -> None:
    review = _named_review(estimate, seller, expert)
    with pytest.raises(NotAllowed):
        actions.cancel_review(review, by=expert)
    assert actions.cancel_review(review, by=seller, reason="Feil person").state == ReviewState.CANCELLED
    other = _named_review(estimate, seller, expert)
    assert actions.cancel_review(other, by=manager).state == ReviewState.CANCELLED
    with pytest.raises(RuleBroken):
        actions.cancel_review(other, by=manager)


def test_a_reason_with_a_nul_character_is_refused_and_the_review_stays_open(
    estimate: Any, seller: Any, expert: Any, today: Any
) -> None:
    review = _named_review(estimate, seller, expert)
    with pytest.raises(InvalidInput) as refused:
        actions.cancel_review(review, by=seller, reason="Feil\x00person")
    assert "reason" in refused.value.errors
    assert ExpertReview.objects.get(pk=review.pk).state == ReviewState.REQUESTED
    assert not Event.objects.filter(verb="review.cancelled").exists()


# -- applying a proposal -----------------------------------------------------------------------------------


def _proposal(estimate: Any, seller: Any, expert: Any) -> tuple[ReviewComment, WorkPackage]:
    review = _named_review(estimate, seller, expert)
    target = estimate.packages.get(name="Integrasjon mot ERP")
    comment = actions.comment_on_review(
        review,
        by=expert,
        work_package=target,
        text="Mer",
        proposed=(Decimal(100), Decimal(160), Decimal(300)),
    )
    return comment, target


def test_applying_a_proposal_changes_the_package_and_the_numbers(
    estimate: Any, seller: Any, expert: Any, today: Any
) -> None:
    comment, target = _proposal(estimate, seller, expert)
    before = estimate.expected_hours
    updated = actions.apply_proposal(comment, by=seller)
    assert (updated.optimistic, updated.most_likely, updated.pessimistic) == (100, 160, 300)
    assert updated.expected_hours == Decimal("173.3")
    estimate.refresh_from_db()
    assert estimate.expected_hours == before - target.expected_hours + Decimal("173.3")
    assert ReviewComment.objects.get(pk=comment.pk).applied_at is not None
    assert Event.objects.filter(verb="work_package.proposal_applied").exists()


def test_a_proposal_is_applied_only_once(estimate: Any, seller: Any, expert: Any, today: Any) -> None:
    comment, _target = _proposal(estimate, seller, expert)
    actions.apply_proposal(comment, by=seller)
    with pytest.raises(RuleBroken):
        actions.apply_proposal(ReviewComment.objects.get(pk=comment.pk), by=seller)


def test_a_proposal_cannot_change_a_locked_estimate(
    estimate: Any, seller: Any, expert: Any, today: Any
) -> None:
    comment, target = _proposal(estimate, seller, expert)
    estimate_actions.lock_for_offer(estimate.opportunity, by=seller)
    with pytest.raises(RuleBroken):
        actions.apply_proposal(comment, by=seller)
    assert WorkPackage.objects.get(pk=target.pk).most_likely == target.most_likely
    assert ReviewComment.objects.get(pk=comment.pk).applied_at is None


def test_a_proposal_for_an_older_version_is_refused(
    estimate: Any, seller: Any, expert: Any, today: Any
) -> None:
    comment, _target = _proposal(estimate, seller, expert)
    estimate_actions.create_estimate(estimate.opportunity, by=seller, based_on=estimate)
    with pytest.raises(RuleBroken):
        actions.apply_proposal(comment, by=seller)


def test_someone_off_the_team_cannot_apply_a_proposal(
    estimate: Any, seller: Any, expert: Any, outsider: Any, today: Any
) -> None:
    comment, _target = _proposal(estimate, seller, expert)
    with pytest.raises(NotAllowed):
        actions.apply_proposal(comment, by=outsider)
