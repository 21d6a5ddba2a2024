"""Creating, changing, archiving and restoring customers through their actions."""

from __future__ import annotations

from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.customers.actions import archive_customer, create_customer, restore_customer, update_customer
from samspill.customers.models import Customer
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken, StaleVersion

pytestmark = pytest.mark.django_db


def test_a_seller_creates_a_customer_with_one_creation_event(seller: Any) -> None:
    customer = create_customer(
        {"name": "Nordlys Data AS", "org_number": "974 760 673", "city": "Tromsø"}, by=seller
    )
    event = Event.objects.about(customer).get()
    assert (customer.org_number, customer.version) == ("974760673", 1)
    assert (event.verb, event.actor, event.target_version) == ("customer.created", seller, 1)
    assert event.changes["name"] == {
        "before": None,
        "after": "Nordlys Data AS",
        "before_text": "",
        "after_text": "Nordlys Data AS",
    }
    assert event.changes["city"]["after"] == "Tromsø"
    assert "industry" not in event.changes  # empty fields are not listed


def test_an_outsider_may_not_create_a_customer(outsider: Any) -> None:
    with pytest.raises(NotAllowed):
        create_customer({"name": "Snik AS"}, by=outsider)
    assert not Customer.objects.exists()
    assert not Event.objects.exists()


def test_a_duplicate_org_number_is_refused_naming_the_customer_that_has_it(
    customer: Customer, seller: Any
) -> None:
    with pytest.raises(InvalidInput) as refused:
        create_customer({"name": "Fjordlys Kopi AS", "org_number": "923 609 016"}, by=seller)
    assert "Fjordlys Energi AS" in refused.value.errors["org_number"][0]
    assert Customer.objects.count() == 1


def test_changing_an_org_number_to_another_customers_is_refused(customer: Customer, seller: Any) -> None:
    other = create_customer({"name": "Nordlys Data AS", "org_number": "974760673"}, by=seller)
    with pytest.raises(InvalidInput) as refused:
        update_customer(other, {"org_number": "923609016"}, by=seller, version=other.version)
    other.refresh_from_db()
    assert "Fjordlys Energi AS" in refused.value.errors["org_number"][0]
    assert (other.org_number, other.version) == ("974760673", 1)
    assert not Event.objects.about(other).filter(verb="customer.updated").exists()


