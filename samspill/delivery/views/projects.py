"""Project pages: the list, one project with its numbers, progress, milestones, expectations, team and
staffing, status reports, closing, and starting one by hand."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samspill.delivery import figures
from samspill.delivery.access import can_change_project, can_create_project
from samspill.delivery.actions import closing as closing_actions
from samspill.delivery.actions import projects as actions
from samspill.delivery.forms.projects import (
    CUSTOMER_MATCHES,
    PERSON_MATCHES,
    ClosingForm,
    ExpectationStatusForm,
    LessonRows,
    MemberForm,
    MilestoneForm,
    PackageRows,
    ProgressForm,
    ProjectFilter,
    ProjectForm,
    StatusForm,
    StatusReportForm,
    matching_customers,
    matching_people,
    name_words,
)
from samspill.delivery.models import (
    Baseline,
    Deviation,
    DeviationKind,
    DeviationStatus,
    Health,
    Milestone,
    Project,
    ProjectMember,
    ProjectPackage,
    ProjectStatus,
    Retrospective,
    Staffing,
    StatusReport,
)
from samspill.lib.errors import ActionError
from samspill.lib.forms import apply_action
from samspill.pipeline.models import Expectation, ExpectationStatus

ZERO = Decimal(0)
STATUS_REPORTS_SHOWN = 6
FEED_ROWS = 10
STAFFING_WEEKS_SHOWN = 8
STAFFING_WEEKS_EDITED = 12
PERCENT = DecimalField(max_digits=12, decimal_places=1)
HEALTH_RANK = Case(
    When(health=Health.RED, then=Value(2)),
    When(health=Health.AMBER, then=Value(1)),
    default=Value(0),
    output_field=IntegerField(),
)


# -- helpers ---------------------------------------------------------------------------------------


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _project(request: HttpRequest, pk: Any) -> Project:
    """The project if the person sees it (404 otherwise), with what its page shows joined in."""
    try:
        return (
            Project.objects.visible_to(request.user)
            .select_related("customer", "manager", "seller", "opportunity", "agreement")
            .get(pk=pk)
        )
    except (Project.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def _writable(request: HttpRequest, pk: Any) -> Project:
    """The project, if the person may change it: 404 when unseen, 403 when only readable."""
    project = _project(request, pk)
    if not can_change_project(request.user, project):
        raise PermissionDenied(_("You may read this project but not change it."))
    return project


def _refused(request: HttpRequest, error: ActionError, to: str) -> HttpResponse:
    messages.error(request, error.message)
    return redirect(to)


# -- the list --------------------------------------------------------------------------------------


def _listed(rows: Any) -> Any:
    """Add what the list shows and sorts by to `rows`: one query whatever the number of projects."""
    open_deviations = (
        Deviation.objects.filter(project=OuterRef("pk"), status=DeviationStatus.OPEN)
        .order_by()
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    upcoming = Milestone.objects.filter(project=OuterRef("pk"), done_on__isnull=True).order_by(
        "planned_on", "pk"
    )
    over = ExpressionWrapper(
        (F("forecast_hours") - F("budget_hours")) * Value(Decimal(100)) / F("budget_hours"),
        output_field=PERCENT,
    )
    return rows.select_related("customer", "manager").annotate(
        health_rank=HEALTH_RANK,
        open_deviations=Coalesce(Subquery(open_deviations, output_field=IntegerField()), Value(0)),
        over_percent=Case(When(budget_hours__gt=0, then=over), default=None, output_field=PERCENT),
        next_milestone=Subquery(upcoming.values("name")[:1], output_field=CharField()),
        next_milestone_on=Subquery(
            upcoming.annotate(expected=Coalesce("forecast_on", "planned_on")).values("expected")[:1],
            output_field=DateField(),
        ),
    )


LIST_SORTS: dict[str, list[Any]] = {
    "trouble": [
        F("health_rank").desc(),
        F("open_deviations").desc(),
        F("over_percent").desc(nulls_last=True),
    ],
    "title": ["title"],
    "-title": ["-title"],
    "customer": ["customer__name"],
    "-customer": ["-customer__name"],
    "manager": ["manager__first_name", "manager__last_name"],
    "-manager": ["-manager__first_name", "-manager__last_name"],
    "forecast": [F("over_percent").asc(nulls_first=True)],
    "-forecast": [F("over_percent").desc(nulls_last=True)],
    "end": [F("ends_on").asc(nulls_last=True)],
    "-end": [F("ends_on").desc(nulls_last=True)],
    "milestone": [F("next_milestone_on").asc(nulls_last=True)],
    "-milestone": [F("next_milestone_on").desc(nulls_last=True)],
    "status": ["status"],
    "-status": ["-status"],
}


def _filtered(request: HttpRequest, data: dict[str, Any]) -> Any:
    rows = Project.objects.visible_to(request.user)
    status = data.get("status")
    if not status:
        rows = rows.running()
    elif status != "all":
        rows = rows.filter(status=status)
    if data.get("customer"):
        rows = rows.filter(customer=data["customer"])
    elif data.get("customer_name"):
        rows = rows.filter(name_words(data["customer_name"], "customer__name"))
    if data.get("manager"):
        rows = rows.filter(manager=data["manager"])
    if data.get("health"):
        rows = rows.filter(health=data["health"])
    if data.get("mine"):
        rows = rows.of(request.user)
    if data.get("q"):
        rows = rows.filter(Q(title__icontains=data["q"]) | Q(customer__name__icontains=data["q"]))
    return rows


def project_list(request: HttpRequest) -> HttpResponse:
    """Every project the person may see: filters, sorting by trouble or a column, paging."""
    filters = ProjectFilter(request.GET or None, user=request.user)
    data = filters.values()
    rows = _filtered(request, data)
    totals = rows.order_by().aggregate(
        count=Count("pk"),
        red=Count("pk", filter=Q(health=Health.RED)),
        amber=Count("pk", filter=Q(health=Health.AMBER)),
        green=Count("pk", filter=Q(health=Health.GREEN)),
        budget=Sum("budget_hours"),
        forecast=Sum("forecast_hours"),
        actual=Sum("actual_hours"),
    )
    sort = request.GET.get("sort") or "trouble"
    if sort not in LIST_SORTS:
        sort = "trouble"
    listed = _listed(rows).order_by(*LIST_SORTS[sort], "pk")
    page = Paginator(listed, _page_size()).get_page(request.GET.get("page"))
    return render(
        request,
        "delivery/project_list.html",
        {
            "page": page,
            "filters": filters,
            "sort": sort,
            "totals": totals,
            "can_create": can_create_project(request.user),
            "today": timezone.localdate(),
        },
    )


def customer_lookup(request: HttpRequest) -> HttpResponse:
    """The list's customer type-ahead: at most 20 customers of projects the person sees, by name."""
    query = (request.GET.get("customer_name") or request.GET.get("q") or "").strip()[:200]
    status = request.GET.get("status") or ""
    if status not in {"all", *ProjectStatus.values}:
        status = ""
    customers = matching_customers(query, user=request.user, status=status, limit=CUSTOMER_MATCHES + 1)
    return _matches(
        request, "delivery/customer_matches.html", "customers", customers, CUSTOMER_MATCHES, query
    )


