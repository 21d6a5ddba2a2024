"""Fixtures of the handover tests: a fixed today, and opportunities sold and won through the actions."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

TODAY = datetime.date(2025, 3, 14)
PACKAGES = [
    ("Analyse og design", 40, 60, 100),
    ("Integrasjon mot ERP", 80, 120, 220),
    ("Test og overlevering", 20, 30, 50),
]


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    """Make today 14 March 2025 for everything that asks `timezone.localdate()`."""
    real = timezone.localdate

    def _localdate(value: Any = None, timezone: Any = None) -> datetime.date:
        return TODAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", _localdate)
    return TODAY


@pytest.fixture
def make_opportunity(customer: Any, seller: Any) -> Callable[..., Any]:
    """Return a function that creates an opportunity through the action (owner: the seller)."""
    from samspill.pipeline.actions.opportunities import create_opportunity

    def _make(title: str = "Ny kundeportal", *, by: Any = None, **fields: Any) -> Any:
        team = fields.pop("team", ())
        values = {"customer": customer, "title": title, "value": Decimal(1_000_000), **fields}
        return create_opportunity(values, by=by or seller, team=team)

    return _make


def add_estimate(opportunity: Any, by: Any, packages: list[tuple[Any, ...]] | None = None) -> Any:
    """Give the opportunity an estimate (packages at kr 1 500/h), an assumption, an exclusion and a risk."""
    from samspill.pipeline.actions import estimates

    estimate = estimates.create_estimate(opportunity, by=by)
    for name, o, m, p in PACKAGES if packages is None else packages:
        estimates.add_work_package(
            estimate,
            {
                "name": name,
                "optimistic": Decimal(o),
                "most_likely": Decimal(m),
                "pessimistic": Decimal(p),
                "hourly_rate": Decimal(1500),
            },
            by=by,
        )
    estimates.add_line(estimate, "assumption", "Kunden stiller testmiljø", by=by)
    estimates.add_line(estimate, "exclusion", "Drift etter lansering", by=by)
    estimates.add_risk(
        estimate,
        {"description": "ERP-API-et kommer sent", "probability": 30, "consequence_hours": Decimal(80)},
        by=by,
    )
    estimate.refresh_from_db()
    return estimate


def approve(opportunity: Any, seller: Any, expert: Any) -> Any:
    """Record a finished, approving expert review of the newest estimate, so the win passes the gate."""
    from samspill.pipeline.models import Estimate, ExpertReview, ReviewState

    estimate = Estimate.objects.filter(opportunity=opportunity).order_by("-number").first()
    if estimate is None:
        estimate = Estimate.objects.create(opportunity=opportunity, number=1, created_by=seller)
    return ExpertReview.objects.create(
        opportunity=opportunity,
        estimate=estimate,
        requested_by=seller,
        reviewer=expert,
        due_on=TODAY,
        state=ReviewState.DONE,
        verdict="approved",
        decided_at=timezone.now(),
    )


@pytest.fixture
def sell(make_opportunity: Callable[..., Any], seller: Any, expert: Any, customer: Any) -> Callable[..., Any]:
    """Return a function that prepares an opportunity the way a seller would before winning it.

    By default: an estimate with three packages, a risk, an assumption and an exclusion; two
    expectations (one agreed with acceptance criteria, one neither); a contact at the customer; and,
    when given, a project manager candidate on the team.
    """
    from samspill.customers.actions import create_contact
    from samspill.pipeline.actions.expectations import create_expectation

    def _sell(
        title: str = "Ny kundeportal",
        *,
        candidate: Any = None,
        estimate: bool = True,
        expectations: bool = True,
        contact: bool = True,
        **fields: Any,
    ) -> Any:
        team = [(candidate, "project_manager")] if candidate is not None else []
        opportunity = make_opportunity(title, team=team, **fields)
        if estimate:
            add_estimate(opportunity, seller)
        if expectations:
            create_expectation(
                opportunity,
                {
                    "kind": "deadline",
                    "customer_words": "Portalen må være oppe før sommerferien",
                    "source": "meeting",
                    "acceptance_criteria": "I produksjon 20. juni",
                    "agreed_by": seller,
                },
                by=seller,
            )
            create_expectation(
                opportunity,
                {"kind": "quality", "customer_words": "Innbyggerne skal finne fram selv", "source": "email"},
                by=seller,
            )
        if contact and not customer.contacts.exists():
            create_contact(customer, {"name": "Kari Nordmann", "title": "Digitaliseringssjef"}, by=seller)
        approve(opportunity, seller, expert)
        opportunity.refresh_from_db()
        return opportunity

    return _sell


@pytest.fixture
def win(seller: Any) -> Callable[..., Any]:
    """Return a function that wins an opportunity (by the seller) and gives back its handover."""
    from samspill.handover.models import Handover
    from samspill.pipeline.actions.opportunities import win_opportunity

    def _win(opportunity: Any, *, by: Any = None) -> Any:
        opportunity.refresh_from_db()
        win_opportunity(opportunity, by=by or seller, version=opportunity.version)
        return Handover.objects.select_related("opportunity").get(opportunity=opportunity)

    return _win


@pytest.fixture
def handover(sell: Callable[..., Any], win: Callable[..., Any], project_manager: Any) -> Any:
    """The handover of a won opportunity with a sold estimate, expectations and a project manager."""
    return win(sell(candidate=project_manager))


def person(username: str, roles: list[str], name: str) -> Any:
    """Create an active person with the given roles."""
    from samspill.people.models import Person, RoleAssignment

    first, _, last = name.partition(" ")
    created = Person.objects.create_user(
        username=username, password="samspill", first_name=first, last_name=last, primary_role=roles[0]
    )
    RoleAssignment.objects.bulk_create(RoleAssignment(person=created, role=r) for r in roles)
    return created


@pytest.fixture
def delivery_manager(db: Any) -> Any:
    return person("dina", ["delivery_manager"], "Dina Leveranse")


@pytest.fixture
def other_manager(db: Any) -> Any:
    """A second project manager, who is not this handover's."""
    return person("per", ["project_manager"], "Per Prosjekt")


@pytest.fixture(autouse=True)
def _in_english(english: Any) -> None:
    """This app's tests check behaviour, in the English the code is written in."""
