"""What every app's API shares: token auth, list envelopes, and the types that keep bad input out."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from django.http import HttpRequest
from ninja import Schema
from ninja.security import SessionAuth
from pydantic import AfterValidator, Field

from samspill.lib.forms import MAX_VERSION

T = TypeVar("T")

# The largest key the databases store (a signed 64-bit integer); larger ones crash SQLite's driver.
MAX_ID = 2**63 - 1


class ActiveSessionAuth(SessionAuth):
    """The logged-in browser session (CSRF-checked), for pages that call the API."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


class Page(Schema, Generic[T]):
    items: list[T]
    count: int


class ErrorOut(Schema):
    detail: Any


def paged(queryset: Any, limit: int, offset: int) -> dict[str, Any]:
    """Return one page of `queryset` in the `{"items": [...], "count": N}` envelope."""
    limit = max(1, min(limit, 500))
    offset = max(0, offset)
    return {"items": list(queryset[offset : offset + limit]), "count": queryset.count()}


def no_nul(value: str) -> str:
    """Refuse text with NUL characters, which databases cannot store."""
    if "\x00" in value:
        raise ValueError("Text may not contain NUL characters.")
    return value.strip()


# Every string a client sends, in a body or a query, is Text: PostgreSQL refuses NUL even in a filter.
Text = Annotated[str, AfterValidator(no_nul)]
# Every id a client sends, so that a huge one is refused as malformed instead of reaching the database.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[
    int, Field(ge=1, le=MAX_VERSION, description="The version you read; a stale one is refused with 409.")
]
