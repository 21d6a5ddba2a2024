"""API: projects with their numbers, status, progress and closing; milestones, staffing, status reports,
retrospectives.

The same actions and rules as the pages (`samspill.delivery.actions.projects` and `.closing`): 404 for
what the caller may not see, 403 for what they see but may not change, 409 for a business rule (a
closed project, a stale version), 422 for malformed input. Hours in earned value are hours
throughout: CPI = EV ÷ AC, SPI = EV ÷ PV.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from samspill.customers.models import Customer, FrameworkAgreement
from samspill.delivery import figures
from samspill.delivery.access import can_change_project, get_project_for
from samspill.delivery.actions import closing as closing_actions
from samspill.delivery.actions import projects as actions
from samspill.delivery.models import (
    Health,
    Lesson,
    Milestone,
    Phase,
    Project,
    ProjectPackage,
    ProjectStatus,
    Retrospective,
    Staffing,
    StatusReport,
    project_seen_by,
)
from samspill.lib.api import MAX_ID, ErrorOut, Id, Page, Text, Version, paged
from samspill.lib.errors import InvalidInput, NotAllowed
from samspill.people.models import Person, Skill
from samspill.pipeline.models import ContractType, Expectation, ExpectationStatus, ProjectType

router = Router()
ERRORS: dict[int | frozenset[int], Any] = {frozenset({403, 404, 409, 422}): ErrorOut}
LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**9)
ID_FILTER = Query(None, ge=1, le=MAX_ID)
PROJECTS = ["projects"]
MILESTONES = ["milestones"]
STAFFING = ["staffing"]
REPORTS = ["status-reports"]
RETROSPECTIVES = ["retrospectives"]
Hours = Field(None, ge=0, le=10**7, max_digits=9, decimal_places=1)


# -- schemas ---------------------------------------------------------------------------------------


class PersonRef(Schema):
    id: int
    name: str


class NamedRef(Schema):
    id: int
    name: str


class ProjectOut(Schema):
    id: int
    title: str
    customer: NamedRef
    opportunity_id: int | None
    agreement_id: int | None
    manager: PersonRef
    seller: PersonRef | None
    status: ProjectStatus
    health: str = Field(..., description="red, amber, green, or empty before the first numbers")
    confidential: bool
    contract_type: str
    project_type: str
    tags: list[str]
    price: Decimal
    starts_on: datetime.date | None
    ends_on: datetime.date | None
    budget_hours: Decimal = Field(..., description="The current baseline's hours")
    budget_amount: Decimal
    actual_hours: Decimal
    forecast_hours: Decimal = Field(..., description="Forecast at completion: actual + remaining")
    baseline_number: int
    closed_on: datetime.date | None
    satisfaction: int | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int


class PackageOut(Schema):
    id: int
    name: str
    role: str
    hourly_rate: Decimal
    sold_hours: Decimal
    sold_amount: Decimal
    budget_hours: Decimal
    budget_amount: Decimal
    actual_hours: Decimal
    remaining_hours: Decimal = Field(..., description="As stated, from % complete, or budget − actual")
    stated_remaining_hours: Decimal | None
    stated_percent_complete: int | None
    percent_complete: int = Field(..., description="Share of the work done, stated or derived")
    forecast_hours: Decimal
    variance_hours: Decimal = Field(..., description="Forecast − budget: positive is an overrun")
    starts_on: datetime.date | None
    ends_on: datetime.date | None
    progress_on: datetime.date | None
    version: int


class EarnedValueOut(Schema):
    on: datetime.date
    budget_hours: Decimal
    planned_value_hours: Decimal | None
    earned_value_hours: Decimal
    actual_hours: Decimal
    cpi: Decimal | None = Field(None, description="EV ÷ AC")
    spi: Decimal | None = Field(None, description="EV ÷ PV; null without planned dates")


class MarginOut(Schema):
    revenue: Decimal
    cost: Decimal
    margin: Decimal
    margin_percent: Decimal | None


class HealthReasonOut(Schema):
    level: str
    text: str


class ProjectDetailOut(ProjectOut):
    description: str
    sold_hours: Decimal
    packages: list[PackageOut]
    earned_value: EarnedValueOut
    sold_margin: MarginOut
    forecast_margin: MarginOut
    health_reasons: list[HealthReasonOut]
    next_milestone_id: int | None


class PackageIn(Schema):
    name: Text = Field(..., min_length=1, max_length=200)
    hours: Decimal = Field(..., ge=0, le=10**7, max_digits=9, decimal_places=1)
    hourly_rate: Decimal = Field(Decimal(0), ge=0, max_digits=10, decimal_places=2)


OpenStatus = Literal["planned", "active", "on_hold"]


class ProjectIn(Schema):
    customer_id: Id
    title: Text = Field(..., min_length=1, max_length=200)
    description: Text = Field("", max_length=20000)
    manager_id: Id | None = Field(None, description="Defaults to you")
    seller_id: Id | None = None
    agreement_id: Id | None = None
    project_type: ProjectType | None = None
    contract_type: ContractType = ContractType.FIXED_PRICE
    tags: list[Text] = Field(default_factory=list, max_length=20)
    price: Decimal | None = Field(
        None, ge=0, max_digits=14, decimal_places=2, description="Default: Σ hours × rate"
    )
    confidential: bool = False
    status: OpenStatus = "planned"
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    packages: list[PackageIn] = Field(default_factory=list, max_length=100, description="Baseline version 1")


class ProjectPatch(Schema):
    version: Version
    title: Text | None = Field(None, min_length=1, max_length=200)
    description: Text | None = Field(None, max_length=20000)
    manager_id: Id | None = None
    seller_id: Id | None = None
    agreement_id: Id | None = None
    project_type: ProjectType | None = None
    contract_type: ContractType | None = None
    tags: list[Text] | None = Field(None, max_length=20)
    price: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    confidential: bool | None = None
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None


class StatusIn(Schema):
    status: OpenStatus = Field(..., description="Closing goes through POST /projects/{id}/close")
    version: Version


class ProgressIn(Schema):
    remaining_hours: Decimal | None = Hours
    percent_complete: int | None = Field(None, ge=0, le=100)
    version: Version


class ExpectationStatusIn(Schema):
    status: ExpectationStatus
    note: Text = Field("", max_length=2000)
    version: Version


class ExpectationOut(Schema):
    id: int
    opportunity_id: int
    customer_words: str
    status: str
    version: int


class LessonIn(Schema):
    text: Text = Field(..., min_length=1, max_length=20000)
    phase: Phase
    tags: list[Text] = Field(default_factory=list, max_length=20)
    skill_ids: list[Id] = Field(default_factory=list, max_length=50)


class CloseIn(Schema):
    satisfaction: int = Field(..., ge=1, le=5, description="The customer's satisfaction, 1 to 5")
    went_well: Text = Field("", max_length=20000)
    went_badly: Text = Field("", max_length=20000)
    lessons: list[LessonIn] = Field(default_factory=list, max_length=50)
    closed_on: datetime.date | None = Field(None, description="Defaults to today")
    version: Version


class MilestoneOut(Schema):
    id: int
    project_id: int
    name: str
    planned_on: datetime.date
    forecast_on: datetime.date | None
    done_on: datetime.date | None
    slip_days: int = Field(..., description="Days later than planned (negative: early)")
    version: int


class MilestoneIn(Schema):
    project_id: Id
    name: Text = Field(..., min_length=1, max_length=200)
    planned_on: datetime.date
    forecast_on: datetime.date | None = None
    done_on: datetime.date | None = None


class MilestonePatch(Schema):
    version: Version
    name: Text | None = Field(None, min_length=1, max_length=200)
    planned_on: datetime.date | None = None
    forecast_on: datetime.date | None = None
    done_on: datetime.date | None = None


class StaffingOut(Schema):
    id: int
    project_id: int
    package_id: int
    person: PersonRef
    week: datetime.date = Field(..., description="The Monday of the ISO week")
    hours: Decimal


class StaffingRowIn(Schema):
    package_id: Id
    person_id: Id
    week: datetime.date = Field(..., description="Any day of the week")
    hours: Decimal = Field(..., ge=0, le=80, max_digits=4, decimal_places=1, description="0 removes the row")


class StaffingIn(Schema):
    project_id: Id
    rows: list[StaffingRowIn] = Field(..., max_length=2000)


class StaffingSetOut(Schema):
    changed: int


class StatusReportOut(Schema):
    id: int
    project_id: int
    week: datetime.date
    health: Health
    comment: str
    author: PersonRef
    created_at: datetime.datetime


class StatusReportIn(Schema):
    project_id: Id
    health: Health
    comment: Text = Field(..., min_length=1, max_length=5000)
    week: datetime.date | None = Field(None, description="Any day of the week; defaults to this week")


class LessonOut(Schema):
    id: int
    text: str
    phase: str
    tags: list[str]
    skills: list[NamedRef]

    @staticmethod
    def resolve_skills(obj: Lesson) -> list[dict[str, Any]]:
        return [{"id": s.pk, "name": s.name} for s in obj.skills.all()]


class RetrospectiveOut(Schema):
    id: int
    project_id: int
    went_well: str
    went_badly: str
    satisfaction: int | None
    author: PersonRef
    lessons: list[LessonOut]
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_lessons(obj: Retrospective) -> list[Lesson]:
        return list(obj.lessons.all())


class RetrospectivePatch(Schema):
    went_well: Text | None = Field(None, max_length=20000)
    went_badly: Text | None = Field(None, max_length=20000)
    satisfaction: int | None = Field(None, ge=1, le=5)
    lessons: list[LessonIn] | None = Field(None, max_length=50, description="Replaces every lesson")


ProjectFilterStatus = Literal["running", "all", "planned", "active", "on_hold", "closed"]


class ProjectFilter(Schema):
    q: Text | None = None
    status: ProjectFilterStatus = "running"
    customer: Id | None = None
    manager: Id | None = None
    health: Health | None = None
    mine: bool = False


# -- helpers ---------------------------------------------------------------------------------------


def _projects(user: Any) -> Any:
    return Project.objects.visible_to(user).select_related("customer", "manager", "seller")


def _ref(model: Any, pk: int | None, field: str, label: str, **conditions: Any) -> Any:
    """The object a body refers to by id; an unknown id is a field error (422)."""
    if pk is None:
        return None
    found = model._default_manager.filter(pk=pk, **conditions).first()
    if found is None:
        raise InvalidInput({field: [f"No {label} has id {pk}."]})
    return found


def _project_in_body(user: Any, project_id: int) -> Project:
    """The project a body names: unknown and unseen read the same (422), so nothing is revealed."""
    project = (
        Project.objects.visible_to(user).select_related("customer", "manager").filter(pk=project_id).first()
    )
    if project is None:
        raise InvalidInput({"project_id": [f"No project you can see has id {project_id}."]})
    return project


def _writable(user: Any, project: Project) -> None:
    if not can_change_project(user, project):
        raise NotAllowed("You may read this project but not change it.")


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    """Turn the body's ids and enums into what the actions take."""
    fields = dict(data)
    if "manager_id" in fields:
        manager_id = fields.pop("manager_id")
        if manager_id is None:
            raise InvalidInput({"manager_id": ["A project always has a project manager."]})
        fields["manager"] = _ref(Person, manager_id, "manager_id", "active person", is_active=True)
    if "seller_id" in fields:
        fields["seller"] = _ref(Person, fields.pop("seller_id"), "seller_id", "active person", is_active=True)
    if "agreement_id" in fields:
        fields["agreement"] = _ref(
            FrameworkAgreement, fields.pop("agreement_id"), "agreement_id", "agreement"
        )
    for name in ("project_type", "contract_type"):
        if name in fields:
            fields[name] = getattr(fields[name], "value", fields[name]) or ""
    for name in ("title", "contract_type", "price", "confidential", "tags"):
        if name in fields and fields[name] is None:
            raise InvalidInput({name: ["This field cannot be empty."]})
    if "description" in fields and fields["description"] is None:
        fields["description"] = ""
    return fields


