"""Fixtures shared by every app's tests: a fixed cast of people and API clients."""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "dev",
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """Hash the cast's passwords quickly: the real hasher costs a quarter second per person."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_person(username: str, roles: list[str], **fields: Any) -> Any:
    """Create an active person with a usable password ("samspill") and the given roles."""
    from samspill.people.models import Person, RoleAssignment

    first, _, last = fields.pop("name", username.capitalize()).partition(" ")
    person = Person.objects.create_user(
        username=username,
        email=f"{username}@example.no",
        password="samspill",
        first_name=first,
        last_name=last,
        primary_role=roles[0] if roles else "",
        hourly_rate=Decimal(1400),
        cost_rate=Decimal(800),
        **fields,
    )
    RoleAssignment.objects.bulk_create(RoleAssignment(person=person, role=r) for r in roles)
    person.__dict__.pop("roles", None)
    return person


@pytest.fixture
def seller(db: Any) -> Any:
    return make_person("selma", ["seller"], name="Selma Salg")


@pytest.fixture
def expert(db: Any) -> Any:
    return make_person("frode", ["expert"], name="Frode Fag")


@pytest.fixture
def project_manager(db: Any) -> Any:
    return make_person("pia", ["project_manager"], name="Pia Prosjekt")


@pytest.fixture
def manager(db: Any) -> Any:
    return make_person("lena", ["management"], name="Lena Leder")


@pytest.fixture
def administrator(db: Any) -> Any:
    return make_person("ada", ["administrator"], name="Ada Admin")


@pytest.fixture
def outsider(db: Any) -> Any:
    """Somebody with no role at all: may read what everybody reads, change nothing."""
    return make_person("otto", [], name="Otto Utenfor")


@pytest.fixture
def customer(seller: Any) -> Any:
    from samspill.customers.actions import create_customer

    return create_customer(
        {"name": "Fjordlys Energi AS", "org_number": "923609016", "city": "Bergen", "account_owner": seller},
        by=seller,
    )


@pytest.fixture
def token_for(db: Any) -> Any:
    """Return a function that makes an API token for a person and gives back its Authorization header."""
    from samspill.people.actions import create_token

    def _make(person: Any) -> dict[str, str]:
        _token, raw = create_token(person, name="tests", by=person)
        return {"Authorization": f"Bearer {raw}"}

    return _make


@pytest.fixture
def client_for() -> Callable[[Any], Client]:
    """Return a function that gives a browser client logged in as a person."""

    def _make(person: Any) -> Client:
        client = Client()
        client.force_login(person)
        return client

    return _make


@pytest.fixture
def api_for(token_for: Any) -> Callable[[Any], Client]:
    """Return a function that gives an API client sending a person's token."""

    def _make(person: Any) -> Client:
        return Client(headers=token_for(person))

    return _make


@pytest.fixture
def english(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Speak English in actions and pages, so tests of behaviour read their messages in the source language.

    The Norwegian catalogue has its own test (lib/tests/test_translations.py).
    """
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    monkeypatch.setattr("samspill.people.middleware.chosen_language", lambda request: "en")
    with translation.override("en"):
        yield
