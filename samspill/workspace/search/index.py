"""Keeping the index in step with the registered search sources: one object, or all of them again."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

from samspill.lib.registry import SearchSource, registry, target_of
from samspill.workspace.search.engines import Entry, engine

BATCH = 1000
Progress = Callable[[str, int, int], None]


def sources(kinds: Iterable[str] | None = None) -> list[SearchSource]:
    """Return the registered sources, or those of `kinds` (ValueError for a kind nobody registered)."""
    if kinds is None:
        return list(registry.search_sources.values())
    unknown = [kind for kind in kinds if kind not in registry.search_sources]
    if unknown:
        raise ValueError(f"No search source is registered as {', '.join(unknown)}.")
    return [registry.search_sources[kind] for kind in kinds]


def sources_for(model: type[models.Model] | models.Model) -> list[SearchSource]:
    """Return the sources that cover `model`'s objects."""
    label = target_of(model)
    return [source for source in registry.search_sources.values() if target_of(source.model) == label]


def value_at(obj: Any, path: str | None) -> Any:
    """Return the value at an attribute path such as "customer_id", "opportunity.customer_id" or "pk"."""
    if not path:
        return None
    value = obj
    for part in path.replace("__", ".").split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def title_of(source: SearchSource, obj: Any) -> str:
    """Return the title a result shows: the source's title field or function, or the object itself."""
    if source.title is None:
        return str(obj)
    value = source.title(obj) if callable(source.title) else value_at(obj, source.title)
    return "" if value is None else str(value)


def body_of(source: SearchSource, obj: Any) -> str:
    """Return the searchable text of `obj` besides its title, one field a line."""
    parts = []
    for name in source.fields:
        if name == source.title:
            continue
        value = value_at(obj, name)
        if value not in (None, ""):
            parts.append(str(value))
    return "\n".join(parts)


def customer_of(source: SearchSource, obj: Any) -> int | None:
    value = value_at(obj, source.customer)
    return value.pk if isinstance(value, models.Model) else value


def day_of(source: SearchSource, obj: Any) -> datetime.date | None:
    value = value_at(obj, source.date)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value if isinstance(value, datetime.date) else None


def url_of(source: SearchSource, obj: Any) -> str:
    return source.url(obj) if source.url is not None else obj.get_absolute_url()


def entry_for(source: SearchSource, obj: Any) -> Entry:
    """Return what the index keeps about `obj` as an object of `source`."""
    return Entry(
        kind=source.key,
        object_id=obj.pk,
        customer_id=customer_of(source, obj),
        day=day_of(source, obj),
        title=title_of(source, obj),
        body=body_of(source, obj),
    )


def _objects(source: SearchSource) -> Any:
    return source.model._default_manager.select_related(*source.select_related)


def index_object(obj: models.Model) -> None:
    """Index `obj` as it is now, under every source that covers its model."""
    found = sources_for(obj)
    if found:
        engine().write([entry_for(source, obj) for source in found])


def remove_object(obj: models.Model) -> None:
    """Take `obj` out of the index."""
    for source in sources_for(obj):
        engine().delete(source.key, [obj.pk])


def refresh(model: type[models.Model], pk: Any) -> None:
    """Index the object `model` `pk` as stored now, or take it out of the index if it is gone."""
    for source in sources_for(model):
        try:
            obj = _objects(source).filter(pk=pk).first()
        except (ValueError, TypeError):  # a primary key of the wrong type: nothing to index
            continue
        if obj is None:
            engine().delete(source.key, [int(pk)])
        else:
            engine().write([entry_for(source, obj)])


def refresh_mentions(model: type[models.Model], pk: Any, changed: Iterable[str]) -> int:
    """Index again the objects whose text includes a changed field of `model` `pk` through a relation.

    An opportunity's text holds its customer's name ("customer.name"): renaming the customer must
    make the opportunities findable under the new name. Returns how many objects were indexed.
    """
    changed = set(changed)
    indexed = 0
    for source in registry.search_sources.values():
        for relation, attributes in _relations(source).items():
            try:
                related = source.model._meta.get_field(relation).related_model
            except FieldDoesNotExist:
                continue
            if related is None or target_of(related) != target_of(model) or not attributes & changed:
                continue
            objects = _objects(source).filter(**{relation: pk}).order_by("pk")
            last = None
            while batch := list((objects if last is None else objects.filter(pk__gt=last))[:BATCH]):
                engine().write([entry_for(source, obj) for obj in batch])
                indexed += len(batch)
                last = batch[-1].pk
    return indexed


def _relations(source: SearchSource) -> dict[str, set[str]]:
    """Return {relation: the related object's attributes the text uses} for paths like "customer.name"."""
    found: dict[str, set[str]] = {}
    for path in source.fields:
        parts = path.replace("__", ".").split(".")
        if len(parts) > 1:
            found.setdefault(parts[0], set()).add(parts[1])
    return found


def reindex(kinds: Iterable[str] | None = None, progress: Progress | None = None) -> dict[str, int]:
    """Rebuild the index of `kinds` (every source by default) from the database; return the count per kind.

    Objects are written in batches, each in its own transaction, so search keeps answering and other
    writers are never held up for long; entries of objects that no longer exist are removed at the end
    of each kind, and a full rebuild also forgets kinds nobody registers any more. Running it twice
    changes nothing.
    """
    chosen = sources(kinds)
    search_engine = engine()
    if kinds is None:
        for kind in search_engine.kinds() - set(registry.search_sources):
            search_engine.delete(kind, search_engine.object_ids(kind))
    counts = {source.key: _reindex_source(source, progress) for source in chosen}
    search_engine.optimise()
    return counts


def _reindex_source(source: SearchSource, progress: Progress | None) -> int:
    search_engine = engine()
    objects = _objects(source).order_by("pk")
    total = objects.count()
    if progress:
        progress(source.key, 0, total)
    seen: set[int] = set()
    last = None
    while True:
        batch = list((objects if last is None else objects.filter(pk__gt=last))[:BATCH])
        if not batch:
            break
        search_engine.write([entry_for(source, obj) for obj in batch])
        seen.update(obj.pk for obj in batch)
        last = batch[-1].pk
        if progress:
            progress(source.key, len(seen), total)
    search_engine.delete(source.key, search_engine.object_ids(source.key) - seen)
    return len(seen)
