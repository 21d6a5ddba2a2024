"""Pages: deviations and change requests of a project, and the queue of change requests waiting for sales.

The project page includes two panels (`delivery/deviations_panel.html`, `delivery/change_requests_panel.html`)
that render themselves from `project` and `request`; their forms post here and get the panel back
(HTMX) or go back to the project page (without JavaScript).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from samspill.activity.models import Event
from samspill.delivery.access import get_project_for
from samspill.delivery.actions import changes as change_actions
from samspill.delivery.actions import deviations as actions
from samspill.delivery.detection import text_of
from samspill.delivery.forms.deviations import (
    ChangeRequestForm,
    CloseDeviationForm,
    DecisionForm,
    DeviationForm,
)
from samspill.delivery.models import (
    ChangeRequest,
    ChangeState,
    Deviation,
    DeviationKind,
    DeviationStatus,
    Project,
    ProjectPackage,
)
from samspill.lib.errors import ActionError
from samspill.lib.forms import apply_action

RECENTLY_CLOSED = 5
DECIDED_DAYS = 60
QUEUE_ROWS = 100


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _history(obj: Any) -> list[Event]:
    return list(Event.objects.about(obj).select_related("actor").order_by("-id")[:30])


# -- the panels on the project page ------------------------------------------------------------------


def deviations_panel_context(request: HttpRequest, project: Project, form: Any = None) -> dict[str, Any]:
    """What the deviations panel shows: the open ones (newest first), the last closed, the raise form."""
    rows = (
        Deviation.objects.filter(project=project)
        .select_related("owner")
        .filter(Q(status=DeviationStatus.OPEN) | Q(pk__in=_recently_closed(project)))
        .order_by("-created_at", "-pk")
    )
    listed = [(d, text_of(d)) for d in rows]
    can_raise = not project.is_closed and actions.can_raise_deviation(request.user, project)
    if form is None and can_raise:
        form = DeviationForm(project=project, auto_id="id_deviation_%s")
    return {
        "project": project,
        "open_deviations": [row for row in listed if row[0].status == DeviationStatus.OPEN],
        "closed_deviations": [row for row in listed if row[0].status == DeviationStatus.CLOSED],
        "deviation_form": form,
        "can_raise": can_raise,
        "form_open": form is not None and form.is_bound,
    }


def _recently_closed(project: Project) -> Any:
    closed = Deviation.objects.filter(project=project, status=DeviationStatus.CLOSED)
    return closed.order_by("-closed_at", "-pk").values("pk")[:RECENTLY_CLOSED]


def change_requests_panel_context(request: HttpRequest, project: Project) -> dict[str, Any]:
    """What the change requests panel shows: every change request of the project, newest first."""
    rows = list(
        ChangeRequest.objects.filter(project=project).select_related("package").order_by("-number", "-pk")
    )
    return {
        "project": project,
        "change_requests": rows,
        "can_raise_change": not project.is_closed and change_actions.can_raise_change(request.user, project),
        "can_decide_change": change_actions.can_decide_change(request.user, project),
        "waiting": sum(1 for c in rows if c.state == ChangeState.SENT),
    }


def _panel(request: HttpRequest, project: Project, form: Any = None) -> HttpResponse:
    response = render(
        request, "delivery/deviations_panel.html#panel", deviations_panel_context(request, project, form)
    )
    return reswap(retarget(response, "#deviations"), "outerHTML")


def project_deviations(request: HttpRequest, pk: int) -> HttpResponse:
    """The deviations panel alone (HTMX refresh); without HTMX, the project page at its deviations."""
    project = get_project_for(request.user, pk)
    if not _htmx(request):
        return redirect(project.get_absolute_url() + "#deviations")
    return _panel(request, project)


# -- deviations ------------------------------------------------------------------------------------


def deviation_raise(request: HttpRequest, pk: int) -> HttpResponse:
    """Raise a deviation by hand: in the project page's panel, or as a page of its own without JavaScript."""
    project = get_project_for(request.user, pk)
    if not actions.can_raise_deviation(request.user, project):
        raise PermissionDenied(
            _("Only the project's team, its managers and its seller can raise deviations.")
        )
    form = DeviationForm(request.POST or None, project=project, auto_id="id_deviation_%s")
    if request.method == "POST" and form.is_valid():
        raised = apply_action(form, lambda: actions.raise_deviation(project, form.changes(), by=request.user))
        if raised is not None:
            if _htmx(request):
                return _panel(request, project)
            messages.success(request, _("The deviation was raised."))
            return redirect(project.get_absolute_url() + "#deviations")
    if _htmx(request):
        return _panel(request, project, form)
    return render(request, "delivery/deviation_form.html", {"project": project, "form": form})


