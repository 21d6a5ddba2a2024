"""Who may see and change people, their rates and their tokens."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from samspill.people.models import ApiToken, Person, Role, is_administrator

SELF_EDITABLE = {"first_name", "last_name", "title", "phone", "language"}


def get_person_for(user: Any, pk: Any, *, write: bool = False) -> Person:
    """Return the person `user` may see (and change, with write=True); 404 otherwise."""
    try:
        person = Person.objects.visible_to(user).prefetch_related("role_assignments").get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write and not can_change_person(user, person):
        from samspill.lib.errors import NotAllowed

        raise NotAllowed("You may not change this person.")
    return person


def can_change_person(user: Any, person: Person) -> bool:
    """Administrators change anybody; a person changes parts of their own profile."""
    return is_administrator(user) or user.pk == person.pk


def editable_fields(user: Any, person: Person) -> set[str] | None:
    """Return the profile fields `user` may change on `person`; None means all of them."""
    if is_administrator(user):
        return None
    if user.pk == person.pk:
        return SELF_EDITABLE
    return set()


def can_manage_people(user: Any) -> bool:
    """Only administrators invite, deactivate and set roles, capacity and rates."""
    return is_administrator(user)


def can_see_cost_rate(user: Any, person: Person) -> bool:
    """Cost rates are for administrators, management and delivery managers, and the person."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        is_administrator(user)
        or user.pk == person.pk
        or user.has_role(Role.MANAGEMENT, Role.DELIVERY_MANAGER)
    )


def get_token_for(user: Any, pk: Any) -> ApiToken:
    try:
        return ApiToken.objects.visible_to(user).get(pk=pk)
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
