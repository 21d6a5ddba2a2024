"""Change requests (endringsmelding): delivery raises them, sales takes them to the customer.

Rules, written once here for the pages and the API alike:

- Whoever sees a project sees its change requests.
- Those who change the project (its project manager, delivery managers, management, administrators)
  raise a change request, edit it while it is a draft, and send it. Sending puts it in the queue of
  the project's seller and the customer's account owner.
- The seller, the account owner, management and administrators record the customer's decision on a
  sent change request: accepted or rejected (a rejection says why). A decision is final.
- Accepting one moves the baseline: a new baseline version (the sold version 1 never changes) with a
  row for every work package, the package's budget grows by the hours and the price (or a new package
  is added), milestones not yet reached move by the delay, the project's numbers are recomputed and
  the deviation rules run. If the project is a call-off on a framework agreement, the accepted price
  counts as used of the agreement's ceiling.
- Nothing changes on a closed project.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from samspill.delivery.access import can_change_project, can_follow_sales_side
from samspill.delivery.actions.projects import refresh_numbers
from samspill.delivery.detection import detect_deviations
from samspill.delivery.models import (
    Baseline,
    BaselinePackage,
    BaselineSource,
    ChangeRequest,
    ChangeState,
    Milestone,
    Project,
    ProjectPackage,
    project_seen_by,
    sees_every_project,
)
from samspill.lib import actions, events
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken
from samspill.lib.formatting import date as show_date
from samspill.people.models import Role, is_administrator

CHANGE_FIELDS = ["title", "description", "package", "hours", "price", "milestone_effect", "delay_days"]
MAX_HOURS = Decimal("99999999.9")
MAX_PRICE = Decimal("999999999999.99")
MAX_DELAY_DAYS = 3650
ZERO = Decimal(0)
WAITING = (ChangeState.SENT,)


# -- access ----------------------------------------------------------------------------------------


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def change_requests_visible_to(user: Any) -> QuerySet[ChangeRequest]:
    """Return the change requests of the projects `user` sees."""
    if not _active(user):
        return ChangeRequest.objects.none()
    if sees_every_project(user):
        return ChangeRequest.objects.all()
    return ChangeRequest.objects.filter(project_seen_by(user, "project"))


def can_raise_change(user: Any, project: Project) -> bool:
    """Those who change the project raise, edit and send its change requests."""
    return can_change_project(user, project)


def can_decide_change(user: Any, project: Project) -> bool:
    """The seller, the account owner, management and administrators record the customer's decision."""
    return can_follow_sales_side(user, project)


