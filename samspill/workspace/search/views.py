"""The search page: results for what the person may see, with filters by kind, customer and date."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from samspill.workspace.search.forms import SearchForm
from samspill.workspace.search.query import SearchResults, search

PAGE_SIZE = 20


def results(request: HttpRequest) -> HttpResponse:
    """Search everything the apps register; the results part alone for HTMX requests while typing."""
    form = SearchForm(request.GET or None)
    form.is_valid()  # invalid filters are shown as errors; the valid ones still apply
    data: dict[str, Any] = getattr(form, "cleaned_data", {})
    query = data.get("q") or ""
    page = data.get("page") or 1
    found: SearchResults | None = None
    if query:
        found = search(
            request.user,
            query,
            kinds=[data["kind"]] if data.get("kind") else None,
            customer_id=data.get("customer"),
            date_from=data.get("from"),
            date_to=data.get("to"),
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
    context = {
        "form": form,
        "query": query,
        "found": found,
        "kind": data.get("kind") or "",
        "customer": data.get("customer"),
        "page_number": page,
        "first": (page - 1) * PAGE_SIZE + 1,
        "filtered": bool(data.get("kind") or data.get("customer") or data.get("from") or data.get("to")),
    }
    template = "search/results.html#results" if getattr(request, "htmx", False) else "search/results.html"
    return render(request, template, context)
