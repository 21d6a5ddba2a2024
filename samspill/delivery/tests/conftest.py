"""Fixtures of the delivery app's tests: a fixed today, and projects made through the actions."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

TODAY = datetime.date(2025, 3, 14)  # a Friday; its week starts on Monday 10 March


@pytest.fixture(autouse=True)
def _in_english(english: Any) -> None:
    """This app's tests check behaviour, in the English the code is written in."""


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    """Make today 14 March 2025 for everything that asks `timezone.localdate()`."""
    real = timezone.localdate

    def _localdate(value: Any = None, timezone: Any = None) -> datetime.date:
        return TODAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", _localdate)
    return TODAY


@pytest.fixture
def make_project(
    customer: Any, project_manager: Any, seller: Any, today: datetime.date
) -> Callable[..., Any]:
    """Return a function that starts a project by hand through the action (manager: the project manager).

    Packages are (name, hours, hourly rate); the project runs from 30 days ago to 120 days ahead.
    """
    from samspill.delivery.actions.projects import create_project

    def _make(
        title: str = "Ny kundeportal",
        *,
        packages: Any = (("Analyse", 100, 1200), ("Utvikling", 300, 1400)),
        members: Any = (),
        by: Any = None,
        **fields: Any,
    ) -> Any:
        values = {
            "customer": customer,
            "title": title,
            "manager": project_manager,
            "seller": seller,
            "status": "active",
            "starts_on": today - datetime.timedelta(days=30),
            "ends_on": today + datetime.timedelta(days=120),
            **fields,
        }
        given = [
            {"name": n, "hours": Decimal(str(h)), "hourly_rate": Decimal(str(r))} for n, h, r in packages
        ]
        return create_project(
            values,
            by=by or values["manager"],
            packages=given,
            members=[(person, "member") for person in members],
        )

    return _make


@pytest.fixture
def project(make_project: Callable[..., Any]) -> Any:
    """An active, ordinary project of Fjordlys Energi AS: Analyse 100 h at 1 200, Utvikling 300 h at 1 400."""
    return make_project()


@pytest.fixture
def book(today: datetime.date) -> Callable[..., Any]:
    """Return a function that books hours on a package (days of at most 8 hours) and refreshes the numbers."""
    from samspill.delivery.actions.projects import refresh_numbers
    from samspill.delivery.models import ProjectMember, TimeEntry

    def _book(
        package: Any, person: Any, hours: Any, *, day: datetime.date | None = None, billable: bool = True
    ) -> None:
        left = Decimal(str(hours))
        date = day or today
        entries = []
        while left > 0:
            chunk = min(left, Decimal(8))
            entries.append(
                TimeEntry(
                    project=package.project,
                    package=package,
                    person=person,
                    date=date,
                    hours=chunk,
                    billable=billable,
                )
            )
            left -= chunk
            date -= datetime.timedelta(days=1)
        ProjectMember.objects.get_or_create(project=package.project, person=person)
        TimeEntry.objects.bulk_create(entries)
        refresh_numbers(package.project)

    return _book


@pytest.fixture
def won_project(customer: Any, seller: Any, project_manager: Any, today: datetime.date) -> Any:
    """A project started from a won opportunity with two expectations, one of them confidential-free."""
    from samspill.delivery.actions.projects import create_project_from_opportunity
    from samspill.pipeline.actions.opportunities import create_opportunity
    from samspill.pipeline.models import Expectation, Opportunity, Stage

    opportunity = create_opportunity(
        {"customer": customer, "title": "Ny kundeportal", "value": Decimal(1_000_000)}, by=seller
    )
    Expectation.objects.create(
        opportunity=opportunity, kind="deadline", customer_words="Go-live før sommerferien", source="meeting"
    )
    Expectation.objects.create(
        opportunity=opportunity, kind="quality", customer_words="Universell utforming", source="tender"
    )
    Opportunity.objects.filter(pk=opportunity.pk).update(stage=Stage.WON, decided_on=today)
    opportunity.refresh_from_db()
    return create_project_from_opportunity(opportunity, manager=project_manager, by=project_manager)
