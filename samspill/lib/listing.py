"""Helpers for list pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def ordering(requested: str | None, columns: dict[str, str], default: str) -> tuple[str, str]:
    """Return (sort key, ORM ordering) for a `?sort=` value such as "ceiling" or "-ceiling"."""
    key = requested or default
    field = columns.get(key.lstrip("-"))
    if field is None:
        key, field = default, columns[default.lstrip("-")]
    return key, ("-" if key.startswith("-") else "") + field


def sorted_page(
    request: HttpRequest, rows: QuerySet[Any], columns: dict[str, str], default: str
) -> tuple[Page, str]:
    """Return the requested page of `rows` in the `?sort=` order (ties broken by pk), and the sort key."""
    sort, order = ordering(request.GET.get("sort"), columns, default)
    paginator = Paginator(rows.order_by(order, "pk"), settings.PAGE_SIZE)
    return paginator.get_page(request.GET.get("page")), sort
