"""API: people and personal tokens."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, cast

from django.db.models import Prefetch, Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import EmailStr

from samspill.lib.api import ErrorOut, Page, Text, Version, paged
from samspill.lib.errors import InvalidInput
from samspill.people import actions
from samspill.people.access import can_see_cost_rate, get_person_for, get_token_for
from samspill.people.models import ApiToken, Language, Person, PersonSkill, Role, Skill, Team

router = Router(tags=["people"])
ERRORS: dict[int | frozenset[int], Any] = {frozenset({403, 404, 409, 422}): ErrorOut}


class SkillLevel(Schema):
    skill: str
    level: int


class PersonOut(Schema):
    id: int
    username: str
    name: str
    first_name: str
    last_name: str
    email: str
    title: str
    team: str | None
    roles: list[str]
    primary_role: str
    skills: list[SkillLevel]
    weekly_capacity_hours: Decimal
    hourly_rate: Decimal
    cost_rate: Decimal | None
    language: str
    is_active: bool
    version: int


def _me(request: HttpRequest) -> Person:
    """Return the person the call acts as (the API's auth has refused anonymous calls already)."""
    return cast(Person, request.user)


def _person_out(person: Person, user: Any) -> dict[str, Any]:
    return {
        "id": person.pk,
        "username": person.username,
        "name": person.name,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "title": person.title,
        "team": person.team.name if person.team else None,
        "roles": sorted(person.roles),
        "primary_role": person.primary_role,
        "skills": [{"skill": ps.skill.name, "level": ps.level} for ps in person.skills.all()],
        "weekly_capacity_hours": person.weekly_capacity_hours,
        "hourly_rate": person.hourly_rate,
        "cost_rate": person.cost_rate if can_see_cost_rate(user, person) else None,
        "language": person.language,
        "is_active": person.is_active,
        "version": person.version,
    }


def _people(user: Any) -> Any:
    return (
        Person.objects.visible_to(user)
        .select_related("team")
        .prefetch_related(
            "role_assignments", Prefetch("skills", queryset=PersonSkill.objects.select_related("skill"))
        )
    )


class PeopleFilter(Schema):
    q: Text | None = None
    role: Role | None = None
    skill: Text | None = Field(None, description="Skill name")
    min_level: int = Field(1, ge=1, le=5)
    team: Text | None = None
    is_active: bool | None = None


@router.get("/people", response=Page[PersonOut])
def list_people(
    request: HttpRequest,
    filters: Query[PeopleFilter],
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10**9),
) -> dict[str, Any]:
    people = _people(request.user)
    if filters.q:
        people = people.filter(
            Q(first_name__icontains=filters.q)
            | Q(last_name__icontains=filters.q)
            | Q(username__icontains=filters.q)
            | Q(email__icontains=filters.q)
        )
    if filters.role:
        people = people.with_role(filters.role)
    if filters.skill:
        people = people.filter(
            skills__skill__name__iexact=filters.skill, skills__level__gte=filters.min_level
        )
    if filters.team:
        people = people.filter(team__name__iexact=filters.team)
    if filters.is_active is not None:
        people = people.filter(is_active=filters.is_active)
    page = paged(people.distinct().order_by("pk"), limit, offset)
    page["items"] = [_person_out(p, request.user) for p in page["items"]]
    return page


@router.get("/people/{person_id}", response={200: PersonOut, **ERRORS})
def get_person(request: HttpRequest, person_id: int) -> Any:
    return _person_out(_people(request.user).get(pk=get_person_for(request.user, person_id).pk), request.user)


class InviteIn(Schema):
    email: EmailStr
    first_name: Text = Field(..., min_length=1, max_length=150)
    last_name: Text = Field("", max_length=150)
    title: Text = Field("", max_length=100)
    team: Text | None = None
    roles: list[Role] = []
    primary_role: Role | None = None


def _team(name: str | None) -> Team | None:
    if not name:
        return None
    team = Team.objects.filter(name__iexact=name).first()
    if team is None:
        raise InvalidInput({"team": [f"No team is called {name!r}."]})
    return team


@router.post("/people", response={201: PersonOut, **ERRORS})
def invite(request: HttpRequest, data: InviteIn) -> Any:
    """Invite a person by e-mail (administrators)."""
    person = actions.invite_person(
        email=str(data.email),
        first_name=data.first_name,
        last_name=data.last_name,
        title=data.title,
        team=_team(data.team),
        roles=[r.value for r in data.roles],
        primary_role=data.primary_role.value if data.primary_role else "",
        by=_me(request),
    )
    return Status(201, _person_out(_people(request.user).get(pk=person.pk), request.user))


