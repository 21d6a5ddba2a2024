"""Background work on projects: the daily scan that finds the deviations no action triggered and refreshes
the health that dates alone change (a milestone's day passing)."""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from samspill.delivery.actions.projects import refresh_health
from samspill.delivery.detection import detect_for
from samspill.delivery.models import Project
from samspill.lib.registry import register_periodic_job

logger = logging.getLogger(__name__)

BATCH = 200


def scan_running_projects(*, today: datetime.date | None = None, batch: int = BATCH) -> int:
    """Run the deviation rules over every running project and store its health on `today`, a batch at a
    time; return how many deviations opened.

    Each batch reads its projects, then what the rules read (packages, milestones, expectations, open
    deviations: four queries) and what health reads (packages, milestones, latest reports, expectations,
    deviations raised by hand: five), and writes only what opens, closes or changes.
    """
    today = today or timezone.localdate()
    opened = 0
    last = 0
    while True:
        projects = list(
            Project.objects.running()
            .filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "opportunity_id", "manager_id", "status", "health", "starts_on", "ends_on")[:batch]
        )
        if not projects:
            return opened
        with transaction.atomic():  # one batch at a time: a failure loses one batch, not the scan
            opened += len(detect_for(projects, today=today))
            refresh_health(projects, today=today)
        last = projects[-1].pk


@task()
def scan_deviations() -> int:
    """Find the deviations and refresh the health of every running project (the daily scan); return how
    many deviations opened."""
    opened = scan_running_projects()
    logger.info("The deviation scan opened %d deviations.", opened)
    return opened


register_periodic_job(
    "delivery.scan_deviations", every=datetime.timedelta(days=1), enqueue=scan_deviations.enqueue
)