def get_change_request_for(user: Any, pk: Any, *, write: bool = False) -> ChangeRequest:
    """Return the change request `user` may see (404 otherwise); `write` for who may raise it (403)."""
    try:
        change = (
            change_requests_visible_to(user)
            .select_related("project", "project__customer", "package", "raised_by")
            .get(pk=pk)
        )
    except (ChangeRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write and not can_raise_change(user, change.project):
        raise NotAllowed(_("You may read this change request but not change it."))
    return change


def waiting_for(user: Any) -> QuerySet[ChangeRequest]:
    """Return the sent change requests waiting for `user` to bring back the customer's decision.

    The projects' sellers and the customers' account owners; management and administrators, who
    may record any decision, see every one.
    """
    rows = change_requests_visible_to(user).filter(state__in=WAITING)
    if is_administrator(user) or user.has_role(Role.MANAGEMENT):
        return rows
    return rows.filter(Q(project__seller_id=user.pk) | Q(project__customer__account_owner_id=user.pk))


# -- checks ----------------------------------------------------------------------------------------


def _require_open_project(project: Project) -> None:
    if project.is_closed:
        raise RuleBroken(_("The project is closed: it takes no change requests."))


def _decimal(value: Any, name: str, limit: Decimal, places: str) -> Decimal:
    try:
        amount = Decimal(str(value)) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise InvalidInput({name: [_("Enter a number.")]})
    if abs(amount) > limit:
        raise InvalidInput({name: [_("The number is too large.")]})
    if amount != amount.quantize(Decimal(places)):
        raise InvalidInput({name: [_("Too many decimals.")]})
    return amount


def _check(change: ChangeRequest) -> None:
    """Check a change request's fields: a field error for each thing that is wrong."""
    errors: dict[str, list[str]] = {}
    change.title = str(change.title or "").strip()
    change.description = str(change.description or "").strip()
    change.milestone_effect = str(change.milestone_effect or "").strip()
    if not change.title:
        errors["title"] = [_("Give the change a title.")]
    elif len(change.title) > 200:
        errors["title"] = [_("At most %(count)d characters.") % {"count": 200}]
    if not change.description:
        errors["description"] = [_("Describe the change.")]
    for name in ("title", "description", "milestone_effect"):
        if "\x00" in getattr(change, name):
            errors[name] = [_("The text contains a character that cannot be stored.")]
    try:
        change.hours = _decimal(change.hours, "hours", MAX_HOURS, "0.1")
        change.price = _decimal(change.price, "price", MAX_PRICE, "0.01")
    except InvalidInput as error:
        errors.update(error.errors)
    else:
        _check_amounts(change, errors)
    delay = change.delay_days
    if isinstance(delay, bool) or not isinstance(delay, int):
        try:
            delay = int(str(delay if delay not in (None, "") else 0))
        except ValueError:
            errors["delay_days"] = [_("Enter a whole number of days.")]
            delay = 0
    if abs(delay) > MAX_DELAY_DAYS:
        errors["delay_days"] = [_("At most %(count)d days.") % {"count": MAX_DELAY_DAYS}]
    change.delay_days = delay
    package = change.package if change.package_id else None
    if package is not None and package.project_id != change.project_id:
        errors["package"] = [_("That work package belongs to another project.")]
    if errors:
        raise InvalidInput(errors)


def _check_amounts(change: ChangeRequest, errors: dict[str, list[str]]) -> None:
    if change.hours == 0 and change.price == 0:
        errors["hours"] = [_("A change adds (or removes) hours, money or both.")]
    if not change.package_id and (change.hours < 0 or change.price < 0):
        errors["package"] = [_("Removing hours or money needs the work package they come from.")]
    package = change.package if change.package_id else None
    if package is not None and package.budget_hours + change.hours < 0:
        errors["hours"] = [
            _("The work package has only %(hours)s hours to remove.") % {"hours": package.budget_hours}
        ]
    if package is not None and package.budget_amount + change.price < 0:
        errors["price"] = [_("The work package has less money than that to remove.")]


def _decision_date(value: Any) -> datetime.date:
    today = timezone.localdate()
    if value in (None, ""):
        return today
    if not isinstance(value, datetime.date):
        try:
            value = datetime.date.fromisoformat(str(value))
        except ValueError:
            raise InvalidInput({"decided_on": [_("Enter a date.")]}) from None
    if value > today:
        raise InvalidInput({"decided_on": [_("A decision cannot be dated in the future.")]})
    return value


# -- actions ---------------------------------------------------------------------------------------


def create_change_request(project: Project, fields: Mapping[str, Any], *, by: Any) -> ChangeRequest:
    """Draft a change request: what changes, its hours and price, and its effect on the milestones."""
    if not can_raise_change(by, project):
        raise NotAllowed(_("Only the project manager and delivery managers raise change requests."))
    _require_open_project(project)
    unknown = set(fields) - set(CHANGE_FIELDS)
    if unknown:
        raise InvalidInput({name: [_("This field cannot be set.")] for name in sorted(unknown)})
    values = {"delay_days": 0, "milestone_effect": "", **fields}
    change = ChangeRequest(project=project, raised_by=by, number=0, **values)
    _check(change)
    with transaction.atomic():
        actions.lock(project)  # numbers are given one at a time per project
        last = ChangeRequest.objects.filter(project=project).aggregate(n=Max("number"))["n"]
        change.number = (last or 0) + 1
        return actions.create(
            change, by=by, verb="change_request.created", fields=CHANGE_FIELDS, context=project
        )


def update_change_request(
    change: ChangeRequest, changes: Mapping[str, Any], *, by: Any, version: int | None
) -> ChangeRequest:
    """Change a draft change request; once sent it is what the customer got."""
    if not can_raise_change(by, change.project):
        raise NotAllowed(_("You may read this change request but not change it."))
    _require_open_project(change.project)
    unknown = set(changes) - set(CHANGE_FIELDS)
    if unknown:
        raise InvalidInput({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    if change.state != ChangeState.DRAFT:
        raise RuleBroken(_("Only a draft can be changed: this one was sent to the customer."))

    def validate(current: ChangeRequest) -> None:
        if current.state != ChangeState.DRAFT:
            raise RuleBroken(_("Only a draft can be changed: this one was sent to the customer."))
        _check(current)

    return actions.update(
        change,
        changes,
        by=by,
        version=version,
        verb="change_request.updated",
        context=change.project,
        validate=validate,
    )


def send_change_request(change: ChangeRequest, *, by: Any, version: int | None) -> ChangeRequest:
    """Send a draft to the customer: it lands in the queue of the seller and the account owner."""
    if not can_raise_change(by, change.project):
        raise NotAllowed(_("Only the project manager and delivery managers send change requests."))
    _require_open_project(change.project)
    return _move(
        change,
        ChangeState.SENT,
        by=by,
        version=version,
        verb="change_request.sent",
        expected=ChangeState.DRAFT,
    )


def reject_change_request(
    change: ChangeRequest, *, by: Any, version: int | None, note: str, decided_on: Any = None
) -> ChangeRequest:
    """Record that the customer said no, and why."""
    _require_decider(change, by)
    note = str(note or "").strip()
    if not note:
        raise InvalidInput({"note": [_("Say why the customer rejected it.")]})
    return _move(
        change,
        ChangeState.REJECTED,
        by=by,
        version=version,
        verb="change_request.rejected",
        expected=ChangeState.SENT,
        extra={"decided_on": _decision_date(decided_on), "decision_note": note},
    )


def accept_change_request(
    change: ChangeRequest, *, by: Any, version: int | None, note: str = "", decided_on: Any = None
) -> ChangeRequest:
    """Record that the customer said yes: the baseline moves, and the agreement's use grows."""
    _require_decider(change, by)
    decided = _decision_date(decided_on)
    with transaction.atomic():
        project = actions.lock(change.project)  # one new baseline version at a time
        current = actions.lock(change)
        actions.check_version(current, version)
        _expect_state(current, ChangeState.SENT)
        current.project = project
        package = _apply_to_package(current, project)
        baseline = _new_baseline(project, current, by=by)
        moved = _move_milestones(project, current.delay_days)
        changed = actions.diff(
            current,
            {
                "state": ChangeState.ACCEPTED,
                "decided_on": decided,
                "decision_note": str(note or "").strip(),
                "package": package,
            },
        )
        current.state, current.decided_on = ChangeState.ACCEPTED, decided
        current.decision_note, current.package = str(note or "").strip(), package
        current.version += 1
        current.save()
        Project.objects.filter(pk=project.pk).update(baseline_number=baseline.number)
        project.baseline_number = baseline.number
        events.append_event(
            verb="change_request.accepted",
            target=current,
            by=by,
            changes=changed,
            context=project,
            data={
                "baseline": baseline.number,
                "hours": str(current.hours),
                "price": str(current.price),
                "milestones": moved,
            },
        )
        refresh_numbers(project)
        detect_deviations(project, by=by)
    return current


# -- helpers ---------------------------------------------------------------------------------------


def _require_decider(change: ChangeRequest, by: Any) -> None:
    if not can_decide_change(by, change.project):
        raise NotAllowed(
            _("Only the seller, the customer's account owner and management record the customer's decision.")
        )
    _require_open_project(change.project)


def _expect_state(change: ChangeRequest, expected: str) -> None:
    if change.state == expected:
        return
    if change.state == ChangeState.DRAFT:
        raise RuleBroken(_("The change request is still a draft: the project manager sends it first."))
    if change.state == ChangeState.SENT:
        raise RuleBroken(_("The change request was already sent to the customer."))
    raise RuleBroken(
        _("The customer already decided on this change request (%(state)s).")
        % {"state": change.get_state_display().lower()}
    )


def _move(
    change: ChangeRequest,
    state: str,
    *,
    by: Any,
    version: int | None,
    verb: str,
    expected: str,
    extra: Mapping[str, Any] | None = None,
) -> ChangeRequest:
    with transaction.atomic():
        current = actions.lock(change)
        actions.check_version(current, version)
        _expect_state(current, expected)
        values: dict[str, Any] = {"state": state, **(extra or {})}
        if state == ChangeState.SENT:
            values["sent_at"] = timezone.now()
        changed = actions.diff(current, values)
        for name, value in values.items():
            setattr(current, name, value)
        current.version += 1
        current.save()
        events.append_event(verb=verb, target=current, by=by, changes=changed, context=change.project)
    current.project = change.project
    return current


def _apply_to_package(change: ChangeRequest, project: Project) -> ProjectPackage:
    """Add the hours and price to the package's budget, or add the package the change describes."""
    if change.package_id:
        package = ProjectPackage.objects.select_for_update().get(pk=change.package_id)
        hours, amount = package.budget_hours + change.hours, package.budget_amount + change.price
        if hours < 0 or amount < 0:
            raise RuleBroken(_("The work package's budget would fall below zero: change the request first."))
        ProjectPackage.objects.filter(pk=package.pk).update(
            budget_hours=hours, budget_amount=amount, version=package.version + 1, updated_at=timezone.now()
        )
        package.budget_hours, package.budget_amount = hours, amount
        return package
    last = ProjectPackage.objects.filter(project=project).aggregate(n=Max("position"))["n"]
    return ProjectPackage.objects.create(
        project=project,
        position=(last or 0) + 1,
        name=change.title[:200],
        description=change.description,
        hourly_rate=(change.price / change.hours).quantize(Decimal("0.01")) if change.hours else ZERO,
        budget_hours=change.hours,
        budget_amount=change.price,
        starts_on=timezone.localdate(),
        ends_on=project.ends_on,
    )


def _new_baseline(project: Project, change: ChangeRequest, *, by: Any) -> Baseline:
    """Record the next baseline version with every package's budget as it is now."""
    last = Baseline.objects.filter(project=project).aggregate(n=Max("number"))["n"] or 0
    packages = list(
        ProjectPackage.objects.filter(project=project).only("pk", "budget_hours", "budget_amount")
    )
    totals = ProjectPackage.objects.filter(project=project).aggregate(
        h=Sum("budget_hours"), a=Sum("budget_amount")
    )
    baseline = Baseline.objects.create(
        project=project,
        number=last + 1,
        source=BaselineSource.CHANGE,
        change_request=change,
        hours=totals["h"] or ZERO,
        amount=totals["a"] or ZERO,
        created_by=by,
    )
    BaselinePackage.objects.bulk_create(
        [
            BaselinePackage(baseline=baseline, package=p, hours=p.budget_hours, amount=p.budget_amount)
            for p in packages
        ]
    )
    return baseline


def _move_milestones(project: Project, days: int) -> list[dict[str, str]]:
    """Move the planned and forecast dates of the milestones not yet reached; return what moved.

    The customer agreed to the delay, so the plan (not only the forecast) moves: a late-milestone
    deviation is for a delay nobody agreed to.
    """
    if not days:
        return []
    delta = datetime.timedelta(days=days)
    moved = []
    milestones = list(Milestone.objects.select_for_update().filter(project=project, done_on__isnull=True))
    for milestone in milestones:
        before = milestone.planned_on
        milestone.planned_on = before + delta
        if milestone.forecast_on is not None:
            milestone.forecast_on = milestone.forecast_on + delta
        milestone.version += 1
        moved.append(
            {
                "milestone": milestone.name,
                "before": show_date(before),
                "after": show_date(milestone.planned_on),
            }
        )
    Milestone.objects.bulk_update(milestones, ["planned_on", "forecast_on", "version"])
    return moved


def accepted_for_agreement(agreement: Any, user: Any) -> Decimal:
    """Return the price of the accepted change requests on `agreement`'s projects that `user` sees."""
    rows = change_requests_visible_to(user).filter(state=ChangeState.ACCEPTED, project__agreement=agreement)
    return rows.aggregate(total=Sum("price"))["total"] or ZERO