def _matches(
    request: HttpRequest, template: str, name: str, found: Iterable[Any], limit: int, query: str
) -> HttpResponse:
    """A type-ahead's answer: the first `limit` of `found` (asked for one more, to tell there are more)."""
    rows = list(found)
    return render(
        request, template, {name: rows[:limit], "more": len(rows) > limit, "limit": limit, "query": query}
    )


def _page_size() -> int:
    from django.conf import settings

    return int(getattr(settings, "PAGE_SIZE", 25))


# -- starting a project by hand --------------------------------------------------------------------


def project_create(request: HttpRequest) -> HttpResponse:
    """A project for work that never went through sales: customer, manager, dates and work packages."""
    if not can_create_project(request.user):
        raise PermissionDenied(
            _("Only project managers, delivery managers, management and administrators start projects.")
        )
    initial: dict[str, Any] = {"manager": request.user.pk, "status": ProjectStatus.PLANNED}
    if (customer_id := request.GET.get("customer")) and customer_id.isdigit():
        initial["customer"] = int(customer_id)
    form = ProjectForm(request.POST or None, initial=initial)
    rows = PackageRows(request.POST or None, prefix="packages")
    if request.method == "POST" and form.is_valid() and rows.is_valid():
        packages = [
            r.cleaned_data for r in rows if r.cleaned_data and (r.cleaned_data.get("name") or "").strip()
        ]
        created = apply_action(
            form, lambda: actions.create_project(form.changes(), by=request.user, packages=packages)
        )
        if created is not None:
            messages.success(request, _("The project %(title)s was started.") % {"title": created.title})
            return redirect(created)
    return render(request, "delivery/project_form.html", {"form": form, "rows": rows, "project": None})


