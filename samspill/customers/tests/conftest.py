"""A fixed today for the customers app's tests."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

TODAY = datetime.date(2025, 3, 14)


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    """Make today 14 March 2025 for everything that asks `timezone.localdate()`."""
    real = timezone.localdate

    def _localdate(value: Any = None, timezone: Any = None) -> datetime.date:
        return TODAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", _localdate)
    return TODAY
