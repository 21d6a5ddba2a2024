"""What hours add to shared pages: the start page's weeks to approve, access to entries, and event phrases."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from samspill.delivery.access import can_change_project
from samspill.delivery.models import TimeEntry, WeekApproval
from samspill.lib import registry

START_PROJECTS = 5


def _weeks_to_approve(request: HttpRequest) -> dict[str, Any] | None:
    from samspill.delivery.views.time import waiting_weeks

    groups, count = waiting_weeks(request.user)
    if not count:
        return None
    return {"groups": groups[:START_PROJECTS], "count": count}


def _can_change_entry(user: Any, entry: Any) -> bool:
    return bool(getattr(user, "pk", None) == entry.person_id or can_change_project(user, entry.project))


def _approvals_visible_to(user: Any) -> Any:
    return WeekApproval.objects.filter(project__in=_projects_visible_to(user))


def _projects_visible_to(user: Any) -> Any:
    from samspill.delivery.models import Project

    return Project.objects.visible_to(user).values("pk")


def _can_change_approval(user: Any, approval: Any) -> bool:
    return bool(getattr(user, "pk", None) == approval.project.manager_id)


registry.register_start_item(
    key="delivery.weeks_to_approve",
    template="delivery/approvals_start.html",
    context=_weeks_to_approve,
    order=30,
)
registry.register_access(
    TimeEntry, visible_to=lambda user: TimeEntry.objects.visible_to(user), can_change=_can_change_entry
)
registry.register_access(WeekApproval, visible_to=_approvals_visible_to, can_change=_can_change_approval)
registry.register_verbs(
    {
        "time.logged": _("%(actor)s logged %(object)s"),
        "time.changed": _("%(actor)s changed the hours %(object)s"),
        "time.deleted": _("%(actor)s deleted the hours %(object)s"),
        "time.imported": _("%(actor)s imported hours to %(object)s"),
        "week.approved": _("%(actor)s approved the week %(object)s"),
        "week.reopened": _("%(actor)s reopened the week %(object)s"),
    }
)
