"""Old task results are pruned; recent ones and unfinished ones stay."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from samspill.lib.models import WorkerHeartbeat
from samspill.lib.tasks import prune_task_results
from samspill.lib.tests.tasks_for_tests import record_run


def _result(status: str, *, finished_days_ago: int | None) -> DBTaskResult:
    result = DBTaskResult.objects.get(id=record_run.enqueue("/dev/null", status).id)
    finished_at = None
    if finished_days_ago is not None:
        finished_at = timezone.now() - datetime.timedelta(days=finished_days_ago)
    DBTaskResult.objects.filter(pk=result.pk).update(status=status, finished_at=finished_at)
    return result


def test_it_deletes_results_that_finished_more_than_two_weeks_ago_and_keeps_the_rest(db: Any) -> None:
    old_success = _result("SUCCESSFUL", finished_days_ago=15)
    old_failure = _result("FAILED", finished_days_ago=30)
    recent = _result("SUCCESSFUL", finished_days_ago=13)
    waiting = _result("READY", finished_days_ago=None)

    assert prune_task_results.call() == 2
    remaining = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk, waiting.pk}
    assert old_success.pk not in remaining and old_failure.pk not in remaining


def test_it_forgets_heartbeats_of_workers_gone_for_more_than_a_day(db: Any) -> None:
    now = timezone.now()
    for worker_id, age in (("gone", datetime.timedelta(days=2)), ("alive", datetime.timedelta(seconds=5))):
        WorkerHeartbeat.objects.create(worker_id=worker_id, started_at=now - age, seen_at=now - age)
    prune_task_results.call()
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive"]
