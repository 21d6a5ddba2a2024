"""Comparing two estimate versions: what changed per work package, and every total's change."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from samspill.pipeline.actions import estimates as actions
from samspill.pipeline.tests.estimating import make_estimate, package

pytestmark = pytest.mark.django_db


def _revise(opportunity: Any, seller: Any) -> tuple[Any, Any]:
    first = make_estimate(opportunity, seller)  # Analyse og design, Integrasjon mot ERP, Test og overlevering
    second = actions.create_estimate(opportunity, by=seller, based_on=first)
    packages = {p.name: p for p in second.packages.all()}
    actions.update_work_package(
        packages["Integrasjon mot ERP"], {"pessimistic": Decimal(300)}, by=seller, version=None
    )
    actions.update_work_package(
        packages["Analyse og design"], {"hourly_rate": Decimal(1600)}, by=seller, version=None
    )
    actions.remove_work_package(packages["Test og overlevering"], by=seller)
    actions.add_work_package(second, package("Opplæring", 10, 15, 30, rate=1500), by=seller)
    first.refresh_from_db()
    second.refresh_from_db()
    return first, second


def test_it_names_added_removed_and_changed_packages(opportunity: Any, seller: Any) -> None:
    first, second = _revise(opportunity, seller)
    rows = {row.name: row for row in actions.compare_estimates(first, second).packages}
    assert rows["Opplæring"].status == "added"
    assert rows["Test og overlevering"].status == "removed"
    assert rows["Integrasjon mot ERP"].status == "changed" and rows["Integrasjon mot ERP"].hours_changed
    assert not rows["Integrasjon mot ERP"].rate_changed
    assert rows["Analyse og design"].rate_changed and not rows["Analyse og design"].hours_changed


def test_per_package_deltas_are_after_minus_before(opportunity: Any, seller: Any) -> None:
    first, second = _revise(opportunity, seller)
    rows = {row.name: row for row in actions.compare_estimates(first, second).packages}
    assert rows["Integrasjon mot ERP"].hours_delta == Decimal("13.3")  # (80+480+300)/6 − (80+480+220)/6
    assert rows["Test og overlevering"].hours_delta == -Decimal("31.7")
    assert rows["Opplæring"].amount_delta == Decimal("25050.00")  # 16,7 h × 1 500


def test_totals_show_the_change_of_hours_and_price(opportunity: Any, seller: Any) -> None:
    first, second = _revise(opportunity, seller)
    totals = {str(t.label): t for t in actions.compare_estimates(first, second).totals}
    assert totals["Expected hours"].delta == second.expected_hours - first.expected_hours
    assert totals["Price"].delta == second.price - first.price
    assert totals["P90"].before == first.p90_hours and totals["P90"].after == second.p90_hours


def test_an_unchanged_copy_has_no_changes(opportunity: Any, seller: Any) -> None:
    first = make_estimate(opportunity, seller)
    second = actions.create_estimate(opportunity, by=seller, based_on=first)
    comparison = actions.compare_estimates(first, second)
    assert comparison.changed_count == 0
    assert all(t.delta == 0 for t in comparison.totals)


def test_the_compare_page_shows_both_versions(opportunity: Any, seller: Any, client_for: Any) -> None:
    first, second = _revise(opportunity, seller)
    response = client_for(seller).get(f"/pipeline/estimates/{second.pk}/compare/?with={first.pk}")
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-status="added"' in content and 'data-status="removed"' in content
    assert "Opplæring" in content


def test_the_compare_page_refuses_a_version_of_another_opportunity(
    opportunity: Any, make_opportunity: Any, seller: Any, client_for: Any
) -> None:
    mine = make_estimate(opportunity, seller)
    other = make_estimate(make_opportunity("Annen"), seller)
    response = client_for(seller).get(f"/pipeline/estimates/{mine.pk}/compare/?with={other.pk}")
    assert response.status_code == 404
