"""API: time entries, a project's weeks with their approval (`/approve`, `/reopen`), and the CSV import.

The same actions and rules as the timesheet, the approval page and the import page
(`samspill.delivery.actions.time`, `samspill.delivery.importing`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncWeek
from django.http import Http404, HttpRequest, JsonResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from samspill.delivery.access import get_project_for
from samspill.delivery.actions import time as actions
from samspill.delivery.actions.time import HUNDREDTH, as_date, monday_of, parse_week, week_code
from samspill.delivery.importing import (
    FileRefused,
    Plan,
    body_too_large,
    can_import,
    dry_run,
    import_plan,
    read_upload,
)
from samspill.delivery.models import Project, ProjectPackage, TimeEntry, WeekApproval
from samspill.lib.api import MAX_ID, ErrorOut, Id, Page, Text
from samspill.lib.errors import InvalidInput, NotAllowed
from samspill.people.models import Person

router = Router()
ERRORS: dict[int | frozenset[int], Any] = {frozenset({403, 404, 409, 422}): ErrorOut}
LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**9)
ID_FILTER = Query(None, ge=1, le=MAX_ID)
TAGS = ["time-entries"]
WEEK_TAGS = ["projects"]
Hours = Field(..., gt=0, le=24, max_digits=4, decimal_places=2, description="Hours in the day, e.g. 7.5")


# -- schemas ---------------------------------------------------------------------------------------


class PersonRef(Schema):
    id: int
    name: str


class NamedRef(Schema):
    id: int
    name: str


class TimeEntryOut(Schema):
    id: int
    person: PersonRef
    project: NamedRef
    package: NamedRef
    date: datetime.date
    week: str = Field(..., description="The entry's ISO week, e.g. 2026-W48")
    hours: Decimal
    billable: bool
    note: str
    approved: bool = Field(..., description="Its week is approved: it cannot change until reopened")
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_project(obj: TimeEntry) -> dict[str, Any]:
        return {"id": obj.project_id, "name": obj.project.title}

    @staticmethod
    def resolve_week(obj: TimeEntry) -> str:
        return week_code(monday_of(obj.date))


class TimeEntryIn(Schema):
    project_id: Id
    package_id: Id = Field(..., description="A work package of the project")
    date: datetime.date
    hours: Decimal = Hours
    billable: bool = True
    note: Text = Field("", max_length=500)
    person_id: Id | None = Field(None, description="Defaults to you; the project manager logs for the team")


class TimeEntryPatch(Schema):
    package_id: Id | None = Field(None, description="Another work package of the same project")
    date: datetime.date | None = None
    hours: Decimal | None = Field(None, gt=0, le=24, max_digits=4, decimal_places=2)
    billable: bool | None = None
    note: Text | None = Field(None, max_length=500)


class TimeEntryFilter(Schema):
    person: Id | None = None
    project: Id | None = None
    package: Id | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    billable: bool | None = None


class WeekOut(Schema):
    project_id: int
    person: PersonRef
    week: str
    monday: datetime.date
    hours: Decimal
    billable_hours: Decimal
    approved: bool
    approved_by: PersonRef | None = None
    approved_at: datetime.datetime | None = None


class ApproveIn(Schema):
    person_id: Id


class ReopenIn(Schema):
    person_id: Id
    reason: Text = Field(
        ..., min_length=1, max_length=2000, description="Why the week is reopened; kept in the log"
    )


class AcceptedRowOut(Schema):
    row: int
    person_id: int
    project_id: int
    package_id: int
    date: datetime.date
    hours: Decimal
    billable: bool
    note: str


class RejectedRowOut(Schema):
    row: int
    values: list[str]
    reasons: list[str]


class ImportOut(Schema):
    dry_run: bool
    encoding: str
    delimiter: str
    accepted_count: int
    rejected_count: int
    hours: Decimal = Field(..., description="The accepted rows' hours")
    warnings: list[str]
    accepted: list[AcceptedRowOut]
    rejected: list[RejectedRowOut]
    created_ids: list[int] = Field(default_factory=list, description="The entries made (not on a dry run)")


class ImportIn(Schema):
    dry_run: bool = Field(True, description="Only check the file (the default); false imports it")
    skip_rejected: bool = Field(
        False,
        description="Import the accepted rows although others are rejected; otherwise nothing is imported",
    )


# -- helpers ---------------------------------------------------------------------------------------


def _entries(user: Any) -> Any:
    """The entries `user` may see, with whether their week is approved, in one query."""
    approved = WeekApproval.objects.filter(
        project=OuterRef("project_id"), person=OuterRef("person_id"), week=OuterRef("week_start")
    )
    return (
        TimeEntry.objects.visible_to(user)
        .select_related("person", "project", "package")
        .annotate(week_start=TruncWeek("date"))
        .annotate(approved=Exists(approved))
    )


def _entry_for(user: Any, pk: int) -> TimeEntry:
    found: TimeEntry | None = _entries(user).filter(pk=pk).first() if pk <= MAX_ID else None
    if found is None:
        raise Http404
    return found


def _project_ref(user: Any, pk: int) -> Project:
    """A project named in a body: unknown and unseen read the same (422), so nothing is revealed."""
    found = Project.objects.visible_to(user).filter(pk=pk).first()
    if found is None:
        raise InvalidInput({"project_id": [f"No project you can see has id {pk}."]})
    return found


def _package_ref(user: Any, pk: int) -> ProjectPackage:
    visible = Project.objects.visible_to(user).values("pk")
    found = ProjectPackage.objects.filter(pk=pk, project__in=visible).first()
    if found is None:
        raise InvalidInput({"package_id": [f"No work package you can see has id {pk}."]})
    return found


def _person_ref(pk: int | None, user: Any) -> Any:
    if pk is None:
        return user
    found = Person.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise InvalidInput({"person_id": [f"No active person has id {pk}."]})
    return found


def _someone(pk: int) -> Any:
    """The person whose week it is: active or not (a week of someone who left is still approved)."""
    found = Person.objects.filter(pk=pk).first()
    if found is None:
        raise InvalidInput({"person_id": [f"No person has id {pk}."]})
    return found


def _week(code: str) -> datetime.date:
    try:
        return parse_week(code)
    except ValueError:
        raise InvalidInput({"week": ["Write the week as an ISO week, e.g. 2026-W48."]}) from None


# -- time entries ----------------------------------------------------------------------------------


@router.get("/time-entries", response=Page[TimeEntryOut], tags=TAGS)
def list_time_entries(
    request: HttpRequest, filters: Query[TimeEntryFilter], limit: int = LIMIT, offset: int = OFFSET
) -> dict[str, Any]:
    """The hours you may see (your own, and those of the projects you see), newest first."""
    rows = _entries(request.user)
    data = filters.dict()
    for name in ("person", "project", "package"):
        if data[name] is not None:
            rows = rows.filter(**{f"{name}_id": data[name]})
    if data["date_from"] is not None:
        rows = rows.filter(date__gte=data["date_from"])
    if data["date_to"] is not None:
        rows = rows.filter(date__lte=data["date_to"])
    if data["billable"] is not None:
        rows = rows.filter(billable=data["billable"])
    rows = rows.order_by("-date", "-pk")
    limit, offset = max(1, min(limit, 500)), max(0, offset)
    return {"items": list(rows[offset : offset + limit]), "count": rows.count()}


@router.post("/time-entries", response={201: TimeEntryOut, **ERRORS}, tags=TAGS)
def create_time_entry(request: HttpRequest, data: TimeEntryIn) -> Any:
    """Log hours; refused in a closed project, an approved week, or for someone not on the team."""
    project = _project_ref(request.user, data.project_id)
    package = _package_ref(request.user, data.package_id)
    person = _person_ref(data.person_id, request.user)
    created = actions.log_time(
        person, project, package, data.date, data.hours, data.billable, data.note, by=request.user
    )
    return Status(201, _entry_for(request.user, created.pk))


# -- the import ------------------------------------------------------------------------------------


def _import_out(found: Plan, *, dry: bool, created: list[TimeEntry] | None = None) -> dict[str, Any]:
    return {
        "dry_run": dry,
        "encoding": found.table.encoding,
        "delimiter": found.table.delimiter,
        "accepted_count": len(found.accepted),
        "rejected_count": len(found.rejected),
        "hours": found.hours,
        "warnings": found.table.warnings,
        "accepted": [
            {
                "row": a.row,
                "person_id": a.spec.person.pk,
                "project_id": a.spec.project.pk,
                "package_id": a.spec.package.pk,
                "date": a.spec.date,
                "hours": a.spec.hours,
                "billable": a.spec.billable,
                "note": a.spec.note,
            }
            for a in found.accepted
        ],
        "rejected": [{"row": r.row, "values": r.cells, "reasons": r.reasons} for r in found.rejected],
        "created_ids": [e.pk for e in created or []],
    }


def _rejected_detail(found: Plan) -> JsonResponse:
    detail = [
        {"loc": ["file", "row", r.row], "msg": " ".join(r.reasons), "type": "value_error"}
        for r in found.rejected
    ]
    return JsonResponse({"detail": detail}, status=422)


@router.post("/time-entries/import", response={200: ImportOut, 201: ImportOut, **ERRORS}, tags=TAGS)
def import_time_entries(request: HttpRequest, data: Form[ImportIn], file: File[UploadedFile]) -> Any:
    """Check (`dry_run`, the default) or import a CSV file of hours (multipart, field `file`).

    Columns: date;person;project;package;hours;billable;note (`;` or `,`, UTF-8 or Windows-1252).
    A dry run answers every accepted and every rejected row. An import writes every accepted row, or
    nothing: with rejected rows it answers 422 naming them, unless `skip_rejected` is true.
    """
    if not can_import(request.user):
        raise NotAllowed("Project managers and delivery managers import hours.")
    if body_too_large(request):
        raise InvalidInput({"file": ["The file is larger than 1 MB; split it into smaller files."]})
    try:
        found = dry_run(read_upload(file), by=request.user, filename=file.name or "")
    except FileRefused as refused:
        raise InvalidInput({"file": [refused.message]}) from None
    if data.dry_run:
        return _import_out(found, dry=True)
    if found.rejected and not data.skip_rejected:
        return _rejected_detail(found)
    created = import_plan(found, by=request.user, skip_rejected=data.skip_rejected)
    return Status(201, _import_out(found, dry=False, created=created))


@router.get("/time-entries/{entry_id}", response={200: TimeEntryOut, **ERRORS}, tags=TAGS)
def get_time_entry(request: HttpRequest, entry_id: int) -> Any:
    return _entry_for(request.user, entry_id)


@router.patch("/time-entries/{entry_id}", response={200: TimeEntryOut, **ERRORS}, tags=TAGS)
def update_time_entry(request: HttpRequest, entry_id: int, data: TimeEntryPatch) -> Any:
    """Change the date, hours, work package (same project), billable flag or note."""
    entry = _entry_for(request.user, entry_id)
    changes = data.dict(exclude_unset=True)
    for name, value in list(changes.items()):
        if value is None:
            raise InvalidInput({name: ["This field cannot be empty."]})
    if "package_id" in changes:
        changes["package"] = _package_ref(request.user, changes.pop("package_id"))
    actions.change_entry(entry, changes, by=request.user)
    return _entry_for(request.user, entry_id)


@router.delete("/time-entries/{entry_id}", response={204: None, **ERRORS}, tags=TAGS)
def delete_time_entry(request: HttpRequest, entry_id: int) -> Any:
    actions.delete_entry(_entry_for(request.user, entry_id), by=request.user)
    return Status(204, None)


# -- a project's weeks -----------------------------------------------------------------------------


def _weeks_query(project: Project) -> Any:
    approved = WeekApproval.objects.filter(
        project=project, person=OuterRef("person_id"), week=OuterRef("week")
    )
    return (
        TimeEntry.objects.filter(project=project)
        .annotate(week=TruncWeek("date"))
        .annotate(approved=Exists(approved))
        .values("person_id", "week", "approved")
        .annotate(total=Sum("hours"), billable_total=Sum("hours", filter=Q(billable=True)))
    )


def _week_out(
    project: Project, row: dict[str, Any], people: dict[int, Any], approvals: dict[Any, Any]
) -> dict[str, Any]:
    monday = as_date(row["week"])
    approval = approvals.get((row["person_id"], monday))
    person = people[row["person_id"]]
    return {
        "project_id": project.pk,
        "person": {"id": person.pk, "name": person.name},
        "week": week_code(monday),
        "monday": monday,
        "hours": Decimal(row["total"] or 0).quantize(HUNDREDTH),
        "billable_hours": Decimal(row["billable_total"] or 0).quantize(HUNDREDTH),
        "approved": approval is not None,
        "approved_by": {"id": approval.approved_by.pk, "name": approval.approved_by.name}
        if approval
        else None,
        "approved_at": approval.approved_at if approval else None,
    }


@router.get("/projects/{project_id}/weeks", response={200: Page[WeekOut], **ERRORS}, tags=WEEK_TAGS)
def list_weeks(
    request: HttpRequest,
    project_id: int,
    person: int | None = ID_FILTER,
    status: Literal["all", "waiting", "approved"] = "all",
    limit: int = LIMIT,
    offset: int = OFFSET,
) -> Any:
    """Each person's weeks with hours on the project, newest first; `waiting` = ended and not approved."""
    project = get_project_for(request.user, project_id)
    rows = _weeks_query(project)
    if person is not None:
        rows = rows.filter(person_id=person)
    if status == "approved":
        rows = rows.filter(approved=True)
    elif status == "waiting":
        rows = rows.filter(approved=False, date__lt=monday_of(_today()))
    rows = rows.order_by("-week", "person_id")
    limit, offset = max(1, min(limit, 500)), max(0, offset)
    page = list(rows[offset : offset + limit])
    people = {p.pk: p for p in Person.objects.filter(pk__in={r["person_id"] for r in page})}
    approvals = {
        (a.person_id, a.week): a
        for a in WeekApproval.objects.filter(
            project=project, person_id__in=list(people), week__in={as_date(r["week"]) for r in page}
        ).select_related("approved_by")
    }
    return {"items": [_week_out(project, r, people, approvals) for r in page], "count": rows.count()}


