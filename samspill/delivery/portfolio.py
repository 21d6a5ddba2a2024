"""Reusable reads for the sales side: projects sorted by trouble, customers' agreements, start-page items.

Every list here is a fixed number of queries whatever the number of projects: the trouble of each
project (open deviations, expectations at risk or broken, change requests waiting, forecast vs.
baseline, next milestone) is computed by correlated subqueries in the one query that lists them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from samspill.customers.models import AgreementStatus, Customer, FrameworkAgreement
from samspill.delivery.actions.changes import WAITING, change_requests_visible_to
from samspill.delivery.actions.deviations import deviations_visible_to
from samspill.delivery.detection import TROUBLED_EXPECTATIONS, text_of
from samspill.delivery.models import (
    RUNNING,
    ChangeRequest,
    ChangeState,
    Deviation,
    DeviationStatus,
    Milestone,
    Project,
)
from samspill.pipeline.models import Expectation, Opportunity, Stage

START_ROWS = 5
MILESTONE_DAYS = 60
MILESTONES_PER_CUSTOMER = 4
CUSTOMERS_SHOWN = 50
ZERO = Decimal(0)


def _count(rows: QuerySet[Any], by: str) -> Coalesce:
    """The number of `rows` per outer row, as a correlated subquery (0 when there are none)."""
    counted = rows.order_by().values(by).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def expected_on() -> Coalesce:
    return Coalesce("forecast_on", "planned_on")


def with_trouble(rows: QuerySet[Project]) -> QuerySet[Project]:
    """Add each project's trouble to `rows`, and sort the most troubled first."""
    open_deviations = Deviation.objects.filter(project=OuterRef("pk"), status=DeviationStatus.OPEN)
    troubled = Expectation.objects.filter(
        opportunity=OuterRef("opportunity_id"), status__in=TROUBLED_EXPECTATIONS
    )
    waiting = ChangeRequest.objects.filter(project=OuterRef("pk"), state__in=WAITING)
    upcoming = (
        Milestone.objects.filter(project=OuterRef("pk"), done_on__isnull=True)
        .annotate(expected=expected_on())
        .order_by("expected", "pk")
    )
    latest = open_deviations.order_by("-created_at", "-pk")
    # In floating point: SQLite divides whole-number decimals as integers.
    forecast, budget = Cast("forecast_hours", FloatField()), Cast("budget_hours", FloatField())
    over = ExpressionWrapper((forecast - budget) * Value(100.0) / budget, output_field=FloatField())
    return (
        rows.select_related("customer", "manager", "seller")
        .annotate(
            open_deviations=_count(open_deviations, "project"),
            troubled_expectations=_count(troubled, "opportunity"),
            changes_waiting=_count(waiting, "project"),
            over_percent=Case(When(budget_hours__gt=0, then=over), default=None, output_field=FloatField()),
            next_milestone=Subquery(upcoming.values("name")[:1]),
            next_milestone_on=Subquery(upcoming.values("expected")[:1]),
            next_milestone_planned=Subquery(upcoming.values("planned_on")[:1]),
            top_deviation_kind=Subquery(latest.values("kind")[:1]),
            top_deviation_what=Subquery(latest.values("what")[:1]),
            top_deviation_numbers=Subquery(latest.values("numbers")[:1], output_field=JSONField()),
        )
        .order_by(
            F("open_deviations").desc(),
            F("troubled_expectations").desc(),
            F("changes_waiting").desc(),
            F("over_percent").desc(nulls_last=True),
            F("next_milestone_on").asc(nulls_last=True),
            "pk",
        )
    )


def my_customers_projects(user: Any) -> QuerySet[Project]:
    """The running projects of the customers `user` owns or sold that `user` sees, most troubled first."""
    # `customer__in` rather than `customer__account_owner`: the join would make the OR scan every
    # project of every customer; as two indexed conditions it reads only these projects.
    owned = Customer.objects.filter(account_owner=user).values("pk")
    rows = Project.objects.visible_to(user).running().filter(Q(customer__in=owned) | Q(seller=user))
    return with_trouble(rows)


def top_deviation(project: Project) -> str:
    """What the newest open deviation of an annotated project says, in the reader's language."""
    if not getattr(project, "top_deviation_kind", None):
        return ""
    row = Deviation(
        kind=project.top_deviation_kind,  # type: ignore[attr-defined]
        what=project.top_deviation_what or "",  # type: ignore[attr-defined]
        numbers=project.top_deviation_numbers or {},  # type: ignore[attr-defined]
    )
    return text_of(row)


def totals(rows: QuerySet[Project]) -> dict[str, int]:
    """The page's big numbers over every project in `rows`, in one query."""
    found = rows.order_by().aggregate(
        projects=Count("pk"),
        deviations=Sum("open_deviations"),
        expectations=Sum("troubled_expectations"),
        changes=Sum("changes_waiting"),
        in_trouble=Count("pk", filter=Q(open_deviations__gt=0) | Q(troubled_expectations__gt=0)),
    )
    return {k: int(v or 0) for k, v in found.items()}


# -- customers: agreements and upcoming milestones ---------------------------------------------------


