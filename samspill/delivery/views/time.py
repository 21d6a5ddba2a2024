"""Time pages: my week's timesheet, the project manager's weeks to approve, and the CSV import."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import date as date_filter
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from samspill.delivery.access import get_project_for
from samspill.delivery.actions import time as actions
from samspill.delivery.actions.time import (
    FUTURE_DAYS,
    WaitingWeek,
    WeekRefused,
    WeekRow,
    as_date,
    monday_of,
    week_code,
    week_days,
    week_number,
)
from samspill.delivery.forms.time import (
    ConfirmImportForm,
    ImportForm,
    PostedRow,
    ReopenForm,
    WeekForm,
    parse_sheet,
    week_from,
)
from samspill.delivery.importing import (
    FileRefused,
    ImportRefused,
    Plan,
    body_too_large,
    can_import,
    dry_run,
    example_csv,
    example_rows,
    import_plan,
    plan,
    read_table,
    read_upload,
)
from samspill.delivery.models import (
    Project,
    ProjectMember,
    ProjectPackage,
    ProjectStatus,
    Staffing,
    TimeEntry,
    WeekApproval,
)
from samspill.lib.errors import ActionError
from samspill.lib.formatting import hours as show_hours
from samspill.people.models import Person

WAITING_LIMIT = 100
OPTION_FIELDS = ["project_id", "name", "position"]
PROJECT_FIELDS = ["title", "status", "manager_id", "customer__name"]
APPROVED_SHOWN = 30
ZERO = Decimal(0)


# -- helpers ---------------------------------------------------------------------------------------


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _hours_text(value: Decimal | None) -> str:
    """Hours as a person types them: 7,5 (no unit, no trailing zeros)."""
    if not value:
        return ""
    return format(value.normalize(), "f").replace(".", ",")


def _requested_week(request: HttpRequest) -> datetime.date:
    code = request.GET.get("week")
    if not code:
        return monday_of(timezone.localdate())
    monday = week_from(code)
    if monday is None:
        raise Http404(_("No such week."))
    return monday


def _loggable_projects(user: Any) -> Any:
    """The running projects `user` logs hours on as their project manager or a team member."""
    # `pk__in` rather than a join on the members: the OR then reads two indexes instead of every project.
    on_team = ProjectMember.objects.filter(person=user).values("project_id")
    return (
        Project.objects.filter(Q(manager=user) | Q(pk__in=on_team))
        .exclude(status=ProjectStatus.CLOSED)
        .values("pk")
    )


# -- the timesheet ---------------------------------------------------------------------------------


@dataclass
class Cell:
    day: datetime.date
    text: str
    hours: Decimal
    note: str
    editable: bool
    errors: list[str] = field(default_factory=list)
    locked_reason: str = ""
    label: str = ""  # what a screen reader says of the hours field, and of the note's
    note_label: str = ""


@dataclass
class SheetRow:
    package: ProjectPackage
    billable: bool
    was: str
    cells: list[Cell]
    index: int | None = None
    planned: Decimal | None = None
    lock: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def project(self) -> Project:
        return self.package.project

    @property
    def total(self) -> Decimal:
        return sum((c.hours for c in self.cells), ZERO)

    @property
    def has_notes(self) -> bool:
        return any(c.note or any("note" in e for e in c.errors) for c in self.cells)


@dataclass
class _Week:
    """What the timesheet of one person's week is made of, loaded in a fixed number of queries."""

    user: Any
    monday: datetime.date
    days: list[datetime.date]
    entries: list[TimeEntry]
    approvals: dict[int, WeekApproval]
    options: list[ProjectPackage]
    planned: dict[int, Decimal]
    allowed: set[tuple[int, int]]

    @property
    def packages(self) -> dict[int, ProjectPackage]:
        found = {p.pk: p for p in self.options}
        for entry in self.entries:
            found.setdefault(entry.package_id, entry.package)
        return found

    def lock_of(self, project: Project) -> str:
        if project.is_closed:
            return _("The project is closed.")
        approval = self.approvals.get(project.pk)
        if approval is not None:
            return _("Approved by %(name)s on %(date)s.") % {
                "name": approval.approved_by.name,
                "date": timezone.localtime(approval.approved_at).strftime("%d.%m.%Y"),
            }
        if (project.pk, self.user.pk) not in self.allowed:
            return _("You are not on the project's team.")
        return ""