def _margin(margin: Any) -> dict[str, Any]:
    return {
        "revenue": round(margin.revenue, 2),
        "cost": round(margin.cost, 2),
        "margin": round(margin.amount, 2),
        "margin_percent": None if margin.percent is None else round(margin.percent, 1),
    }


def _detail(user: Any, pk: int) -> dict[str, Any]:
    """The project with its numbers, in a fixed number of queries."""
    project = _projects(user).get(pk=pk)
    numbers = figures.figures(project)
    earned = numbers.earned
    out: dict[str, Any] = {
        name: getattr(project, name) for name in ProjectOut.model_fields if hasattr(project, name)
    }
    out.update(
        customer={"id": project.customer_id, "name": project.customer.name},
        manager={"id": project.manager_id, "name": project.manager.name},
        seller={"id": project.seller_id, "name": project.seller.name} if project.seller_id else None,
        description=project.description,
        sold_hours=numbers.sold_hours,
        packages=[_package(row) for row in numbers.packages],
        earned_value={
            "on": earned.on,
            "budget_hours": earned.budget,
            "planned_value_hours": round(earned.planned, 1) if earned.planned_known else None,
            "earned_value_hours": round(earned.earned, 1),
            "actual_hours": earned.actual,
            "cpi": None if earned.cpi is None else round(earned.cpi, 3),
            "spi": None if earned.spi is None else round(earned.spi, 3),
        },
        sold_margin=_margin(numbers.margin.sold),
        forecast_margin=_margin(numbers.margin.forecast),
        health=numbers.health.level,
        health_reasons=[{"level": r.level, "text": r.text} for r in numbers.health.reasons],
        next_milestone_id=numbers.next_milestone.pk if numbers.next_milestone else None,
        forecast_hours=round(numbers.forecast_hours, 1),
        actual_hours=numbers.actual_hours,
    )
    return out


