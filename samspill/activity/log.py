"""The database implementation of the event log every action writes to."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst

from samspill.activity.models import Event
from samspill.lib.errors import OtherChange


def field_label(model: type[models.Model] | None, name: str) -> str:
    """Return how a changed field reads to people: its verbose name, or the key for "rates" and the like."""
    try:
        label = getattr(model._meta.get_field(name), "verbose_name", None) if model else None
    except FieldDoesNotExist:  # a key that is not a field, such as "rates" or "skills"
        label = None
    return capfirst(str(label or name.replace("_", " ")))


class DatabaseEventLog:
    def append(
        self,
        *,
        verb: str,
        target: models.Model,
        by: Any,
        changes: dict[str, dict[str, Any]] | None = None,
        data: dict[str, Any] | None = None,
        context: models.Model | None = None,
    ) -> Event:
        actor = by if getattr(by, "is_authenticated", False) else None
        return Event.objects.create(
            occurred_at=timezone.now(),
            actor=actor,
            verb=verb,
            target_type=ContentType.objects.get_for_model(target),
            target_id=str(target.pk),
            target_repr=str(target)[:255],
            target_version=getattr(target, "version", None),
            context_type=ContentType.objects.get_for_model(context) if context is not None else None,
            context_id=str(context.pk) if context is not None else "",
            changes=changes or {},
            data=data or {},
        )

    def changes_since(self, target: models.Model, version: int) -> list[OtherChange]:
        found = (
            Event.objects.about(target)
            .filter(target_version__gt=version)
            .select_related("actor")
            .order_by("id")
        )
        result = []
        for event in found:
            by = event.actor.name if event.actor else "Samspill"
            for name, change in event.changes.items():
                result.append(
                    OtherChange(
                        field=name,
                        label=field_label(target._meta.model, name),
                        before=change.get("before_text", ""),
                        after=change.get("after_text", ""),
                        by=by,
                        at=event.occurred_at,
                        before_value=change.get("before"),
                        after_value=change.get("after"),
                    )
                )
        return result
