"""The numbers of one project, read in a fixed number of queries: for its page, the API and closing.

`progress` does the arithmetic; this module loads the rows it needs: work packages, time booked per
package, per person's cost rate and per week, milestones, the opportunity's expectations, the latest
status report and open deviations.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from samspill.delivery import progress
from samspill.delivery.models import (
    Deviation,
    DeviationKind,
    DeviationStatus,
    Milestone,
    Project,
    ProjectPackage,
    StatusReport,
    TimeEntry,
)
from samspill.pipeline.models import Expectation, ExpectationStatus

ZERO = Decimal(0)
DEFAULT_THRESHOLD = Decimal(10)
TROUBLED = (ExpectationStatus.AT_RISK, ExpectationStatus.BROKEN)
# The burn chart shows at most this many weeks (three years); longer projects show their last weeks.
MAX_WEEKS = 156


def monday(day: datetime.date) -> datetime.date:
    """Return the Monday of `day`'s ISO week."""
    return day - datetime.timedelta(days=day.weekday())


def threshold_percent() -> Decimal:
    """How many percent over the baseline the forecast may go before the project is red."""
    from django.conf import settings

    try:
        value = Decimal(str(getattr(settings, "DEVIATION_THRESHOLD_PERCENT", DEFAULT_THRESHOLD)))
    except ArithmeticError:
        return DEFAULT_THRESHOLD
    return value if value.is_finite() and value >= 0 else DEFAULT_THRESHOLD


@dataclass
class PackageFigures:
    """One work package's numbers: sold, budget, booked, to go, forecast and earned value."""

    package: ProjectPackage
    plan: progress.PackagePlan
    billable_hours: Decimal = ZERO
    cost: Decimal = ZERO

    @property
    def actual(self) -> Decimal:
        return self.plan.actual_hours

    @property
    def left(self) -> Decimal:
        return self.plan.left

    @property
    def forecast(self) -> Decimal:
        return self.plan.forecast

    @property
    def variance(self) -> Decimal:
        """Forecast minus budget: positive is an overrun."""
        return self.forecast - self.package.budget_hours

    @property
    def percent(self) -> int:
        return progress.percent(self.plan.share)

    @property
    def earned(self) -> Decimal:
        return self.plan.earned

    @property
    def actual_over_sold(self) -> Decimal | None:
        """Percent the hours booked are over (negative: under) what was sold."""
        return progress.over_percent(self.actual, self.package.sold_hours)

    @property
    def over_budget(self) -> bool:
        return self.package.budget_hours > 0 and self.actual > self.package.budget_hours

    @property
    def stated(self) -> str:
        """Which progress was given: "remaining", "percent" or "" (none: the package follows its budget)."""
        if self.package.remaining_hours is not None:
            return "remaining"
        if self.package.percent_complete is not None:
            return "percent"
        return ""


@dataclass
class MarginFigures:
    """Sold and forecast margin in kroner, and how they were reached."""

    sold: progress.Margin
    forecast: progress.Margin
    cost_to_date: Decimal
    revenue_to_date: Decimal
    average_cost_rate: Decimal
    contract_type: str

    @property
    def change(self) -> Decimal:
        return self.forecast.amount - self.sold.amount


