"""Pages: "My customers' projects" — the running projects of a seller's customers, most troubled first."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from samspill.delivery import portfolio
from samspill.delivery.detection import threshold_percent


def my_customers(request: HttpRequest) -> HttpResponse:
    """Which of my customers should I call? Projects by trouble, then each customer's agreements and dates."""
    rows = portfolio.my_customers_projects(request.user)
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "delivery/portfolio.html",
        {
            "page": page,
            "projects": [(p, portfolio.top_deviation(p)) for p in page],
            "totals": portfolio.totals(rows),
            "customers": portfolio.customers_of(request.user, rows),
            "threshold": threshold_percent(),
            "today": timezone.localdate(),
            "milestone_days": portfolio.MILESTONE_DAYS,
        },
    )


urlpatterns = [path("my-customers/", my_customers, name="my_customers")]
