"""The task worker: django-tasks-db's worker loop, plus a heartbeat and the periodic-job scheduler.

The heartbeat and the scheduler run in one background thread with its own database connection.
With several workers, each periodic job still runs once per period: a worker first claims the
period with a conditional update of the job's `PeriodicJobRun` row, and only the worker whose
update changed the row enqueues the job.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading
import time
from collections.abc import Iterable

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Worker

from samspill.lib import registry
from samspill.lib.models import PeriodicJobRun, WorkerHeartbeat
from samspill.lib.registry import PeriodicJob

logger = logging.getLogger("samspill.worker")

SCHEDULER_SECONDS = 5.0
RETRY_SECONDS = 1.0
STOP_TIMEOUT_SECONDS = 10.0


def default_worker_id() -> str:
    """Return an id naming this host and process, unique among the running workers."""
    return f"{socket.gethostname()[:50]}-{os.getpid()}"


def beat(worker_id: str, *, started_at: datetime.datetime, now: datetime.datetime | None = None) -> None:
    """Record that the worker `worker_id` is alive at `now`."""
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "seen_at": now or timezone.now(),
        },
    )


def claim_period(job: PeriodicJob, *, worker_id: str, now: datetime.datetime) -> bool:
    """Claim the run of `job` at `now` if its last run is a period old; return whether this worker won."""
    PeriodicJobRun.objects.get_or_create(name=job.name)
    due = Q(last_run_at__isnull=True) | Q(last_run_at__lte=now - job.every)
    period = PeriodicJobRun.objects.filter(due, name=job.name)
    return period.update(last_run_at=now, last_worker_id=worker_id) == 1


def run_due_jobs(
    worker_id: str, *, now: datetime.datetime | None = None, jobs: Iterable[PeriodicJob] | None = None
) -> list[str]:
    """Enqueue each periodic job whose current period this worker wins; return their names."""
    now = now or timezone.now()
    jobs = list(registry.registry.periodic_jobs.values()) if jobs is None else jobs
    return [job.name for job in jobs if _run_if_due(job, worker_id=worker_id, now=now)]


def _run_if_due(job: PeriodicJob, *, worker_id: str, now: datetime.datetime) -> bool:
    # Claim and enqueue commit together: if enqueueing fails, the period stays free for a retry.
    try:
        with transaction.atomic():
            if not claim_period(job, worker_id=worker_id, now=now):
                return False
            job.enqueue()
    except Exception:
        logger.exception("Could not enqueue the periodic job %s; it is tried again later.", job.name)
        return False
    logger.info("Enqueued the periodic job %s.", job.name)
    return True


class WorkerCompanion(threading.Thread):
    """Beat for /healthz and run the scheduler beside the task loop, on the thread's own connection."""

    def __init__(
        self,
        worker_id: str,
        *,
        schedule: bool = True,
        heartbeat_seconds: float | None = None,
        scheduler_seconds: float = SCHEDULER_SECONDS,
    ) -> None:
        super().__init__(name="samspill-worker-companion", daemon=True)
        self.worker_id = worker_id
        self.schedule = schedule
        self.heartbeat_seconds = heartbeat_seconds or settings.WORKER_HEARTBEAT_SECONDS
        self.scheduler_seconds = scheduler_seconds
        self.started_at = timezone.now()
        self.stopping = threading.Event()
        self._next_beat = self._next_schedule = time.monotonic()

    def run(self) -> None:
        """Beat and schedule until stopped, then remove the heartbeat and close the connection."""
        try:
            while not self.stopping.is_set():
                try:
                    self._tick()
                except Exception:  # the thread must outlive any one failure, or /healthz goes stale
                    logger.exception("The worker's heartbeat or scheduler failed; carrying on.")
                self.stopping.wait(self._seconds_to_next_tick())
        finally:
            self._remove_heartbeat()
            connection.close()

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Ask the thread to finish and wait for it."""
        self.stopping.set()
        if self.is_alive():
            self.join(timeout)

    def _tick(self) -> None:
        close_old_connections()  # drop a connection that broke or outlived CONN_MAX_AGE, as requests do
        now = time.monotonic()
        if now >= self._next_beat:
            self._next_beat = now + RETRY_SECONDS
            if self._beat():
                self._next_beat = now + self.heartbeat_seconds
        if self.schedule and now >= self._next_schedule:
            self._next_schedule = now + self.scheduler_seconds
            run_due_jobs(self.worker_id)

    def _seconds_to_next_tick(self) -> float:
        due = min(self._next_beat, self._next_schedule) if self.schedule else self._next_beat
        return max(0.1, due - time.monotonic())

    def _beat(self) -> bool:
        try:
            beat(self.worker_id, started_at=self.started_at)
        except DatabaseError as error:  # SQLite may be locked for a moment: try again soon
            logger.warning("Heartbeat failed (%s); trying again in %s s.", error, RETRY_SECONDS)
            return False
        return True

    def _remove_heartbeat(self) -> None:
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError as error:
            logger.warning("Could not remove the heartbeat of %s (%s).", self.worker_id, error)


def run_worker(*, queue_names: list[str], interval: float, worker_id: str, schedule: bool) -> None:
    """Run tasks until SIGINT or SIGTERM, with the heartbeat and the scheduler beside them."""
    worker = Worker(
        queue_names=queue_names,
        interval=interval,
        batch=False,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=True,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    companion = WorkerCompanion(worker_id, schedule=schedule)
    worker.configure_signals()
    companion.start()
    logger.info("Worker %s started (scheduler %s).", worker_id, "on" if schedule else "off")
    try:
        worker.run()
    finally:
        companion.stop()
        logger.info("Worker %s stopped.", worker_id)
