"""Fixtures of the pipeline app's tests: a fixed today, and opportunities made through the actions."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

TODAY = datetime.date(2025, 3, 14)


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
        skills = fields.pop("required_skills", None)
        team = fields.pop("team", ())
        stage = fields.pop("stage", "lead")
        values = {"customer": customer, "title": title, "value": Decimal(1_000_000), **fields}
        return create_opportunity(values, by=by or seller, required_skills=skills, team=team, stage=stage)

    return _make


@pytest.fixture
def opportunity(make_opportunity: Callable[..., Any]) -> Any:
    """An ordinary (not confidential) opportunity of Fjordlys Energi AS at lead, worth kr 1 000 000."""
    return make_opportunity()


@pytest.fixture
def reviewed(expert: Any, seller: Any) -> Callable[..., Any]:
    """Return a function that gives an opportunity an estimate and a finished review with a verdict."""
    from samspill.pipeline.models import Estimate, ExpertReview, ReviewState

    def _review(opportunity: Any, verdict: str = "approved", state: str = ReviewState.DONE) -> Any:
        estimate = Estimate.objects.filter(opportunity=opportunity).order_by("-number").first()
        if estimate is None:
            estimate = Estimate.objects.create(opportunity=opportunity, number=1, created_by=seller)
        return ExpertReview.objects.create(
            opportunity=opportunity,
            estimate=estimate,
            requested_by=seller,
            reviewer=expert,
            due_on=datetime.date(2025, 3, 20),
            state=state,
            verdict=verdict if state == ReviewState.DONE else "",
            decided_at=timezone.now() if state == ReviewState.DONE else None,
        )

    return _review


@pytest.fixture(autouse=True)
def _in_english(english: Any) -> None:
    """This app's tests check behaviour, in the English the code is written in."""