def _load_week(user: Any, monday: datetime.date) -> _Week:
    days = week_days(monday)
    entries = list(
        TimeEntry.objects.filter(person=user, date__range=(days[0], days[-1]))
        .select_related("package", "package__project", "package__project__customer")
        .order_by("pk")
    )
    for entry in entries:
        entry.project = entry.package.project
    approvals = {
        a.project_id: a
        for a in WeekApproval.objects.filter(person=user, week=monday).select_related(
            "approved_by", "project"
        )
    }
    # Only what the sheet shows of every package one may log on: someone on many teams has hundreds.
    # The projects are read once each and shared by their packages (a join would make one per package).
    loggable = {
        p.pk: p
        for p in Project.objects.filter(pk__in=_loggable_projects(user))
        .select_related("customer")
        .only(*PROJECT_FIELDS)
    }
    options = list(
        ProjectPackage.objects.filter(project__in=list(loggable))
        .only(*OPTION_FIELDS)
        .order_by(Lower("project__title"), "project_id", "position", "pk")
    )
    for package in options:
        package.project = loggable[package.project_id]
    planned: dict[int, Decimal] = defaultdict(Decimal)
    for package_id, hours in Staffing.objects.filter(person=user, week=monday).values_list(
        "package_id", "hours"
    ):
        planned[package_id] += hours
    projects = {p.project_id: p.project for p in options} | {e.project_id: e.project for e in entries}
    allowed = actions.loggers(projects.values(), [user])
    return _Week(user, monday, days, entries, approvals, options, dict(planned), allowed)


def _stored_rows(week: _Week) -> dict[tuple[int, bool], list[list[TimeEntry]]]:
    rows: dict[tuple[int, bool], list[list[TimeEntry]]] = {}
    for entry in week.entries:
        cells = rows.setdefault((entry.package_id, entry.billable), [[] for _ in week.days])
        cells[(entry.date - week.monday).days].append(entry)
    return rows


def _row_from_entries(
    week: _Week, package: ProjectPackage, billable: bool, cells: Sequence[list[TimeEntry]]
) -> SheetRow:
    lock = week.lock_of(package.project)
    horizon = timezone.localdate() + datetime.timedelta(days=FUTURE_DAYS)
    built = []
    for day, entries in zip(week.days, cells, strict=True):
        hours = sum((e.hours for e in entries), ZERO)
        far = day > horizon and not hours
        built.append(
            Cell(
                day=day,
                text=_hours_text(hours),
                hours=hours,
                note=actions.cell_note(entries),
                editable=not lock and not far,
                locked_reason=lock or (_("Too far ahead to log.") if far else ""),
            )
        )
    return SheetRow(
        package=package,
        billable=billable,
        was=("1" if billable else "0") if any(cells) else "",
        cells=built,
        planned=week.planned.get(package.pk),
        lock=lock,
    )


def _initial_rows(week: _Week, *, copy: bool, add: Iterable[int]) -> list[SheetRow]:
    """The rows the week shows: those with hours, the planned ones, and those asked for (copied, added)."""
    stored = _stored_rows(week)
    packages = week.packages
    rows = {key: _row_from_entries(week, packages[key[0]], key[1], cells) for key, cells in stored.items()}
    loggable = {p.pk for p in week.options}
    wanted: list[tuple[int, bool]] = [
        (pk, True)
        for pk in week.planned
        if pk in loggable and (pk, True) not in rows and (pk, False) not in rows
    ]
    if copy:
        wanted += _last_week_keys(week)
    for pk in add:
        wanted.append((pk, (pk, True) not in rows))
    empty: list[list[TimeEntry]] = [[] for _ in week.days]
    for key in wanted:
        if key not in rows and key[0] in loggable:
            rows[key] = _row_from_entries(week, packages[key[0]], key[1], empty)
    return _ordered(rows.values())


