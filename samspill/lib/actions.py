"""Helpers every app's actions use: version checks, field diffs and the event they append."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.utils.translation import gettext as _

from samspill.lib import events
from samspill.lib.errors import InvalidInput, StaleVersion

M = TypeVar("M", bound=models.Model)


def lock(obj: M) -> M:
    """Return a fresh copy of `obj` locked for update until the transaction ends."""
    # `_meta.model`, not `type(obj)`: `request.user` is a lazy wrapper whose type is not the model.
    manager = obj._meta.model._default_manager
    return cast(M, manager.select_for_update().get(pk=obj.pk))


def check_version(current: models.Model, version: int | None) -> None:
    """Refuse a change made from an older version than the one stored, naming what changed."""
    stored: int = current.version  # type: ignore[attr-defined]
    if version is None or version == stored:
        return
    if version > stored:
        raise InvalidInput(
            {
                "version": [
                    _("Version %(version)d does not exist; the latest is %(stored)d.")
                    % {"version": version, "stored": stored}
                ]
            }
        )
    raise StaleVersion(current.version, events.changes_since(current, version))  # type: ignore[attr-defined]


def diff(obj: models.Model, changes: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Return {field: {"before", "after", "before_text", "after_text"}} for the values that differ."""
    result: dict[str, dict[str, Any]] = {}
    for name, after in changes.items():
        before = getattr(obj, name)
        if _same(before, after):
            continue
        result[name] = {
            "before": events.plain(before),
            "after": events.plain(after),
            "before_text": _text(obj, name, before),
            "after_text": _text(obj, name, after),
        }
    return result


def _text(obj: models.Model, name: str, value: Any) -> str:
    """Return how a field's value reads: a choice's label ("Terminated") rather than its code."""
    try:
        field = obj._meta.get_field(name)
    except FieldDoesNotExist:
        return events.shown(value)
    choices = getattr(field, "flatchoices", None)
    if choices and value not in (None, ""):
        return str(dict(choices).get(value, value))
    return events.shown(value)


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, models.Model) or isinstance(after, models.Model):
        return getattr(before, "pk", before) == getattr(after, "pk", after)
    if before in (None, "") and after in (None, ""):
        return True
    return bool(before == after)


def update(
    obj: M,
    changes: Mapping[str, Any],
    *,
    by: Any,
    version: int | None,
    verb: str,
    context: models.Model | None = None,
    validate: Callable[[M], None] | None = None,
) -> M:
    """Apply `changes` to `obj` if nobody saved it since `version`; append one event; return the object.

    Nothing is written and no event is appended when no value changes.
    """
    with transaction.atomic():
        current = lock(obj)
        check_version(current, version)
        changed = diff(current, changes)
        if not changed:
            return current
        for name in changed:
            setattr(current, name, changes[name])
        if validate is not None:
            validate(current)
        current.version += 1  # type: ignore[attr-defined]
        current.save()
        events.append_event(verb=verb, target=current, by=by, changes=changed, context=context)
    return current


def create(obj: M, *, by: Any, verb: str, context: models.Model | None = None, fields: list[str]) -> M:
    """Save a new object and append its creation event with the initial value of `fields`."""
    with transaction.atomic():
        obj.save()
        initial = {
            name: {
                "before": None,
                "after": events.plain(getattr(obj, name)),
                "before_text": "",
                "after_text": _text(obj, name, getattr(obj, name)),
            }
            for name in fields
            if getattr(obj, name) not in (None, "")
        }
        events.append_event(verb=verb, target=obj, by=by, changes=initial, context=context)
    return obj
