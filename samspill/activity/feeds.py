"""Activity feeds: an object's events in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from samspill.activity.log import field_label
from samspill.activity.models import Event
from samspill.lib import registry


@dataclass
class FeedLine:
    event: Event
    sentence: str
    changes: list[tuple[str, str, str]]


def about(obj: models.Model) -> Q:
    """Filter events on `obj` itself."""
    return Q(target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk))


def within(obj: models.Model) -> Q:
    """Filter events whose context is `obj` (a customer's contacts and agreements, …)."""
    return Q(context_type=ContentType.objects.get_for_model(obj), context_id=str(obj.pk))


def describe(event: Event) -> str:
    """Return the event as a sentence: "Selma Salg changed the customer Fjordkraft AS"."""
    actor = event.actor.name if event.actor else "Samspill"
    # An app that registers no phrase for a verb still gets a readable sentence.
    phrase = registry.registry.verbs.get(event.verb) or _("%(actor)s changed %(object)s")
    return str(phrase) % {"actor": actor, "object": event.target_repr}


def _changes(event: Event) -> list[tuple[str, str, str]]:
    model = event.target_type.model_class()
    return [
        (field_label(model, name), change.get("before_text", ""), change.get("after_text", ""))
        for name, change in (event.changes or {}).items()
    ]


# A wording may fold several events into one line, so a feed reads this many times the lines it shows.
READ_AHEAD = 3


def feed_for(obj: models.Model, user: Any, *, limit: int = 20) -> list[FeedLine]:
    """Return the latest events of `obj` and of what the registered feed sources add to it."""
    condition = about(obj)
    extra = registry.feed_filter(obj)
    if extra is not None:
        condition |= extra
    found = list(
        Event.objects.filter(condition)
        .select_related("actor", "target_type")
        .order_by("-id")[: limit * READ_AHEAD]
    )
    return _lines(found)[:limit]


def _lines(events: list[Event]) -> list[FeedLine]:
    """Each event as a line: in the words its app registered for it, else its verb's phrase."""
    by_wording: dict[Any, list[Event]] = {}
    for event in events:
        word = registry.registry.feed_wordings.get(event.verb)
        if word is not None:
            by_wording.setdefault(word, []).append(event)
    worded: dict[int, str | None] = {}
    for word, group in by_wording.items():
        worded.update(word(group))
    lines = []
    for event in events:
        if event.pk not in worded:
            lines.append(FeedLine(event, describe(event), _changes(event)))
        elif (sentence := worded[event.pk]) is not None:
            lines.append(FeedLine(event, sentence, []))
    return lines
