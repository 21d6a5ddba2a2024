"""API: opportunities (with their stage verbs and team) and the expectations register.

The same actions as the pages: `/opportunities/{id}/move`, `/win` and `/lose` change the stage, with
the review gate and the decision rules of `samspill.pipeline.actions.opportunities`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from samspill.customers.models import Contact, Customer, FrameworkAgreement
from samspill.lib.api import MAX_ID, ErrorOut, Id, Page, Text, Version, paged
from samspill.lib.errors import InvalidInput, NotAllowed
from samspill.people.models import Person
from samspill.pipeline import queries
from samspill.pipeline.access import (
    can_change_opportunity,
    get_expectation_for,
    get_opportunity_for,
)
from samspill.pipeline.actions import expectations as expectation_actions
from samspill.pipeline.actions import opportunities as actions
from samspill.pipeline.models import (
    ContractType,
    Expectation,
    ExpectationKind,
    ExpectationSource,
    ExpectationStatus,
    Opportunity,
    ProjectType,
    TeamMember,
    TeamRole,
)

router = Router()
ERRORS: dict[int | frozenset[int], Any] = {frozenset({403, 404, 409, 422}): ErrorOut}
LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**9)
ID_FILTER = Query(None, ge=1, le=MAX_ID)
TAGS = ["opportunities"]


# -- schemas ---------------------------------------------------------------------------------------


class PersonRef(Schema):
    id: int
    name: str


class NamedRef(Schema):
    id: int
    name: str


class TeamMemberOut(Schema):
    id: int
    person: PersonRef
    role: TeamRole


class OpportunityOut(Schema):
    id: int
    customer: NamedRef
    agreement_id: int | None
    title: str
    description: str
    project_type: str
    tags: list[str]
    required_skills: list[NamedRef]
    contract_type: str
    value: Decimal
    probability: int
    weighted_value: Decimal
    stage: str
    stage_changed_at: datetime.datetime | None
    expected_start: datetime.date | None
    duration_weeks: int | None
    offer_due: datetime.date | None
    owner: PersonRef
    confidential: bool
    decided_on: datetime.date | None
    sold_estimate_id: int | None
    lost_reason: str
    lost_note: str
    team: list[TeamMemberOut]
    review_state: str | None = Field(None, description="State of the latest expert review, if any")
    review_verdict: str | None = Field(None, description="Verdict of the latest expert review, if done")
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int

    @staticmethod
    def resolve_weighted_value(obj: Opportunity) -> Decimal:
        return obj.weighted_value

    @staticmethod
    def resolve_required_skills(obj: Opportunity) -> list[dict[str, Any]]:
        return [{"id": s.pk, "name": s.name} for s in obj.required_skills.all()]

    @staticmethod
    def resolve_team(obj: Opportunity) -> list[TeamMember]:
        return list(obj.team.all())

    @staticmethod
    def resolve_review_verdict(obj: Opportunity) -> str | None:
        return getattr(obj, "review_verdict", None) or None


class OpportunityDetailOut(OpportunityOut):
    warnings: list[str] = Field(
        default_factory=list,
        description="What does not refuse the change but matters, e.g. a call-off past the ceiling",
    )


Money = Field(..., ge=0, max_digits=14, decimal_places=2, description="NOK excluding VAT")
Percent = Field(None, ge=0, le=100, description="Leave out to use the stage's default")
Tag = Text


class TeamMemberIn(Schema):
    person_id: Id
    role: TeamRole


OpenStage = Literal["lead", "qualified", "solution", "review", "offer_sent", "negotiation"]


class OpportunityIn(Schema):
    customer_id: Id
    agreement_id: Id | None = None
    title: Text = Field(..., min_length=1, max_length=200)
    description: Text = Field("", max_length=20000)
    project_type: ProjectType | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    required_skill_ids: list[Id] = Field(default_factory=list, max_length=100)
    contract_type: ContractType = ContractType.FIXED_PRICE
    value: Decimal = Money
    probability: int | None = Percent
    expected_start: datetime.date | None = None
    duration_weeks: int | None = Field(None, ge=1, le=520)
    offer_due: datetime.date | None = None
    owner_id: Id | None = Field(None, description="Defaults to you")
    confidential: bool = False
    stage: OpenStage = "lead"
    team: list[TeamMemberIn] = Field(default_factory=list, max_length=50, description="Besides the owner")


class OpportunityPatch(Schema):
    version: Version
    customer_id: Id | None = None
    agreement_id: Id | None = None
    title: Text | None = Field(None, min_length=1, max_length=200)
    description: Text | None = Field(None, max_length=20000)
    project_type: ProjectType | None = None
    tags: list[Tag] | None = Field(None, max_length=20)
    required_skill_ids: list[Id] | None = Field(None, max_length=100)
    contract_type: ContractType | None = None
    value: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    probability: int | None = Field(None, ge=0, le=100)
    expected_start: datetime.date | None = None
    duration_weeks: int | None = Field(None, ge=1, le=520)
    offer_due: datetime.date | None = None
    owner_id: Id | None = None
    confidential: bool | None = None


class MoveIn(Schema):
    stage: Text = Field(..., max_length=20, description="An open stage; use /win or /lose to decide")
    probability: int | None = Field(None, ge=0, le=100, description="Leave out to use the stage's default")
    override_reason: Text = Field(
        "", max_length=2000, description="Management only: why the review gate may be passed"
    )
    version: Version


class WinIn(Schema):
    decided_on: datetime.date | None = Field(None, description="Defaults to today")
    override_reason: Text = Field("", max_length=2000)
    version: Version


class LoseIn(Schema):
    reason: Text = Field(
        ..., max_length=20, description="price, scope, timing, competitor, no_decision or other"
    )
    note: Text = Field(..., max_length=5000)
    decided_on: datetime.date | None = None
    version: Version


StageFilter = Literal[
    "open",
    "closed",
    "all",
    "lead",
    "qualified",
    "solution",
    "review",
    "offer_sent",
    "negotiation",
    "won",
    "lost",
]


class OpportunityFilter(Schema):
    q: Text | None = None
    stage: StageFilter | None = Field(None, description="open, closed, all (default) or one stage")
    owner: Id | None = None
    customer: Id | None = None
    agreement: Id | None = None
    project_type: ProjectType | None = None
    skill: Id | None = None
    expected_start_from: datetime.date | None = None
    expected_start_to: datetime.date | None = None
    mine: bool = False


# -- helpers ---------------------------------------------------------------------------------------


def _opportunities(user: Any, rows: Any = None) -> Any:
    """The opportunities `user` may see, with what the output shows loaded in a fixed number of queries."""
    rows = queries.with_card_facts(Opportunity.objects.visible_to(user) if rows is None else rows, user)
    return rows.prefetch_related(
        "required_skills", Prefetch("team", queryset=TeamMember.objects.select_related("person"))
    )


def _one(user: Any, pk: int, warnings: list[str] | None = None) -> Opportunity:
    found: Opportunity = _opportunities(user).get(pk=pk)
    found.warnings = warnings or []  # type: ignore[attr-defined]
    return found


def _ref(model: Any, pk: int | None, field: str, label: str, **conditions: Any) -> Any:
    """The object a body refers to by id; an unknown id is a field error (422), like any malformed input."""
    if pk is None:
        return None
    found = model._default_manager.filter(pk=pk, **conditions).first()
    if found is None:
        raise InvalidInput({field: [f"No {label} has id {pk}."]})
    return found


def _fields(data: dict[str, Any], user: Any, *, partial: bool = False) -> dict[str, Any]:
    """Turn the body's ids and enums into what the actions take (`partial` for a PATCH, where null clears)."""
    fields = dict(data)
    if not partial:
        for name in ("probability", "owner_id"):
            if fields.get(name) is None:
                fields.pop(name, None)
    if "customer_id" in fields:
        if fields["customer_id"] is None:
            raise InvalidInput({"customer_id": ["An opportunity always has a customer."]})
        fields["customer"] = _ref(Customer, fields.pop("customer_id"), "customer_id", "customer")
    if "agreement_id" in fields:
        fields["agreement"] = _ref(
            FrameworkAgreement, fields.pop("agreement_id"), "agreement_id", "agreement"
        )
    if "owner_id" in fields:
        owner_id = fields.pop("owner_id")
        if owner_id is None:
            raise InvalidInput({"owner_id": ["An opportunity always has an owner."]})
        fields["owner"] = _ref(Person, owner_id, "owner_id", "active person", is_active=True)
    for name in ("project_type", "contract_type"):
        if name in fields:
            fields[name] = getattr(fields[name], "value", fields[name]) or ""
    for name in ("title", "description", "tags", "contract_type", "value", "probability", "confidential"):
        if name in fields and fields[name] is None:
            raise InvalidInput({name: ["This field cannot be empty."]})
    return fields


