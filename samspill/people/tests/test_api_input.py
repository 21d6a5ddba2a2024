"""Malformed input to the people and tokens resources is a 422, never a 500, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from samspill.people.models import ApiToken, Person

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.mark.parametrize(
    "query",
    [
        "q=%00",
        "skill=Azure%00",
        "team=%00",
        "role=astronaut",
        "min_level=0",
        "is_active=perhaps",
        "limit=0",
        f"offset={10**12}",
    ],
)
def test_a_people_filter_that_cannot_be_used_is_a_422(query: str, outsider: Any, api_for: Any) -> None:
    response = api_for(outsider).get(f"/api/v1/people?{query}")
    assert response.status_code == 422 and response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"email": "nina@example.no", "first_name": "Ni\x00na"},
        {"email": "nina\x00@example.no", "first_name": "Nina"},
        {"email": "not an address", "first_name": "Nina"},
        {"email": "nina@example.no", "first_name": "Nina", "team": "\x00"},
        {"email": "nina@example.no", "first_name": "Nina", "roles": ["astronaut"]},
        {"email": "nina@example.no", "first_name": "Nina", "title": "x" * 101},
        {"email": "nina@example.no", "first_name": "Nina", "team": "Finnes ikke"},
    ],
)
def test_a_malformed_invitation_is_a_422_and_invites_nobody(
    body: dict[str, Any], administrator: Any, api_for: Any
) -> None:
    response = api_for(administrator).post("/api/v1/people", body, content_type=JSON)
    assert response.status_code == 422
    assert not Person.objects.filter(email__startswith="nina").exists()


@pytest.mark.parametrize(
    "body",
    [
        {"version": 1, "title": "Sjef\x00"},
        {"version": 1, "language": "de"},
        {"version": 0, "title": "Sjef"},
        {"version": 2**40, "title": "Sjef"},
        {"version": 1, "phone": "9" * 31},
        {"title": "Sjef"},
        {"version": 1, "weekly_capacity_hours": "81"},
        {"version": 1, "cost_rate": "-1"},
    ],
)
def test_a_malformed_profile_change_is_a_422_and_changes_nothing(
    body: dict[str, Any], administrator: Any, expert: Any, api_for: Any
) -> None:
    response = api_for(administrator).patch(f"/api/v1/people/{expert.pk}", body, content_type=JSON)
    expert = Person.objects.get(pk=expert.pk)
    assert response.status_code == 422
    assert (expert.title, expert.version) == ("", 1)


@pytest.mark.parametrize("name", ["", "   ", "\x00", "x" * 101])
def test_a_token_needs_a_printable_name_of_at_most_100_characters(
    name: str, seller: Any, api_for: Any
) -> None:
    api = api_for(seller)
    before = ApiToken.objects.count()
    response = api.post("/api/v1/tokens", {"name": name}, content_type=JSON)
    assert response.status_code == 422
    assert ApiToken.objects.count() == before
