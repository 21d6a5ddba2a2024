"""Handover pages: the list for delivery, one handover ("Do I know everything the seller knows?"), its print.

Every change goes through `samspill.handover.actions`; a refusal shows the page again with the reason,
answering with the refusal's status (403, 409, 422).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samspill.handover import access, actions
from samspill.handover.completeness import completeness, with_facts
from samspill.handover.forms import (
    AcknowledgeForm,
    AnswerForm,
    ListFilter,
    MeetingForm,
    NotesForm,
    ProjectManagerForm,
    SendBackForm,
)
from samspill.handover.models import ChecklistItem, Handover, HandoverState, Question
from samspill.handover.package import Package, gather
from samspill.lib import registry
from samspill.lib.errors import ActionError, NotAllowed
from samspill.lib.forms import apply_action
from samspill.lib.listing import sorted_page

DOCUMENTS_PANEL = "workspace.documents"
T = TypeVar("T")

# -- the list --------------------------------------------------------------------------------------

LIST_COLUMNS = {
    "opened": "created_at",
    "title": "opportunity__title",
    "customer": "opportunity__customer__name",
    "state": "state_order",
    "meeting": "meeting_on",
    "manager": "project_manager__first_name",
    "seller": "seller__first_name",
}
STATE_ORDER = Case(
    *[When(state=s, then=Value(i)) for i, s in enumerate(HandoverState.values)], output_field=IntegerField()
)


def _listed(request: HttpRequest) -> tuple[ListFilter, Any]:
    filters = ListFilter(request.GET or None)
    data = filters.values()
    rows = Handover.objects.visible_to(request.user)
    if data["state"] == "waiting":
        rows = rows.waiting()
    elif data["state"] in HandoverState.values:
        rows = rows.filter(state=data["state"])
    if data.get("mine"):
        rows = rows.of(request.user)
    return filters, rows


def handover_list(request: HttpRequest) -> HttpResponse:
    """The handovers delivery should take over: state, completeness, meeting and who is on each side."""
    filters, rows = _listed(request)
    listed = (
        with_facts(rows)
        .select_related("opportunity__customer", "seller", "project_manager", "project")
        .annotate(state_order=STATE_ORDER)
    )
    page, sort = sorted_page(request, listed, LIST_COLUMNS, "-opened")
    page.object_list = [(h, completeness(h)) for h in page.object_list]
    return render(request, "handover/list.html", {"page": page, "filters": filters, "sort": sort})


# -- one handover ----------------------------------------------------------------------------------


def _documents(request: HttpRequest, package: Package) -> str | None:
    """The opportunity's documents panel (the workspace app registers it), rendered here as it is there."""
    for panel in registry.registry.panels.get(registry.target_of(package.opportunity), []):
        if panel.key != DOCUMENTS_PANEL:
            continue
        context = panel.context(request, package.opportunity)
        if context is None:
            return None
        from django.template.loader import render_to_string

        return render_to_string(panel.template, {**context, "object": package.opportunity}, request=request)
    return None


def _forms(package: Package, **bound: Any) -> dict[str, Any]:
    handover = package.handover
    version = {"version": handover.version}
    invited = [p.pk for p in package.participants] or [
        pk for pk in (handover.seller_id, handover.project_manager_id) if pk
    ]
    meeting_on = timezone.localtime(handover.meeting_on) if handover.meeting_on else None
    forms = {
        "meeting_form": MeetingForm(
            initial={**version, "meeting_on": meeting_on, "participants": invited}, handover=handover
        ),
        "manager_form": ProjectManagerForm(
            initial={**version, "project_manager": handover.project_manager_id},
            keep=handover.project_manager_id,
        ),
        "notes_form": NotesForm(initial={**version, "notes": handover.notes}),
        "send_back_form": SendBackForm(initial=version),
        "acknowledge_form": AcknowledgeForm(initial=version),
        "answer_form": AnswerForm(),
    }
    forms.update(bound)
    return forms


