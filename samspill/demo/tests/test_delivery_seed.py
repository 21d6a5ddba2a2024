"""The delivery demo data: handovers in every state, projects whose numbers add up, believable hours,
deviations the rules would find, change requests in every state, and history that overran as real
projects do.

The small seed is loaded once for the module (in a transaction rolled back at its end); each test runs
in a savepoint of it.
"""

from __future__ import annotations

import datetime
import io
import statistics
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Max, Q, Sum

from samspill.activity.models import Event
from samspill.delivery import detection, progress
from samspill.delivery.models import (
    Baseline,
    BaselineSource,
    ChangeRequest,
    ChangeState,
    Deviation,
    DeviationKind,
    DeviationStatus,
    Lesson,
    Milestone,
    Phase,
    Project,
    ProjectPackage,
    ProjectStatus,
    Retrospective,
    Staffing,
    StatusReport,
    TimeEntry,
    WeekApproval,
)
from samspill.demo import fiction
from samspill.handover.models import Handover, HandoverState, Question
from samspill.people.models import Person
from samspill.pipeline.models import Opportunity, Stage

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)  # a Monday
MIDNIGHT = datetime.datetime.combine(TODAY, datetime.time(), tzinfo=fiction.OSLO)
THIS_MONDAY = TODAY - datetime.timedelta(days=TODAY.weekday())


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


def ratios() -> dict[int, float]:
    """Actual ÷ sold hours of each closed project, from its work packages."""
    rows = (
        ProjectPackage.objects.filter(project__status=ProjectStatus.CLOSED)
        .values("project")
        .annotate(sold=Sum("sold_hours"), actual=Sum("actual_hours"))
    )
    return {r["project"]: float(r["actual"] / r["sold"]) for r in rows if r["sold"]}


def test_at_least_200_projects_are_closed_each_from_a_won_opportunity_with_its_sold_estimate() -> None:
    closed = Project.objects.filter(status=ProjectStatus.CLOSED).select_related("opportunity")
    assert closed.count() >= 200
    for project in closed:
        opportunity = project.opportunity
        assert opportunity is not None and opportunity.stage == Stage.WON
        assert opportunity.sold_estimate_id is not None
        assert project.closed_on is not None and project.closed_on < TODAY
        assert 1 <= (project.satisfaction or 0) <= 5
    assert Project.objects.filter(status=ProjectStatus.ACTIVE).count() >= 8


def test_the_sold_baseline_is_the_sold_estimates_packages_as_the_project_action_copies_them() -> None:
    for project in Project.objects.select_related("opportunity__sold_estimate")[:60]:
        estimate = project.opportunity.sold_estimate
        sold = {p.pk: p for p in estimate.packages.all()}
        packages = list(project.packages.all())
        assert {p.estimate_package_id for p in packages} == set(sold)
        for package in packages:
            source = sold[package.estimate_package_id]
            assert (package.name, package.role) == (source.name, source.role)
            assert package.position == source.position
            assert package.sold_hours == source.expected_hours
            assert package.sold_amount == source.amount
            assert package.hourly_rate == source.hourly_rate
        first = Baseline.objects.get(project=project, number=1)
        assert first.source == BaselineSource.SOLD and first.estimate_id == estimate.pk
        assert first.hours == sum((p.sold_hours for p in packages), Decimal(0))
        assert project.price == estimate.price
        assert project.title == project.opportunity.title
        assert project.seller_id == project.opportunity.owner_id
        assert project.members.filter(person=project.manager_id, role="project_manager").exists()


def test_actual_hours_overrun_the_estimates_as_published_surveys_find() -> None:
    found = list(ratios().values())
    assert len(found) >= 200
    assert 1.15 <= statistics.mean(found) <= 1.45
    assert statistics.median(found) > 1
    assert sum(1 for r in found if r > 1) > len(found) / 2
    # right-skewed, with a heavy tail
    assert statistics.mean(found) > statistics.median(found)
    assert max(found) >= 2


def test_some_project_types_and_customers_overrun_more_than_others() -> None:
    found = ratios()
    by_type: dict[str, list[float]] = defaultdict(list)
    by_customer: dict[int, list[float]] = defaultdict(list)
    for project_id, project_type, customer_id in Project.objects.filter(pk__in=found).values_list(
        "pk", "project_type", "customer_id"
    ):
        by_type[project_type].append(found[project_id])
        by_customer[customer_id].append(found[project_id])
    medians = [statistics.median(v) for v in by_type.values() if len(v) >= 8]
    assert len(medians) >= 4
    assert max(medians) - min(medians) >= 0.1
    customers = [statistics.median(v) for v in by_customer.values() if len(v) >= 5]
    assert max(customers) - min(customers) >= 0.2


