"""The customer pages: list, detail, create and edit, with the refusals."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from samspill.activity.models import Event
from samspill.customers.models import Customer

pytestmark = pytest.mark.django_db


def logged_in(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_list_shows_customers_to_everybody(customer: Customer, outsider: Any) -> None:
    response = logged_in(outsider).get("/customers/")
    assert response.status_code == 200
    assert "Fjordlys Energi AS" in response.content.decode()


def test_a_seller_creates_a_customer_and_an_event_is_written(seller: Any) -> None:
    response = logged_in(seller).post(
        "/customers/new/", {"name": "Nordlys Data AS", "org_number": "974 760 673"}
    )
    customer = Customer.objects.get(name="Nordlys Data AS")
    assert response.status_code == 302
    assert customer.org_number == "974760673"
    assert Event.objects.about(customer).filter(verb="customer.created", actor=seller).exists()


def test_a_wrong_org_number_is_refused_in_norwegian(seller: Any) -> None:
    response = logged_in(seller).post("/customers/new/", {"name": "Feil AS", "org_number": "923609017"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "kontrollsifferet" in page or "check digit" in page
    assert not Customer.objects.filter(name="Feil AS").exists()


def test_an_outsider_may_not_create_or_edit(customer: Customer, outsider: Any) -> None:
    client = logged_in(outsider)
    assert client.get("/customers/new/").status_code == 404
    assert client.post(f"/customers/{customer.pk}/edit/", {"name": "Hijacked"}).status_code == 404
    customer.refresh_from_db()
    assert customer.name == "Fjordlys Energi AS"


def test_a_stale_edit_is_refused_with_the_other_change_shown(
    customer: Customer, seller: Any, manager: Any
) -> None:
    first, second = logged_in(seller), logged_in(manager)
    version = customer.version
    ok = first.post(
        f"/customers/{customer.pk}/edit/",
        {"name": "Fjordlys Energi ASA", "version": version, "city": "Bergen", "org_number": "923609016"},
    )
    assert ok.status_code == 302
    stale = second.post(
        f"/customers/{customer.pk}/edit/",
        {"name": "Fjordlys AS", "version": version, "org_number": "923609016", "city": "Oslo"},
    )
    page = stale.content.decode()
    customer.refresh_from_db()
    assert stale.status_code == 200
    assert "Fjordlys Energi ASA" in page and "Selma Salg" in page
    assert customer.name == "Fjordlys Energi ASA" and customer.city == "Bergen"
    assert 'value="Fjordlys AS"' in page  # what the second person typed is kept


def test_the_detail_page_shows_contacts_and_activity(customer: Customer, outsider: Any) -> None:
    response = logged_in(outsider).get(f"/customers/{customer.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-panel="customers.contacts"' in html
    # The customer's opportunities come first, above the contacts.
    assert html.index('data-panel="pipeline.opportunities"') < html.index('data-panel="customers.contacts"')


def test_an_unknown_customer_is_a_404(outsider: Any) -> None:
    assert logged_in(outsider).get("/customers/999999/").status_code == 404


def test_the_start_page_lists_my_customers(customer: Customer, seller: Any) -> None:
    response = logged_in(seller).get("/")
    assert response.status_code == 200
    assert "Fjordlys Energi AS" in response.content.decode()


def test_after_a_stale_edit_untouched_fields_take_the_other_persons_value(
    customer: Customer, seller: Any, manager: Any
) -> None:
    version = customer.version
    logged_in(seller).post(
        f"/customers/{customer.pk}/edit/",
        {"name": "Fjordlys Energi ASA", "org_number": "923609016", "city": "Bergen", "version": version},
    )
    stale = logged_in(manager).post(
        f"/customers/{customer.pk}/edit/",
        {"name": "Fjordlys Energi AS", "org_number": "923609016", "city": "Sandnes", "version": version},
    )
    page = stale.content.decode()
    assert 'value="Fjordlys Energi ASA"' in page  # the other person's new name, not the old one
    assert 'value="Sandnes"' in page  # what this person typed
    assert f'name="version" value="{version + 1}"' in page