def deviation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One deviation: what happened and the numbers behind it, its action and owner, its history; edit it."""
    deviation = actions.get_deviation_for(request.user, pk)
    project = deviation.project
    can_change = actions.can_change_deviation(request.user, deviation) and not project.is_closed
    is_open = deviation.status == DeviationStatus.OPEN
    form = DeviationForm(request.POST or None, project=project, deviation=deviation)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied(_("You may read this deviation but not change it."))
        if form.is_valid():
            saved = apply_action(
                form,
                lambda: actions.update_deviation(
                    deviation, form.changes(), by=request.user, version=form.cleaned_data["version"]
                ),
            )
            if saved is not None:
                messages.success(request, _("The deviation was saved."))
                return redirect(reverse("delivery:deviation", args=[saved.pk]))
    return _deviation_page(request, deviation, form=form if can_change and is_open else None)


def _deviation_page(request: HttpRequest, deviation: Deviation, **forms: Any) -> HttpResponse:
    can_change = actions.can_change_deviation(request.user, deviation)
    is_open = deviation.status == DeviationStatus.OPEN
    close_form = forms.get("close_form")
    if close_form is None and can_change and is_open:
        close_form = CloseDeviationForm(initial={"version": deviation.version}, auto_id="id_close_%s")
    return render(
        request,
        "delivery/deviation.html",
        {
            "deviation": deviation,
            "project": deviation.project,
            "text": text_of(deviation),
            "automatic": deviation.kind != DeviationKind.MANUAL,
            "numbers": _numbers(deviation),
            "form": forms.get("form"),
            "close_form": close_form if can_change and is_open else None,
            "history": _history(deviation),
        },
    )


# The numbers a rule names, in the order a deviation's page lists them, and how each reads.
NUMBER_KINDS = {
    "forecast_hours": "hours",
    "baseline_hours": "hours",
    "over_hours": "hours",
    "over_percent": "percent",
    "threshold_percent": "percent",
    "actual_hours": "hours",
    "budget_hours": "hours",
    "package": "text",
    "milestone": "text",
    "planned_on": "date",
    "forecast_on": "date",
    "expected_on": "date",
    "days_late": "number",
    "expectation": "text",
}


def _number_labels() -> dict[str, str]:
    return {
        "forecast_hours": _("Forecast at completion"),
        "baseline_hours": _("Baseline"),
        "over_hours": _("Over by"),
        "over_percent": _("Over by (%)"),
        "threshold_percent": _("Limit (%)"),
        "actual_hours": _("Booked"),
        "budget_hours": _("Budget"),
        "package": _("Work package"),
        "milestone": _("Milestone"),
        "planned_on": _("Planned"),
        "forecast_on": _("Forecast"),
        "expected_on": _("Expected"),
        "days_late": _("Days late"),
        "expectation": _("Expectation"),
    }


def _numbers(deviation: Deviation) -> list[tuple[str, Any, str]]:
    """The numbers behind a rule's deviation as (label, value, kind) rows, in a fixed order."""
    labels = _number_labels()
    rows = []
    for key, kind in NUMBER_KINDS.items():
        value = (deviation.numbers or {}).get(key)
        if value in (None, ""):
            continue
        if kind == "date":
            try:
                value = datetime.date.fromisoformat(str(value))
            except ValueError:
                continue
        rows.append((labels[key], value, kind))
    return rows