def _last_week_keys(week: _Week) -> list[tuple[int, bool]]:
    """The work packages and billable flags of the person's rows the week before."""
    start = week.monday - datetime.timedelta(days=7)
    return list(
        TimeEntry.objects.filter(
            person=week.user, date__range=(start, week.monday - datetime.timedelta(days=1))
        )
        .values_list("package_id", "billable")
        .distinct()
        .order_by("package_id", "-billable")
    )


def _ordered(rows: Iterable[SheetRow]) -> list[SheetRow]:
    return sorted(
        rows,
        key=lambda r: (
            r.project.title.casefold(),
            r.project.pk,
            r.package.position,
            r.package.pk,
            not r.billable,
        ),
    )


def _posted_rows(week: _Week, posted: Sequence[PostedRow], errors: Mapping[str, list[str]]) -> list[SheetRow]:
    """The editable rows as the person sent them, with what they typed and the errors on each cell."""
    packages = week.packages
    rows = []
    for given in posted:
        package = packages.get(given.package_id)
        if package is None:
            continue
        row = SheetRow(
            package=package,
            billable=given.billable,
            was="" if given.was_billable is None else ("1" if given.was_billable else "0"),
            cells=[
                Cell(
                    day=day,
                    text=given.texts[i],
                    hours=given.hours[i] or ZERO,
                    note=given.notes[i],
                    editable=True,
                    errors=list(errors.get(f"{given.index}-{i}", [])),
                )
                for i, day in enumerate(week.days)
            ],
            index=given.index,
            planned=week.planned.get(package.pk),
            errors=list(errors.get(str(given.index), [])),
        )
        rows.append(row)
    return rows


def _sheet_context(
    request: HttpRequest,
    week: _Week,
    editable: list[SheetRow],
    locked: list[SheetRow],
    errors: Mapping[str, list[str]] | None = None,
) -> dict[str, Any]:
    for index, row in enumerate(editable):
        if row.index is None:
            row.index = index
    _label_cells(week, editable)
    today = timezone.localdate()
    everything = editable + locked
    day_totals = [sum((r.cells[i].hours for r in everything), ZERO) for i in range(7)]
    shown = {r.package.pk for r in editable}
    this_monday = monday_of(today)
    return {
        "week": week,
        "monday": week.monday,
        "sunday": week.days[-1],
        "week_number": week_number(week.monday),
        "code": week_code(week.monday),
        "previous": week_code(week.monday - datetime.timedelta(days=7)),
        "next": week_code(week.monday + datetime.timedelta(days=7)),
        "this_week": week_code(this_monday),
        "is_this_week": week.monday == this_monday,
        "days": week.days,
        "today": today,
        "rows": editable,
        "locked": locked,
        "row_count": max([r.index or 0 for r in editable], default=-1) + 1,
        "day_totals": day_totals,
        "total": sum(day_totals, ZERO),
        "billable_total": sum((r.total for r in everything if r.billable), ZERO),
        "planned_total": sum(week.planned.values(), ZERO),
        "approvals": sorted(week.approvals.values(), key=lambda a: a.project_id),
        "options": _option_groups(
            week.options, shown, next((p.pk for p in week.options if p.pk not in shown), None)
        ),
        "errors": _error_list(editable, errors or {}),
        "form_errors": list((errors or {}).get("form", [])),
        "horizon": today + datetime.timedelta(days=FUTURE_DAYS),
        "blank_cells": [
            Cell(day, "", ZERO, "", editable=day <= today + datetime.timedelta(days=FUTURE_DAYS))
            for day in week.days
        ],
        "perms_import": can_import(request.user),
    }


def _label_cells(week: _Week, rows: Sequence[SheetRow]) -> None:
    """Name each field for screen readers ("Hours Monday 2.3., Design"): done here once per week and row,
    it costs a fraction of what a translated block per cell costs in the template."""
    days = [date_filter(day, "l j.n.") for day in week.days]
    hours, note = _("Hours %(day)s, %(package)s"), _("Note %(day)s, %(package)s")
    for row in rows:
        for day, cell in zip(days, row.cells, strict=True):
            names = {"day": day, "package": row.package.name}
            cell.label, cell.note_label = hours % names, note % names