def test_package_actuals_vary_around_their_project() -> None:
    rows = ProjectPackage.objects.filter(project__status=ProjectStatus.CLOSED, sold_hours__gt=0)
    package_ratios = [float(p.actual_hours / p.sold_hours) for p in rows]
    assert len(set(round(r, 2) for r in package_ratios)) > 100
    assert sum(1 for r in package_ratios if r < 1) > len(package_ratios) / 10


def test_nobody_books_more_than_24_hours_a_day_and_hardly_ever_more_than_ten() -> None:
    days = TimeEntry.objects.values("person", "date").annotate(total=Sum("hours"))
    totals = [d["total"] for d in days]
    assert TimeEntry.objects.count() >= 10_000
    assert max(totals) <= 24
    assert sum(1 for t in totals if t > 10) < len(totals) / 50
    assert statistics.mean(totals) <= Decimal("7.5")
    assert not TimeEntry.objects.filter(Q(hours__lte=0) | Q(hours__gt=24)).exists()


def test_time_is_booked_on_weekdays_before_the_day_within_each_project_and_by_its_team() -> None:
    entries = TimeEntry.objects.all()
    assert not entries.filter(date__gte=TODAY).exists()
    assert not entries.filter(created_at__gte=MIDNIGHT).exists()
    assert not entries.filter(date__week_day__in=[1, 7]).exists()  # Sunday, Saturday
    assert not entries.exclude(package__project=F("project")).exists()
    for project in Project.objects.filter(status=ProjectStatus.CLOSED)[:40]:
        assert not project.time_entries.filter(date__gt=project.closed_on).exists()
        assert not project.time_entries.filter(date__lt=project.starts_on).exists()
    team = set(Project.objects.values_list("pk", "members__person"))
    booked = set(TimeEntry.objects.values_list("project", "person").distinct())
    assert booked <= team
    assert not Project.objects.filter(status=ProjectStatus.PLANNED, time_entries__isnull=False).exists()


def test_approved_weeks_hold_their_entries_and_running_projects_leave_the_last_week_open() -> None:
    weeks: dict[tuple[int, int, datetime.date], Decimal] = defaultdict(Decimal)
    last_created: dict[tuple[int, int, datetime.date], datetime.datetime] = {}
    for project_id, person_id, day, hours, created in TimeEntry.objects.values_list(
        "project", "person", "date", "hours", "created_at"
    ):
        key = (project_id, person_id, day - datetime.timedelta(days=day.weekday()))
        weeks[key] += hours
        last_created[key] = max(created, last_created.get(key, created))
    approvals = WeekApproval.objects.all()
    assert approvals.count() >= 1000
    for approval in approvals:
        key = (approval.project_id, approval.person_id, approval.week)
        assert approval.week.weekday() == 0
        assert approval.hours == weeks[key]
        assert last_created[key] <= approval.approved_at < MIDNIGHT
        assert approval.approved_by_id == Project.objects.get(pk=approval.project_id).manager_id
    approved = {(a.project_id, a.person_id, a.week) for a in approvals}
    closed = set(Project.objects.filter(status=ProjectStatus.CLOSED).values_list("pk", flat=True))
    running = set(Project.objects.exclude(status=ProjectStatus.CLOSED).values_list("pk", flat=True))
    for key in weeks:
        if key[0] in closed:
            assert key in approved
    last_week = THIS_MONDAY - datetime.timedelta(days=7)
    assert not approvals.filter(project__in=running, week__gte=last_week).exists()
    assert any(key[0] in running and key not in approved for key in weeks)
    theirs = set(Project.objects.filter(manager=person("pl"), pk__in=running).values_list("pk", flat=True))
    assert any(k[0] in theirs and k not in approved for k in weeks)  # weeks for pl to approve


