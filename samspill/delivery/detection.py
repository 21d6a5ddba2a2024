"""Deviation rules: forecast over baseline, late milestones, expectations at risk, packages over budget.

Each rule looks at one condition of a project and, while the condition holds, there is exactly one open
deviation for it: its `kind` and `subject` ("project", "package:12", "milestone:3", "expectation:7")
name the condition, and a unique constraint on open rows keeps a second one out even when two
actions race. When the condition ends, the deviation is closed with an event; when it comes back, a
new one opens. The row's `numbers` are kept current while it is open; its events keep the numbers as
they were when it opened and when it closed.

The rules, in plain words:

- forecast over baseline: the forecast at completion (actual + remaining, summed over the packages)
  exceeds the current baseline hours by at least `DEVIATION_THRESHOLD_PERCENT` (default 10) percent;
  a project with no baseline hours is not measured;
- milestone late: a milestone not yet reached is expected after its planned date. It is expected on
  its forecast date, else its planned date, and never before today: a milestone whose date has passed
  without being reached is late too;
- expectation at risk or broken: an expectation of the project's opportunity has that status;
- package over budget: more hours are booked on a work package than its budget.

`detect_deviations(project)` runs after every action that changes hours, progress, milestones,
the baseline or expectations; `detect_for(projects)` is the daily scan's batch, a constant number of
queries per batch plus one write per deviation opened, closed or changed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samspill.delivery import progress
from samspill.delivery.models import (
    Deviation,
    DeviationKind,
    DeviationStatus,
    Milestone,
    Project,
    ProjectPackage,
    ProjectStatus,
)
from samspill.lib import events
from samspill.lib.formatting import date as show_date
from samspill.lib.formatting import hours as show_hours
from samspill.lib.formatting import number
from samspill.pipeline.models import Expectation, ExpectationStatus

ZERO = Decimal(0)
HUNDRED = Decimal(100)
DEFAULT_THRESHOLD = Decimal(10)
TROUBLED_EXPECTATIONS = (ExpectationStatus.AT_RISK, ExpectationStatus.BROKEN)
AUTOMATIC_KINDS = tuple(k for k in DeviationKind.values if k != DeviationKind.MANUAL)


def threshold_percent() -> Decimal:
    """Return how many percent the forecast may exceed the baseline before it is a deviation."""
    value = getattr(settings, "DEVIATION_THRESHOLD_PERCENT", DEFAULT_THRESHOLD)
    try:
        threshold = Decimal(str(value))
    except ArithmeticError:
        return DEFAULT_THRESHOLD
    return threshold if threshold.is_finite() and threshold >= 0 else DEFAULT_THRESHOLD


@dataclass(frozen=True)
class Finding:
    """One condition that holds now: which rule, about what, and the numbers behind it."""

    kind: str
    subject: str
    numbers: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.subject)


# -- the rules: pure functions of plain rows ---------------------------------------------------------


def _one_decimal(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def package_forecast(package: ProjectPackage) -> Decimal:
    """Return a package's forecast at completion from its budget, actual hours and stated progress."""
    left = progress.remaining(
        package.budget_hours,
        package.actual_hours,
        remaining_hours=package.remaining_hours,
        percent_complete=package.percent_complete,
    )
    return progress.forecast_at_completion(package.actual_hours, left)


def forecast_over_baseline(packages: Sequence[ProjectPackage], threshold: Decimal) -> Finding | None:
    """The forecast at completion exceeds the baseline hours by at least `threshold` percent."""
    baseline = sum((p.budget_hours for p in packages), ZERO)
    forecast = sum((package_forecast(p) for p in packages), ZERO)
    if baseline <= 0 or forecast <= baseline:
        return None
    over = (forecast - baseline) * HUNDRED / baseline
    if over < threshold:
        return None
    return Finding(
        DeviationKind.FORECAST_OVER_BASELINE,
        "project",
        {
            "forecast_hours": _one_decimal(forecast),
            "baseline_hours": _one_decimal(baseline),
            "over_hours": _one_decimal(forecast - baseline),
            "over_percent": _one_decimal(over),
            "threshold_percent": _one_decimal(threshold),
        },
    )


