"""The estimate page: the range first, packages edited inline, premises, versions, refusals, query counts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from samspill.pipeline.actions import estimates as actions
from samspill.pipeline.models import Estimate, EstimateLine, Risk, WorkPackage
from samspill.pipeline.tests.estimating import make_estimate

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(estimate: Any, suffix: str = "") -> str:
    return f"/pipeline/estimates/{estimate.pk}/{suffix}"


def test_the_page_shows_the_range_from_the_three_points_and_the_price(
    opportunity: Any, seller: Any, client_for: Any
) -> None:
    estimate = make_estimate(opportunity, seller)
    response = client_for(seller).get(_url(estimate))
    assert response.status_code == 200
    content = response.content.decode()
    assert "range from the three points" in content
    for point in ("point-p50", "point-p80", "point-p90"):
        assert point in content
    assert "Integrasjon mot ERP" in content
    assert 'data-testid="rate-source"' in content
    assert "distribution-chart" in content


def test_an_empty_estimate_says_what_to_do_next(opportunity: Any, seller: Any, client_for: Any) -> None:
    estimate = actions.create_estimate(opportunity, by=seller)
    content = client_for(seller).get(_url(estimate)).content.decode()
    assert 'data-testid="estimate-empty"' in content
    assert 'data-testid="add-package-form"' in content


def test_a_confidential_opportunitys_estimate_is_404_for_outsiders(
    make_opportunity: Any, seller: Any, outsider: Any, client_for: Any
) -> None:
    estimate = make_estimate(make_opportunity("Hemmelig", confidential=True), seller)
    assert client_for(outsider).get(_url(estimate)).status_code == 404
    assert client_for(outsider).post(_url(estimate, "packages/add/"), {"name": "X"}).status_code == 404


def test_someone_off_the_team_reads_but_gets_no_edit_controls(
    opportunity: Any, seller: Any, outsider: Any, client_for: Any
) -> None:
    estimate = make_estimate(opportunity, seller)
    response = client_for(outsider).get(_url(estimate))
    assert response.status_code == 200
    assert 'data-testid="add-package-form"' not in response.content.decode()
    refused = client_for(outsider).post(
        _url(estimate, "packages/add/"),
        {"name": "Snik", "role": "expert", "optimistic": 1, "most_likely": 2, "pessimistic": 3},
    )
    assert refused.status_code == 200 and "Snik" not in [p.name for p in estimate.packages.all()]
    assert estimate.packages.count() == 3


def test_adding_a_package_with_htmx_returns_the_table_and_the_new_totals(
    opportunity: Any, seller: Any, client_for: Any
) -> None:
    estimate = actions.create_estimate(opportunity, by=seller)
    response = client_for(seller).post(
        _url(estimate, "packages/add/"),
        {"name": "Migrering", "role": "expert", "optimistic": "10", "most_likely": "20", "pessimistic": "60"},
        **HTMX,
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="packages"' in content and "Migrering" in content
    assert 'id="estimate-summary"' in content and 'hx-swap-oob="true"' in content
    assert Estimate.objects.get(pk=estimate.pk).expected_hours == Decimal("25.0")


def test_pessimistic_below_optimistic_shows_the_error_on_the_field(
    opportunity: Any, seller: Any, client_for: Any
) -> None:
    estimate = actions.create_estimate(opportunity, by=seller)
    response = client_for(seller).post(
        _url(estimate, "packages/add/"),
        {"name": "Migrering", "role": "expert", "optimistic": "50", "most_likely": "60", "pessimistic": "40"},
        **HTMX,
    )
    content = response.content.decode()
    assert "Pessimistic hours cannot be less than the most likely" in content
    assert 'id="id_pessimistic_error"' in content
    assert not WorkPackage.objects.exists()


def test_a_row_opens_as_an_inline_form_and_saves(opportunity: Any, seller: Any, client_for: Any) -> None:
    estimate = make_estimate(opportunity, seller)
    target = estimate.packages.get(name="Test og overlevering")
    client = client_for(seller)
    form = client.get(f"/pipeline/estimates/packages/{target.pk}/?edit=1", **HTMX)
    assert form.status_code == 200 and 'data-testid="package-edit-row"' in form.content.decode()
    saved = client.post(
        f"/pipeline/estimates/packages/{target.pk}/edit/",
        {
            "version": target.version,
            "name": "Test",
            "role": "expert",
            "optimistic": "30",
            "most_likely": "40",
            "pessimistic": "80",
            "hourly_rate": "",
        },
        **HTMX,
    )
    assert saved.status_code == 200
    target.refresh_from_db()
    assert (target.name, target.most_likely, target.expected_hours) == ("Test", 40, Decimal("45.0"))


def test_a_stale_row_edit_says_who_changed_it(
    opportunity: Any, seller: Any, manager: Any, client_for: Any
) -> None:
    estimate = make_estimate(opportunity, seller)
    target = estimate.packages.first()
    assert target is not None
    actions.update_work_package(target, {"name": "Endret av leder"}, by=manager, version=target.version)
    response = client_for(seller).post(
        f"/pipeline/estimates/packages/{target.pk}/edit/",
        {
            "version": target.version,
            "name": "Mitt navn",
            "role": "expert",
            "optimistic": 1,
            "most_likely": 2,
            "pessimistic": 3,
        },
        **HTMX,
    )
    assert "Lena Leder" in response.content.decode()
    assert WorkPackage.objects.get(pk=target.pk).name == "Endret av leder"


def test_the_confidence_point_is_chosen_on_the_page(opportunity: Any, seller: Any, client_for: Any) -> None:
    estimate = make_estimate(opportunity, seller)
    response = client_for(seller).post(
        _url(estimate, "settings/"), {"version": estimate.version, "confidence": "p90"}, **HTMX
    )
    assert response.status_code == 200
    stored = Estimate.objects.get(pk=estimate.pk)
    assert stored.confidence == "p90" and stored.price == stored.p90_price


def test_removing_a_package_and_adding_lines_and_risks(
    opportunity: Any, seller: Any, client_for: Any
) -> None:
    estimate = make_estimate(opportunity, seller)
    client = client_for(seller)
    target = estimate.packages.first()
    assert target is not None
    assert client.post(f"/pipeline/estimates/packages/{target.pk}/remove/").status_code == 302
    assert (
        client.post(_url(estimate, "lines/add/"), {"kind": "exclusion", "text": "Lisenser"}).status_code
        == 302
    )
    response = client.post(
        _url(estimate, "risks/add/"),
        {"description": "Nøkkelperson", "probability": "20", "consequence_hours": "100"},
        **HTMX,
    )
    assert response.status_code == 200
    assert estimate.packages.count() == 2
    assert EstimateLine.objects.get().text == "Lisenser"
    assert Risk.objects.get().probability == 20
    assert Estimate.objects.get(pk=estimate.pk).contingency_hours == Decimal("20.0")


def test_a_bad_risk_probability_shows_on_its_field(opportunity: Any, seller: Any, client_for: Any) -> None:
    estimate = make_estimate(opportunity, seller)
    response = client_for(seller).post(
        _url(estimate, "risks/add/"),
        {"description": "Nøkkelperson", "probability": "150", "consequence_hours": "100"},
        **HTMX,
    )
    assert 'id="id_probability_error"' in response.content.decode()
    assert not Risk.objects.exists()


def test_a_locked_estimate_shows_the_banner_and_no_edit_controls(
    opportunity: Any, seller: Any, client_for: Any
) -> None:
    estimate = make_estimate(opportunity, seller)
    actions.lock_for_offer(opportunity, by=seller)
    content = client_for(seller).get(_url(estimate)).content.decode()
    assert 'data-testid="locked-banner"' in content
    assert 'data-testid="add-package-form"' not in content
    assert 'data-testid="new-version"' in content


def test_new_version_from_this_opens_the_copy(opportunity: Any, seller: Any, client_for: Any) -> None:
    estimate = make_estimate(opportunity, seller)
    response = client_for(seller).post(
        f"/pipeline/{opportunity.pk}/estimates/new/", {"based_on": estimate.pk}
    )
    copy = Estimate.objects.get(number=2)
    assert response.status_code == 302 and response["Location"] == copy.get_absolute_url()
    assert copy.packages.count() == 3


def test_the_estimate_page_costs_the_same_queries_for_3_and_30_packages(
    opportunity: Any, seller: Any, client_for: Any
) -> None:
    estimate = make_estimate(opportunity, seller, risks=[("Risiko", 10, 20)])
    actions.add_line(estimate, "assumption", "Testmiljø", by=seller)
    client = client_for(seller)

    def count() -> int:
        client.get(_url(estimate))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(estimate)).status_code == 200
        return len(queries)

    small = count()
    for i in range(27):
        actions.add_work_package(
            estimate,
            {"name": f"Pakke {i}", "optimistic": 1, "most_likely": 2, "pessimistic": 3, "hourly_rate": 1000},
            by=seller,
        )
        actions.add_risk(
            estimate, {"description": f"R{i}", "probability": 5, "consequence_hours": 2}, by=seller
        )
    assert count() == small
