"""Helpers for list pages."""

from __future__ import annotations


def ordering(requested: str | None, columns: dict[str, str], default: str) -> tuple[str, str]:
    """Return (sort key, ORM ordering) for a `?sort=` value such as "ceiling" or "-ceiling"."""
    key = requested or default
    field = columns.get(key.lstrip("-"))
    if field is None:
        key, field = default, columns[default.lstrip("-")]
    return key, ("-" if key.startswith("-") else "") + field
