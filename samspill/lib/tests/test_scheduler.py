"""The scheduler: each periodic job runs once per period, however many workers race for it."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import connection

from samspill.lib.models import PeriodicJobRun
from samspill.lib.registry import PeriodicJob
from samspill.lib.worker import claim_period, run_due_jobs

NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)
HOURLY = PeriodicJob("test.hourly", every=datetime.timedelta(hours=1), enqueue=lambda: None)


def test_the_first_claim_of_a_period_wins_and_the_second_loses(db: Any) -> None:
    assert claim_period(HOURLY, worker_id="one", now=NOON) is True
    assert claim_period(HOURLY, worker_id="two", now=NOON + datetime.timedelta(minutes=1)) is False
    run = PeriodicJobRun.objects.get(name="test.hourly")
    assert (run.last_run_at, run.last_worker_id) == (NOON, "one")


def test_the_job_can_be_claimed_again_once_its_period_has_passed(db: Any) -> None:
    claim_period(HOURLY, worker_id="one", now=NOON)
    assert claim_period(HOURLY, worker_id="two", now=NOON + datetime.timedelta(minutes=59)) is False
    assert claim_period(HOURLY, worker_id="two", now=NOON + datetime.timedelta(hours=1)) is True
    assert PeriodicJobRun.objects.get(name="test.hourly").last_worker_id == "two"


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="in-memory SQLite refuses concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_only_one_of_several_racing_schedulers_claims_a_period() -> None:
    start = threading.Barrier(4)
    wins: list[bool] = []

    def race(worker_id: str) -> None:
        start.wait()
        try:
            wins.append(claim_period(HOURLY, worker_id=worker_id, now=NOON))
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(f"worker-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(wins) == [False, False, False, True]


def test_due_jobs_are_enqueued_once_per_period(db: Any) -> None:
    enqueued: list[str] = []
    job = PeriodicJob("test.counted", every=datetime.timedelta(hours=6), enqueue=lambda: enqueued.append("x"))
    for minutes in (0, 5, 10):
        run_due_jobs("one", now=NOON + datetime.timedelta(minutes=minutes), jobs=[job])
        run_due_jobs("two", now=NOON + datetime.timedelta(minutes=minutes), jobs=[job])
    assert enqueued == ["x"]
    assert run_due_jobs("two", now=NOON + datetime.timedelta(hours=6), jobs=[job]) == ["test.counted"]


def test_a_job_that_fails_to_enqueue_leaves_its_period_free_for_another_try(db: Any) -> None:
    def broken() -> None:
        raise RuntimeError("queue unavailable")

    flaky = PeriodicJob("test.flaky", every=datetime.timedelta(hours=1), enqueue=broken)
    assert run_due_jobs("one", now=NOON, jobs=[flaky]) == []
    assert not PeriodicJobRun.objects.filter(name="test.flaky", last_run_at__isnull=False).exists()
    assert claim_period(flaky, worker_id="two", now=NOON) is True


def test_task_results_are_pruned_by_a_job_registered_every_six_hours() -> None:
    from samspill.lib.registry import registry

    job = registry.periodic_jobs["lib.prune_task_results"]
    assert job.every == datetime.timedelta(hours=6)
