"""Deviations raised by hand: raise, edit, close with a resolution; and who may see and act on them.

Rules, written once here for the pages and the API alike:

- Whoever sees a project sees its deviations. The project's team, its project manager, its seller and
  the customer's account owner, delivery managers, management and administrators raise them.
- The deviation's owner, whoever raised it, and those who change the project edit and close it.
- A deviation found by a rule keeps the rule's words; a person adds the consequence, the action and
  the owner. It closes by itself when its condition ends, so closing it by hand is refused while
  the condition still holds (closing would only open it again at the next change).
- Nothing is raised or edited on a closed project; what is still open there may be closed. The
  rules close their own deviations when the project closes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from samspill.delivery.access import can_change_project, can_follow_sales_side
from samspill.delivery.detection import detect_deviations
from samspill.delivery.models import (
    Deviation,
    DeviationKind,
    DeviationStatus,
    Project,
    ProjectMember,
    project_seen_by,
    sees_every_project,
)
from samspill.lib import actions, events
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken
from samspill.people.models import Person, Role, is_administrator

MANUAL_FIELDS = ["what", "consequence", "action", "owner"]
AUTOMATIC_FIELDS = ["consequence", "action", "owner"]
MAX_TEXT = 10000


# -- access ----------------------------------------------------------------------------------------


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def deviations_visible_to(user: Any) -> QuerySet[Deviation]:
    """Return the deviations of the projects `user` sees."""
    if not _active(user):
        return Deviation.objects.none()
    if sees_every_project(user):
        return Deviation.objects.all()
    return Deviation.objects.filter(project_seen_by(user, "project"))


def can_raise_deviation(user: Any, project: Project) -> bool:
    """The team, the project manager, the seller and account owner, and managers raise deviations."""
    if not _active(user):
        return False
    if can_change_project(user, project) or can_follow_sales_side(user, project):
        return True
    return ProjectMember.objects.filter(project=project, person=user).exists()


def can_change_deviation(user: Any, deviation: Deviation) -> bool:
    """The owner, whoever raised it, and those who change the project edit and close a deviation."""
    if not _active(user):
        return False
    if user.pk in (deviation.owner_id, deviation.raised_by_id):
        return True
    return can_change_project(user, deviation.project)


def writable_deviations(user: Any) -> Q:
    """The condition that `user` may change a deviation row, for an annotation (one query per list)."""
    if not _active(user):
        return Q(pk__in=[])
    if is_administrator(user) or user.has_role(Role.DELIVERY_MANAGER, Role.MANAGEMENT):
        return Q()
    return Q(owner_id=user.pk) | Q(raised_by_id=user.pk) | Q(project__manager_id=user.pk)


def get_deviation_for(user: Any, pk: Any, *, write: bool = False) -> Deviation:
    """Return the deviation `user` may see (404 otherwise); with `write`, if they may change it (403)."""
    try:
        deviation = (
            deviations_visible_to(user)
            .select_related("project", "project__customer", "owner", "raised_by")
            .get(pk=pk)
        )
    except (Deviation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write and not can_change_deviation(user, deviation):
        raise NotAllowed(_("You may read this deviation but not change it."))
    return deviation


def on_team(user: Any) -> Any:
    """An Exists() that `user` is on the team of the outer project row (for annotations)."""
    return Exists(ProjectMember.objects.filter(project=OuterRef("project_id"), person_id=user.pk))


# -- checks ----------------------------------------------------------------------------------------


def _require_open_project(project: Project) -> None:
    if project.is_closed:
        raise RuleBroken(_("The project is closed: its deviations can no longer change."))


def _clean_text(value: Any) -> str:
    return str(value or "").strip()


def _check(deviation: Deviation) -> None:
    """Check a deviation's fields: a field error for each thing that is wrong."""
    errors: dict[str, list[str]] = {}
    for name in ("what", "consequence", "action", "resolution"):
        setattr(deviation, name, _clean_text(getattr(deviation, name)))
        if len(getattr(deviation, name)) > MAX_TEXT:
            errors[name] = [_("At most %(count)d characters.") % {"count": MAX_TEXT}]
        if "\x00" in getattr(deviation, name):
            errors[name] = [_("The text contains a character that cannot be stored.")]
    if deviation.kind == DeviationKind.MANUAL and not deviation.what:
        errors["what"] = [_("Say what happened.")]
    owner = deviation.owner if deviation.owner_id else None
    if owner is None:
        errors["owner"] = [_("Choose who owns the deviation.")]
    elif isinstance(owner, Person) and not owner.is_active:
        errors["owner"] = [_("%(name)s is deactivated.") % {"name": owner.name}]
    if errors:
        raise InvalidInput(errors)


