"""Every change to people: invitations, profiles, roles, skills, deactivation and API tokens."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import override

from samspill.lib import actions, events
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken
from samspill.people.access import can_manage_people, editable_fields
from samspill.people.models import (
    TOKEN_PREFIX,
    ApiToken,
    Person,
    PersonSkill,
    Role,
    RoleAssignment,
    Skill,
    token_digest,
)

PROFILE_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "title",
    "team",
    "phone",
    "language",
    "primary_role",
    "weekly_capacity_hours",
    "cost_rate",
    "hourly_rate",
]


def _require_admin(by: Any) -> None:
    if not can_manage_people(by):
        raise NotAllowed(_("Only administrators manage people."))


def _username_from(email: str) -> str:
    base = re.sub(r"[^a-z0-9._-]", "", email.split("@")[0].lower())[:30] or "person"
    candidate, n = base, 1
    while Person.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def invite_person(
    *,
    email: str,
    first_name: str,
    last_name: str,
    roles: Iterable[str],
    primary_role: str = "",
    title: str = "",
    team: Any = None,
    by: Person,
) -> Person:
    """Create a person who sets their own password from the link in an invitation e-mail."""
    _require_admin(by)
    email = email.strip().lower()
    if Person.objects.filter(email__iexact=email).exists():
        raise InvalidInput({"email": [_("Somebody with this e-mail address is already in Samspill.")]})
    roles = sorted(set(roles))
    if primary_role and primary_role not in roles:
        raise InvalidInput({"primary_role": [_("The primary role must be one of the person's roles.")]})
    with transaction.atomic():
        person = Person(
            username=_username_from(email),
            email=email,
            first_name=first_name,
            last_name=last_name,
            title=title,
            team=team,
            primary_role=primary_role or (roles[0] if roles else ""),
            invited_at=timezone.now(),
            invited_by=by,
        )
        person.set_unusable_password()
        actions.create(
            person, by=by, verb="person.invited", fields=["email", "first_name", "last_name", "title"]
        )
        RoleAssignment.objects.bulk_create(RoleAssignment(person=person, role=r) for r in roles)
        # A mail server that is down must not fail the invitation: the person is there, and the
        # administrator can send the invitation again from the profile page.
        transaction.on_commit(lambda: send_invitation(person, by=by), robust=True)
    return person


def invitation_url(person: Person) -> str:
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    return settings.SITE_URL.rstrip("/") + reverse("people:accept_invitation", args=[uid, token])


def send_invitation(person: Person, *, by: Person) -> None:
    """E-mail the person a link to set their password (valid for PASSWORD_RESET_TIMEOUT)."""
    with override(person.language):
        context = {"person": person, "by": by, "url": invitation_url(person)}
        send_mail(
            subject=_("You are invited to Samspill"),
            message=render_to_string("people/invitation_email.txt", context),
            from_email=None,
            recipient_list=[person.email],
        )


def accept_invitation(person: Person, *, password: str) -> Person:
    """Set the invited person's first password."""
    with transaction.atomic():
        person.set_password(password)
        person.save(update_fields=["password"])
        events.append_event(verb="person.joined", target=person, by=person)
    return person


def update_person(person: Person, changes: Mapping[str, Any], *, by: Person, version: int | None) -> Person:
    """Change profile fields; people change a few of their own, administrators all of them."""
    allowed = editable_fields(by, person)
    refused = set(changes) - set(PROFILE_FIELDS) if allowed is None else set(changes) - allowed
    if refused:
        raise NotAllowed(_("You may not change: %(fields)s.") % {"fields": ", ".join(sorted(refused))})
    if (
        "email" in changes
        and Person.objects.filter(email__iexact=changes["email"]).exclude(pk=person.pk).exists()
    ):
        raise InvalidInput({"email": [_("Somebody with this e-mail address is already in Samspill.")]})
    if changes.get("primary_role") and changes["primary_role"] not in person.roles:
        raise InvalidInput({"primary_role": [_("The primary role must be one of the person's roles.")]})
    return actions.update(person, changes, by=by, version=version, verb="person.updated")


def set_roles(
    person: Person, roles: Iterable[str], *, primary_role: str, by: Person, version: int | None
) -> Person:
    """Replace the person's roles; the primary one decides where their capacity counts."""
    _require_admin(by)
    wanted = sorted(set(roles))
    unknown = set(wanted) - set(Role.values)
    if unknown:
        raise InvalidInput({"roles": [_("Unknown role: %(roles)s.") % {"roles": ", ".join(sorted(unknown))}]})
    if primary_role and primary_role not in wanted:
        raise InvalidInput({"primary_role": [_("The primary role must be one of the person's roles.")]})
    if (
        person.pk == by.pk
        and Role.ADMINISTRATOR in person.roles
        and Role.ADMINISTRATOR not in wanted
        and not by.is_superuser
    ):
        raise RuleBroken(_("You cannot remove your own administrator role."))
    with transaction.atomic():
        current = actions.lock(person)
        actions.check_version(current, version)
        before = sorted(RoleAssignment.objects.filter(person=current).values_list("role", flat=True))
        changes: dict[str, dict[str, Any]] = {}
        if before != wanted:
            RoleAssignment.objects.filter(person=current).exclude(role__in=wanted).delete()
            RoleAssignment.objects.bulk_create(
                [RoleAssignment(person=current, role=r) for r in wanted if r not in before]
            )
            changes["roles"] = {
                "before": before,
                "after": wanted,
                "before_text": _role_text(before),
                "after_text": _role_text(wanted),
            }
        changes.update(actions.diff(current, {"primary_role": primary_role}))
        if not changes:
            return current
        current.primary_role = primary_role
        current.version += 1
        current.save()
        events.append_event(verb="person.roles_changed", target=current, by=by, changes=changes)
    current.__dict__.pop("roles", None)
    return current


