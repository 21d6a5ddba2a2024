"""Settings for the activity app's tests."""

from __future__ import annotations