def _today() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate()


def _one_week(project: Project, person: Any, monday: datetime.date) -> dict[str, Any]:
    row = {"person_id": person.pk, "week": monday, "total": actions.week_hours(project, person, monday)}
    row["billable_total"] = TimeEntry.objects.filter(
        project=project,
        person=person,
        billable=True,
        date__range=(monday, monday + datetime.timedelta(days=6)),
    ).aggregate(total=Sum("hours"))["total"]
    approvals = {
        (a.person_id, a.week): a
        for a in WeekApproval.objects.filter(project=project, person=person, week=monday).select_related(
            "approved_by"
        )
    }
    return _week_out(project, row, {person.pk: person}, approvals)


@router.post("/projects/{project_id}/weeks/{week}/approve", response={200: WeekOut, **ERRORS}, tags=WEEK_TAGS)
def approve_week(request: HttpRequest, project_id: int, week: str, data: ApproveIn) -> Any:
    """Approve a person's week on the project (its project manager only): the week is locked."""
    project = get_project_for(request.user, project_id)
    monday = _week(week)
    person = _someone(data.person_id)
    actions.approve_week(project, person, monday, by=request.user)
    return _one_week(project, person, monday)


@router.post("/projects/{project_id}/weeks/{week}/reopen", response={200: WeekOut, **ERRORS}, tags=WEEK_TAGS)
def reopen_week(request: HttpRequest, project_id: int, week: str, data: ReopenIn) -> Any:
    """Reopen an approved week, with the reason (its project manager only)."""
    project = get_project_for(request.user, project_id)
    monday = _week(week)
    person = _someone(data.person_id)
    actions.reopen_week(project, person, monday, data.reason, by=request.user)
    return _one_week(project, person, monday)
