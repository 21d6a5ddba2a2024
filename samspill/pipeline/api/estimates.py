"""API: estimates with their work packages, assumptions, exclusions and risks; expert reviews.

Every change goes through the same actions as the pages: a locked estimate answers 409, three points out
of order 422 with the field's error, a review somebody else holds 403 (404 when the caller cannot see it).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from samspill.lib.api import MAX_ID, ErrorOut, Id, Page, Text, Version, paged
from samspill.lib.errors import InvalidInput
from samspill.people.models import Person, Skill
from samspill.pipeline.access import get_estimate_for, get_opportunity_for, get_review_for
from samspill.pipeline.actions import estimates as actions
from samspill.pipeline.actions import reviews as review_actions
from samspill.pipeline.models import (
    ConfidencePoint,
    Estimate,
    EstimateLine,
    EstimateLineKind,
    ExpertReview,
    Opportunity,
    ReviewComment,
    ReviewState,
    Risk,
    Verdict,
    WorkPackage,
)

router = Router(tags=["estimates"])
ERRORS: dict[int | frozenset[int], Any] = {frozenset({403, 404, 409, 422}): ErrorOut}
LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**9)
ID_FILTER = Query(None, ge=1, le=MAX_ID)


# --------------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------------


class WorkPackageOut(Schema):
    id: int
    estimate_id: int
    position: int
    name: str
    description: str
    role: str
    skills: list[int]
    optimistic: Decimal
    most_likely: Decimal
    pessimistic: Decimal
    expected_hours: Decimal = Field(..., description="The package's PERT mean (o + 4m + p) / 6")
    hourly_rate: Decimal
    rate_source: str = Field(..., description="agreement, role, firm or typed")
    amount: Decimal
    version: int

    @staticmethod
    def resolve_skills(obj: WorkPackage) -> list[int]:
        return [skill.pk for skill in obj.skills.all()]

    @staticmethod
    def resolve_rate_source(obj: WorkPackage) -> str:
        info = getattr(obj, "rate_info", None)
        return info.source if info is not None else ""


class EstimateLineOut(Schema):
    id: int
    kind: str
    text: str
    position: int


class EstimateRiskOut(Schema):
    id: int
    description: str
    probability: int = Field(..., description="Percent, 0–100")
    consequence_hours: Decimal
    exposure_hours: Decimal = Field(..., description="Probability × consequence")
    mitigation: str
    position: int

    @staticmethod
    def resolve_exposure_hours(obj: Risk) -> Decimal:
        return actions._risk_input(obj).exposure_hours


class EstimateSummaryOut(Schema):
    """The stored numbers: the range comes from the three points (correlated simulation)."""

    expected_hours: Decimal
    expected_amount: Decimal
    p50_hours: Decimal
    p80_hours: Decimal
    p90_hours: Decimal
    p50_price: Decimal
    p80_price: Decimal
    p90_price: Decimal
    contingency_hours: Decimal
    contingency_amount: Decimal
    confidence: str
    include_contingency: bool
    price: Decimal


class EstimateOut(Schema):
    id: int
    opportunity_id: int
    number: int
    based_on_id: int | None
    title: str
    notes: str
    confidence: str
    include_contingency: bool
    locked_at: datetime.datetime | None
    expected_hours: Decimal
    expected_amount: Decimal
    p50_hours: Decimal
    p80_hours: Decimal
    p90_hours: Decimal
    price: Decimal
    created_at: datetime.datetime
    version: int


class EstimateDetailOut(EstimateOut):
    summary: EstimateSummaryOut
    work_packages: list[WorkPackageOut]
    lines: list[EstimateLineOut]
    risks: list[EstimateRiskOut]

    @staticmethod
    def resolve_summary(obj: Estimate) -> Estimate:
        return obj

    @staticmethod
    def resolve_work_packages(obj: Estimate) -> list[WorkPackage]:
        return getattr(obj, "package_list", [])

    @staticmethod
    def resolve_lines(obj: Estimate) -> list[EstimateLine]:
        return list(obj.lines.all())

    @staticmethod
    def resolve_risks(obj: Estimate) -> list[Risk]:
        return list(obj.risks.all())


class EstimateIn(Schema):
    opportunity_id: Id
    based_on_id: Id | None = Field(None, description="Copy packages, lines and risks from this version")


class EstimatePatch(Schema):
    version: Version
    title: Text | None = Field(None, max_length=200)
    notes: Text | None = Field(None, max_length=10000)
    confidence: ConfidencePoint | None = None
    include_contingency: bool | None = None


class WorkPackageIn(Schema):
    name: Text = Field(..., max_length=200)
    description: Text = Field("", max_length=10000)
    role: Text = "expert"
    skills: list[Id] = Field(default_factory=list)
    optimistic: Decimal
    most_likely: Decimal
    pessimistic: Decimal
    hourly_rate: Decimal | None = Field(
        None, description="Leave out to use the framework agreement's, the role's or the firm's rate"
    )


class WorkPackagePatch(Schema):
    version: Version
    name: Text | None = Field(None, max_length=200)
    description: Text | None = Field(None, max_length=10000)
    role: Text | None = None
    skills: list[Id] | None = None
    optimistic: Decimal | None = None
    most_likely: Decimal | None = None
    pessimistic: Decimal | None = None
    hourly_rate: Decimal | None = Field(None, description="null: back to the suggested rate")


class EstimateLineIn(Schema):
    kind: EstimateLineKind
    text: Text = Field(..., max_length=5000)


class EstimateLinePatch(Schema):
    text: Text = Field(..., max_length=5000)


class EstimateRiskIn(Schema):
    description: Text = Field(..., max_length=5000)
    probability: int = Field(..., description="Percent, 0–100")
    consequence_hours: Decimal
    mitigation: Text = Field("", max_length=5000)


class EstimateRiskPatch(Schema):
    description: Text | None = Field(None, max_length=5000)
    probability: int | None = None
    consequence_hours: Decimal | None = None
    mitigation: Text | None = Field(None, max_length=5000)


class ComparisonRowOut(Schema):
    name: str
    status: str = Field(..., description="added, removed, changed or same")
    before_id: int | None
    after_id: int | None
    hours_changed: bool
    rate_changed: bool
    hours_delta: Decimal
    amount_delta: Decimal


class ComparisonTotalOut(Schema):
    label: str
    before: Decimal
    after: Decimal
    delta: Decimal


class ComparisonOut(Schema):
    before_id: int
    after_id: int
    packages: list[ComparisonRowOut]
    totals: list[ComparisonTotalOut]


# --------------------------------------------------------------------------------------------------
# Estimates
# --------------------------------------------------------------------------------------------------


def _detail(user: Any, pk: int) -> Estimate:
    estimate = get_estimate_for(user, pk)
    estimate.package_list = list(  # type: ignore[attr-defined]
        estimate.packages.order_by("position", "pk").prefetch_related("skills")
    )
    book = actions.rate_book(estimate.opportunity)
    for package in estimate.package_list:  # type: ignore[attr-defined]
        package.rate_info = book.source_of(package)
    return estimate


@router.get("/estimates", response=Page[EstimateOut])
def list_estimates(
    request: HttpRequest,
    opportunity: int | None = ID_FILTER,
    locked: bool | None = None,
    limit: int = LIMIT,
    offset: int = OFFSET,
) -> dict[str, Any]:
    estimates = Estimate.objects.filter(
        opportunity__in=Opportunity.objects.visible_to(request.user).values("pk")
    )
    if opportunity:
        estimates = estimates.filter(opportunity_id=opportunity)
    if locked is not None:
        estimates = estimates.filter(locked_at__isnull=not locked)
    return paged(estimates.order_by("opportunity_id", "-number"), limit, offset)


@router.post("/estimates", response={201: EstimateDetailOut, **ERRORS})
def create_estimate(request: HttpRequest, data: EstimateIn) -> Any:
    opportunity = get_opportunity_for(request.user, data.opportunity_id, write=True)
    based_on = None
    if data.based_on_id is not None:
        try:
            based_on = get_estimate_for(request.user, data.based_on_id)
        except Http404:
            raise InvalidInput({"based_on_id": ["No such estimate."]}) from None
    estimate = actions.create_estimate(opportunity, by=request.user, based_on=based_on)
    return Status(201, _detail(request.user, estimate.pk))


@router.get("/estimates/{estimate_id}", response={200: EstimateDetailOut, **ERRORS})
def get_estimate(request: HttpRequest, estimate_id: int) -> Any:
    return _detail(request.user, estimate_id)


@router.patch("/estimates/{estimate_id}", response={200: EstimateDetailOut, **ERRORS})
def update_estimate(request: HttpRequest, estimate_id: int, data: EstimatePatch) -> Any:
    estimate = get_estimate_for(request.user, estimate_id, write=True)
    changes = data.dict(exclude_unset=True)
    version = changes.pop("version")
    for name in [k for k, v in changes.items() if v is None]:
        raise InvalidInput({name: ["This field cannot be empty."]})
    if "confidence" in changes:
        changes["confidence"] = getattr(changes["confidence"], "value", changes["confidence"])
    actions.update_estimate(estimate, changes, by=request.user, version=version)
    return _detail(request.user, estimate.pk)


@router.get("/estimates/{estimate_id}/compare", response={200: ComparisonOut, **ERRORS})
def compare_estimates(
    request: HttpRequest, estimate_id: int, other: int = Query(..., ge=1, le=MAX_ID)
) -> Any:
    """Compare two versions of one opportunity's estimate (the older one is `before`)."""
    first = get_estimate_for(request.user, estimate_id)
    second = get_estimate_for(request.user, other)
    if first.opportunity_id != second.opportunity_id:
        raise InvalidInput({"other": ["Compare versions of the same opportunity."]})
    before, after = (first, second) if first.number <= second.number else (second, first)
    comparison = actions.compare_estimates(before, after)
    return {
        "before_id": before.pk,
        "after_id": after.pk,
        "packages": [
            {
                "name": row.name,
                "status": row.status,
                "before_id": row.before.pk if row.before else None,
                "after_id": row.after.pk if row.after else None,
                "hours_changed": row.hours_changed,
                "rate_changed": row.rate_changed,
                "hours_delta": row.hours_delta,
                "amount_delta": row.amount_delta,
            }
            for row in comparison.packages
        ],
        "totals": [
            {"label": str(t.label), "before": t.before, "after": t.after, "delta": t.delta}
            for t in comparison.totals
        ],
    }