@dataclass
class ProjectFigures:
    project: Project
    today: datetime.date
    packages: list[PackageFigures]
    milestones: list[Milestone]
    health: progress.Assessment
    earned: progress.EarnedValue
    margin: MarginFigures
    weekly_hours: dict[datetime.date, Decimal] = field(default_factory=dict)
    threshold: Decimal = DEFAULT_THRESHOLD
    latest_report: StatusReport | None = None

    @property
    def sold_hours(self) -> Decimal:
        return sum((p.package.sold_hours for p in self.packages), ZERO)

    @property
    def sold_amount(self) -> Decimal:
        return sum((p.package.sold_amount for p in self.packages), ZERO)

    @property
    def budget_hours(self) -> Decimal:
        return sum((p.package.budget_hours for p in self.packages), ZERO)

    @property
    def budget_amount(self) -> Decimal:
        return sum((p.package.budget_amount for p in self.packages), ZERO)

    @property
    def actual_hours(self) -> Decimal:
        return sum((p.actual for p in self.packages), ZERO)

    @property
    def remaining_hours(self) -> Decimal:
        return sum((p.left for p in self.packages), ZERO)

    @property
    def forecast_hours(self) -> Decimal:
        return sum((p.forecast for p in self.packages), ZERO)

    @property
    def over_sold(self) -> Decimal | None:
        """Percent the forecast is over (negative: under) what was sold."""
        return progress.over_percent(self.forecast_hours, self.sold_hours)

    @property
    def actual_over_sold(self) -> Decimal | None:
        return progress.over_percent(self.actual_hours, self.sold_hours)

    @property
    def over_baseline(self) -> Decimal | None:
        return progress.over_percent(self.forecast_hours, self.budget_hours)

    @property
    def over_sold_hours(self) -> Decimal:
        """Forecast minus what was sold, in hours: positive is an overrun."""
        return self.forecast_hours - self.sold_hours

    @property
    def over_baseline_hours(self) -> Decimal:
        return self.forecast_hours - self.budget_hours

    @property
    def booked_percent(self) -> int:
        """Booked hours as a share of the forecast at completion, for a progress bar."""
        forecast = self.forecast_hours
        return progress.percent(min(self.actual_hours / forecast, progress.ONE)) if forecast > 0 else 0

    @property
    def trend(self) -> str:
        """The forecast against the baseline: "red" at the threshold or over, "amber" over, else "green"."""
        over = self.over_baseline
        if over is None or over <= 0:
            return "green"
        return "red" if over >= self.threshold else "amber"

    @property
    def baseline_moved(self) -> bool:
        return self.budget_hours != self.sold_hours

    @property
    def percent_done(self) -> int:
        return progress.percent(self.earned.share_done)

    @property
    def next_milestone(self) -> Milestone | None:
        return next((m for m in self.milestones if m.done_on is None), None)


def milestone_is_late(milestone: Milestone, today: datetime.date) -> bool:
    """Not reached and expected after its planned date; a passed planned date counts as late."""
    if milestone.done_on is not None:
        return milestone.done_on > milestone.planned_on
    expected = max(milestone.forecast_on or milestone.planned_on, today)
    return expected > milestone.planned_on


def _plan(package: ProjectPackage, project: Project, actual: Decimal) -> progress.PackagePlan:
    return progress.PackagePlan(
        budget_hours=package.budget_hours,
        actual_hours=actual,
        remaining_hours=package.remaining_hours,
        percent_complete=package.percent_complete,
        starts_on=package.starts_on or project.starts_on,
        ends_on=package.ends_on or project.ends_on,
    )


def package_figures(project: Project, packages: list[ProjectPackage] | None = None) -> list[PackageFigures]:
    """Return each package's numbers; hours, billable hours and cost come from one aggregate query."""
    if packages is None:
        packages = list(ProjectPackage.objects.filter(project=project).order_by("position", "pk"))
    booked: dict[int, dict[str, Decimal]] = {}
    rows = (
        TimeEntry.objects.filter(project=project)
        .values("package_id", "person__cost_rate")
        .annotate(booked=Sum("hours"), billable_hours=Sum("hours", filter=Q(billable=True)))
        .order_by()
    )
    for row in rows:
        found = booked.setdefault(row["package_id"], {"hours": ZERO, "billable": ZERO, "cost": ZERO})
        hours = row["booked"] or ZERO
        found["hours"] += hours
        found["billable"] += row["billable_hours"] or ZERO
        found["cost"] += hours * (row["person__cost_rate"] or ZERO)
    result = []
    for package in packages:
        found = booked.get(package.pk, {})
        result.append(
            PackageFigures(
                package=package,
                plan=_plan(package, project, found.get("hours", ZERO)),
                billable_hours=found.get("billable", ZERO),
                cost=found.get("cost", ZERO),
            )
        )
    return result


