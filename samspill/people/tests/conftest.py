"""Clients for the cast of people in the people app's tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client


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
