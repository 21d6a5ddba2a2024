"""What hours add to shared pages: the start page's weeks to approve, access to entries, and how their
events read in feeds.

A project's feed leaves out the single time entries (logged, changed, deleted): a team books every day,
and a line per entry would push the status reports, milestones and deviations out of the feed. They stay
in the event log (the audit trail, the API, real-time updates). What a project manager follows there is
the weeks: "Pia Prosjekt approved week 12 for Frode Fag: 37,5 t", one line for the weeks approved together,
and "… reopened week 12 for Frode Fag (37,5 t): the reason"; an import reads as what it brought in.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from samspill.delivery.access import can_change_project
from samspill.delivery.models import TimeEntry, WeekApproval
from samspill.lib import formatting, registry
from samspill.people.models import Person

START_PROJECTS = 5
# Events of single entries: in the event log, not in a project's feed.
ENTRY_VERBS = ("time.logged", "time.changed", "time.deleted")
# A folded line names this many people, then counts the others.
NAMED = 3


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


# -- feed lines ------------------------------------------------------------------------------------


def _week(code: Any) -> int | None:
    """The week number of `2026-W48`, None when the event holds no readable week."""
    try:
        year, week = str(code).upper().split("-W")
        datetime.date.fromisocalendar(int(year), int(week), 1)  # a week that exists
        return int(week)
    except (TypeError, ValueError):
        return None


def _hours(value: Any) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)
    return hours if hours.is_finite() else Decimal(0)


def _actor(event: Any) -> str:
    return event.actor.name if event.actor else "Samspill"


def _names(events: list[Any]) -> dict[int, str]:
    """The names of the people whose weeks the events are about, in one query."""
    wanted = {event.data.get("person") for event in events}
    people = Person.objects.filter(pk__in=[pk for pk in wanted if isinstance(pk, int)])
    return {p.pk: p.name for p in people.only("id", "first_name", "last_name", "username")}


def _people(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    if len(names) <= NAMED:
        return gettext("%(names)s and %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}
    others = len(names) - (NAMED - 1)
    return ngettext("%(names)s and %(count)d other", "%(names)s and %(count)d others", others) % {
        "names": ", ".join(names[: NAMED - 1]),
        "count": others,
    }


def _week_lines(events: list[Any]) -> dict[int, str | None]:
    """Approved weeks, one line per approver and week (those approved together fold into the newest),
    and each reopened week with its reason. Events without a readable week or person keep their phrase."""
    readable = [e for e in events if isinstance(e.data, dict)]
    names = _names(readable)
    groups: dict[tuple[Any, int], list[Any]] = {}
    lines: dict[int, str | None] = {}
    for event in readable:
        week, person = _week(event.data.get("week")), names.get(event.data.get("person"))
        if week is None or person is None:
            continue
        if event.verb == "week.reopened":
            lines[event.pk] = _reopened(event, week, person)
        else:
            groups.setdefault((event.actor_id, week), []).append(event)
    for (_actor_id, week), group in groups.items():
        newest, *older = group
        # A week approved, reopened and approved again counts once, with the hours approved last.
        latest = {e.data["person"]: e for e in reversed(group)}
        lines[newest.pk] = gettext("%(actor)s approved week %(week)d for %(people)s: %(hours)s") % {
            "actor": _actor(newest),
            "week": week,
            "people": _people([names[person] for person in latest]),
            "hours": formatting.hours(
                sum((_hours(e.data.get("hours")) for e in latest.values()), Decimal(0))
            ),
        }
        lines.update({e.pk: None for e in older})
    return lines


def _reopened(event: Any, week: int, person: str) -> str:
    values = {
        "actor": _actor(event),
        "week": week,
        "person": person,
        "hours": formatting.hours(_hours(event.data.get("hours"))),
        "reason": str(event.data.get("reason") or "").strip(),
    }
    if values["reason"]:
        return gettext("%(actor)s reopened week %(week)d for %(person)s (%(hours)s): “%(reason)s”") % values
    return gettext("%(actor)s reopened week %(week)d for %(person)s (%(hours)s)") % values


def _import_lines(events: list[Any]) -> dict[int, str | None]:
    """An import as what it brought in: "Pia Prosjekt imported 48 entries, 120 t, to Målerportal"."""
    lines: dict[int, str | None] = {}
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        count = data.get("count")
        if not isinstance(count, int):
            continue
        lines[event.pk] = ngettext(
            "%(actor)s imported %(count)d entry, %(hours)s, to %(object)s",
            "%(actor)s imported %(count)d entries, %(hours)s, to %(object)s",
            count,
        ) % {
            "actor": _actor(event),
            "count": count,
            "hours": formatting.hours(_hours(data.get("hours"))),
            "object": event.target_repr,
        }
    return lines


registry.register_feed_wording(["week.approved", "week.reopened"], _week_lines)
registry.register_feed_wording(["time.imported"], _import_lines)
