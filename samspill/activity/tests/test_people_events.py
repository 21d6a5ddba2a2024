"""The events that the people app's actions append: invitations, joining, roles, deactivation and tokens."""

from __future__ import annotations

from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.people.actions import (
    accept_invitation,
    create_token,
    deactivate_person,
    invite_person,
    reactivate_person,
    revoke_token,
    set_roles,
)

pytestmark = pytest.mark.django_db


def test_an_invitation_and_joining_are_logged_by_who_did_them(administrator: Any) -> None:
    nina = invite_person(
        email="nina@example.no", first_name="Nina", last_name="Ny", roles=["expert"], by=administrator
    )
    accept_invitation(nina, password="Fjordlys-2025-sommer")
    invited, joined = Event.objects.about(nina).order_by("id")
    assert (invited.verb, invited.actor, invited.changes["email"]["after"]) == (
        "person.invited",
        administrator,
        "nina@example.no",
    )
    assert (joined.verb, joined.actor) == ("person.joined", nina)


def test_a_role_change_is_logged_with_the_roles_before_and_after(administrator: Any, expert: Any) -> None:
    set_roles(expert, ["expert", "project_manager"], primary_role="expert", by=administrator, version=1)
    event = Event.objects.about(expert).get()
    assert event.verb == "person.roles_changed"
    assert (event.changes["roles"]["before"], event.changes["roles"]["after"]) == (
        ["expert"],
        ["expert", "project_manager"],
    )


def test_deactivating_and_reactivating_are_two_events(administrator: Any, expert: Any) -> None:
    deactivate_person(expert, by=administrator)
    reactivate_person(expert, by=administrator)
    verbs = list(Event.objects.about(expert).order_by("id").values_list("verb", flat=True))
    assert verbs == ["person.deactivated", "person.reactivated"]


def test_tokens_are_logged_on_the_person_without_their_secret(seller: Any) -> None:
    token, raw = create_token(seller, name="Power BI", by=seller)
    revoke_token(token, by=seller)
    events = list(Event.objects.about(token).order_by("id"))
    assert [(e.verb, e.actor, e.context_id) for e in events] == [
        ("token.created", seller, str(seller.pk)),
        ("token.revoked", seller, str(seller.pk)),
    ]
    assert all(raw not in str(e.data) + str(e.changes) + e.target_repr for e in events)
