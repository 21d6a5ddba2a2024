"""The contacts list: search, filters, sorting, paging and a constant number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from samspill.customers.actions import archive_contact, create_contact, create_customer
from samspill.customers.models import Contact, Customer

pytestmark = pytest.mark.django_db


def _client(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_contacts_are_found_by_customer_name_and_sorted(
    customer: Customer, seller: Any, outsider: Any
) -> None:
    other = create_customer({"name": "Austevoll Sjømat AS"}, by=seller)
    create_contact(customer, {"name": "Kari Nordmann", "email": "kari@fjordlys.example.no"}, by=seller)
    create_contact(other, {"name": "Ola Vik"}, by=seller)
    page = _client(outsider).get("/customers/contacts/?q=fjordlys").content.decode()
    assert "Kari Nordmann" in page and "Ola Vik" not in page
    ordered = _client(outsider).get("/customers/contacts/?sort=-customer").content.decode()
    assert ordered.index("Kari Nordmann") < ordered.index("Ola Vik")  # Fjordlys before Austevoll


def test_archived_contacts_show_only_when_asked_for(customer: Customer, seller: Any) -> None:
    archive_contact(create_contact(customer, {"name": "Gammel Kontakt"}, by=seller), by=seller)
    assert "Gammel Kontakt" not in _client(seller).get("/customers/contacts/").content.decode()
    assert "Gammel Kontakt" in _client(seller).get("/customers/contacts/?archived=on").content.decode()


def test_only_my_customers_narrows_the_list(customer: Customer, seller: Any, manager: Any) -> None:
    theirs = create_customer({"name": "Ledelsens Kunde AS", "account_owner": manager}, by=manager)
    create_contact(customer, {"name": "Min Kontakt"}, by=seller)
    create_contact(theirs, {"name": "Annen Kontakt"}, by=manager)
    page = _client(seller).get("/customers/contacts/?mine=on").content.decode()
    assert "Min Kontakt" in page and "Annen Kontakt" not in page


def test_an_unknown_sort_falls_back_to_name(customer: Customer, seller: Any) -> None:
    assert _client(seller).get("/customers/contacts/?sort=password").status_code == 200


def test_the_list_issues_the_same_number_of_queries_for_3_and_30_contacts(
    customer: Customer, seller: Any
) -> None:
    client = _client(seller)

    def count(n: int) -> int:
        Contact.objects.bulk_create(Contact(customer=customer, name=f"Kontakt {i}") for i in range(n))
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/customers/contacts/").status_code == 200
        return len(queries)

    assert count(3) == count(27)


def test_agreements_sort_by_ceiling(customer: Customer, seller: Any) -> None:
    import datetime
    from decimal import Decimal

    from samspill.customers.actions import create_agreement

    terms = {"starts_on": datetime.date(2025, 1, 1), "ends_on": datetime.date(2027, 1, 1)}
    create_agreement(customer, {**terms, "title": "Liten avtale", "ceiling": Decimal(1_000_000)}, by=seller)
    create_agreement(customer, {**terms, "title": "Stor avtale", "ceiling": Decimal(50_000_000)}, by=seller)
    page = _client(seller).get("/customers/agreements/?sort=-ceiling").content.decode()
    assert page.index("Stor avtale") < page.index("Liten avtale")
    assert 'aria-sort="descending"' in page
