"""Closing a project: final numbers, the retrospective with its lessons, and the customer's satisfaction.

A closed project refuses every further change (`actions.projects.require_open`) except its
retrospective, which the project manager may complete later. Its final numbers per work package and
in total (sold estimate vs. actual hours) are kept in the closing event and feed estimate calibration.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samspill.delivery import figures, progress
from samspill.delivery.actions.projects import after_change, require_change, require_open
from samspill.delivery.models import (
    Lesson,
    Phase,
    Project,
    ProjectPackage,
    ProjectStatus,
    Retrospective,
)
from samspill.lib import actions, events
from samspill.lib.errors import InvalidInput
from samspill.people.models import Skill

ZERO = Decimal(0)
HUNDREDTH = Decimal("0.01")
MAX_TEXT = 20000
MAX_LESSONS = 50
MAX_TAGS = 20


def final_numbers(project: Project) -> dict[str, Any]:
    """Return sold, baseline and actual hours per work package and in total, with the overrun in percent."""
    rows = figures.package_figures(project)
    packages = [
        _numbers(p.package.name, p.package.sold_hours, p.package.budget_hours, p.actual, pk=p.package.pk)
        for p in rows
    ]
    total = _numbers(
        "",
        sum((p.package.sold_hours for p in rows), ZERO),
        sum((p.package.budget_hours for p in rows), ZERO),
        sum((p.actual for p in rows), ZERO),
    )
    total.pop("name")
    return {"packages": packages, "total": total}


def _numbers(
    name: str, sold: Decimal, budget: Decimal, actual: Decimal, pk: int | None = None
) -> dict[str, Any]:
    over = progress.over_percent(actual, sold)
    found: dict[str, Any] = {
        "name": name,
        "sold_hours": str(sold.quantize(HUNDREDTH)),
        "baseline_hours": str(budget.quantize(HUNDREDTH)),
        "actual_hours": str(actual.quantize(HUNDREDTH)),
        "over_sold_percent": None if over is None else str(over.quantize(Decimal("0.1"))),
    }
    if pk is not None:
        found["package_id"] = pk
    return found


def _clean_satisfaction(value: Any, *, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            raise InvalidInput({"satisfaction": [_("How satisfied is the customer, from 1 to 5?")]})
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if isinstance(value, bool) or not 1 <= number <= 5 or str(number) != str(value).strip():
        raise InvalidInput({"satisfaction": [_("Customer satisfaction is a whole number from 1 to 5.")]})
    return number


def _clean_text(value: Any, name: str) -> str:
    text = str(value or "").strip()
    if len(text) > MAX_TEXT:
        raise InvalidInput({name: [_("Keep it under %(count)d characters.") % {"count": MAX_TEXT}]})
    return text


def _clean_lessons(lessons: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    given = list(lessons)
    if len(given) > MAX_LESSONS:
        raise InvalidInput({"lessons": [_("At most %(count)d lessons.") % {"count": MAX_LESSONS}]})
    cleaned = []
    skill_ids = {getattr(s, "pk", s) for lesson in given for s in lesson.get("skills") or []}
    known = {s.pk: s for s in Skill.objects.filter(pk__in=[i for i in skill_ids if isinstance(i, int)])}
    for number, lesson in enumerate(given, start=1):
        text = _clean_text(lesson.get("text"), "lessons")
        if not text:
            continue
        phase = lesson.get("phase") or ""
        if phase not in Phase.values:
            raise InvalidInput(
                {
                    "lessons": [
                        _("Lesson %(number)d: choose sales, handover or delivery.") % {"number": number}
                    ]
                }
            )
        tags = lesson.get("tags") or []
        if isinstance(tags, str):
            tags = tags.split(",")
        tags = list(dict.fromkeys(str(t).strip()[:50] for t in tags if str(t).strip()))[:MAX_TAGS]
        skills = []
        for skill in lesson.get("skills") or []:
            found = known.get(getattr(skill, "pk", skill))
            if found is None:
                raise InvalidInput({"lessons": [_("Lesson %(number)d: unknown skill.") % {"number": number}]})
            skills.append(found)
        cleaned.append({"text": text, "phase": phase, "tags": tags, "skills": skills})
    return cleaned


def _write_lessons(retrospective: Retrospective, lessons: list[dict[str, Any]]) -> None:
    retrospective.lessons.all().delete()
    for position, lesson in enumerate(lessons):
        row = Lesson.objects.create(
            retrospective=retrospective,
            text=lesson["text"],
            phase=lesson["phase"],
            tags=lesson["tags"],
            position=position,
        )
        if lesson["skills"]:
            row.skills.set(lesson["skills"])


def close_project(
    project: Project,
    *,
    satisfaction: Any,
    went_well: str = "",
    went_badly: str = "",
    lessons: Iterable[Mapping[str, Any]] = (),
    by: Any,
    version: int | None = None,
    closed_on: datetime.date | None = None,
) -> Project:
    """Close the project: final numbers, the retrospective and the customer's satisfaction are kept."""
    require_change(project, by)
    require_open(project)
    score = _clean_satisfaction(satisfaction, required=True)
    well = _clean_text(went_well, "went_well")
    badly = _clean_text(went_badly, "went_badly")
    wanted = _clean_lessons(lessons)
    if not (well or badly or wanted):
        raise InvalidInput(
            {"went_well": [_("Write at least what went well, what went badly, or one lesson.")]}
        )
    closed_on = closed_on or timezone.localdate()
    if closed_on > timezone.localdate():
        raise InvalidInput({"closed_on": [_("A project cannot be closed in the future.")]})
    with transaction.atomic():
        current = actions.lock(project)
        actions.check_version(current, version)
        require_open(current)
        # Nothing is left to do: every package's forecast becomes what was booked.
        ProjectPackage.objects.filter(project=current).exclude(remaining_hours=0).update(
            remaining_hours=ZERO, percent_complete=None, progress_on=closed_on
        )
        after_change(current, by=by)
        numbers = final_numbers(current)
        retrospective = Retrospective.objects.create(
            project=current, went_well=well, went_badly=badly, satisfaction=score, author=by
        )
        _write_lessons(retrospective, wanted)
        changes = actions.diff(
            current, {"status": ProjectStatus.CLOSED, "closed_on": closed_on, "satisfaction": score}
        )
        current.status = ProjectStatus.CLOSED
        current.closed_on = closed_on
        current.satisfaction = score
        current.version += 1
        current.save()
        events.append_event(
            verb="project.closed", target=current, by=by, changes=changes, data={"final": numbers}
        )
    return current