def weekly_hours(project: Project) -> dict[datetime.date, Decimal]:
    """Return the hours booked per ISO week (its Monday), from one aggregate query.

    The database sums per day and the weeks are added up here: truncating dates to weeks runs as a
    Python function per row on SQLite, grouping by the date column does not.
    """
    rows = (
        TimeEntry.objects.filter(project=project)
        .values("date")
        .annotate(booked=Sum("hours"))
        .order_by("date")
    )
    found: dict[datetime.date, Decimal] = {}
    for row in rows:
        week = monday(row["date"])
        found[week] = found.get(week, ZERO) + (row["booked"] or ZERO)
    return found


def margin_figures(
    project: Project, packages: list[PackageFigures], fallback_cost_rate: Decimal
) -> MarginFigures:
    """Sold and forecast margin.

    Cost is the hours × each person's cost rate; the hours still to go cost the average rate booked so
    far (the team's average before anything is booked), and so do the sold hours, so sold and forecast
    differ only by hours and revenue. Revenue is the sold price for a fixed price; for time and
    materials the billable hours × the package's hourly rate (the hours to go counted as billable),
    at most the price when capped.
    """
    actual = sum((p.actual for p in packages), ZERO)
    cost_to_date = sum((p.cost for p in packages), ZERO)
    rate = progress.average_rate(cost_to_date, actual, fallback_cost_rate)
    billable_to_date = sum((p.billable_hours * p.package.hourly_rate for p in packages), ZERO)
    billable_at_completion = billable_to_date + sum((p.left * p.package.hourly_rate for p in packages), ZERO)
    sold_hours = sum((p.package.sold_hours for p in packages), ZERO)
    sold_amount = sum((p.package.sold_amount for p in packages), ZERO)
    price = project.price or ZERO
    sold_revenue = price if price > 0 else sold_amount
    forecast_cost = cost_to_date + sum((p.left for p in packages), ZERO) * rate
    contract = project.contract_type
    return MarginFigures(
        sold=progress.margin(sold_revenue, sold_hours * rate),
        forecast=progress.margin(
            progress.revenue(contract, sold_revenue, billable_at_completion), forecast_cost
        ),
        cost_to_date=cost_to_date,
        revenue_to_date=billable_to_date,
        average_cost_rate=rate,
        contract_type=contract,
    )


def health_of(
    project: Project,
    packages: list[PackageFigures],
    milestones: list[Milestone],
    *,
    today: datetime.date,
    threshold: Decimal,
    latest_report: StatusReport | None,
    expectations: list[Expectation] | None = None,
    manual_deviations: int | None = None,
) -> progress.Assessment:
    """Return the project's health; loads the expectations and hand-raised deviations when not given."""
    if expectations is None:
        expectations = troubled_expectations(project)
    if manual_deviations is None:
        manual_deviations = Deviation.objects.filter(
            project=project, status=DeviationStatus.OPEN, kind=DeviationKind.MANUAL
        ).count()
    return progress.assess_health(
        forecast=sum((p.forecast for p in packages), ZERO),
        baseline=sum((p.package.budget_hours for p in packages), ZERO),
        threshold=threshold,
        reported=latest_report.health if latest_report else None,
        reported_comment=latest_report.comment if latest_report else "",
        late=[
            progress.LateMilestone(m.name, m.planned_on, max(m.forecast_on or m.planned_on, today))
            for m in milestones
            if m.done_on is None and milestone_is_late(m, today)
        ],
        expectations=[progress.TroubledExpectation(e.customer_words, e.status) for e in expectations],
        packages_over=[
            progress.PackageOver(p.package.name, p.actual, p.package.budget_hours)
            for p in packages
            if p.over_budget
        ],
        manual_deviations=manual_deviations,
    )