def _package(row: figures.PackageFigures) -> dict[str, Any]:
    package = row.package
    return {
        "id": package.pk,
        "name": package.name,
        "role": package.role,
        "hourly_rate": package.hourly_rate,
        "sold_hours": package.sold_hours,
        "sold_amount": package.sold_amount,
        "budget_hours": package.budget_hours,
        "budget_amount": package.budget_amount,
        "actual_hours": row.actual,
        "remaining_hours": round(row.left, 1),
        "stated_remaining_hours": package.remaining_hours,
        "stated_percent_complete": package.percent_complete,
        "percent_complete": row.percent,
        "forecast_hours": round(row.forecast, 1),
        "variance_hours": round(row.variance, 1),
        "starts_on": package.starts_on,
        "ends_on": package.ends_on,
        "progress_on": package.progress_on,
        "version": package.version,
    }


# -- projects --------------------------------------------------------------------------------------


@router.get("/projects", response=Page[ProjectOut], tags=PROJECTS)
def list_projects(
    request: HttpRequest, filters: Query[ProjectFilter], limit: int = LIMIT, offset: int = OFFSET
) -> dict[str, Any]:
    """The projects you may see: running ones by default, most recently changed first."""
    rows = _projects(request.user)
    if filters.status == "running":
        rows = rows.running()
    elif filters.status != "all":
        rows = rows.filter(status=filters.status)
    if filters.customer:
        rows = rows.filter(customer_id=filters.customer)
    if filters.manager:
        rows = rows.filter(manager_id=filters.manager)
    if filters.health:
        rows = rows.filter(health=filters.health)
    if filters.mine:
        rows = rows.of(request.user)
    if filters.q:
        rows = rows.filter(title__icontains=filters.q)
    return paged(rows.order_by("-updated_at", "-pk"), limit, offset)


