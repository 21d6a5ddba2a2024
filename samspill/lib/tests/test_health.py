"""/healthz and the worker heartbeat it reads."""

from __future__ import annotations

import datetime
import threading
from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from samspill.lib import health, worker
from samspill.lib.models import SeedRun, WorkerHeartbeat


def _seed_run(*, finished: bool) -> SeedRun:
    now = timezone.now()
    return SeedRun.objects.create(
        size="small", seed=1, today=now.date(), started_at=now, finished_at=now if finished else None
    )


def test_the_worker_is_ok_right_after_a_heartbeat(db: Any) -> None:
    worker.beat("w1", started_at=timezone.now())
    assert health.report()[1]["worker"] == "ok"


def test_a_heartbeat_older_than_a_minute_is_stale(db: Any) -> None:
    long_ago = timezone.now() - datetime.timedelta(seconds=90)
    worker.beat("w1", started_at=long_ago, now=long_ago)
    assert health.report()[1]["worker"].startswith("stale")


def test_the_worker_is_missing_without_any_heartbeat(db: Any) -> None:
    status, body = health.report()
    assert (status, body["worker"], body["status"]) == (200, "missing", "degraded")


def test_the_freshest_heartbeat_of_several_workers_counts(db: Any) -> None:
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    worker.beat("old", started_at=long_ago, now=long_ago)
    worker.beat("new", started_at=long_ago)
    assert health.report()[1]["worker"] == "ok"


def test_status_is_ok_when_every_part_is_ok_and_the_demo_data_is_loaded(db: Any) -> None:
    worker.beat("w1", started_at=timezone.now())
    _seed_run(finished=True)
    assert health.report() == (
        200,
        {"status": "ok", "database": "ok", "channel_layer": "ok", "worker": "ok", "demo_data": "loaded"},
    )


def test_status_is_degraded_while_the_demo_data_is_loading(db: Any) -> None:
    worker.beat("w1", started_at=timezone.now())
    _seed_run(finished=False)
    assert health.report()[1]["status"] == "degraded"


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_json_without_a_login() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert {"status", "database", "channel_layer", "worker"} <= set(response.json())
    assert response.json()["database"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_down_when_the_database_does_not_answer() -> None:
    with mock.patch.object(health, "_database", side_effect=OperationalError("connection refused")):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["database"].startswith("down")


@pytest.mark.django_db(transaction=True)
def test_the_worker_companion_retries_a_failed_heartbeat_and_removes_it_on_stop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    failures = iter([OperationalError("database is locked")] * 2)
    real_beat, written = worker.beat, threading.Event()

    def flaky_beat(*args: Any, **kwargs: Any) -> None:
        error = next(failures, None)
        if error is not None:
            raise error
        real_beat(*args, **kwargs)
        written.set()

    monkeypatch.setattr(worker, "beat", flaky_beat)
    monkeypatch.setattr(worker, "RETRY_SECONDS", 0.05)
    companion = worker.WorkerCompanion("w1", schedule=False, heartbeat_seconds=60)
    companion.start()
    assert written.wait(5)
    assert companion.is_alive()
    assert WorkerHeartbeat.objects.filter(worker_id="w1").exists()
    companion.stop()
    assert not companion.is_alive()
    assert not WorkerHeartbeat.objects.exists()
