"""Actions on projects: start one from a won opportunity or by hand, and keep its numbers current."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from samspill.delivery import progress
from samspill.delivery.models import (
    Baseline,
    BaselinePackage,
    BaselineSource,
    Project,
    ProjectMember,
    ProjectPackage,
    ProjectRole,
    ProjectStatus,
    TimeEntry,
)
from samspill.lib import events
from samspill.lib.errors import InvalidInput, RuleBroken
from samspill.pipeline.models import Opportunity, Stage, TeamRole

ZERO = Decimal(0)


def create_project_from_opportunity(opportunity: Opportunity, *, manager: Any, by: Any) -> Project:
    """Start the project of a won opportunity: its sold estimate's packages become baseline version 1.

    The opportunity's team joins the project (the project manager as such, the seller as seller, the
    others as members). Call inside the handover's transaction; a second project is refused.
    """
    if opportunity.stage != Stage.WON:
        raise RuleBroken(_("Only a won opportunity becomes a project."))
    if Project.objects.filter(opportunity=opportunity).exists():
        raise RuleBroken(_("This opportunity already has a project."))
    estimate = opportunity.sold_estimate
    with transaction.atomic():
        project = Project.objects.create(
            customer_id=opportunity.customer_id,
            opportunity=opportunity,
            agreement_id=opportunity.agreement_id,
            title=opportunity.title,
            description=opportunity.description,
            project_type=opportunity.project_type,
            contract_type=opportunity.contract_type,
            tags=list(opportunity.tags or []),
            price=estimate.price if estimate is not None and estimate.price else opportunity.value,
            manager=manager,
            seller=opportunity.owner,
            confidential=opportunity.confidential,
            starts_on=opportunity.expected_start,
            ends_on=_end(opportunity),
            status=ProjectStatus.PLANNED,
            created_by=by,
        )
        project.skills.set(opportunity.required_skills.all())
        _join_team(project, opportunity, manager)
        packages = []
        if estimate is not None:
            for sold in estimate.packages.order_by("position", "pk").prefetch_related("skills"):
                package = ProjectPackage.objects.create(
                    project=project,
                    position=sold.position,
                    name=sold.name,
                    description=sold.description,
                    role=sold.role,
                    estimate_package=sold,
                    hourly_rate=sold.hourly_rate or ZERO,
                    sold_hours=sold.expected_hours,
                    sold_amount=sold.amount,
                    budget_hours=sold.expected_hours,
                    budget_amount=sold.amount,
                    starts_on=project.starts_on,
                    ends_on=project.ends_on,
                )
                package.skills.set(sold.skills.all())
                packages.append(package)
        _first_baseline(project, packages, source=BaselineSource.SOLD, estimate=estimate, by=by)
        refresh_numbers(project)
        events.append_event(verb="project.created", target=project, by=by, context=opportunity)
    return project


def create_project(
    fields: Mapping[str, Any],
    *,
    by: Any,
    packages: Iterable[Mapping[str, Any]] = (),
    members: Iterable[tuple[Any, str]] = (),
) -> Project:
    """Start a project by hand, for work that never went through sales; `packages` are its baseline."""
    values = dict(fields)
    errors: dict[str, list[str]] = {}
    if not values.get("customer"):
        errors["customer"] = [_("Choose the customer.")]
    if not (values.get("title") or "").strip():
        errors["title"] = [_("Give the project a title.")]
    if not values.get("manager"):
        errors["manager"] = [_("Choose the project manager.")]
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        project = Project.objects.create(**values, created_by=by)
        ProjectMember.objects.create(
            project=project, person=project.manager, role=ProjectRole.PROJECT_MANAGER
        )
        for person, role in members:
            ProjectMember.objects.get_or_create(project=project, person=person, defaults={"role": role})
        created = []
        for position, given in enumerate(packages):
            hours = Decimal(given.get("hours") or 0)
            rate = Decimal(given.get("hourly_rate") or 0)
            created.append(
                ProjectPackage.objects.create(
                    project=project,
                    position=position,
                    name=given["name"],
                    role=given.get("role") or "expert",
                    hourly_rate=rate,
                    sold_hours=hours,
                    sold_amount=hours * rate,
                    budget_hours=hours,
                    budget_amount=hours * rate,
                    starts_on=project.starts_on,
                    ends_on=project.ends_on,
                )
            )
        _first_baseline(project, created, source=BaselineSource.MANUAL, estimate=None, by=by)
        refresh_numbers(project)
        events.append_event(verb="project.created", target=project, by=by)
    return project


def refresh_numbers(project: Project) -> Project:
    """Recompute each package's actual hours and the project's actual, forecast and baseline totals.

    Called by every action that changes hours, progress or the baseline, so lists can sort by forecast
    vs. baseline in one query. Returns the project with the new totals saved.
    """
    actual_by_package = dict(
        TimeEntry.objects.filter(project=project)
        .values_list("package_id")
        .annotate(total=Sum("hours"))
        .values_list("package_id", "total")
    )
    actual = forecast = budget_hours = budget_amount = ZERO
    for package in ProjectPackage.objects.filter(project=project):
        spent = actual_by_package.get(package.pk) or ZERO
        if package.actual_hours != spent:
            package.actual_hours = spent
            package.save(update_fields=["actual_hours"])
        left = progress.remaining(
            package.budget_hours,
            spent,
            remaining_hours=package.remaining_hours,
            percent_complete=package.percent_complete,
        )
        actual += spent
        forecast += progress.forecast_at_completion(spent, left)
        budget_hours += package.budget_hours
        budget_amount += package.budget_amount
    Project.objects.filter(pk=project.pk).update(
        actual_hours=actual, forecast_hours=forecast, budget_hours=budget_hours, budget_amount=budget_amount
    )
    project.actual_hours, project.forecast_hours = actual, forecast
    project.budget_hours, project.budget_amount = budget_hours, budget_amount
    return project


def _end(opportunity: Opportunity) -> Any:
    import datetime

    if opportunity.expected_start and opportunity.duration_weeks:
        return opportunity.expected_start + datetime.timedelta(weeks=opportunity.duration_weeks)
    return None


def _join_team(project: Project, opportunity: Opportunity, manager: Any) -> None:
    roles = {manager.pk: ProjectRole.PROJECT_MANAGER, opportunity.owner_id: ProjectRole.SELLER}
    if manager.pk == opportunity.owner_id:
        roles[manager.pk] = ProjectRole.PROJECT_MANAGER
    for member in opportunity.team.all():
        if member.role == TeamRole.SELLER:
            roles.setdefault(member.person_id, ProjectRole.SELLER)
        else:
            roles.setdefault(member.person_id, ProjectRole.MEMBER)
    ProjectMember.objects.bulk_create(
        [ProjectMember(project=project, person_id=pk, role=role) for pk, role in roles.items()]
    )


def _first_baseline(
    project: Project, packages: list[ProjectPackage], *, source: str, estimate: Any, by: Any
) -> Baseline:
    baseline = Baseline.objects.create(
        project=project,
        number=1,
        source=source,
        estimate=estimate,
        hours=sum((p.budget_hours for p in packages), ZERO),
        amount=sum((p.budget_amount for p in packages), ZERO),
        created_by=by,
    )
    BaselinePackage.objects.bulk_create(
        [
            BaselinePackage(baseline=baseline, package=p, hours=p.budget_hours, amount=p.budget_amount)
            for p in packages
        ]
    )
    return baseline
