"""`samspill serve`: uvicorn serving the ASGI application."""

from __future__ import annotations

import json
import signal
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from samspill.lib.management.commands.serve import url_for
from samspill.lib.tests.processes import Children, free_port, share_test_database, stop, wait_until


@pytest.fixture
def children(tmp_path: Path) -> Iterator[Children]:
    started = Children(tmp_path)
    yield started
    started.kill_all()


def _healthz(port: int) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return dict(json.load(response))
    except OSError:
        return None


@pytest.mark.django_db(transaction=True)
def test_serve_prints_its_url_answers_healthz_and_stops(tmp_path: Path, children: Children) -> None:
    database = share_test_database(tmp_path)
    port = free_port()
    server = children.start("serve", "--port", str(port), database=database)
    body = wait_until(lambda: _healthz(port), timeout=20, explain=children.outputs)
    assert (body["database"], body["worker"]) == ("ok", "missing")
    assert f"http://127.0.0.1:{port}/" in children.output(server)
    # uvicorn shuts down gracefully, then re-raises the signal so a supervisor sees why it stopped.
    assert stop(server) in (0, -signal.SIGTERM), children.outputs()
    assert "Finished server process" in children.output(server)


def test_the_printed_url_names_a_reachable_address_for_a_wildcard_host() -> None:
    assert url_for("0.0.0.0", 8000)  # noqa: S104 == "http://127.0.0.1:8000/"
    assert url_for("::1", 8080) == "http://[::1]:8080/"
    assert url_for("samspill.example.no", 80) == "http://samspill.example.no:80/"
