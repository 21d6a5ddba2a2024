"""Background work on projects: the daily scan that finds deviations no action triggered (dates passing)."""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django_tasks import task

from samspill.delivery.detection import detect_for
from samspill.delivery.models import Project
from samspill.lib.registry import register_periodic_job

logger = logging.getLogger(__name__)

BATCH = 200


def scan_running_projects(*, today: datetime.date | None = None, batch: int = BATCH) -> int:
    """Run the deviation rules over every running project, a batch at a time; return how many opened.

    Each batch reads its projects, packages, milestones, expectations and open deviations in five
    queries, and writes only what opens, closes or changes.
    """
    opened = 0
    last = 0
    while True:
        projects = list(
            Project.objects.running()
            .filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "opportunity_id", "manager_id", "status")[:batch]
        )
        if not projects:
            return opened
        with transaction.atomic():  # one batch at a time: a failure loses one batch, not the scan
            opened += len(detect_for(projects, today=today))
        last = projects[-1].pk


@task()
def scan_deviations() -> int:
    """Find the deviations of every running project (the daily scan); return how many opened."""
    opened = scan_running_projects()
    logger.info("The deviation scan opened %d deviations.", opened)
    return opened


register_periodic_job(
    "delivery.scan_deviations", every=datetime.timedelta(days=1), enqueue=scan_deviations.enqueue
)
