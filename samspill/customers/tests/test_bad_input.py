"""Whatever a person types or a client sends, the answer is never a 500 and nothing is half-saved.

Each example starts from plausible input and spoils up to three fields (a bad value, or left out),
so both saving and refusing are exercised. Each runs in a savepoint that is rolled back, so examples
do not see each other's rows. The number of examples comes from the hypothesis profile in conftest.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import transaction
from django.forms.models import model_to_dict
from django.test import Client
from hypothesis import event, given
from hypothesis import strategies as st

from samspill.activity.models import Event
from samspill.customers.actions import CUSTOMER_FIELDS
from samspill.customers.models import AgreementRate, Customer, FrameworkAgreement
from samspill.customers.validators import is_valid_org_number

pytestmark = pytest.mark.django_db

JSON = "application/json"
LEFT_OUT = object()

# Text a person or a program might send: unicode, NUL, direction marks, very long text, numbers, odd dates.
nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(min_size=150, max_size=600),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "Fjord\x00lys",
            "\u202eSA ylsdroJ",
            "😀" * 60,
            "٣٤٥",
            "９２３６０９０１６",
            "NaN",
            "-1",
            "1e999",
            "9" * 40,
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "javascript:alert(1)",
            "\r\n\t",
            "923609016",
            "923 609 016",
            "923609017",
            "5003",
            "50O3",
            "https://example.no",
            "2024-02-30",
            "0000-01-01",
            "9999-12-31",
            "+10000-01-01",
            "31.12.2026",
        ]
    ),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(str),
)
json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(),
    nasty_text,
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
amounts = st.one_of(
    st.decimals(allow_nan=True).map(str),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    nasty_text,
)


@st.composite
def spoiled(
    draw: Any, good: st.SearchStrategy[dict[str, Any]], bad: dict[str, st.SearchStrategy[Any]]
) -> Any:
    """Draw plausible input, then replace up to three of its fields by a bad value or leave them out."""
    data = dict(draw(good))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        name = draw(st.sampled_from(sorted(bad)))
        value = draw(st.one_of(st.just(LEFT_OUT), bad[name]))
        if value is LEFT_OUT:
            data.pop(name, None)
        else:
            data[name] = value
    return data


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run one example in a savepoint and undo everything it wrote."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _assert_valid(customer: Customer) -> None:
    customer.full_clean()
    assert customer.org_number == "" or is_valid_org_number(customer.org_number)
    assert "\x00" not in customer.name + customer.notes + customer.city


def _logged_in(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


# The customer form


def _customer_form(people: list[Any]) -> st.SearchStrategy[dict[str, Any]]:
    good = st.fixed_dictionaries(
        {
            "name": st.sampled_from(["Nordlys Data AS", "Bølgen & Co", "Å Energi"]),
            "org_number": st.sampled_from(["", "974760673", "974 760 673"]),
            "segment": st.sampled_from(["", "public", "enterprise"]),
            "account_owner": st.sampled_from([str(p.pk) for p in people] + [""]),
            "postal_code": st.sampled_from(["", "5003"]),
            "city": st.sampled_from(["", "Tromsø"]),
            "website": st.sampled_from(["", "nordlys.example", "https://nordlys.example/om-oss"]),
        }
    )
    bad = {name: nasty_text for name in [*CUSTOMER_FIELDS, "version"]}
    return spoiled(good, bad)


def test_the_customer_form_never_fails_and_creates_one_valid_customer_or_none(
    seller: Any, expert: Any, outsider: Any, customer: Customer
) -> None:
    client = _logged_in(seller)
    expert.is_active = False
    expert.save(update_fields=["is_active"])

    @given(_customer_form([seller, expert, outsider]))
    def check(data: dict[str, str]) -> None:
        with rolled_back():
            before, events = set(Customer.objects.values_list("pk", flat=True)), Event.objects.count()
            response = client.post("/customers/new/", data)
            new = Customer.objects.exclude(pk__in=before)
            event(f"status {response.status_code}")
            assert response.status_code in (200, 302)
            if response.status_code == 302:
                assert new.count() == 1 and Event.objects.count() == events + 1
                _assert_valid(new.get())
            else:
                assert not new.exists() and Event.objects.count() == events

    check()


def test_the_customer_edit_form_never_fails_and_changes_the_row_only_when_it_saves(
    seller: Any, outsider: Any, customer: Customer
) -> None:
    client = _logged_in(seller)
    stored = model_to_dict(customer)

    @given(_customer_form([seller, outsider]), st.sampled_from(["1", "1", "2", ""]))
    def check(data: dict[str, str], version: str) -> None:
        with rolled_back():
            response = client.post(f"/customers/{customer.pk}/edit/", {"version": version, **data})
            current = Customer.objects.get(pk=customer.pk)
            event(f"status {response.status_code}")
            assert response.status_code in (200, 302)
            if response.status_code == 302:
                _assert_valid(current)
            else:
                assert model_to_dict(current) == stored

    check()


# The customers API


def _customer_json(people: list[Any]) -> st.SearchStrategy[Any]:
    good = st.fixed_dictionaries(
        {
            "name": st.sampled_from(["Nordlys Data AS", "Å Energi"]),
            "org_number": st.sampled_from(["974760673", "974 760 673", ""]),
            "segment": st.sampled_from(["public", "midsize", None]),
            "postal_code": st.sampled_from(["5003", ""]),
            "website": st.sampled_from(["https://nordlys.example", None]),
            "account_owner_id": st.sampled_from([p.pk for p in people] + [None]),
        }
    )
    bad = {
        name: st.one_of(nasty_text, json_value)
        for name in [
            "name",
            "org_number",
            "segment",
            "industry",
            "street_address",
            "postal_code",
            "city",
            "website",
            "account_owner_id",
            "delivery_lead_id",
            "notes",
            "version",
        ]
    }
    return st.one_of(spoiled(good, bad), spoiled(good, bad), spoiled(good, bad), json_value)


def test_posting_any_json_to_the_customers_api_never_fails_and_creates_one_valid_customer_or_none(
    seller: Any, outsider: Any, customer: Customer, token_for: Any
) -> None:
    api = Client(headers=token_for(seller))

    @given(_customer_json([seller, outsider]))
    def check(body: Any) -> None:
        with rolled_back():
            before, events = set(Customer.objects.values_list("pk", flat=True)), Event.objects.count()
            response = api.post("/api/v1/customers", json.dumps(body), content_type=JSON)
            new = Customer.objects.exclude(pk__in=before)
            event(f"status {response.status_code}")
            assert response.status_code in (201, 422), response.content
            if response.status_code == 201:
                assert new.count() == 1 and Event.objects.count() == events + 1
                _assert_valid(new.get())
            else:
                assert "detail" in response.json()
                assert not new.exists() and Event.objects.count() == events

    check()


def test_patching_a_customer_with_any_json_never_fails_and_changes_it_only_on_200(
    seller: Any, outsider: Any, customer: Customer, token_for: Any
) -> None:
    api = Client(headers=token_for(seller))
    stored = model_to_dict(customer)

    @given(st.one_of(st.just(1), st.just(1), json_value), _customer_json([seller, outsider]))
    def check(version: Any, body: Any) -> None:
        with rolled_back():
            if isinstance(body, dict):
                body = {"version": version, **body}
            response = api.patch(f"/api/v1/customers/{customer.pk}", json.dumps(body), content_type=JSON)
            current = Customer.objects.get(pk=customer.pk)
            event(f"status {response.status_code}")
            assert response.status_code in (200, 409, 422), response.content
            if response.status_code == 200:
                _assert_valid(current)
            else:
                assert model_to_dict(current) == stored and "detail" in response.json()

    check()


# The framework-agreements API


def _agreement_json(customer: Customer) -> st.SearchStrategy[Any]:
    good = st.fixed_dictionaries(
        {
            "customer_id": st.just(customer.pk),
            "title": st.just("Rammeavtale"),
            "starts_on": st.sampled_from(["2024-01-01", "2025-02-28"]),
            "ends_on": st.sampled_from(["2026-12-31", "2025-02-28"]),
            "extension_count": st.integers(min_value=0, max_value=20),
            "ceiling": st.sampled_from(["1000000", "0", "999999999999.99"]),
            "rates": st.dictionaries(
                st.sampled_from(["expert", "seller"]), st.sampled_from(["1450", "0.5"]), max_size=2
            ),
        }
    )
    dates = st.one_of(st.dates().map(str), nasty_text, json_value)
    bad = {
        "customer_id": json_value,
        "title": st.one_of(nasty_text, json_value),
        "reference": st.one_of(nasty_text, json_value),
        "starts_on": dates,
        "ends_on": dates,
        "extension_count": st.one_of(st.integers(min_value=-5, max_value=40), json_value),
        "extension_months": st.one_of(st.integers(min_value=-5, max_value=200), json_value),
        "ceiling": amounts,
        "status": st.one_of(st.sampled_from(["draft", "cancelled"]), json_value),
        "rates": st.one_of(
            st.dictionaries(st.sampled_from(["expert", "astronaut", ""]), amounts, max_size=3), json_value
        ),
        "notes": st.one_of(nasty_text, json_value),
    }
    return spoiled(good, bad)


def test_posting_any_json_to_the_agreements_api_never_fails_and_creates_one_agreement_or_none(
    seller: Any, customer: Customer, token_for: Any
) -> None:
    api = Client(headers=token_for(seller))

    @given(_agreement_json(customer))
    def check(body: dict[str, Any]) -> None:
        with rolled_back():
            agreements, rates = FrameworkAgreement.objects.count(), AgreementRate.objects.count()
            events = Event.objects.count()
            response = api.post("/api/v1/framework-agreements", json.dumps(body), content_type=JSON)
            event(f"status {response.status_code}")
            assert response.status_code in (201, 404, 422), response.content
            if response.status_code == 201:
                created = FrameworkAgreement.objects.get(pk=response.json()["id"])
                created.full_clean()
                assert created.ends_on >= created.starts_on and created.latest_end >= created.ends_on
                assert all(0 <= rate.hourly_rate <= 100_000 for rate in created.rates.all())
                assert FrameworkAgreement.objects.count() == agreements + 1
                assert Event.objects.count() == events + 1
            else:
                assert (FrameworkAgreement.objects.count(), AgreementRate.objects.count()) == (
                    agreements,
                    rates,
                )
                assert Event.objects.count() == events

    check()
