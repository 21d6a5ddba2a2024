"""A confidential opportunity is seen only by its team, management and administrators: everywhere."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from samspill.lib import registry
from samspill.pipeline import queries
from samspill.pipeline.models import Opportunity, TeamMember

pytestmark = pytest.mark.django_db

SECRET = "Hemmelig oppkjøp"


@pytest.fixture
def secret(make_opportunity: Any) -> Any:
    return make_opportunity(SECRET, value=Decimal(7_000_000), confidential=True, offer_due="2025-03-20")


@pytest.fixture
def ordinary(make_opportunity: Any) -> Any:
    return make_opportunity("Åpen portal", value=Decimal(1_000_000), offer_due="2025-03-20")


def test_an_outsider_gets_404_on_the_page_and_the_api(
    secret: Any, outsider: Any, client_for: Any, api_for: Any
) -> None:
    page = client_for(outsider)
    api = api_for(outsider)
    for url in ("", "edit/", "move/", "win/", "lose/", "expectations/new/"):
        assert page.get(f"/pipeline/{secret.pk}/{url}").status_code == 404, url
    assert page.post(f"/pipeline/{secret.pk}/move/", {"stage": "qualified"}).status_code == 404
    assert api.get(f"/api/v1/opportunities/{secret.pk}").status_code == 404
    assert api.get(f"/api/v1/opportunities/{secret.pk}/team").status_code == 404
    moved = api.post(
        f"/api/v1/opportunities/{secret.pk}/move",
        {"stage": "qualified", "version": 1},
        content_type="application/json",
    )
    assert moved.status_code == 404


def test_the_board_lists_and_totals_leave_it_out_for_an_outsider(
    secret: Any, ordinary: Any, outsider: Any, client_for: Any
) -> None:
    response = client_for(outsider).get("/pipeline/")
    html = response.content.decode()
    assert SECRET not in html
    lead = next(c for c in response.context["columns"] if c.stage == "lead")
    assert (lead.count, lead.total) == (1, Decimal(1_000_000))
    assert response.context["summary"]["open_total"] == Decimal(1_000_000)
    assert "7\xa0000\xa0000" not in html and "8\xa0000\xa0000" not in html
    months = response.context["months"]
    assert sum(m.total for m in months) == Decimal(1_000_000)


def test_the_list_and_its_csv_leave_it_out_for_an_outsider(
    secret: Any, ordinary: Any, outsider: Any, client_for: Any
) -> None:
    client = client_for(outsider)
    listed = client.get("/pipeline/list/?stage=all")
    assert SECRET not in listed.content.decode()
    assert listed.context["totals"]["total"] == Decimal(1_000_000)
    csv = b"".join(client.get("/pipeline/list/export.csv?stage=all").streaming_content).decode()
    assert SECRET not in csv
    assert "Åpen portal" in csv


def test_the_api_list_leaves_it_out_for_an_outsider(
    secret: Any, ordinary: Any, outsider: Any, api_for: Any
) -> None:
    body = api_for(outsider).get("/api/v1/opportunities").json()
    assert body["count"] == 1
    assert [item["title"] for item in body["items"]] == ["Åpen portal"]


def test_the_customer_page_and_its_totals_leave_it_out(
    secret: Any, ordinary: Any, outsider: Any, client_for: Any, customer: Any
) -> None:
    response = client_for(outsider).get(f"/customers/{customer.pk}/")
    html = response.content.decode()
    assert "Åpen portal" in html
    assert SECRET not in html
    assert "8\xa0000\xa0000" not in html


def test_the_start_page_lists_it_for_its_owner_only(
    secret: Any, seller: Any, outsider: Any, client_for: Any, today: Any
) -> None:
    assert SECRET in client_for(seller).get("/").content.decode()
    assert SECRET not in client_for(outsider).get("/").content.decode()


def test_search_and_access_registrations_use_the_same_filter(
    secret: Any, ordinary: Any, outsider: Any
) -> None:
    source = registry.registry.search_sources["opportunities"]
    assert list(source.visible_to(outsider)) == [ordinary]
    assert list(registry.access_for(Opportunity).visible_to(outsider)) == [ordinary]
    assert (
        not registry.registry.search_sources["expectations"]
        .visible_to(outsider)
        .filter(opportunity=secret)
        .exists()
    )


def test_its_team_management_and_administrators_see_it(
    secret: Any, expert: Any, manager: Any, administrator: Any, client_for: Any
) -> None:
    assert client_for(expert).get(f"/pipeline/{secret.pk}/").status_code == 404
    TeamMember.objects.create(opportunity=secret, person=expert, role="expert")
    for person in (expert, manager, administrator):
        assert client_for(person).get(f"/pipeline/{secret.pk}/").status_code == 200
        assert queries.filtered(person, {}).filter(pk=secret.pk).exists()


def test_its_expectations_are_hidden_from_an_outsider(
    secret: Any, seller: Any, outsider: Any, api_for: Any
) -> None:
    from samspill.pipeline.actions.expectations import create_expectation

    expectation = create_expectation(
        secret, {"kind": "scope", "customer_words": "Ingen må vite", "source": "meeting"}, by=seller
    )
    api = api_for(outsider)
    assert api.get(f"/api/v1/expectations/{expectation.pk}").status_code == 404
    assert api.get("/api/v1/expectations").json()["count"] == 0
    created = api.post(
        "/api/v1/expectations",
        {"opportunity_id": secret.pk, "kind": "scope", "customer_words": "x", "source": "email"},
        content_type="application/json",
    )
    assert created.status_code == 422
