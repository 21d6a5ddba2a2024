"""Only administrators invite, set roles and deactivate: a 404 on the pages, a 403 in the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from samspill.lib.errors import NotAllowed, RuleBroken
from samspill.lib.events import changes_since
from samspill.people.actions import deactivate_person, invite_person, set_roles
from samspill.people.models import Person

pytestmark = pytest.mark.django_db

ClientFor = Callable[[Any], Client]
JSON = "application/json"


@pytest.fixture
def non_administrators(
    seller: Any, expert: Any, project_manager: Any, manager: Any, outsider: Any
) -> list[Any]:
    return [seller, expert, project_manager, manager, outsider]


def test_nobody_but_administrators_reaches_the_people_administration_pages(
    non_administrators: list[Any], expert: Any, client_for: ClientFor
) -> None:
    for person in non_administrators:
        client = client_for(person)
        assert client.get("/people/invite/").status_code == 404
        assert client.post("/people/invite/", {"email": "x@example.no", "first_name": "X"}).status_code == 404
        assert client.get(f"/people/{expert.pk}/roles/").status_code == 404
        assert (
            client.post(f"/people/{expert.pk}/roles/", {"roles": ["management"], "version": 1}).status_code
            == 404
        )
        assert client.post(f"/people/{expert.pk}/active/", {"active": "0"}).status_code == 404
    expert = Person.objects.get(pk=expert.pk)
    assert expert.is_active and expert.roles == {"expert"}
    assert not Person.objects.filter(email="x@example.no").exists()


def test_nobody_but_administrators_changes_people_through_the_api(
    non_administrators: list[Any], expert: Any, token_for: Any
) -> None:
    for person in non_administrators:
        api = Client(headers=token_for(person))
        invite = api.post("/api/v1/people", {"email": "x@example.no", "first_name": "X"}, content_type=JSON)
        roles = api.post(
            f"/api/v1/people/{expert.pk}/roles", {"version": 1, "roles": ["management"]}, content_type=JSON
        )
        deactivate = api.post(f"/api/v1/people/{expert.pk}/deactivate", content_type=JSON)
        assert (invite.status_code, roles.status_code, deactivate.status_code) == (403, 403, 403)
        assert isinstance(invite.json()["detail"], str)
    expert = Person.objects.get(pk=expert.pk)
    assert expert.is_active and expert.roles == {"expert"}


def test_the_actions_refuse_non_administrators_too(seller: Any, expert: Any) -> None:
    with pytest.raises(NotAllowed):
        invite_person(email="x@example.no", first_name="X", last_name="", roles=[], by=seller)
    with pytest.raises(NotAllowed):
        set_roles(expert, ["management"], primary_role="", by=seller, version=None)
    with pytest.raises(NotAllowed):
        deactivate_person(expert, by=seller)


def test_an_administrator_sets_roles_on_the_page(
    administrator: Any, expert: Any, client_for: ClientFor
) -> None:
    response = client_for(administrator).post(
        f"/people/{expert.pk}/roles/",
        {"roles": ["expert", "project_manager"], "primary_role": "project_manager", "version": 1},
    )
    expert = Person.objects.get(pk=expert.pk)
    assert response.status_code == 302
    assert (expert.roles, expert.primary_role, expert.version) == (
        {"expert", "project_manager"},
        "project_manager",
        2,
    )
    logged = {c.field: (c.before_value, c.after_value, c.by) for c in changes_since(expert, 1)}
    assert logged == {
        "roles": (["expert"], ["expert", "project_manager"], "Ada Admin"),
        "primary_role": ("expert", "project_manager", "Ada Admin"),
    }


def test_an_administrator_sets_roles_in_the_api(administrator: Any, expert: Any, api_for: Any) -> None:
    response = api_for(administrator).post(
        f"/api/v1/people/{expert.pk}/roles",
        {"version": 1, "roles": ["management"], "primary_role": "management"},
        content_type=JSON,
    )
    assert response.status_code == 200 and response.json()["roles"] == ["management"]


def test_an_administrator_cannot_remove_their_own_administrator_role(administrator: Any) -> None:
    with pytest.raises(RuleBroken):
        set_roles(administrator, ["seller"], primary_role="seller", by=administrator, version=None)
    assert Person.objects.get(pk=administrator.pk).roles == {"administrator"}


def test_an_administrator_deactivates_and_reactivates_on_the_page(
    administrator: Any, expert: Any, client_for: ClientFor
) -> None:
    client = client_for(administrator)
    assert client.post(f"/people/{expert.pk}/active/", {"active": "0"}).status_code == 302
    assert not Person.objects.get(pk=expert.pk).is_active
    assert client.post(f"/people/{expert.pk}/active/", {"active": "1"}).status_code == 302
    assert Person.objects.get(pk=expert.pk).is_active
    logged = [(c.field, c.before_value, c.after_value) for c in changes_since(expert, 1)]
    assert logged == [("is_active", True, False), ("is_active", False, True)]


def test_an_administrator_cannot_deactivate_themselves(administrator: Any, api_for: Any) -> None:
    response = api_for(administrator).post(f"/api/v1/people/{administrator.pk}/deactivate", content_type=JSON)
    assert response.status_code == 409
    assert Person.objects.get(pk=administrator.pk).is_active