def healths(projects: list[Project], *, today: datetime.date) -> dict[int, progress.Assessment]:
    """Return the health of each of a batch of projects on `today`, in five queries whatever their number.

    The hours are the packages' stored actual hours, which every action that books or changes hours keeps
    current; what changes with the date alone is which milestones are late.
    """
    ids = [p.pk for p in projects]
    packages: dict[int, list[ProjectPackage]] = {}
    for package in ProjectPackage.objects.filter(project_id__in=ids).order_by("position", "pk"):
        packages.setdefault(package.project_id, []).append(package)
    milestones: dict[int, list[Milestone]] = {}
    for milestone in Milestone.objects.filter(project_id__in=ids, done_on__isnull=True).order_by(
        "planned_on", "pk"
    ):
        milestones.setdefault(milestone.project_id, []).append(milestone)
    reports = {r.project_id: r for r in _latest_reports(ids)}
    troubled = _troubled_by_project(projects)
    manual = dict(
        Deviation.objects.filter(project_id__in=ids, status=DeviationStatus.OPEN, kind=DeviationKind.MANUAL)
        .values_list("project_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    threshold = threshold_percent()
    return {
        project.pk: health_of(
            project,
            [
                PackageFigures(package=package, plan=_plan(package, project, package.actual_hours))
                for package in packages.get(project.pk, [])
            ],
            milestones.get(project.pk, []),
            today=today,
            threshold=threshold,
            latest_report=reports.get(project.pk),
            expectations=troubled.get(project.pk, []),
            manual_deviations=manual.get(project.pk, 0),
        )
        for project in projects
    }


def _latest_reports(ids: list[int]) -> Any:
    """Each project's latest status report, one query."""
    latest = StatusReport.objects.filter(project=OuterRef("project_id")).order_by(
        "-week", "-created_at", "-pk"
    )
    return StatusReport.objects.filter(project_id__in=ids, pk=Subquery(latest.values("pk")[:1])).only(
        "pk", "project_id", "health", "comment"
    )


def _troubled_by_project(projects: list[Project]) -> dict[int, list[Expectation]]:
    """The expectations at risk or broken of each project's opportunity, one query."""
    by_opportunity = {p.opportunity_id: p.pk for p in projects if p.opportunity_id}
    if not by_opportunity:
        return {}
    found: dict[int, list[Expectation]] = {}
    rows = Expectation.objects.filter(opportunity_id__in=list(by_opportunity), status__in=TROUBLED)
    for expectation in rows.order_by("position", "pk"):
        found.setdefault(by_opportunity[expectation.opportunity_id], []).append(expectation)
    return found


def troubled_expectations(project: Project) -> list[Expectation]:
    if not project.opportunity_id:
        return []
    return list(
        Expectation.objects.filter(opportunity_id=project.opportunity_id, status__in=TROUBLED).order_by(
            "position", "pk"
        )
    )


def latest_report(project: Project) -> StatusReport | None:
    return (
        StatusReport.objects.filter(project=project)
        .select_related("author")
        .order_by("-week", "-created_at", "-pk")
        .first()
    )


def figures(
    project: Project,
    *,
    today: datetime.date | None = None,
    expectations: list[Expectation] | None = None,
    manual_deviations: int | None = None,
    fallback_cost_rate: Decimal | None = None,
) -> ProjectFigures:
    """Return every number of the project's page in a fixed number of queries."""
    today = today or timezone.localdate()
    threshold = threshold_percent()
    packages = package_figures(project)
    milestones = list(Milestone.objects.filter(project=project).order_by("planned_on", "position", "pk"))
    report = latest_report(project)
    troubled = None if expectations is None else [e for e in expectations if e.status in TROUBLED]
    if fallback_cost_rate is None:
        fallback_cost_rate = team_cost_rate(project)
    # A closed project's numbers are as they were on the day it closed.
    on = project.closed_on if project.is_closed and project.closed_on else today
    return ProjectFigures(
        project=project,
        today=today,
        packages=packages,
        milestones=milestones,
        health=health_of(
            project,
            packages,
            milestones,
            today=today,
            threshold=threshold,
            latest_report=report,
            expectations=troubled,
            manual_deviations=manual_deviations,
        ),
        earned=progress.earned_value([p.plan for p in packages], on),
        margin=margin_figures(project, packages, fallback_cost_rate),
        weekly_hours=weekly_hours(project),
        threshold=threshold,
        latest_report=report,
    )


def team_cost_rate(project: Project) -> Decimal:
    """The average cost rate of the project's team: what hours cost before any are booked."""
    from django.db.models import Avg

    from samspill.delivery.models import ProjectMember

    found = ProjectMember.objects.filter(project=project, person__cost_rate__gt=0).aggregate(
        rate=Avg("person__cost_rate")
    )["rate"]
    return Decimal(str(found)) if found is not None else ZERO


# -- the burn chart --------------------------------------------------------------------------------


def burn_chart(numbers: ProjectFigures) -> dict[str, Any] | None:
    """Cumulative hours per week: the baseline's plan, what was booked, and the forecast to the end.

    None when there is nothing to draw: no planned dates and no hours booked.
    """
    project = numbers.project
    plans = [p.plan for p in numbers.packages]
    starts = [p.starts_on for p in plans if p.starts_on] + list(numbers.weekly_hours)[:1]
    if project.starts_on:
        starts.append(project.starts_on)
    if not starts:
        return None
    this_week = monday(numbers.today if not project.is_closed else (project.closed_on or numbers.today))
    ends = [p.ends_on for p in plans if p.ends_on] + list(numbers.weekly_hours)[-1:] + [this_week]
    if project.ends_on:
        ends.append(project.ends_on)
    first = monday(min(starts))
    plan_end = monday(max(ends))
    forecast_end = plan_end if plan_end > this_week else this_week + datetime.timedelta(weeks=1)
    last = max(plan_end, forecast_end)
    weeks = _weeks(first, last)
    if len(weeks) > MAX_WEEKS:
        weeks = weeks[-MAX_WEEKS:]
    booked_before = sum((h for w, h in numbers.weekly_hours.items() if w < weeks[0]), ZERO)
    cumulative = booked_before
    actual: list[float | None] = []
    planned: list[float | None] = []
    for week in weeks:
        sunday = week + datetime.timedelta(days=6)
        planned.append(_f(sum((p.planned(sunday) for p in plans), ZERO)) if _has_plan(plans) else None)
        if week <= this_week:
            cumulative += numbers.weekly_hours.get(week, ZERO)
            actual.append(_f(cumulative))
        else:
            actual.append(None)
    forecast = _forecast_line(weeks, this_week, forecast_end, cumulative, numbers.forecast_hours)
    return {
        "labels": [w.strftime("%d.%m.%y") for w in weeks],
        "weeks": [w.strftime("%G-W%V") for w in weeks],
        "planned": planned,
        "actual": actual,
        "forecast": forecast if not project.is_closed else [None] * len(weeks),
        "sold": _f(numbers.sold_hours),
        "baseline": _f(numbers.budget_hours),
        "today_index": weeks.index(this_week) if this_week in weeks else None,
    }


def _has_plan(plans: list[progress.PackagePlan]) -> bool:
    return any(p.starts_on and p.ends_on for p in plans)


def _weeks(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    count = (last - first).days // 7 + 1
    return [first + datetime.timedelta(weeks=i) for i in range(max(count, 1))]


def _forecast_line(
    weeks: list[datetime.date],
    this_week: datetime.date,
    end: datetime.date,
    booked: Decimal,
    forecast: Decimal,
) -> list[float | None]:
    """A straight line from what is booked this week to the forecast at completion at the planned end."""
    span = max((end - this_week).days // 7, 1)
    line: list[float | None] = []
    for week in weeks:
        if week < this_week or week > end:
            line.append(None)
            continue
        step = Decimal((week - this_week).days // 7) / Decimal(span)
        line.append(_f(booked + (forecast - booked) * step))
    return line


def _f(value: Decimal) -> float:
    return float(round(value, 1))
