"""The pipeline's demo data: every stage and review state, consistent estimates, confidentiality, history.

The small seed is loaded once for the module (in a transaction rolled back at its end); each test runs
in a savepoint of it, so a test that seeds again leaves the others the original data.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Q, Sum

from samspill.activity.models import Event
from samspill.customers.models import AgreementRate
from samspill.demo import fiction, pipeline_data
from samspill.people.models import Person, PersonSkill, Role
from samspill.pipeline import estimation
from samspill.pipeline.models import (
    CLOSED_STAGES,
    OPEN_STAGES,
    Estimate,
    Expectation,
    ExpectationKind,
    ExpectationSource,
    ExpectationStatus,
    ExpertReview,
    Opportunity,
    ReviewComment,
    ReviewState,
    RoleRate,
    Stage,
    StageSetting,
    TeamMember,
    TeamRole,
    Verdict,
    WorkPackage,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)
MIDNIGHT = datetime.datetime.combine(TODAY, datetime.time(), tzinfo=fiction.OSLO)
PAST_OFFER = [Stage.OFFER_SENT, Stage.NEGOTIATION, Stage.WON]


def seed(*args: str) -> None:
    call_command("seed", "--size", "small", "--today", TODAY.isoformat(), *args, stdout=io.StringIO())


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        ContentType.objects.clear_cache()  # as in a fresh process: writing events looks them up
        seed()
        yield
        transaction.set_rollback(True)


def person(username: str) -> Person:
    return Person.objects.get(username=username)


def opportunity_type() -> ContentType:
    return ContentType.objects.get_for_model(Opportunity)


def summary_of(estimate: Estimate) -> estimation.EstimateSummary:
    packages = estimate.packages.order_by("position", "pk")
    return estimation.summarise(
        [
            estimation.Package(
                estimation.ThreePoint(p.optimistic, p.most_likely, p.pessimistic), p.hourly_rate
            )
            for p in packages
        ],
        [estimation.Risk(Decimal(r.probability) / 100, r.consequence_hours) for r in estimate.risks.all()],
        draws=pipeline_data.draws_for(estimate, Opportunity.objects.count()),
    )


def test_every_stage_has_opportunities_at_its_configured_probability_unless_the_seller_set_another() -> None:
    settings = StageSetting.current()
    for stage in Stage.values:
        assert Opportunity.objects.filter(stage=stage).exists(), stage
    assert Opportunity.objects.count() >= 60  # the delivery section may add won history
    assert Opportunity.objects.open().count() == 36
    events = Event.objects.filter(target_type=opportunity_type())
    overridden = 0
    for opportunity in Opportunity.objects.all():
        if opportunity.probability == settings[opportunity.stage].probability:
            continue
        overridden += 1
        assert opportunity.is_open
        last = events.filter(target_id=str(opportunity.pk)).order_by("-id").first()
        assert last is not None and last.verb == "opportunity.updated"
        assert last.changes["probability"]["after"] == opportunity.probability
        assert last.occurred_at > opportunity.stage_changed_at
    assert overridden >= 1


def test_decisions_spread_over_the_years_so_few_fall_in_the_boards_last_90_days() -> None:
    closed = Opportunity.objects.filter(stage__in=CLOSED_STAGES)
    days = [(TODAY - o.decided_on).days for o in closed]
    assert len(days) >= 24
    assert 0 < sum(1 for d in days if d <= 90) < 0.15 * len(days)
    assert max(days) > 3 * 365
    assert sum(1 for d in days if d > 2 * 365) >= len(days) / 4
    for opportunity in closed.select_related("customer"):
        created = opportunity.created_at.astimezone(fiction.OSLO).date()
        assert created < opportunity.decided_on
        assert opportunity.customer.created_at.date() <= opportunity.decided_on - datetime.timedelta(days=30)


def test_expected_starts_follow_the_decision_or_lie_ahead_of_the_open_ones() -> None:
    for opportunity in Opportunity.objects.all():
        assert opportunity.expected_start is not None
        assert 2 <= opportunity.duration_weeks <= 78
        if opportunity.is_open:
            assert TODAY + datetime.timedelta(days=14) <= opportunity.expected_start
            assert opportunity.expected_start <= TODAY + datetime.timedelta(days=200)
        else:
            assert opportunity.decided_on is not None
            assert 14 <= (opportunity.expected_start - opportunity.decided_on).days <= 60


def test_call_offs_come_after_their_framework_agreement_started() -> None:
    for opportunity in Opportunity.objects.filter(agreement__isnull=False).select_related("agreement"):
        agreement = opportunity.agreement
        assert opportunity.created_at > agreement.created_at
        assert opportunity.created_at.astimezone(fiction.OSLO).date() >= agreement.starts_on


def test_the_owners_of_the_older_opportunities_had_joined_the_firm_by_then() -> None:
    selger = person("selger")
    late = Opportunity.objects.exclude(owner=selger).filter(owner__date_joined__gt=F("created_at"))
    assert not late.exists()
    assert Opportunity.objects.exclude(owner=F("customer__account_owner")).exists()


def test_the_stored_estimate_summaries_are_what_the_estimation_module_computes() -> None:
    estimates = Estimate.objects.select_related("opportunity").prefetch_related("risks")
    assert estimates.count() >= 60
    for estimate in estimates:
        summary = summary_of(estimate)
        assert estimate.expected_hours == summary.expected_hours
        assert estimate.expected_amount == summary.expected_amount
        assert (estimate.p50_hours, estimate.p80_hours, estimate.p90_hours) == (
            summary.p50_hours,
            summary.p80_hours,
            summary.p90_hours,
        )
        assert (estimate.p50_price, estimate.p80_price, estimate.p90_price) == (
            summary.p50_amount,
            summary.p80_amount,
            summary.p90_amount,
        )
        assert estimate.contingency_hours == summary.contingency_hours
        assert estimate.contingency_amount == summary.contingency_amount
        assert estimate.price == summary.price_at(estimate.confidence, estimate.include_contingency)
        hours = list(estimate.packages.order_by("position", "pk").values_list("expected_hours", flat=True))
        assert hours == list(summary.package_hours)


def test_every_estimate_has_three_to_twelve_packages_priced_at_the_agreed_or_default_rates() -> None:
    defaults = dict(RoleRate.objects.values_list("role", "hourly_rate"))
    agreed = {
        (a, r): rate for a, r, rate in AgreementRate.objects.values_list("agreement", "role", "hourly_rate")
    }
    for estimate in Estimate.objects.select_related("opportunity").filter(based_on__isnull=True):
        packages = list(estimate.packages.all())
        assert 3 <= len(packages) <= 12
        for package in packages:
            assert package.optimistic <= package.most_likely <= package.pessimistic
            expected = agreed.get((estimate.opportunity.agreement_id, package.role), defaults[package.role])
            assert package.hourly_rate == expected


def test_won_opportunities_are_decided_and_sold_with_the_estimate_sent() -> None:
    won = Opportunity.objects.filter(stage=Stage.WON).select_related("sold_estimate")
    assert won.count() >= 5
    for opportunity in won:
        sold = opportunity.sold_estimate
        assert sold is not None and sold.opportunity_id == opportunity.pk and sold.is_locked
        newest_locked = opportunity.estimates.filter(locked_at__isnull=False).order_by("-number").first()
        assert sold == newest_locked
        assert opportunity.decided_on is not None and opportunity.decided_on < TODAY
        assert opportunity.value == sold.price
    assert not Opportunity.objects.exclude(stage=Stage.WON).filter(sold_estimate__isnull=False).exists()


def test_lost_opportunities_have_a_reason_a_note_and_a_decision_date() -> None:
    lost = Opportunity.objects.filter(stage=Stage.LOST)
    assert lost.count() >= 5
    assert not lost.filter(Q(lost_reason="") | Q(lost_note="") | Q(decided_on__isnull=True)).exists()
    assert not lost.filter(sold_estimate__isnull=False).exists()
    assert not Opportunity.objects.open().filter(decided_on__isnull=False).exists()
    assert len(set(lost.values_list("lost_reason", flat=True))) >= 3


def test_an_offer_sent_locks_exactly_one_estimate_and_earlier_stages_lock_none() -> None:
    for opportunity in Opportunity.objects.all():
        locked = opportunity.estimates.filter(locked_at__isnull=False)
        sent = Event.objects.filter(
            target_type=opportunity_type(),
            target_id=str(opportunity.pk),
            changes__stage__after=Stage.OFFER_SENT,
        ).first()
        if opportunity.stage in PAST_OFFER:
            assert sent is not None
        if sent is None:
            assert not locked.exists()
        else:
            assert locked.count() == 1
            assert locked.get().locked_at == sent.occurred_at


def test_reviews_are_in_every_state_with_every_verdict_asked_of_a_skill_and_of_a_person() -> None:
    reviews = ExpertReview.objects.all()
    assert {r.state for r in reviews} == set(ReviewState.values)
    assert set(reviews.filter(state=ReviewState.DONE).values_list("verdict", flat=True)) == set(
        Verdict.values
    )
    assert not reviews.exclude(state=ReviewState.DONE).exclude(verdict="").exists()
    assert reviews.filter(skill__isnull=False, reviewer__isnull=True, state=ReviewState.REQUESTED).exists()
    assert reviews.filter(skill__isnull=False, reviewer__isnull=False).exists()  # a skill-wide one accepted
    assert reviews.filter(skill__isnull=True, reviewer__isnull=False).exists()
    for review in reviews.filter(state__in=[ReviewState.ACCEPTED, ReviewState.DONE]):
        assert review.reviewer_id is not None and review.accepted_at is not None
        assert review.created_at <= review.accepted_at
    for review in reviews.filter(state=ReviewState.DONE):
        assert review.accepted_at is not None and review.decided_at is not None
        assert review.accepted_at <= review.decided_at and review.verdict_comment


def test_a_skill_wide_review_is_accepted_by_somebody_with_the_skill_at_the_level_asked() -> None:
    levels = {(p, s): level for p, s, level in PersonSkill.objects.values_list("person", "skill", "level")}
    for review in ExpertReview.objects.filter(skill__isnull=False, reviewer__isnull=False):
        assert levels.get((review.reviewer_id, review.skill_id), 0) >= (review.min_level or 1)


def test_fag_has_a_named_review_and_a_skill_wide_one_he_qualifies_for_waiting() -> None:
    fag = person("fag")
    levels = dict(PersonSkill.objects.filter(person=fag).values_list("skill", "level"))
    waiting = ExpertReview.objects.filter(state=ReviewState.REQUESTED)
    skill_wide = [
        r
        for r in waiting.filter(reviewer__isnull=True, opportunity__confidential=False)
        if levels.get(r.skill_id, 0) >= (r.min_level or 1) and r.requested_by_id != fag.pk
    ]
    assert skill_wide
    assert all(Opportunity.objects.visible_to(fag).filter(pk=r.opportunity_id).exists() for r in skill_wide)
    named = waiting.filter(reviewer=fag)
    assert named.exists()
    assert ExpertReview.objects.filter(reviewer=fag, state=ReviewState.ACCEPTED).exists()
    assert ExpertReview.objects.filter(reviewer=fag, state=ReviewState.DONE).count() >= 3
    # and one waiting for a skill he has, but not at the level asked
    assert any(
        0 < levels.get(r.skill_id, 0) < (r.min_level or 1) for r in waiting.filter(reviewer__isnull=True)
    )


def test_named_and_accepted_reviewers_are_on_the_team_as_experts() -> None:
    for review in ExpertReview.objects.filter(reviewer__isnull=False):
        assert TeamMember.objects.filter(
            opportunity=review.opportunity_id, person=review.reviewer_id, role=TeamRole.EXPERT
        ).exists()


def test_review_comments_propose_hours_in_order_and_applied_ones_are_in_the_next_version() -> None:
    proposing = ReviewComment.objects.filter(proposed_most_likely__isnull=False).select_related(
        "work_package", "review"
    )
    assert proposing.exists()
    assert ReviewComment.objects.filter(proposed_most_likely__isnull=True).exists()
    applied = 0
    for comment in proposing:
        assert comment.proposed_optimistic <= comment.proposed_most_likely <= comment.proposed_pessimistic
        assert comment.work_package.estimate_id == comment.review.estimate_id
        if comment.applied_at is None:
            continue
        applied += 1
        later = Estimate.objects.get(based_on=comment.review.estimate_id)
        assert later.created_at == comment.applied_at
        assert later.packages.filter(
            name=comment.work_package.name,
            optimistic=comment.proposed_optimistic,
            most_likely=comment.proposed_most_likely,
            pessimistic=comment.proposed_pessimistic,
        ).exists()
    assert applied


def test_moves_into_a_gated_stage_passed_the_review_gate_or_management_overrode_it() -> None:
    gated = [stage for stage, s in StageSetting.current().items() if s.requires_review]
    moves = Event.objects.filter(target_type=opportunity_type(), changes__stage__after__in=gated)
    assert moves.exists()
    overridden = 0
    for move in moves:
        reviews = ExpertReview.objects.filter(opportunity=move.target_id, created_at__lt=move.occurred_at)
        still_open = [
            r
            for r in reviews
            if r.state in (ReviewState.REQUESTED, ReviewState.ACCEPTED) or r.updated_at > move.occurred_at
        ]
        done = reviews.filter(state=ReviewState.DONE, decided_at__lt=move.occurred_at).order_by("decided_at")
        passes = not still_open and done.exists() and done.last().verdict != Verdict.NOT_REALISTIC
        if not passes:
            overridden += 1
            assert move.changes["override_reason"]["after"]
            assert move.actor.has_role(Role.MANAGEMENT)
    assert overridden >= 1


def test_confidential_opportunities_are_seen_only_by_their_team_and_management() -> None:
    confidential = Opportunity.objects.filter(confidential=True)
    assert confidential.count() >= 3
    selger, fag, leder = person("selger"), person("fag"), person("leder")
    assert set(Opportunity.objects.visible_to(selger).filter(confidential=True)) == set(confidential)
    assert set(Opportunity.objects.visible_to(leder).filter(confidential=True)) == set(confidential)
    assert Opportunity.objects.visible_to(fag).filter(confidential=True).exists()
    hidden_from_fag = confidential.exclude(pk__in=Opportunity.objects.visible_to(fag).values("pk"))
    assert hidden_from_fag.exists()
    for opportunity in confidential:
        team = set(opportunity.team.values_list("person", flat=True)) | {opportunity.owner_id}
        assert len(team) >= 2  # the seller and at least the delivery side: somebody to see it
        outsider = (
            Person.objects.with_role(Role.EXPERT)
            .exclude(pk__in=team)
            .exclude(role_assignments__role__in=[Role.MANAGEMENT, Role.ADMINISTRATOR])[0]
        )
        assert not Opportunity.objects.visible_to(outsider).filter(pk=opportunity.pk).exists()
        assert not opportunity.reviews.filter(skill__isnull=False).exists()  # only named requests


def test_teams_have_the_owner_as_seller_every_role_and_the_delivery_people_from_the_start() -> None:
    for opportunity in Opportunity.objects.all():
        assert opportunity.team.filter(person=opportunity.owner_id, role=TeamRole.SELLER).exists()
    assert set(TeamMember.objects.values_list("role", flat=True)) == set(TeamRole.values)
    open_ = Opportunity.objects.open()
    for username in ("pl", "leveranse"):
        assert TeamMember.objects.filter(
            person__username=username, role=TeamRole.PROJECT_MANAGER, opportunity__in=open_
        ).exists()


def test_a_call_off_would_take_its_framework_agreement_past_the_ceiling() -> None:
    calls = Opportunity.objects.filter(agreement__isnull=False).select_related("agreement", "customer")
    assert calls.count() >= 3
    assert all(o.agreement.customer_id == o.customer_id for o in calls)
    past = []
    for agreement in {o.agreement for o in calls}:
        used = calls.filter(agreement=agreement, stage=Stage.WON).aggregate(v=Sum("value"))["v"] or 0
        assert used <= agreement.ceiling
        past += [o for o in calls.open().filter(agreement=agreement) if used + o.value > agreement.ceiling]
    assert past
    assert past[0].customer.account_owner.username == "selger"


def test_the_demo_seller_has_offers_overdue_and_due_this_week() -> None:
    theirs = Opportunity.objects.open().of(person("selger")).filter(offer_due__isnull=False)
    sunday = TODAY + datetime.timedelta(days=6 - TODAY.weekday())
    assert theirs.filter(offer_due__lt=TODAY).exists()
    assert theirs.filter(offer_due__gte=TODAY, offer_due__lte=sunday).exists()
    assert (
        Opportunity.objects.open()
        .filter(stage__in=[Stage.LEAD, Stage.QUALIFIED])
        .filter(estimates__isnull=True)
        .exists()
    )  # the empty state of an opportunity without an estimate


def test_expectations_come_in_every_kind_source_and_status_in_the_customers_words() -> None:
    expectations = Expectation.objects.select_related("opportunity", "agreed_with")
    assert {e.kind for e in expectations} == set(ExpectationKind.values)
    assert {e.source for e in expectations} == set(ExpectationSource.values)
    assert {e.status for e in expectations} == set(ExpectationStatus.values)
    for expectation in expectations:
        assert expectation.customer_words
        assert expectation.created_at >= expectation.opportunity.created_at
        if expectation.agreed_with is not None:
            assert expectation.agreed_with.customer_id == expectation.opportunity.customer_id
    assert (
        not expectations.filter(opportunity__stage=Stage.LOST).exclude(status=ExpectationStatus.OPEN).exists()
    )


def test_each_opportunitys_history_reads_from_creation_to_its_current_stage_value_and_version() -> None:
    events = Event.objects.filter(target_type=opportunity_type())
    for opportunity in Opportunity.objects.all():
        history = list(events.filter(target_id=str(opportunity.pk)).order_by("id"))
        assert [e.target_version for e in history] == list(range(1, opportunity.version + 1))
        assert history[0].verb == "opportunity.created"
        assert history[0].actor_id == opportunity.owner_id
        values = {name: change["after"] for name, change in history[0].changes.items()}
        for event in history[1:]:
            assert event.occurred_at > history[0].occurred_at
            for name, change in event.changes.items():
                if name != "override_reason":
                    assert change["before"] == values.get(name, change["before"])
                    values[name] = change["after"]
        assert values["stage"] == opportunity.stage
        assert values["probability"] == opportunity.probability
        assert Decimal(values["value"]) == opportunity.value
        assert history[-1].occurred_at == opportunity.updated_at
        moves = [e for e in history if "stage" in e.changes]
        assert (moves[-1].occurred_at if moves else opportunity.created_at) == opportunity.stage_changed_at
        if opportunity.stage == Stage.WON:
            assert history[-1].verb == "opportunity.won"
            assert history[-1].changes["sold_estimate"]["after"] == opportunity.sold_estimate_id


def test_nothing_in_the_pipeline_happens_on_or_after_the_day_the_data_leads_up_to() -> None:
    for model, fields in (
        (Opportunity, ["created_at", "updated_at", "stage_changed_at"]),
        (Estimate, ["created_at", "updated_at", "locked_at"]),
        (ExpertReview, ["created_at", "updated_at", "accepted_at", "decided_at"]),
        (ReviewComment, ["created_at", "applied_at"]),
        (Expectation, ["created_at", "updated_at"]),
    ):
        for name in fields:
            assert not model.objects.filter(**{f"{name}__gte": MIDNIGHT}).exists(), (model, name)
    assert not Opportunity.objects.filter(decided_on__gte=TODAY).exists()
    for opportunity in Opportunity.objects.select_related("customer"):
        assert opportunity.created_at > opportunity.customer.created_at


def test_the_pipeline_rows_pass_the_models_own_validation() -> None:
    for model in (Opportunity, TeamMember, Estimate, WorkPackage, ExpertReview, ReviewComment, Expectation):
        for obj in model.objects.all()[:40]:
            obj.full_clean()


def test_a_reset_seed_brings_back_the_stage_settings_rates_and_the_same_pipeline() -> None:
    def fingerprint() -> list[tuple[Any, ...]]:
        return list(
            Opportunity.objects.order_by("created_at", "title").values_list(
                "title", "customer__org_number", "stage", "value", "version", "created_at", "owner__username"
            )
        ) + list(
            Estimate.objects.order_by("created_at", "number").values_list("number", "price", "p90_hours")
        )

    before = fingerprint()
    seed("--reset")
    assert StageSetting.objects.count() == len(Stage.values)
    assert RoleRate.objects.filter(role=Role.EXPERT).exists()
    assert fingerprint() == before
    assert set(OPEN_STAGES) | set(CLOSED_STAGES) == set(Opportunity.objects.values_list("stage", flat=True))


def test_rows_made_after_the_seed_get_ids_of_their_own() -> None:
    estimate = Estimate.objects.order_by("-pk").first()
    assert estimate is not None
    package = WorkPackage.objects.create(
        estimate=estimate,
        name="Ekstra",
        optimistic=Decimal(1),
        most_likely=Decimal(2),
        pessimistic=Decimal(3),
        hourly_rate=Decimal(1000),
    )
    assert package.pk > WorkPackage.objects.exclude(pk=package.pk).order_by("-pk")[0].pk
    opportunity = Opportunity.objects.create(
        customer=estimate.opportunity.customer, owner=person("selger"), title="Ny", probability=10
    )
    assert opportunity.pk > Opportunity.objects.exclude(pk=opportunity.pk).order_by("-pk")[0].pk


def test_at_the_measuring_sizes_history_is_simulated_with_fewer_draws_in_worker_processes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from samspill.demo import pipeline_rows

    monkeypatch.setattr(pipeline_data, "FULL_SIMULATION_UP_TO", 0)  # as if this were `large`
    monkeypatch.setattr(pipeline_rows, "PARALLEL_FROM", 1)
    seed("--reset")
    total = Opportunity.objects.count()
    estimates = list(Estimate.objects.select_related("opportunity").prefetch_related("risks"))
    draws = {e.pk: pipeline_data.draws_for(e, total) for e in estimates}
    assert set(draws.values()) == {estimation.DEFAULT_DRAWS, pipeline_data.CLOSED_DRAWS}
    superseded = [e for e in estimates if e.opportunity.is_open and draws[e.pk] == pipeline_data.CLOSED_DRAWS]
    assert superseded
    for estimate in estimates:
        summary = summary_of(estimate)
        assert (estimate.p50_price, estimate.p80_price, estimate.p90_price, estimate.price) == (
            summary.p50_amount,
            summary.p80_amount,
            summary.p90_amount,
            summary.price_at(estimate.confidence, estimate.include_contingency),
        )
