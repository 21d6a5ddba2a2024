"""The REST API under /api/v1/: every app's router, one auth, one error format."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from samspill.customers.api import router as customers_router
from samspill.delivery.api import router as delivery_router
from samspill.handover.api import router as handover_router
from samspill.lib.api import ActiveSessionAuth
from samspill.lib.errors import ActionError, InvalidInput, StaleVersion
from samspill.people.api import router as people_router
from samspill.people.auth import TokenAuth
from samspill.pipeline.api import router as pipeline_router
from samspill.workspace.api import router as workspace_router
from samspill.workspace.search.api import router as search_router

api = NinjaAPI(
    title="Samspill API",
    version="1",
    description=(
        "Sales and delivery, one workspace. Authenticate with `Authorization: Bearer <token>` "
        "(create a token on your profile page or with `samspill createtoken USERNAME`). Lists take "
        '`limit` and `offset` and answer `{"items": [...], "count": N}`. Changes send the object\'s '
        "`version`; a stale one is refused with 409 and what changed."
    ),
    auth=[TokenAuth(), ActiveSessionAuth()],
    urls_namespace="api",
)
api.add_router("/", people_router)
api.add_router("/", customers_router)
api.add_router("/", pipeline_router)
api.add_router("/", delivery_router)
api.add_router("/", handover_router)
api.add_router("/", workspace_router)
api.add_router("/", search_router)


@api.exception_handler(StaleVersion)
def _stale(request: HttpRequest, error: StaleVersion) -> HttpResponse:
    changes = [
        {"field": c.field, "label": c.label, "before": c.before, "after": c.after, "by": c.by}
        for c in error.changes
    ]
    return api.create_response(
        request,
        {"detail": error.message, "current_version": error.current_version, "changes": changes},
        status=409,
    )


@api.exception_handler(InvalidInput)
def _invalid(request: HttpRequest, error: InvalidInput) -> HttpResponse:
    detail = [
        {"loc": ["body", name], "msg": " ".join(messages), "type": "value_error"}
        for name, messages in error.errors.items()
    ]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(ActionError)
def _refused(request: HttpRequest, error: ActionError) -> HttpResponse:
    return api.create_response(request, {"detail": error.message}, status=error.status)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Any) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, error: Any) -> HttpResponse:
    return api.create_response(
        request, {"detail": "Log in or send Authorization: Bearer <token>."}, status=401
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    if error.status_code == 400:  # django-ninja could not parse the body: malformed input like any other
        detail = [{"loc": ["body"], "msg": "The request body is not valid JSON.", "type": "json_invalid"}]
        return api.create_response(request, {"detail": detail}, status=422)
    return api.create_response(request, {"detail": str(error)}, status=error.status_code)


@api.exception_handler(ValidationError)
def _validation(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": [_located(e) for e in error.errors]}, status=422)


def _located(error: dict[str, Any]) -> dict[str, Any]:
    """Drop the name of the body parameter from `loc`, so that it reads ["body", "name"] as for actions."""
    loc = list(error.get("loc", []))
    if len(loc) > 1 and loc[0] == "body" and loc[1] == "data":
        del loc[1]
    return {**error, "loc": loc}
