"""Bad input to the estimate actions is refused field by field, and nothing is half saved."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from samspill.lib.errors import InvalidInput
from samspill.pipeline.actions import estimates as actions
from samspill.pipeline.models import Estimate, Risk, WorkPackage
from samspill.pipeline.tests.estimating import make_estimate, package

pytestmark = pytest.mark.django_db


def _unchanged(estimate: Estimate) -> tuple[Any, ...]:
    fresh = Estimate.objects.get(pk=estimate.pk)
    return (
        WorkPackage.objects.filter(estimate=estimate).count(),
        Risk.objects.filter(estimate=estimate).count(),
        fresh.expected_hours,
        fresh.price,
        fresh.contingency_hours,
    )


@pytest.mark.parametrize(
    ("hours", "field"),
    [
        ((-1, 2, 3), "optimistic"),
        ((1, -2, 3), "most_likely"),
        ((10, 20, 15), "pessimistic"),
        ((30, 20, 40), "optimistic"),
        ((1, 2, 200_000), "pessimistic"),
    ],
)
def test_three_points_out_of_order_or_negative_are_a_field_error(
    opportunity: Any, seller: Any, hours: tuple[int, int, int], field: str
) -> None:
    estimate = make_estimate(opportunity, seller)
    before = _unchanged(estimate)
    with pytest.raises(InvalidInput) as refused:
        actions.add_work_package(estimate, package("Feil", *hours), by=seller)
    assert field in refused.value.errors
    assert _unchanged(estimate) == before


def test_an_edit_with_pessimistic_below_optimistic_changes_nothing(opportunity: Any, seller: Any) -> None:
    estimate = make_estimate(opportunity, seller)
    first = estimate.packages.first()
    assert first is not None
    before = _unchanged(estimate)
    with pytest.raises(InvalidInput) as refused:
        actions.update_work_package(first, {"pessimistic": Decimal(5)}, by=seller, version=first.version)
    assert list(refused.value.errors) == ["pessimistic"]
    assert WorkPackage.objects.get(pk=first.pk).pessimistic == first.pessimistic
    assert _unchanged(estimate) == before


def test_text_instead_of_hours_is_a_field_error(opportunity: Any, seller: Any) -> None:
    estimate = make_estimate(opportunity, seller)
    with pytest.raises(InvalidInput) as refused:
        actions.add_work_package(
            estimate, {"name": "X", "optimistic": "mange", "most_likely": 2, "pessimistic": 3}, by=seller
        )
    assert "optimistic" in refused.value.errors


def test_a_nameless_package_and_an_unknown_role_are_field_errors(opportunity: Any, seller: Any) -> None:
    estimate = make_estimate(opportunity, seller)
    with pytest.raises(InvalidInput) as refused:
        actions.add_work_package(estimate, package(" ", 1, 2, 3, role="astronaut"), by=seller)
    assert {"name", "role"} <= set(refused.value.errors)


def test_a_negative_rate_is_a_field_error(opportunity: Any, seller: Any) -> None:
    estimate = make_estimate(opportunity, seller)
    with pytest.raises(InvalidInput) as refused:
        actions.add_work_package(estimate, package("X", 1, 2, 3, rate=-10), by=seller)
    assert "hourly_rate" in refused.value.errors


def test_unknown_skills_are_a_field_error(opportunity: Any, seller: Any) -> None:
    estimate = make_estimate(opportunity, seller)
    before = _unchanged(estimate)
    with pytest.raises(InvalidInput) as refused:
        actions.add_work_package(estimate, package("X", 1, 2, 3), by=seller, skills=[987654])
    assert "skills" in refused.value.errors
    assert _unchanged(estimate) == before


@pytest.mark.parametrize("probability", [-1, 101, "50.5", "mye"])
def test_a_risk_probability_outside_0_to_100_is_a_field_error(
    opportunity: Any, seller: Any, probability: Any
) -> None:
    estimate = make_estimate(opportunity, seller)
    before = _unchanged(estimate)
    with pytest.raises(InvalidInput) as refused:
        actions.add_risk(
            estimate,
            {"description": "Risiko", "probability": probability, "consequence_hours": 10},
            by=seller,
        )
    assert list(refused.value.errors) == ["probability"]
    assert _unchanged(estimate) == before


def test_a_risk_with_negative_consequence_and_no_text_names_both_fields(
    opportunity: Any, seller: Any
) -> None:
    estimate = make_estimate(opportunity, seller)
    with pytest.raises(InvalidInput) as refused:
        actions.add_risk(estimate, {"description": "", "probability": 10, "consequence_hours": -5}, by=seller)
    assert {"description", "consequence_hours"} == set(refused.value.errors)


def test_an_unknown_confidence_point_is_a_field_error(opportunity: Any, seller: Any) -> None:
    estimate = make_estimate(opportunity, seller)
    with pytest.raises(InvalidInput) as refused:
        actions.update_estimate(estimate, {"confidence": "p99"}, by=seller, version=None)
    assert "confidence" in refused.value.errors
    assert Estimate.objects.get(pk=estimate.pk).confidence == "p80"


def test_fields_an_estimate_does_not_have_are_refused(opportunity: Any, seller: Any) -> None:
    estimate = make_estimate(opportunity, seller)
    with pytest.raises(InvalidInput) as refused:
        actions.update_estimate(estimate, {"price": 1}, by=seller, version=None)
    assert "price" in refused.value.errors


def test_an_empty_assumption_is_a_field_error(opportunity: Any, seller: Any) -> None:
    estimate = make_estimate(opportunity, seller)
    with pytest.raises(InvalidInput) as refused:
        actions.add_line(estimate, "assumption", "   ", by=seller)
    assert "text" in refused.value.errors
    with pytest.raises(InvalidInput):
        actions.add_line(estimate, "wish", "Noe", by=seller)
    assert not estimate.lines.exists()
