"""A person (or an administrator) sets their skill levels from 1 to 5."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from samspill.lib.errors import InvalidInput, NotAllowed
from samspill.lib.events import changes_since
from samspill.people.actions import set_skills
from samspill.people.models import Person, PersonSkill, Skill

pytestmark = pytest.mark.django_db

ClientFor = Callable[[Any], Client]
JSON = "application/json"


@pytest.fixture
def azure(db: Any) -> Skill:
    return Skill.objects.create(name="Azure", category="Sky")


@pytest.mark.parametrize("level", [1, 5])
def test_levels_one_to_five_are_accepted(level: int, azure: Skill, expert: Any) -> None:
    set_skills(expert, {azure: level}, by=expert, version=1)
    assert PersonSkill.objects.get(person=expert).level == level


@pytest.mark.parametrize("level", [6, -1, 99])
def test_a_level_outside_one_to_five_is_refused(level: int, azure: Skill, expert: Any) -> None:
    with pytest.raises(InvalidInput):
        set_skills(expert, {azure: level}, by=expert, version=1)
    assert not PersonSkill.objects.exists()
    assert Person.objects.get(pk=expert.pk).version == 1


def test_level_zero_removes_the_skill_and_the_event_shows_before_and_after(azure: Skill, expert: Any) -> None:
    set_skills(expert, {azure: 3}, by=expert, version=1)
    set_skills(expert, {azure: 0}, by=expert, version=2)
    logged = [(c.field, c.before_value, c.after_value) for c in changes_since(expert, 1)]
    assert not PersonSkill.objects.exists()
    assert logged == [("skills", {}, {"Azure": 3}), ("skills", {"Azure": 3}, {})]


def test_the_skills_page_refuses_level_six(azure: Skill, expert: Any, client_for: ClientFor) -> None:
    client = client_for(expert)
    refused = client.post(f"/people/{expert.pk}/skills/", {f"skill_{azure.pk}": "6", "version": 1})
    saved = client.post(f"/people/{expert.pk}/skills/", {f"skill_{azure.pk}": "5", "version": 1})
    assert refused.status_code == 200 and refused.context["form"].errors
    assert saved.status_code == 302
    assert PersonSkill.objects.get(person=expert).level == 5


def test_the_api_refuses_level_six_with_422(azure: Skill, expert: Any, api_for: Any) -> None:
    api = api_for(expert)
    refused = api.post(
        f"/api/v1/people/{expert.pk}/skills", {"version": 1, "skills": {"Azure": 6}}, content_type=JSON
    )
    saved = api.post(
        f"/api/v1/people/{expert.pk}/skills", {"version": 1, "skills": {"azure": 4}}, content_type=JSON
    )
    unknown = api.post(
        f"/api/v1/people/{expert.pk}/skills", {"version": 2, "skills": {"Cobol": 4}}, content_type=JSON
    )
    assert refused.status_code == 422
    assert saved.status_code == 200 and saved.json()["skills"] == [{"skill": "Azure", "level": 4}]
    assert unknown.status_code == 422


def test_only_the_person_or_an_administrator_sets_skills(
    azure: Skill, expert: Any, seller: Any, administrator: Any, client_for: ClientFor
) -> None:
    with pytest.raises(NotAllowed):
        set_skills(expert, {azure: 3}, by=seller, version=None)
    assert client_for(seller).get(f"/people/{expert.pk}/skills/").status_code == 404
    set_skills(expert, {azure: 3}, by=administrator, version=None)
    assert PersonSkill.objects.get(person=expert).level == 3