class PersonPatch(Schema):
    version: Version
    first_name: Text | None = Field(None, min_length=1, max_length=150)
    last_name: Text | None = Field(None, max_length=150)
    email: EmailStr | None = None
    title: Text | None = Field(None, max_length=100)
    phone: Text | None = Field(None, max_length=30)
    team: Text | None = None
    language: Language | None = None
    primary_role: Role | None = None
    weekly_capacity_hours: Decimal | None = Field(None, ge=0, le=80, max_digits=5, decimal_places=2)
    cost_rate: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    hourly_rate: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)


@router.patch("/people/{person_id}", response={200: PersonOut, **ERRORS})
def update_person(request: HttpRequest, person_id: int, data: PersonPatch) -> Any:
    person = get_person_for(request.user, person_id)
    changes = data.dict(exclude_unset=True)
    version = changes.pop("version")
    if "team" in changes:
        changes["team"] = _team(changes["team"])
    if "email" in changes:
        changes["email"] = str(changes["email"])
    for key in ("language", "primary_role"):
        if changes.get(key) is not None:
            changes[key] = str(getattr(changes[key], "value", changes[key]))
    actions.update_person(person, changes, by=_me(request), version=version)
    return _person_out(_people(request.user).get(pk=person.pk), request.user)


class RolesIn(Schema):
    version: Version
    roles: list[Role]
    primary_role: Role | None = None


@router.post("/people/{person_id}/roles", response={200: PersonOut, **ERRORS})
def set_roles(request: HttpRequest, person_id: int, data: RolesIn) -> Any:
    """Replace a person's roles (administrators)."""
    person = get_person_for(request.user, person_id)
    actions.set_roles(
        person,
        [r.value for r in data.roles],
        primary_role=data.primary_role.value if data.primary_role else "",
        by=_me(request),
        version=data.version,
    )
    return _person_out(_people(request.user).get(pk=person.pk), request.user)


class SkillsIn(Schema):
    version: Version
    skills: dict[Text, int] = Field(..., description="Skill name → level 1–5; 0 removes the skill.")


@router.post("/people/{person_id}/skills", response={200: PersonOut, **ERRORS})
def set_skills(request: HttpRequest, person_id: int, data: SkillsIn) -> Any:
    person = get_person_for(request.user, person_id)
    known = {s.name.lower(): s for s in Skill.objects.all()}  # a short configuration list
    missing = [name for name in data.skills if name.lower() not in known]
    if missing:
        raise InvalidInput({"skills": [f"Unknown skill: {', '.join(missing)}."]})
    actions.set_skills(
        person,
        {known[n.lower()]: lvl for n, lvl in data.skills.items()},
        by=_me(request),
        version=data.version,
    )
    return _person_out(_people(request.user).get(pk=person.pk), request.user)


class VersionIn(Schema):
    version: Version | None = None


@router.post("/people/{person_id}/deactivate", response={200: PersonOut, **ERRORS})
def deactivate(request: HttpRequest, person_id: int, data: VersionIn | None = None) -> Any:
    person = get_person_for(request.user, person_id)
    actions.deactivate_person(person, by=_me(request), version=data.version if data else None)
    return _person_out(_people(request.user).get(pk=person.pk), request.user)


@router.post("/people/{person_id}/reactivate", response={200: PersonOut, **ERRORS})
def reactivate(request: HttpRequest, person_id: int, data: VersionIn | None = None) -> Any:
    person = get_person_for(request.user, person_id)
    actions.reactivate_person(person, by=_me(request), version=data.version if data else None)
    return _person_out(_people(request.user).get(pk=person.pk), request.user)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    person_id: int
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None


class TokenCreated(TokenOut):
    token: str = Field(..., description="The secret: shown only in this answer.")


class TokenIn(Schema):
    name: Text = Field(..., min_length=1, max_length=100)


@router.get("/tokens", response=Page[TokenOut], tags=["tokens"])
def list_tokens(
    request: HttpRequest, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10**9)
) -> dict[str, Any]:
    """Your tokens (administrators: everybody's). Secrets are never shown again."""
    return paged(ApiToken.objects.visible_to(request.user).order_by("-pk"), limit, offset)


@router.post("/tokens", response={201: TokenCreated, **ERRORS}, tags=["tokens"])
def create_token(request: HttpRequest, data: TokenIn) -> Any:
    token, raw = actions.create_token(_me(request), name=data.name, by=_me(request))
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": raw})


@router.post("/tokens/{token_id}/revoke", response={200: TokenOut, **ERRORS}, tags=["tokens"])
def revoke_token(request: HttpRequest, token_id: int) -> Any:
    return actions.revoke_token(get_token_for(request.user, token_id), by=_me(request))
