"""API authentication with personal tokens."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from samspill.people.actions import authenticate_token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` with a personal API token of an active person."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        person = authenticate_token(token)
        if person is not None:
            request.user = person
        return person