# --------------------------------------------------------------------------------------------------
# Work packages
# --------------------------------------------------------------------------------------------------


def _package_for(user: Any, pk: int, *, write: bool = False) -> WorkPackage:
    package = WorkPackage.objects.filter(pk=pk).first()
    if package is None:
        raise Http404
    package.estimate = get_estimate_for(user, package.estimate_id, write=write)
    return package


def _package_out(package: WorkPackage) -> WorkPackage:
    fresh = (
        WorkPackage.objects.prefetch_related("skills")
        .select_related("estimate__opportunity")
        .get(pk=package.pk)
    )
    fresh.rate_info = actions.rate_book(fresh.estimate.opportunity).source_of(fresh)  # type: ignore[attr-defined]
    return fresh


@router.get("/estimates/{estimate_id}/work-packages", response={200: Page[WorkPackageOut], **ERRORS})
def list_work_packages(
    request: HttpRequest, estimate_id: int, limit: int = LIMIT, offset: int = OFFSET
) -> dict[str, Any]:
    estimate = get_estimate_for(request.user, estimate_id)
    page = paged(estimate.packages.order_by("position", "pk").prefetch_related("skills"), limit, offset)
    book = actions.rate_book(estimate.opportunity)
    for package in page["items"]:
        package.rate_info = book.source_of(package)
    return page


