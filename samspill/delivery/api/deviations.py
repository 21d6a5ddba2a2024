"""API: deviations (raised by hand and found by rules) and change requests with their state verbs.

The same actions and rules as the pages: `/deviations/{id}/close`, `/change-requests/{id}/send`,
`/accept` and `/reject`. 404 for what the caller may not see, 403 for what they see but may not
change, 409 for a business rule (accepting a draft, a stale version), 422 for malformed input.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from samspill.delivery.actions import changes as change_actions
from samspill.delivery.actions import deviations as actions
from samspill.delivery.detection import text_of
from samspill.delivery.models import (
    ChangeState,
    Deviation,
    DeviationKind,
    DeviationStatus,
    Project,
    ProjectPackage,
)
from samspill.lib.api import MAX_ID, ErrorOut, Id, Page, Text, Version, paged
from samspill.lib.errors import InvalidInput
from samspill.people.models import Person

router = Router()
ERRORS: dict[int | frozenset[int], Any] = {frozenset({403, 404, 409, 422}): ErrorOut}
LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**9)
ID_FILTER = Query(None, ge=1, le=MAX_ID)
DEVIATIONS = ["deviations"]
CHANGES = ["change-requests"]


class PersonRef(Schema):
    id: int
    name: str


# -- deviations ------------------------------------------------------------------------------------


class DeviationOut(Schema):
    id: int
    project_id: int
    kind: DeviationKind
    subject: str = Field(
        ..., description="What a rule's deviation is about: project, package:ID, milestone:ID …"
    )
    what: str = Field(..., description="What happened, in words (a rule's words in the site's language)")
    text: str = Field(..., description="What happened, in the language of the request")
    consequence: str
    action: str
    owner: PersonRef
    numbers: dict[str, Any] = Field(..., description="The numbers behind a rule's deviation")
    status: DeviationStatus
    raised_by: PersonRef | None
    closed_at: datetime.datetime | None
    resolution: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int

    @staticmethod
    def resolve_text(obj: Deviation) -> str:
        return text_of(obj)


class DeviationIn(Schema):
    project_id: Id
    what: Text = Field(..., min_length=1, max_length=10000)
    consequence: Text = Field("", max_length=10000)
    action: Text = Field("", max_length=10000)
    owner_id: Id | None = Field(None, description="Defaults to the project manager")


class DeviationPatch(Schema):
    version: Version
    what: Text | None = Field(None, min_length=1, max_length=10000, description="Only for one raised by hand")
    consequence: Text | None = Field(None, max_length=10000)
    action: Text | None = Field(None, max_length=10000)
    owner_id: Id | None = None


class CloseIn(Schema):
    version: Version
    resolution: Text = Field(..., min_length=1, max_length=10000)


def _deviations(user: Any) -> Any:
    return actions.deviations_visible_to(user).select_related("owner", "raised_by")


def _person(pk: int | None, field: str) -> Person | None:
    if pk is None:
        return None
    found = Person.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise InvalidInput({field: [f"No active person has id {pk}."]})
    return found


def _project_for_body(user: Any, pk: int) -> Project:
    """The project a body names; unknown and unseen read the same (422), so nothing is revealed."""
    project = Project.objects.visible_to(user).select_related("customer", "manager").filter(pk=pk).first()
    if project is None:
        raise InvalidInput({"project_id": [f"No project you can see has id {pk}."]})
    return project


@router.get("/deviations", response=Page[DeviationOut], tags=DEVIATIONS)
def list_deviations(
    request: HttpRequest,
    project: int | None = ID_FILTER,
    status: DeviationStatus | None = None,
    kind: DeviationKind | None = None,
    limit: int = LIMIT,
    offset: int = OFFSET,
) -> dict[str, Any]:
    """The deviations of the projects you may see, newest first."""
    rows = _deviations(request.user)
    if project:
        rows = rows.filter(project_id=project)
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    return paged(rows.order_by("-created_at", "-pk"), limit, offset)


@router.post("/deviations", response={201: DeviationOut, **ERRORS}, tags=DEVIATIONS)
def create_deviation(request: HttpRequest, data: DeviationIn) -> Any:
    """Raise a deviation by hand on a project."""
    project = _project_for_body(request.user, data.project_id)
    fields: dict[str, Any] = {"what": data.what, "consequence": data.consequence, "action": data.action}
    if data.owner_id is not None:
        fields["owner"] = _person(data.owner_id, "owner_id")
    created = actions.raise_deviation(project, fields, by=request.user)
    return Status(201, _deviations(request.user).get(pk=created.pk))


@router.get("/deviations/{deviation_id}", response={200: DeviationOut, **ERRORS}, tags=DEVIATIONS)
def get_deviation(request: HttpRequest, deviation_id: int) -> Any:
    return _deviations(request.user).get(pk=actions.get_deviation_for(request.user, deviation_id).pk)


@router.patch("/deviations/{deviation_id}", response={200: DeviationOut, **ERRORS}, tags=DEVIATIONS)
def update_deviation(request: HttpRequest, deviation_id: int, data: DeviationPatch) -> Any:
    """Change the words, the consequence, the action or the owner (a rule's words stay)."""
    deviation = actions.get_deviation_for(request.user, deviation_id, write=True)
    changes = data.dict(exclude_unset=True)
    version = changes.pop("version")
    if "owner_id" in changes:
        owner_id = changes.pop("owner_id")
        if owner_id is None:
            raise InvalidInput({"owner_id": ["A deviation always has an owner."]})
        changes["owner"] = _person(owner_id, "owner_id")
    for name in ("what", "consequence", "action"):
        if name in changes and changes[name] is None:
            if name == "what":
                raise InvalidInput({name: ["This field cannot be empty."]})
            changes[name] = ""
    actions.update_deviation(deviation, changes, by=request.user, version=version)
    return _deviations(request.user).get(pk=deviation.pk)


@router.post("/deviations/{deviation_id}/close", response={200: DeviationOut, **ERRORS}, tags=DEVIATIONS)
def close_deviation(request: HttpRequest, deviation_id: int, data: CloseIn) -> Any:
    """Close with a resolution; a rule's deviation only once its condition has ended (409 before)."""
    deviation = actions.get_deviation_for(request.user, deviation_id, write=True)
    actions.close_deviation(deviation, data.resolution, by=request.user, version=data.version)
    return _deviations(request.user).get(pk=deviation.pk)


# -- change requests -------------------------------------------------------------------------------


class PackageRef(Schema):
    id: int
    name: str


class ChangeRequestOut(Schema):
    id: int
    project_id: int
    number: int
    title: str
    description: str
    package: PackageRef | None = Field(None, description="Empty: a new package is added when accepted")
    hours: Decimal
    price: Decimal
    milestone_effect: str
    delay_days: int
    state: ChangeState
    raised_by: PersonRef
    sent_at: datetime.datetime | None
    decided_on: datetime.date | None
    decision_note: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int


class ChangeRequestIn(Schema):
    project_id: Id
    title: Text = Field(..., min_length=1, max_length=200)
    description: Text = Field(..., min_length=1, max_length=10000)
    package_id: Id | None = Field(None, description="The package the hours go to; leave out to add a new one")
    hours: Decimal = Field(..., max_digits=9, decimal_places=1, description="Negative to take scope out")
    price: Decimal = Field(..., max_digits=14, decimal_places=2, description="NOK excluding VAT")
    milestone_effect: Text = Field("", max_length=10000)
    delay_days: int = Field(
        0, ge=-3650, le=3650, description="Days the milestones not reached move when accepted"
    )


class ChangeRequestPatch(Schema):
    version: Version
    title: Text | None = Field(None, min_length=1, max_length=200)
    description: Text | None = Field(None, min_length=1, max_length=10000)
    package_id: Id | None = None
    hours: Decimal | None = Field(None, max_digits=9, decimal_places=1)
    price: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    milestone_effect: Text | None = Field(None, max_length=10000)
    delay_days: int | None = Field(None, ge=-3650, le=3650)


class VersionIn(Schema):
    version: Version


class DecisionIn(Schema):
    version: Version
    decided_on: datetime.date | None = Field(None, description="Defaults to today")
    note: Text = Field("", max_length=10000, description="Required when rejecting: why the customer said no")


StateFilter = Literal["draft", "sent", "accepted", "rejected"]


def _changes(user: Any) -> Any:
    return change_actions.change_requests_visible_to(user).select_related("package", "raised_by")


def _package(project: Project, pk: int | None) -> ProjectPackage | None:
    if pk is None:
        return None
    found = ProjectPackage.objects.filter(pk=pk, project=project).first()
    if found is None:
        raise InvalidInput({"package_id": [f"The project has no work package with id {pk}."]})
    return found


def _change_fields(project: Project, data: dict[str, Any]) -> dict[str, Any]:
    fields = dict(data)
    if "package_id" in fields:
        fields["package"] = _package(project, fields.pop("package_id"))
    for name in ("title", "description", "hours", "price", "delay_days"):
        if name in fields and fields[name] is None:
            raise InvalidInput({name: ["This field cannot be empty."]})
    if "milestone_effect" in fields and fields["milestone_effect"] is None:
        fields["milestone_effect"] = ""
    return fields


@router.get("/change-requests", response=Page[ChangeRequestOut], tags=CHANGES)
def list_change_requests(
    request: HttpRequest,
    project: int | None = ID_FILTER,
    state: StateFilter | None = None,
    waiting_for_me: bool = Query(False, description="Only sent ones whose answer you record"),
    limit: int = LIMIT,
    offset: int = OFFSET,
) -> dict[str, Any]:
    """The change requests of the projects you may see, newest first."""
    rows = (
        change_actions.waiting_for(request.user)
        if waiting_for_me
        else change_actions.change_requests_visible_to(request.user)
    )
    rows = rows.select_related("package", "raised_by")
    if project:
        rows = rows.filter(project_id=project)
    if state:
        rows = rows.filter(state=state)
    return paged(rows.order_by("-created_at", "-pk"), limit, offset)


@router.post("/change-requests", response={201: ChangeRequestOut, **ERRORS}, tags=CHANGES)
def create_change_request(request: HttpRequest, data: ChangeRequestIn) -> Any:
    """Draft a change request (the project manager)."""
    fields = data.dict()
    project = _project_for_body(request.user, fields.pop("project_id"))
    created = change_actions.create_change_request(project, _change_fields(project, fields), by=request.user)
    return Status(201, _changes(request.user).get(pk=created.pk))


@router.get("/change-requests/{change_id}", response={200: ChangeRequestOut, **ERRORS}, tags=CHANGES)
def get_change_request(request: HttpRequest, change_id: int) -> Any:
    return _changes(request.user).get(pk=change_actions.get_change_request_for(request.user, change_id).pk)


@router.patch("/change-requests/{change_id}", response={200: ChangeRequestOut, **ERRORS}, tags=CHANGES)
def update_change_request(request: HttpRequest, change_id: int, data: ChangeRequestPatch) -> Any:
    """Change a draft (409 once it was sent)."""
    change = change_actions.get_change_request_for(request.user, change_id, write=True)
    changes = data.dict(exclude_unset=True)
    version = changes.pop("version")
    change_actions.update_change_request(
        change, _change_fields(change.project, changes), by=request.user, version=version
    )
    return _changes(request.user).get(pk=change.pk)


@router.post("/change-requests/{change_id}/send", response={200: ChangeRequestOut, **ERRORS}, tags=CHANGES)
def send_change_request(request: HttpRequest, change_id: int, data: VersionIn) -> Any:
    """Send a draft to the customer: it lands in the seller's and the account owner's queue."""
    change = change_actions.get_change_request_for(request.user, change_id, write=True)
    change_actions.send_change_request(change, by=request.user, version=data.version)
    return _changes(request.user).get(pk=change.pk)


@router.post("/change-requests/{change_id}/accept", response={200: ChangeRequestOut, **ERRORS}, tags=CHANGES)
def accept_change_request(request: HttpRequest, change_id: int, data: DecisionIn) -> Any:
    """Record the customer's yes: a new baseline version, the package's budget, the milestones move."""
    change = change_actions.get_change_request_for(request.user, change_id)
    change_actions.accept_change_request(
        change, by=request.user, version=data.version, note=data.note, decided_on=data.decided_on
    )
    return _changes(request.user).get(pk=change.pk)


@router.post("/change-requests/{change_id}/reject", response={200: ChangeRequestOut, **ERRORS}, tags=CHANGES)
def reject_change_request(request: HttpRequest, change_id: int, data: DecisionIn) -> Any:
    """Record the customer's no, with why."""
    change = change_actions.get_change_request_for(request.user, change_id)
    change_actions.reject_change_request(
        change, by=request.user, version=data.version, note=data.note, decided_on=data.decided_on
    )
    return _changes(request.user).get(pk=change.pk)