@router.post("/projects", response={201: ProjectDetailOut, **ERRORS}, tags=PROJECTS)
def create_project(request: HttpRequest, data: ProjectIn) -> Any:
    """Start a project by hand, for work that never went through sales; its packages are baseline v1."""
    given = data.dict()
    if given.get("manager_id") is None:
        given["manager_id"] = request.user.pk
    for name in ("price", "project_type"):
        if given.get(name) is None:
            given.pop(name, None)
    fields = _fields(given)
    packages = fields.pop("packages")
    fields["customer"] = _ref(Customer, fields.pop("customer_id"), "customer_id", "customer")
    created = actions.create_project(fields, by=request.user, packages=packages)
    return Status(201, _detail(request.user, created.pk))


@router.get("/projects/{project_id}", response={200: ProjectDetailOut, **ERRORS}, tags=PROJECTS)
def get_project(request: HttpRequest, project_id: int) -> Any:
    """The project with its work packages, forecast, earned value (in hours), margin and health."""
    project = get_project_for(request.user, project_id)
    return _detail(request.user, project.pk)


@router.patch("/projects/{project_id}", response={200: ProjectDetailOut, **ERRORS}, tags=PROJECTS)
def update_project(request: HttpRequest, project_id: int, data: ProjectPatch) -> Any:
    project = get_project_for(request.user, project_id, write=True)
    changes = data.dict(exclude_unset=True)
    version = changes.pop("version")
    saved = actions.update_project(project, _fields(changes), by=request.user, version=version)
    if not Project.objects.visible_to(request.user).filter(pk=saved.pk).exists():
        raise Http404
    return _detail(request.user, saved.pk)


