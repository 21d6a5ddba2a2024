"""The event log is append-only, and an action that is refused leaves neither its change nor an event."""

from __future__ import annotations

from typing import Any

import pytest

from samspill.activity.models import Event, ImmutableEvent
from samspill.customers.actions import create_customer, update_customer
from samspill.customers.models import Customer
from samspill.lib import actions
from samspill.lib.errors import InvalidInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(customer: Customer) -> Event:
    return Event.objects.about(customer).get()


def test_an_event_cannot_be_saved_again(event: Event) -> None:
    event.verb = "customer.deleted"
    with pytest.raises(ImmutableEvent):
        event.save()
    with pytest.raises(ImmutableEvent):
        event.save(update_fields=["verb"])
    assert Event.objects.get(pk=event.pk).verb == "customer.created"


def test_events_cannot_be_updated_in_bulk(event: Event) -> None:
    with pytest.raises(ImmutableEvent):
        Event.objects.filter(pk=event.pk).update(verb="customer.deleted")
    with pytest.raises(ImmutableEvent):
        Event.objects.update(verb="customer.deleted")
    with pytest.raises(ImmutableEvent):
        Event.objects.bulk_update([event], ["verb"])
    assert Event.objects.get(pk=event.pk).verb == "customer.created"


def test_events_cannot_be_deleted(event: Event) -> None:
    with pytest.raises(ImmutableEvent):
        event.delete()
    with pytest.raises(ImmutableEvent):
        Event.objects.filter(pk=event.pk).delete()
    with pytest.raises(ImmutableEvent):
        Event.objects.all().delete()
    assert Event.objects.filter(pk=event.pk).exists()


def test_a_refused_update_writes_neither_the_change_nor_an_event(customer: Customer, seller: Any) -> None:
    create_customer({"name": "Nordlys Data AS", "org_number": "974760673"}, by=seller)
    events = Event.objects.count()
    with pytest.raises(InvalidInput):
        update_customer(customer, {"name": "Nytt navn AS", "org_number": "974760673"}, by=seller, version=1)
    customer.refresh_from_db()
    assert (customer.name, customer.org_number, customer.version) == ("Fjordlys Energi AS", "923609016", 1)
    assert Event.objects.count() == events


def test_an_update_whose_validation_fails_after_the_write_began_is_rolled_back(
    customer: Customer, seller: Any
) -> None:
    def refuse(current: Customer) -> None:
        raise InvalidInput({"name": ["No."]})

    with pytest.raises(InvalidInput):
        actions.update(
            customer, {"name": "Nytt navn AS"}, by=seller, version=1, verb="customer.updated", validate=refuse
        )
    assert Customer.objects.get(pk=customer.pk).name == "Fjordlys Energi AS"
    assert not Event.objects.filter(verb="customer.updated").exists()


def test_a_refused_creation_writes_no_row_and_no_event(seller: Any) -> None:
    with pytest.raises(InvalidInput):
        create_customer({"name": "", "org_number": "123"}, by=seller)
    assert not Customer.objects.exists() and not Event.objects.exists()


def test_an_event_records_who_what_and_which_version(customer: Customer, seller: Any) -> None:
    update_customer(customer, {"city": "Oslo"}, by=seller, version=1)
    event = Event.objects.about(customer).filter(verb="customer.updated").get()
    assert (event.actor, event.target_repr, event.target_version, event.target_id) == (
        seller,
        "Fjordlys Energi AS",
        2,
        str(customer.pk),
    )
    assert event.changes["city"] == {
        "before": "Bergen",
        "after": "Oslo",
        "before_text": "Bergen",
        "after_text": "Oslo",
    }
