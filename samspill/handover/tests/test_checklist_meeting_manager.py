"""Working through a handover: the checklist, the meeting, the project manager, the notes from sales."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from samspill.activity.models import Event
from samspill.handover import actions
from samspill.handover.models import Handover
from samspill.lib.errors import InvalidInput, NotAllowed

pytestmark = pytest.mark.django_db


def test_ticking_and_unticking_an_item_is_recorded_once(handover: Handover, seller: Any) -> None:
    item = handover.checklist.first()
    ticked = actions.tick(item, by=seller)
    assert (ticked.is_done, ticked.done_by) == (True, seller)
    actions.tick(item, by=seller)  # already done: nothing happens
    assert Event.objects.filter(verb="handover.item_done").count() == 1
    unticked = actions.untick(item, by=seller)
    assert (unticked.is_done, unticked.done_by) == (False, None)
    assert Event.objects.filter(verb="handover.item_undone", context_id=str(handover.pk)).count() == 1


def test_an_outsider_does_not_tick(handover: Handover, outsider: Any) -> None:
    with pytest.raises(NotAllowed):
        actions.tick(handover.checklist.first(), by=outsider)


def test_done_must_be_true_or_false(handover: Handover, seller: Any) -> None:
    with pytest.raises(InvalidInput):
        actions.set_item_done(handover.checklist.first(), "yes", by=seller)  # type: ignore[arg-type]


def test_booking_the_meeting_with_participants(handover: Handover, seller: Any, project_manager: Any) -> None:
    when = timezone.now() + datetime.timedelta(days=3)
    booked = actions.set_meeting(
        handover, meeting_on=when, participants=[seller, project_manager], by=project_manager, version=1
    )
    assert booked.meeting_on == when
    assert set(booked.participants.all()) == {seller, project_manager}
    assert booked.version == 2
    event = Event.objects.get(verb="handover.meeting_set")
    assert set(event.changes) == {"meeting_on", "participants"}
    same = actions.set_meeting(
        booked, meeting_on=when, participants=[project_manager, seller], by=seller, version=2
    )
    assert same.version == 2  # nothing changed, nothing written


def test_a_meeting_naive_time_is_taken_as_local(handover: Handover, seller: Any) -> None:
    booked = actions.set_meeting(
        handover, meeting_on=datetime.datetime(2025, 3, 20, 9, 0), by=seller, version=handover.version
    )
    assert timezone.localtime(booked.meeting_on).hour == 9


def test_meeting_nonsense_is_bad_input(handover: Handover, seller: Any, outsider: Any) -> None:
    outsider.is_active = False
    outsider.save()
    for when, people in (("tomorrow", []), (datetime.datetime(1900, 1, 1, 9, 0), []), (None, [outsider])):
        with pytest.raises(InvalidInput):
            actions.set_meeting(handover, meeting_on=when, participants=people, by=seller, version=1)


def test_a_delivery_manager_chooses_the_project_manager(
    sell: Any, win: Any, delivery_manager: Any, project_manager: Any, seller: Any
) -> None:
    handover = win(sell())
    chosen = actions.set_project_manager(handover, project_manager, by=delivery_manager, version=1)
    assert chosen.project_manager == project_manager
    assert (
        Event.objects.get(verb="handover.assigned").changes["project_manager"]["after"] == project_manager.pk
    )
    with pytest.raises(InvalidInput):  # a seller is no project manager
        actions.set_project_manager(chosen, seller, by=delivery_manager, version=chosen.version)


def test_a_project_manager_may_take_an_unassigned_handover_but_not_give_it_away(
    sell: Any, win: Any, project_manager: Any, other_manager: Any, seller: Any
) -> None:
    handover = win(sell())
    with pytest.raises(NotAllowed):
        actions.set_project_manager(handover, other_manager, by=project_manager, version=1)
    with pytest.raises(NotAllowed):
        actions.set_project_manager(handover, seller, by=seller, version=1)
    taken = actions.set_project_manager(handover, project_manager, by=project_manager, version=1)
    assert taken.project_manager == project_manager
    with pytest.raises(NotAllowed):  # now it is taken: another project manager cannot grab it
        actions.set_project_manager(taken, other_manager, by=other_manager, version=taken.version)


def test_the_seller_writes_the_notes_from_sales(
    handover: Handover, seller: Any, project_manager: Any
) -> None:
    written = actions.write_notes(handover, "  Kari bestemmer, Ola betaler.  ", by=seller, version=1)
    assert written.notes == "Kari bestemmer, Ola betaler."
    with pytest.raises(NotAllowed):
        actions.write_notes(written, "Mine notater", by=project_manager, version=written.version)
