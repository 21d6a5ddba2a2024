"""The event log is append-only; an action that is refused or fails leaves neither its change nor an event."""

from __future__ import annotations

from typing import Any

import pytest

from samspill.activity.log import DatabaseEventLog
from samspill.activity.models import Event, ImmutableEvent
from samspill.lib import actions
from samspill.lib.errors import InvalidInput
from samspill.people.actions import update_person
from samspill.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(expert: Any) -> Event:
    update_person(expert, {"title": "Arkitekt"}, by=expert, version=1)
    return Event.objects.about(expert).get()


def test_an_event_cannot_be_saved_again(event: Event) -> None:
    event.verb = "person.deleted"
    with pytest.raises(ImmutableEvent):
        event.save()
    with pytest.raises(ImmutableEvent):
        event.save(update_fields=["verb"])
    assert Event.objects.get(pk=event.pk).verb == "person.updated"


def test_events_cannot_be_updated_in_bulk(event: Event) -> None:
    with pytest.raises(ImmutableEvent):
        Event.objects.filter(pk=event.pk).update(verb="person.deleted")
    with pytest.raises(ImmutableEvent):
        Event.objects.update(verb="person.deleted")
    with pytest.raises(ImmutableEvent):
        Event.objects.bulk_update([event], ["verb"])
    assert Event.objects.get(pk=event.pk).verb == "person.updated"


def test_events_cannot_be_deleted(event: Event) -> None:
    with pytest.raises(ImmutableEvent):
        event.delete()
    with pytest.raises(ImmutableEvent):
        Event.objects.filter(pk=event.pk).delete()
    with pytest.raises(ImmutableEvent):
        Event.objects.all().delete()
    assert Event.objects.filter(pk=event.pk).exists()


def test_a_refused_change_writes_neither_the_change_nor_an_event(
    seller: Any, expert: Any, administrator: Any
) -> None:
    with pytest.raises(InvalidInput):
        update_person(expert, {"title": "Arkitekt", "email": seller.email}, by=administrator, version=1)
    expert = Person.objects.get(pk=expert.pk)
    assert (expert.title, expert.email, expert.version) == ("", "frode@example.no", 1)
    assert not Event.objects.exists()


def test_a_change_whose_validation_fails_is_not_written(expert: Any) -> None:
    def refuse(current: Person) -> None:
        raise InvalidInput({"title": ["No."]})

    with pytest.raises(InvalidInput):
        actions.update(
            expert, {"title": "Arkitekt"}, by=expert, version=1, verb="person.updated", validate=refuse
        )
    assert Person.objects.get(pk=expert.pk).title == ""
    assert not Event.objects.exists()


def test_when_the_event_cannot_be_written_the_change_is_rolled_back(
    expert: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(self: DatabaseEventLog, **kwargs: Any) -> None:
        raise RuntimeError("the event log is unavailable")

    monkeypatch.setattr(DatabaseEventLog, "append", fail)
    with pytest.raises(RuntimeError):
        update_person(expert, {"title": "Arkitekt"}, by=expert, version=1)
    expert = Person.objects.get(pk=expert.pk)
    assert (expert.title, expert.version) == ("", 1)


def test_an_event_records_who_what_which_version_and_each_fields_before_and_after(expert: Any) -> None:
    update_person(expert, {"title": "Arkitekt", "phone": "99 99 99 99"}, by=expert, version=1)
    event = Event.objects.about(expert).get()
    assert (event.actor, event.verb, event.target_repr, event.target_version, event.target_id) == (
        expert,
        "person.updated",
        "Frode Fag",
        2,
        str(expert.pk),
    )
    assert event.changes == {
        "title": {"before": "", "after": "Arkitekt", "before_text": "—", "after_text": "Arkitekt"},
        "phone": {"before": "", "after": "99 99 99 99", "before_text": "—", "after_text": "99 99 99 99"},
    }
