"""What the handover app adds to other apps' pages and the start page.

- winning an opportunity opens its handover, in the same transaction;
- the opportunity page shows its handover's state and completeness, with a link;
- the start page lists the handovers a project manager should acknowledge, the questions a seller
  should answer, and, for delivery managers, handovers nobody has taken yet;
- a handover's feed includes the events of its checklist and questions.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from samspill.activity.feeds import within
from samspill.handover import actions
from samspill.handover.access import can_work_on
from samspill.handover.completeness import completeness, with_facts
from samspill.handover.models import Handover, HandoverState, Question
from samspill.lib import events, registry
from samspill.people.models import Role
from samspill.pipeline.models import Opportunity, Stage

START_ROWS = 6


def _open_on_win(event: Any, opportunity: Opportunity) -> None:
    actions.open_handover(opportunity, by=event.actor)


events.follow_within("opportunity.won", _open_on_win)


def _opportunity_panel(request: HttpRequest, opportunity: Opportunity) -> dict[str, Any] | None:
    if opportunity.stage != Stage.WON:
        return None
    handover = (
        with_facts(Handover.objects.visible_to(request.user).filter(opportunity=opportunity))
        .select_related("project_manager", "project")
        .first()
    )
    if handover is None:
        return None
    return {"handover": handover, "score": completeness(handover)}


def _scored(rows: Any) -> list[tuple[Handover, Any]]:
    found = list(
        with_facts(rows).select_related("opportunity__customer", "seller", "project_manager")[
            : START_ROWS + 1
        ]
    )
    return [(h, completeness(h)) for h in found]


def _to_acknowledge(request: HttpRequest) -> dict[str, Any] | None:
    user: Any = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    rows = (
        Handover.objects.visible_to(user).waiting().filter(project_manager=user).order_by("created_at", "pk")
    )
    handovers = _scored(rows)
    if not handovers:
        return None
    return {"handovers": handovers[:START_ROWS], "more": len(handovers) > START_ROWS}


def _unassigned(request: HttpRequest) -> dict[str, Any] | None:
    user: Any = request.user
    if not getattr(user, "is_authenticated", False) or not user.has_role(Role.DELIVERY_MANAGER):
        return None
    rows = (
        Handover.objects.visible_to(user)
        .waiting()
        .filter(project_manager__isnull=True)
        .order_by("created_at")
    )
    handovers = _scored(rows)
    if not handovers:
        return None
    return {"handovers": handovers[:START_ROWS], "more": len(handovers) > START_ROWS}


def _questions(request: HttpRequest) -> dict[str, Any] | None:
    user: Any = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    mine = Handover.objects.visible_to(user).filter(
        Q(seller=user) | Q(opportunity__owner=user), state=HandoverState.SENT_BACK
    )
    rows = list(
        Question.objects.filter(handover__in=mine.values("pk"), answered_at__isnull=True)
        .select_related("handover__opportunity__customer", "asked_by")
        .order_by("asked_at", "pk")[: START_ROWS + 1]
    )
    if not rows:
        return None
    return {"questions": rows[:START_ROWS], "more": len(rows) > START_ROWS}


registry.register_panel(
    Opportunity,
    key="handover.handover",
    template="handover/panel_opportunity.html",
    context=_opportunity_panel,
    order=1,
)
registry.register_start_item(
    key="handover.to_acknowledge",
    template="handover/start_to_acknowledge.html",
    context=_to_acknowledge,
    order=12,
)
registry.register_start_item(
    key="handover.questions", template="handover/start_questions.html", context=_questions, order=13
)
registry.register_start_item(
    key="handover.unassigned", template="handover/start_unassigned.html", context=_unassigned, order=14
)
registry.register_feed_source(Handover, within)


def _can_change(user: Any, handover: Any) -> bool:
    return can_work_on(user, handover)


registry.register_access(
    Handover, visible_to=lambda user: Handover.objects.visible_to(user), can_change=_can_change
)

registry.register_verbs(
    {
        "handover.opened": _("%(actor)s won %(object)s: its handover to delivery is open"),
        "handover.item_done": _("%(actor)s ticked off “%(object)s”"),
        "handover.item_undone": _("%(actor)s unticked “%(object)s”"),
        "handover.meeting_set": _("%(actor)s booked the handover meeting of %(object)s"),
        "handover.assigned": _("%(actor)s chose the project manager of %(object)s"),
        "handover.notes_written": _("%(actor)s wrote notes from sales on %(object)s"),
        "handover.sent_back": _("%(actor)s sent the handover of %(object)s back with questions"),
        "handover.question_answered": _("%(actor)s answered the question “%(object)s”"),
        "handover.answered": _("%(actor)s answered every question on %(object)s"),
        "handover.acknowledged": _("%(actor)s acknowledged the handover of %(object)s"),
        "checklist_template.created": _("%(actor)s added “%(object)s” to the handover checklist"),
        "checklist_template.updated": _("%(actor)s changed “%(object)s” in the handover checklist"),
    }
)