def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = _writable(request, pk)
    if project.is_closed:
        messages.info(
            request,
            _(
                "The project is closed and its numbers are final. "
                "Only the retrospective can still be changed."
            ),
        )
        return redirect(project)
    form = ProjectForm(
        request.POST or None,
        instance=Project.objects.get(pk=project.pk),
        initial={"version": project.version},
    )
    if request.method == "POST" and form.is_valid():
        saved = apply_action(
            form,
            lambda: actions.update_project(
                project, form.changes(), by=request.user, version=form.cleaned_data["version"]
            ),
        )
        if saved is not None:
            messages.success(request, _("The project was saved."))
            if not Project.objects.visible_to(request.user).filter(pk=saved.pk).exists():
                return redirect("delivery:projects")
            return redirect(saved)
    return render(request, "delivery/project_form.html", {"form": form, "rows": None, "project": project})


@require_POST
def project_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Set the project planned, active or on hold."""
    project = _writable(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        saved = apply_action(
            form,
            lambda: actions.set_project_status(
                project, form.cleaned_data["status"], by=request.user, version=form.cleaned_data["version"]
            ),
        )
        if saved is not None:
            messages.success(
                request, _("The project is now %(status)s.") % {"status": saved.get_status_display().lower()}
            )
            return redirect(saved)
    for error in [*form.non_field_errors(), *[m for msgs in form.errors.values() for m in msgs]]:
        messages.error(request, error)
    return redirect(project)


# -- the project page ------------------------------------------------------------------------------


def _expectations(project: Project) -> list[Expectation]:
    if not project.opportunity_id:
        return []
    return list(Expectation.objects.filter(opportunity_id=project.opportunity_id).order_by("position", "pk"))


def _expectation_history(expectations: list[Expectation]) -> dict[int, list[dict[str, Any]]]:
    """Each expectation's status changes, newest first, from the event log (one query)."""
    if not expectations:
        return {}
    from django.contrib.contenttypes.models import ContentType

    from samspill.activity.models import Event

    rows = (
        Event.objects.filter(
            target_type=ContentType.objects.get_for_model(Expectation),
            target_id__in=[str(e.pk) for e in expectations],
        )
        .select_related("actor")
        .order_by("-id")
    )
    found: dict[int, list[dict[str, Any]]] = {}
    for event in rows:
        change = (event.changes or {}).get("status")
        if not change:
            continue
        found.setdefault(int(event.target_id), []).append(
            {
                "before": change.get("before_text") or change.get("before"),
                "after": change.get("after_text") or change.get("after"),
                "after_code": change.get("after"),
                "by": event.actor.name if event.actor else "Samspill",
                "at": event.occurred_at,
                "note": (event.data or {}).get("note", ""),
            }
        )
    return found


def _staffing_summary(
    project: Project, members: list[ProjectMember], weeks: list[datetime.date]
) -> list[dict[str, Any]]:
    """Planned hours per person and week (all packages together) for the next weeks, one query."""
    rows = (
        Staffing.objects.filter(project=project, week__gte=weeks[0], week__lte=weeks[-1])
        .values("person_id", "week")
        .annotate(planned=Sum("hours"))
        .order_by()
    )
    planned: dict[tuple[int, datetime.date], Decimal] = {
        (r["person_id"], r["week"]): r["planned"] for r in rows
    }
    lines = []
    for member in members:
        cells = [planned.get((member.person_id, week)) for week in weeks]
        lines.append(
            {"person": member.person, "cells": cells, "total": sum((c or ZERO for c in cells), ZERO)}
        )
    return lines


def _handover(project: Project) -> Any:
    try:
        return project.handover  # type: ignore[attr-defined]
    except (ObjectDoesNotExist, AttributeError):
        return None


