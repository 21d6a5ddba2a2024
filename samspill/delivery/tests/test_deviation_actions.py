"""Deviations raised by hand: raise, edit, close, and who may."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404

from samspill.activity.models import Event
from samspill.delivery.actions.deviations import (
    close_deviation,
    deviations_visible_to,
    get_deviation_for,
    raise_deviation,
    update_deviation,
)
from samspill.delivery.detection import detect_deviations
from samspill.delivery.models import Deviation, Project, ProjectPackage
from samspill.delivery.tests.deviation_factories import TODAY, book, make_project, package
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken, StaleVersion

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def project(customer: Any, project_manager: Any, seller: Any) -> Project:
    return make_project(customer, project_manager, seller=seller)


def _raise(project: Project, by: Any, **fields: Any) -> Deviation:
    values = {
        "what": "Kunden har ikke levert testdata",
        "consequence": "Test starter en uke senere",
        **fields,
    }
    return raise_deviation(project, values, by=by)


def test_the_project_manager_raises_a_deviation_which_the_project_manager_owns_by_default(
    project: Project, project_manager: Any
) -> None:
    deviation = _raise(project, project_manager)
    assert deviation.kind == "manual"
    assert deviation.status == "open"
    assert deviation.owner == project_manager
    assert deviation.raised_by == project_manager
    event = Event.objects.get(verb="deviation.raised")
    assert event.changes["what"]["after"] == "Kunden har ikke levert testdata"


def test_the_seller_and_a_team_member_may_raise_one_but_an_outsider_may_not(
    customer: Any, project_manager: Any, seller: Any, expert: Any, outsider: Any
) -> None:
    project = make_project(customer, project_manager, seller=seller, members=[expert])
    assert _raise(project, seller).raised_by == seller
    assert _raise(project, expert, owner=seller).owner == seller
    with pytest.raises(NotAllowed):
        _raise(project, outsider)


def test_a_deviation_must_say_what_happened(project: Project, project_manager: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        _raise(project, project_manager, what="   ")
    assert "what" in refused.value.errors


def test_a_deactivated_owner_is_refused(project: Project, project_manager: Any, expert: Any) -> None:
    expert.is_active = False
    expert.save()
    with pytest.raises(InvalidInput) as refused:
        _raise(project, project_manager, owner=expert)
    assert "owner" in refused.value.errors


def test_fields_a_person_does_not_set_are_refused(project: Project, project_manager: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        raise_deviation(project, {"what": "x", "numbers": {"a": 1}}, by=project_manager)
    assert "numbers" in refused.value.errors


def test_nothing_is_raised_on_a_closed_project(project: Project, project_manager: Any) -> None:
    Project.objects.filter(pk=project.pk).update(status="closed")
    project.refresh_from_db()
    with pytest.raises(RuleBroken):
        _raise(project, project_manager)


def test_the_owner_edits_the_action_and_a_stale_edit_is_refused(
    project: Project, project_manager: Any, seller: Any
) -> None:
    deviation = _raise(project, project_manager, owner=seller)
    saved = update_deviation(deviation, {"action": "Purre kunden fredag"}, by=seller, version=1)
    assert saved.action == "Purre kunden fredag"
    assert saved.version == 2
    with pytest.raises(StaleVersion):
        update_deviation(deviation, {"action": "Noe annet"}, by=project_manager, version=1)


def test_someone_who_only_reads_the_project_may_not_edit_a_deviation(
    project: Project, project_manager: Any, expert: Any
) -> None:
    deviation = _raise(project, project_manager)
    with pytest.raises(NotAllowed):
        update_deviation(deviation, {"action": "x"}, by=expert, version=1)


def test_closing_needs_a_resolution_and_closes_once(project: Project, project_manager: Any) -> None:
    deviation = _raise(project, project_manager)
    with pytest.raises(InvalidInput):
        close_deviation(deviation, "  ", by=project_manager, version=1)
    closed = close_deviation(deviation, "Testdata kom mandag", by=project_manager, version=1)
    assert closed.status == "closed"
    assert closed.resolution == "Testdata kom mandag"
    assert closed.closed_at is not None
    assert Event.objects.filter(verb="deviation.closed").count() == 1
    with pytest.raises(RuleBroken):
        close_deviation(closed, "Igjen", by=project_manager, version=2)
    with pytest.raises(RuleBroken):
        update_deviation(closed, {"action": "x"}, by=project_manager, version=2)


def test_a_rules_deviation_is_not_closed_by_hand_while_its_condition_lasts(
    project: Project, project_manager: Any, expert: Any
) -> None:
    book(project, expert, 120)
    found = detect_deviations(project, today=TODAY)
    over_budget = next(d for d in found if d.kind == "package_over_budget")
    with pytest.raises(RuleBroken):
        close_deviation(over_budget, "Det går nok bra", by=project_manager, version=over_budget.version)
    ProjectPackage.objects.filter(pk=package(project).pk).update(budget_hours=200)
    closed = close_deviation(
        over_budget, "Budsjettet er økt", by=project_manager, version=over_budget.version
    )
    assert closed.status == "closed"


def test_a_rules_deviation_keeps_the_rules_words_but_takes_an_action(
    project: Project, project_manager: Any, expert: Any
) -> None:
    book(project, expert, 120)
    deviation = next(d for d in detect_deviations(project, today=TODAY) if d.kind == "package_over_budget")
    with pytest.raises(InvalidInput):
        update_deviation(deviation, {"what": "Noe annet"}, by=project_manager, version=1)
    saved = update_deviation(deviation, {"action": "Endringsmelding"}, by=project_manager, version=1)
    assert saved.action == "Endringsmelding"


def test_an_outsider_does_not_see_the_deviations_of_a_confidential_project(
    customer: Any, project_manager: Any, outsider: Any
) -> None:
    secret = make_project(customer, project_manager, title="Hemmelig", confidential=True)
    deviation = _raise(secret, project_manager)
    assert deviation not in deviations_visible_to(outsider)
    assert deviation in deviations_visible_to(project_manager)
    with pytest.raises(Http404):
        get_deviation_for(outsider, deviation.pk)


def test_a_reader_gets_the_deviation_but_not_to_change_it(
    project: Project, project_manager: Any, outsider: Any
) -> None:
    deviation = _raise(project, project_manager)
    assert get_deviation_for(outsider, deviation.pk) == deviation
    with pytest.raises(NotAllowed):
        get_deviation_for(outsider, deviation.pk, write=True)