def milestone_late(milestone: Milestone, today: datetime.date) -> Finding | None:
    """A milestone not reached is expected after its planned date (never earlier than today)."""
    if milestone.done_on is not None:
        return None
    expected = max(milestone.forecast_on or milestone.planned_on, today)
    days = (expected - milestone.planned_on).days
    if days <= 0:
        return None
    return Finding(
        DeviationKind.MILESTONE_LATE,
        f"milestone:{milestone.pk}",
        {
            "milestone": milestone.name,
            "planned_on": milestone.planned_on.isoformat(),
            "forecast_on": milestone.forecast_on.isoformat() if milestone.forecast_on else None,
            "expected_on": expected.isoformat(),
            "days_late": days,
            "overdue": milestone.planned_on < today and (milestone.forecast_on or today) <= today,
        },
    )


def expectation_in_trouble(expectation: Expectation) -> Finding | None:
    """An expectation of the project's opportunity is at risk or broken."""
    if expectation.status not in TROUBLED_EXPECTATIONS:
        return None
    return Finding(
        DeviationKind.EXPECTATION,
        f"expectation:{expectation.pk}",
        {
            "expectation": expectation.customer_words[:200],
            "expectation_status": expectation.status,
        },
    )


def package_over_budget(package: ProjectPackage) -> Finding | None:
    """More hours are booked on a work package than its budget."""
    if package.actual_hours <= package.budget_hours:
        return None
    over = package.actual_hours - package.budget_hours
    return Finding(
        DeviationKind.PACKAGE_OVER_BUDGET,
        f"package:{package.pk}",
        {
            "package": package.name,
            "actual_hours": _one_decimal(package.actual_hours),
            "budget_hours": _one_decimal(package.budget_hours),
            "over_hours": _one_decimal(over),
            "over_percent": (
                _one_decimal(over * HUNDRED / package.budget_hours) if package.budget_hours > 0 else None
            ),
        },
    )


def findings(
    packages: Sequence[ProjectPackage],
    milestones: Iterable[Milestone],
    expectations: Iterable[Expectation],
    *,
    today: datetime.date,
    threshold: Decimal | None = None,
) -> list[Finding]:
    """Return every condition that holds for one project's rows, in a stable order."""
    found: list[Finding | None] = [
        forecast_over_baseline(packages, threshold_percent() if threshold is None else threshold)
    ]
    found += [package_over_budget(p) for p in packages]
    found += [milestone_late(m, today) for m in milestones]
    found += [expectation_in_trouble(e) for e in expectations]
    return [f for f in found if f is not None]


# -- what a deviation says, in the reader's language -------------------------------------------------


def _h(value: Any) -> str:
    return show_hours(value) if value is not None else ""


def _d(value: Any) -> str:
    if not value:
        return ""
    return show_date(datetime.date.fromisoformat(value))


