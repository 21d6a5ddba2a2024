"""Small factories for the tests of hours, timesheets, approvals and the import: plain functions.

Today is fixed to Thursday 26 November 2026 (week 48) with `fix_today(monkeypatch)`; a project is made
through the delivery action `create_project`, with the project manager and the given team.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import pytest

TODAY = datetime.date(2026, 11, 26)
MONDAY = datetime.date(2026, 11, 23)  # week 48
LAST_MONDAY = datetime.date(2026, 11, 16)  # week 47
WEEK = "2026-W48"
LAST_WEEK = "2026-W47"


def fix_today(monkeypatch: pytest.MonkeyPatch, today: datetime.date = TODAY) -> datetime.date:
    """Make `timezone.localdate()` answer `today` for everything that asks."""
    from django.utils import timezone

    real = timezone.localdate

    def _localdate(value: Any = None, timezone: Any = None) -> datetime.date:
        return today if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", _localdate)
    return today


def make_project(
    manager: Any,
    customer: Any,
    *,
    title: str = "Kundeportal",
    team: Iterable[Any] = (),
    packages: Sequence[tuple[str, int]] = (("Analyse", 100), ("Utvikling", 300)),
    confidential: bool = False,
    status: str = "active",
) -> Any:
    """Create an active project through the action, `manager` as its project manager and `team` members."""
    from samspill.delivery.actions.projects import create_project

    return create_project(
        {
            "customer": customer,
            "title": title,
            "manager": manager,
            "status": status,
            "confidential": confidential,
            "starts_on": datetime.date(2026, 9, 1),
        },
        by=manager,
        packages=[{"name": name, "hours": hours, "hourly_rate": 1400} for name, hours in packages],
        members=[(person, "member") for person in team],
    )


def package(project: Any, name: str = "Analyse") -> Any:
    return project.packages.get(name=name)


def person(username: str, roles: Sequence[str] = (), name: str = "") -> Any:
    """Create an active person with the given roles (password "samspill")."""
    from samspill.people.models import Person, RoleAssignment

    first, _space, last = (name or username.capitalize()).partition(" ")
    created = Person.objects.create_user(
        username=username,
        email=f"{username}@example.no",
        password="samspill",
        first_name=first,
        last_name=last,
        primary_role=roles[0] if roles else "",
        cost_rate=Decimal(800),
    )
    RoleAssignment.objects.bulk_create(RoleAssignment(person=created, role=r) for r in roles)
    return created


def delivery_manager() -> Any:
    return person("dora", ["delivery_manager"], name="Dora Drift")


def log(person: Any, project: Any, day: datetime.date, hours: Any, name: str = "Analyse", **kw: Any) -> Any:
    """Log hours through the action, as the person themself unless `by` says otherwise."""
    from samspill.delivery.actions.time import log_time

    by = kw.pop("by", person)
    return log_time(person, project, package(project, name), day, Decimal(str(hours)), by=by, **kw)


def close(project: Any) -> Any:
    """Close a project: only its status counts here (closing itself belongs to the project pages)."""
    from samspill.delivery.models import Project

    Project.objects.filter(pk=project.pk).update(status="closed", closed_on=TODAY)
    project.refresh_from_db()
    return project