@router.post("/estimates/{estimate_id}/work-packages", response={201: WorkPackageOut, **ERRORS})
def create_work_package(request: HttpRequest, estimate_id: int, data: WorkPackageIn) -> Any:
    estimate = get_estimate_for(request.user, estimate_id, write=True)
    fields = data.dict()
    skills = fields.pop("skills")
    package = actions.add_work_package(estimate, fields, by=request.user, skills=skills)
    return Status(201, _package_out(package))


@router.patch("/work-packages/{package_id}", response={200: WorkPackageOut, **ERRORS}, tags=["estimates"])
def update_work_package(request: HttpRequest, package_id: int, data: WorkPackagePatch) -> Any:
    package = _package_for(request.user, package_id, write=True)
    changes = data.dict(exclude_unset=True)
    version = changes.pop("version")
    skills = changes.pop("skills", None)
    for name in [k for k, v in changes.items() if v is None and k != "hourly_rate"]:
        raise InvalidInput({name: ["This field cannot be empty."]})
    actions.update_work_package(package, changes, by=request.user, version=version, skills=skills)
    return _package_out(package)


@router.delete("/work-packages/{package_id}", response={204: None, **ERRORS}, tags=["estimates"])
def delete_work_package(
    request: HttpRequest, package_id: int, version: int | None = Query(None, ge=1)
) -> Any:
    package = _package_for(request.user, package_id, write=True)
    actions.remove_work_package(package, by=request.user, version=version)
    return Status(204, None)


