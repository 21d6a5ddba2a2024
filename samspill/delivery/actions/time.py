"""Every change to hours: log, change and delete an entry, save a week's timesheet, log many at once
(the CSV import), and approve or reopen a person's week.

The rules, written once here for the timesheet, the import and the API alike:

- a person logs hours on a project whose team they are on (`access.can_log_time`); somebody else
  logs, changes or deletes them only if they may change the project (its project manager, delivery
  managers, management, administrators);
- hours are more than 0 and at most 24, in hundredths at most; a person's day holds at most 24
  hours, counted over every project;
- no hours more than `FUTURE_DAYS` days ahead of today. Hours before a project's planned start are
  accepted: the work often starts before the date the seller guessed;
- the work package belongs to the project;
- a closed project's hours, and a week its project manager has approved, do not change: nothing is
  added to, changed in or deleted from them until the project manager reopens the week, with a
  reason the event keeps;
- only the project's own project manager approves and reopens its weeks; a week is approved once
  it has begun, and only when it holds hours.

Each change refreshes the project's numbers and runs the deviation rules in its transaction.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from samspill.delivery.access import can_approve_weeks, can_change_project
from samspill.delivery.actions.projects import refresh_numbers
from samspill.delivery.detection import detect_deviations
from samspill.delivery.models import (
    Project,
    ProjectMember,
    ProjectPackage,
    TimeEntry,
    WeekApproval,
    sees_every_project,
)
from samspill.lib import actions, events
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken
from samspill.lib.formatting import date as show_date
from samspill.lib.formatting import hours as show_hours
from samspill.people.models import Role

ZERO = Decimal(0)
DAY_LIMIT = Decimal(24)
HUNDREDTH = Decimal("0.01")
FUTURE_DAYS = 7
MAX_NOTE = 500
MAX_REASON = 2000
ENTRY_FIELDS = ["person", "project", "package", "date", "hours", "billable", "note"]

# How a refusal reads to the API: 403, 409 or 422 (see lib.errors).
FORBIDDEN, CONFLICT, INVALID = 403, 409, 422


# -- weeks -----------------------------------------------------------------------------------------


def monday_of(day: datetime.date) -> datetime.date:
    """Return the Monday of the ISO week `day` is in."""
    return day - datetime.timedelta(days=day.weekday())


def week_days(monday: datetime.date) -> list[datetime.date]:
    """Return the seven days of the week that starts on `monday`."""
    return [monday + datetime.timedelta(days=i) for i in range(7)]


def week_code(monday: datetime.date) -> str:
    """Return a week as `2026-W48`, the form URLs and the API use."""
    year, week, _weekday = monday.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(code: str) -> datetime.date:
    """Return the Monday of a week written `2026-W48` (or `2026-w48`); ValueError for anything else."""
    text = (code or "").strip().upper()
    year_text, separator, week_text = text.partition("-W")
    if not separator or not (year_text.isdigit() and week_text.isdigit()):
        raise ValueError(code)
    if len(year_text) != 4 or not 1 <= len(week_text) <= 2:
        raise ValueError(code)
    return datetime.date.fromisocalendar(int(year_text), int(week_text), 1)


def week_number(day: datetime.date) -> int:
    return day.isocalendar()[1]


# -- hours -----------------------------------------------------------------------------------------


def parse_hours(value: Any) -> Decimal | None:
    """Return hours written as 7,5 or 7.5 or 7:30 (None when empty); ValueError when it is no number."""
    if value is None:
        return None
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        number = Decimal(str(value))
    else:
        text = str(value).strip().replace("\xa0", "").replace(" ", "")
        if not text:
            return None
        if ":" in text:
            whole, _colon, minutes = text.partition(":")
            sign = -1 if whole.startswith("-") else 1
            whole = whole.lstrip("-")
            if not (whole.isdigit() or whole == "") or not minutes.isdigit() or len(minutes) != 2:
                raise ValueError(value)
            if int(minutes) >= 60:
                raise ValueError(value)
            number = sign * (Decimal(int(whole or 0)) + Decimal(int(minutes)) / 60).quantize(HUNDREDTH)
        else:
            try:
                number = Decimal(text.replace(",", "."))
            except InvalidOperation:
                raise ValueError(value) from None
    if not number.is_finite():
        raise ValueError(value)
    return number


def hours_problems(hours: Decimal | None, *, required: bool = True) -> list[str]:
    """Return what is wrong with an entry's hours: negative, zero, over a day, or finer than hundredths."""
    if hours is None:
        return [_("Enter the hours.")] if required else []
    if hours < 0:
        return [_("Hours cannot be negative.")]
    if hours == 0 and required:
        return [_("Enter more than 0 hours.")]
    if hours > DAY_LIMIT:
        return [_("A day has at most 24 hours.")]
    if hours != hours.quantize(HUNDREDTH):
        return [_("Give the hours with at most two decimals.")]
    return []