@require_POST
def deviation_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a deviation with its resolution."""
    deviation = actions.get_deviation_for(request.user, pk)
    if not actions.can_change_deviation(request.user, deviation):
        raise PermissionDenied(_("You may read this deviation but not close it."))
    form = CloseDeviationForm(request.POST, auto_id="id_close_%s")
    if form.is_valid():
        closed = apply_action(
            form,
            lambda: actions.close_deviation(
                deviation,
                form.cleaned_data["resolution"],
                by=request.user,
                version=form.cleaned_data["version"],
            ),
        )
        if closed is not None:
            messages.success(request, _("The deviation was closed."))
            return redirect(deviation.project.get_absolute_url() + "#deviations")
    return _deviation_page(request, deviation, close_form=form)


# -- change requests -------------------------------------------------------------------------------


def _writable_project(request: HttpRequest, pk: int) -> Project:
    project = get_project_for(request.user, pk)
    if not change_actions.can_raise_change(request.user, project):
        raise PermissionDenied(_("Only the project manager and delivery managers raise change requests."))
    return project


def change_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Draft a change request on a project."""
    project = _writable_project(request, pk)
    form = ChangeRequestForm(request.POST or None, project=project, initial={"delay_days": 0})
    if request.method == "POST" and form.is_valid():
        created = apply_action(
            form, lambda: change_actions.create_change_request(project, form.changes(), by=request.user)
        )
        if created is not None:
            messages.success(
                request, _("Change request #%(number)d was saved as a draft.") % {"number": created.number}
            )
            return redirect(reverse("delivery:change", args=[created.pk]))
    return render(request, "delivery/change_form.html", {"project": project, "form": form, "change": None})


def change_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a draft change request."""
    change = change_actions.get_change_request_for(request.user, pk, write=True)
    form = ChangeRequestForm(request.POST or None, project=change.project, change=change)
    if request.method == "POST" and form.is_valid():
        saved = apply_action(
            form,
            lambda: change_actions.update_change_request(
                change, form.changes(), by=request.user, version=form.cleaned_data["version"]
            ),
        )
        if saved is not None:
            messages.success(request, _("The change request was saved."))
            return redirect(reverse("delivery:change", args=[saved.pk]))
    return render(
        request, "delivery/change_form.html", {"project": change.project, "form": form, "change": change}
    )


def change_detail(
    request: HttpRequest, pk: int, decision_form: Any = None, decision: str = ""
) -> HttpResponse:
    """One change request: what it changes, what accepting it does to the baseline, and its state."""
    change = change_actions.get_change_request_for(request.user, pk)
    project = change.project
    can_raise = change_actions.can_raise_change(request.user, project) and not project.is_closed
    can_decide = change_actions.can_decide_change(request.user, project) and not project.is_closed
    if decision_form is None:
        decision_form = DecisionForm(initial={"version": change.version, "decided_on": timezone.localdate()})
    return render(
        request,
        "delivery/change.html",
        {
            "change": change,
            "project": project,
            "effect": _effect(change),
            "can_edit": can_raise and change.state == ChangeState.DRAFT,
            "can_send": can_raise and change.state == ChangeState.DRAFT,
            "can_decide": can_decide and change.state == ChangeState.SENT,
            "decision_form": decision_form,
            "decision": decision,
            "history": _history(change),
        },
    )


def _effect(change: ChangeRequest) -> dict[str, Any]:
    """What accepting the change does: the package's budget before and after, the next baseline version."""
    package: ProjectPackage | None = change.package
    project = change.project
    return {
        "package": package,
        "hours_before": package.budget_hours if package else None,
        "hours_after": package.budget_hours + change.hours if package else change.hours,
        "amount_before": package.budget_amount if package else None,
        "amount_after": package.budget_amount + change.price if package else change.price,
        "baseline_now": project.baseline_number,
        "baseline_next": project.baseline_number + 1,
        "project_hours_after": project.budget_hours + change.hours,
        "agreement": project.agreement if project.agreement_id else None,
    }


