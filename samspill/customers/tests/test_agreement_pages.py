"""The framework agreement pages: the list with its filters, create, edit and archive."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from samspill.activity.models import Event
from samspill.customers.actions import create_agreement
from samspill.customers.models import Customer, FrameworkAgreement

pytestmark = pytest.mark.django_db

ClientFor = Callable[[Any], Client]

FORM = {
    "title": "Rammeavtale rådgivning",
    "reference": "2024/117",
    "status": "active",
    "starts_on": "2024-01-01",
    "ends_on": "31.12.2026",
    "extension_count": "2",
    "extension_months": "12",
    "ceiling": "5000000",
    "rate_project_manager": "1450",
    "rate_expert": "1650.50",
}


def _agreement(customer: Customer, by: Any, title: str, ends_on: datetime.date) -> FrameworkAgreement:
    return create_agreement(
        customer,
        {
            "title": title,
            "starts_on": datetime.date(2023, 1, 1),
            "ends_on": ends_on,
            "ceiling": Decimal(1_000_000),
        },
        rates={"expert": "1500"},
        by=by,
    )


def test_a_seller_registers_an_agreement_with_rates(
    customer: Customer, seller: Any, client_for: ClientFor
) -> None:
    response = client_for(seller).post(f"/customers/{customer.pk}/agreements/new/", FORM)
    agreement = FrameworkAgreement.objects.get()
    assert response.status_code == 302 and response["Location"] == agreement.get_absolute_url()
    assert (agreement.customer, agreement.ends_on) == (customer, datetime.date(2026, 12, 31))
    assert agreement.rate_for("expert") == Decimal("1650.50")
    assert agreement.rate_for("seller") is None
    assert Event.objects.about(agreement).filter(verb="agreement.created", actor=seller).exists()


def test_an_agreement_ending_before_it_starts_is_refused_on_the_form(
    customer: Customer, seller: Any, client_for: ClientFor
) -> None:
    response = client_for(seller).post(
        f"/customers/{customer.pk}/agreements/new/",
        {**FORM, "starts_on": "2025-01-01", "ends_on": "2024-12-31"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["ends_on"]
    assert not FrameworkAgreement.objects.exists()


def test_too_many_extensions_are_refused_on_the_form(
    customer: Customer, seller: Any, client_for: ClientFor
) -> None:
    response = client_for(seller).post(
        f"/customers/{customer.pk}/agreements/new/", {**FORM, "extension_count": "30000"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["extension_count"]
    assert not FrameworkAgreement.objects.exists()


def test_a_seller_edits_terms_and_rates(
    customer: Customer, seller: Any, client_for: ClientFor, today: datetime.date
) -> None:
    agreement = _agreement(customer, seller, "Rammeavtale drift", datetime.date(2026, 6, 30))
    response = client_for(seller).post(
        f"/customers/agreements/{agreement.pk}/edit/",
        {**FORM, "title": "Rammeavtale drift og forvaltning", "version": 1},
    )
    agreement.refresh_from_db()
    assert response.status_code == 302
    assert (agreement.title, agreement.version) == ("Rammeavtale drift og forvaltning", 2)
    assert agreement.rate_for("project_manager") == Decimal("1450.00")
    detail = client_for(seller).get(agreement.get_absolute_url())
    assert detail.status_code == 200 and "Rammeavtale drift og forvaltning" in detail.content.decode()


def test_a_seller_archives_an_agreement(customer: Customer, seller: Any, client_for: ClientFor) -> None:
    agreement = _agreement(customer, seller, "Rammeavtale drift", datetime.date(2026, 6, 30))
    response = client_for(seller).post(f"/customers/agreements/{agreement.pk}/edit/", {"archive": "1"})
    assert response.status_code == 302
    assert FrameworkAgreement.objects.get(pk=agreement.pk).is_archived


def test_an_outsider_reads_agreements_but_gets_a_404_for_changing_them(
    customer: Customer, seller: Any, outsider: Any, client_for: ClientFor, today: datetime.date
) -> None:
    agreement = _agreement(customer, seller, "Rammeavtale drift", datetime.date(2026, 6, 30))
    client = client_for(outsider)
    assert client.get(agreement.get_absolute_url()).status_code == 200
    assert client.get(f"/customers/{customer.pk}/agreements/new/").status_code == 404
    assert client.post(f"/customers/{customer.pk}/agreements/new/", FORM).status_code == 404
    assert client.get(f"/customers/agreements/{agreement.pk}/edit/").status_code == 404
    assert (
        client.post(f"/customers/agreements/{agreement.pk}/edit/", {**FORM, "version": 1}).status_code == 404
    )
    assert client.post(f"/customers/agreements/{agreement.pk}/edit/", {"archive": "1"}).status_code == 404
    agreement.refresh_from_db()
    assert (agreement.title, agreement.is_archived, FrameworkAgreement.objects.count()) == (
        "Rammeavtale drift",
        False,
        1,
    )


def test_the_list_filter_shows_only_agreements_ending_within_six_months(
    customer: Customer, seller: Any, client_for: ClientFor, today: datetime.date
) -> None:
    _agreement(customer, seller, "Ender i sommer", today + datetime.timedelta(days=140))
    _agreement(customer, seller, "Ender neste år", today + datetime.timedelta(days=300))
    _agreement(customer, seller, "Allerede utløpt", today - datetime.timedelta(days=1))
    client = client_for(seller)
    everything = client.get("/customers/agreements/").content.decode()
    expiring = client.get("/customers/agreements/?expiring=on").content.decode()
    assert all(title in everything for title in ("Ender i sommer", "Ender neste år", "Allerede utløpt"))
    assert "Ender i sommer" in expiring
    assert "Ender neste år" not in expiring and "Allerede utløpt" not in expiring


def test_the_list_hides_archived_agreements(
    customer: Customer, seller: Any, client_for: ClientFor, today: datetime.date
) -> None:
    agreement = _agreement(customer, seller, "Gammel avtale", today + datetime.timedelta(days=30))
    client_for(seller).post(f"/customers/agreements/{agreement.pk}/edit/", {"archive": "1"})
    assert "Gammel avtale" not in client_for(seller).get("/customers/agreements/").content.decode()