@router.post("/projects/{project_id}/status", response={200: ProjectDetailOut, **ERRORS}, tags=PROJECTS)
def set_status(request: HttpRequest, project_id: int, data: StatusIn) -> Any:
    """Set planned, active or on hold."""
    project = get_project_for(request.user, project_id, write=True)
    actions.set_project_status(project, data.status, by=request.user, version=data.version)
    return _detail(request.user, project.pk)


@router.post(
    "/projects/{project_id}/packages/{package_id}/progress",
    response={200: ProjectDetailOut, **ERRORS},
    tags=PROJECTS,
)
def set_progress(request: HttpRequest, project_id: int, package_id: int, data: ProgressIn) -> Any:
    """Give a work package's remaining hours or its % complete (not both; neither clears it)."""
    project = get_project_for(request.user, project_id, write=True)
    package = ProjectPackage.objects.filter(project=project, pk=package_id).select_related("project").first()
    if package is None:
        raise Http404
    actions.set_package_progress(
        package,
        remaining_hours=data.remaining_hours,
        percent_complete=data.percent_complete,
        by=request.user,
        version=data.version,
    )
    return _detail(request.user, project.pk)


@router.post(
    "/projects/{project_id}/expectations/{expectation_id}/status",
    response={200: ExpectationOut, **ERRORS},
    tags=PROJECTS,
)
def set_expectation_status(
    request: HttpRequest, project_id: int, expectation_id: int, data: ExpectationStatusIn
) -> Any:
    """Track one of the opportunity's expectations: open, met, at risk or broken, with a note on why."""
    project = get_project_for(request.user, project_id, write=True)
    if not project.opportunity_id:
        raise Http404
    expectation = Expectation.objects.filter(pk=expectation_id, opportunity_id=project.opportunity_id).first()
    if expectation is None:
        raise Http404
    return actions.set_expectation_status(
        project, expectation, data.status.value, by=request.user, version=data.version, note=data.note
    )


@router.post("/projects/{project_id}/close", response={200: ProjectDetailOut, **ERRORS}, tags=PROJECTS)
def close_project(request: HttpRequest, project_id: int, data: CloseIn) -> Any:
    """Close the project: final numbers, the retrospective with its lessons, the customer's satisfaction."""
    project = get_project_for(request.user, project_id, write=True)
    closing_actions.close_project(
        project,
        satisfaction=data.satisfaction,
        went_well=data.went_well,
        went_badly=data.went_badly,
        lessons=[_lesson(lesson) for lesson in data.lessons],
        by=request.user,
        version=data.version,
        closed_on=data.closed_on,
    )
    return _detail(request.user, project.pk)


