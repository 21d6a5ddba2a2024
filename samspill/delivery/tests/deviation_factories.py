"""Small factories for the tests of deviations, change requests and the portfolio (plain functions).

Projects are made with the projects' own action, so baseline version 1 is what a real project has.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from samspill.delivery.actions.projects import create_project, refresh_numbers
from samspill.delivery.models import Milestone, Project, ProjectMember, ProjectPackage, TimeEntry

TODAY = datetime.date(2025, 3, 14)


def make_project(
    customer: Any,
    manager: Any,
    *,
    title: str = "Ny kundeportal",
    seller: Any = None,
    packages: Iterable[tuple[str, Any, Any]] = (("Analyse", 100, 1200), ("Utvikling", 300, 1400)),
    members: Iterable[Any] = (),
    **fields: Any,
) -> Project:
    """Create an active project by hand with the given packages (name, hours, hourly rate)."""
    values = {
        "customer": customer,
        "title": title,
        "manager": manager,
        "seller": seller,
        "status": "active",
        "starts_on": TODAY - datetime.timedelta(days=30),
        "ends_on": TODAY + datetime.timedelta(days=120),
        **fields,
    }
    # What a project gets only from a handover (its opportunity) is set after the action made it.
    later = {name: values.pop(name) for name in ("opportunity",) if name in values}
    given = [{"name": n, "hours": Decimal(str(h)), "hourly_rate": Decimal(str(r))} for n, h, r in packages]
    project = create_project(
        values, by=manager, packages=given, members=[(person, "member") for person in members]
    )
    if later:
        Project.objects.filter(pk=project.pk).update(**later)
        for name, value in later.items():
            setattr(project, name, value)
    return project


def package(project: Project, position: int = 0) -> ProjectPackage:
    return ProjectPackage.objects.filter(project=project).order_by("position", "pk")[position]


def book(project: Project, person: Any, hours: Any, *, on: int = 0, day: datetime.date = TODAY) -> None:
    """Book `hours` on the project's package number `on` (split over days of at most 8 hours)."""
    target = package(project, on)
    left = Decimal(str(hours))
    date = day
    entries = []
    while left > 0:
        chunk = min(left, Decimal(8))
        entries.append(TimeEntry(project=project, package=target, person=person, date=date, hours=chunk))
        left -= chunk
        date -= datetime.timedelta(days=1)
    ProjectMember.objects.get_or_create(project=project, person=person)
    TimeEntry.objects.bulk_create(entries)
    refresh_numbers(project)


def milestone(
    project: Project, name: str = "Go-live", *, planned: datetime.date, forecast: Any = None, done: Any = None
) -> Milestone:
    return Milestone.objects.create(
        project=project, name=name, planned_on=planned, forecast_on=forecast, done_on=done
    )


def won_opportunity(customer: Any, seller: Any, **fields: Any) -> Any:
    """An opportunity of the customer (made through the pipeline's action) to hang expectations on."""
    from samspill.pipeline.actions.opportunities import create_opportunity

    values = {"customer": customer, "title": "Ny kundeportal", "value": Decimal(1_000_000), **fields}
    return create_opportunity(values, by=seller)


def expectation(opportunity: Any, words: str = "Go-live før sommerferien", status: str = "open") -> Any:
    from samspill.pipeline.models import Expectation

    return Expectation.objects.create(
        opportunity=opportunity, kind="deadline", customer_words=words, source="meeting", status=status
    )


def agreement(customer: Any, ceiling: Any = 2_000_000, **fields: Any) -> Any:
    from samspill.customers.models import FrameworkAgreement

    values = {
        "customer": customer,
        "title": "Rammeavtale konsulenttjenester",
        "starts_on": TODAY - datetime.timedelta(days=365),
        "ends_on": TODAY + datetime.timedelta(days=365),
        "ceiling": Decimal(str(ceiling)),
        **fields,
    }
    return FrameworkAgreement.objects.create(**values)