# -- who may log where -----------------------------------------------------------------------------


def loggers(projects: Iterable[Project], people: Iterable[Any]) -> set[tuple[int, int]]:
    """Return the (project id, person id) pairs among these where the person may log hours.

    The same rule as `access.can_log_time` (the project manager, the team, delivery managers), for a
    batch in one query: the timesheet and the import judge many pairs at once.
    """
    projects, people = list(projects), list(people)
    members = set(
        ProjectMember.objects.filter(
            project_id__in=[p.pk for p in projects], person_id__in=[p.pk for p in people]
        ).values_list("project_id", "person_id")
    )
    allowed = set()
    for person in people:
        if not person.is_active:
            continue
        everywhere = sees_every_project(person) and person.has_role(Role.DELIVERY_MANAGER)
        for project in projects:
            if everywhere or project.manager_id == person.pk or (project.pk, person.pk) in members:
                allowed.add((project.pk, person.pk))
    return allowed


# -- judging entries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One reason an entry is refused: the field it is about, the message, and the API status."""

    field: str
    message: str
    status: int = INVALID


@dataclass
class EntrySpec:
    """An entry someone wants to exist: what the timesheet, the import and the API ask for."""

    person: Any
    project: Project
    package: ProjectPackage
    date: datetime.date
    hours: Decimal
    billable: bool = True
    note: str = ""


@dataclass
class _Facts:
    """What the rules read for a batch of entries, loaded in a fixed number of queries."""

    by: Any
    today: datetime.date
    approved: set[tuple[int, int, datetime.date]] = field(default_factory=set)
    loggers: set[tuple[int, int]] = field(default_factory=set)
    day_hours: dict[tuple[int, datetime.date], Decimal] = field(default_factory=dict)


def _load_facts(
    by: Any,
    projects: Iterable[Project],
    people: Iterable[Any],
    dates: Iterable[datetime.date],
    *,
    day_hours: bool = True,
) -> _Facts:
    projects, people, dates = list({p.pk: p for p in projects}.values()), list(people), sorted(set(dates))
    facts = _Facts(by=by, today=timezone.localdate())
    if not projects or not people or not dates:
        return facts
    people = list({p.pk: p for p in people}.values())
    person_ids = [p.pk for p in people]
    facts.loggers = loggers(projects, people)
    facts.approved = set(
        WeekApproval.objects.filter(
            project_id__in=[p.pk for p in projects],
            person_id__in=person_ids,
            week__range=(monday_of(dates[0]), monday_of(dates[-1])),
        ).values_list("project_id", "person_id", "week")
    )
    if day_hours:
        rows = (
            TimeEntry.objects.filter(person_id__in=person_ids, date__range=(dates[0], dates[-1]))
            .values("person_id", "date")
            .annotate(total=Sum("hours"))
            .values_list("person_id", "date", "total")
        )
        facts.day_hours = {(person, day): total for person, day, total in rows}
    return facts


