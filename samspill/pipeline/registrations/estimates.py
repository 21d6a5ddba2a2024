"""What estimates and expert reviews add to shared pages: the start page item, access, feeds and verbs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samspill.lib import registry
from samspill.pipeline.access import can_change_estimate, can_change_review
from samspill.pipeline.models import Estimate, ExpertReview, Opportunity, WorkPackage

START_ITEMS = 5


def my_open_reviews(user: Any) -> QuerySet[ExpertReview]:
    """Return the reviews waiting for `user` and those they are doing, soonest due first."""
    from samspill.pipeline.actions.reviews import on_my_desk

    return (
        on_my_desk(user)
        .select_related("opportunity", "opportunity__customer", "estimate")
        .order_by("due_on", "pk")
    )


def _reviews_waiting(request: HttpRequest) -> dict[str, Any] | None:
    reviews = my_open_reviews(request.user)
    first = list(reviews[:START_ITEMS])
    if not first:
        return None
    count = len(first) if len(first) < START_ITEMS else reviews.count()
    return {"reviews": first, "count": count, "today": timezone.localdate()}


def _estimates_visible_to(user: Any) -> QuerySet[Estimate]:
    return Estimate.objects.filter(opportunity__in=Opportunity.objects.visible_to(user).values("pk"))


def _packages_visible_to(user: Any) -> QuerySet[WorkPackage]:
    return WorkPackage.objects.filter(estimate__in=_estimates_visible_to(user).values("pk"))


def _can_change_package(user: Any, package: Any) -> bool:
    return can_change_estimate(user, package.estimate)


registry.register_start_item(
    key="pipeline.reviews", template="pipeline/reviews_start.html", context=_reviews_waiting, order=10
)
registry.register_access(Estimate, visible_to=_estimates_visible_to, can_change=can_change_estimate)  # type: ignore[arg-type]
registry.register_access(WorkPackage, visible_to=_packages_visible_to, can_change=_can_change_package)
registry.register_access(
    ExpertReview,
    visible_to=ExpertReview.objects.visible_to,
    can_change=can_change_review,  # type: ignore[arg-type]
)
# Estimate and review events carry their opportunity as context, so the opportunity's feed (its
# `within` source, registered with the opportunities) shows them.

registry.register_verbs(
    {
        "estimate.created": _("%(actor)s started the estimate %(object)s"),
        "estimate.updated": _("%(actor)s changed the estimate %(object)s"),
        "estimate.locked": _("%(actor)s sent the offer; the estimate %(object)s is locked"),
        "work_package.added": _("%(actor)s added the work package %(object)s"),
        "work_package.updated": _("%(actor)s changed the work package %(object)s"),
        "work_package.proposal_applied": _(
            "%(actor)s applied the expert's hours to the work package %(object)s"
        ),
        "work_package.removed": _("%(actor)s removed the work package %(object)s"),
        "estimate_line.assumption_added": _("%(actor)s added the assumption «%(object)s»"),
        "estimate_line.exclusion_added": _("%(actor)s added the exclusion «%(object)s»"),
        "estimate_line.updated": _("%(actor)s changed «%(object)s»"),
        "estimate_line.removed": _("%(actor)s removed «%(object)s»"),
        "risk.added": _("%(actor)s added the risk «%(object)s»"),
        "risk.updated": _("%(actor)s changed the risk «%(object)s»"),
        "risk.removed": _("%(actor)s removed the risk «%(object)s»"),
        "review.requested": _("%(actor)s asked for an expert review: %(object)s"),
        "review.accepted": _("%(actor)s took the expert review: %(object)s"),
        "review.commented": _("%(actor)s commented in the expert review: %(object)s"),
        "review.decided": _("%(actor)s gave the verdict in the expert review: %(object)s"),
        "review.cancelled": _("%(actor)s cancelled the expert review: %(object)s"),
        "offer.generated": _("%(actor)s made the offer letter from %(object)s"),
        "role_rate.configured": _("%(actor)s set the default hourly rate %(object)s"),
        "role_rate.removed": _("%(actor)s removed the default hourly rate %(object)s"),
    }
)
