"""Personal API tokens: shown once, stored as a digest, refused once revoked."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from samspill.people.actions import create_token, revoke_token
from samspill.people.models import ApiToken

pytestmark = pytest.mark.django_db

ClientFor = Callable[[Any], Client]
JSON = "application/json"


def test_a_token_is_stored_only_as_its_digest(seller: Any) -> None:
    token, raw = create_token(seller, name="Power BI", by=seller)
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw.startswith("ssp_") and len(raw) > 40
    assert stored["digest"] == hashlib.sha256(raw.encode()).hexdigest() != raw
    assert raw not in [str(value) for value in stored.values()]
    assert stored["prefix"] == raw[:12]


def test_a_token_created_on_the_profile_page_is_shown_once(seller: Any, client_for: ClientFor) -> None:
    browser = client_for(seller)
    response = browser.post(f"/people/{seller.pk}/tokens/", {"name": "Power BI"})
    first = browser.get(f"/people/{seller.pk}/").content.decode()
    again = browser.get(f"/people/{seller.pk}/").content.decode()
    token = ApiToken.objects.get(person=seller)
    raw = first.split('data-testid="new-token">', 1)[1].split("<", 1)[0]
    assert response.status_code == 302
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in again and token.prefix in again
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/people").status_code == 200


def test_nobody_creates_a_token_for_someone_else_on_the_page(
    seller: Any, expert: Any, client_for: ClientFor
) -> None:
    assert client_for(seller).post(f"/people/{expert.pk}/tokens/", {"name": "Snik"}).status_code == 404
    assert not ApiToken.objects.exists()


def test_a_token_created_through_the_api_is_in_the_answer_and_never_listed(seller: Any, api_for: Any) -> None:
    api = api_for(seller)
    created = api.post("/api/v1/tokens", {"name": "Skript"}, content_type=JSON)
    listed = api.get("/api/v1/tokens").json()
    assert created.status_code == 201 and created.json()["token"].startswith("ssp_")
    assert listed["count"] == 2  # the one the client uses and the new one
    assert all("token" not in item and "digest" not in item for item in listed["items"])


def test_a_revoked_token_is_refused_with_401(seller: Any, api_for: Any) -> None:
    token, raw = create_token(seller, name="Skript", by=seller)
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    assert api.get("/api/v1/people").status_code == 200
    assert api_for(seller).post(f"/api/v1/tokens/{token.pk}/revoke", content_type=JSON).status_code == 200
    assert api.get("/api/v1/people").status_code == 401
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_revoking_on_the_page_stops_the_token(seller: Any, client_for: ClientFor) -> None:
    token, raw = create_token(seller, name="Skript", by=seller)
    assert client_for(seller).post(f"/people/tokens/{token.pk}/revoke/").status_code == 302
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/people").status_code == 401


def test_someone_elses_token_cannot_be_revoked_or_seen(
    seller: Any, expert: Any, api_for: Any, client_for: ClientFor
) -> None:
    token, _raw = create_token(expert, name="Fag", by=expert)
    assert api_for(seller).post(f"/api/v1/tokens/{token.pk}/revoke", content_type=JSON).status_code == 404
    assert client_for(seller).post(f"/people/tokens/{token.pk}/revoke/").status_code == 404
    assert token.pk not in [t["id"] for t in api_for(seller).get("/api/v1/tokens").json()["items"]]
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_an_administrator_may_revoke_anybodys_token(seller: Any, administrator: Any) -> None:
    token, _raw = create_token(seller, name="Skript", by=seller)
    revoke_token(token, by=administrator)
    assert not ApiToken.objects.live().exists()
