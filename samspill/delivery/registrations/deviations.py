"""What deviations and change requests add to shared pages, the scheduler, feeds and access.

- the start page lists open deviations on the person's projects and customers, and the change
  requests waiting for their customer's decision;
- a change of an expectation's status runs the deviation rules of the opportunity's project at once;
- accepted change requests count as used of their framework agreement's ceiling;
- the daily deviation scan (`samspill.delivery.tasks`).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from samspill.delivery import tasks  # noqa: F401  (registers the daily scan)
from samspill.delivery.actions.changes import (
    accepted_for_agreement,
    can_raise_change,
    change_requests_visible_to,
)
from samspill.delivery.actions.deviations import can_change_deviation, deviations_visible_to
from samspill.delivery.detection import detect_deviations
from samspill.delivery.models import ChangeRequest, Deviation, Project
from samspill.delivery.portfolio import start_changes, start_deviations
from samspill.lib import events, registry


def _expectation_changed(event: Any, expectation: Any) -> None:
    """An expectation's status moved: its project's deviations follow in the same transaction."""
    if event.verb == "expectation.updated" and "status" not in (event.changes or {}):
        return
    project = Project.objects.filter(opportunity_id=expectation.opportunity_id).first()
    if project is not None:
        detect_deviations(project, by=event.actor)


events.follow_within("expectation.updated", _expectation_changed)
events.follow_within("expectation.created", _expectation_changed)

registry.register_agreement_usage("delivery.accepted_changes", accepted_for_agreement)


def _deviations_start(request: HttpRequest) -> dict[str, Any] | None:
    return start_deviations(request.user)


def _changes_start(request: HttpRequest) -> dict[str, Any] | None:
    return start_changes(request.user)


registry.register_start_item(
    key="delivery.deviations", template="delivery/deviations_start.html", context=_deviations_start, order=40
)
registry.register_start_item(
    key="delivery.change_requests",
    template="delivery/change_requests_start.html",
    context=_changes_start,
    order=45,
)


def _can_change_change(user: Any, change: Any) -> bool:
    return can_raise_change(user, change.project)


registry.register_access(Deviation, visible_to=deviations_visible_to, can_change=can_change_deviation)  # type: ignore[arg-type]
registry.register_access(ChangeRequest, visible_to=change_requests_visible_to, can_change=_can_change_change)

registry.register_verbs(
    {
        "deviation.raised": _("%(actor)s raised the deviation «%(object)s»"),
        "deviation.detected": _("A rule found the deviation «%(object)s» after a change by %(actor)s"),
        "deviation.updated": _("%(actor)s changed the deviation «%(object)s»"),
        "deviation.closed": _("%(actor)s closed the deviation «%(object)s»"),
        "change_request.created": _("%(actor)s drafted the change request %(object)s"),
        "change_request.updated": _("%(actor)s changed the change request %(object)s"),
        "change_request.sent": _("%(actor)s sent the change request %(object)s to the customer"),
        "change_request.accepted": _("%(actor)s recorded that the customer accepted %(object)s"),
        "change_request.rejected": _("%(actor)s recorded that the customer rejected %(object)s"),
    }
)