def _detail_context(request: HttpRequest, project: Project, **extra: Any) -> dict[str, Any]:
    from samspill.activity.feeds import feed_for

    today = timezone.localdate()
    can_edit = can_change_project(request.user, project) and not project.is_closed
    expectations = _expectations(project)
    deviations = list(
        Deviation.objects.filter(project=project, status=DeviationStatus.OPEN)
        .select_related("owner")
        .order_by("-created_at", "-pk")
    )
    for deviation in deviations:
        deviation.text = _deviation_text(deviation)  # type: ignore[attr-defined]
    manual = sum(1 for d in deviations if d.kind == DeviationKind.MANUAL)
    numbers = figures.figures(project, today=today, expectations=expectations, manual_deviations=manual)
    members = list(
        ProjectMember.objects.filter(project=project)
        .select_related("person")
        .order_by("role", "person__first_name")
    )
    weeks = [figures.monday(today) + datetime.timedelta(weeks=i) for i in range(STAFFING_WEEKS_SHOWN)]
    history = _expectation_history(expectations)
    for expectation in expectations:
        expectation.history = history.get(expectation.pk, [])  # type: ignore[attr-defined]
    reports = list(
        StatusReport.objects.filter(project=project)
        .select_related("author")
        .order_by("-week", "-created_at", "-pk")[: STATUS_REPORTS_SHOWN + 1]
    )
    retrospective = None
    if project.is_closed:
        retrospective = (
            Retrospective.objects.filter(project=project)
            .select_related("author")
            .prefetch_related("lessons__skills")
            .first()
        )
    context = {
        "object": project,
        "project": project,
        "today": today,
        "can_edit": can_edit,
        "can_change": can_change_project(request.user, project),
        "numbers": numbers,
        "chart": figures.burn_chart(numbers),
        "deviations": deviations,
        "expectations": expectations,
        "expectation_statuses": ExpectationStatus.choices,
        "troubled": [e for e in expectations if e.status in figures.TROUBLED],
        "baselines": list(Baseline.objects.filter(project=project).order_by("number")),
        "members": members,
        "member_form": MemberForm() if can_edit else None,
        "staffing_weeks": weeks,
        "staffing": _staffing_summary(project, members, weeks),
        "reports": reports[:STATUS_REPORTS_SHOWN],
        "more_reports": len(reports) > STATUS_REPORTS_SHOWN,
        "report_form": StatusReportForm(initial={"health": _last_health(reports, project)})
        if can_edit
        else None,
        "status_form": StatusForm(initial={"status": project.status, "version": project.version}),
        "statuses": [s for s in ProjectStatus if s != ProjectStatus.CLOSED],
        "retrospective": retrospective,
        "handover": _handover(project),
        "feed": feed_for(project, request.user, limit=FEED_ROWS),
        "health_levels": Health,
    }
    context.update(extra)
    return context


def _last_health(reports: list[StatusReport], project: Project) -> str:
    """The health the form starts from: last week's word, else what the numbers say."""
    return reports[0].health if reports else (project.health or Health.GREEN)