def _context(request: HttpRequest, handover: Handover, **bound: Any) -> dict[str, Any]:
    from samspill.activity.feeds import feed_for

    package = gather(handover)
    current = package.handover
    user = request.user
    is_open = not current.is_acknowledged
    return {
        "p": package,
        "handover": current,
        "opportunity": package.opportunity,
        "score": package.completeness,
        "documents": _documents(request, package),
        "feed": feed_for(current, user, limit=20),
        "can_work": is_open and access.can_work_on(user, current),
        "can_decide": is_open and access.can_acknowledge(user, current),
        "can_answer": is_open and access.can_answer(user, current),
        "can_choose_manager": is_open and access.can_choose_project_manager(user, current),
        "can_write_notes": is_open and access.is_sales_side(user, current),
        "is_delivery": access.is_delivery_side(user, current),
        **_forms(package, **bound),
    }


def handover_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Do I know everything the seller knows? Completeness first, then the expectations, then the rest."""
    handover = access.get_handover_for(request.user, pk)
    return render(request, "handover/handover.html", _context(request, handover))


def handover_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole package as one clean document for paper or PDF."""
    handover = access.get_handover_for(request.user, pk)
    package = gather(handover)
    return render(
        request,
        "handover/print.html",
        {
            "p": package,
            "handover": package.handover,
            "opportunity": package.opportunity,
            "now": timezone.now(),
        },
    )


def _refused(request: HttpRequest, handover: Handover, error: ActionError, **bound: Any) -> HttpResponse:
    """Show the page again with the reason, answering with the refusal's status."""
    if isinstance(error, NotAllowed):
        raise PermissionDenied(error.message)
    context = _context(request, handover, **bound)
    context["refusal"] = error.message
    return render(request, "handover/handover.html", context, status=error.status)


def _done(request: HttpRequest, handover: Handover, message: str, anchor: str = "") -> HttpResponse:
    messages.success(request, message)
    return redirect(reverse("handover:handover", args=[handover.pk]) + anchor)


def _apply(form: Any, call: Callable[[], T]) -> T | None:
    """Run the action as `apply_action` does, remembering the refusal's status for the response."""

    def tracked() -> T:
        try:
            return call()
        except ActionError as error:
            if isinstance(error, NotAllowed):
                raise PermissionDenied(error.message) from None
            form.refusal_status = error.status
            raise

    return apply_action(form, tracked)


def _status(form: Any) -> int:
    """A refused form: the action's status (409 stale or a rule, 422 bad input); 422 if the form refused."""
    return int(getattr(form, "refusal_status", 422))


def _form_refused(request: HttpRequest, handover: Handover, name: str, form: Any) -> HttpResponse:
    context = _context(request, handover, **{name: form})
    return render(request, "handover/handover.html", context, status=_status(form))


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may read this handover but not do that."))