def _option_groups(options: Sequence[ProjectPackage], shown: set[int], selected: int | None) -> SafeString:
    """The "add a work package" choices, one group per project, as HTML.

    Built here rather than in the template: someone on many teams has hundreds of packages, and the
    template language would spend most of the page's time on them. The project's title, address and
    customer are on the group, for the script that adds the row.
    """
    groups: dict[int, list[ProjectPackage]] = {}
    for package in options:
        groups.setdefault(package.project_id, []).append(package)
    on_sheet = _("on the sheet")
    parts = []
    for packages in groups.values():
        project = packages[0].project
        title, customer = project.title, project.customer.name
        choices = format_html_join(
            "",
            '<option value="{}"{}{}>{}{}</option>',
            (
                (
                    package.pk,
                    mark_safe(" selected") if package.pk == selected else "",
                    format_html(' data-package="{}"', package.name) if package.pk in shown else "",
                    package.name,
                    f" ({on_sheet})" if package.pk in shown else "",
                )
                for package in packages
            ),
        )
        parts.append(
            format_html(
                '<optgroup label="{} · {}" data-project="{}" data-project-url="{}" data-customer="{}">'
                "{}</optgroup>",
                title,
                customer,
                title,
                project.get_absolute_url(),
                customer,
                choices,
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 (each part escaped by format_html)


def _error_list(rows: Sequence[SheetRow], errors: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    """Every error of the form, each naming the row and day it belongs to, to link to the cell."""
    found = []
    for row in rows:
        for message in row.errors:
            found.append(
                {
                    "where": f"{row.project.title} · {row.package.name}",
                    "message": message,
                    "anchor": f"r{row.index}-h0",
                }
            )
        for i, cell in enumerate(row.cells):
            for message in cell.errors:
                found.append(
                    {
                        "where": f"{cell.day:%d.%m} · {row.project.title} · {row.package.name}",
                        "message": message,
                        "anchor": f"r{row.index}-{'n' if 'note' in message else 'h'}{i}",
                    }
                )
    return found


def timesheet(request: HttpRequest) -> HttpResponse:
    """My hours of one week: a row per work package, a column per day, totals, saved all together."""
    monday = _requested_week(request)
    if request.method == "POST":
        return _save_sheet(request, monday)
    week = _load_week(request.user, monday)
    add = [int(v) for v in request.GET.getlist("add") if v.isdigit() and len(v) < 19]
    rows = _initial_rows(week, copy=request.GET.get("copy") == "1", add=add)
    editable = [r for r in rows if not r.lock]
    locked = [r for r in rows if r.lock]
    return render(request, "delivery/timesheet.html", _sheet_context(request, week, editable, locked))


def _save_sheet(request: HttpRequest, monday: datetime.date) -> HttpResponse:
    posted, errors = parse_sheet(request.POST)
    week = _load_week(request.user, monday)
    packages = _packages_for(request.user, [r.package_id for r in posted], week)
    for row in posted:
        if row.package_id not in packages:
            errors[str(row.index)] = [_("This work package does not exist or is not one you can see.")]
    if not errors:
        week_rows = [
            WeekRow(packages[r.package_id], r.billable, r.hours, r.notes, r.was_billable) for r in posted
        ]
        try:
            saved = actions.save_week(request.user, monday, week_rows, by=request.user)
        except WeekRefused as refused:
            errors = _posted_errors(refused.errors, posted)
        except ActionError as refused:
            errors = {"form": [refused.message]}
        else:
            messages.success(request, _saved_message(saved, monday))
            return redirect(f"{reverse('delivery:timesheet')}?week={week_code(monday)}")
    week = _load_week(request.user, monday)
    stored = [r for r in _initial_rows(week, copy=False, add=()) if r.lock]
    editable = _posted_rows(week, [r for r in posted if r.package_id in packages], errors)
    context = _sheet_context(request, week, editable, stored, errors)
    return render(request, "delivery/timesheet.html", context, status=422)


def _packages_for(user: Any, ids: Sequence[int], week: _Week) -> dict[int, ProjectPackage]:
    known = week.packages
    missing = [pk for pk in ids if pk not in known]
    if missing:
        visible = Project.objects.visible_to(user).values("pk")
        for package in ProjectPackage.objects.filter(pk__in=missing, project__in=visible).select_related(
            "project"
        ):
            known[package.pk] = package
            week.options.append(package)
    return {pk: known[pk] for pk in ids if pk in known}


def _posted_errors(errors: Mapping[str, list[str]], posted: Sequence[PostedRow]) -> dict[str, list[str]]:
    """Turn the action's "row-day" keys (rows counted as sent to it) into the form's row numbers."""
    mapped: dict[str, list[str]] = {}
    for key, messages_ in errors.items():
        row, _dash, day = key.partition("-")
        if not row.isdigit() or int(row) >= len(posted):
            mapped.setdefault("form", []).extend(messages_)
            continue
        index = posted[int(row)].index
        mapped[f"{index}-{day}" if day else str(index)] = list(messages_)
    return mapped


def _saved_message(saved: actions.WeekSaved, monday: datetime.date) -> str:
    if not saved.count:
        return _("Nothing changed in week %(week)s.") % {"week": week_number(monday)}
    parts = []
    if saved.created:
        parts.append(
            ngettext("%(count)d entry added", "%(count)d entries added", saved.created)
            % {"count": saved.created}
        )
    if saved.changed:
        parts.append(
            ngettext("%(count)d changed", "%(count)d changed", saved.changed) % {"count": saved.changed}
        )
    if saved.deleted:
        parts.append(
            ngettext("%(count)d removed", "%(count)d removed", saved.deleted) % {"count": saved.deleted}
        )
    return _("Week %(week)s saved: %(what)s.") % {"week": week_number(monday), "what": ", ".join(parts)}


# -- weeks to approve ------------------------------------------------------------------------------


@dataclass
class ProjectWeeks:
    project: Project
    weeks: list[WaitingWeek]

    @property
    def hours(self) -> Decimal:
        return sum((w.hours for w in self.weeks), ZERO)


def waiting_weeks(user: Any, *, limit: int = WAITING_LIMIT) -> tuple[list[ProjectWeeks], int]:
    """Return the weeks waiting for `user`'s approval grouped by project (oldest first), and how many wait.

    A week waits when it has ended and a person has hours in it on a project `user` manages that are
    not approved. A fixed number of queries, whatever the number of entries.
    """
    this_monday = monday_of(timezone.localdate())
    query = actions.waiting_weeks_query(Project.objects.filter(manager=user).values("pk"), before=this_monday)
    found = list(query[: limit + 1])
    count = len(found) if len(found) <= limit else query.count()
    found = found[:limit]
    projects = {
        p.pk: p
        for p in Project.objects.filter(pk__in={r["project_id"] for r in found}).select_related("customer")
    }
    people = {p.pk: p for p in Person.objects.filter(pk__in={r["person_id"] for r in found})}
    grouped: dict[int, ProjectWeeks] = {}
    for r in found:
        project = projects[r["project_id"]]
        group = grouped.setdefault(project.pk, ProjectWeeks(project, []))
        group.weeks.append(
            WaitingWeek(
                project, people[r["person_id"]], as_date(r["week"]), r["total"], r["billable_total"] or ZERO
            )
        )
    ordered = sorted(grouped.values(), key=lambda g: (g.weeks[0].week, g.project.title.casefold()))
    return ordered, count


def _attach_entries(groups: Sequence[ProjectWeeks]) -> None:
    """Give each waiting week the entries it is made of, in one query."""
    weeks = [w for g in groups for w in g.weeks]
    if not weeks:
        return
    start = min(w.week for w in weeks)
    end = max(w.week for w in weeks) + datetime.timedelta(days=6)
    wanted = {(w.project.pk, w.person.pk, w.week): w for w in weeks}
    for w in weeks:
        w.entries = []  # type: ignore[attr-defined]
    rows = (
        TimeEntry.objects.filter(
            project_id__in={w.project.pk for w in weeks},
            person_id__in={w.person.pk for w in weeks},
            date__range=(start, end),
        )
        .select_related("package")
        .order_by("date", "pk")
    )
    for entry in rows:
        week = wanted.get((entry.project_id, entry.person_id, monday_of(entry.date)))
        if week is not None:
            week.entries.append(entry)  # type: ignore[attr-defined]


def approvals(request: HttpRequest) -> HttpResponse:
    """The weeks waiting for my approval on the projects I manage, and the weeks I approved lately."""
    groups, count = waiting_weeks(request.user)
    _attach_entries(groups)
    approved = list(
        WeekApproval.objects.filter(project__manager=request.user.pk)
        .select_related("project", "person", "approved_by")
        .order_by("-week", "project__title", "person__first_name")[:APPROVED_SHOWN]
    )
    manages = bool(groups or approved) or Project.objects.filter(manager=request.user.pk).exists()
    context = {
        "groups": groups,
        "count": count,
        "limited": count > WAITING_LIMIT,
        "approved": approved,
        "manages": manages,
        "reopen_form": ReopenForm(),
    }
    return render(request, "delivery/approvals.html", context)


def _week_target(request: HttpRequest, form: WeekForm) -> tuple[Project, Person, datetime.date]:
    project = get_project_for(request.user, form.cleaned_data["project"])
    person = Person.objects.filter(pk=form.cleaned_data["person"]).first()
    if person is None:
        raise Http404
    return project, person, form.cleaned_data["week"]


@require_POST
def approve(request: HttpRequest) -> HttpResponse:
    """Approve one person's week on one project."""
    form = WeekForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a week to approve."))
        return redirect(_next_url(request, reverse("delivery:approvals")))
    project, person, monday = _week_target(request, form)
    try:
        approval = actions.approve_week(project, person, monday, by=request.user)
    except ActionError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("Week %(week)s of %(person)s on «%(project)s» is approved: %(hours)s.")
            % {
                "week": week_number(monday),
                "person": person.name,
                "project": project.title,
                "hours": show_hours(approval.hours),
            },
        )
    return redirect(_next_url(request, reverse("delivery:approvals")))


@require_POST
def approve_all(request: HttpRequest) -> HttpResponse:
    """Approve every listed week of one project together, or none."""
    project = get_project_for(request.user, _post_int(request, "project"))
    targets = []
    for item in request.POST.getlist("week")[:WAITING_LIMIT]:
        person_id, _colon, code = item.partition(":")
        monday = week_from(code)
        if not person_id.isdigit() or monday is None:
            messages.error(request, _("Choose the weeks to approve."))
            return redirect(reverse("delivery:approvals"))
        targets.append((int(person_id), monday))
    people = {p.pk: p for p in Person.objects.filter(pk__in=[t[0] for t in targets])}
    try:
        with transaction.atomic():
            for someone, monday in targets:
                if someone not in people:
                    raise Http404
                actions.approve_week(project, people[someone], monday, by=request.user)
    except ActionError as refused:
        messages.error(request, _("Nothing was approved: %(reason)s") % {"reason": refused.message})
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d week approved on «%(project)s».",
                "%(count)d weeks approved on «%(project)s».",
                len(targets),
            )
            % {"count": len(targets), "project": project.title},
        )
    return redirect(reverse("delivery:approvals"))