def test_an_invalid_org_number_is_refused_with_the_field_named(seller: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        create_customer({"name": "Feil AS", "org_number": "923609017"}, by=seller)
    assert list(refused.value.errors) == ["org_number"]
    assert not Customer.objects.exists()


def test_an_update_appends_one_event_with_before_and_after_of_each_changed_field(
    customer: Customer, manager: Any
) -> None:
    updated = update_customer(
        customer,
        {"name": "Fjordlys Energi ASA", "city": "Bergen", "postal_code": "5003"},
        by=manager,
        version=1,
    )
    event = Event.objects.about(customer).get(verb="customer.updated")
    assert updated.version == 2 and event.target_version == 2 and event.actor == manager
    assert event.changes == {
        "name": {
            "before": "Fjordlys Energi AS",
            "after": "Fjordlys Energi ASA",
            "before_text": "Fjordlys Energi AS",
            "after_text": "Fjordlys Energi ASA",
        },
        "postal_code": {"before": "", "after": "5003", "before_text": "—", "after_text": "5003"},
    }


def test_an_update_that_changes_nothing_writes_no_event_and_keeps_the_version(
    customer: Customer, seller: Any
) -> None:
    same = update_customer(
        customer, {"name": "Fjordlys Energi AS", "city": "Bergen", "notes": ""}, by=seller, version=1
    )
    assert same.version == 1
    assert Event.objects.about(customer).count() == 1  # only the creation


def test_changing_the_account_owner_records_the_people_by_name(
    customer: Customer, seller: Any, manager: Any
) -> None:
    update_customer(customer, {"account_owner": manager}, by=seller, version=1)
    change = Event.objects.about(customer).get(verb="customer.updated").changes["account_owner"]
    assert change == {
        "before": seller.pk,
        "after": manager.pk,
        "before_text": "Selma Salg",
        "after_text": "Lena Leder",
    }


def test_a_deactivated_person_cannot_become_account_owner(
    customer: Customer, seller: Any, expert: Any
) -> None:
    expert.is_active = False
    expert.save(update_fields=["is_active"])
    with pytest.raises(InvalidInput) as refused:
        update_customer(customer, {"account_owner": expert}, by=seller, version=1)
    assert list(refused.value.errors) == ["account_owner"]


def test_a_stale_version_is_refused_listing_the_other_persons_changes(
    customer: Customer, seller: Any, manager: Any
) -> None:
    update_customer(customer, {"name": "Fjordlys Energi ASA"}, by=seller, version=1)
    with pytest.raises(StaleVersion) as refused:
        update_customer(customer, {"city": "Oslo"}, by=manager, version=1)
    error = refused.value
    customer.refresh_from_db()
    assert error.current_version == 2
    assert [(c.field, c.before, c.after, c.by) for c in error.changes] == [
        ("name", "Fjordlys Energi AS", "Fjordlys Energi ASA", "Selma Salg")
    ]
    assert "Selma Salg" in error.message and "Fjordlys Energi ASA" in error.message
    assert (customer.city, customer.version) == ("Bergen", 2)


def test_saving_again_from_the_current_version_overwrites_deliberately(
    customer: Customer, seller: Any, manager: Any
) -> None:
    update_customer(customer, {"name": "Fjordlys Energi ASA"}, by=seller, version=1)
    updated = update_customer(customer, {"city": "Oslo"}, by=manager, version=2)
    assert (updated.name, updated.city, updated.version) == ("Fjordlys Energi ASA", "Oslo", 3)


def test_a_field_that_is_not_a_customer_detail_cannot_be_changed(customer: Customer, seller: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        update_customer(customer, {"archived_at": None, "version": 7}, by=seller, version=1)
    assert set(refused.value.errors) == {"archived_at", "version"}


def test_archiving_hides_the_customer_and_appends_an_event(customer: Customer, seller: Any) -> None:
    archived = archive_customer(customer, by=seller, version=1)
    assert archived.is_archived and archived.version == 2
    assert not Customer.objects.active().filter(pk=customer.pk).exists()
    assert Event.objects.about(customer).filter(verb="customer.archived", actor=seller).count() == 1


def test_archiving_twice_changes_nothing_the_second_time(customer: Customer, seller: Any) -> None:
    first = archive_customer(customer, by=seller)
    second = archive_customer(customer, by=seller)
    assert (second.archived_at, second.version) == (first.archived_at, first.version)
    assert Event.objects.about(customer).filter(verb="customer.archived").count() == 1


def test_an_archived_customer_refuses_edits_until_restored(customer: Customer, seller: Any) -> None:
    archived = archive_customer(customer, by=seller)
    with pytest.raises(RuleBroken):
        update_customer(archived, {"name": "Nytt navn AS"}, by=seller, version=archived.version)
    restored = restore_customer(archived, by=seller, version=archived.version)
    renamed = update_customer(restored, {"name": "Nytt navn AS"}, by=seller, version=restored.version)
    assert not restored.is_archived and renamed.name == "Nytt navn AS"
    assert list(Event.objects.about(customer).order_by("id").values_list("verb", flat=True)) == [
        "customer.created",
        "customer.archived",
        "customer.restored",
        "customer.updated",
    ]


def test_an_edit_from_a_copy_read_before_archiving_is_refused(customer: Customer, seller: Any) -> None:
    archive_customer(Customer.objects.get(pk=customer.pk), by=seller)
    with pytest.raises(RuleBroken):
        update_customer(customer, {"name": "Nytt navn AS"}, by=seller, version=None)
    assert Customer.objects.get(pk=customer.pk).name == "Fjordlys Energi AS"


def test_an_outsider_may_not_archive(customer: Customer, outsider: Any) -> None:
    with pytest.raises(NotAllowed):
        archive_customer(customer, by=outsider)
    assert not Customer.objects.get(pk=customer.pk).is_archived


def test_a_duplicate_org_number_saved_by_someone_else_at_the_same_moment_is_refused_as_input(
    customer: Customer, seller: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both checks pass when the other person's row is not yet committed; the database's constraint decides.
    monkeypatch.setattr("samspill.customers.actions._check_org_number", lambda customer: None)
    monkeypatch.setattr("samspill.customers.actions._validated", lambda obj, exclude=None: None)
    with pytest.raises(InvalidInput) as refused:
        create_customer({"name": "Samtidig AS", "org_number": "923609016"}, by=seller)
    assert list(refused.value.errors) == ["org_number"]
    assert list(Customer.objects.values_list("name", flat=True)) == ["Fjordlys Energi AS"]
    assert not Event.objects.filter(verb="customer.created", target_repr="Samtidig AS").exists()
