"""Building blocks shared by every app, and the few rows the platform itself keeps."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Versioned(models.Model):
    """A domain object changed only through actions, which bump its version on every change."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class WorkerHeartbeat(models.Model):
    """The last sign of life from one task worker process; /healthz reads the freshest."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.seen_at:%Y-%m-%d %H:%M:%S})"


class PeriodicJobRun(models.Model):
    """When a periodic job last ran; claimed with a conditional update so one worker runs it per period."""

    name = models.CharField(max_length=100, unique=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_worker_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SeedRun(models.Model):
    """One run of the demo/bench data generator; /healthz is only ok once the demo data is loaded."""

    size = models.CharField(max_length=10)
    seed = models.IntegerField()
    today = models.DateField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.size} seed={self.seed}"