def _lesson(lesson: LessonIn) -> dict[str, Any]:
    skills = list(Skill.objects.filter(pk__in=lesson.skill_ids))
    if len(skills) != len(set(lesson.skill_ids)):
        raise InvalidInput({"lessons": ["Unknown skill id."]})
    return {"text": lesson.text, "phase": lesson.phase.value, "tags": lesson.tags, "skills": skills}


# -- milestones ------------------------------------------------------------------------------------


def _milestones(user: Any) -> Any:
    return Milestone.objects.filter(project_seen_by(user, "project"))


def _milestone_for(user: Any, pk: int, *, write: bool = False) -> Milestone:
    milestone = _milestones(user).select_related("project").filter(pk=pk).first()
    if milestone is None:
        raise Http404
    if write:
        _writable(user, milestone.project)
    return milestone


@router.get("/milestones", response=Page[MilestoneOut], tags=MILESTONES)
def list_milestones(
    request: HttpRequest, project: int | None = ID_FILTER, limit: int = LIMIT, offset: int = OFFSET
) -> dict[str, Any]:
    """The milestones of the projects you may see, by planned date."""
    rows = _milestones(request.user)
    if project:
        rows = rows.filter(project_id=project)
    return paged(rows.order_by("project_id", "planned_on", "position", "pk"), limit, offset)


@router.post("/milestones", response={201: MilestoneOut, **ERRORS}, tags=MILESTONES)
def create_milestone(request: HttpRequest, data: MilestoneIn) -> Any:
    fields = data.dict()
    project = _project_in_body(request.user, fields.pop("project_id"))
    _writable(request.user, project)
    return Status(201, actions.create_milestone(project, fields, by=request.user))


@router.get("/milestones/{milestone_id}", response={200: MilestoneOut, **ERRORS}, tags=MILESTONES)
def get_milestone(request: HttpRequest, milestone_id: int) -> Any:
    return _milestone_for(request.user, milestone_id)


@router.patch("/milestones/{milestone_id}", response={200: MilestoneOut, **ERRORS}, tags=MILESTONES)
def update_milestone(request: HttpRequest, milestone_id: int, data: MilestonePatch) -> Any:
    """Move a milestone's forecast, mark it reached (done_on), or rename it."""
    milestone = _milestone_for(request.user, milestone_id, write=True)
    changes = data.dict(exclude_unset=True)
    version = changes.pop("version")
    for name in ("name", "planned_on"):
        if name in changes and changes[name] is None:
            raise InvalidInput({name: ["This field cannot be empty."]})
    return actions.update_milestone(milestone, changes, by=request.user, version=version)


@router.delete("/milestones/{milestone_id}", response={204: None, **ERRORS}, tags=MILESTONES)
def remove_milestone(request: HttpRequest, milestone_id: int) -> Any:
    milestone = _milestone_for(request.user, milestone_id, write=True)
    actions.remove_milestone(milestone, by=request.user)
    return Status(204, None)


# -- staffing --------------------------------------------------------------------------------------


@router.get("/staffing", response=Page[StaffingOut], tags=STAFFING)
def list_staffing(
    request: HttpRequest,
    project: int | None = ID_FILTER,
    person: int | None = ID_FILTER,
    week_from: datetime.date | None = None,
    week_to: datetime.date | None = None,
    limit: int = LIMIT,
    offset: int = OFFSET,
) -> dict[str, Any]:
    """Planned hours per person, work package and week on the projects you may see."""
    rows = Staffing.objects.filter(project_seen_by(request.user, "project")).select_related("person")
    if project:
        rows = rows.filter(project_id=project)
    if person:
        rows = rows.filter(person_id=person)
    if week_from:
        rows = rows.filter(week__gte=figures.monday(week_from))
    if week_to:
        rows = rows.filter(week__lte=week_to)
    return paged(rows.order_by("project_id", "week", "person_id", "package_id", "pk"), limit, offset)