# --------------------------------------------------------------------------------------------------
# Assumptions, exclusions and risks
# --------------------------------------------------------------------------------------------------


@router.get("/estimates/{estimate_id}/lines", response={200: Page[EstimateLineOut], **ERRORS})
def list_lines(
    request: HttpRequest, estimate_id: int, limit: int = LIMIT, offset: int = OFFSET
) -> dict[str, Any]:
    estimate = get_estimate_for(request.user, estimate_id)
    return paged(estimate.lines.all(), limit, offset)


@router.post("/estimates/{estimate_id}/lines", response={201: EstimateLineOut, **ERRORS})
def create_line(request: HttpRequest, estimate_id: int, data: EstimateLineIn) -> Any:
    estimate = get_estimate_for(request.user, estimate_id, write=True)
    return Status(201, actions.add_line(estimate, data.kind.value, data.text, by=request.user))


def _line_for(user: Any, estimate_id: int, line_id: int) -> EstimateLine:
    estimate = get_estimate_for(user, estimate_id, write=True)
    line = EstimateLine.objects.filter(pk=line_id, estimate=estimate).first()
    if line is None:
        raise Http404
    line.estimate = estimate
    return line


@router.patch("/estimates/{estimate_id}/lines/{line_id}", response={200: EstimateLineOut, **ERRORS})
def update_line(request: HttpRequest, estimate_id: int, line_id: int, data: EstimateLinePatch) -> Any:
    return actions.update_line(_line_for(request.user, estimate_id, line_id), data.text, by=request.user)


@router.delete("/estimates/{estimate_id}/lines/{line_id}", response={204: None, **ERRORS})
def delete_line(request: HttpRequest, estimate_id: int, line_id: int) -> Any:
    actions.remove_line(_line_for(request.user, estimate_id, line_id), by=request.user)
    return Status(204, None)


@router.get("/estimates/{estimate_id}/risks", response={200: Page[EstimateRiskOut], **ERRORS})
def list_risks(
    request: HttpRequest, estimate_id: int, limit: int = LIMIT, offset: int = OFFSET
) -> dict[str, Any]:
    estimate = get_estimate_for(request.user, estimate_id)
    return paged(estimate.risks.all(), limit, offset)


@router.post("/estimates/{estimate_id}/risks", response={201: EstimateRiskOut, **ERRORS})
def create_risk(request: HttpRequest, estimate_id: int, data: EstimateRiskIn) -> Any:
    estimate = get_estimate_for(request.user, estimate_id, write=True)
    return Status(201, actions.add_risk(estimate, data.dict(), by=request.user))


def _risk_for(user: Any, estimate_id: int, risk_id: int) -> Risk:
    estimate = get_estimate_for(user, estimate_id, write=True)
    risk = Risk.objects.filter(pk=risk_id, estimate=estimate).first()
    if risk is None:
        raise Http404
    risk.estimate = estimate
    return risk


@router.patch("/estimates/{estimate_id}/risks/{risk_id}", response={200: EstimateRiskOut, **ERRORS})
def update_risk(request: HttpRequest, estimate_id: int, risk_id: int, data: EstimateRiskPatch) -> Any:
    changes = data.dict(exclude_unset=True)
    for name in [k for k, v in changes.items() if v is None]:
        raise InvalidInput({name: ["This field cannot be empty."]})
    return actions.update_risk(_risk_for(request.user, estimate_id, risk_id), changes, by=request.user)