def test_stored_totals_are_the_sums_of_the_time_entries_and_the_packages() -> None:
    booked = dict(
        TimeEntry.objects.values_list("package").annotate(total=Sum("hours")).values_list("package", "total")
    )
    for package in ProjectPackage.objects.all():
        assert package.actual_hours == booked.get(package.pk, 0)
    for project in Project.objects.prefetch_related("packages"):
        packages = list(project.packages.all())
        assert project.actual_hours == sum((p.actual_hours for p in packages), Decimal(0))
        assert project.budget_hours == sum((p.budget_hours for p in packages), Decimal(0))
        assert project.budget_amount == sum((p.budget_amount for p in packages), Decimal(0))
        forecast = sum(
            (
                progress.forecast_at_completion(
                    p.actual_hours,
                    progress.remaining(
                        p.budget_hours,
                        p.actual_hours,
                        remaining_hours=p.remaining_hours,
                        percent_complete=p.percent_complete,
                    ),
                )
                for p in packages
            ),
            Decimal(0),
        )
        assert project.forecast_hours == forecast.quantize(Decimal("0.1"))
        if project.status == ProjectStatus.CLOSED:
            assert project.forecast_hours == project.actual_hours
        assert project.health in ("green", "amber", "red")


def test_handovers_are_in_every_state_and_acknowledged_ones_have_their_project() -> None:
    handovers = Handover.objects.select_related("opportunity", "project")
    assert {h.state for h in handovers} == set(HandoverState.values)
    assert handovers.count() == Opportunity.objects.filter(stage=Stage.WON).count()
    for handover in handovers:
        assert handover.opportunity.stage == Stage.WON
        assert handover.seller_id == handover.opportunity.owner_id
        assert handover.checklist.exists()
        if handover.state == HandoverState.ACKNOWLEDGED:
            assert handover.project is not None
            assert handover.project.opportunity_id == handover.opportunity_id
            assert handover.acknowledged_at is not None and handover.acknowledged_by_id is not None
            assert handover.acknowledged_score is not None
            assert not handover.questions.filter(answered_at__isnull=True).exists()
        else:
            assert handover.project is None
            assert not Project.objects.filter(opportunity=handover.opportunity_id).exists()
    pl, selger = person("pl"), person("selger")
    waiting = handovers.filter(project_manager=pl, state=HandoverState.OPEN)
    assert waiting.filter(checklist__done_at__isnull=True).exists()  # missing items for pl to see
    for sent_back in handovers.filter(state=HandoverState.SENT_BACK):
        unanswered = Question.objects.filter(handover=sent_back, answered_at__isnull=True)
        assert unanswered.exists() and all(q.asked_by_id == sent_back.project_manager_id for q in unanswered)
    assert handovers.filter(state=HandoverState.SENT_BACK, seller=selger, project_manager=pl).exists()
    assert handovers.filter(state=HandoverState.OPEN, project_manager__isnull=True).exists()
    assert Question.objects.filter(answered_at__isnull=False).exists()


def test_each_handovers_history_reads_from_opened_to_its_state_and_version() -> None:
    handover_type = ContentType.objects.get_for_model(Handover)
    events = Event.objects.filter(target_type=handover_type)
    for handover in Handover.objects.all()[:80]:
        history = list(events.filter(target_id=str(handover.pk)).order_by("occurred_at", "id"))
        assert [e.target_version for e in history] == list(range(1, handover.version + 1))
        assert history[0].verb == "handover.opened"
        assert history[-1].occurred_at == handover.updated_at
        if handover.state == HandoverState.ACKNOWLEDGED:
            assert history[-1].verb == "handover.acknowledged"
            assert history[-1].data["project_id"] == handover.project_id


def test_the_demo_people_run_and_sold_several_running_projects() -> None:
    running = Project.objects.exclude(status=ProjectStatus.CLOSED)
    assert running.filter(manager=person("pl"), status=ProjectStatus.ACTIVE).count() >= 3
    assert running.filter(seller=person("selger")).count() >= 3
    mine = running.filter(manager=person("pl"))
    assert StatusReport.objects.filter(project__in=mine).count() >= 10
    assert Staffing.objects.filter(project__in=mine, week__gte=THIS_MONDAY).exists()
    assert Milestone.objects.filter(project__in=mine, done_on__isnull=False).exists()
    assert Milestone.objects.filter(project__in=mine, done_on__isnull=True).exists()
    assert {p.health for p in mine} >= {"green", "red"}


