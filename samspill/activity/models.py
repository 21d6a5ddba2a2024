"""The activity event log: one immutable row per change, the audit trail and the source of feeds."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _


class ImmutableEvent(Exception):
    """Events are never edited or deleted."""


class EventQuerySet(QuerySet["Event"]):
    def about(self, obj: models.Model) -> EventQuerySet:
        return self.filter(target_type=ContentType.objects.get_for_model(obj), target_id=obj.pk)

    def update(self, **kwargs: Any) -> int:
        raise ImmutableEvent("Events are never edited.")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        # Refuse before Django's own atomic block: failing inside it would break the caller's transaction.
        raise ImmutableEvent("Events are never edited.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableEvent("Events are never deleted.")


class Event(models.Model):
    """Something that happened to an object: who did it, when, and each field's before and after."""

    occurred_at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verb = models.CharField(_("what"), max_length=60, db_index=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.CharField(max_length=40)
    target_repr = models.CharField(_("object"), max_length=255)
    target_version = models.PositiveIntegerField(null=True, blank=True)
    context_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    context_id = models.CharField(max_length=40, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "id"], name="event_target"),
            models.Index(fields=["context_type", "context_id", "id"], name="event_context"),
            models.Index(fields=["actor", "id"], name="event_actor"),
        ]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return f"{self.verb} {self.target_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ImmutableEvent("Events are never edited.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("admin:activity_event_change", args=[self.pk])

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableEvent("Events are never deleted.")