@require_POST
def checklist_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Tick or untick one checklist item; from htmx, the checklist and the score come back."""
    handover = access.get_handover_for(request.user, pk)
    _require(access.can_work_on(request.user, handover))
    try:
        item = ChecklistItem.objects.get(pk=item_pk, handover=handover)
    except (ChecklistItem.DoesNotExist, ValueError, OverflowError):
        raise Http404 from None
    item.handover = handover
    done = request.POST.get("done") in ("1", "true", "on")
    refusal = None
    try:
        actions.set_item_done(item, done, by=request.user)
    except ActionError as error:
        if isinstance(error, NotAllowed):
            raise PermissionDenied(error.message) from None
        refusal = error
    if not getattr(request, "htmx", False):
        if refusal is not None:
            return _refused(request, handover, refusal)
        return redirect(reverse("handover:handover", args=[handover.pk]) + "#checklist")
    context = _context(request, handover)
    context["checklist_refusal"] = refusal.message if refusal is not None else None
    return render(
        request, "handover/handover.html#checklist-update", context, status=refusal.status if refusal else 200
    )


@require_POST
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    handover = access.get_handover_for(request.user, pk)
    _require(access.can_work_on(request.user, handover))
    form = MeetingForm(request.POST, handover=handover)
    if form.is_valid():
        data = form.cleaned_data
        saved = _apply(
            form,
            lambda: actions.set_meeting(
                handover,
                meeting_on=data["meeting_on"],
                participants=list(data["participants"]),
                by=request.user,
                version=data["version"],
            ),
        )
        if saved is not None:
            return _done(request, saved, _("The handover meeting was saved."), "#meeting")
    return _form_refused(request, handover, "meeting_form", form)


@require_POST
def project_manager(request: HttpRequest, pk: int) -> HttpResponse:
    handover = access.get_handover_for(request.user, pk)
    _require(access.can_choose_project_manager(request.user, handover))
    form = ProjectManagerForm(request.POST, keep=handover.project_manager_id)
    if form.is_valid():
        data = form.cleaned_data
        saved = _apply(
            form,
            lambda: actions.set_project_manager(
                handover, data["project_manager"], by=request.user, version=data["version"]
            ),
        )
        if saved is not None:
            return _done(request, saved, _("The project manager was saved."), "#team")
    return _form_refused(request, handover, "manager_form", form)


@require_POST
def notes(request: HttpRequest, pk: int) -> HttpResponse:
    handover = access.get_handover_for(request.user, pk)
    _require(access.is_sales_side(request.user, handover))
    form = NotesForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        saved = _apply(
            form,
            lambda: actions.write_notes(handover, data["notes"], by=request.user, version=data["version"]),
        )
        if saved is not None:
            return _done(request, saved, _("The notes were saved."), "#notes")
    return _form_refused(request, handover, "notes_form", form)


@require_POST
def send_back(request: HttpRequest, pk: int) -> HttpResponse:
    handover = access.get_handover_for(request.user, pk)
    _require(access.can_acknowledge(request.user, handover))
    form = SendBackForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        saved = _apply(
            form,
            lambda: actions.send_back(
                handover, questions=form.question_list(), by=request.user, version=data["version"]
            ),
        )
        if saved is not None:
            return _done(
                request,
                saved,
                _("The handover went back to %(seller)s with your questions.")
                % {"seller": saved.seller.name},
                "#questions",
            )
    return _form_refused(request, handover, "send_back_form", form)


@require_POST
def answer(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    handover = access.get_handover_for(request.user, pk)
    _require(access.can_answer(request.user, handover))
    try:
        question = Question.objects.select_related("handover").get(pk=question_pk, handover=handover)
    except (Question.DoesNotExist, ValueError, OverflowError):
        raise Http404 from None
    form = AnswerForm(request.POST)
    if form.is_valid():
        saved = _apply(
            form, lambda: actions.answer_question(question, form.cleaned_data["answer"], by=request.user)
        )
        if saved is not None:
            return _done(request, handover, _("Your answer was saved."), f"#question-{question.pk}")
    context = _context(request, handover, answer_form=form)
    context["answering"] = question.pk
    return render(request, "handover/handover.html", context, status=_status(form))


@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    handover = access.get_handover_for(request.user, pk)
    _require(access.can_acknowledge(request.user, handover))
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        saved = _apply(
            form, lambda: actions.acknowledge(handover, by=request.user, version=form.cleaned_data["version"])
        )
        if saved is not None:
            return _done(
                request,
                saved,
                _("Acknowledged: the project %(title)s starts from the sold baseline.")
                % {"title": saved.opportunity.title},
            )
    return _form_refused(request, handover, "acknowledge_form", form)


urlpatterns = [
    path("", handover_list, name="list"),
    path("<int:pk>/", handover_detail, name="handover"),
    path("<int:pk>/print/", handover_print, name="print"),
    path("<int:pk>/checklist/<int:item_pk>/", checklist_item, name="checklist_item"),
    path("<int:pk>/meeting/", meeting, name="meeting"),
    path("<int:pk>/project-manager/", project_manager, name="project_manager"),
    path("<int:pk>/notes/", notes, name="notes"),
    path("<int:pk>/send-back/", send_back, name="send_back"),
    path("<int:pk>/questions/<int:question_pk>/answer/", answer, name="answer"),
    path("<int:pk>/acknowledge/", acknowledge, name="acknowledge"),
]