@dataclass
class AgreementLine:
    """A framework agreement's use: won call-offs plus accepted change requests, against the ceiling."""

    agreement: FrameworkAgreement
    used: Decimal
    ends_soon: bool

    @property
    def used_percent(self) -> int:
        ceiling = self.agreement.ceiling
        if not ceiling:
            return 100 if self.used else 0
        return int(min(self.used / ceiling * 100, Decimal(999)))


@dataclass
class CustomerLine:
    customer: Customer
    agreements: list[AgreementLine] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)


def customers_of(
    user: Any, rows: QuerySet[Project], *, today: datetime.date | None = None
) -> list[CustomerLine]:
    """Each customer of `rows` with its active agreements and its coming milestones (five queries)."""
    today = today or timezone.localdate()
    customer_ids = rows.order_by().values("customer_id")
    customers = list(Customer.objects.filter(pk__in=customer_ids).order_by("name", "pk")[:CUSTOMERS_SHOWN])
    lines = {c.pk: CustomerLine(c) for c in customers}
    agreements = list(
        FrameworkAgreement.objects.filter(
            customer_id__in=list(lines), archived_at__isnull=True, status=AgreementStatus.ACTIVE
        ).order_by("ends_on", "pk")
    )
    used = _agreement_use(user, [a.pk for a in agreements])
    for agreement in agreements:
        ends_soon = agreement.ends_on <= today + datetime.timedelta(days=90)
        lines[agreement.customer_id].agreements.append(
            AgreementLine(agreement, used.get(agreement.pk, ZERO), ends_soon)
        )
    upcoming = (
        Milestone.objects.filter(project__in=rows.order_by().values("pk"), done_on__isnull=True)
        .annotate(expected=expected_on())
        .filter(expected__lte=today + datetime.timedelta(days=MILESTONE_DAYS))
        .select_related("project")
        .order_by("expected", "pk")
    )
    for milestone in upcoming:
        line = lines.get(milestone.project.customer_id)
        if line is not None and len(line.milestones) < MILESTONES_PER_CUSTOMER:
            line.milestones.append(milestone)
    return list(lines.values())


def _agreement_use(user: Any, agreement_ids: list[int]) -> dict[int, Decimal]:
    """Return what is used of each agreement, counted as `pipeline.queries.agreement_use` does it."""
    if not agreement_ids:
        return {}
    used: dict[int, Decimal] = defaultdict(lambda: ZERO)
    won = (
        Opportunity.objects.visible_to(user)
        .filter(agreement_id__in=agreement_ids, stage=Stage.WON)
        .order_by()
        .values("agreement_id")
        .annotate(total=Sum("value"))
    )
    for row in won:
        used[row["agreement_id"]] += row["total"] or ZERO
    accepted = (
        change_requests_visible_to(user)
        .filter(state=ChangeState.ACCEPTED, project__agreement_id__in=agreement_ids)
        .order_by()
        .values("project__agreement_id")
        .annotate(total=Sum("price"))
    )
    for change in accepted:
        used[change["project__agreement_id"]] += change["total"] or ZERO
    return dict(used)


# -- start page --------------------------------------------------------------------------------------


def deviations_for(user: Any) -> QuerySet[Deviation]:
    """Open deviations on the running projects `user` manages, sold or whose customer they own, or owns."""
    # The projects as a list of ids (each condition on its own index), not joins: an OR across joined
    # tables makes the database read every open deviation.
    owned = Customer.objects.filter(account_owner_id=user.pk).values("pk")
    projects = Project.objects.filter(
        Q(manager_id=user.pk) | Q(seller_id=user.pk) | Q(customer__in=owned)
    ).values("pk")
    return (
        deviations_visible_to(user)
        .filter(Q(project__in=projects) | Q(owner_id=user.pk), status=DeviationStatus.OPEN)
        .filter(project__status__in=RUNNING)
        .select_related("project", "project__customer")
        .order_by("-created_at", "-pk")
    )


def start_deviations(user: Any) -> dict[str, Any] | None:
    """The start item "Deviations on your projects and customers": the newest, and how many."""
    rows = deviations_for(user)
    first = list(rows[:START_ROWS])
    if not first:
        return None
    count = len(first) if len(first) < START_ROWS else rows.count()
    return {"deviations": [(d, text_of(d)) for d in first], "count": count}


def changes_waiting_for(user: Any) -> QuerySet[ChangeRequest]:
    """Sent change requests of the projects `user` sold or whose customer they own."""
    return (
        change_requests_visible_to(user)
        .filter(state__in=WAITING)
        .filter(Q(project__seller_id=user.pk) | Q(project__customer__account_owner_id=user.pk))
        .select_related("project", "project__customer")
        .order_by("sent_at", "pk")
    )


def start_changes(user: Any) -> dict[str, Any] | None:
    """The start item "Change requests waiting for the customer's answer"."""
    rows = changes_waiting_for(user)
    first = list(rows[:START_ROWS])
    if not first:
        return None
    count = len(first) if len(first) < START_ROWS else rows.count()
    return {"changes": first, "count": count}
