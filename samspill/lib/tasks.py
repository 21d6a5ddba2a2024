"""The platform's own background tasks, and when the scheduler runs them."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from samspill.lib.models import WorkerHeartbeat
from samspill.lib.registry import register_periodic_job

TASK_RESULTS_KEPT_FOR = datetime.timedelta(days=14)
HEARTBEATS_KEPT_FOR = datetime.timedelta(days=1)


@task()
def prune_task_results() -> int:
    """Delete task results older than two weeks and stale worker heartbeats; return the results deleted."""
    cutoff = timezone.now() - TASK_RESULTS_KEPT_FOR
    deleted, _by_model = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    # A worker killed without a clean stop leaves its heartbeat row; forget it after a day.
    WorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - HEARTBEATS_KEPT_FOR).delete()
    return deleted


register_periodic_job(
    "lib.prune_task_results", every=datetime.timedelta(hours=6), enqueue=prune_task_results.enqueue
)
