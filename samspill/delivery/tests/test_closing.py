"""Closing a project: final numbers, the retrospective with lessons, satisfaction; the retrospective later."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.delivery.actions.closing import close_project, final_numbers, update_retrospective
from samspill.delivery.models import Lesson, Project, ProjectPackage, Retrospective
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken
from samspill.people.models import Skill

pytestmark = pytest.mark.django_db


def _package(project: Any, position: int = 0) -> ProjectPackage:
    return ProjectPackage.objects.filter(project=project).order_by("position", "pk")[position]


def test_closing_records_final_numbers_per_package_and_in_total(
    project: Any, project_manager: Any, book: Any, today: datetime.date
) -> None:
    book(_package(project, 0), project_manager, 130)
    book(_package(project, 1), project_manager, 250)
    azure = Skill.objects.create(name="Azure")
    closed = close_project(
        project,
        satisfaction=4,
        went_well="Tett dialog med kunden",
        went_badly="Analysen var undervurdert",
        lessons=[
            {
                "text": "Estimer analyse med erfaringstall",
                "phase": "sales",
                "tags": "estimat, analyse",
                "skills": [azure],
            },
            {"text": "Book testmiljø før oppstart", "phase": "handover"},
            {"text": "   ", "phase": ""},
        ],
        by=project_manager,
        version=1,
    )
    assert (closed.status, closed.closed_on, closed.satisfaction) == ("closed", today, 4)
    assert closed.forecast_hours == closed.actual_hours == Decimal(380)  # nothing is left to do
    retrospective = Retrospective.objects.get(project=project)
    lessons = list(Lesson.objects.filter(retrospective=retrospective).order_by("position"))
    assert [(lesson.phase, lesson.tags) for lesson in lessons] == [
        ("sales", ["estimat", "analyse"]),
        ("handover", []),
    ]
    assert list(lessons[0].skills.all()) == [azure]
    final = Event.objects.get(verb="project.closed").data["final"]
    assert final["total"] == {
        "sold_hours": "400.00",
        "baseline_hours": "400.00",
        "actual_hours": "380.00",
        "over_sold_percent": "-5.0",
    }
    assert [p["over_sold_percent"] for p in final["packages"]] == ["30.0", "-16.7"]


def test_final_numbers_compare_actual_with_what_was_sold(
    project: Any, project_manager: Any, book: Any
) -> None:
    book(_package(project, 0), project_manager, 150)
    numbers = final_numbers(project)
    assert numbers["packages"][0]["over_sold_percent"] == "50.0"
    assert numbers["total"]["sold_hours"] == "400.00"


def test_closing_needs_a_satisfaction_from_one_to_five_and_something_learned(
    project: Any, project_manager: Any
) -> None:
    for satisfaction in (None, 0, 6, "fire", True):
        with pytest.raises(InvalidInput) as refused:
            close_project(project, satisfaction=satisfaction, went_well="x", by=project_manager)
        assert "satisfaction" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        close_project(project, satisfaction=3, by=project_manager)
    assert "went_well" in refused.value.errors
    with pytest.raises(InvalidInput, match="sales, handover or delivery"):
        close_project(project, satisfaction=3, lessons=[{"text": "x", "phase": "lunch"}], by=project_manager)
    assert Project.objects.get(pk=project.pk).status == "active"


def test_only_the_project_manager_and_managers_close_a_project_and_only_once(
    project: Any, project_manager: Any, seller: Any
) -> None:
    with pytest.raises(NotAllowed):
        close_project(project, satisfaction=5, went_well="x", by=seller)
    close_project(project, satisfaction=5, went_well="x", by=project_manager)
    with pytest.raises(RuleBroken):
        close_project(Project.objects.get(pk=project.pk), satisfaction=5, went_well="x", by=project_manager)


def test_a_project_cannot_be_closed_in_the_future(
    project: Any, project_manager: Any, today: datetime.date
) -> None:
    with pytest.raises(InvalidInput):
        close_project(
            project,
            satisfaction=5,
            went_well="x",
            by=project_manager,
            closed_on=today + datetime.timedelta(days=1),
        )


def test_the_retrospective_stays_editable_after_closing(
    project: Any, project_manager: Any, outsider: Any
) -> None:
    close_project(project, satisfaction=3, went_well="x", by=project_manager)
    retrospective = Retrospective.objects.get(project=project)
    saved = update_retrospective(
        retrospective,
        by=project_manager,
        went_badly="Endringer kom sent",
        satisfaction=4,
        lessons=[{"text": "Avklar endringer tidlig", "phase": "delivery", "tags": ["endring"]}],
    )
    assert (saved.went_well, saved.went_badly, saved.satisfaction) == ("x", "Endringer kom sent", 4)
    assert Project.objects.get(pk=project.pk).satisfaction == 4
    assert list(saved.lessons.values_list("text", flat=True)) == ["Avklar endringer tidlig"]
    assert Event.objects.filter(verb="retrospective.updated").count() == 1
    update_retrospective(saved, by=project_manager, went_badly="Endringer kom sent")
    assert Event.objects.filter(verb="retrospective.updated").count() == 1  # nothing changed, nothing logged
    with pytest.raises(NotAllowed):
        update_retrospective(saved, by=outsider, went_well="y")
