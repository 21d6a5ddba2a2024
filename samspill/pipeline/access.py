"""Who may see and change opportunities, their estimates, expert reviews and expectations: written once, here.

Visibility always goes through the opportunity (`Opportunity.objects.visible_to`): a confidential
opportunity is seen only by its owner and team, management and administrators, and so are its
estimates, reviews and expectations. A review is also seen by its reviewer.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from samspill.lib.errors import NotAllowed
from samspill.people.models import Role, is_administrator
from samspill.pipeline.models import (
    Estimate,
    Expectation,
    ExpertReview,
    Opportunity,
    TeamMember,
    sees_everything,
)

SELLING_ROLES = (Role.SELLER, Role.MANAGEMENT, Role.ADMINISTRATOR)


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def can_sell(user: Any) -> bool:
    """Sellers, management and administrators may create opportunities."""
    if not _active(user):
        return False
    return is_administrator(user) or user.has_role(*SELLING_ROLES)


def can_override_gate(user: Any) -> bool:
    """Management may move an opportunity past the review gate, with a written reason."""
    return _active(user) and user.has_role(Role.MANAGEMENT)


def can_change_opportunity(user: Any, opportunity: Opportunity) -> bool:
    """The owner, the team, management and administrators change an opportunity."""
    if not _active(user):
        return False
    if sees_everything(user) or opportunity.owner_id == user.pk:
        return True
    return TeamMember.objects.filter(opportunity=opportunity, person=user).exists()


def can_change_expectation(user: Any, expectation: Expectation) -> bool:
    """Whoever can change the opportunity can change its expectations."""
    return can_change_opportunity(user, expectation.opportunity)


def can_change_estimate(user: Any, estimate: Estimate) -> bool:
    """Whoever can change the opportunity can change its estimates (a locked one is a rule, not access)."""
    return can_change_opportunity(user, estimate.opportunity)


def can_change_review(user: Any, review: ExpertReview) -> bool:
    """The reviewer, the person who asked for the review, and management act on a review."""
    if not _active(user):
        return False
    if sees_everything(user):
        return True
    return user.pk in (review.reviewer_id, review.requested_by_id)


def _not_found() -> Http404:
    return Http404("No such object.")


def get_opportunity_for(user: Any, pk: Any, *, write: bool = False) -> Opportunity:
    """Return the opportunity `user` may see (404 otherwise); write=True refuses who may not change it."""
    try:
        opportunity = Opportunity.objects.visible_to(user).select_related("customer", "owner").get(pk=pk)
    except (Opportunity.DoesNotExist, ValueError, TypeError):
        raise _not_found() from None
    if write and not can_change_opportunity(user, opportunity):
        raise NotAllowed("You may read this opportunity but not change it.")
    return opportunity


def get_estimate_for(user: Any, pk: Any, *, write: bool = False) -> Estimate:
    """Return the estimate of an opportunity `user` may see (404 otherwise); write as for the opportunity."""
    visible = Opportunity.objects.visible_to(user).values("pk")
    try:
        estimate = (
            Estimate.objects.filter(opportunity__in=visible)
            .select_related("opportunity", "opportunity__customer", "opportunity__owner")
            .get(pk=pk)
        )
    except (Estimate.DoesNotExist, ValueError, TypeError):
        raise _not_found() from None
    if write and not can_change_estimate(user, estimate):
        raise NotAllowed("You may read this estimate but not change it.")
    return estimate


def get_review_for(user: Any, pk: Any, *, write: bool = False) -> ExpertReview:
    """Return the review `user` may see (404 otherwise); write for the reviewer, the requester, management."""
    try:
        review = (
            ExpertReview.objects.visible_to(user)
            .select_related("opportunity", "opportunity__customer", "estimate", "reviewer", "requested_by")
            .get(pk=pk)
        )
    except (ExpertReview.DoesNotExist, ValueError, TypeError):
        raise _not_found() from None
    if write and not can_change_review(user, review):
        raise NotAllowed("You may read this review but not act on it.")
    return review


def get_expectation_for(user: Any, pk: Any, *, write: bool = False) -> Expectation:
    """Return the expectation `user` may see (404 otherwise); write as for its opportunity."""
    try:
        expectation = (
            Expectation.objects.visible_to(user)
            .select_related("opportunity", "opportunity__customer", "agreed_by", "agreed_with")
            .get(pk=pk)
        )
    except (Expectation.DoesNotExist, ValueError, TypeError):
        raise _not_found() from None
    if write and not can_change_expectation(user, expectation):
        raise NotAllowed("You may read this expectation but not change it.")
    return expectation