def _deviation_text(deviation: Deviation) -> str:
    """What the deviation says, in the reader's language when a rule found it."""
    try:
        from samspill.delivery.detection import text_of

        return text_of(deviation)
    except (ImportError, KeyError, TypeError, ValueError):
        return deviation.what


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Are we on track against what was sold?"""
    project = _project(request, pk)
    return render(request, "delivery/project.html", _detail_context(request, project))


def _partials(request: HttpRequest, project: Project, names: list[str], **extra: Any) -> HttpResponse:
    """Return the named partials of the project page; all but the first are swapped out of band."""
    project = _project(request, project.pk)
    context = _detail_context(request, project, **extra)
    html = [
        render_to_string(f"delivery/project.html#{name}", {**context, "oob": index > 0}, request=request)
        for index, name in enumerate(names)
    ]
    return HttpResponse("".join(html))


# What a change of hours, progress, milestones or expectations moves elsewhere on the page.
NUMBERS = ["summary", "burn", "earned", "margin", "deviations_slot"]


# -- progress of a work package --------------------------------------------------------------------


def _package(project: Project, package_id: int) -> ProjectPackage:
    package = ProjectPackage.objects.filter(project=project, pk=package_id).select_related("project").first()
    if package is None:
        raise Http404
    return package


def package_progress(request: HttpRequest, pk: int, package_id: int) -> HttpResponse:
    """Remaining hours or % complete of one work package: an inline form in the table (HTMX) or a page."""
    project = _project(request, pk)
    package = _package(project, package_id)
    if request.method == "GET":
        if request.GET.get("cancel") or not can_change_project(request.user, project):
            return _partials(request, project, ["packages"]) if _htmx(request) else redirect(project)
        form = ProgressForm(
            initial={
                "version": package.version,
                "remaining_hours": package.remaining_hours,
                "percent_complete": package.percent_complete,
            }
        )
        return _progress_form(request, project, package, form)
    project = _writable(request, pk)
    form = ProgressForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        saved = apply_action(
            form,
            lambda: actions.set_package_progress(
                package,
                remaining_hours=data["remaining_hours"],
                percent_complete=data["percent_complete"],
                by=request.user,
                version=data["version"],
            ),
        )
        if saved is not None:
            if _htmx(request):
                return _partials(request, project, ["packages", *NUMBERS])
            messages.success(request, _("The progress of %(name)s was saved.") % {"name": package.name})
            return redirect(project.get_absolute_url() + "#packages")
    return _progress_form(request, project, package, form)


def _progress_form(
    request: HttpRequest, project: Project, package: ProjectPackage, form: ProgressForm
) -> HttpResponse:
    if _htmx(request):
        return _partials(request, project, ["packages"], editing=package.pk, progress_form=form)
    return render(
        request, "delivery/progress_form.html", {"project": project, "package": package, "form": form}
    )


# -- milestones ------------------------------------------------------------------------------------


def milestone_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = _writable(request, pk)
    if request.method == "GET" and request.GET.get("cancel"):
        return _partials(request, project, ["milestones"]) if _htmx(request) else redirect(project)
    form = MilestoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = apply_action(
            form, lambda: actions.create_milestone(project, form.changes(), by=request.user)
        )
        if created is not None:
            if _htmx(request):
                return _partials(request, project, ["milestones", *NUMBERS])
            messages.success(request, _("The milestone %(name)s was added.") % {"name": created.name})
            return redirect(project.get_absolute_url() + "#milestones")
    if _htmx(request):
        return _partials(request, project, ["milestones"], milestone_form=form, adding=True)
    return render(
        request, "delivery/milestone_form.html", {"project": project, "form": form, "milestone": None}
    )


def _milestone(request: HttpRequest, pk: int) -> Milestone:
    milestone = Milestone.objects.filter(pk=pk).select_related("project").first()
    if milestone is None:
        raise Http404
    _project(request, milestone.project_id)  # 404 unless the person sees the project
    return milestone


def milestone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a milestone's forecast, mark it reached, or rename it (inline with HTMX, or a page)."""
    milestone = _milestone(request, pk)
    project = _writable(request, milestone.project_id)
    if request.method == "GET" and request.GET.get("cancel"):
        return _partials(request, project, ["milestones"]) if _htmx(request) else redirect(milestone)
    if request.method == "POST" and request.POST.get("remove"):
        try:
            actions.remove_milestone(milestone, by=request.user)
        except ActionError as error:
            return _refused(request, error, project.get_absolute_url() + "#milestones")
        if _htmx(request):
            return _partials(request, project, ["milestones", *NUMBERS])
        messages.success(request, _("The milestone %(name)s was removed.") % {"name": milestone.name})
        return redirect(project.get_absolute_url() + "#milestones")
    form = MilestoneForm(
        request.POST or None,
        instance=Milestone.objects.get(pk=milestone.pk),
        initial={"version": milestone.version},
    )
    if request.method == "POST" and form.is_valid():
        saved = apply_action(
            form,
            lambda: actions.update_milestone(
                milestone, form.changes(), by=request.user, version=form.cleaned_data["version"]
            ),
        )
        if saved is not None:
            if _htmx(request):
                return _partials(request, project, ["milestones", *NUMBERS])
            messages.success(request, _("The milestone %(name)s was saved.") % {"name": saved.name})
            return redirect(project.get_absolute_url() + "#milestones")
    if _htmx(request):
        return _partials(
            request, project, ["milestones"], milestone_form=form, editing_milestone=milestone.pk
        )
    return render(
        request, "delivery/milestone_form.html", {"project": project, "form": form, "milestone": milestone}
    )