def _post_int(request: HttpRequest, name: str) -> int:
    value = request.POST.get(name, "")
    if not value.isdigit() or len(value) > 18:
        raise Http404
    return int(value)


@require_POST
def reopen(request: HttpRequest) -> HttpResponse:
    """Reopen an approved week, with the reason."""
    form = ReopenForm(request.POST)
    if not form.is_valid():
        reason_errors = form.errors.get("reason")
        messages.error(request, str(reason_errors[0]) if reason_errors else _("Choose a week to reopen."))
        return redirect(_next_url(request, reverse("delivery:approvals")))
    project, person, monday = _week_target(request, form)
    try:
        actions.reopen_week(project, person, monday, form.cleaned_data["reason"], by=request.user)
    except ActionError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("Week %(week)s of %(person)s on «%(project)s» is open again.")
            % {"week": week_number(monday), "person": person.name, "project": project.title},
        )
    return redirect(_next_url(request, reverse("delivery:approvals")))


# -- the CSV import --------------------------------------------------------------------------------


def _require_import(request: HttpRequest) -> None:
    if not can_import(request.user):
        raise PermissionDenied(_("Project managers and delivery managers import hours."))


def _example(user: Any) -> list[Sequence[str]]:
    package = (
        ProjectPackage.objects.filter(
            project__manager=user, project__status__in=[ProjectStatus.ACTIVE, ProjectStatus.PLANNED]
        )
        .select_related("project")
        .order_by("-project__created_at", "position", "pk")
        .first()
    )
    names: list[str] = []
    if package is not None:
        names = list(package.project.packages.order_by("position", "pk").values_list("name", flat=True)[:2])
    return example_rows(user, package.project if package else None, names, today=timezone.localdate())