def describe(kind: str, numbers: dict[str, Any]) -> str:
    """Return an automatic deviation's numbers in plain words, in the active language."""
    n = numbers or {}
    if kind == DeviationKind.FORECAST_OVER_BASELINE:
        return _(
            "The forecast at completion is %(forecast)s against a baseline of %(baseline)s: "
            "%(over)s or %(percent)s %% over (the limit is %(threshold)s %%)."
        ) % {
            "forecast": _h(n.get("forecast_hours")),
            "baseline": _h(n.get("baseline_hours")),
            "over": _h(n.get("over_hours")),
            "percent": number(n.get("over_percent"), 1),
            "threshold": number(n.get("threshold_percent")),
        }
    if kind == DeviationKind.MILESTONE_LATE:
        if n.get("overdue"):
            return _(
                "The milestone «%(name)s» was planned for %(planned)s and is not reached: "
                "%(days)s days late so far."
            ) % {
                "name": n.get("milestone", ""),
                "planned": _d(n.get("planned_on")),
                "days": n.get("days_late"),
            }
        return _(
            "The milestone «%(name)s» is forecast for %(expected)s, "
            "%(days)s days after the planned %(planned)s."
        ) % {
            "name": n.get("milestone", ""),
            "expected": _d(n.get("expected_on")),
            "days": n.get("days_late"),
            "planned": _d(n.get("planned_on")),
        }
    if kind == DeviationKind.EXPECTATION:
        status = n.get("expectation_status")
        label = ExpectationStatus(status).label if status in ExpectationStatus.values else status
        return _("The customer's expectation «%(expectation)s» is %(status)s.") % {
            "expectation": n.get("expectation", ""),
            "status": str(label).lower(),
        }
    if kind == DeviationKind.PACKAGE_OVER_BUDGET:
        return _(
            "The work package «%(name)s» is %(over)s over its budget: %(actual)s booked of %(budget)s."
        ) % {
            "actual": _h(n.get("actual_hours")),
            "name": n.get("package", ""),
            "budget": _h(n.get("budget_hours")),
            "over": _h(n.get("over_hours")),
        }
    return ""


def text_of(deviation: Deviation) -> str:
    """Return what a deviation says: a rule's words in the reader's language, or what a person wrote."""
    if deviation.kind != DeviationKind.MANUAL:
        described = describe(deviation.kind, deviation.numbers)
        if described:
            return described
    return deviation.what


def _stored_text(kind: str, numbers: dict[str, Any]) -> str:
    # The stored text (search, API, exports) is in the site's language, whoever triggered the rule.
    with translation.override(settings.LANGUAGE_CODE):
        return describe(kind, numbers)


# -- applying the findings ---------------------------------------------------------------------------


@dataclass
class _Batch:
    packages: dict[int, list[ProjectPackage]] = field(default_factory=dict)
    milestones: dict[int, list[Milestone]] = field(default_factory=dict)
    expectations: dict[int, list[Expectation]] = field(default_factory=dict)
    open: dict[int, dict[tuple[str, str], Deviation]] = field(default_factory=dict)


def _load(projects: Sequence[Project]) -> _Batch:
    """Load what the rules read for every project in four queries."""
    ids = [p.pk for p in projects]
    batch = _Batch()
    for package in ProjectPackage.objects.filter(project_id__in=ids).order_by("project_id", "position", "pk"):
        batch.packages.setdefault(package.project_id, []).append(package)
    milestones = Milestone.objects.filter(project_id__in=ids, done_on__isnull=True).order_by(
        "planned_on", "pk"
    )
    for milestone in milestones:
        batch.milestones.setdefault(milestone.project_id, []).append(milestone)
    by_opportunity = {p.opportunity_id: p.pk for p in projects if p.opportunity_id}
    if by_opportunity:
        troubled = Expectation.objects.filter(
            opportunity_id__in=list(by_opportunity), status__in=TROUBLED_EXPECTATIONS
        ).only("pk", "opportunity_id", "status", "customer_words")
        for expectation in troubled:
            batch.expectations.setdefault(by_opportunity[expectation.opportunity_id], []).append(expectation)
    open_rows = Deviation.objects.filter(
        project_id__in=ids, status=DeviationStatus.OPEN, kind__in=AUTOMATIC_KINDS
    )
    for deviation in open_rows:
        batch.open.setdefault(deviation.project_id, {})[(deviation.kind, deviation.subject)] = deviation
    return batch


def detect_deviations(
    project: Project, *, by: Any = None, today: datetime.date | None = None
) -> list[Deviation]:
    """Open each deviation whose condition holds (once), close those whose condition ended.

    Return the deviations opened. Call it after `refresh_numbers`, inside the action's transaction.
    """
    return detect_for([project], by=by, today=today)