def _place_problems(
    facts: _Facts, person: Any, project: Project, day: datetime.date, *, adding: bool
) -> list[Problem]:
    """Return why `person`'s hours on `project` on `day` may not change (who asks, closed, approved).

    `adding` also refuses a date too far ahead: removing hours is never refused for that.
    """
    by = facts.by
    if (project.pk, person.pk) not in facts.loggers:
        if not person.is_active:
            message = _("%(person)s is deactivated and cannot log hours.") % {"person": person.name}
        else:
            message = _(
                "%(person)s is not on the team of «%(project)s»; its project manager adds people to the team."
            ) % {"person": person.name, "project": project.title}
        return [Problem("person", message, FORBIDDEN)]
    if by.pk != person.pk and not can_change_project(by, project):
        return [
            Problem(
                "person",
                _("Only the project manager of «%(project)s» logs hours for others.")
                % {"project": project.title},
                FORBIDDEN,
            )
        ]
    if project.is_closed:
        return [
            Problem(
                "project",
                _("The project «%(project)s» is closed; its hours can no longer change.")
                % {"project": project.title},
                CONFLICT,
            )
        ]
    monday = monday_of(day)
    if (project.pk, person.pk, monday) in facts.approved:
        return [
            Problem(
                "date",
                _(
                    "Week %(week)s is approved for %(person)s on «%(project)s»; "
                    "ask the project manager to reopen it."
                )
                % {"week": week_number(monday), "person": person.name, "project": project.title},
                CONFLICT,
            )
        ]
    if adding and day > facts.today + datetime.timedelta(days=FUTURE_DAYS):
        return [
            Problem(
                "date",
                _("%(date)s is more than %(days)d days ahead; log hours when the day is near.")
                % {"date": show_date(day), "days": FUTURE_DAYS},
            )
        ]
    return []


def _spec_problems(facts: _Facts, spec: EntrySpec) -> list[Problem]:
    problems = [Problem("hours", message) for message in hours_problems(spec.hours)]
    if spec.package.project_id != spec.project.pk:
        problems.append(
            Problem(
                "package",
                _("The work package «%(package)s» belongs to another project.")
                % {"package": spec.package.name},
            )
        )
    if len(spec.note or "") > MAX_NOTE:
        problems.append(Problem("note", _("A note has at most %(count)d characters.") % {"count": MAX_NOTE}))
    return problems + _place_problems(facts, spec.person, spec.project, spec.date, adding=True)


def _day_problem(person: Any, day: datetime.date, total: Decimal, before: Decimal) -> Problem:
    return Problem(
        "hours",
        _(
            "%(person)s would have %(total)s on %(date)s over all projects (%(before)s logged already); "
            "a day has at most 24 hours."
        )
        % {
            "person": person.name,
            "total": show_hours(total),
            "date": show_date(day),
            "before": show_hours(before),
        },
    )


def check_entries(specs: Sequence[EntrySpec], *, by: Any) -> dict[int, list[Problem]]:
    """Return the problems of each entry to be added (by its index), without writing anything.

    The entries are judged together: a day's hours count every entry of the batch on that day.
    """
    facts = _load_facts(by, (s.project for s in specs), (s.person for s in specs), (s.date for s in specs))
    return _judge(facts, specs)


def _judge(facts: _Facts, specs: Sequence[EntrySpec]) -> dict[int, list[Problem]]:
    problems: dict[int, list[Problem]] = {}
    for index, spec in enumerate(specs):
        found = _spec_problems(facts, spec)
        if found:
            problems[index] = found
    adding: dict[tuple[int, datetime.date], list[int]] = defaultdict(list)
    for index, spec in enumerate(specs):
        if index not in problems:
            adding[(spec.person.pk, spec.date)].append(index)
    for (person_id, day), indexes in adding.items():
        before = facts.day_hours.get((person_id, day)) or ZERO
        total = before + sum((specs[i].hours for i in indexes), ZERO)
        if total > DAY_LIMIT:
            problem = _day_problem(specs[indexes[0]].person, day, total, before)
            for index in indexes:
                problems.setdefault(index, []).append(problem)
    return problems


def _raise(problems: Sequence[Problem]) -> None:
    """Refuse with the most telling error: not allowed (403), then a rule (409), then bad input (422)."""
    if not problems:
        return
    for status, error in ((FORBIDDEN, NotAllowed), (CONFLICT, RuleBroken)):
        found = [p for p in problems if p.status == status]
        if found:
            raise error(found[0].message)
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.field, []).append(problem.message)
    raise InvalidInput(errors)


# -- locking and what follows a change -------------------------------------------------------------


