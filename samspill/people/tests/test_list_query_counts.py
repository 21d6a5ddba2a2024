"""The people directory and GET /api/v1/people cost the same number of queries for 3 people as for 30."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from samspill.people.models import Person, PersonSkill, RoleAssignment, Skill, Team

pytestmark = pytest.mark.django_db

ClientFor = Callable[[Any], Client]


def _add_people(count: int) -> None:
    """Insert `count` people, each in a team with two roles and two skills (bulk, like the seeder)."""
    start = Person.objects.count()
    team, _ = Team.objects.get_or_create(name="Skyteamet")
    skills = [Skill.objects.get_or_create(name=name)[0] for name in ("Azure", "Python")]
    people = Person.objects.bulk_create(
        Person(
            username=f"person{start + i}",
            first_name="Person",
            last_name=f"{start + i:03}",
            team=team,
            primary_role="expert",
        )
        for i in range(count)
    )
    RoleAssignment.objects.bulk_create(
        RoleAssignment(person=p, role=role) for p in people for role in ("expert", "project_manager")
    )
    PersonSkill.objects.bulk_create(PersonSkill(person=p, skill=s, level=3) for p in people for s in skills)


def _queries(client: Client, url: str) -> int:
    client.get(url)  # the first request may record a token's use; count the steady state
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/people/", "/people/?role=expert", "/people/?skill={azure}&min_level=2"])
def test_the_directory_costs_the_same_queries_for_3_and_30_people(
    url: str, seller: Any, client_for: ClientFor
) -> None:
    client = client_for(seller)
    _add_people(3)
    url = url.format(azure=Skill.objects.get(name="Azure").pk)
    few = _queries(client, url)
    _add_people(27)
    many = _queries(client, url)
    assert few == many, f"{url}: {few} queries for 3 people, {many} for 30"


def test_the_people_api_costs_the_same_queries_for_3_and_30_people(seller: Any, token_for: Any) -> None:
    api = Client(headers=token_for(seller))
    _add_people(3)
    few = _queries(api, "/api/v1/people")
    _add_people(27)
    many = _queries(api, "/api/v1/people")
    assert few == many == 6, f"{few} queries for 3 people, {many} for 30"
