"""The customer list page and the customers, contacts and agreements API lists cost the same number of
queries for 3 rows as for 30: no query per row."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from samspill.customers.models import AgreementRate, Contact, Customer, FrameworkAgreement

pytestmark = pytest.mark.django_db

ClientFor = Callable[[Any], Client]


def _add_rows(count: int, owner: Any, lead: Any) -> None:
    """Insert `count` customers, each with a contact and an agreement with two rates, in bulk."""
    start = Customer.objects.count()
    customers = Customer.objects.bulk_create(
        Customer(
            name=f"Kunde {start + i:03} AS",
            city="Bergen",
            segment="public",
            account_owner=owner,
            delivery_lead=lead,
        )
        for i in range(count)
    )
    Contact.objects.bulk_create(Contact(customer=c, name=f"Kontakt {c.name}") for c in customers)
    agreements = FrameworkAgreement.objects.bulk_create(
        FrameworkAgreement(
            customer=c,
            title=f"Avtale {c.name}",
            starts_on=datetime.date(2024, 1, 1),
            ends_on=datetime.date(2026, 1, 1),
            ceiling=Decimal(1000),
        )
        for c in customers
    )
    AgreementRate.objects.bulk_create(
        AgreementRate(agreement=a, role=role, hourly_rate=Decimal(1500))
        for a in agreements
        for role in ("expert", "project_manager")
    )


def _queries(client: Client, url: str) -> int:
    client.get(url)  # the first request may record a token's use; count the steady state
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url", ["/customers/", "/customers/?sort=-updated&segment=public", "/customers/agreements/"]
)
def test_a_list_page_costs_the_same_queries_for_3_and_30_rows(
    url: str, seller: Any, project_manager: Any, client_for: ClientFor
) -> None:
    client = client_for(seller)
    _add_rows(3, seller, project_manager)
    few = _queries(client, url)
    _add_rows(27, seller, project_manager)
    many = _queries(client, url)
    assert few == many, f"{url}: {few} queries for 3 rows, {many} for 30"


@pytest.mark.parametrize(
    ("url", "expected"),
    [("/api/v1/customers", 3), ("/api/v1/contacts", 3), ("/api/v1/framework-agreements", 4)],
)
def test_an_api_list_costs_the_same_queries_for_3_and_30_rows(
    url: str, expected: int, seller: Any, project_manager: Any, token_for: Any
) -> None:
    api = Client(headers=token_for(seller))
    _add_rows(3, seller, project_manager)
    few = _queries(api, url)
    _add_rows(27, seller, project_manager)
    many = _queries(api, url)
    assert few == many == expected, f"{url}: {few} queries for 3 rows, {many} for 30"
