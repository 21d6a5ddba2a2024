"""Deviation detection: each rule fires exactly when its condition holds, is recorded once, and closes."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from samspill.activity.models import Event
from samspill.delivery import detection
from samspill.delivery.detection import Finding, detect_deviations, detect_for, findings
from samspill.delivery.models import Deviation, DeviationKind, Milestone, ProjectPackage
from samspill.delivery.tests.deviation_factories import (
    TODAY,
    book,
    expectation,
    make_project,
    milestone,
    package,
    won_opportunity,
)

pytestmark = pytest.mark.usefixtures("english")

DAY = datetime.timedelta(days=1)


def _package(budget: Any, actual: Any, *, remaining: Any = None, percent: Any = None, pk: int = 1) -> Any:
    return ProjectPackage(
        pk=pk,
        name=f"Package {pk}",
        budget_hours=Decimal(str(budget)),
        actual_hours=Decimal(str(actual)),
        remaining_hours=None if remaining is None else Decimal(str(remaining)),
        percent_complete=percent,
    )


def _open(project: Any) -> list[tuple[str, str]]:
    return sorted(Deviation.objects.filter(project=project, status="open").values_list("kind", "subject"))


# -- the rules on plain rows -----------------------------------------------------------------------


def test_the_forecast_rule_fires_at_the_threshold_and_names_its_numbers() -> None:
    at_limit = detection.forecast_over_baseline([_package(100, 60, remaining=50)], Decimal(10))
    assert at_limit is not None
    assert at_limit.numbers == {
        "forecast_hours": 110.0,
        "baseline_hours": 100.0,
        "over_hours": 10.0,
        "over_percent": 10.0,
        "threshold_percent": 10.0,
    }
    assert detection.forecast_over_baseline([_package(100, 60, remaining=49.9)], Decimal(10)) is None


def test_the_forecast_rule_ignores_a_project_without_baseline_hours() -> None:
    assert detection.forecast_over_baseline([_package(0, 40)], Decimal(10)) is None
    assert detection.forecast_over_baseline([], Decimal(10)) is None


@given(
    budgets=st.lists(st.integers(0, 2000), min_size=1, max_size=5),
    actuals=st.lists(st.integers(0, 3000), min_size=5, max_size=5),
    remaining=st.lists(st.one_of(st.none(), st.integers(0, 2000)), min_size=5, max_size=5),
    threshold=st.integers(0, 50),
)
def test_the_forecast_rule_fires_exactly_when_the_forecast_exceeds_the_baseline_by_the_threshold(
    budgets: list[int], actuals: list[int], remaining: list[int | None], threshold: int
) -> None:
    packages = [_package(b, actuals[i], remaining=remaining[i], pk=i + 1) for i, b in enumerate(budgets)]
    baseline = Decimal(sum(budgets))
    forecast = sum(
        (
            Decimal(actuals[i])
            + (Decimal(r) if (r := remaining[i]) is not None else max(Decimal(b - actuals[i]), Decimal(0)))
        )
        for i, b in enumerate(budgets)
    )
    holds = baseline > 0 and forecast > baseline and (forecast - baseline) * 100 >= baseline * threshold
    found = detection.forecast_over_baseline(packages, Decimal(threshold))
    assert (found is not None) == holds
    if found:
        assert found.numbers["forecast_hours"] == float(forecast)
        assert found.numbers["baseline_hours"] == float(baseline)


@given(budget=st.integers(0, 1000), actual=st.integers(0, 1000))
def test_the_package_rule_fires_exactly_when_more_hours_are_booked_than_the_budget(
    budget: int, actual: int
) -> None:
    found = detection.package_over_budget(_package(budget, actual, pk=7))
    assert (found is not None) == (actual > budget)
    if found:
        assert found.subject == "package:7"
        assert found.numbers["over_hours"] == actual - budget


@given(
    planned=st.integers(-60, 60),
    forecast=st.one_of(st.none(), st.integers(-60, 90)),
    done=st.booleans(),
)
def test_the_milestone_rule_fires_exactly_when_a_milestone_not_reached_is_expected_after_its_plan(
    planned: int, forecast: int | None, done: bool
) -> None:
    row = Milestone(
        pk=3,
        name="Go-live",
        planned_on=TODAY + planned * DAY,
        forecast_on=None if forecast is None else TODAY + forecast * DAY,
        done_on=TODAY if done else None,
    )
    expected = max(forecast if forecast is not None else planned, 0)
    found = detection.milestone_late(row, TODAY)
    assert (found is not None) == (not done and expected > planned)
    if found:
        assert found.numbers["days_late"] == expected - planned
        assert found.subject == "milestone:3"


def test_a_milestone_whose_date_passed_without_being_reached_is_late_by_the_days_gone_by() -> None:
    row = Milestone(pk=1, name="Test", planned_on=TODAY - 5 * DAY)
    found = detection.milestone_late(row, TODAY)
    assert found is not None
    assert found.numbers["days_late"] == 5
    assert found.numbers["overdue"] is True
    assert "5 days late so far" in detection.describe(found.kind, found.numbers)


@pytest.mark.parametrize(
    ("status", "fires"), [("open", False), ("met", False), ("at_risk", True), ("broken", True)]
)
def test_the_expectation_rule_fires_for_at_risk_and_broken_only(status: str, fires: bool) -> None:
    from samspill.pipeline.models import Expectation

    row = Expectation(pk=9, customer_words="Svar innen to dager", status=status)
    found = detection.expectation_in_trouble(row)
    assert (found is not None) == fires
    if found:
        assert found.subject == "expectation:9"


def test_every_rule_says_its_numbers_in_plain_words() -> None:
    rows = findings(
        [_package(100, 130, pk=4)],
        [Milestone(pk=2, name="Go-live", planned_on=TODAY, forecast_on=TODAY + 14 * DAY)],
        [],
        today=TODAY,
        threshold=Decimal(10),
    )
    texts = {f.kind: detection.describe(f.kind, f.numbers) for f in rows}
    assert "130" in texts[DeviationKind.FORECAST_OVER_BASELINE]
    assert "30,0 %" in texts[DeviationKind.FORECAST_OVER_BASELINE]
    assert "«Package 4»" in texts[DeviationKind.PACKAGE_OVER_BUDGET]
    assert "30\xa0t over" in texts[DeviationKind.PACKAGE_OVER_BUDGET]
    assert "28.03.2025, 14 days after the planned 14.03.2025" in texts[DeviationKind.MILESTONE_LATE]


def test_the_threshold_comes_from_the_settings(settings: Any) -> None:
    settings.DEVIATION_THRESHOLD_PERCENT = 25
    assert detection.threshold_percent() == Decimal(25)
    del settings.DEVIATION_THRESHOLD_PERCENT
    assert detection.threshold_percent() == Decimal(10)


# -- recording once, closing when the condition ends -----------------------------------------------


def test_hours_past_a_package_budget_open_one_deviation_owned_by_the_project_manager(
    customer: Any, project_manager: Any, expert: Any
) -> None:
    project = make_project(customer, project_manager, packages=[("Analyse", 40, 1200), ("Bygg", 400, 1400)])
    book(project, expert, 44)
    opened = detect_deviations(project, by=expert, today=TODAY)
    assert [(d.kind, d.subject) for d in opened] == [
        ("package_over_budget", f"package:{package(project).pk}")
    ]
    deviation = opened[0]
    assert deviation.owner == project_manager
    assert deviation.numbers["actual_hours"] == 44.0
    assert deviation.numbers["budget_hours"] == 40.0
    assert "«Analyse»" in deviation.what
    event = Event.objects.get(verb="deviation.detected")
    assert event.data["numbers"]["over_hours"] == 4.0


def test_detecting_again_while_the_condition_lasts_records_nothing_new(
    customer: Any, project_manager: Any, expert: Any
) -> None:
    project = make_project(customer, project_manager, packages=[("Analyse", 40, 1200), ("Bygg", 400, 1400)])
    book(project, expert, 44)
    detect_deviations(project, today=TODAY)
    book(project, expert, 4)
    assert detect_deviations(project, today=TODAY) == []
    rows = Deviation.objects.filter(project=project)
    assert rows.count() == 1
    assert rows.get().numbers["actual_hours"] == 48.0  # the numbers follow the condition
    assert Event.objects.filter(verb="deviation.detected").count() == 1


def test_a_deviation_closes_when_its_condition_ends_and_a_new_one_opens_if_it_returns(
    customer: Any, project_manager: Any, expert: Any
) -> None:
    project = make_project(customer, project_manager, packages=[("Analyse", 40, 1200), ("Bygg", 400, 1400)])
    book(project, expert, 44)
    detect_deviations(project, today=TODAY)
    ProjectPackage.objects.filter(pk=package(project).pk).update(budget_hours=60)
    detect_deviations(project, today=TODAY)
    closed = Deviation.objects.get(project=project)
    assert closed.status == "closed"
    assert closed.closed_at is not None
    assert "no longer holds" in closed.resolution
    assert Event.objects.filter(verb="deviation.closed", data__automatic=True).count() == 1
    ProjectPackage.objects.filter(pk=package(project).pk).update(budget_hours=40)
    detect_deviations(project, today=TODAY)
    assert Deviation.objects.filter(project=project).count() == 2
    assert Deviation.objects.filter(project=project, status="open").count() == 1


def test_the_forecast_rule_opens_and_closes_on_the_project(
    customer: Any, project_manager: Any, expert: Any
) -> None:
    project = make_project(customer, project_manager, packages=[("Bygg", 100, 1400)])
    first = package(project)
    first.remaining_hours = Decimal(60)
    first.save()
    book(project, expert, 50)  # forecast 50 + 60 = 110: 10 % over
    assert _open(project) == []  # nothing ran yet
    detect_deviations(project, today=TODAY)
    assert _open(project) == [("forecast_over_baseline", "project")]
    ProjectPackage.objects.filter(pk=first.pk).update(remaining_hours=Decimal(59))
    detect_deviations(project, today=TODAY)
    assert _open(project) == []


def test_a_late_milestone_opens_one_deviation_and_reaching_it_closes_it(
    customer: Any, project_manager: Any
) -> None:
    project = make_project(customer, project_manager)
    row = milestone(project, planned=TODAY + 10 * DAY, forecast=TODAY + 20 * DAY)
    milestone(project, "Test", planned=TODAY + 30 * DAY, forecast=TODAY + 30 * DAY)
    detect_deviations(project, today=TODAY)
    assert _open(project) == [("milestone_late", f"milestone:{row.pk}")]
    Milestone.objects.filter(pk=row.pk).update(done_on=TODAY)
    detect_deviations(project, today=TODAY)
    assert _open(project) == []


def test_an_expectation_at_risk_opens_a_deviation_until_it_is_met(
    customer: Any, project_manager: Any, seller: Any
) -> None:
    opportunity = won_opportunity(customer, seller)
    project = make_project(customer, project_manager, seller=seller, opportunity=opportunity)
    promise = expectation(opportunity, status="at_risk")
    expectation(opportunity, "Fast team", status="open")
    detect_deviations(project, today=TODAY)
    assert _open(project) == [("expectation", f"expectation:{promise.pk}")]
    promise.status = "broken"
    promise.save()
    detect_deviations(project, today=TODAY)
    row = Deviation.objects.get(project=project, status="open")
    assert row.numbers["expectation_status"] == "broken"
    assert "is broken" in detection.text_of(row)
    promise.status = "met"
    promise.save()
    detect_deviations(project, today=TODAY)
    assert _open(project) == []


def test_a_change_of_an_expectations_status_runs_the_rules_at_once(
    customer: Any, project_manager: Any, seller: Any
) -> None:
    from samspill.pipeline.actions.expectations import update_expectation

    opportunity = won_opportunity(customer, seller)
    project = make_project(customer, project_manager, seller=seller, opportunity=opportunity)
    promise = expectation(opportunity)
    update_expectation(promise, {"status": "at_risk"}, by=seller, version=promise.version)
    assert _open(project) == [("expectation", f"expectation:{promise.pk}")]


def test_manual_deviations_are_never_closed_by_the_rules(customer: Any, project_manager: Any) -> None:
    project = make_project(customer, project_manager)
    Deviation.objects.create(
        project=project, kind="manual", what="Kunden har byttet kontaktperson", owner=project_manager
    )
    detect_deviations(project, today=TODAY)
    assert _open(project) == [("manual", "")]


def test_closing_the_project_closes_the_rules_deviations_but_not_those_raised_by_hand(
    customer: Any, project_manager: Any, expert: Any
) -> None:
    from samspill.delivery.actions.deviations import close_deviation, raise_deviation

    project = make_project(customer, project_manager, packages=[("Analyse", 10, 1200)])
    book(project, expert, 12)
    manual = raise_deviation(project, {"what": "Kunden byttet leverandør av drift"}, by=project_manager)
    detect_deviations(project, today=TODAY)
    project.status = "closed"
    project.save()
    assert detect_deviations(project, today=TODAY) == []
    assert _open(project) == [("manual", "")]
    closed = Deviation.objects.get(project=project, kind="package_over_budget")
    assert closed.resolution == "Closed automatically: the project is closed."
    done = close_deviation(manual, "Avklart i sluttmøtet", by=project_manager, version=manual.version)
    assert done.status == "closed"


def test_losing_the_race_to_record_a_deviation_keeps_the_callers_work(
    customer: Any, project_manager: Any, expert: Any
) -> None:
    project = make_project(customer, project_manager, packages=[("Analyse", 10, 1200)])
    book(project, expert, 12)
    finding = Finding("package_over_budget", f"package:{package(project).pk}", {"over_hours": 2.0})
    with transaction.atomic():
        assert detection._open(project, finding, by=None) is not None
        assert detection._open(project, finding, by=None) is None  # the unique constraint refused it
        assert Deviation.objects.filter(project=project).count() == 1  # the transaction is still usable
    assert Event.objects.filter(verb="deviation.detected").count() == 1


# -- the daily scan --------------------------------------------------------------------------------


def test_the_batch_reads_a_constant_number_of_queries_when_nothing_changes(
    customer: Any, project_manager: Any, seller: Any, expert: Any, django_assert_num_queries: Any
) -> None:
    projects = []
    for n in range(4):
        opportunity = won_opportunity(customer, seller, title=f"Prosjekt {n}")
        project = make_project(customer, project_manager, title=f"Prosjekt {n}", opportunity=opportunity)
        expectation(opportunity, status="at_risk")
        milestone(project, planned=TODAY - DAY)
        book(project, expert, 120)
        projects.append(project)
    detect_for(projects, today=TODAY)
    assert Deviation.objects.filter(status="open").count() == 4 * 3
    with django_assert_num_queries(4):
        assert detect_for(projects, today=TODAY) == []


@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["book", "budget", "detect"]), st.integers(0, 30)), min_size=1, max_size=8
    )
)
def test_there_is_one_open_package_deviation_exactly_while_the_package_is_over_budget(
    customer: Any, project_manager: Any, steps: list[tuple[str, int]]
) -> None:
    with transaction.atomic():
        project = make_project(customer, project_manager, packages=[("Analyse", 20, 1000)])
        target = package(project)
        for action, amount in steps:
            if action == "book" and amount:
                book(project, project_manager, amount)
            elif action == "budget":
                ProjectPackage.objects.filter(pk=target.pk).update(budget_hours=amount)
            detect_deviations(project, today=TODAY)
            target.refresh_from_db()
            over = target.actual_hours > target.budget_hours
            assert Deviation.objects.filter(
                project=project, kind="package_over_budget", status="open"
            ).count() == (1 if over else 0)
        transaction.set_rollback(True)


def test_the_daily_scan_covers_running_projects_in_batches_of_constant_queries(
    customer: Any, project_manager: Any, expert: Any, django_assert_num_queries: Any
) -> None:
    from samspill.delivery.tasks import scan_running_projects

    running = []
    for n in range(5):
        project = make_project(customer, project_manager, title=f"Løpende {n}")
        milestone(project, planned=TODAY - DAY)
        running.append(project)
    closed = make_project(customer, project_manager, title="Lukket")
    milestone(closed, planned=TODAY - DAY)
    closed.status = "closed"
    closed.save()
    assert scan_running_projects(today=TODAY, batch=2) == 5
    assert not Deviation.objects.filter(project=closed).exists()
    # Nothing changed: each of the three batches reads its projects, packages, milestones and open
    # deviations (no opportunity, so no expectations), then for health its packages, open milestones,
    # latest reports and deviations raised by hand, inside a savepoint (two statements); one last read
    # finds no more projects.
    with django_assert_num_queries(3 * (4 + 4 + 2) + 1):
        assert scan_running_projects(today=TODAY, batch=2) == 0


def test_the_daily_scan_is_a_periodic_task(customer: Any, project_manager: Any) -> None:
    from samspill.delivery.tasks import scan_deviations
    from samspill.lib.registry import registry

    job = registry.periodic_jobs["delivery.scan_deviations"]
    assert job.every == datetime.timedelta(days=1)
    project = make_project(customer, project_manager)
    milestone(project, planned=datetime.date(2000, 1, 1))
    assert scan_deviations.call() == 1