def test_change_requests_are_in_every_state_and_accepted_ones_moved_the_baseline() -> None:
    changes = ChangeRequest.objects.select_related("project", "package")
    assert {c.state for c in changes} == set(ChangeState.values)
    for change in changes:
        assert change.raised_by_id == change.project.manager_id
        if change.state == ChangeState.DRAFT:
            assert change.sent_at is None and change.decided_on is None
        else:
            assert change.sent_at is not None and change.sent_at < MIDNIGHT
        if change.state in (ChangeState.ACCEPTED, ChangeState.REJECTED):
            assert change.decided_on is not None and change.decided_on < TODAY
    for project in Project.objects.filter(change_requests__state=ChangeState.ACCEPTED).distinct():
        accepted = project.change_requests.filter(state=ChangeState.ACCEPTED)
        baselines = project.baselines.order_by("number")
        assert project.baseline_number == baselines.count() == accepted.count() + 1
        assert {b.change_request_id for b in baselines[1:]} == {c.pk for c in accepted}
        for package in project.packages.all():
            added = accepted.filter(package=package).aggregate(h=Sum("hours"))["h"] or 0
            assert package.budget_hours == package.sold_hours + added
        last = baselines.last()
        assert last is not None and last.hours == project.budget_hours


def test_open_deviations_are_unique_and_exactly_what_the_rules_find_on_the_day() -> None:
    open_rows = Deviation.objects.filter(status=DeviationStatus.OPEN).exclude(kind=DeviationKind.MANUAL)
    keys = list(open_rows.values_list("project", "kind", "subject"))
    assert keys and len(keys) == len(set(keys))
    assert {k for _p, k, _s in keys} >= {
        DeviationKind.FORECAST_OVER_BASELINE,
        DeviationKind.PACKAGE_OVER_BUDGET,
        DeviationKind.EXPECTATION,
    }
    closed = Project.objects.filter(status=ProjectStatus.CLOSED)
    assert not Deviation.objects.filter(status=DeviationStatus.OPEN, project__in=closed).exists()
    before = {(d.project_id, d.kind, d.subject): d.numbers for d in open_rows}
    running = list(Project.objects.running())
    with transaction.atomic():
        opened = detection.detect_for(running, today=TODAY)
        after = {
            (d.project_id, d.kind, d.subject): d.numbers
            for d in Deviation.objects.filter(status=DeviationStatus.OPEN).exclude(kind=DeviationKind.MANUAL)
        }
        transaction.set_rollback(True)
    assert opened == []
    assert after == before


def test_deviations_raised_by_hand_and_closed_ones_say_what_and_why() -> None:
    manual = Deviation.objects.filter(kind=DeviationKind.MANUAL)
    assert manual.filter(status=DeviationStatus.OPEN).exists()
    assert manual.filter(status=DeviationStatus.CLOSED).exists()
    assert not manual.filter(Q(what="") | Q(consequence="") | Q(action="")).exists()
    closed = Deviation.objects.filter(status=DeviationStatus.CLOSED)
    assert not closed.filter(Q(closed_at__isnull=True) | Q(resolution="")).exists()
    for deviation in closed[:200]:
        assert deviation.created_at <= deviation.closed_at < MIDNIGHT


def test_closed_projects_have_a_retrospective_by_phase_and_satisfaction_falls_with_overrun() -> None:
    found = ratios()
    closed = Project.objects.filter(status=ProjectStatus.CLOSED)
    assert Retrospective.objects.filter(project__in=closed).count() == closed.count()
    assert set(Lesson.objects.values_list("phase", flat=True)) == set(Phase.values)
    assert Lesson.objects.filter(skills__isnull=False).exists()
    for project in closed.select_related("retrospective"):
        assert project.retrospective.satisfaction == project.satisfaction
    satisfaction = dict(closed.values_list("pk", "satisfaction"))
    on_budget = [satisfaction[p] for p, r in found.items() if r <= 1.0]
    far_over = [satisfaction[p] for p, r in found.items() if r >= 1.5]
    assert on_budget and far_over
    assert statistics.mean(far_over) + 0.7 < statistics.mean(on_budget)


def test_status_reports_are_weekly_on_running_projects_and_the_health_follows_the_latest() -> None:
    for project in Project.objects.filter(status=ProjectStatus.ACTIVE):
        reports = project.status_reports.order_by("-week")
        assert reports.exists()
        assert reports[0].week >= THIS_MONDAY - datetime.timedelta(days=14)
        assert not reports.filter(created_at__gte=MIDNIGHT).exists()
        if reports[0].health == "red":
            assert project.health == "red"
    assert set(StatusReport.objects.values_list("health", flat=True)) == {"green", "amber", "red"}


