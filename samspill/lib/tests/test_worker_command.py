"""`samspill worker` as it runs in production: real processes sharing the test database."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from samspill.lib.models import WorkerHeartbeat
from samspill.lib.tests.processes import Children, share_test_database, stop, wait_until
from samspill.lib.tests.tasks_for_tests import record_run

RECORD_RUN = "samspill.lib.tests.tasks_for_tests.record_run"
PRUNE = "samspill.lib.tasks.prune_task_results"


@pytest.fixture
def children(tmp_path: Path) -> Iterator[Children]:
    started = Children(tmp_path)
    yield started
    started.kill_all()


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_a_task_beats_and_stops_on_sigterm(tmp_path: Path, children: Children) -> None:
    runs = tmp_path / "runs.log"
    record_run.enqueue(str(runs), "only")
    database = share_test_database(tmp_path)
    worker = children.start("worker", "--interval", "0.1", "--worker-id", "solo", database=database)

    wait_until(
        lambda: database.count(DBTaskResult, task_path=RECORD_RUN, status="SUCCESSFUL") == 1,
        timeout=20,
        explain=children.outputs,
    )
    assert database.count(WorkerHeartbeat, worker_id="solo") == 1
    wait_until(lambda: database.count(DBTaskResult, task_path=PRUNE), timeout=10, explain=children.outputs)
    asked_to_stop = time.monotonic()
    assert stop(worker) == 0, children.outputs()
    assert time.monotonic() - asked_to_stop < 5
    assert database.count(WorkerHeartbeat) == 0
    assert runs.read_text().split()[0] == "only"


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED claiming needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_workers_run_each_task_exactly_once(tmp_path: Path, children: Children) -> None:
    runs = tmp_path / "runs.log"
    for number in range(40):
        record_run.enqueue(str(runs), f"task-{number}")
    database = share_test_database(tmp_path)
    workers = [
        children.start("worker", "--interval", "0.1", "--worker-id", name, database=database)
        for name in ("one", "two")
    ]

    results = DBTaskResult.objects.filter(task_path=RECORD_RUN)
    wait_until(
        lambda: results.filter(status="SUCCESSFUL").count() == 40, timeout=60, explain=children.outputs
    )
    assert [stop(worker) for worker in workers] == [0, 0], children.outputs()

    keys = Counter(line.split()[0] for line in runs.read_text().splitlines())
    assert keys == Counter(f"task-{number}" for number in range(40))
    assert all(len(ids) == 1 for ids in results.values_list("worker_ids", flat=True))
    assert {ids[0] for ids in results.values_list("worker_ids", flat=True)} == {"one", "two"}
    assert DBTaskResult.objects.filter(task_path=PRUNE).count() == 1