def _warnings(opportunity: Opportunity, user: Any) -> list[str]:
    if not opportunity.agreement_id or not opportunity.is_open:
        return []
    warning = queries.ceiling_warning(opportunity.agreement, opportunity.value, user, opportunity.pk)
    return [warning] if warning else []


def _skill_ids(fields: dict[str, Any]) -> list[int] | None:
    return fields.pop("required_skill_ids", None)


# -- opportunities ---------------------------------------------------------------------------------


@router.get("/opportunities", response=Page[OpportunityOut], tags=TAGS)
def list_opportunities(
    request: HttpRequest, filters: Query[OpportunityFilter], limit: int = LIMIT, offset: int = OFFSET
) -> dict[str, Any]:
    """The opportunities you may see, filtered like the board and the list, largest first."""
    data = filters.dict()
    data["start_from"] = data.pop("expected_start_from")
    data["start_to"] = data.pop("expected_start_to")
    if data.get("stage") == "all":
        data["stage"] = None
    matching = queries.filtered(request.user, data)
    # The page's ids come from the bare rows: ordering the rows with their facts made the database work
    # out the review subqueries for every matching row before it sorted them (360 ms at `large`).
    page = matching.order_by("-value", "pk").values("pk")[offset : offset + limit]
    rows = _opportunities(request.user, Opportunity.objects.filter(pk__in=page)).order_by("-value", "pk")
    return {"items": list(rows), "count": matching.count()}


