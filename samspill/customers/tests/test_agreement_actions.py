"""Framework agreements: terms, a ceiling and the hourly rate agreed per role."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from samspill.activity.models import Event
from samspill.customers.actions import (
    archive_agreement,
    archive_customer,
    create_agreement,
    update_agreement,
)
from samspill.customers.models import AgreementRate, Customer, FrameworkAgreement
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken, StaleVersion

pytestmark = pytest.mark.django_db

TERMS = {
    "title": "Rammeavtale konsulenttjenester",
    "starts_on": datetime.date(2024, 1, 1),
    "ends_on": datetime.date(2026, 12, 31),
    "ceiling": Decimal(20_000_000),
    "extension_count": 2,
    "extension_months": 12,
}


def _agreement(customer: Customer, by: Any, **terms: Any) -> FrameworkAgreement:
    return create_agreement(
        customer, {**TERMS, **terms}, rates={"project_manager": "1450", "expert": 1650}, by=by
    )


def test_a_seller_registers_an_agreement_with_rates_per_role(customer: Customer, seller: Any) -> None:
    agreement = _agreement(customer, seller)
    event = Event.objects.about(agreement).get()
    assert agreement.rate_for("project_manager") == Decimal("1450.00")
    assert agreement.rate_for("expert") == Decimal("1650.00")
    assert agreement.rate_for("seller") is None
    assert agreement.latest_end == datetime.date(2028, 12, 31)
    assert (event.verb, event.context_id) == ("agreement.created", str(customer.pk))
    assert event.changes["ceiling"]["after"] == "20000000"


def test_an_agreement_that_ends_before_it_starts_is_refused(customer: Customer, seller: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        _agreement(customer, seller, starts_on=datetime.date(2025, 6, 1), ends_on=datetime.date(2025, 5, 31))
    assert list(refused.value.errors) == ["ends_on"]
    assert (
        not FrameworkAgreement.objects.exists()
        and not Event.objects.about(customer).exclude(verb="customer.created").exists()
    )


def test_a_negative_rate_or_an_unknown_role_is_refused(customer: Customer, seller: Any) -> None:
    with pytest.raises(InvalidInput):
        create_agreement(customer, TERMS, rates={"expert": "-1"}, by=seller)
    with pytest.raises(InvalidInput):
        create_agreement(customer, TERMS, rates={"astronaut": "1000"}, by=seller)
    with pytest.raises(InvalidInput):
        create_agreement(customer, TERMS, rates={"expert": "lots"}, by=seller)
    assert not FrameworkAgreement.objects.exists() and not AgreementRate.objects.exists()


def test_more_than_twenty_extensions_are_refused(customer: Customer, seller: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        _agreement(customer, seller, extension_count=21)
    assert list(refused.value.errors) == ["extension_count"]


def test_an_agreement_whose_extensions_run_past_year_9999_is_refused(customer: Customer, seller: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        _agreement(customer, seller, ends_on=datetime.date(9999, 6, 30), extension_count=1)
    assert list(refused.value.errors) == ["ends_on"]
    assert not FrameworkAgreement.objects.exists()


def test_an_archived_customer_gets_no_new_agreements(customer: Customer, seller: Any) -> None:
    archive_customer(customer, by=seller)
    with pytest.raises(RuleBroken):
        _agreement(Customer.objects.get(pk=customer.pk), seller)


def test_changing_terms_and_rates_appends_one_event_with_both(customer: Customer, seller: Any) -> None:
    agreement = _agreement(customer, seller)
    update_agreement(
        agreement,
        {"ceiling": Decimal(25_000_000), "title": TERMS["title"]},
        rates={"project_manager": "1500", "expert": "1650"},
        by=seller,
        version=1,
    )
    event = Event.objects.about(agreement).get(verb="agreement.updated")
    assert set(event.changes) == {"ceiling", "rates"}
    assert (
        event.changes["ceiling"]["before"] == "20000000.00"
        and event.changes["ceiling"]["after"] == "25000000"
    )
    assert event.changes["rates"]["before"] == {"expert": "1650.00", "project_manager": "1450.00"}
    assert event.changes["rates"]["after"] == {"expert": "1650.00", "project_manager": "1500.00"}
    assert FrameworkAgreement.objects.get(pk=agreement.pk).rate_for("project_manager") == Decimal("1500.00")


def test_removing_a_rate_deletes_it(customer: Customer, seller: Any) -> None:
    agreement = _agreement(customer, seller)
    update_agreement(agreement, {}, rates={"project_manager": "1450", "expert": None}, by=seller, version=1)
    assert list(AgreementRate.objects.filter(agreement=agreement).values_list("role", flat=True)) == [
        "project_manager"
    ]


def test_the_same_terms_and_rates_change_nothing(customer: Customer, seller: Any) -> None:
    agreement = _agreement(customer, seller)
    same = update_agreement(
        agreement, dict(TERMS), rates={"project_manager": "1450.00", "expert": "1650"}, by=seller, version=1
    )
    assert same.version == 1
    assert not Event.objects.about(agreement).filter(verb="agreement.updated").exists()


def test_moving_the_end_before_the_start_is_refused_and_writes_nothing(
    customer: Customer, seller: Any
) -> None:
    agreement = _agreement(customer, seller)
    with pytest.raises(InvalidInput):
        update_agreement(
            agreement, {"ends_on": datetime.date(2023, 12, 31)}, rates={"expert": "1"}, by=seller, version=1
        )
    agreement.refresh_from_db()
    assert (agreement.ends_on, agreement.version) == (TERMS["ends_on"], 1)
    assert agreement.rate_for("expert") == Decimal("1650.00")
    assert not Event.objects.about(agreement).filter(verb="agreement.updated").exists()


def test_a_stale_agreement_edit_lists_the_other_change(customer: Customer, seller: Any, manager: Any) -> None:
    agreement = _agreement(customer, seller)
    with translation.override("en"):
        update_agreement(agreement, {"status": "terminated"}, by=manager, version=1)
    with pytest.raises(StaleVersion) as refused:
        update_agreement(agreement, {"title": "Ny tittel"}, by=seller, version=1)
    assert [(c.field, c.before, c.after, c.by) for c in refused.value.changes] == [
        ("status", "Active", "Terminated", "Lena Leder")
    ]  # the labels, as the person read them


def test_archiving_an_agreement_hides_it(customer: Customer, seller: Any) -> None:
    agreement = _agreement(customer, seller)
    archive_agreement(agreement, by=seller)
    assert not FrameworkAgreement.objects.active().exists()
    assert Event.objects.about(agreement).filter(verb="agreement.archived").count() == 1


def test_an_outsider_may_not_register_or_change_agreements(
    customer: Customer, seller: Any, outsider: Any
) -> None:
    agreement = _agreement(customer, seller)
    with pytest.raises(NotAllowed):
        _agreement(customer, outsider)
    with pytest.raises(NotAllowed):
        update_agreement(agreement, {"title": "Kapret"}, by=outsider, version=1)
    assert FrameworkAgreement.objects.get().title == TERMS["title"]


def test_an_archived_agreement_can_no_longer_be_changed(customer: Customer, seller: Any) -> None:
    agreement = archive_agreement(_agreement(customer, seller), by=seller)
    with pytest.raises(RuleBroken):
        update_agreement(agreement, {"title": "Ny tittel"}, by=seller, version=agreement.version)
    agreement.refresh_from_db()
    assert agreement.title == TERMS["title"]
