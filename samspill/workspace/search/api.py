"""API: search everything the caller may see."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from samspill.lib.api import ErrorOut, Id, Text
from samspill.lib.errors import InvalidInput
from samspill.lib.registry import registry
from samspill.workspace.search.query import MAX_LIMIT, MAX_OFFSET, search

router = Router()
QUERY = Query(
    "", max_length=1000, description="Words to find; every one must match, the last also as a prefix."
)
KINDS = Query("", description="Only these kinds, comma-separated: customers,contacts,…")
CUSTOMER = Query(None, description="Only objects of this customer.")
LIMIT = Query(20, ge=1, le=MAX_LIMIT)
OFFSET = Query(0, ge=0, le=MAX_OFFSET)


class HitOut(Schema):
    kind: str
    label: str
    id: int
    title: str
    title_html: str
    snippet_html: str
    url: str
    customer_id: int | None
    customer_name: str
    date: datetime.date | None
    score: float
    archived: bool


class FacetOut(Schema):
    key: str
    label: str
    count: int


class SearchOut(Schema):
    items: list[HitOut]
    count: int
    count_exact: bool
    facets: list[FacetOut]
    message: str


@router.get("/search", response={200: SearchOut, 422: ErrorOut}, tags=["search"])
def search_everything(
    request: HttpRequest,
    q: Text = QUERY,
    kind: Text = KINDS,
    customer: Id | None = CUSTOMER,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    limit: int = LIMIT,
    offset: int = OFFSET,
) -> dict[str, Any]:
    """Search what the caller may see, best match first; `count_exact` is false when there are over 1 000."""
    kinds = [k.strip() for k in kind.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in registry.search_sources]
    if unknown:
        known = ", ".join(registry.search_sources)
        raise InvalidInput({"kind": [f"Unknown kind {', '.join(unknown)}; choose from {known}."]})
    if date_from and date_to and date_from > date_to:
        raise InvalidInput({"date_to": ["date_to is before date_from."]})
    found = search(
        request.user,
        q,
        kinds=kinds or None,
        customer_id=customer,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
    )
    return {
        "items": [{**hit.__dict__, "id": hit.object_id} for hit in found.items],
        "count": found.count,
        "count_exact": found.count_exact,
        "facets": [{"key": f.key, "label": f.label, "count": f.count} for f in found.facets],
        "message": found.message,
    }