@router.post("/opportunities", response={201: OpportunityDetailOut, **ERRORS}, tags=TAGS)
def create_opportunity(request: HttpRequest, data: OpportunityIn) -> Any:
    fields = _fields(data.dict(), request.user)
    skills = _skill_ids(fields)
    stage = fields.pop("stage")
    team = [
        (
            _ref(Person, m["person_id"], "team", "active person", is_active=True),
            getattr(m["role"], "value", m["role"]),
        )
        for m in fields.pop("team")
    ]
    created = actions.create_opportunity(
        fields, by=request.user, required_skills=skills, team=team, stage=stage
    )
    return Status(201, _one(request.user, created.pk, _warnings(created, request.user)))


@router.get("/opportunities/{opportunity_id}", response={200: OpportunityDetailOut, **ERRORS}, tags=TAGS)
def get_opportunity(request: HttpRequest, opportunity_id: int) -> Any:
    opportunity = get_opportunity_for(request.user, opportunity_id)
    return _one(request.user, opportunity.pk, _warnings(opportunity, request.user))


@router.patch("/opportunities/{opportunity_id}", response={200: OpportunityDetailOut, **ERRORS}, tags=TAGS)
def update_opportunity(request: HttpRequest, opportunity_id: int, data: OpportunityPatch) -> Any:
    opportunity = get_opportunity_for(request.user, opportunity_id, write=True)
    changes = data.dict(exclude_unset=True)
    version = changes.pop("version")
    fields = _fields(changes, request.user, partial=True)
    skills = _skill_ids(fields)
    saved = actions.update_opportunity(
        opportunity, fields, by=request.user, version=version, required_skills=skills
    )
    return _one(request.user, saved.pk, _warnings(saved, request.user))


