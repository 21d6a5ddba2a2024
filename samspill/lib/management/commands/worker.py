"""`samspill worker`: run background tasks, beat for /healthz and enqueue the periodic jobs."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django_tasks import DEFAULT_TASK_QUEUE_NAME
from django_tasks_db.management.commands.db_worker import valid_interval, validate_worker_id

from samspill.lib.worker import default_worker_id, run_worker


class Command(BaseCommand):
    help = "Run background tasks and the periodic-job scheduler until SIGINT or SIGTERM."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queue-name",
            default=DEFAULT_TASK_QUEUE_NAME,
            help="Queues to take tasks from, comma-separated; '*' for all (default: %(default)s).",
        )
        parser.add_argument(
            "--interval",
            type=valid_interval,
            default=1.0,
            help="Seconds to wait when no task is ready (default: %(default)s).",
        )
        parser.add_argument(
            "--worker-id",
            type=validate_worker_id,
            default=None,
            help="A name unique among the running workers (default: host and process id).",
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_false",
            dest="schedule",
            help="Do not enqueue periodic jobs from this worker.",
        )

    def handle(
        self, *, queue_name: str, interval: float, worker_id: str | None, schedule: bool, **options: Any
    ) -> None:
        run_worker(
            queue_names=queue_name.split(","),
            interval=interval,
            worker_id=worker_id or default_worker_id(),
            schedule=schedule,
        )