def _lock(people: Iterable[Any], projects: Iterable[Project]) -> dict[int, Project]:
    """Lock the people, then the projects, always in id order; return the projects as stored now.

    A person's lock keeps two of their entries from passing a day's 24 hours together; a project's
    keeps an entry out of a week being approved at the same moment.
    """
    people = list(people)
    person_ids = sorted({p.pk for p in people})
    if person_ids:
        model = people[0]._meta.model
        list(model._default_manager.select_for_update().filter(pk__in=person_ids).order_by("pk").values("pk"))
    ids = sorted({p.pk for p in projects})
    fresh = Project.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return {project.pk: project for project in fresh}


def _after(projects: Iterable[Project], by: Any) -> None:
    """Keep each project's numbers current and its deviations up to date."""
    for project in {p.pk: p for p in projects}.values():
        refresh_numbers(project)
        detect_deviations(project, by=by)


def _fresh(spec: EntrySpec, projects: Mapping[int, Project]) -> EntrySpec:
    project = projects.get(spec.project.pk, spec.project)
    return EntrySpec(spec.person, project, spec.package, spec.date, spec.hours, spec.billable, spec.note)


def _clean_note(note: Any) -> str:
    return str(note or "").strip()


def _initial(entry: TimeEntry) -> dict[str, dict[str, Any]]:
    """The new entry's values, as a creation event records them."""
    values = {name: getattr(entry, name) for name in ENTRY_FIELDS}
    return {
        name: {
            "before": None,
            "after": events.plain(value),
            "before_text": "",
            "after_text": events.shown(value),
        }
        for name, value in values.items()
        if value not in (None, "")
    }


def _record_created(entry: TimeEntry, *, by: Any, data: dict[str, Any] | None = None) -> None:
    events.append_event(
        verb="time.logged", target=entry, by=by, context=entry.project, changes=_initial(entry), data=data
    )


def _record_deleted(entry: TimeEntry, *, by: Any) -> None:
    events.append_event(
        verb="time.deleted",
        target=entry,
        by=by,
        context=entry.project,
        data={"person": entry.person_id, "date": entry.date.isoformat(), "hours": str(entry.hours)},
    )


# -- one entry -------------------------------------------------------------------------------------


def log_time(
    person: Any,
    project: Project,
    package: ProjectPackage,
    date: datetime.date,
    hours: Any,
    billable: bool = True,
    note: str = "",
    *,
    by: Any,
) -> TimeEntry:
    """Log `hours` `person` worked on `package` of `project` on `date`."""
    try:
        amount = parse_hours(hours)
    except ValueError:
        raise InvalidInput({"hours": [_("Write the hours as a number, like 7,5.")]}) from None
    _raise([Problem("hours", m) for m in hours_problems(amount)])
    assert amount is not None
    spec = EntrySpec(person, project, package, date, amount, bool(billable), _clean_note(note))
    with transaction.atomic():
        spec = _fresh(spec, _lock([person], [project]))
        facts = _load_facts(by, [spec.project], [person], [date])
        _raise(_judge(facts, [spec]).get(0, []))
        entry = TimeEntry.objects.create(
            person=person,
            project=spec.project,
            package=package,
            date=date,
            hours=amount,
            billable=spec.billable,
            note=spec.note,
        )
        _record_created(entry, by=by)
        _after([spec.project], by)
    return entry