# -- expectations ----------------------------------------------------------------------------------


@require_POST
def expectation_status(request: HttpRequest, pk: int, expectation_id: int) -> HttpResponse:
    """Set one of the opportunity's expectations open, met, at risk or broken, with a note on why."""
    project = _writable(request, pk)
    if not project.opportunity_id:
        raise Http404
    expectation = Expectation.objects.filter(pk=expectation_id, opportunity_id=project.opportunity_id).first()
    if expectation is None:
        raise Http404
    form = ExpectationStatusForm(request.POST)
    saved = None
    if form.is_valid():
        data = form.cleaned_data
        saved = apply_action(
            form,
            lambda: actions.set_expectation_status(
                project,
                expectation,
                data["status"],
                by=request.user,
                version=data["version"],
                note=data["note"],
            ),
        )
    if _htmx(request):
        errors = {expectation.pk: form} if saved is None else {}
        return _partials(request, project, ["expectations", *NUMBERS], expectation_errors=errors)
    if saved is not None:
        messages.success(
            request, _("The expectation is now %(status)s.") % {"status": saved.get_status_display().lower()}
        )
    else:
        for error in [*form.non_field_errors(), *[m for msgs in form.errors.values() for m in msgs]]:
            messages.error(request, error)
    return redirect(project.get_absolute_url() + "#expectations")


# -- status reports --------------------------------------------------------------------------------


def status_report_create(request: HttpRequest, pk: int) -> HttpResponse:
    """This week's status: red, amber or green with a comment; the history stays below."""
    project = _writable(request, pk)
    form = StatusReportForm(request.POST or None, initial={"health": project.health or Health.GREEN})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = apply_action(
            form,
            lambda: actions.add_status_report(
                project, health=data["health"], comment=data["comment"], by=request.user
            ),
        )
        if created is not None:
            if _htmx(request):
                return _partials(request, project, ["reports", *NUMBERS])
            messages.success(request, _("The status report was saved."))
            return redirect(project.get_absolute_url() + "#status")
    if _htmx(request):
        return _partials(request, project, ["reports"], report_form=form)
    return render(request, "delivery/status_report_form.html", {"project": project, "form": form})


def status_reports(request: HttpRequest, pk: int) -> HttpResponse:
    """Every status report of the project, newest first."""
    project = _project(request, pk)
    reports = (
        StatusReport.objects.filter(project=project)
        .select_related("author")
        .order_by("-week", "-created_at", "-pk")
    )
    page = Paginator(reports, _page_size()).get_page(request.GET.get("page"))
    return render(request, "delivery/status_reports.html", {"project": project, "page": page})


# -- team and staffing -----------------------------------------------------------------------------


@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    project = _writable(request, pk)
    form = MemberForm(request.POST)
    if form.is_valid():
        added = apply_action(
            form,
            lambda: actions.add_member(
                project, form.cleaned_data["person"], form.cleaned_data["role"], by=request.user
            ),
        )
        if added is not None:
            messages.success(request, _("%(name)s is on the team.") % {"name": added.person.name})
            return redirect(project.get_absolute_url() + "#team")
    for error in [*form.non_field_errors(), *[m for msgs in form.errors.values() for m in msgs]]:
        messages.error(request, error)
    return redirect(project.get_absolute_url() + "#team")


def person_lookup(request: HttpRequest) -> HttpResponse:
    """The add-to-team type-ahead: at most 20 active people whose name, username or title holds the text."""
    query = (request.GET.get("who") or request.GET.get("q") or "").strip()[:200]
    people = matching_people(query, limit=PERSON_MATCHES + 1)
    return _matches(request, "delivery/person_matches.html", "people", people, PERSON_MATCHES, query)


