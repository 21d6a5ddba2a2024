"""Who may see and change projects and what belongs to them: written once, here.

A project is seen by everybody logged in unless it is confidential (a confidential opportunity's project
is): then only its team, its project manager and seller, management, delivery managers and
administrators see it. Its project manager, delivery managers and administrators change it; its team
and managers log hours on it; only its project manager approves weeks.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from samspill.delivery.models import Project, ProjectMember, sees_every_project
from samspill.lib.errors import NotAllowed
from samspill.people.models import Role, is_administrator


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def get_project_for(user: Any, pk: Any, *, write: bool = False) -> Project:
    """Return the project `pk` if `user` sees it (404 otherwise); with `write`, if they may change it."""
    try:
        project = Project.objects.visible_to(user).select_related("customer", "manager", "seller").get(pk=pk)
    except (Project.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write and not can_change_project(user, project):
        raise NotAllowed(_("You may read this project but not change it."))
    return project


def can_create_project(user: Any) -> bool:
    """Project managers, delivery managers, management and administrators start projects by hand."""
    if not _active(user):
        return False
    return is_administrator(user) or user.has_role(
        Role.PROJECT_MANAGER, Role.DELIVERY_MANAGER, Role.MANAGEMENT
    )


def can_change_project(user: Any, project: Project) -> bool:
    """The project manager, delivery managers, management and administrators change a project."""
    if not _active(user):
        return False
    if project.manager_id == user.pk:
        return True
    return is_administrator(user) or user.has_role(Role.DELIVERY_MANAGER, Role.MANAGEMENT)


def can_log_time(user: Any, project: Project) -> bool:
    """The project's team and its managers log hours on it."""
    if not _active(user):
        return False
    if project.manager_id == user.pk or (sees_every_project(user) and user.has_role(Role.DELIVERY_MANAGER)):
        return True
    return ProjectMember.objects.filter(project=project, person=user).exists()


def can_approve_weeks(user: Any, project: Project) -> bool:
    """Only the project's own project manager approves and reopens its weeks."""
    return _active(user) and project.manager_id == user.pk


def can_follow_sales_side(user: Any, project: Project) -> bool:
    """The seller and the customer's account owner raise and answer change requests with the customer."""
    if not _active(user):
        return False
    if project.seller_id == user.pk or project.customer.account_owner_id == user.pk:
        return True
    return is_administrator(user) or user.has_role(Role.MANAGEMENT)
