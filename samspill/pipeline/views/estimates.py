"""Estimate, expert review and offer pages."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samspill.lib.errors import ActionError
from samspill.lib.forms import apply_action
from samspill.pipeline import estimation, offer
from samspill.pipeline.access import (
    can_change_estimate,
    can_change_opportunity,
    get_estimate_for,
    get_opportunity_for,
    get_review_for,
)
from samspill.pipeline.actions import estimates as actions
from samspill.pipeline.actions import reviews as review_actions
from samspill.pipeline.forms.estimates import (
    EstimateSettingsForm,
    LineForm,
    OfferForm,
    ReviewCommentForm,
    ReviewRequestForm,
    RiskForm,
    VerdictForm,
    WorkPackageForm,
)
from samspill.pipeline.models import (
    Estimate,
    EstimateLine,
    EstimateLineKind,
    ExpertReview,
    OfferDocument,
    ReviewComment,
    ReviewState,
    Risk,
    WorkPackage,
    sees_everything,
)

# --------------------------------------------------------------------------------------------------
# Shared reads
# --------------------------------------------------------------------------------------------------


def _packages(estimate: Estimate) -> list[WorkPackage]:
    """Return the packages with their skills, review comments and rate source (a fixed number of queries)."""
    comments = ReviewComment.objects.select_related("author", "review").order_by("created_at", "pk")
    packages = list(
        estimate.packages.order_by("position", "pk").prefetch_related(
            "skills", Prefetch("review_comments", queryset=comments)
        )
    )
    book = actions.rate_book(estimate.opportunity)
    for package in packages:
        package.rate_info = book.source_of(package)  # type: ignore[attr-defined]
    return packages


def _risks(estimate: Estimate) -> list[Risk]:
    risks = list(estimate.risks.all())
    for risk in risks:
        risk.exposure = actions._risk_input(risk).exposure_hours  # type: ignore[attr-defined]
    return risks


def _chart(estimate: Estimate, packages: list[WorkPackage]) -> dict[str, Any] | None:
    """Return the points of the chance-of-staying-within curve: lowest, P50, P80, P90 and highest total."""
    if not packages or not estimate.expected_hours:
        return None
    low = sum((p.optimistic for p in packages), start=Decimal(0))
    high = sum((p.pessimistic for p in packages), start=Decimal(0))
    points = [
        (low, 0),
        (estimate.p50_hours, 50),
        (estimate.p80_hours, 80),
        (estimate.p90_hours, 90),
        (high, 100),
    ]
    return {
        "hours": [float(h) for h, _level in points],
        "chance": [level for _hours, level in points],
        "chosen": {"p50": 1, "p80": 2, "p90": 3}[estimate.confidence],
    }


def _summary_context(estimate: Estimate, packages: list[WorkPackage], can_edit: bool) -> dict[str, Any]:
    return {
        "estimate": estimate,
        "points": [
            ("p50", "P50", estimate.p50_hours, estimate.p50_price),
            ("p80", "P80", estimate.p80_hours, estimate.p80_price),
            ("p90", "P90", estimate.p90_hours, estimate.p90_price),
        ],
        "chart": _chart(estimate, packages),
        "settings_form": EstimateSettingsForm(
            initial={
                "version": estimate.version,
                "confidence": estimate.confidence,
                "include_contingency": estimate.include_contingency,
                "title": estimate.title,
                "notes": estimate.notes,
            }
        ),
        "can_edit": can_edit,
    }


def _may_edit(request: HttpRequest, estimate: Estimate) -> bool:
    return (
        can_change_estimate(request.user, estimate)
        and not estimate.is_locked
        and estimate.opportunity.is_open
    )


def _estimate_context(request: HttpRequest, estimate: Estimate, **extra: Any) -> dict[str, Any]:
    """Return everything the estimate page shows (a fixed number of queries, whatever the size)."""
    opportunity = estimate.opportunity
    packages = _packages(estimate)
    can_edit = _may_edit(request, estimate)
    can_change = can_change_opportunity(request.user, opportunity)
    reviews = list(estimate.reviews.select_related("reviewer", "requested_by", "skill").order_by("-pk"))
    lines = list(estimate.lines.all())
    versions = list(
        Estimate.objects.filter(opportunity=opportunity)
        .only(
            "pk",
            "number",
            "title",
            "expected_hours",
            "price",
            "confidence",
            "locked_at",
            "created_at",
            "opportunity_id",
        )
        .order_by("-number")
    )
    context = {
        "opportunity": opportunity,
        "packages": packages,
        "package_total": {
            "optimistic": sum((p.optimistic for p in packages), start=Decimal(0)),
            "most_likely": sum((p.most_likely for p in packages), start=Decimal(0)),
            "pessimistic": sum((p.pessimistic for p in packages), start=Decimal(0)),
        },
        "assumptions": [line for line in lines if line.kind == EstimateLineKind.ASSUMPTION],
        "exclusions": [line for line in lines if line.kind == EstimateLineKind.EXCLUSION],
        "risks": _risks(estimate),
        "reviews": reviews,
        "open_review": next((r for r in reviews if r.is_open), None),
        "last_review": reviews[0] if reviews else None,
        "versions": versions,
        "offers": list(estimate.offer_documents.select_related("created_by")),
        "package_form": WorkPackageForm(),
        "assumption_form": LineForm(initial={"kind": EstimateLineKind.ASSUMPTION}),
        "exclusion_form": LineForm(initial={"kind": EstimateLineKind.EXCLUSION}),
        "risk_form": RiskForm(),
        "offer_form": OfferForm(),
        "can_change": can_change and opportunity.is_open,
        "can_review": can_change and opportunity.is_open and bool(packages),
        "rate_sources": actions.RateSource.LABELS,
        "correlation": estimation.DEFAULT_CORRELATION,
        **_summary_context(estimate, packages, can_edit),
    }
    context.update(extra)
    return context


def _partials(request: HttpRequest, estimate: Estimate, names: list[str], **extra: Any) -> HttpResponse:
    """Return the named partials of the estimate page; all but the first are swapped out of band."""
    context = _estimate_context(request, estimate, **extra)
    html = []
    for index, name in enumerate(names):
        html.append(
            render_to_string(f"pipeline/estimate.html#{name}", {**context, "oob": index > 0}, request=request)
        )
    return HttpResponse("".join(html))


def _htmx(request: HttpRequest) -> bool:
    """Return whether htmx made the request (django-htmx's middleware sets `request.htmx`)."""
    return bool(getattr(request, "htmx", False))


def _refused(request: HttpRequest, error: ActionError, to: Any) -> HttpResponse:
    messages.error(request, error.message)
    return redirect(to)


def _next_url(request: HttpRequest, default: str) -> str:
    """Where to go back to: the page's `next`, if it is on this site, else `default`."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _fresh(estimate: Estimate) -> Estimate:
    return Estimate.objects.select_related("opportunity", "opportunity__customer", "opportunity__owner").get(
        pk=estimate.pk
    )


# --------------------------------------------------------------------------------------------------
# The estimate page
# --------------------------------------------------------------------------------------------------


def estimate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Is this number honest? The range, the packages behind it, the premises and the versions."""
    estimate = get_estimate_for(request.user, pk)
    return render(request, "pipeline/estimate.html", _estimate_context(request, estimate))


@require_POST
def estimate_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a new estimate version: from the one named in `based_on`, or from the current one."""
    opportunity = get_opportunity_for(request.user, pk)
    based_on = None
    if request.POST.get("based_on"):
        based_on = get_estimate_for(request.user, request.POST["based_on"])
        if based_on.opportunity_id != opportunity.pk:
            raise Http404
    elif request.POST.get("empty") != "1":
        based_on = actions.current_estimate(opportunity)
    try:
        estimate = actions.create_estimate(opportunity, by=request.user, based_on=based_on)
    except ActionError as error:
        return _refused(request, error, opportunity)
    if based_on is not None:
        messages.success(
            request,
            _("Version %(number)d was started from version %(from)d.")
            % {"number": estimate.number, "from": based_on.number},
        )
    return redirect(estimate)


@require_POST
def estimate_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose the confidence point the price is based on, and whether the contingency is added."""
    estimate = get_estimate_for(request.user, pk)
    form = EstimateSettingsForm(request.POST)
    if form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        if not request.POST.get("title_form"):
            changes.pop("title")
            changes.pop("notes")
        try:
            actions.update_estimate(estimate, changes, by=request.user, version=form.cleaned_data["version"])
        except ActionError as error:
            if not _htmx(request):
                return _refused(request, error, estimate)
            return _partials(request, _fresh(estimate), ["summary"], summary_error=error.message)
    if _htmx(request):
        return _partials(request, _fresh(estimate), ["summary"])
    return redirect(estimate)


# --------------------------------------------------------------------------------------------------
# Work packages
# --------------------------------------------------------------------------------------------------


def _package_for(request: HttpRequest, pk: int) -> WorkPackage:
    try:
        package = WorkPackage.objects.select_related("estimate").get(pk=pk)
    except WorkPackage.DoesNotExist:
        raise Http404 from None
    package.estimate = get_estimate_for(request.user, package.estimate_id)
    return package


def _package_response(
    request: HttpRequest, estimate: Estimate, ok: bool, message: str = "", **extra: Any
) -> HttpResponse:
    if _htmx(request):
        return _partials(request, _fresh(estimate), ["packages", "summary"], **extra)
    if ok:
        if message:
            messages.success(request, message)
        return redirect(estimate)
    return render(request, "pipeline/estimate.html", _estimate_context(request, _fresh(estimate), **extra))


@require_POST
def package_add(request: HttpRequest, pk: int) -> HttpResponse:
    estimate = get_estimate_for(request.user, pk)
    form = WorkPackageForm(request.POST)
    if form.is_valid():
        added = apply_action(
            form,
            lambda: actions.add_work_package(
                estimate, form.changes(), by=request.user, skills=form.cleaned_data["skills"]
            ),
        )
        if added is not None:
            return _package_response(request, estimate, True, _("The work package was added."))
    return _package_response(request, estimate, False, package_form=form, adding=True)


def package_row(request: HttpRequest, pk: int) -> HttpResponse:
    """Return one package's table row, as shown or (?edit=1) as an inline form."""
    package = _package_for(request, pk)
    estimate = package.estimate
    context = _estimate_context(request, estimate)
    row = next(p for p in context["packages"] if p.pk == package.pk)
    if request.GET.get("edit") and context["can_edit"]:
        form = WorkPackageForm(
            row=row.pk,
            initial={
                "version": row.version,
                **{name: getattr(row, name) for name in actions.PACKAGE_FIELDS},
                "skills": [s.pk for s in row.skills.all()],
            },
        )
        if row.rate_info.source != actions.RateSource.TYPED:
            form.initial["hourly_rate"] = None
        context.update(package=row, edit_form=form)
        if not _htmx(request):
            context.update(editing=row.pk)
            return render(request, "pipeline/estimate.html", context)
        return render(request, "pipeline/estimate.html#package_edit_row", context)
    context.update(package=row)
    if not _htmx(request):
        return redirect(estimate)
    return render(request, "pipeline/estimate.html#package_row", context)


@require_POST
def package_edit(request: HttpRequest, pk: int) -> HttpResponse:
    package = _package_for(request, pk)
    estimate = package.estimate
    form = WorkPackageForm(request.POST, row=package.pk)
    if form.is_valid():
        saved = apply_action(
            form,
            lambda: actions.update_work_package(
                package,
                form.changes(),
                by=request.user,
                version=form.cleaned_data["version"],
                skills=form.cleaned_data["skills"],
            ),
        )
        if saved is not None:
            return _package_response(request, estimate, True, _("The work package was saved."))
    return _package_response(request, estimate, False, editing=package.pk, edit_form=form)


@require_POST
def package_remove(request: HttpRequest, pk: int) -> HttpResponse:
    package = _package_for(request, pk)
    estimate = package.estimate
    try:
        actions.remove_work_package(package, by=request.user)
    except ActionError as error:
        if _htmx(request):
            return _partials(request, _fresh(estimate), ["packages", "summary"], packages_error=error.message)
        return _refused(request, error, estimate)
    return _package_response(request, estimate, True, _("The work package was removed."))


# --------------------------------------------------------------------------------------------------
# Assumptions, exclusions and risks
# --------------------------------------------------------------------------------------------------


@require_POST
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    estimate = get_estimate_for(request.user, pk)
    form = LineForm(request.POST)
    extra: dict[str, Any] = {}
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        if apply_action(
            form, lambda: actions.add_line(estimate, kind, form.cleaned_data["text"], by=request.user)
        ):
            form = None  # type: ignore[assignment]
    if form is not None:
        kind = form.data.get("kind")
        extra[f"{kind if kind in EstimateLineKind.values else EstimateLineKind.ASSUMPTION}_form"] = form
    if _htmx(request):
        return _partials(request, _fresh(estimate), ["lines"], **extra)
    if extra:
        return render(request, "pipeline/estimate.html", _estimate_context(request, estimate, **extra))
    return redirect(reverse("pipeline:estimate", args=[estimate.pk]) + "#lines")


@require_POST
def line_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        line = EstimateLine.objects.get(pk=pk)
    except EstimateLine.DoesNotExist:
        raise Http404 from None
    estimate = get_estimate_for(request.user, line.estimate_id)
    line.estimate = estimate
    try:
        actions.remove_line(line, by=request.user)
    except ActionError as error:
        return _refused(request, error, estimate)
    if _htmx(request):
        return _partials(request, _fresh(estimate), ["lines"])
    return redirect(reverse("pipeline:estimate", args=[estimate.pk]) + "#lines")


@require_POST
def risk_add(request: HttpRequest, pk: int) -> HttpResponse:
    estimate = get_estimate_for(request.user, pk)
    form = RiskForm(request.POST)
    extra: dict[str, Any] = {}
    saved = None
    if form.is_valid():
        saved = apply_action(form, lambda: actions.add_risk(estimate, form.cleaned_data, by=request.user))
    if saved is None:
        extra["risk_form"] = form
    if _htmx(request):
        return _partials(request, _fresh(estimate), ["risks", "summary"], **extra)
    if extra:
        return render(request, "pipeline/estimate.html", _estimate_context(request, estimate, **extra))
    return redirect(reverse("pipeline:estimate", args=[estimate.pk]) + "#risks")


@require_POST
def risk_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        risk = Risk.objects.get(pk=pk)
    except Risk.DoesNotExist:
        raise Http404 from None
    estimate = get_estimate_for(request.user, risk.estimate_id)
    risk.estimate = estimate
    try:
        actions.remove_risk(risk, by=request.user)
    except ActionError as error:
        return _refused(request, error, estimate)
    if _htmx(request):
        return _partials(request, _fresh(estimate), ["risks", "summary"])
    return redirect(reverse("pipeline:estimate", args=[estimate.pk]) + "#risks")


# --------------------------------------------------------------------------------------------------
# Versions compared
# --------------------------------------------------------------------------------------------------


def estimate_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Two versions side by side: what changed per package and in the totals."""
    after = get_estimate_for(request.user, pk)
    versions = list(
        Estimate.objects.filter(opportunity=after.opportunity).only("pk", "number").order_by("-number")
    )
    other_pk = request.GET.get("with") or (after.based_on_id or "")
    before = None
    if other_pk:
        before = get_estimate_for(request.user, other_pk)
        if before.opportunity_id != after.opportunity_id:
            raise Http404
    elif len(versions) > 1:
        before = next((v for v in versions if v.number < after.number), None)
        before = get_estimate_for(request.user, before.pk) if before else None
    comparison = None
    if before is not None:
        first, second = (before, after) if before.number <= after.number else (after, before)
        comparison = actions.compare_estimates(first, second)
    return render(
        request,
        "pipeline/estimate_compare.html",
        {
            "estimate": after,
            "opportunity": after.opportunity,
            "versions": versions,
            "comparison": comparison,
        },
    )


# --------------------------------------------------------------------------------------------------
# Offer documents
# --------------------------------------------------------------------------------------------------


@require_POST
def offer_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Make the offer letter (DOCX) from this estimate version and keep it with the version."""
    estimate = get_estimate_for(request.user, pk)
    form = OfferForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the number of days the offer is valid (1–365)."))
        return redirect(estimate)
    try:
        document = actions.create_offer_document(
            estimate, by=request.user, valid_days=form.cleaned_data["valid_days"]
        )
    except ActionError as error:
        return _refused(request, error, estimate)
    messages.success(
        request,
        _("The offer letter was made, valid until %(date)s.")
        % {"date": document.valid_until.strftime("%d.%m.%Y")},
    )
    return redirect(reverse("pipeline:estimate", args=[estimate.pk]) + "#offers")


def offer_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The offer letter as a clean page to print (or save as PDF from the browser)."""
    estimate = get_estimate_for(request.user, pk)
    form = OfferForm(request.GET or None)
    days = form.cleaned_data["valid_days"] if form.is_valid() else offer.DEFAULT_VALID_DAYS
    valid_until = timezone.localdate() + datetime.timedelta(days=days)
    context = offer.offer_context(estimate, valid_until=valid_until, by=request.user)
    return render(request, "pipeline/offer_print.html", {"offer": context, "estimate": estimate})


def offer_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Download an offer letter as an attachment the browser must not sniff or open inline."""
    try:
        document = OfferDocument.objects.select_related("estimate").get(pk=pk)
    except OfferDocument.DoesNotExist:
        raise Http404 from None
    document.estimate = get_estimate_for(request.user, document.estimate_id)
    try:
        handle = offer.storage().open(str(document.file.name), "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=offer.download_name(document),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --------------------------------------------------------------------------------------------------
# Expert reviews
# --------------------------------------------------------------------------------------------------


def review_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask a named person, or anyone with a skill at a level, to review this estimate by a date."""
    estimate = get_estimate_for(request.user, pk)
    opportunity = estimate.opportunity
    if not can_change_opportunity(request.user, opportunity):
        raise PermissionDenied(
            _("Only the opportunity's owner, its team and management can ask for a review.")
        )
    form = ReviewRequestForm(request.POST or None, confidential=opportunity.confidential)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        review = apply_action(
            form,
            lambda: review_actions.request_review(
                estimate,
                by=request.user,
                due_on=data["due_on"],
                reviewer=data.get("reviewer"),
                skill=data.get("skill"),
                min_level=data.get("min_level"),
                message=data.get("message") or "",
            ),
        )
        if review is not None:
            messages.success(request, _("The review was requested."))
            return redirect(estimate)
    return render(
        request,
        "pipeline/review_request.html",
        {"estimate": estimate, "opportunity": opportunity, "form": form},
    )


def _queue_rows(queryset: Any) -> list[ExpertReview]:
    return list(
        queryset.select_related(
            "opportunity", "opportunity__customer", "estimate", "requested_by", "reviewer", "skill"
        ).order_by("due_on", "pk")
    )


def review_queue(request: HttpRequest) -> HttpResponse:
    """Mine fagvurderinger: reviews waiting for me, those I am doing, my past verdicts, those I asked for."""
    user: Any = request.user
    mine = ExpertReview.objects.visible_to(user)
    waiting = _queue_rows(review_actions.waiting_for(user))
    in_progress = _queue_rows(mine.filter(reviewer=user, state=ReviewState.ACCEPTED))
    past = list(
        mine.filter(reviewer=user, state=ReviewState.DONE)
        .select_related(
            "opportunity", "opportunity__customer", "estimate", "requested_by", "skill", "reviewer"
        )
        .order_by("-decided_at", "-pk")[:20]
    )
    asked = _queue_rows(mine.filter(requested_by=user).open())
    return render(
        request,
        "pipeline/reviews.html",
        {
            "waiting": waiting,
            "in_progress": in_progress,
            "past": past,
            "asked": asked,
            "today": timezone.localdate(),
        },
    )


def _review_context(request: HttpRequest, review: ExpertReview, **extra: Any) -> dict[str, Any]:
    estimate = _fresh(review.estimate)
    packages = _packages(estimate)
    general = [
        c
        for c in review.comments.select_related("author").order_by("created_at", "pk")
        if c.work_package_id is None
    ]
    holds = review.reviewer_id == request.user.pk and review.is_open
    may_take = False
    if review.state == ReviewState.REQUESTED and review.reviewer_id is None:
        may_take = review.requested_by_id != request.user.pk and review_actions.qualifies(
            request.user, review
        )
    context = {
        "review": review,
        "estimate": estimate,
        "opportunity": estimate.opportunity,
        "packages": packages,
        "risks": _risks(estimate),
        "lines": list(estimate.lines.all()),
        "general_comments": general,
        "holds": holds,
        "may_take": may_take,
        "may_cancel": review.is_open
        and (review.requested_by_id == request.user.pk or sees_everything(request.user)),
        "can_apply": can_change_opportunity(request.user, estimate.opportunity) and not estimate.is_locked,
        "comment_form": ReviewCommentForm(),
        "verdict_form": VerdictForm(),
        "today": timezone.localdate(),
        "correlation": estimation.DEFAULT_CORRELATION,
        **_summary_context(estimate, packages, False),
    }
    context.update(extra)
    return context


def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The estimate under review, read-only, with the expert's comments per package and the verdict."""
    review = get_review_for(request.user, pk)
    return render(request, "pipeline/review.html", _review_context(request, review))


def _review_post(
    request: HttpRequest, pk: int, act: Callable[[ExpertReview], Any], done: str
) -> HttpResponse:
    review = get_review_for(request.user, pk)
    try:
        act(review)
    except ActionError as error:
        return _refused(request, error, review)
    messages.success(request, done)
    return redirect(review)


@require_POST
def review_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_post(
        request,
        pk,
        lambda review: review_actions.accept_review(review, by=request.user),
        _("You took the review. Comment on the packages, then give your verdict."),
    )


@require_POST
def review_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_post(
        request,
        pk,
        lambda review: review_actions.cancel_review(
            review, by=request.user, reason=request.POST.get("reason", "")
        ),
        _("The review was cancelled."),
    )


@require_POST
def review_comment(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_review_for(request.user, pk)
    form = ReviewCommentForm(request.POST)
    package = None
    if form.is_valid():
        package_id = form.cleaned_data.get("work_package")
        if package_id:
            package = WorkPackage.objects.filter(pk=package_id, estimate_id=review.estimate_id).first()
            if package is None:
                form.add_error(None, _("That work package is not in the estimate under review."))
    if form.is_valid():
        data = form.cleaned_data
        saved = apply_action(
            form,
            lambda: review_actions.comment_on_review(
                review,
                by=request.user,
                work_package=package,
                text=data.get("text") or "",
                proposed=(
                    data.get("proposed_optimistic"),
                    data.get("proposed_most_likely"),
                    data.get("proposed_pessimistic"),
                ),
            ),
        )
        if saved is not None:
            messages.success(request, _("Your comment was saved."))
            anchor = f"#package-{package.pk}" if package else "#general-comments"
            return redirect(review.get_absolute_url() + anchor)
    review = get_review_for(request.user, pk)
    extra = {"comment_form_for": package.pk if package else 0, "failed_comment_form": form}
    return render(request, "pipeline/review.html", _review_context(request, review, **extra), status=200)


@require_POST
def review_verdict(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_review_for(request.user, pk)
    form = VerdictForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        saved = apply_action(
            form,
            lambda: review_actions.give_verdict(
                review, by=request.user, verdict=data["verdict"], comment=data.get("verdict_comment") or ""
            ),
        )
        if saved is not None:
            messages.success(request, _("Your verdict was saved. The seller sees it on the estimate."))
            return redirect(saved)
    return render(request, "pipeline/review.html", _review_context(request, review, verdict_form=form))


@require_POST
def proposal_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Put an expert's proposed hours into the work package (one click); the numbers follow."""
    try:
        comment = ReviewComment.objects.select_related("work_package", "review").get(pk=pk)
    except ReviewComment.DoesNotExist:
        raise Http404 from None
    review = get_review_for(request.user, comment.review_id)
    estimate = _fresh(review.estimate)
    if comment.work_package is not None:
        comment.work_package.estimate = estimate
    try:
        review_actions.apply_proposal(comment, by=request.user)
    except ActionError as error:
        if _htmx(request):
            return _partials(request, _fresh(estimate), ["packages", "summary"], packages_error=error.message)
        return _refused(request, error, _next_url(request, estimate.get_absolute_url()))
    if _htmx(request):
        return _partials(request, _fresh(estimate), ["packages", "summary"])
    messages.success(request, _("The proposed hours were put into the work package."))
    target = comment.work_package.estimate if comment.work_package else estimate
    return redirect(target)


urlpatterns: list[URLPattern | URLResolver] = [
    path("estimates/<int:pk>/", estimate_detail, name="estimate"),
    path("<int:pk>/estimates/new/", estimate_create, name="estimate_create"),
    path("estimates/<int:pk>/settings/", estimate_settings, name="estimate_settings"),
    path("estimates/<int:pk>/packages/add/", package_add, name="package_add"),
    path("estimates/packages/<int:pk>/", package_row, name="package_row"),
    path("estimates/packages/<int:pk>/edit/", package_edit, name="package_edit"),
    path("estimates/packages/<int:pk>/remove/", package_remove, name="package_remove"),
    path("estimates/<int:pk>/lines/add/", line_add, name="line_add"),
    path("estimates/lines/<int:pk>/remove/", line_remove, name="line_remove"),
    path("estimates/<int:pk>/risks/add/", risk_add, name="risk_add"),
    path("estimates/risks/<int:pk>/remove/", risk_remove, name="risk_remove"),
    path("estimates/<int:pk>/compare/", estimate_compare, name="estimate_compare"),
    path("estimates/<int:pk>/review/new/", review_request, name="review_request"),
    path("estimates/<int:pk>/offer/", offer_create, name="offer_create"),
    path("estimates/<int:pk>/offer/print/", offer_print, name="offer_print"),
    path("offers/<int:pk>/download/", offer_download, name="offer_download"),
    path("reviews/", review_queue, name="reviews"),
    path("reviews/<int:pk>/", review_detail, name="review"),
    path("reviews/<int:pk>/accept/", review_accept, name="review_accept"),
    path("reviews/<int:pk>/comment/", review_comment, name="review_comment"),
    path("reviews/<int:pk>/verdict/", review_verdict, name="review_verdict"),
    path("reviews/<int:pk>/cancel/", review_cancel, name="review_cancel"),
    path("review-comments/<int:pk>/apply/", proposal_apply, name="proposal_apply"),
]