@require_POST
def member_remove(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    project = _writable(request, pk)
    member = (
        ProjectMember.objects.filter(project=project, pk=member_id)
        .select_related("person", "project")
        .first()
    )
    if member is None:
        raise Http404
    try:
        actions.remove_member(member, by=request.user)
    except ActionError as error:
        return _refused(request, error, project.get_absolute_url() + "#team")
    messages.success(request, _("%(name)s left the team.") % {"name": member.person.name})
    return redirect(project.get_absolute_url() + "#team")


def _week_from(request: HttpRequest, today: datetime.date) -> datetime.date:
    raw = request.GET.get("from") or request.POST.get("from") or ""
    try:
        chosen = datetime.date.fromisoformat(raw)
    except ValueError:
        chosen = today
    if abs((chosen - today).days) > 3660:
        chosen = today
    return figures.monday(chosen)


def staffing(request: HttpRequest, pk: int) -> HttpResponse:
    """The staffing plan: planned hours per person, work package and week, editable by the project manager."""
    project = _project(request, pk)
    can_edit = can_change_project(request.user, project) and not project.is_closed
    first = _week_from(request, timezone.localdate())
    weeks = [first + datetime.timedelta(weeks=i) for i in range(STAFFING_WEEKS_EDITED)]
    packages = list(ProjectPackage.objects.filter(project=project).order_by("position", "pk"))
    members = list(
        ProjectMember.objects.filter(project=project)
        .select_related("person")
        .order_by("role", "person__first_name")
    )
    error = ""
    if request.method == "POST":
        if not can_change_project(request.user, project):
            raise PermissionDenied(_("You may read this project but not change it."))
        rows, error = _staffing_rows(request, packages, members, weeks)
        if not error:
            try:
                changed = actions.set_staffing(project, rows, by=request.user)
            except ActionError as refusal:
                error = refusal.message
            else:
                messages.success(
                    request, _("The staffing plan was saved (%(count)d changes).") % {"count": changed}
                )
                return redirect(
                    reverse("delivery:staffing", args=[project.pk]) + f"?from={first.isoformat()}"
                )
    stored = {
        (s.package_id, s.person_id, s.week): s.hours
        for s in Staffing.objects.filter(project=project, week__gte=weeks[0], week__lte=weeks[-1])
    }
    shown: dict[Any, Any] = dict(stored)
    if request.method == "POST" and error:
        shown = {key: request.POST.get(_cell(*key), "") for key in _grid_keys(packages, members, weeks)}
    grid = [
        {
            "member": member,
            "package": package,
            "cells": [
                {
                    "name": _cell(package.pk, member.person_id, week),
                    "week": week,
                    "value": shown.get((package.pk, member.person_id, week)),
                }
                for week in weeks
            ],
        }
        for member in members
        for package in packages
    ]
    week_totals = [sum((h for (_p, _m, w), h in stored.items() if w == week), ZERO) for week in weeks]
    return render(
        request,
        "delivery/staffing.html",
        {
            "project": project,
            "weeks": weeks,
            "grid": grid,
            "packages": packages,
            "members": members,
            "week_totals": week_totals,
            "can_edit": can_edit,
            "error": error,
            "first": first,
            "previous": first - datetime.timedelta(weeks=STAFFING_WEEKS_EDITED),
            "next": first + datetime.timedelta(weeks=STAFFING_WEEKS_EDITED),
            "member_form": MemberForm() if can_edit else None,
        },
    )


def _cell(package_id: int, person_id: int, week: datetime.date) -> str:
    return f"h-{package_id}-{person_id}-{week.isoformat()}"


def _grid_keys(
    packages: list[ProjectPackage], members: list[ProjectMember], weeks: list[datetime.date]
) -> list[tuple[int, int, datetime.date]]:
    return [(p.pk, m.person_id, w) for m in members for p in packages for w in weeks]


def _staffing_rows(
    request: HttpRequest,
    packages: list[ProjectPackage],
    members: list[ProjectMember],
    weeks: list[datetime.date],
) -> tuple[list[dict[str, Any]], str]:
    rows = []
    for package_id, person_id, week in _grid_keys(packages, members, weeks):
        raw = (request.POST.get(_cell(package_id, person_id, week)) or "").strip()
        if raw == "":
            raw = "0"
        try:
            hours = Decimal(raw.replace(",", ".").replace("\xa0", "").replace(" ", ""))
        except ArithmeticError:
            return [], _("“%(value)s” is not a number of hours.") % {"value": raw}
        if not hours.is_finite():
            return [], _("“%(value)s” is not a number of hours.") % {"value": raw}
        rows.append({"package": package_id, "person": person_id, "week": week, "hours": hours})
    return rows, ""


# -- closing ---------------------------------------------------------------------------------------


def project_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close the project: final numbers per work package, the retrospective, the customer's satisfaction."""
    project = _writable(request, pk)
    if project.is_closed:
        messages.info(request, _("The project is already closed."))
        return redirect(project.get_absolute_url() + "#closing")
    form = ClosingForm(
        request.POST or None, initial={"version": project.version, "closed_on": timezone.localdate()}
    )
    lessons = LessonRows(request.POST or None, prefix="lessons")
    if request.method == "POST" and form.is_valid() and lessons.is_valid():
        data = form.cleaned_data
        wanted = [lesson for row in lessons if (lesson := row.lesson()) is not None]
        closed = apply_action(
            form,
            lambda: closing_actions.close_project(
                project,
                satisfaction=data["satisfaction"],
                went_well=data["went_well"],
                went_badly=data["went_badly"],
                lessons=wanted,
                by=request.user,
                version=data["version"],
                closed_on=data.get("closed_on"),
            ),
        )
        if closed is not None:
            messages.success(
                request,
                _("%(title)s is closed. Its numbers and lessons now feed future estimates.")
                % {"title": closed.title},
            )
            return redirect(closed.get_absolute_url() + "#closing")
    numbers = figures.figures(project)
    return render(
        request,
        "delivery/project_close.html",
        {"project": project, "form": form, "lessons": lessons, "numbers": numbers, "closing": True},
    )


def retrospective_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Complete or correct the retrospective of a closed project."""
    project = _writable(request, pk)
    retrospective = Retrospective.objects.filter(project=project).first()
    if retrospective is None:
        messages.info(request, _("The retrospective is written when the project closes."))
        return redirect(project)
    current = list(retrospective.lessons.prefetch_related("skills").order_by("position", "pk"))
    initial_lessons = [
        {
            "text": lesson.text,
            "phase": lesson.phase,
            "tags": lesson.tags,
            "skills": [s.pk for s in lesson.skills.all()],
        }
        for lesson in current
    ]
    form = ClosingForm(
        request.POST or None,
        retrospective=True,
        initial={
            "satisfaction": retrospective.satisfaction,
            "went_well": retrospective.went_well,
            "went_badly": retrospective.went_badly,
        },
    )
    lessons = LessonRows(request.POST or None, prefix="lessons", initial=initial_lessons)
    if request.method == "POST" and form.is_valid() and lessons.is_valid():
        data = form.cleaned_data
        wanted = [lesson for row in lessons if (lesson := row.lesson()) is not None]
        saved = apply_action(
            form,
            lambda: closing_actions.update_retrospective(
                retrospective,
                by=request.user,
                went_well=data["went_well"],
                went_badly=data["went_badly"],
                satisfaction=data["satisfaction"],
                lessons=wanted,
            ),
        )
        if saved is not None:
            messages.success(request, _("The retrospective was saved."))
            return redirect(project.get_absolute_url() + "#closing")
    numbers = figures.figures(project)
    return render(
        request,
        "delivery/project_close.html",
        {"project": project, "form": form, "lessons": lessons, "numbers": numbers, "closing": False},
    )


urlpatterns: list[URLPattern] = [
    path("", project_list, name="projects"),
    path("new/", project_create, name="project_create"),
    path("customers/", customer_lookup, name="customer_lookup"),
    path("<int:pk>/", project_detail, name="project"),
    path("<int:pk>/edit/", project_edit, name="project_edit"),
    path("<int:pk>/status/", project_status, name="project_status"),
    path("<int:pk>/packages/<int:package_id>/progress/", package_progress, name="package_progress"),
    path("<int:pk>/milestones/new/", milestone_create, name="milestone_create"),
    path("milestones/<int:pk>/", milestone_edit, name="milestone_edit"),
    path("<int:pk>/expectations/<int:expectation_id>/status/", expectation_status, name="expectation_status"),
    path("<int:pk>/status-reports/", status_reports, name="status_reports"),
    path("<int:pk>/status-reports/new/", status_report_create, name="status_report_create"),
    path("people/", person_lookup, name="person_lookup"),
    path("<int:pk>/team/", member_add, name="member_add"),
    path("<int:pk>/team/<int:member_id>/remove/", member_remove, name="member_remove"),
    path("<int:pk>/staffing/", staffing, name="staffing"),
    path("<int:pk>/close/", project_close, name="project_close"),
    path("<int:pk>/retrospective/", retrospective_edit, name="retrospective_edit"),
]
