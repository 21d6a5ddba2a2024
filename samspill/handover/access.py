"""Who may see and act on a handover: written once, here.

Whoever sees the opportunity sees its handover (a confidential one only its team, management and
administrators), and so do its project manager and delivery managers. Two sides act on it:

- delivery — its project manager, delivery managers, management and administrators — acknowledge it,
  send it back with questions and choose the project manager;
- sales — its seller, the opportunity's owner and sales team (not its project manager candidates),
  management and administrators — answer the questions and write the notes from sales.

Both sides tick the checklist and book the handover meeting.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from samspill.handover.models import Handover
from samspill.lib.errors import NotAllowed
from samspill.people.models import Role, is_administrator
from samspill.pipeline.models import TeamMember, TeamRole, sees_everything

# The largest key the databases store; a larger one in a URL is simply not found.
MAX_ID = 2**63 - 1
DELIVERY_ROLES = (Role.DELIVERY_MANAGER, Role.MANAGEMENT)
PROJECT_MANAGER_ROLES = (Role.PROJECT_MANAGER, Role.DELIVERY_MANAGER)


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def get_handover_for(user: Any, pk: Any, *, write: bool = False) -> Handover:
    """Return the handover `user` may see (404 otherwise); write=True refuses who may not work on it."""
    if isinstance(pk, int) and not 0 < pk <= MAX_ID:
        raise Http404("No such handover.")
    try:
        handover = (
            Handover.objects.visible_to(user)
            .select_related(
                "opportunity",
                "opportunity__customer",
                "opportunity__owner",
                "opportunity__sold_estimate",
                "seller",
                "project_manager",
                "acknowledged_by",
                "project",
            )
            .get(pk=pk)
        )
    except (Handover.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such handover.") from None
    if write and not can_work_on(user, handover):
        raise NotAllowed("You may read this handover but not work on it.")
    return handover


def is_delivery_side(user: Any, handover: Handover) -> bool:
    """The project manager, delivery managers, management and administrators take a handover over."""
    if not _active(user):
        return False
    if handover.project_manager_id == user.pk:
        return True
    return is_administrator(user) or user.has_role(*DELIVERY_ROLES)


def is_sales_side(user: Any, handover: Handover) -> bool:
    """The seller, the opportunity's owner and its sales team, management and administrators hand it over.

    The project manager candidates on the team receive the handover: they do not answer their own questions.
    """
    if not _active(user):
        return False
    if user.pk in (handover.seller_id, handover.opportunity.owner_id) or sees_everything(user):
        return True
    if user.pk == handover.project_manager_id:
        return False
    return (
        TeamMember.objects.filter(opportunity_id=handover.opportunity_id, person=user)
        .exclude(role=TeamRole.PROJECT_MANAGER)
        .exists()
    )


def can_work_on(user: Any, handover: Handover) -> bool:
    """Either side ticks the checklist and books the meeting."""
    return is_delivery_side(user, handover) or is_sales_side(user, handover)


def can_acknowledge(user: Any, handover: Handover) -> bool:
    """The delivery side acknowledges a handover or sends it back with questions."""
    return is_delivery_side(user, handover)


def can_answer(user: Any, handover: Handover) -> bool:
    """The sales side answers the project manager's questions."""
    return is_sales_side(user, handover)


def can_choose_project_manager(user: Any, handover: Handover) -> bool:
    """The delivery side chooses the project manager; a project manager may take an unassigned handover."""
    if is_delivery_side(user, handover):
        return True
    return _active(user) and handover.project_manager_id is None and user.has_role(Role.PROJECT_MANAGER)


def may_manage_projects(user: Any) -> bool:
    """Whether `user` may become a handover's project manager."""
    return _active(user) and user.has_role(*PROJECT_MANAGER_ROLES)
