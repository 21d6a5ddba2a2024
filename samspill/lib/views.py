"""The start page, composed from what every app registers, and /healthz."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from samspill.lib import health, registry


def start(request: HttpRequest) -> HttpResponse:
    """What needs this person today: the start-page items registered by the apps."""
    items = registry.render_panels(registry.START, request)
    return render(request, "start.html", {"items": items})


def _report_and_close() -> tuple[int, dict[str, object]]:
    try:
        return health.report()
    finally:
        connection.close()  # this ran in a pool thread: don't leave its connection open


async def healthz(request: HttpRequest) -> JsonResponse:
    """Answer the health report without waiting behind the page requests' thread."""
    status, body = await sync_to_async(_report_and_close, thread_sensitive=False)()
    return JsonResponse(body, status=status, headers={"Cache-Control": "no-store"})