@router.post(
    "/opportunities/{opportunity_id}/move", response={200: OpportunityDetailOut, **ERRORS}, tags=TAGS
)
def move_opportunity(request: HttpRequest, opportunity_id: int, data: MoveIn) -> Any:
    """Move to another open stage; the probability becomes the stage's default unless you send one."""
    opportunity = get_opportunity_for(request.user, opportunity_id, write=True)
    moved = actions.move_opportunity(
        opportunity,
        data.stage,
        by=request.user,
        version=data.version,
        probability=data.probability,
        override_reason=data.override_reason,
    )
    return _one(request.user, moved.pk, _warnings(moved, request.user))


@router.post("/opportunities/{opportunity_id}/win", response={200: OpportunityDetailOut, **ERRORS}, tags=TAGS)
def win_opportunity(request: HttpRequest, opportunity_id: int, data: WinIn) -> Any:
    """Record the win: the decision date and the sold estimate (the one sent, else the current one)."""
    opportunity = get_opportunity_for(request.user, opportunity_id, write=True)
    won = actions.win_opportunity(
        opportunity,
        by=request.user,
        version=data.version,
        decided_on=data.decided_on,
        override_reason=data.override_reason,
    )
    return _one(request.user, won.pk)


@router.post(
    "/opportunities/{opportunity_id}/lose", response={200: OpportunityDetailOut, **ERRORS}, tags=TAGS
)
def lose_opportunity(request: HttpRequest, opportunity_id: int, data: LoseIn) -> Any:
    """Record the loss with a reason and a note."""
    opportunity = get_opportunity_for(request.user, opportunity_id, write=True)
    lost = actions.lose_opportunity(
        opportunity,
        reason=data.reason,
        note=data.note,
        by=request.user,
        version=data.version,
        decided_on=data.decided_on,
    )
    return _one(request.user, lost.pk)


# -- the team --------------------------------------------------------------------------------------


@router.get("/opportunities/{opportunity_id}/team", response={200: Page[TeamMemberOut], **ERRORS}, tags=TAGS)
def list_team(request: HttpRequest, opportunity_id: int) -> Any:
    opportunity = get_opportunity_for(request.user, opportunity_id)
    members = list(opportunity.team.select_related("person").order_by("role", "person__first_name", "pk"))
    return {"items": members, "count": len(members)}


@router.post("/opportunities/{opportunity_id}/team", response={201: TeamMemberOut, **ERRORS}, tags=TAGS)
def add_team_member(request: HttpRequest, opportunity_id: int, data: TeamMemberIn) -> Any:
    opportunity = get_opportunity_for(request.user, opportunity_id, write=True)
    person = _ref(Person, data.person_id, "person_id", "active person", is_active=True)
    return Status(201, actions.add_team_member(opportunity, person, data.role.value, by=request.user))


@router.delete("/opportunities/{opportunity_id}/team/{member_id}", response={204: None, **ERRORS}, tags=TAGS)
def remove_team_member(request: HttpRequest, opportunity_id: int, member_id: int) -> Any:
    """Take a person off the team in one role."""
    opportunity = get_opportunity_for(request.user, opportunity_id, write=True)
    member = TeamMember.objects.filter(opportunity=opportunity, pk=member_id).select_related("person").first()
    if member is None:
        raise Http404
    actions.remove_team_member(member, by=request.user)
    return Status(204, None)


# -- expectations ----------------------------------------------------------------------------------


class ExpectationOut(Schema):
    id: int
    opportunity_id: int
    kind: str
    customer_words: str
    source: str
    source_note: str
    acceptance_criteria: str
    agreed_by: PersonRef | None
    agreed_with: NamedRef | None
    agreed_on: datetime.date | None
    status: str
    position: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int


