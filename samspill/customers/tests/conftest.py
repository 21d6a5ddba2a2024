"""Clients for the cast of people, and a fixed today, for the customers app's tests."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

TODAY = datetime.date(2025, 3, 14)


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
def today(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    """Make today 14 March 2025 for everything that asks `timezone.localdate()`."""
    real = timezone.localdate

    def _localdate(value: Any = None, timezone: Any = None) -> datetime.date:
        return TODAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", _localdate)
    return TODAY
