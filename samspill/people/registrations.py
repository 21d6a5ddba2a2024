"""What the people app adds to shared pages: the administrators' open invitations on the start page."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from samspill.lib import registry
from samspill.people.access import can_change_person, can_manage_people
from samspill.people.models import Person


def _pending_invitations(request: HttpRequest) -> dict[str, Any] | None:
    if not can_manage_people(request.user):
        return None
    pending = list(
        Person.objects.filter(is_active=True, invited_at__isnull=False, last_login__isnull=True).order_by(
            "-invited_at"
        )[:5]
    )
    return {"pending": pending} if pending else None


registry.register_start_item(
    key="people.invitations", template="people/start_invitations.html", context=_pending_invitations, order=90
)
registry.register_verbs(
    {
        "person.invited": _("%(actor)s invited %(object)s"),
        "person.joined": _("%(actor)s accepted the invitation"),
        "person.updated": _("%(actor)s changed the profile of %(object)s"),
        "person.roles_changed": _("%(actor)s changed the roles of %(object)s"),
        "person.skills_changed": _("%(actor)s changed the skills of %(object)s"),
        "person.deactivated": _("%(actor)s deactivated %(object)s"),
        "person.reactivated": _("%(actor)s reactivated %(object)s"),
        "token.created": _("%(actor)s created the API token %(object)s"),
        "token.revoked": _("%(actor)s revoked the API token %(object)s"),
    }
)


def _can_change(user: Any, obj: models.Model) -> bool:
    return isinstance(obj, Person) and can_change_person(user, obj)


registry.register_access(
    Person, visible_to=lambda user: Person.objects.visible_to(user), can_change=_can_change
)