@router.delete("/estimates/{estimate_id}/risks/{risk_id}", response={204: None, **ERRORS})
def delete_risk(request: HttpRequest, estimate_id: int, risk_id: int) -> Any:
    actions.remove_risk(_risk_for(request.user, estimate_id, risk_id), by=request.user)
    return Status(204, None)


# --------------------------------------------------------------------------------------------------
# Expert reviews
# --------------------------------------------------------------------------------------------------


class ReviewPersonRef(Schema):
    id: int
    name: str


class ReviewCommentOut(Schema):
    id: int
    work_package_id: int | None
    author: ReviewPersonRef
    text: str
    proposed_optimistic: Decimal | None
    proposed_most_likely: Decimal | None
    proposed_pessimistic: Decimal | None
    applied_at: datetime.datetime | None
    created_at: datetime.datetime


class ReviewOut(Schema):
    id: int
    opportunity_id: int
    opportunity_title: str
    customer_name: str
    estimate_id: int
    estimate_number: int
    expected_hours: Decimal
    price: Decimal
    requested_by: ReviewPersonRef
    reviewer: ReviewPersonRef | None
    skill_id: int | None
    min_level: int | None
    message: str
    due_on: datetime.date
    state: str
    verdict: str
    verdict_comment: str
    accepted_at: datetime.datetime | None
    decided_at: datetime.datetime | None
    version: int

    @staticmethod
    def resolve_opportunity_title(obj: ExpertReview) -> str:
        return obj.opportunity.title

    @staticmethod
    def resolve_customer_name(obj: ExpertReview) -> str:
        return obj.opportunity.customer.name

    @staticmethod
    def resolve_estimate_number(obj: ExpertReview) -> int:
        return obj.estimate.number

    @staticmethod
    def resolve_expected_hours(obj: ExpertReview) -> Decimal:
        return obj.estimate.expected_hours

    @staticmethod
    def resolve_price(obj: ExpertReview) -> Decimal:
        return obj.estimate.price


class ReviewDetailOut(ReviewOut):
    comments: list[ReviewCommentOut]

    @staticmethod
    def resolve_comments(obj: ExpertReview) -> list[ReviewComment]:
        return list(obj.comments.select_related("author").order_by("created_at", "pk"))


class ReviewIn(Schema):
    estimate_id: Id
    reviewer_id: Id | None = Field(None, description="A named person; or give skill_id (and min_level)")
    skill_id: Id | None = None
    min_level: int | None = Field(None, description="1–5; default 1")
    due_on: datetime.date
    message: Text = Field("", max_length=10000)


class ReviewCommentIn(Schema):
    work_package_id: Id | None = None
    text: Text = Field("", max_length=10000)
    proposed_optimistic: Decimal | None = None
    proposed_most_likely: Decimal | None = None
    proposed_pessimistic: Decimal | None = None


class VerdictIn(Schema):
    verdict: Verdict
    comment: Text = Field(
        "", max_length=10000, description="Required for approved_with_changes and not_realistic"
    )


class ReviewCancelIn(Schema):
    reason: Text = Field("", max_length=2000)


def _reviews(user: Any) -> Any:
    return ExpertReview.objects.visible_to(user).select_related(
        "opportunity", "opportunity__customer", "estimate", "requested_by", "reviewer"
    )


def _review_out(user: Any, pk: int) -> ExpertReview:
    return _reviews(user).get(pk=pk)


@router.get("/expert-reviews", response=Page[ReviewOut], tags=["expert-reviews"])
def list_reviews(
    request: HttpRequest,
    mine: bool = Query(False, description="Only those waiting for me or held by me"),
    opportunity: int | None = ID_FILTER,
    state: ReviewState | None = None,
    limit: int = LIMIT,
    offset: int = OFFSET,
) -> dict[str, Any]:
    reviews = _reviews(request.user)
    if mine:
        waiting = review_actions.waiting_for(request.user).values("pk")
        reviews = reviews.filter(pk__in=waiting) | reviews.filter(reviewer=request.user)
    if opportunity:
        reviews = reviews.filter(opportunity_id=opportunity)
    if state:
        reviews = reviews.filter(state=state)
    return paged(reviews.order_by("due_on", "pk"), limit, offset)


