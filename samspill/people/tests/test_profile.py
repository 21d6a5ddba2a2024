"""A person edits their own name, title, phone and language; capacity and rates are for administrators."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from samspill.lib.errors import NotAllowed, StaleVersion
from samspill.lib.events import changes_since
from samspill.lib.formatting import nok
from samspill.people.actions import update_person
from samspill.people.models import Person

pytestmark = pytest.mark.django_db

ClientFor = Callable[[Any], Client]
JSON = "application/json"


def test_a_person_changes_their_own_name_title_and_language(seller: Any, client_for: ClientFor) -> None:
    response = client_for(seller).post(
        f"/people/{seller.pk}/edit/",
        {
            "first_name": "Selma",
            "last_name": "Salg-Hansen",
            "title": "Kundeansvarlig",
            "phone": "",
            "language": "en",
            "version": 1,
        },
    )
    seller = Person.objects.get(pk=seller.pk)
    assert response.status_code == 302
    assert (seller.last_name, seller.title, seller.language, seller.version) == (
        "Salg-Hansen",
        "Kundeansvarlig",
        "en",
        2,
    )
    assert {change.field for change in changes_since(seller, 1)} == {"last_name", "title", "language"}


def test_the_profile_form_ignores_capacity_and_rates_a_person_sends_for_themselves(
    seller: Any, client_for: ClientFor
) -> None:
    client_for(seller).post(
        f"/people/{seller.pk}/edit/",
        {
            "first_name": "Selma",
            "last_name": "Salg",
            "language": "nb",
            "version": 1,
            "weekly_capacity_hours": "10",
            "cost_rate": "1",
            "hourly_rate": "99999",
            "email": "ny@example.no",
        },
    )
    seller = Person.objects.get(pk=seller.pk)
    assert (seller.weekly_capacity_hours, seller.cost_rate, seller.hourly_rate, seller.email) == (
        Decimal("37.50"),
        Decimal("800.00"),
        Decimal("1400.00"),
        "selma@example.no",
    )


@pytest.mark.parametrize(
    "field", ["weekly_capacity_hours", "cost_rate", "hourly_rate", "primary_role", "team"]
)
def test_a_person_may_not_change_their_own_capacity_rates_or_role(field: str, seller: Any) -> None:
    with pytest.raises(NotAllowed):
        update_person(
            seller,
            {field: Decimal(10) if "rate" in field or "hours" in field else None},
            by=seller,
            version=1,
        )
    assert Person.objects.get(pk=seller.pk).version == 1


def test_a_person_may_not_change_their_own_rates_through_the_api(seller: Any, api_for: Any) -> None:
    api = api_for(seller)
    refused = api.patch(f"/api/v1/people/{seller.pk}", {"version": 1, "cost_rate": "1"}, content_type=JSON)
    allowed = api.patch(
        f"/api/v1/people/{seller.pk}", {"version": 1, "title": "Salgssjef"}, content_type=JSON
    )
    assert refused.status_code == 403
    assert allowed.status_code == 200 and allowed.json()["title"] == "Salgssjef"
    assert Person.objects.get(pk=seller.pk).cost_rate == Decimal("800.00")


def test_an_administrator_changes_capacity_and_rates(administrator: Any, expert: Any, api_for: Any) -> None:
    response = api_for(administrator).patch(
        f"/api/v1/people/{expert.pk}",
        {"version": 1, "weekly_capacity_hours": "30", "cost_rate": "850.50"},
        content_type=JSON,
    )
    expert = Person.objects.get(pk=expert.pk)
    assert response.status_code == 200
    assert (expert.weekly_capacity_hours, expert.cost_rate) == (Decimal("30.00"), Decimal("850.50"))


def test_nobody_edits_someone_elses_profile_unless_administrator(
    seller: Any, expert: Any, client_for: ClientFor, api_for: Any
) -> None:
    assert client_for(seller).get(f"/people/{expert.pk}/edit/").status_code == 404
    assert (
        client_for(seller).post(f"/people/{expert.pk}/edit/", {"first_name": "X", "version": 1}).status_code
        == 404
    )
    response = api_for(seller).patch(
        f"/api/v1/people/{expert.pk}", {"version": 1, "title": "X"}, content_type=JSON
    )
    assert response.status_code == 403
    assert Person.objects.get(pk=expert.pk).title == ""


def test_a_stale_profile_edit_is_a_409(administrator: Any, expert: Any, api_for: Any) -> None:
    update_person(expert, {"title": "Arkitekt"}, by=expert, version=1)
    response = api_for(administrator).patch(
        f"/api/v1/people/{expert.pk}", {"version": 1, "title": "Utvikler"}, content_type=JSON
    )
    assert response.status_code == 409
    assert response.json()["changes"][0]["after"] == "Arkitekt"
    with pytest.raises(StaleVersion):
        update_person(expert, {"title": "Utvikler"}, by=administrator, version=1)


def test_a_seller_does_not_see_someone_elses_cost_rate_on_the_page(
    seller: Any, expert: Any, manager: Any, client_for: ClientFor
) -> None:
    cost = nok(Decimal(800))
    assert cost not in client_for(seller).get(f"/people/{expert.pk}/").content.decode()
    assert cost in client_for(manager).get(f"/people/{expert.pk}/").content.decode()
    assert cost in client_for(seller).get(f"/people/{seller.pk}/").content.decode()  # their own


def test_a_seller_gets_a_null_cost_rate_for_others_in_the_api(
    seller: Any, expert: Any, manager: Any, api_for: Any
) -> None:
    assert api_for(seller).get(f"/api/v1/people/{expert.pk}").json()["cost_rate"] is None
    assert api_for(seller).get(f"/api/v1/people/{seller.pk}").json()["cost_rate"] == "800.00"
    assert api_for(manager).get(f"/api/v1/people/{expert.pk}").json()["cost_rate"] == "800.00"
    listed = {p["username"]: p["cost_rate"] for p in api_for(seller).get("/api/v1/people").json()["items"]}
    assert listed == {"selma": "800.00", "frode": None, "lena": None}