def import_example(request: HttpRequest) -> HttpResponse:
    """The example CSV file, with the person's own project when they manage one."""
    _require_import(request)
    response = HttpResponse(example_csv(_example(request.user)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="timer-eksempel.csv"'
    return response


def time_import(request: HttpRequest) -> HttpResponse:
    """Upload a CSV file, see the dry run of every row, then import exactly the rows it accepted."""
    _require_import(request)
    context: dict[str, Any] = {"form": ImportForm(), "example": _example(request.user)}
    if request.method != "POST":
        return render(request, "delivery/import.html", context)
    if body_too_large(request):
        context["form"] = form = ImportForm()
        form.add_error(None, _("The file is larger than 1 MB; split it into smaller files."))
        return render(request, "delivery/import.html", context, status=413)
    if "content" in request.POST:
        return _confirm_import(request, context)
    form = ImportForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, "delivery/import.html", context, status=422)
    upload = form.cleaned_data["file"]
    try:
        found = dry_run(read_upload(upload), by=request.user, filename=upload.name or "")
    except FileRefused as refused:
        form.add_error("file", refused.message)
        return render(request, "delivery/import.html", context, status=422)
    return render(request, "delivery/import.html", {**context, **_plan_context(found)})


def _plan_context(found: Plan) -> dict[str, Any]:
    return {
        "plan": found,
        "confirm": ConfirmImportForm(
            initial={"content": found.table.text, "digest": found.digest, "filename": found.filename}
        ),
        "columns": ["date", "person", "project", "package", "hours", "billable", "note"],
    }


def _confirm_import(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    confirm = ConfirmImportForm(request.POST)
    if not confirm.is_valid():
        messages.error(request, _("Upload the file again: the import lost track of it."))
        return redirect("delivery:time_import")
    data = confirm.cleaned_data
    try:
        current = plan(
            read_table(data["content"].encode("utf-8")), by=request.user, filename=data["filename"]
        )
    except FileRefused as refused:
        messages.error(request, refused.message)
        return redirect("delivery:time_import")
    try:
        created = import_plan(
            current, by=request.user, skip_rejected=data["skip_rejected"], expected_digest=data["digest"]
        )
    except (ImportRefused, ActionError) as refused:
        context.update(_plan_context(current))
        context["refused"] = refused.message
        return render(request, "delivery/import.html", context, status=409)
    projects = sorted({e.project.title for e in created}, key=str.casefold)
    messages.success(
        request,
        ngettext(
            "Imported %(count)d entry (%(hours)s) on %(projects)s.",
            "Imported %(count)d entries (%(hours)s) on %(projects)s.",
            len(created),
        )
        % {"count": len(created), "hours": show_hours(current.hours), "projects": ", ".join(projects)},
    )
    return redirect("delivery:time_import")


urlpatterns: list[URLPattern] = [
    path("time/", timesheet, name="timesheet"),
    path("time/import/", time_import, name="time_import"),
    path("time/import/example.csv", import_example, name="time_import_example"),
    path("approvals/", approvals, name="approvals"),
    path("approvals/approve/", approve, name="approve_week"),
    path("approvals/approve-all/", approve_all, name="approve_weeks"),
    path("approvals/reopen/", reopen, name="reopen_week"),
]