def _state_change(request: HttpRequest, pk: int, call: Any, done: str) -> HttpResponse:
    change = change_actions.get_change_request_for(request.user, pk)
    try:
        saved = call(change)
    except ActionError as error:
        if error.status == 403:
            raise PermissionDenied(error.message) from None
        messages.error(request, error.message)
        return redirect(reverse("delivery:change", args=[change.pk]))
    messages.success(request, done % {"number": saved.number})
    return redirect(reverse("delivery:change", args=[saved.pk]))


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version") or 0) or None
    except ValueError:
        return None


@require_POST
def change_send(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a draft to the customer: it lands in the seller's and account owner's queue."""
    return _state_change(
        request,
        pk,
        lambda change: change_actions.send_change_request(change, by=request.user, version=_version(request)),
        _("Change request #%(number)d was sent; the seller takes it to the customer."),
    )


@require_POST
def change_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the customer's yes: the baseline moves."""
    return _decide(request, pk, "accept")


@require_POST
def change_reject(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the customer's no, and why."""
    return _decide(request, pk, "reject")


def _decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    change = change_actions.get_change_request_for(request.user, pk)
    if not change_actions.can_decide_change(request.user, change.project):
        raise PermissionDenied(
            _("Only the seller, the customer's account owner and management record the customer's decision.")
        )
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        act = (
            change_actions.accept_change_request
            if decision == "accept"
            else change_actions.reject_change_request
        )
        saved = apply_action(
            form,
            lambda: act(
                change,
                by=request.user,
                version=data["version"],
                note=data["note"],
                decided_on=data["decided_on"],
            ),
        )
        if saved is not None:
            if decision == "accept":
                messages.success(
                    request,
                    _("Change request #%(number)d is accepted: the baseline is now version %(baseline)d.")
                    % {"number": saved.number, "baseline": saved.project.baseline_number},
                )
            else:
                messages.info(
                    request, _("Change request #%(number)d is rejected.") % {"number": saved.number}
                )
            return redirect(reverse("delivery:change", args=[saved.pk]))
    return change_detail(request, pk, decision_form=form, decision=decision)


def change_queue(request: HttpRequest) -> HttpResponse:
    """Change requests waiting for the customer's answer through this person, drafts, and recent decisions."""
    user = request.user
    visible = change_actions.change_requests_visible_to(user).select_related(
        "project", "project__customer", "package", "raised_by"
    )
    waiting = list(
        change_actions.waiting_for(user)
        .select_related("project", "project__customer", "package", "raised_by")
        .order_by("sent_at", "pk")[:QUEUE_ROWS]
    )
    drafts = list(
        visible.filter(state=ChangeState.DRAFT, project__manager_id=user.pk).order_by("-created_at", "-pk")[
            :QUEUE_ROWS
        ]
    )
    mine = (
        Q(project__manager_id=user.pk)
        | Q(project__seller_id=user.pk)
        | Q(project__customer__account_owner_id=user.pk)
    )
    since = timezone.localdate() - datetime.timedelta(days=DECIDED_DAYS)
    decided = list(
        visible.filter(
            mine, state__in=[ChangeState.ACCEPTED, ChangeState.REJECTED], decided_on__gte=since
        ).order_by("-decided_on", "-pk")[:QUEUE_ROWS]
    )
    return render(
        request,
        "delivery/change_queue.html",
        {"waiting": waiting, "drafts": drafts, "decided": decided, "today": timezone.localdate()},
    )


urlpatterns = [
    path("<int:pk>/deviations/", project_deviations, name="deviations"),
    path("<int:pk>/deviations/new/", deviation_raise, name="deviation_raise"),
    path("deviations/<int:pk>/", deviation_detail, name="deviation"),
    path("deviations/<int:pk>/close/", deviation_close, name="deviation_close"),
    path("<int:pk>/changes/new/", change_create, name="change_create"),
    path("changes/", change_queue, name="change_queue"),
    path("changes/<int:pk>/", change_detail, name="change"),
    path("changes/<int:pk>/edit/", change_edit, name="change_edit"),
    path("changes/<int:pk>/send/", change_send, name="change_send"),
    path("changes/<int:pk>/accept/", change_accept, name="change_accept"),
    path("changes/<int:pk>/reject/", change_reject, name="change_reject"),
]
