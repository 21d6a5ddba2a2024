"""Where apps register what other apps' pages show, so a lower app never imports a higher one.

- panels: a block on another object's page ("customers.customer" gets an opportunities panel);
- start items: blocks on the start page, "what needs me today";
- search sources and feed sources: what search and activity feeds cover, and feed wordings: how an
  app's events read there when a phrase with the actor and the object is not enough;
- access: which function decides who may see and change a model's objects;
- periodic jobs: what the worker's scheduler enqueues, and how often;
- agreement usage: what besides won call-offs uses a framework agreement's ceiling (accepted change
  requests of its projects).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string

ContextFn = Callable[..., dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    """A block one app adds to a page of another app (or to the start page)."""

    key: str
    template: str
    context: ContextFn
    order: int = 100


@dataclass(frozen=True)
class SearchSource:
    """A kind of object search covers: its rows' text, and who may see them.

    `fields` are the attribute paths whose text is searchable. The rest is optional: `title` names the
    field (or a function of the object) a result is titled with, `str(obj)` by default; `customer` is
    the attribute path to the object's customer id ("customer_id"; "pk" for customers) for the
    customer filter; `date` the field the date filter and the results show; `url` a function giving a
    result's link, `get_absolute_url()` by default; `select_related` what to join when loading results;
    `icon` the Bootstrap icon of the kind's badge.
    """

    key: str
    label: Any
    model: type[models.Model]
    fields: tuple[str, ...]
    visible_to: Callable[[Any], QuerySet[Any]]
    title: str | Callable[[Any], Any] | None = None
    customer: str | None = None
    date: str | None = None
    url: Callable[[Any], str] | None = None
    select_related: tuple[str, ...] = ()
    icon: str = "search"


@dataclass(frozen=True)
class FeedSource:
    """Which events belong on a page's feed: `events_for(obj)` returns a filter on the event log."""

    target: str
    events_for: Callable[[models.Model], Q]


@dataclass(frozen=True)
class Access:
    """The one place that decides who may see and change a model's objects."""

    visible_to: Callable[[Any], QuerySet[Any]]
    can_change: Callable[[Any, models.Model], bool]


@dataclass(frozen=True)
class PeriodicJob:
    """A task the worker's scheduler enqueues once per period, whatever the number of workers."""

    name: str
    every: datetime.timedelta
    enqueue: Callable[[], Any]


# Given one feed's events of some verbs, newest first, return each one's line by event id: a sentence,
# or None when the event is folded into another event's line (several weeks approved at once). Events
# left out of the answer read as their verb's phrase.
FeedWording = Callable[[list[Any]], dict[int, str | None]]


@dataclass
class Registry:
    panels: dict[str, list[Panel]] = field(default_factory=dict)
    search_sources: dict[str, SearchSource] = field(default_factory=dict)
    feed_sources: dict[str, list[FeedSource]] = field(default_factory=dict)
    access: dict[str, Access] = field(default_factory=dict)
    periodic_jobs: dict[str, PeriodicJob] = field(default_factory=dict)
    verbs: dict[str, Any] = field(default_factory=dict)
    feed_wordings: dict[str, FeedWording] = field(default_factory=dict)
    agreement_usage: dict[str, Callable[[Any, Any], Any]] = field(default_factory=dict)


registry = Registry()

START = "start"


def target_of(model: type[models.Model] | models.Model | str) -> str:
    """Return the registry key of a model: its `app_label.model_name`."""
    if isinstance(model, str):
        return model
    return model._meta.label_lower


def register_panel(
    target: type[models.Model] | str, *, key: str, template: str, context: ContextFn, order: int = 100
) -> None:
    """Show `template` on `target`'s page, with `context(request, obj)` (None hides the panel)."""
    panels = registry.panels.setdefault(target_of(target), [])
    panels[:] = [p for p in panels if p.key != key] + [Panel(key, template, context, order)]
    panels.sort(key=lambda p: (p.order, p.key))


def register_start_item(*, key: str, template: str, context: ContextFn, order: int = 100) -> None:
    """Show `template` on the start page, with `context(request)` (None hides it)."""
    register_panel(START, key=key, template=template, context=context, order=order)


def render_panels(
    target: type[models.Model] | models.Model | str, request: HttpRequest, obj: models.Model | None = None
) -> list[dict[str, str]]:
    """Render the panels registered for `target`, in order, skipping those with nothing to show."""
    rendered = []
    for panel in registry.panels.get(target_of(target), []):
        context = panel.context(request) if obj is None else panel.context(request, obj)
        if context is None:
            continue
        html = render_to_string(panel.template, {**context, "object": obj}, request=request)
        rendered.append({"key": panel.key, "html": html})
    return rendered


def register_search_source(source: SearchSource) -> None:
    """Make search cover `source`."""
    registry.search_sources[source.key] = source


def register_feed_source(target: type[models.Model] | str, events_for: Callable[[models.Model], Q]) -> None:
    """Add the events `events_for(obj)` selects to the feed of every `target` object."""
    registry.feed_sources.setdefault(target_of(target), []).append(FeedSource(target_of(target), events_for))


def feed_filter(obj: models.Model) -> Q | None:
    """Return the filter on the event log that makes up `obj`'s feed, or None if nothing feeds it."""
    sources = registry.feed_sources.get(target_of(obj), [])
    if not sources:
        return None
    combined = Q()
    for source in sources:
        combined |= source.events_for(obj)
    return combined


def register_access(
    model: type[models.Model],
    *,
    visible_to: Callable[[Any], QuerySet[Any]],
    can_change: Callable[[Any, models.Model], bool],
) -> None:
    """Record which functions decide access to `model`'s objects."""
    registry.access[target_of(model)] = Access(visible_to, can_change)


def access_for(model: type[models.Model] | models.Model | str) -> Access:
    """Return the access functions registered for `model`; KeyError if none were."""
    return registry.access[target_of(model)]


def register_periodic_job(name: str, *, every: datetime.timedelta, enqueue: Callable[[], Any]) -> None:
    """Have the worker's scheduler call `enqueue` once per `every`."""
    registry.periodic_jobs[name] = PeriodicJob(name, every, enqueue)


def register_verbs(phrases: dict[str, Any]) -> None:
    """Say how events read in feeds: {"customer.updated": _("%(actor)s changed %(object)s")}."""
    registry.verbs.update(phrases)


def register_feed_wording(verbs: list[str], word: FeedWording) -> None:
    """Have `word(events)` write the feed lines of events with these verbs, a whole feed's at once, so
    that what the lines name (people, weeks, hours) is read in one query, not one per line."""
    for verb in verbs:
        registry.feed_wordings[verb] = word


def register_agreement_usage(key: str, used: Callable[[Any, Any], Any]) -> None:
    """Count `used(agreement, user)` (an amount) as used of a framework agreement's ceiling."""
    registry.agreement_usage[key] = used


def agreement_usage(agreement: Any, user: Any) -> Any:
    """Return the amount of `agreement` the registered sources use, as `user` may see it (0 if none)."""
    sources = registry.agreement_usage.values()
    return sum((Decimal(used(agreement, user) or 0) for used in sources), Decimal(0))