@router.post("/staffing", response={200: StaffingSetOut, **ERRORS}, tags=STAFFING)
def set_staffing(request: HttpRequest, data: StaffingIn) -> Any:
    """Set planned hours for rows of (package, person, week); 0 removes a row. Others stay as they are."""
    project = _project_in_body(request.user, data.project_id)
    _writable(request.user, project)
    rows = [
        {"package": row.package_id, "person": row.person_id, "week": row.week, "hours": row.hours}
        for row in data.rows
    ]
    return {"changed": actions.set_staffing(project, rows, by=request.user)}


# -- status reports --------------------------------------------------------------------------------


@router.get("/status-reports", response=Page[StatusReportOut], tags=REPORTS)
def list_status_reports(
    request: HttpRequest, project: int | None = ID_FILTER, limit: int = LIMIT, offset: int = OFFSET
) -> dict[str, Any]:
    """The status reports of the projects you may see, newest first."""
    rows = StatusReport.objects.filter(project_seen_by(request.user, "project")).select_related("author")
    if project:
        rows = rows.filter(project_id=project)
    return paged(rows.order_by("-week", "-created_at", "-pk"), limit, offset)


@router.post("/status-reports", response={201: StatusReportOut, **ERRORS}, tags=REPORTS)
def create_status_report(request: HttpRequest, data: StatusReportIn) -> Any:
    """Write a week's status: red, amber or green with a comment; earlier reports stay as history."""
    project = _project_in_body(request.user, data.project_id)
    _writable(request.user, project)
    report = actions.add_status_report(
        project, health=data.health.value, comment=data.comment, by=request.user, week=data.week
    )
    return Status(201, report)


# -- retrospectives --------------------------------------------------------------------------------


def _retrospectives(user: Any) -> Any:
    return (
        Retrospective.objects.filter(project_seen_by(user, "project"))
        .select_related("author")
        .prefetch_related(Prefetch("lessons", queryset=Lesson.objects.prefetch_related("skills")))
    )


@router.get("/retrospectives", response=Page[RetrospectiveOut], tags=RETROSPECTIVES)
def list_retrospectives(
    request: HttpRequest, project: int | None = ID_FILTER, limit: int = LIMIT, offset: int = OFFSET
) -> dict[str, Any]:
    """The retrospectives of the closed projects you may see, newest first."""
    rows = _retrospectives(request.user)
    if project:
        rows = rows.filter(project_id=project)
    return paged(rows.order_by("-created_at", "-pk"), limit, offset)


@router.get(
    "/retrospectives/{retrospective_id}", response={200: RetrospectiveOut, **ERRORS}, tags=RETROSPECTIVES
)
def get_retrospective(request: HttpRequest, retrospective_id: int) -> Any:
    found = _retrospectives(request.user).filter(pk=retrospective_id).first()
    if found is None:
        raise Http404
    return found


@router.patch(
    "/retrospectives/{retrospective_id}", response={200: RetrospectiveOut, **ERRORS}, tags=RETROSPECTIVES
)
def update_retrospective(request: HttpRequest, retrospective_id: int, data: RetrospectivePatch) -> Any:
    """Complete or correct a closed project's retrospective; `lessons`, when sent, replaces them all."""
    found = _retrospectives(request.user).select_related("project").filter(pk=retrospective_id).first()
    if found is None:
        raise Http404
    _writable(request.user, found.project)
    changes = data.dict(exclude_unset=True)
    lessons = changes.pop("lessons", None)
    closing_actions.update_retrospective(
        found,
        by=request.user,
        went_well=changes.get("went_well"),
        went_badly=changes.get("went_badly"),
        satisfaction=changes.get("satisfaction"),
        lessons=None if lessons is None else [_lesson(LessonIn(**lesson)) for lesson in lessons],
    )
    return _retrospectives(request.user).get(pk=found.pk)
