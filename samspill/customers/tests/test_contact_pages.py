"""The contact pages: add, edit and archive a contact from the customer page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from samspill.activity.models import Event
from samspill.customers.actions import create_contact
from samspill.customers.models import Contact, Customer

pytestmark = pytest.mark.django_db

ClientFor = Callable[[Any], Client]


def contacts_panel(page: str) -> str:
    """Return the HTML of the contacts panel on a customer page."""
    return page.split('data-panel="customers.contacts">', 1)[1].split("</section>", 1)[0]


@pytest.fixture
def kari(customer: Customer, seller: Any) -> Contact:
    return create_contact(customer, {"name": "Kari Nordmann", "email": "kari@fjordlys.no"}, by=seller)


def test_a_seller_adds_a_contact_and_sees_it_on_the_customer_page(
    customer: Customer, seller: Any, client_for: ClientFor
) -> None:
    client = client_for(seller)
    response = client.post(
        f"/customers/{customer.pk}/contacts/new/",
        {"name": "Ola Nordmann", "title": "Innkjøpssjef", "email": "ola@fjordlys.no"},
    )
    contact = Contact.objects.get(name="Ola Nordmann")
    assert response.status_code == 302 and response["Location"] == customer.get_absolute_url()
    assert contact.customer == customer
    assert Event.objects.about(contact).filter(verb="contact.created", actor=seller).exists()
    assert "Ola Nordmann" in contacts_panel(client.get(customer.get_absolute_url()).content.decode())


def test_a_contact_with_a_bad_email_is_shown_again_with_the_error(
    customer: Customer, seller: Any, client_for: ClientFor
) -> None:
    response = client_for(seller).post(
        f"/customers/{customer.pk}/contacts/new/", {"name": "Ola Nordmann", "email": "ola at fjordlys"}
    )
    assert response.status_code == 200
    assert 'value="Ola Nordmann"' in response.content.decode()
    assert not Contact.objects.exists()


def test_a_seller_edits_a_contact_from_the_version_they_read(
    kari: Contact, seller: Any, client_for: ClientFor
) -> None:
    response = client_for(seller).post(
        f"/customers/contacts/{kari.pk}/",
        {"name": "Kari Nordmann", "email": "kari@fjordlys.no", "title": "CIO", "version": 1},
    )
    kari.refresh_from_db()
    assert response.status_code == 302
    assert (kari.title, kari.version) == ("CIO", 2)


def test_a_stale_contact_edit_shows_what_the_other_person_changed(
    kari: Contact, seller: Any, manager: Any, client_for: ClientFor
) -> None:
    client_for(seller).post(
        f"/customers/contacts/{kari.pk}/", {"name": "Kari Nordmann", "title": "CIO", "version": 1}
    )
    stale = client_for(manager).post(f"/customers/contacts/{kari.pk}/", {"name": "Kari N.", "version": 1})
    page = stale.content.decode()
    kari.refresh_from_db()
    assert stale.status_code == 200
    assert "Selma Salg" in page and "CIO" in page
    assert (kari.name, kari.title) == ("Kari Nordmann", "CIO")


def test_a_seller_archives_a_contact(
    kari: Contact, customer: Customer, seller: Any, client_for: ClientFor
) -> None:
    client = client_for(seller)
    response = client.post(f"/customers/contacts/{kari.pk}/", {"archive": "1"})
    assert response.status_code == 302
    assert Contact.objects.get(pk=kari.pk).archived_at is not None
    assert "Kari Nordmann" not in contacts_panel(client.get(customer.get_absolute_url()).content.decode())


def test_an_outsider_gets_a_404_for_adding_editing_or_archiving(
    kari: Contact, customer: Customer, outsider: Any, client_for: ClientFor
) -> None:
    client = client_for(outsider)
    assert client.get(f"/customers/{customer.pk}/contacts/new/").status_code == 404
    assert client.post(f"/customers/{customer.pk}/contacts/new/", {"name": "Snik"}).status_code == 404
    assert client.get(f"/customers/contacts/{kari.pk}/").status_code == 404
    assert client.post(f"/customers/contacts/{kari.pk}/", {"name": "Snik", "version": 1}).status_code == 404
    assert client.post(f"/customers/contacts/{kari.pk}/", {"archive": "1"}).status_code == 404
    kari.refresh_from_db()
    assert (kari.name, kari.archived_at, Contact.objects.count()) == ("Kari Nordmann", None, 1)


def test_an_unknown_contact_is_a_404(seller: Any, client_for: ClientFor) -> None:
    assert client_for(seller).get("/customers/contacts/987654/").status_code == 404
