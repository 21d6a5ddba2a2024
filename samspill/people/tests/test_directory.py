"""The people directory and the people API filter by skill (with a minimum level) and by role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from samspill.people.models import PersonSkill, Skill

pytestmark = pytest.mark.django_db

ClientFor = Callable[[Any], Client]


@pytest.fixture
def azure(expert: Any, project_manager: Any, seller: Any) -> Skill:
    """Azure: Frode is at level 4, Pia at level 2, Selma does not have it."""
    skill = Skill.objects.create(name="Azure", category="Sky")
    PersonSkill.objects.create(person=expert, skill=skill, level=4)
    PersonSkill.objects.create(person=project_manager, skill=skill, level=2)
    return skill


def _usernames(response: Any) -> list[str]:
    return sorted(person.username for person in response.context["page"])


def test_the_directory_filters_by_skill_and_minimum_level(
    azure: Skill, outsider: Any, client_for: ClientFor
) -> None:
    client = client_for(outsider)
    assert _usernames(client.get(f"/people/?skill={azure.pk}")) == ["frode", "pia"]
    assert _usernames(client.get(f"/people/?skill={azure.pk}&min_level=3")) == ["frode"]
    assert _usernames(client.get(f"/people/?skill={azure.pk}&min_level=5")) == []


def test_the_directory_filters_by_role(
    azure: Skill, manager: Any, outsider: Any, client_for: ClientFor
) -> None:
    client = client_for(outsider)
    assert _usernames(client.get("/people/?role=project_manager")) == ["pia"]
    assert _usernames(client.get("/people/")) == ["frode", "lena", "otto", "pia", "selma"]


def test_the_directory_shows_each_persons_roles_and_skills(
    azure: Skill, outsider: Any, client_for: ClientFor
) -> None:
    page = client_for(outsider).get("/people/?skill=" + str(azure.pk)).content.decode()
    assert "Frode Fag" in page and "Azure" in page


def test_the_api_filters_people_by_skill_level_and_role(azure: Skill, outsider: Any, api_for: Any) -> None:
    api = api_for(outsider)

    def usernames(query: str) -> list[str]:
        return [p["username"] for p in api.get(f"/api/v1/people?{query}").json()["items"]]

    assert usernames("skill=azure&min_level=3") == ["frode"]
    assert sorted(usernames("skill=Azure")) == ["frode", "pia"]
    assert usernames("role=seller") == ["selma"]
    assert api.get("/api/v1/people?min_level=6").status_code == 422
    frode = api.get("/api/v1/people?skill=Azure&min_level=4").json()["items"][0]
    assert frode["skills"] == [{"skill": "Azure", "level": 4}] and frode["roles"] == ["expert"]