def change_entry(entry: TimeEntry, changes: Mapping[str, Any], *, by: Any) -> TimeEntry:
    """Change an entry's date, hours, work package (in the same project), billable flag or note."""
    unknown = set(changes) - {"date", "hours", "package", "billable", "note"}
    if unknown:
        raise InvalidInput({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    changes = dict(changes)
    if "hours" in changes:
        try:
            changes["hours"] = parse_hours(changes["hours"])
        except ValueError:
            raise InvalidInput({"hours": [_("Write the hours as a number, like 7,5.")]}) from None
        _raise([Problem("hours", m) for m in hours_problems(changes["hours"])])
    if "note" in changes:
        changes["note"] = _clean_note(changes["note"])
    if "billable" in changes:
        changes["billable"] = bool(changes["billable"])
    with transaction.atomic():
        current = TimeEntry.objects.select_for_update().select_related("person", "package").get(pk=entry.pk)
        projects = _lock([current.person], [current.project])
        project = projects[current.project_id]
        wanted = EntrySpec(
            current.person,
            project,
            changes.get("package", current.package),
            changes.get("date", current.date),
            changes.get("hours", current.hours),
            changes.get("billable", current.billable),
            changes.get("note", current.note),
        )
        facts = _load_facts(by, [project], [current.person], [current.date, wanted.date])
        problems = _place_problems(facts, current.person, project, current.date, adding=False)
        if not problems:
            key = (current.person_id, current.date)
            facts.day_hours[key] = (facts.day_hours.get(key) or ZERO) - current.hours
            problems = _judge(facts, [wanted]).get(0, [])
        _raise(problems)
        changed = actions.diff(current, changes)
        if not changed:
            return current
        for name in changed:
            setattr(current, name, changes[name])
        current.save()
        events.append_event(verb="time.changed", target=current, by=by, context=project, changes=changed)
        _after([project], by)
    return current


def delete_entry(entry: TimeEntry, *, by: Any) -> None:
    """Delete an entry, unless its week is approved or its project closed."""
    with transaction.atomic():
        current = TimeEntry.objects.select_for_update().select_related("person").get(pk=entry.pk)
        projects = _lock([current.person], [current.project])
        project = projects[current.project_id]
        facts = _load_facts(by, [project], [current.person], [current.date], day_hours=False)
        _raise(_place_problems(facts, current.person, project, current.date, adding=False))
        current.project = project
        _record_deleted(current, by=by)
        current.delete()
        _after([project], by)


# -- many entries at once (the import) -------------------------------------------------------------


class EntriesRefused(InvalidInput):
    """Some of a batch's entries are refused, so none is written; `problems` holds them by index."""

    def __init__(self, problems: dict[int, list[Problem]]) -> None:
        self.problems = problems
        first = min(problems)
        super().__init__({f"entries.{first}": [p.message for p in problems[first]]})


def log_entries(
    specs: Sequence[EntrySpec], *, by: Any, data: dict[str, Any] | None = None
) -> list[TimeEntry]:
    """Log every entry of `specs`, or none: any refused entry refuses the batch (EntriesRefused).

    One `time.imported` event per project tells what came in together, naming the entries it made
    (an event per entry would bury the project's feed, and re-index the project once per row).
    """
    if not specs:
        return []
    with transaction.atomic():
        projects = _lock((s.person for s in specs), (s.project for s in specs))
        specs = [_fresh(spec, projects) for spec in specs]
        facts = _load_facts(by, projects.values(), (s.person for s in specs), (s.date for s in specs))
        problems = _judge(facts, specs)
        if problems:
            raise EntriesRefused(problems)
        created = TimeEntry.objects.bulk_create(
            [
                TimeEntry(
                    person=s.person,
                    project=s.project,
                    package=s.package,
                    date=s.date,
                    hours=s.hours,
                    billable=s.billable,
                    note=_clean_note(s.note),
                )
                for s in specs
            ]
        )
        by_project: dict[int, list[TimeEntry]] = defaultdict(list)
        for entry in created:
            by_project[entry.project_id].append(entry)
        for project_id, entries in by_project.items():
            events.append_event(
                verb="time.imported",
                target=projects[project_id],
                by=by,
                data={
                    **(data or {}),
                    "count": len(entries),
                    "hours": str(sum((e.hours for e in entries), ZERO)),
                    "entries": [e.pk for e in entries],
                },
            )
        _after(projects.values(), by)
    return created


# -- a week's timesheet ----------------------------------------------------------------------------


@dataclass
class WeekRow:
    """One row of a person's timesheet: a work package, billable or not, hours and a note per day.

    `was_billable` is the billable flag the row had when the page was shown (None for a new row):
    turning the flag moves the row's hours from the old flag to the new one.
    """

    package: ProjectPackage
    billable: bool
    hours: list[Decimal | None]
    notes: list[str]
    was_billable: bool | None = None


class WeekRefused(InvalidInput):
    """The timesheet was not saved; `errors` maps "row-day" (and "row" for a whole row) to messages."""


@dataclass
class WeekSaved:
    created: int = 0
    changed: int = 0
    deleted: int = 0
    projects: list[Project] = field(default_factory=list)

    @property
    def count(self) -> int:
        return self.created + self.changed + self.deleted


@dataclass
class _Cell:
    row: int
    day: int
    hours: Decimal
    note: str


def cell_note(entries: Sequence[TimeEntry]) -> str:
    """The note a timesheet cell shows for its entries: their notes, joined."""
    return " · ".join(e.note for e in entries if e.note)


def save_week(person: Any, monday: datetime.date, rows: Sequence[WeekRow], *, by: Any) -> WeekSaved:
    """Save a person's week as the timesheet shows it, all rows in one go or nothing (WeekRefused).

    A cell is a work package, a billable flag and a day; its hours are the sum of its entries. A cell
    whose hours or note changed becomes one entry (or none at 0); cells not changed are left alone.
    """
    if by.pk != person.pk:
        raise NotAllowed(_("You can only save your own timesheet."))
    if monday.weekday() != 0:
        raise InvalidInput({"week": [_("A week starts on a Monday.")]})
    days = week_days(monday)
    errors: dict[str, list[str]] = {}
    wanted = _wanted_cells(rows, days, errors)
    with transaction.atomic():
        projects = _lock([person], (row.package.project for row in rows))
        existing = list(
            TimeEntry.objects.select_for_update()
            .filter(person=person, date__range=(days[0], days[-1]))
            .order_by("pk")
        )
        cells: dict[tuple[int, bool, datetime.date], list[TimeEntry]] = defaultdict(list)
        for entry in existing:
            cells[(entry.package_id, entry.billable, entry.date)].append(entry)
        changes = {key: cell for key, cell in wanted.items() if _cell_changed(cells.get(key, []), cell)}
        packages = {row.package.pk: row.package for row in rows}
        facts = _load_facts(by, projects.values(), [person], days, day_hours=False)
        _check_cells(facts, person, changes, packages, projects, days, errors)
        _check_days(person, existing, cells, changes, days, errors)
        if errors:
            raise WeekRefused(errors)
        saved = _apply_cells(person, changes, cells, packages, projects, by=by)
        saved.projects = [projects[pk] for pk in sorted({packages[k[0]].project_id for k in changes})]
        _after(saved.projects, by)
    return saved


def _wanted_cells(
    rows: Sequence[WeekRow], days: list[datetime.date], errors: dict[str, list[str]]
) -> dict[tuple[int, bool, datetime.date], _Cell]:
    """Turn the rows into the cells they ask for; a flag turned empties the cells of the old flag."""
    wanted: dict[tuple[int, bool, datetime.date], _Cell] = {}
    for index, row in enumerate(rows):
        if row.was_billable is not None and row.was_billable != row.billable:
            for day_index, day in enumerate(days):
                wanted[(row.package.pk, row.was_billable, day)] = _Cell(index, day_index, ZERO, "")
    seen: dict[tuple[int, bool], int] = {}
    for index, row in enumerate(rows):
        key = (row.package.pk, row.billable)
        if key in seen:
            errors[str(index)] = [
                _("«%(package)s» is on two rows with the same billable choice; put the hours on one row.")
                % {"package": row.package.name}
            ]
            continue
        seen[key] = index
        for day_index, day in enumerate(days):
            note = _clean_note(row.notes[day_index] if day_index < len(row.notes) else "")
            hours = row.hours[day_index] if day_index < len(row.hours) else None
            wanted[(row.package.pk, row.billable, day)] = _Cell(index, day_index, hours or ZERO, note)
            messages = hours_problems(hours, required=False)
            if note and not hours:
                messages.append(_("Write the hours for this note, or clear the note."))
            if len(note) > MAX_NOTE:
                messages.append(_("A note has at most %(count)d characters.") % {"count": MAX_NOTE})
            if messages:
                errors[f"{index}-{day_index}"] = messages
    return wanted


def _cell_changed(entries: Sequence[TimeEntry], cell: _Cell) -> bool:
    before = sum((e.hours for e in entries), ZERO)
    if before != cell.hours:
        return True
    return cell.hours > 0 and cell_note(entries) != cell.note


def _check_cells(
    facts: _Facts,
    person: Any,
    changes: Mapping[tuple[int, bool, datetime.date], _Cell],
    packages: Mapping[int, ProjectPackage],
    projects: Mapping[int, Project],
    days: list[datetime.date],
    errors: dict[str, list[str]],
) -> None:
    for (package_id, _billable, day), cell in changes.items():
        project = projects[packages[package_id].project_id]
        problems = _place_problems(facts, person, project, day, adding=cell.hours > 0)
        if problems:
            errors.setdefault(f"{cell.row}-{cell.day}", []).extend(p.message for p in problems)


def _check_days(
    person: Any,
    existing: Sequence[TimeEntry],
    cells: Mapping[tuple[int, bool, datetime.date], list[TimeEntry]],
    changes: Mapping[tuple[int, bool, datetime.date], _Cell],
    days: list[datetime.date],
    errors: dict[str, list[str]],
) -> None:
    """Refuse a day that would pass 24 hours over every project, on each cell that adds to it."""
    totals: dict[datetime.date, Decimal] = defaultdict(Decimal)
    for entry in existing:
        totals[entry.date] += entry.hours
    before = dict(totals)
    for key, cell in changes.items():
        totals[key[2]] += cell.hours - sum((e.hours for e in cells.get(key, [])), ZERO)
    for day in days:
        if totals[day] <= DAY_LIMIT:
            continue
        problem = _day_problem(person, day, totals[day], before.get(day, ZERO))
        for key, cell in changes.items():
            if key[2] == day and cell.hours > sum((e.hours for e in cells.get(key, [])), ZERO):
                errors.setdefault(f"{cell.row}-{cell.day}", []).append(problem.message)


def _apply_cells(
    person: Any,
    changes: Mapping[tuple[int, bool, datetime.date], _Cell],
    cells: Mapping[tuple[int, bool, datetime.date], list[TimeEntry]],
    packages: Mapping[int, ProjectPackage],
    projects: Mapping[int, Project],
    *,
    by: Any,
) -> WeekSaved:
    """Write the changed cells. An entry freed from one cell fills another cell of the same package and
    day (a row whose billable flag turned), so it is changed rather than deleted and made anew."""
    saved = WeekSaved()
    freed: dict[tuple[int, datetime.date], list[TimeEntry]] = defaultdict(list)
    to_fill: list[tuple[tuple[int, bool, datetime.date], _Cell]] = []
    for key, cell in changes.items():
        entries = list(cells.get(key, []))
        if cell.hours > 0 and entries:
            _update(entries[0], {"hours": cell.hours, "note": cell.note}, projects, by=by)
            saved.changed += 1
            entries = entries[1:]
        elif cell.hours > 0:
            to_fill.append((key, cell))
        freed[(key[0], key[2])].extend(entries)
    for (package_id, billable, day), cell in to_fill:
        spare = freed[(package_id, day)]
        if spare:
            entry = spare.pop(0)
            _update(entry, {"billable": billable, "hours": cell.hours, "note": cell.note}, projects, by=by)
            saved.changed += 1
            continue
        package = packages[package_id]
        entry = TimeEntry.objects.create(
            person=person,
            project=projects[package.project_id],
            package=package,
            date=day,
            hours=cell.hours,
            billable=billable,
            note=cell.note,
        )
        _record_created(entry, by=by)
        saved.created += 1
    for entries in freed.values():
        for entry in entries:
            entry.project = projects[entry.project_id]
            _record_deleted(entry, by=by)
            entry.delete()
            saved.deleted += 1
    return saved


def _update(entry: TimeEntry, changes: dict[str, Any], projects: Mapping[int, Project], *, by: Any) -> None:
    changed = actions.diff(entry, changes)
    if not changed:
        return
    for name in changed:
        setattr(entry, name, changes[name])
    entry.save()
    events.append_event(
        verb="time.changed", target=entry, by=by, context=projects[entry.project_id], changes=changed
    )


# -- approving weeks -------------------------------------------------------------------------------


def _require_approver(project: Project, by: Any) -> None:
    if not can_approve_weeks(by, project):
        raise NotAllowed(
            _("Only the project manager of «%(project)s» approves and reopens its weeks.")
            % {"project": project.title}
        )


def week_hours(project: Project, person: Any, monday: datetime.date) -> Decimal:
    """Return the hours `person` logged on `project` in the week that starts on `monday`."""
    total = TimeEntry.objects.filter(
        project=project, person=person, date__range=(monday, monday + datetime.timedelta(days=6))
    ).aggregate(total=Sum("hours"))["total"]
    return total or ZERO


def approve_week(project: Project, person: Any, monday: datetime.date, *, by: Any) -> WeekApproval:
    """Approve `person`'s hours on `project` in a week: the week is locked until it is reopened."""
    _require_approver(project, by)
    if monday.weekday() != 0:
        raise InvalidInput({"week": [_("A week starts on a Monday.")]})
    if monday > timezone.localdate():
        raise RuleBroken(_("Week %(week)s has not begun yet.") % {"week": week_number(monday)})
    with transaction.atomic():
        current = actions.lock(project)
        if WeekApproval.objects.filter(project=current, person=person, week=monday).exists():
            raise RuleBroken(
                _("Week %(week)s is already approved for %(person)s.")
                % {"week": week_number(monday), "person": person.name}
            )
        hours = week_hours(current, person, monday).quantize(HUNDREDTH)
        if hours <= 0:
            raise RuleBroken(
                _("%(person)s has no hours on «%(project)s» in week %(week)s to approve.")
                % {"person": person.name, "project": current.title, "week": week_number(monday)}
            )
        approval = WeekApproval.objects.create(
            project=current,
            person=person,
            week=monday,
            approved_by=by,
            approved_at=timezone.now(),
            hours=hours,
        )
        events.append_event(
            verb="week.approved",
            target=approval,
            by=by,
            context=current,
            data={"person": person.pk, "week": week_code(monday), "hours": str(hours)},
        )
    return approval


def reopen_week(project: Project, person: Any, monday: datetime.date, reason: str, *, by: Any) -> None:
    """Reopen an approved week so its hours may change again; the reason is kept in the event."""
    _require_approver(project, by)
    reason = str(reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": [_("Say why the week is reopened.")]})
    if len(reason) > MAX_REASON:
        raise InvalidInput({"reason": [_("At most %(count)d characters.") % {"count": MAX_REASON}]})
    with transaction.atomic():
        current = actions.lock(project)
        if current.is_closed:
            raise RuleBroken(
                _("The project «%(project)s» is closed; its weeks stay approved.")
                % {"project": current.title}
            )
        approval = WeekApproval.objects.filter(project=current, person=person, week=monday).first()
        if approval is None:
            raise RuleBroken(
                _("Week %(week)s is not approved for %(person)s.")
                % {"week": week_number(monday), "person": person.name}
            )
        events.append_event(
            verb="week.reopened",
            target=approval,
            by=by,
            context=current,
            data={
                "person": person.pk,
                "week": week_code(monday),
                "hours": str(approval.hours),
                "approved_by": approval.approved_by_id,
                "approved_at": approval.approved_at.isoformat(),
                "reason": reason,
            },
        )
        approval.delete()


# -- reads the pages and the API share -------------------------------------------------------------


@dataclass
class WaitingWeek:
    """A person's ended week on a project with hours nobody has approved yet."""

    project: Project
    person: Any
    week: datetime.date
    hours: Decimal
    billable_hours: Decimal

    @property
    def code(self) -> str:
        return week_code(self.week)

    @property
    def number(self) -> int:
        return week_number(self.week)


def waiting_weeks_query(projects: Any, *, before: datetime.date) -> Any:
    """Return (project, person, week, hours, billable) rows of unapproved weeks that began before `before`.

    One query whatever the number of entries: the entries are summed per week in the database and
    those whose week is approved are left out there.
    """
    from django.db.models import Exists, OuterRef
    from django.db.models.functions import TruncWeek

    approved = WeekApproval.objects.filter(
        project=OuterRef("project_id"), person=OuterRef("person_id"), week=OuterRef("week")
    )
    return (
        TimeEntry.objects.filter(project__in=projects, date__lt=before)
        .annotate(week=TruncWeek("date"))
        .filter(~Exists(approved))
        .values("project_id", "person_id", "week")
        .annotate(total=Sum("hours"), billable_total=Sum("hours", filter=Q(billable=True)))
        .order_by("week", "project_id", "person_id")
    )


def as_date(value: Any) -> datetime.date:
    """TruncWeek gives a datetime on some databases and a date on others."""
    return value.date() if isinstance(value, datetime.datetime) else value