def test_nothing_in_delivery_happens_on_or_after_the_day() -> None:
    for model, fields in (
        (Handover, ["created_at", "updated_at", "acknowledged_at"]),
        (Project, ["created_at", "updated_at"]),
        (Deviation, ["created_at", "updated_at", "closed_at"]),
        (ChangeRequest, ["created_at", "updated_at", "sent_at"]),
        (WeekApproval, ["approved_at"]),
        (StatusReport, ["created_at"]),
        (Retrospective, ["created_at"]),
    ):
        for name in fields:
            assert not model.objects.filter(**{f"{name}__gte": MIDNIGHT}).exists(), (model, name)
    assert not Event.objects.filter(occurred_at__gte=MIDNIGHT).exists()
    assert not Project.objects.filter(closed_on__gte=TODAY).exists()


def test_the_delivery_rows_pass_the_models_own_validation() -> None:
    for model in (Handover, Project, ProjectPackage, Milestone, Deviation, ChangeRequest, StatusReport):
        for obj in model.objects.all()[:40]:
            obj.full_clean(validate_unique=False)


def test_every_project_has_its_creation_event_and_closed_ones_their_final_numbers() -> None:
    project_type = ContentType.objects.get_for_model(Project)
    events = Event.objects.filter(target_type=project_type)
    created = set(events.filter(verb="project.created").values_list("target_id", flat=True))
    assert created == {str(pk) for pk in Project.objects.values_list("pk", flat=True)}
    for event in events.filter(verb="project.closed")[:50]:
        project = Project.objects.get(pk=event.target_id)
        total = event.data["final"]["total"]
        assert Decimal(total["actual_hours"]) == project.actual_hours
        assert event.target_version == project.version
    top = events.values("target_id").annotate(v=Max("target_version"))
    versions = dict(Project.objects.values_list("pk", "version"))
    assert all(row["v"] == versions[int(row["target_id"])] for row in top)


def test_a_reset_seed_gives_the_same_projects_again() -> None:
    def fingerprint() -> list[tuple[Any, ...]]:
        projects = Project.objects.order_by("created_at", "title").values_list(
            "title", "status", "actual_hours", "forecast_hours", "closed_on", "manager__username"
        )
        entries = TimeEntry.objects.order_by(
            "date", "created_at", "hours", "person__username", "project__title", "package__name"
        ).values_list("date", "created_at", "hours", "person__username", "package__name")
        approvals = WeekApproval.objects.order_by(
            "week", "approved_at", "hours", "person__username", "project__title"
        ).values_list("week", "approved_at", "hours", "person__username")
        counts = (Deviation.objects.count(), Handover.objects.count(), Staffing.objects.count())
        return [*projects, *entries, *approvals, counts]

    before = fingerprint()
    seed("--reset")
    assert fingerprint() == before
    assert Handover.objects.annotate(n=Count("checklist")).filter(n=0).count() == 0


def test_the_won_history_follows_the_pipelines_own_rules() -> None:
    """The opportunities the delivery section wins are won the pipeline's way (its tests cover its own)."""
    from samspill.demo import pipeline_data
    from samspill.pipeline import estimation

    won = Opportunity.objects.filter(stage=Stage.WON).select_related("customer", "sold_estimate", "owner")
    total = Opportunity.objects.count()
    assert won.count() >= 200
    for opportunity in won:
        sold = opportunity.sold_estimate
        assert sold is not None and sold.is_locked and opportunity.value == sold.price
        assert opportunity.decided_on is not None and opportunity.decided_on < TODAY
        assert opportunity.created_at > opportunity.customer.created_at
        assert 14 <= (opportunity.expected_start - opportunity.decided_on).days <= 60
        if opportunity.owner.username != "selger":
            assert opportunity.owner.date_joined <= opportunity.created_at
    for estimate in [o.sold_estimate for o in won[:40]]:
        summary = estimation.summarise(
            [
                estimation.Package(
                    estimation.ThreePoint(p.optimistic, p.most_likely, p.pessimistic), p.hourly_rate
                )
                for p in estimate.packages.order_by("position", "pk")
            ],
            [
                estimation.Risk(Decimal(r.probability) / 100, r.consequence_hours)
                for r in estimate.risks.all()
            ],
            draws=pipeline_data.draws_for(estimate, total),
        )
        assert estimate.price == summary.price_at(estimate.confidence, estimate.include_contingency)
