"""What projects add to shared pages, search, feeds and access.

- the customer page lists the customer's running projects with their health and the expectations at
  risk or broken, and the past ones with the customer's satisfaction and the overrun against what
  was sold;
- a project's feed includes the events of its packages, milestones, status reports, expectations,
  team, approved weeks and retrospective (their context is the project), but not single time entries;
- search covers projects, each only for who may see it;
- documents in a project's workspace follow the project's access.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from samspill.activity.feeds import within
from samspill.customers.models import Customer
from samspill.delivery import progress
from samspill.delivery.access import can_change_project, can_create_project
from samspill.delivery.figures import TROUBLED
from samspill.delivery.models import Health, Project, ProjectStatus
from samspill.delivery.registrations.time import ENTRY_VERBS
from samspill.lib import registry
from samspill.pipeline.models import Expectation, Opportunity

PANEL_ROWS = 8
PAST_ROWS = 5
PERCENT = DecimalField(max_digits=12, decimal_places=1)
HEALTH_RANK = Case(
    When(health=Health.RED, then=Value(2)),
    When(health=Health.AMBER, then=Value(1)),
    default=Value(0),
    output_field=IntegerField(),
)


def _troubled_count() -> Coalesce:
    rows = (
        Expectation.objects.filter(opportunity=OuterRef("opportunity_id"), status__in=TROUBLED)
        .order_by()
        .values("opportunity")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _customer_panel(request: HttpRequest, customer: Customer) -> dict[str, Any] | None:
    """Running projects with their health, and past ones with satisfaction and overrun (three queries)."""
    rows = Project.objects.visible_to(request.user).filter(customer=customer)
    counts = rows.order_by().aggregate(
        running=Count("pk", filter=~Q(status=ProjectStatus.CLOSED)),
        closed=Count("pk", filter=Q(status=ProjectStatus.CLOSED)),
        red=Count("pk", filter=~Q(status=ProjectStatus.CLOSED) & Q(health=Health.RED)),
    )
    over = ExpressionWrapper(
        (F("actual_hours") - F("budget_hours")) * Value(Decimal(100)) / F("budget_hours"),
        output_field=PERCENT,
    )
    running = list(
        rows.running()
        .select_related("manager")
        .annotate(troubled=_troubled_count(), health_rank=HEALTH_RANK)
        .order_by("-health_rank", "-troubled", F("ends_on").asc(nulls_last=True), "pk")[:PANEL_ROWS]
    )
    past = list(
        rows.filter(status=ProjectStatus.CLOSED)
        .annotate(overrun=Case(When(budget_hours__gt=0, then=over), default=None, output_field=PERCENT))
        .order_by("-closed_on", "-pk")[:PAST_ROWS]
    )
    return {
        "customer": customer,
        "counts": counts,
        "running": running,
        "past": past,
        "can_create": can_create_project(request.user),
    }


registry.register_panel(
    Customer,
    key="delivery.projects",
    template="delivery/panel_customer.html",
    context=_customer_panel,
    order=20,
)


def _opportunity_panel(request: HttpRequest, opportunity: Opportunity) -> dict[str, Any] | None:
    """The won opportunity's project, so the sales side follows how the delivery goes (one query)."""
    project = (
        Project.objects.visible_to(request.user)
        .filter(opportunity=opportunity)
        .select_related("manager")
        .first()
    )
    if project is None:
        return None
    return {"project": project, "over": progress.over_percent(project.forecast_hours, project.budget_hours)}


registry.register_panel(
    Opportunity,
    key="delivery.project",
    template="delivery/panel_opportunity.html",
    context=_opportunity_panel,
    order=5,
)


def _project_feed(project: Any) -> Q:
    """The events within the project, but for single time entries (see registrations.time)."""
    return within(project) & ~Q(verb__in=ENTRY_VERBS)


registry.register_feed_source(Project, _project_feed)


def _can_change(user: Any, project: Any) -> bool:
    # A closed project's numbers are final, but its workspace still takes the final report.
    return can_change_project(user, project)


registry.register_access(
    Project, visible_to=lambda user: Project.objects.visible_to(user), can_change=_can_change
)

registry.register_search_source(
    registry.SearchSource(
        key="projects",
        label=_("Projects"),
        model=Project,
        fields=("title", "description", "customer.name"),
        visible_to=lambda user: Project.objects.visible_to(user),
        title="title",
        customer="customer_id",
        date="updated_at",
        select_related=("customer",),
        icon="briefcase",
    )
)

registry.register_verbs(
    {
        "project.created": _("%(actor)s started the project %(object)s"),
        "project.updated": _("%(actor)s changed the project %(object)s"),
        "project.status_set": _("%(actor)s changed the status of %(object)s"),
        "project.closed": _("%(actor)s closed the project %(object)s"),
        "project.staffing_set": _("%(actor)s changed the staffing plan of %(object)s"),
        "project.member_added": _("%(actor)s put %(object)s on the team"),
        "project.member_removed": _("%(actor)s took %(object)s off the team"),
        "package.progress_set": _("%(actor)s updated the progress of %(object)s"),
        "milestone.created": _("%(actor)s added the milestone %(object)s"),
        "milestone.updated": _("%(actor)s changed the milestone %(object)s"),
        "milestone.removed": _("%(actor)s removed the milestone %(object)s"),
        "status_report.created": _("%(actor)s wrote the status report %(object)s"),
        "expectation.status_set": _("%(actor)s set the status of the expectation “%(object)s”"),
        "retrospective.updated": _("%(actor)s changed the retrospective of %(object)s"),
    }
)
