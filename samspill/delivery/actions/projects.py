"""Actions on projects: start one, change it, and keep its numbers current.

Rules, written once here for the pages and the API alike:

- The project manager, delivery managers, management and administrators change a project
  (`access.can_change_project`); everybody else is refused.
- A closed project's numbers are final: every change is refused, except its retrospective
  (see `actions.closing`). Closing goes through `close_project`, never through the status.
- Every change of hours, progress, milestones, baseline or expectations refreshes the stored totals
  and the health (`refresh_numbers`) and then runs the deviation rules (`detect_deviations`).
- Progress is given per work package as remaining hours or as % complete, never both.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from samspill.delivery import figures
from samspill.delivery.access import can_change_project, can_create_project
from samspill.delivery.detection import detect_deviations
from samspill.delivery.models import (
    Baseline,
    BaselinePackage,
    BaselineSource,
    Health,
    Milestone,
    Project,
    ProjectMember,
    ProjectPackage,
    ProjectRole,
    ProjectStatus,
    Staffing,
    StatusReport,
)
from samspill.lib import actions, events
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken
from samspill.people.models import Person
from samspill.pipeline.models import Expectation, ExpectationStatus, Opportunity, Stage, TeamRole

ZERO = Decimal(0)
PROJECT_FIELDS = [
    "title",
    "description",
    "project_type",
    "contract_type",
    "tags",
    "price",
    "manager",
    "seller",
    "agreement",
    "confidential",
    "starts_on",
    "ends_on",
]
MILESTONE_FIELDS = ["name", "planned_on", "forecast_on", "done_on"]
OPEN_STATUSES = (ProjectStatus.PLANNED, ProjectStatus.ACTIVE, ProjectStatus.ON_HOLD)
MAX_TAGS = 20
MAX_TAG_LENGTH = 50
MAX_PRICE = Decimal("999999999999.99")
# Planned hours of one person on one package in one week; more than a week has hours is a typo.
MAX_STAFFING_HOURS = Decimal(80)
MAX_STAFFING_ROWS = 2000


# -- checks shared by the actions ------------------------------------------------------------------


def require_change(project: Project, by: Any) -> None:
    """Refuse anyone but the project manager, delivery managers, management and administrators."""
    if not can_change_project(by, project):
        raise NotAllowed(
            _(
                "Only the project manager, delivery managers, management and administrators "
                "change this project."
            )
        )


def require_open(project: Project) -> None:
    """Refuse any change to a closed project: its numbers are final."""
    if project.status == ProjectStatus.CLOSED:
        raise RuleBroken(
            _("The project is closed and its numbers are final. Only the retrospective can still be changed.")
        )


def _check_person(person: Any, name: str) -> None:
    if isinstance(person, Person) and not person.is_active:
        raise InvalidInput({name: [_("%(name)s is deactivated.") % {"name": person.name}]})


def _validated(obj: Any, exclude: list[str]) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise InvalidInput({k: [str(m) for m in v] for k, v in error.message_dict.items()}) from None


def _clean_tags(tags: Any) -> list[str]:
    if tags in (None, ""):
        return []
    if isinstance(tags, str):
        tags = tags.split(",")
    if not isinstance(tags, list | tuple):
        raise InvalidInput({"tags": [_("Tags are a list of words.")]})
    cleaned: list[str] = []
    for tag in tags:
        text = str(tag).strip()
        if not text:
            continue
        if len(text) > MAX_TAG_LENGTH:
            raise InvalidInput(
                {"tags": [_("A tag has at most %(count)d characters.") % {"count": MAX_TAG_LENGTH}]}
            )
        if text.lower() not in (t.lower() for t in cleaned):
            cleaned.append(text)
    if len(cleaned) > MAX_TAGS:
        raise InvalidInput({"tags": [_("At most %(count)d tags.") % {"count": MAX_TAGS}]})
    return cleaned


def _check_project(project: Project) -> None:
    """Check the whole project before it is saved: a field error for each thing that is wrong."""
    errors: dict[str, list[str]] = {}
    project.title = (project.title or "").strip()
    if not project.title:
        errors["title"] = [_("Give the project a title.")]
    try:
        price = Decimal(str(project.price))
    except (InvalidOperation, ValueError):
        price = Decimal(-1)
    if not price.is_finite() or price < 0:
        errors["price"] = [_("The price is an amount in kroner, zero or more.")]
    elif price > MAX_PRICE:
        errors["price"] = [_("The price is too large.")]
    if project.starts_on and project.ends_on and project.ends_on < project.starts_on:
        errors["ends_on"] = [_("The planned end comes before the start.")]
    agreement = project.agreement if project.agreement_id else None
    if agreement is not None and agreement.customer_id != project.customer_id:
        errors["agreement"] = [
            _("%(agreement)s is an agreement with another customer.") % {"agreement": agreement}
        ]
    try:
        project.tags = _clean_tags(project.tags)
    except InvalidInput as error:
        errors.update(error.errors)
    if errors:
        raise InvalidInput(errors)
    _check_person(project.manager, "manager")
    if project.seller_id:
        _check_person(project.seller, "seller")
    _validated(
        project, exclude=["customer", "opportunity", "agreement", "manager", "seller", "created_by", "tags"]
    )


def after_change(project: Project, *, by: Any) -> Project:
    """Refresh the stored numbers and health, then run the deviation rules (inside the transaction)."""
    refresh_numbers(project)
    detect_deviations(project, by=by)
    return project


# -- starting a project ----------------------------------------------------------------------------


def create_project_from_opportunity(opportunity: Opportunity, *, manager: Any, by: Any) -> Project:
    """Start the project of a won opportunity: its sold estimate's packages become baseline version 1.

    The opportunity's team joins the project (the project manager as such, the seller as seller, the
    others as members). Call inside the handover's transaction; a second project is refused.
    """
    if opportunity.stage != Stage.WON:
        raise RuleBroken(_("Only a won opportunity becomes a project."))
    if Project.objects.filter(opportunity=opportunity).exists():
        raise RuleBroken(_("This opportunity already has a project."))
    estimate = opportunity.sold_estimate
    with transaction.atomic():
        project = Project.objects.create(
            customer_id=opportunity.customer_id,
            opportunity=opportunity,
            agreement_id=opportunity.agreement_id,
            title=opportunity.title,
            description=opportunity.description,
            project_type=opportunity.project_type,
            contract_type=opportunity.contract_type,
            tags=list(opportunity.tags or []),
            price=estimate.price if estimate is not None and estimate.price else opportunity.value,
            manager=manager,
            seller=opportunity.owner,
            confidential=opportunity.confidential,
            starts_on=opportunity.expected_start,
            ends_on=_end(opportunity),
            status=ProjectStatus.PLANNED,
            created_by=by,
        )
        project.skills.set(opportunity.required_skills.all())
        _join_team(project, opportunity, manager)
        packages = []
        if estimate is not None:
            for sold in estimate.packages.order_by("position", "pk").prefetch_related("skills"):
                package = ProjectPackage.objects.create(
                    project=project,
                    position=sold.position,
                    name=sold.name,
                    description=sold.description,
                    role=sold.role,
                    estimate_package=sold,
                    hourly_rate=sold.hourly_rate or ZERO,
                    sold_hours=sold.expected_hours,
                    sold_amount=sold.amount,
                    budget_hours=sold.expected_hours,
                    budget_amount=sold.amount,
                    starts_on=project.starts_on,
                    ends_on=project.ends_on,
                )
                package.skills.set(sold.skills.all())
                packages.append(package)
        _first_baseline(project, packages, source=BaselineSource.SOLD, estimate=estimate, by=by)
        refresh_numbers(project)
        events.append_event(verb="project.created", target=project, by=by, context=opportunity)
    return project


def create_project(
    fields: Mapping[str, Any],
    *,
    by: Any,
    packages: Iterable[Mapping[str, Any]] = (),
    members: Iterable[tuple[Any, str]] = (),
) -> Project:
    """Start a project by hand, for work that never went through sales; `packages` are its baseline."""
    if by is not None and not can_create_project(by):
        raise NotAllowed(
            _("Only project managers, delivery managers, management and administrators start projects.")
        )
    values = {k: v for k, v in dict(fields).items() if k in [*PROJECT_FIELDS, "customer", "status", "skills"]}
    skills = values.pop("skills", None)
    errors: dict[str, list[str]] = {}
    if not values.get("customer"):
        errors["customer"] = [_("Choose the customer.")]
    if not (values.get("title") or "").strip():
        errors["title"] = [_("Give the project a title.")]
    if not values.get("manager"):
        errors["manager"] = [_("Choose the project manager.")]
    if values.get("status") == ProjectStatus.CLOSED:
        errors["status"] = [_("A new project cannot start closed.")]
    if errors:
        raise InvalidInput(errors)
    customer = values["customer"]
    if getattr(customer, "is_archived", False):
        raise InvalidInput({"customer": [_("The customer is archived: restore it before adding projects.")]})
    wanted = _clean_packages(packages)
    with transaction.atomic():
        project = Project(**values, created_by=by)
        _check_project(project)
        project.save()
        if skills:
            project.skills.set(skills)
        ProjectMember.objects.create(
            project=project, person=project.manager, role=ProjectRole.PROJECT_MANAGER
        )
        if project.seller_id and project.seller_id != project.manager_id:
            ProjectMember.objects.create(
                project=project, person_id=project.seller_id, role=ProjectRole.SELLER
            )
        for person, role in members:
            ProjectMember.objects.get_or_create(project=project, person=person, defaults={"role": role})
        created = []
        for position, given in enumerate(wanted):
            hours, rate = given["hours"], given["hourly_rate"]
            created.append(
                ProjectPackage.objects.create(
                    project=project,
                    position=position,
                    name=given["name"],
                    role=given.get("role") or "expert",
                    hourly_rate=rate,
                    sold_hours=hours,
                    sold_amount=hours * rate,
                    budget_hours=hours,
                    budget_amount=hours * rate,
                    starts_on=given.get("starts_on") or project.starts_on,
                    ends_on=given.get("ends_on") or project.ends_on,
                )
            )
        _first_baseline(project, created, source=BaselineSource.MANUAL, estimate=None, by=by)
        if not project.price and created:
            project.price = sum((p.budget_amount for p in created), ZERO)
            project.save(update_fields=["price"])
        refresh_numbers(project)
        events.append_event(
            verb="project.created",
            target=project,
            by=by,
            changes=_initial(
                project, ["title", "customer", "manager", "status", "price", "starts_on", "ends_on"]
            ),
        )
    return project


def _clean_packages(packages: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    cleaned = []
    for number, given in enumerate(packages, start=1):
        name = str(given.get("name") or "").strip()
        try:
            hours = Decimal(str(given.get("hours") or 0))
            rate = Decimal(str(given.get("hourly_rate") or 0))
        except (InvalidOperation, ValueError):
            raise InvalidInput(
                {"packages": [_("Work package %(number)d: hours and rate are numbers.") % {"number": number}]}
            ) from None
        if not name:
            raise InvalidInput(
                {"packages": [_("Work package %(number)d needs a name.") % {"number": number}]}
            )
        if not (hours.is_finite() and rate.is_finite()) or hours < 0 or rate < 0 or hours > Decimal(10**7):
            raise InvalidInput(
                {
                    "packages": [
                        _("Work package %(number)d: hours and rate are zero or more.") % {"number": number}
                    ]
                }
            )
        cleaned.append({**given, "name": name[:200], "hours": hours, "hourly_rate": rate})
    return cleaned


def _initial(obj: Any, names: list[str]) -> dict[str, dict[str, Any]]:
    """The creation event's changes: each named field's first value."""
    found = {}
    for name in names:
        value = getattr(obj, name)
        if value in (None, ""):
            continue
        text = obj._meta.get_field(name).flatchoices and dict(obj._meta.get_field(name).flatchoices).get(
            value
        )
        found[name] = {
            "before": None,
            "after": events.plain(value),
            "before_text": "",
            "after_text": str(text) if text else events.shown(value),
        }
    return found


# -- the project's own fields and status -----------------------------------------------------------


def update_project(project: Project, changes: Mapping[str, Any], *, by: Any, version: int | None) -> Project:
    """Change the project's fields (title, scope, dates, price, manager, …); refused if stale or closed."""
    require_change(project, by)
    require_open(project)
    unknown = set(changes) - set(PROJECT_FIELDS)
    if unknown:
        raise InvalidInput({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    wanted = dict(changes)
    if "tags" in wanted:
        wanted["tags"] = _clean_tags(wanted["tags"])
    if "manager" in wanted and not wanted["manager"]:
        raise InvalidInput({"manager": [_("A project always has a project manager.")]})
    with transaction.atomic():
        saved = actions.update(
            project, wanted, by=by, version=version, verb="project.updated", validate=_check_project
        )
        _keep_team(saved)
        if {"starts_on", "ends_on"} & set(wanted):
            after_change(saved, by=by)
    return saved


def _keep_team(project: Project) -> None:
    """The project manager and the seller are always on the team, in their roles."""
    for person_id, role in (
        (project.manager_id, ProjectRole.PROJECT_MANAGER),
        (project.seller_id, ProjectRole.SELLER),
    ):
        if not person_id:
            continue
        member, created = ProjectMember.objects.get_or_create(
            project=project, person_id=person_id, defaults={"role": role}
        )
        if not created and role == ProjectRole.PROJECT_MANAGER and member.role != role:
            member.role = role
            member.save(update_fields=["role"])
    ProjectMember.objects.filter(project=project, role=ProjectRole.PROJECT_MANAGER).exclude(
        person_id=project.manager_id
    ).update(role=ProjectRole.MEMBER)


def set_project_status(project: Project, status: str, *, by: Any, version: int | None) -> Project:
    """Set planned, active or on hold; closing goes through `close_project` with its retrospective."""
    require_change(project, by)
    require_open(project)
    if status == ProjectStatus.CLOSED:
        raise RuleBroken(
            _("Close the project with its closing: final numbers, retrospective and satisfaction.")
        )
    if status not in OPEN_STATUSES:
        raise InvalidInput({"status": [_("Choose planned, active or on hold.")]})
    return actions.update(project, {"status": status}, by=by, version=version, verb="project.status_set")


# -- progress --------------------------------------------------------------------------------------


def set_package_progress(
    package: ProjectPackage,
    *,
    remaining_hours: Any = None,
    percent_complete: Any = None,
    by: Any,
    version: int | None,
) -> ProjectPackage:
    """Say how far a work package has come: remaining hours or % complete (not both; neither clears it)."""
    project = package.project
    require_change(project, by)
    require_open(project)
    remaining, percent = _clean_progress(remaining_hours, percent_complete)
    changes = {
        "remaining_hours": remaining,
        "percent_complete": percent,
        "progress_on": timezone.localdate(),
    }
    with transaction.atomic():
        current = actions.lock(package)
        actions.check_version(current, version)
        changed = actions.diff(current, changes)
        if set(changed) <= {"progress_on"}:
            return current
        for name, value in changes.items():
            setattr(current, name, value)
        current.version += 1
        current.save()
        changed.pop("progress_on", None)  # when is the event's own time
        events.append_event(
            verb="package.progress_set", target=current, by=by, changes=changed, context=project
        )
        after_change(project, by=by)
    return current


def _clean_progress(remaining_hours: Any, percent_complete: Any) -> tuple[Decimal | None, int | None]:
    given_remaining = remaining_hours not in (None, "")
    given_percent = percent_complete not in (None, "")
    if given_remaining and given_percent:
        # xgettext:no-python-format
        message = _("Give either the remaining hours or the % complete, not both.")
        raise InvalidInput({"remaining_hours": [message], "percent_complete": [message]})
    remaining = percent = None
    if given_remaining:
        try:
            remaining = Decimal(str(remaining_hours).replace(",", ".").strip())
        except (InvalidOperation, ValueError):
            raise InvalidInput({"remaining_hours": [_("Enter the remaining hours as a number.")]}) from None
        if not remaining.is_finite() or remaining < 0 or remaining > Decimal(10**7):
            raise InvalidInput({"remaining_hours": [_("The remaining hours are zero or more.")]})
        remaining = remaining.quantize(Decimal("0.1"))
    if given_percent:
        try:
            value = Decimal(str(percent_complete).replace(",", ".").strip())
        except (InvalidOperation, ValueError):
            # xgettext:no-python-format
            raise InvalidInput({"percent_complete": [_("Enter % complete as a whole number.")]}) from None
        if not value.is_finite() or value != value.to_integral_value() or not 0 <= value <= 100:
            # xgettext:no-python-format
            raise InvalidInput({"percent_complete": [_("% complete is a whole number from 0 to 100.")]})
        percent = int(value)
    return remaining, percent


# -- milestones ------------------------------------------------------------------------------------


def _check_milestone(milestone: Milestone) -> None:
    errors: dict[str, list[str]] = {}
    milestone.name = (milestone.name or "").strip()
    if not milestone.name:
        errors["name"] = [_("Name the milestone.")]
    if not milestone.planned_on:
        errors["planned_on"] = [_("Give the planned date.")]
    if milestone.done_on and milestone.done_on > timezone.localdate():
        errors["done_on"] = [_("A milestone cannot be reached in the future.")]
    if errors:
        raise InvalidInput(errors)
    _validated(milestone, exclude=["project"])


def create_milestone(project: Project, fields: Mapping[str, Any], *, by: Any) -> Milestone:
    """Add a milestone: a planned date, and perhaps a forecast or the date it was reached."""
    require_change(project, by)
    require_open(project)
    milestone = Milestone(project=project, **{k: v for k, v in fields.items() if k in MILESTONE_FIELDS})
    _check_milestone(milestone)
    with transaction.atomic():
        last = Milestone.objects.filter(project=project).aggregate(n=Max("position"))["n"]
        milestone.position = 0 if last is None else last + 1
        actions.create(milestone, by=by, verb="milestone.created", fields=MILESTONE_FIELDS, context=project)
        after_change(project, by=by)
    return milestone


def update_milestone(
    milestone: Milestone, changes: Mapping[str, Any], *, by: Any, version: int | None
) -> Milestone:
    """Change a milestone's name or dates: the forecast as it moves, the date it was reached."""
    project = milestone.project
    require_change(project, by)
    require_open(project)
    unknown = set(changes) - set(MILESTONE_FIELDS)
    if unknown:
        raise InvalidInput({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    with transaction.atomic():
        saved = actions.update(
            milestone,
            changes,
            by=by,
            version=version,
            verb="milestone.updated",
            context=project,
            validate=_check_milestone,
        )
        after_change(project, by=by)
    return saved


def remove_milestone(milestone: Milestone, *, by: Any) -> None:
    """Take a milestone off the plan (the event log keeps it)."""
    project = milestone.project
    require_change(project, by)
    require_open(project)
    with transaction.atomic():
        events.append_event(verb="milestone.removed", target=milestone, by=by, context=project)
        milestone.delete()
        after_change(project, by=by)


# -- team and staffing -----------------------------------------------------------------------------


def add_member(project: Project, person: Any, role: str, *, by: Any) -> ProjectMember:
    """Put a person on the team (they may then log hours), or change their role on it."""
    require_change(project, by)
    require_open(project)
    if role not in (ProjectRole.MEMBER, ProjectRole.SELLER):
        raise InvalidInput(
            {"role": [_("Choose team member or seller; the project manager is set on the project.")]}
        )
    _check_person(person, "person")
    with transaction.atomic():
        member, created = ProjectMember.objects.get_or_create(
            project=project, person=person, defaults={"role": role}
        )
        if not created:
            if member.role == ProjectRole.PROJECT_MANAGER:
                raise RuleBroken(_("%(name)s is the project manager.") % {"name": person.name})
            if member.role == role:
                return member
            member.role = role
            member.save(update_fields=["role"])
        events.append_event(
            verb="project.member_added", target=member, by=by, context=project, data={"role": role}
        )
    return member


def remove_member(member: ProjectMember, *, by: Any) -> None:
    """Take a person off the team; their planned hours from this week on go with them."""
    project = member.project
    require_change(project, by)
    require_open(project)
    if member.person_id == project.manager_id:
        raise RuleBroken(_("The project manager stays on the team: choose another project manager first."))
    with transaction.atomic():
        Staffing.objects.filter(
            project=project, person_id=member.person_id, week__gte=figures.monday(timezone.localdate())
        ).delete()
        events.append_event(verb="project.member_removed", target=member, by=by, context=project)
        member.delete()


def set_staffing(project: Project, rows: Iterable[Mapping[str, Any]], *, by: Any) -> int:
    """Set planned hours per person, work package and week; zero removes a row. Return the rows changed.

    Each row is {"package", "person", "week", "hours"}; the week is any day of it (its Monday is kept).
    Somebody staffed who is not on the team joins it as a member.
    """
    require_change(project, by)
    require_open(project)
    wanted = _clean_staffing(project, rows)
    if not wanted:
        return 0
    with transaction.atomic():
        existing = {
            (s.package_id, s.person_id, s.week): s
            for s in Staffing.objects.select_for_update().filter(
                project=project,
                package_id__in={k[0] for k in wanted},
                person_id__in={k[1] for k in wanted},
                week__in={k[2] for k in wanted},
            )
        }
        changed, created, removed = 0, [], []
        for key, hours in wanted.items():
            row = existing.get(key)
            if row is None and hours > 0:
                created.append(
                    Staffing(project=project, package_id=key[0], person_id=key[1], week=key[2], hours=hours)
                )
            elif row is not None and hours == 0:
                removed.append(row.pk)
            elif row is not None and row.hours != hours:
                row.hours = hours
                row.save(update_fields=["hours"])
            else:
                continue
            changed += 1
        Staffing.objects.bulk_create(created)
        Staffing.objects.filter(pk__in=removed).delete()
        on_team = set(ProjectMember.objects.filter(project=project).values_list("person_id", flat=True))
        ProjectMember.objects.bulk_create(
            [
                ProjectMember(project=project, person_id=person_id, role=ProjectRole.MEMBER)
                for person_id in sorted({k[1] for k in wanted if wanted[k] > 0} - on_team)
            ]
        )
        if changed:
            events.append_event(
                verb="project.staffing_set",
                target=project,
                by=by,
                data={"rows": changed, "weeks": sorted({k[2].isoformat() for k in wanted})},
            )
    return changed


def _clean_staffing(
    project: Project, rows: Iterable[Mapping[str, Any]]
) -> dict[tuple[Any, Any, datetime.date], Decimal]:
    rows = list(rows)
    if len(rows) > MAX_STAFFING_ROWS:
        raise InvalidInput({"rows": [_("At most %(count)d rows at a time.") % {"count": MAX_STAFFING_ROWS}]})
    packages = set(ProjectPackage.objects.filter(project=project).values_list("pk", flat=True))
    person_ids = {getattr(r.get("person"), "pk", r.get("person")) for r in rows}
    active = set(
        Person.objects.filter(pk__in=[p for p in person_ids if p], is_active=True).values_list(
            "pk", flat=True
        )
    )
    wanted: dict[tuple[Any, Any, datetime.date], Decimal] = {}
    for number, row in enumerate(rows, start=1):
        package_id = getattr(row.get("package"), "pk", row.get("package"))
        person_id = getattr(row.get("person"), "pk", row.get("person"))
        week = row.get("week")
        if package_id not in packages:
            raise InvalidInput(
                {
                    "package": [
                        _("Row %(number)d: the work package is not in this project.") % {"number": number}
                    ]
                }
            )
        if person_id not in active:
            raise InvalidInput(
                {"person": [_("Row %(number)d: choose an active person.") % {"number": number}]}
            )
        if not isinstance(week, datetime.date):
            raise InvalidInput({"week": [_("Row %(number)d: give the week as a date.") % {"number": number}]})
        try:
            hours = Decimal(
                str(row.get("hours") if row.get("hours") not in (None, "") else 0).replace(",", ".")
            )
        except (InvalidOperation, ValueError):
            raise InvalidInput(
                {"hours": [_("Row %(number)d: hours are a number.") % {"number": number}]}
            ) from None
        if not hours.is_finite() or hours < 0 or hours > MAX_STAFFING_HOURS:
            raise InvalidInput(
                {
                    "hours": [
                        _("Row %(number)d: between 0 and %(max)s hours a week.")
                        % {"number": number, "max": MAX_STAFFING_HOURS}
                    ]
                }
            )
        wanted[(package_id, person_id, figures.monday(week))] = hours.quantize(Decimal("0.1"))
    return wanted


# -- status reports --------------------------------------------------------------------------------


def add_status_report(
    project: Project, *, health: str, comment: str, by: Any, week: datetime.date | None = None
) -> StatusReport:
    """Write this week's status: red, amber or green with a comment. Earlier reports stay as history."""
    require_change(project, by)
    require_open(project)
    errors: dict[str, list[str]] = {}
    if health not in Health.values:
        errors["health"] = [_("Choose green, amber or red.")]
    comment = (comment or "").strip()
    if not comment:
        errors["comment"] = [_("Say in a sentence or two how the project is going.")]
    elif len(comment) > 5000:
        errors["comment"] = [_("Keep the comment under 5000 characters.")]
    if errors:
        raise InvalidInput(errors)
    week = figures.monday(week or timezone.localdate())
    if week > figures.monday(timezone.localdate()):
        raise InvalidInput({"week": [_("A status report is for this week or an earlier one.")]})
    with transaction.atomic():
        report = StatusReport(project=project, week=week, health=health, comment=comment, author=by)
        actions.create(
            report, by=by, verb="status_report.created", fields=["health", "comment"], context=project
        )
        refresh_numbers(project)
    return report


# -- expectations ----------------------------------------------------------------------------------


def set_expectation_status(
    project: Project,
    expectation: Expectation,
    status: str,
    *,
    by: Any,
    version: int | None,
    note: str = "",
) -> Expectation:
    """Track one of the opportunity's expectations from the project: open, met, at risk or broken.

    The event log keeps the history, with the note saying why.
    """
    require_change(project, by)
    require_open(project)
    if not project.opportunity_id or expectation.opportunity_id != project.opportunity_id:
        raise InvalidInput({"expectation": [_("This expectation belongs to another opportunity.")]})
    if status not in ExpectationStatus.values:
        raise InvalidInput({"status": [_("Choose open, met, at risk or broken.")]})
    note = (note or "").strip()
    if len(note) > 2000:
        raise InvalidInput({"note": [_("Keep the note under 2000 characters.")]})
    with transaction.atomic():
        current = actions.lock(expectation)
        actions.check_version(current, version)
        changed = actions.diff(current, {"status": status})
        if not changed:
            return current
        current.status = status
        current.version += 1
        current.save()
        events.append_event(
            verb="expectation.status_set",
            target=current,
            by=by,
            changes=changed,
            data={"note": note, "project": project.pk} if note else {"project": project.pk},
            context=project,
        )
        after_change(project, by=by)
    return current


# -- the stored numbers ----------------------------------------------------------------------------


def refresh_numbers(project: Project) -> Project:
    """Recompute the packages' actual hours and the project's actual, forecast and baseline totals and health.

    Called by every action that changes hours, progress or the baseline, so lists can sort by forecast
    vs. baseline and by health in one query. Returns the project with the new totals saved.
    """
    packages = figures.package_figures(project)
    for row in packages:
        if row.package.actual_hours != row.actual:
            row.package.actual_hours = row.actual
            row.package.save(update_fields=["actual_hours"])
    today = timezone.localdate()
    milestones = list(Milestone.objects.filter(project=project).order_by("planned_on", "position", "pk"))
    health = figures.health_of(
        project,
        packages,
        milestones,
        today=today,
        threshold=figures.threshold_percent(),
        latest_report=figures.latest_report(project),
    )
    totals = {
        "actual_hours": sum((p.actual for p in packages), ZERO),
        "forecast_hours": sum((p.forecast for p in packages), ZERO),
        "budget_hours": sum((p.package.budget_hours for p in packages), ZERO),
        "budget_amount": sum((p.package.budget_amount for p in packages), ZERO),
        "health": health.level,
    }
    Project.objects.filter(pk=project.pk).update(**totals)
    for name, value in totals.items():
        setattr(project, name, value)
    return project


def refresh_health(projects: list[Project], *, today: datetime.date | None = None) -> int:
    """Store the health a batch of projects has on `today`; return how many changed.

    Health depends on the date (a milestone whose day passes is late), so the daily scan calls this for
    the running projects, a batch at a time: five reads and at most one write per health level.
    """
    found = figures.healths(projects, today=today or timezone.localdate())
    changed: dict[str, list[int]] = {}
    for project in projects:
        level = found[project.pk].level
        if project.health != level:
            changed.setdefault(level, []).append(project.pk)
            project.health = level
    for level, ids in changed.items():
        Project.objects.filter(pk__in=ids).update(health=level)
    return sum(len(ids) for ids in changed.values())


def _end(opportunity: Opportunity) -> Any:
    if opportunity.expected_start and opportunity.duration_weeks:
        return opportunity.expected_start + datetime.timedelta(weeks=opportunity.duration_weeks)
    return None


def _join_team(project: Project, opportunity: Opportunity, manager: Any) -> None:
    roles = {manager.pk: ProjectRole.PROJECT_MANAGER, opportunity.owner_id: ProjectRole.SELLER}
    if manager.pk == opportunity.owner_id:
        roles[manager.pk] = ProjectRole.PROJECT_MANAGER
    for member in opportunity.team.all():
        if member.role == TeamRole.SELLER:
            roles.setdefault(member.person_id, ProjectRole.SELLER)
        else:
            roles.setdefault(member.person_id, ProjectRole.MEMBER)
    ProjectMember.objects.bulk_create(
        [ProjectMember(project=project, person_id=pk, role=role) for pk, role in roles.items()]
    )


def _first_baseline(
    project: Project, packages: list[ProjectPackage], *, source: str, estimate: Any, by: Any
) -> Baseline:
    baseline = Baseline.objects.create(
        project=project,
        number=1,
        source=source,
        estimate=estimate,
        hours=sum((p.budget_hours for p in packages), ZERO),
        amount=sum((p.budget_amount for p in packages), ZERO),
        created_by=by,
    )
    BaselinePackage.objects.bulk_create(
        [
            BaselinePackage(baseline=baseline, package=p, hours=p.budget_hours, amount=p.budget_amount)
            for p in packages
        ]
    )
    return baseline
