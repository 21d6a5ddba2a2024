"""The event log's interface for every app; the `activity` app supplies the implementation.

Apps below `activity` (people) must still append events inside their actions' transactions, so
they call these functions and `activity` registers the writer when Django starts.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from django.db import models, transaction

from samspill.lib.errors import OtherChange


class EventLog(Protocol):
    def append(
        self,
        *,
        verb: str,
        target: models.Model,
        by: Any,
        changes: dict[str, dict[str, Any]] | None = None,
        data: dict[str, Any] | None = None,
        context: models.Model | None = None,
    ) -> Any: ...

    def changes_since(self, target: models.Model, version: int) -> list[OtherChange]: ...


_log: EventLog | None = None
_listeners: list[Callable[[Any], None]] = []
_followers: dict[str, list[Callable[[Any, Any], None]]] = {}


def install(log: EventLog) -> None:
    """Make `log` the event log every action writes to."""
    global _log
    _log = log


def _current() -> EventLog:
    if _log is None:
        raise RuntimeError("No event log installed: is samspill.activity in INSTALLED_APPS?")
    return _log


def on_event(listener: Callable[[Any], None]) -> None:
    """Call `listener(event)` for every event, once the transaction that appended it has committed.

    A listener that fails is logged and does not undo or fail the action (the search index follows
    the data this way and `samspill reindex` repairs it).
    """
    if listener not in _listeners:
        _listeners.append(listener)


def follow_within(verb: str, follower: Callable[[Any, Any], None]) -> None:
    """Call `follower(event, target)` for every `verb` event inside the transaction that appends it.

    This is how a higher app carries on what a lower app's action started, all or nothing: winning an
    opportunity opens its handover in the same transaction, although `pipeline` never imports `handover`.
    A follower that raises undoes the action.
    """
    followers = _followers.setdefault(verb, [])
    if follower not in followers:
        followers.append(follower)


def append_event(
    *,
    verb: str,
    target: models.Model,
    by: Any,
    changes: dict[str, dict[str, Any]] | None = None,
    data: dict[str, Any] | None = None,
    context: models.Model | None = None,
) -> Any:
    """Append one immutable event to the log (call inside the action's transaction)."""
    event = _current().append(verb=verb, target=target, by=by, changes=changes, data=data, context=context)
    for follower in _followers.get(verb, ()):
        follower(event, target)
    for listener in _listeners:
        transaction.on_commit(functools.partial(listener, event), robust=True)
    return event


def changes_since(target: models.Model, version: int) -> list[OtherChange]:
    """Return the field changes made to `target` after `version`, oldest first."""
    return _current().changes_since(target, version)


def plain(value: Any) -> Any:
    """Return a JSON-safe form of a field value for the event's before/after."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, Iterable):
        return [plain(item) for item in value]
    return str(value)


def shown(value: Any) -> str:
    """Return how a field value reads to a person in an event or a conflict message."""
    from samspill.lib.templatetags.samspill import display_value

    return display_value(value)