def detect_for(
    projects: Sequence[Project], *, by: Any = None, today: datetime.date | None = None
) -> list[Deviation]:
    """Run every rule over a batch of projects; return the deviations opened."""
    if not projects:
        return []
    today = today or timezone.localdate()
    threshold = threshold_percent()
    batch = _load(projects)
    opened: list[Deviation] = []
    for project in projects:
        if project.status == ProjectStatus.CLOSED:
            # A closed project's numbers are final: its rules' deviations close with it.
            opened += _apply(project, [], batch.open.get(project.pk, {}), by=by, project_closed=True)
            continue
        found = findings(
            batch.packages.get(project.pk, []),
            batch.milestones.get(project.pk, []),
            batch.expectations.get(project.pk, []),
            today=today,
            threshold=threshold,
        )
        opened += _apply(project, found, batch.open.get(project.pk, {}), by=by)
    return opened


def _apply(
    project: Project,
    found: list[Finding],
    open_rows: dict[tuple[str, str], Deviation],
    *,
    by: Any,
    project_closed: bool = False,
) -> list[Deviation]:
    holding = {f.key: f for f in found}
    opened = []
    for key, finding in holding.items():
        existing = open_rows.get(key)
        if existing is None:
            created = _open(project, finding, by=by)
            if created is not None:
                opened.append(created)
        elif existing.numbers != finding.numbers:
            _refresh(existing, finding)
    for key, deviation in open_rows.items():
        if key not in holding:
            _close_ended(project, deviation, by=by, project_closed=project_closed)
    return opened


def _open(project: Project, finding: Finding, *, by: Any) -> Deviation | None:
    """Record a new condition; None when a concurrent action recorded it first."""
    try:
        with transaction.atomic():  # a savepoint: losing the race must not undo the caller's work
            deviation = Deviation.objects.create(
                project=project,
                kind=finding.kind,
                subject=finding.subject,
                what=_stored_text(finding.kind, finding.numbers),
                owner_id=project.manager_id,
                numbers=finding.numbers,
                raised_by=by if getattr(by, "is_authenticated", False) else None,
            )
            events.append_event(
                verb="deviation.detected",
                target=deviation,
                by=by,
                context=project,
                data={"kind": finding.kind, "subject": finding.subject, "numbers": finding.numbers},
            )
    except IntegrityError:
        return None
    return deviation


def _refresh(deviation: Deviation, finding: Finding) -> None:
    """Keep an open deviation's numbers current while its condition lasts (no event: it is the same one)."""
    what = _stored_text(finding.kind, finding.numbers)
    Deviation.objects.filter(pk=deviation.pk, status=DeviationStatus.OPEN).update(
        numbers=finding.numbers, what=what, updated_at=timezone.now()
    )
    deviation.numbers, deviation.what = finding.numbers, what


def _close_ended(project: Project, deviation: Deviation, *, by: Any, project_closed: bool = False) -> None:
    """Close a deviation whose condition no longer holds, once, whoever gets there first."""
    with translation.override(settings.LANGUAGE_CODE):
        if project_closed:
            resolution = _("Closed automatically: the project is closed.")
        else:
            resolution = _("Closed automatically: the condition no longer holds.")
    now = timezone.now()
    with transaction.atomic():
        closed = Deviation.objects.filter(pk=deviation.pk, status=DeviationStatus.OPEN).update(
            status=DeviationStatus.CLOSED,
            closed_at=now,
            resolution=resolution,
            version=F("version") + 1,
            updated_at=now,
        )
        if not closed:
            return
        deviation.status, deviation.closed_at, deviation.resolution = DeviationStatus.CLOSED, now, resolution
        deviation.version += 1
        events.append_event(
            verb="deviation.closed",
            target=deviation,
            by=by,
            context=project,
            changes={
                "status": {
                    "before": DeviationStatus.OPEN,
                    "after": DeviationStatus.CLOSED,
                    "before_text": str(DeviationStatus.OPEN.label),
                    "after_text": str(DeviationStatus.CLOSED.label),
                }
            },
            data={"automatic": True, "numbers": deviation.numbers},
        )