# -- actions ---------------------------------------------------------------------------------------


def raise_deviation(project: Project, fields: Mapping[str, Any], *, by: Any) -> Deviation:
    """Record a deviation by hand: what happened, its consequence, the action, and who owns it."""
    if not can_raise_deviation(by, project):
        raise NotAllowed(_("Only the project's team, its managers and its seller can raise deviations."))
    _require_open_project(project)
    unknown = set(fields) - set(MANUAL_FIELDS)
    if unknown:
        raise InvalidInput({name: [_("This field cannot be set.")] for name in sorted(unknown)})
    values = dict(fields)
    if not values.get("owner"):
        values["owner"] = project.manager
    deviation = Deviation(project=project, kind=DeviationKind.MANUAL, raised_by=by, **values)
    _check(deviation)
    return actions.create(deviation, by=by, verb="deviation.raised", fields=MANUAL_FIELDS, context=project)


def update_deviation(
    deviation: Deviation, changes: Mapping[str, Any], *, by: Any, version: int | None
) -> Deviation:
    """Change a deviation's words, action or owner; a rule's deviation keeps the rule's words."""
    if not can_change_deviation(by, deviation):
        raise NotAllowed(_("You may read this deviation but not change it."))
    _require_open_project(deviation.project)
    allowed = MANUAL_FIELDS if deviation.kind == DeviationKind.MANUAL else AUTOMATIC_FIELDS
    unknown = set(changes) - set(allowed)
    if unknown:
        raise InvalidInput({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    if deviation.status == DeviationStatus.CLOSED:
        raise RuleBroken(_("The deviation is closed."))
    cleaned = {k: (_clean_text(v) if k != "owner" else v) for k, v in changes.items()}
    if "owner" in cleaned and not cleaned["owner"]:
        raise InvalidInput({"owner": [_("Choose who owns the deviation.")]})
    return actions.update(
        deviation,
        cleaned,
        by=by,
        version=version,
        verb="deviation.updated",
        context=deviation.project,
        validate=_check,
    )


def close_deviation(deviation: Deviation, resolution: str, *, by: Any, version: int | None) -> Deviation:
    """Close a deviation with what resolved it; a rule's deviation only once its condition has ended."""
    if not can_change_deviation(by, deviation):
        raise NotAllowed(_("You may read this deviation but not close it."))
    resolution = _clean_text(resolution)
    if not resolution:
        raise InvalidInput({"resolution": [_("Say how the deviation was resolved.")]})
    if deviation.status == DeviationStatus.CLOSED:
        raise RuleBroken(_("The deviation is already closed."))
    if deviation.kind != DeviationKind.MANUAL:
        return _close_automatic(deviation, by=by)
    with transaction.atomic():
        current = actions.lock(deviation)
        actions.check_version(current, version)
        if current.status == DeviationStatus.CLOSED:
            raise RuleBroken(_("The deviation is already closed."))
        now = timezone.now()
        changed = actions.diff(current, {"status": DeviationStatus.CLOSED, "resolution": resolution})
        current.status, current.resolution, current.closed_at = DeviationStatus.CLOSED, resolution, now
        _check(current)
        current.version += 1
        current.save()
        events.append_event(
            verb="deviation.closed", target=current, by=by, changes=changed, context=current.project
        )
    return current


def _close_automatic(deviation: Deviation, *, by: Any) -> Deviation:
    """Run the rules again: the deviation closes if its condition has ended, else the close is refused."""
    detect_deviations(deviation.project, by=by)
    current = Deviation.objects.select_related("project").get(pk=deviation.pk)
    if current.status == DeviationStatus.CLOSED:
        return current
    raise RuleBroken(
        _(
            "This deviation was found by a rule and closes by itself when its condition ends "
            "(e.g. an accepted change request moves the baseline). Record what you do about it under "
            "“Action”."
        )
    )