@router.post("/expert-reviews", response={201: ReviewDetailOut, **ERRORS}, tags=["expert-reviews"])
def request_review(request: HttpRequest, data: ReviewIn) -> Any:
    estimate = get_estimate_for(request.user, data.estimate_id, write=True)
    reviewer = skill = None
    if data.reviewer_id is not None:
        reviewer = Person.objects.filter(pk=data.reviewer_id).first()
        if reviewer is None:
            raise InvalidInput({"reviewer_id": ["No such person."]})
    if data.skill_id is not None:
        skill = Skill.objects.filter(pk=data.skill_id).first()
        if skill is None:
            raise InvalidInput({"skill_id": ["No such skill."]})
    review = review_actions.request_review(
        estimate,
        by=request.user,
        due_on=data.due_on,
        reviewer=reviewer,
        skill=skill,
        min_level=data.min_level,
        message=data.message,
    )
    return Status(201, _review_out(request.user, review.pk))


@router.get("/expert-reviews/{review_id}", response={200: ReviewDetailOut, **ERRORS}, tags=["expert-reviews"])
def get_review(request: HttpRequest, review_id: int) -> Any:
    return _review_out(request.user, get_review_for(request.user, review_id).pk)


@router.post(
    "/expert-reviews/{review_id}/accept", response={200: ReviewDetailOut, **ERRORS}, tags=["expert-reviews"]
)
def accept_review(request: HttpRequest, review_id: int) -> Any:
    review = get_review_for(request.user, review_id)
    review_actions.accept_review(review, by=request.user)
    return _review_out(request.user, review.pk)


@router.post(
    "/expert-reviews/{review_id}/comments",
    response={201: ReviewCommentOut, **ERRORS},
    tags=["expert-reviews"],
)
def comment_on_review(request: HttpRequest, review_id: int, data: ReviewCommentIn) -> Any:
    review = get_review_for(request.user, review_id)
    package = None
    if data.work_package_id is not None:
        package = WorkPackage.objects.filter(pk=data.work_package_id, estimate_id=review.estimate_id).first()
        if package is None:
            raise InvalidInput(
                {"work_package_id": ["That work package is not in the estimate under review."]}
            )
    proposed = (data.proposed_optimistic, data.proposed_most_likely, data.proposed_pessimistic)
    comment = review_actions.comment_on_review(
        review, by=request.user, work_package=package, text=data.text, proposed=proposed
    )
    return Status(201, ReviewComment.objects.select_related("author").get(pk=comment.pk))


@router.post(
    "/expert-reviews/{review_id}/verdict", response={200: ReviewDetailOut, **ERRORS}, tags=["expert-reviews"]
)
def give_verdict(request: HttpRequest, review_id: int, data: VerdictIn) -> Any:
    review = get_review_for(request.user, review_id)
    review_actions.give_verdict(review, by=request.user, verdict=data.verdict.value, comment=data.comment)
    return _review_out(request.user, review.pk)


@router.post(
    "/expert-reviews/{review_id}/cancel", response={200: ReviewDetailOut, **ERRORS}, tags=["expert-reviews"]
)
def cancel_review(request: HttpRequest, review_id: int, data: ReviewCancelIn | None = None) -> Any:
    review = get_review_for(request.user, review_id)
    review_actions.cancel_review(review, by=request.user, reason=data.reason if data else "")
    return _review_out(request.user, review.pk)


@router.post(
    "/expert-reviews/{review_id}/comments/{comment_id}/apply",
    response={200: WorkPackageOut, **ERRORS},
    tags=["expert-reviews"],
)
def apply_proposal(request: HttpRequest, review_id: int, comment_id: int) -> Any:
    """Put the hours the expert proposed into the work package; the estimate's numbers follow."""
    review = get_review_for(request.user, review_id)
    comment = (
        ReviewComment.objects.filter(pk=comment_id, review=review)
        .select_related("work_package__estimate__opportunity")
        .first()
    )
    if comment is None:
        raise Http404
    package = review_actions.apply_proposal(comment, by=request.user)
    return _package_out(package)
