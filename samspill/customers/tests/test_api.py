"""The customers, contacts and framework-agreements resources of the API."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from samspill.activity.models import Event
from samspill.customers.actions import archive_customer, create_agreement, create_contact, create_customer
from samspill.customers.models import Contact, Customer, FrameworkAgreement
from samspill.people.actions import deactivate_person, revoke_token
from samspill.people.models import ApiToken

pytestmark = pytest.mark.django_db

ApiFor = Callable[[Any], Client]
JSON = "application/json"


def _customers(seller: Any, *names: str) -> list[Customer]:
    return [
        create_customer({"name": name, "city": "Bergen" if i % 2 else "Oslo"}, by=seller)
        for i, name in enumerate(names)
    ]


# Lists


def test_the_customer_list_answers_items_and_count_a_page_at_a_time(seller: Any, api_for: ApiFor) -> None:
    _customers(seller, "Alfa AS", "Beta AS", "Gamma AS", "Delta AS")
    body = api_for(seller).get("/api/v1/customers?limit=2&offset=1").json()
    assert set(body) == {"items", "count"}
    assert body["count"] == 4
    assert [c["name"] for c in body["items"]] == ["Beta AS", "Delta AS"]


def test_the_customer_list_filters_by_field(seller: Any, manager: Any, api_for: ApiFor) -> None:
    _customers(seller, "Alfa AS", "Beta AS", "Gamma AS")
    owned = create_customer(
        {"name": "Lenas Kunde AS", "account_owner": manager, "segment": "public"}, by=manager
    )
    archive_customer(create_customer({"name": "Arkivert AS"}, by=seller), by=seller)
    api = api_for(seller)

    def names(query: str) -> list[str]:
        return [c["name"] for c in api.get(f"/api/v1/customers?{query}").json()["items"]]

    assert names("q=berg") == ["Beta AS"]
    assert names("name=amm") == ["Gamma AS"]
    assert names(f"account_owner={manager.pk}") == [owned.name]
    assert names("segment=public") == [owned.name]
    assert names("archived=true") == ["Arkivert AS"]
    assert "Arkivert AS" not in names("")


def test_the_customer_list_finds_a_customer_by_org_number_with_spaces(
    customer: Customer, seller: Any, api_for: ApiFor
) -> None:
    body = api_for(seller).get("/api/v1/customers", {"org_number": "923 609 016"}).json()
    assert [c["id"] for c in body["items"]] == [customer.pk]


def test_contacts_and_agreements_are_listed_per_customer(
    customer: Customer, seller: Any, api_for: ApiFor
) -> None:
    other = create_customer({"name": "Annen Kunde AS"}, by=seller)
    create_contact(customer, {"name": "Kari Nordmann"}, by=seller)
    create_contact(other, {"name": "Per Hansen"}, by=seller)
    create_agreement(
        customer,
        {
            "title": "Avtale A",
            "starts_on": datetime.date(2024, 1, 1),
            "ends_on": datetime.date(2025, 1, 1),
            "ceiling": Decimal(1000),
        },
        rates={"expert": "1500"},
        by=seller,
    )
    api = api_for(seller)
    contacts = api.get(f"/api/v1/contacts?customer={customer.pk}").json()
    agreements = api.get(f"/api/v1/framework-agreements?customer={customer.pk}").json()
    assert [c["name"] for c in contacts["items"]] == ["Kari Nordmann"] and contacts["count"] == 1
    assert agreements["count"] == 1
    assert agreements["items"][0]["rates"] == {"expert": "1500.00"}
    assert api.get(f"/api/v1/framework-agreements?customer={other.pk}").json() == {"items": [], "count": 0}


def test_agreements_filter_by_status_and_end(customer: Customer, seller: Any, api_for: ApiFor) -> None:
    for title, ends, status in [
        ("Snart slutt", "2025-05-01", "active"),
        ("Lenge igjen", "2027-01-01", "active"),
        ("Utkast", "2026-01-01", "draft"),
    ]:
        create_agreement(
            customer,
            {
                "title": title,
                "starts_on": datetime.date(2024, 1, 1),
                "status": status,
                "ends_on": datetime.date.fromisoformat(ends),
                "ceiling": Decimal(1),
            },
            by=seller,
        )
    api = api_for(seller)
    assert [a["title"] for a in api.get("/api/v1/framework-agreements?status=draft").json()["items"]] == [
        "Utkast"
    ]
    assert [
        a["title"] for a in api.get("/api/v1/framework-agreements?ends_before=2026-06-01").json()["items"]
    ] == ["Snart slutt", "Utkast"]


# Create and change


def test_a_seller_creates_a_customer_with_201(seller: Any, manager: Any, api_for: ApiFor) -> None:
    response = api_for(seller).post(
        "/api/v1/customers",
        {
            "name": "Nordlys Data AS",
            "org_number": "974 760 673",
            "account_owner_id": manager.pk,
            "segment": "public",
            "website": "https://nordlys.example",
        },
        content_type=JSON,
    )
    body = response.json()
    assert response.status_code == 201
    assert (body["org_number"], body["account_owner"], body["version"]) == (
        "974760673",
        {"id": manager.pk, "name": "Lena Leder"},
        1,
    )
    assert Event.objects.about(Customer.objects.get()).filter(verb="customer.created", actor=seller).exists()


def test_a_seller_creates_a_contact_and_an_agreement_with_201(
    customer: Customer, seller: Any, api_for: ApiFor
) -> None:
    api = api_for(seller)
    contact = api.post(
        "/api/v1/contacts",
        {"customer_id": customer.pk, "name": "Kari Nordmann", "email": "kari@fjordlys.no"},
        content_type=JSON,
    )
    agreement = api.post(
        "/api/v1/framework-agreements",
        {
            "customer_id": customer.pk,
            "title": "Rammeavtale",
            "starts_on": "2024-01-01",
            "ends_on": "2026-12-31",
            "extension_count": 1,
            "ceiling": "2500000.00",
            "rates": {"expert": "1650", "project_manager": 1450},
        },
        content_type=JSON,
    )
    assert contact.status_code == 201 and contact.json()["email"] == "kari@fjordlys.no"
    assert agreement.status_code == 201
    assert agreement.json()["latest_end"] == "2027-12-31"
    assert agreement.json()["rates"] == {"expert": "1650.00", "project_manager": "1450.00"}


def test_a_patch_with_the_current_version_changes_only_the_fields_sent(
    customer: Customer, seller: Any, api_for: ApiFor
) -> None:
    response = api_for(seller).patch(
        f"/api/v1/customers/{customer.pk}", {"version": 1, "city": "Stavanger"}, content_type=JSON
    )
    customer.refresh_from_db()
    assert response.status_code == 200 and response.json()["version"] == 2
    assert (customer.name, customer.city, customer.org_number) == (
        "Fjordlys Energi AS",
        "Stavanger",
        "923609016",
    )
    assert set(Event.objects.about(customer).get(verb="customer.updated").changes) == {"city"}


def test_a_stale_patch_is_a_409_naming_the_other_change(
    customer: Customer, seller: Any, manager: Any, api_for: ApiFor
) -> None:
    api_for(seller).patch(
        f"/api/v1/customers/{customer.pk}", {"version": 1, "name": "Fjordlys Energi ASA"}, content_type=JSON
    )
    response = api_for(manager).patch(
        f"/api/v1/customers/{customer.pk}", {"version": 1, "city": "Oslo"}, content_type=JSON
    )
    body = response.json()
    assert response.status_code == 409
    assert body["current_version"] == 2
    assert body["changes"] == [
        {
            "field": "name",
            "label": body["changes"][0]["label"],
            "before": "Fjordlys Energi AS",
            "after": "Fjordlys Energi ASA",
            "by": "Selma Salg",
        }
    ]
    assert "Selma Salg" in body["detail"]
    assert Customer.objects.get(pk=customer.pk).city == "Bergen"


def test_stale_patches_of_contacts_and_agreements_are_409s_too(
    customer: Customer, seller: Any, api_for: ApiFor
) -> None:
    contact = create_contact(customer, {"name": "Kari Nordmann"}, by=seller)
    agreement = create_agreement(
        customer,
        {
            "title": "Avtale",
            "starts_on": datetime.date(2024, 1, 1),
            "ends_on": datetime.date(2025, 1, 1),
            "ceiling": Decimal(1),
        },
        by=seller,
    )
    api = api_for(seller)
    assert (
        api.patch(
            f"/api/v1/contacts/{contact.pk}", {"version": 1, "title": "CIO"}, content_type=JSON
        ).status_code
        == 200
    )
    assert (
        api.patch(
            f"/api/v1/contacts/{contact.pk}", {"version": 1, "phone": "1"}, content_type=JSON
        ).status_code
        == 409
    )
    assert (
        api.patch(
            f"/api/v1/framework-agreements/{agreement.pk}",
            {"version": 1, "rates": {"expert": 1500}},
            content_type=JSON,
        ).status_code
        == 200
    )
    stale = api.patch(
        f"/api/v1/framework-agreements/{agreement.pk}", {"version": 1, "title": "Ny"}, content_type=JSON
    )
    assert stale.status_code == 409 and stale.json()["changes"][0]["field"] == "rates"


def test_a_business_rule_refusal_is_a_409(customer: Customer, seller: Any, api_for: ApiFor) -> None:
    archive_customer(customer, by=seller)
    response = api_for(seller).patch(
        f"/api/v1/customers/{customer.pk}", {"version": 2, "name": "Ny"}, content_type=JSON
    )
    assert response.status_code == 409 and isinstance(response.json()["detail"], str)


def test_archive_and_restore_are_verbs_under_the_customer(
    customer: Customer, seller: Any, api_for: ApiFor
) -> None:
    api = api_for(seller)
    archived = api.post(f"/api/v1/customers/{customer.pk}/archive", {"version": 1}, content_type=JSON)
    restored = api.post(f"/api/v1/customers/{customer.pk}/restore", content_type=JSON)
    assert archived.status_code == 200 and archived.json()["archived_at"] is not None
    assert restored.status_code == 200 and restored.json()["archived_at"] is None


# Refusals


def test_an_outsider_sees_customers_but_gets_403_for_changing_them(
    customer: Customer, seller: Any, outsider: Any, api_for: ApiFor
) -> None:
    contact = create_contact(customer, {"name": "Kari Nordmann"}, by=seller)
    api = api_for(outsider)
    assert api.get(f"/api/v1/customers/{customer.pk}").status_code == 200
    assert (
        api.patch(
            f"/api/v1/customers/{customer.pk}", {"version": 1, "name": "Kapret"}, content_type=JSON
        ).status_code
        == 403
    )
    assert api.post("/api/v1/customers", {"name": "Snik AS"}, content_type=JSON).status_code == 403
    assert api.post(f"/api/v1/customers/{customer.pk}/archive", content_type=JSON).status_code == 403
    assert (
        api.post(
            "/api/v1/contacts", {"customer_id": customer.pk, "name": "Snik"}, content_type=JSON
        ).status_code
        == 403
    )
    assert (
        api.patch(
            f"/api/v1/contacts/{contact.pk}", {"version": 1, "name": "Snik"}, content_type=JSON
        ).status_code
        == 403
    )
    forbidden = api.post(
        "/api/v1/framework-agreements",
        {
            "customer_id": customer.pk,
            "title": "Snik",
            "starts_on": "2024-01-01",
            "ends_on": "2025-01-01",
            "ceiling": 1,
        },
        content_type=JSON,
    )
    assert forbidden.status_code == 403 and isinstance(forbidden.json()["detail"], str)
    assert (Customer.objects.count(), Contact.objects.count(), FrameworkAgreement.objects.count()) == (
        1,
        1,
        0,
    )
    assert Customer.objects.get().name == "Fjordlys Energi AS"


@pytest.mark.parametrize(
    "path", ["/api/v1/customers/987654", "/api/v1/contacts/987654", "/api/v1/framework-agreements/987654"]
)
def test_an_unknown_id_is_a_404_with_a_json_detail(path: str, seller: Any, api_for: ApiFor) -> None:
    api = api_for(seller)
    assert api.get(path).status_code == 404
    response = api.patch(path, {"version": 1}, content_type=JSON)
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_a_contact_for_an_unknown_customer_is_a_404(seller: Any, api_for: ApiFor) -> None:
    response = api_for(seller).post(
        "/api/v1/contacts", {"customer_id": 987654, "name": "Kari"}, content_type=JSON
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "Feil AS", "org_number": "923609017"}, "org_number"),
        ({"name": "Feil AS", "postal_code": "50O3"}, "postal_code"),
        ({"name": "Feil AS", "segment": "martian"}, "segment"),
        ({"name": "Feil AS", "account_owner_id": "Selma"}, "account_owner_id"),
        ({"name": "Feil AS", "account_owner_id": 987654}, "account_owner"),
        ({"name": "Feil\x00 AS"}, "name"),
    ],
)
def test_malformed_input_is_a_422_naming_the_field(
    body: dict[str, Any], field: str, seller: Any, api_for: ApiFor
) -> None:
    response = api_for(seller).post("/api/v1/customers", body, content_type=JSON)
    assert response.status_code == 422
    assert any(error["loc"][-1] == field for error in response.json()["detail"])
    assert not Customer.objects.exists()


def test_a_body_that_is_not_json_is_a_422(seller: Any, api_for: ApiFor) -> None:
    response = api_for(seller).post("/api/v1/customers", "{name: Nordlys", content_type=JSON)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body"]


def test_a_patch_without_a_version_is_a_422(customer: Customer, seller: Any, api_for: ApiFor) -> None:
    response = api_for(seller).patch(f"/api/v1/customers/{customer.pk}", {"name": "Ny"}, content_type=JSON)
    assert response.status_code == 422
    assert Customer.objects.get().name == "Fjordlys Energi AS"


def test_an_agreement_ending_before_it_starts_is_a_422(
    customer: Customer, seller: Any, api_for: ApiFor
) -> None:
    response = api_for(seller).post(
        "/api/v1/framework-agreements",
        {
            "customer_id": customer.pk,
            "title": "Baklengs",
            "starts_on": "2025-01-01",
            "ends_on": "2024-01-01",
            "ceiling": 1,
        },
        content_type=JSON,
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "ends_on"]


def test_a_duplicate_org_number_is_a_422_naming_the_other_customer(
    customer: Customer, seller: Any, api_for: ApiFor
) -> None:
    response = api_for(seller).post(
        "/api/v1/customers", {"name": "Kopi AS", "org_number": "923609016"}, content_type=JSON
    )
    assert response.status_code == 422
    assert "Fjordlys Energi AS" in response.json()["detail"][0]["msg"]


# Authentication


def test_without_a_token_the_api_answers_401(customer: Customer) -> None:
    response = Client().get("/api/v1/customers")
    assert response.status_code == 401 and "detail" in response.json()
    assert Client().post("/api/v1/customers", {"name": "X"}, content_type=JSON).status_code == 401


def test_a_revoked_token_is_refused_with_401(customer: Customer, seller: Any, token_for: Any) -> None:
    headers = token_for(seller)
    assert Client(headers=headers).get("/api/v1/customers").status_code == 200
    revoke_token(ApiToken.objects.get(person=seller), by=seller)
    assert Client(headers=headers).get("/api/v1/customers").status_code == 401


def test_a_deactivated_persons_token_is_refused_with_401(
    customer: Customer, seller: Any, administrator: Any, token_for: Any
) -> None:
    headers = token_for(seller)
    deactivate_person(seller, by=administrator)
    assert Client(headers=headers).get("/api/v1/customers").status_code == 401


def test_a_made_up_token_is_refused_with_401(customer: Customer) -> None:
    for value in ["Bearer ssp_madeup", "Bearer ", "Basic c2VsbWE6c2Ftc3BpbGw=", "ssp_madeup"]:
        assert Client(headers={"Authorization": value}).get("/api/v1/customers").status_code == 401


def test_a_logged_in_browser_session_may_read_the_api(customer: Customer, seller: Any) -> None:
    client = Client()
    client.force_login(seller)
    assert client.get("/api/v1/customers").json()["count"] == 1


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/customers?q=Fjord%00lys",
        "/api/v1/customers?org_number=%00",
        f"/api/v1/customers?account_owner={10**30}",
        "/api/v1/contacts?q=%00",
        f"/api/v1/contacts?customer={10**30}",
        f"/api/v1/framework-agreements?customer={10**30}",
        "/api/v1/framework-agreements?ends_before=2025-02-30",
    ],
)
def test_a_filter_the_database_cannot_hold_is_a_422_not_a_500(
    query: str, customer: Customer, seller: Any, api_for: ApiFor
) -> None:
    response = api_for(seller).get(query)
    assert response.status_code == 422 and "detail" in response.json()


def test_an_id_too_large_for_the_database_is_a_404(seller: Any, api_for: ApiFor) -> None:
    assert api_for(seller).get(f"/api/v1/customers/{10**30}").status_code == 404


def test_field_errors_name_the_field_the_same_way_whoever_finds_them(seller: Any, api_for: ApiFor) -> None:
    api = api_for(seller)
    by_schema = api.post("/api/v1/customers", {"name": ""}, content_type=JSON).json()["detail"]
    by_action = api.post(
        "/api/v1/customers", {"name": "Feil AS", "org_number": "923609017"}, content_type=JSON
    ).json()["detail"]
    assert [e["loc"] for e in by_schema] == [["body", "name"]]
    assert [e["loc"] for e in by_action] == [["body", "org_number"]]


def test_a_version_from_the_future_is_malformed_not_stale(customer: Any, seller: Any, api_for: Any) -> None:
    response = api_for(seller).patch(
        f"/api/v1/customers/{customer.pk}",
        {"version": customer.version + 5, "city": "Oslo"},
        content_type="application/json",
    )
    assert response.status_code == 422
    customer.refresh_from_db()
    assert customer.city == "Bergen"