def update_retrospective(
    retrospective: Retrospective,
    *,
    by: Any,
    went_well: Any = None,
    went_badly: Any = None,
    satisfaction: Any = None,
    lessons: Iterable[Mapping[str, Any]] | None = None,
) -> Retrospective:
    """Complete or correct a closed project's retrospective (what is not given stays as it is)."""
    project = retrospective.project
    require_change(project, by)
    changes: dict[str, Any] = {}
    if went_well is not None:
        changes["went_well"] = _clean_text(went_well, "went_well")
    if went_badly is not None:
        changes["went_badly"] = _clean_text(went_badly, "went_badly")
    if satisfaction is not None:
        changes["satisfaction"] = _clean_satisfaction(satisfaction, required=True)
    wanted = _clean_lessons(lessons) if lessons is not None else None
    with transaction.atomic():
        current = Retrospective.objects.select_for_update().get(pk=retrospective.pk)
        changed = actions.diff(current, changes)
        before = [(lesson.text, lesson.phase) for lesson in current.lessons.all()]
        lessons_changed = wanted is not None and [(w["text"], w["phase"]) for w in wanted] != before
        if wanted is not None and not lessons_changed:
            lessons_changed = _details_changed(current, wanted)
        if not changed and not lessons_changed:
            return current
        for name in changed:
            setattr(current, name, changes[name])
        current.save()
        if wanted is not None and lessons_changed:
            _write_lessons(current, wanted)
        if "satisfaction" in changed:
            Project.objects.filter(pk=project.pk).update(satisfaction=current.satisfaction)
        events.append_event(
            verb="retrospective.updated",
            target=current,
            by=by,
            changes=changed,
            context=project,
            data={"lessons": len(wanted)} if wanted is not None and lessons_changed else None,
        )
    return current


def _details_changed(retrospective: Retrospective, wanted: list[dict[str, Any]]) -> bool:
    current = list(retrospective.lessons.prefetch_related("skills"))
    for lesson, given in zip(current, wanted, strict=False):
        if list(lesson.tags or []) != given["tags"]:
            return True
        if {s.pk for s in lesson.skills.all()} != {s.pk for s in given["skills"]}:
            return True
    return False