def _role_text(codes: Iterable[str]) -> str:
    return ", ".join(str(Role(code).label) for code in codes) or "—"


def set_skills(
    person: Person, levels: Mapping[Skill, int | None], *, by: Person, version: int | None
) -> Person:
    """Set the person's level (1–5) per skill; None or 0 removes the skill."""
    if by.pk != person.pk and not can_manage_people(by):
        raise NotAllowed(_("You may only change your own skills."))
    for skill, level in levels.items():
        if level not in (None, 0) and not 1 <= int(level) <= 5:
            raise InvalidInput(
                {"skills": [_("%(skill)s: the level must be from 1 to 5.") % {"skill": skill}]}
            )
    with transaction.atomic():
        current = actions.lock(person)
        actions.check_version(current, version)
        existing = {
            ps.skill_id: ps for ps in PersonSkill.objects.filter(person=current).select_related("skill")
        }
        before = {ps.skill.name: ps.level for ps in existing.values()}
        for skill, level in levels.items():
            row = existing.get(skill.pk)
            if not level:
                if row:
                    row.delete()
            elif row is None:
                PersonSkill.objects.create(person=current, skill=skill, level=level)
            elif row.level != level:
                row.level = level
                row.save(update_fields=["level"])
        after = {
            ps.skill.name: ps.level
            for ps in PersonSkill.objects.filter(person=current).select_related("skill")
        }
        if before == after:
            return current
        current.version += 1
        current.save(update_fields=["version", "updated_at"])
        events.append_event(
            verb="person.skills_changed",
            target=current,
            by=by,
            changes={
                "skills": {
                    "before": before,
                    "after": after,
                    "before_text": _skill_text(before),
                    "after_text": _skill_text(after),
                },
            },
        )
    return current


def _skill_text(levels: Mapping[str, int]) -> str:
    return ", ".join(f"{name} {level}" for name, level in sorted(levels.items())) or "—"


def deactivate_person(person: Person, *, by: Person, version: int | None = None) -> Person:
    """Stop the person from logging in or using their tokens; their history stays."""
    _require_admin(by)
    if person.pk == by.pk:
        raise RuleBroken(_("You cannot deactivate yourself."))
    return actions.update(person, {"is_active": False}, by=by, version=version, verb="person.deactivated")


def reactivate_person(person: Person, *, by: Person, version: int | None = None) -> Person:
    """Let a deactivated person log in again."""
    _require_admin(by)
    return actions.update(person, {"is_active": True}, by=by, version=version, verb="person.reactivated")


def create_token(person: Person, *, name: str, by: Any) -> tuple[ApiToken, str]:
    """Create a personal API token; return it with the secret, which is never shown again."""
    if by is not None and by.pk != person.pk and not can_manage_people(by):
        raise NotAllowed(_("You may only create tokens for yourself."))
    name = (name or "").strip()
    if not name:
        raise InvalidInput({"name": [_("Give the token a name, so you know where it is used.")]})
    if not person.is_active:
        raise RuleBroken(_("A deactivated person cannot have tokens."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            person=person, name=name[:100], prefix=raw[:12], digest=token_digest(raw)
        )
        events.append_event(
            verb="token.created", target=token, by=by or person, context=person, data={"name": token.name}
        )
    return token, raw


def revoke_token(token: ApiToken, *, by: Person) -> ApiToken:
    """Make the token stop working at once."""
    if by.pk != token.person_id and not can_manage_people(by):
        raise NotAllowed(_("You may only revoke your own tokens."))
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        events.append_event(
            verb="token.revoked", target=token, by=by, context=token.person, data={"name": token.name}
        )
    return token


def authenticate_token(raw: str) -> Person | None:
    """Return the active person a live token belongs to, recording its use; None otherwise."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.live().select_related("person").filter(digest=token_digest(raw)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.person


def save_configuration(obj: Skill | Any, changes: Mapping[str, Any] | None, *, by: Person) -> Any:
    """Create or change a configuration row (skills, teams) from the admin."""
    _require_admin(by)
    label = type(obj)._meta.model_name
    if obj.pk is None:
        return actions.create(obj, by=by, verb=f"{label}.created", fields=list(changes or {}))
    return actions.update(obj, changes or {}, by=by, version=None, verb=f"{label}.updated")