class ExpectationIn(Schema):
    opportunity_id: Id
    kind: ExpectationKind
    customer_words: Text = Field(..., min_length=1, max_length=10000)
    source: ExpectationSource
    source_note: Text = Field("", max_length=200)
    acceptance_criteria: Text = Field("", max_length=10000)
    agreed_by_id: Id | None = None
    agreed_with_id: Id | None = Field(None, description="A contact of the opportunity's customer")
    agreed_on: datetime.date | None = None
    status: ExpectationStatus = ExpectationStatus.OPEN


class ExpectationPatch(Schema):
    version: Version
    kind: ExpectationKind | None = None
    customer_words: Text | None = Field(None, min_length=1, max_length=10000)
    source: ExpectationSource | None = None
    source_note: Text | None = Field(None, max_length=200)
    acceptance_criteria: Text | None = Field(None, max_length=10000)
    agreed_by_id: Id | None = None
    agreed_with_id: Id | None = None
    agreed_on: datetime.date | None = None
    status: ExpectationStatus | None = None


def _expectation_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = dict(data)
    if "agreed_by_id" in fields:
        fields["agreed_by"] = _ref(
            Person, fields.pop("agreed_by_id"), "agreed_by_id", "active person", is_active=True
        )
    if "agreed_with_id" in fields:
        fields["agreed_with"] = _ref(Contact, fields.pop("agreed_with_id"), "agreed_with_id", "contact")
    for name in ("kind", "source", "status"):
        if name in fields:
            if fields[name] is None:
                raise InvalidInput({name: ["This field cannot be empty."]})
            fields[name] = getattr(fields[name], "value", fields[name])
    for name in ("customer_words", "source_note", "acceptance_criteria"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    return fields


def _expectations(user: Any) -> Any:
    return Expectation.objects.visible_to(user).select_related("agreed_by", "agreed_with")


@router.get("/expectations", response=Page[ExpectationOut], tags=["expectations"])
def list_expectations(
    request: HttpRequest,
    opportunity: int | None = ID_FILTER,
    status: ExpectationStatus | None = None,
    kind: ExpectationKind | None = None,
    limit: int = LIMIT,
    offset: int = OFFSET,
) -> dict[str, Any]:
    """The expectations of the opportunities you may see."""
    rows = _expectations(request.user)
    if opportunity:
        rows = rows.filter(opportunity_id=opportunity)
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    return paged(rows.order_by("opportunity_id", "position", "pk"), limit, offset)


@router.post("/expectations", response={201: ExpectationOut, **ERRORS}, tags=["expectations"])
def create_expectation(request: HttpRequest, data: ExpectationIn) -> Any:
    fields = _expectation_fields(data.dict())
    opportunity_id = fields.pop("opportunity_id")
    opportunity = Opportunity.objects.visible_to(request.user).filter(pk=opportunity_id).first()
    if opportunity is None:  # unknown and unseen read the same, so nothing is revealed
        raise InvalidInput({"opportunity_id": [f"No opportunity you can see has id {opportunity_id}."]})
    if not can_change_opportunity(request.user, opportunity):
        raise NotAllowed("You may read this opportunity but not change its expectations.")
    created = expectation_actions.create_expectation(opportunity, fields, by=request.user)
    return Status(201, _expectations(request.user).get(pk=created.pk))


@router.get("/expectations/{expectation_id}", response={200: ExpectationOut, **ERRORS}, tags=["expectations"])
def get_expectation(request: HttpRequest, expectation_id: int) -> Any:
    return _expectations(request.user).get(pk=get_expectation_for(request.user, expectation_id).pk)


@router.patch(
    "/expectations/{expectation_id}", response={200: ExpectationOut, **ERRORS}, tags=["expectations"]
)
def update_expectation(request: HttpRequest, expectation_id: int, data: ExpectationPatch) -> Any:
    expectation = get_expectation_for(request.user, expectation_id, write=True)
    changes = data.dict(exclude_unset=True)
    version = changes.pop("version")
    expectation_actions.update_expectation(
        expectation, _expectation_fields(changes), by=request.user, version=version
    )
    return _expectations(request.user).get(pk=expectation.pk)
