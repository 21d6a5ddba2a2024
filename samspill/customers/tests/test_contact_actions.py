"""Adding, changing and archiving the people we talk to at a customer."""

from __future__ import annotations

from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.customers.actions import archive_contact, archive_customer, create_contact, update_contact
from samspill.customers.models import Contact, Customer
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken, StaleVersion

pytestmark = pytest.mark.django_db


def test_a_seller_adds_a_contact_and_the_event_belongs_to_the_customer(
    customer: Customer, seller: Any
) -> None:
    contact = create_contact(
        customer, {"name": "Kari Nordmann", "email": "kari@fjordlys.no", "title": "CIO"}, by=seller
    )
    event = Event.objects.about(contact).get()
    assert contact.customer == customer and contact.version == 1
    assert (event.verb, event.context_id) == ("contact.created", str(customer.pk))
    assert event.changes["email"]["after"] == "kari@fjordlys.no"


def test_a_contact_needs_a_name_and_a_valid_email(customer: Customer, seller: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        create_contact(customer, {"name": "", "email": "not-an-address"}, by=seller)
    assert set(refused.value.errors) == {"name", "email"}
    assert not Contact.objects.exists()


def test_an_archived_customer_gets_no_new_contacts(customer: Customer, seller: Any) -> None:
    archive_customer(customer, by=seller)
    with pytest.raises(RuleBroken):
        create_contact(Customer.objects.get(pk=customer.pk), {"name": "Kari Nordmann"}, by=seller)


def test_changing_a_contact_records_each_field_once(customer: Customer, seller: Any, manager: Any) -> None:
    contact = create_contact(customer, {"name": "Kari Nordmann", "phone": "55 00 00 00"}, by=seller)
    update_contact(contact, {"title": "CTO", "phone": "55 00 00 00"}, by=manager, version=1)
    event = Event.objects.about(contact).get(verb="contact.updated")
    assert event.changes == {"title": {"before": "", "after": "CTO", "before_text": "—", "after_text": "CTO"}}
    assert event.context_id == str(customer.pk)


def test_a_stale_contact_edit_names_who_changed_what(customer: Customer, seller: Any, manager: Any) -> None:
    contact = create_contact(customer, {"name": "Kari Nordmann"}, by=seller)
    update_contact(contact, {"title": "CTO"}, by=seller, version=1)
    with pytest.raises(StaleVersion) as refused:
        update_contact(contact, {"phone": "99 99 99 99"}, by=manager, version=1)
    assert [(c.field, c.after, c.by) for c in refused.value.changes] == [("title", "CTO", "Selma Salg")]
    assert Contact.objects.get(pk=contact.pk).phone == ""


def test_a_contact_edit_that_fails_validation_writes_nothing(customer: Customer, seller: Any) -> None:
    contact = create_contact(customer, {"name": "Kari Nordmann"}, by=seller)
    with pytest.raises(InvalidInput):
        update_contact(contact, {"email": "kari at fjordlys"}, by=seller, version=1)
    contact.refresh_from_db()
    assert (contact.email, contact.version) == ("", 1)
    assert not Event.objects.about(contact).filter(verb="contact.updated").exists()


def test_archiving_a_contact_once_appends_one_event(customer: Customer, seller: Any) -> None:
    contact = create_contact(customer, {"name": "Kari Nordmann"}, by=seller)
    archive_contact(contact, by=seller)
    archive_contact(contact, by=seller)
    assert not Contact.objects.active().exists()
    assert Event.objects.about(contact).filter(verb="contact.archived").count() == 1


def test_an_outsider_may_not_add_change_or_archive_contacts(
    customer: Customer, seller: Any, outsider: Any
) -> None:
    contact = create_contact(customer, {"name": "Kari Nordmann"}, by=seller)
    with pytest.raises(NotAllowed):
        create_contact(customer, {"name": "Ola Nordmann"}, by=outsider)
    with pytest.raises(NotAllowed):
        update_contact(contact, {"name": "Ola Nordmann"}, by=outsider, version=1)
    with pytest.raises(NotAllowed):
        archive_contact(contact, by=outsider)
    assert list(Contact.objects.active().values_list("name", flat=True)) == ["Kari Nordmann"]


def test_contacts_of_an_archived_customer_can_no_longer_be_changed(customer: Any, seller: Any) -> None:
    from samspill.customers.actions import archive_customer, create_contact, update_contact
    from samspill.lib.errors import RuleBroken

    contact = create_contact(customer, {"name": "Kari Nordmann"}, by=seller)
    archive_customer(customer, by=seller)
    contact.refresh_from_db()
    with pytest.raises(RuleBroken):
        update_contact(contact, {"title": "Innkjøper"}, by=seller, version=contact.version)
