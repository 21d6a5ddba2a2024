"""Run `samspill` commands as child processes against the test database."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.db.models import Field, Model

T = TypeVar("T")
SAMSPILL = Path(sys.executable).with_name("samspill")


@dataclass
class ChildDatabase:
    """The test database as child processes reach it, and a way to read what they wrote."""

    url: str
    sqlite_file: Path | None = None

    def count(self, model: type[Model], **equal: Any) -> int:
        """Return how many rows of `model` have the given field values."""
        if self.sqlite_file is None:
            return model._default_manager.filter(**equal).count()
        where = " AND ".join(f'"{_column(model, name)}" = ?' for name in equal) or "1 = 1"
        sql = f'SELECT COUNT(*) FROM "{model._meta.db_table}" WHERE {where}'  # noqa: S608 - names from the model
        with closing(sqlite3.connect(self.sqlite_file)) as database:
            return int(database.execute(sql, list(equal.values())).fetchone()[0])


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return str(field.column)


def share_test_database(directory: Path) -> ChildDatabase:
    """Return the test database for child processes; on SQLite, a file copy of it as it is now."""
    if connection.vendor == "postgresql":
        return ChildDatabase(_postgres_url(connection.settings_dict))
    connection.ensure_connection()
    path = directory / "shared.sqlite3"
    with closing(sqlite3.connect(path)) as copy:
        connection.connection.backup(copy)
    return ChildDatabase(f"sqlite:///{path}", path)


def _postgres_url(database: dict[str, Any]) -> str:
    user = quote(database["USER"] or "", safe="")
    password = f":{quote(database['PASSWORD'], safe='')}" if database["PASSWORD"] else ""
    host = database["HOST"] or "localhost"
    port = f":{database['PORT']}" if database["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{quote(database['NAME'], safe='')}"


@dataclass
class Children:
    """The `samspill` processes a test started; whatever still runs is killed when the test ends."""

    directory: Path
    started: list[tuple[subprocess.Popen[bytes], Path]] = field(default_factory=list)

    def start(self, *args: str, database: ChildDatabase, **environment: str) -> subprocess.Popen[bytes]:
        """Start `samspill ARGS` on `database`, its output going to a log file."""
        log = self.directory / f"child-{len(self.started)}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "samspill.settings",
            "DATABASE_URL": database.url,
            "SAMSPILL_VAR_DIR": str(self.directory / "var"),
            "SECRET_KEY": settings.SECRET_KEY,
            **environment,
        }
        with log.open("wb") as output:
            process = subprocess.Popen(
                [str(SAMSPILL), *args],
                env=env,
                cwd=settings.PROJECT_DIR,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self.started.append((process, log))
        return process

    def output(self, process: subprocess.Popen[bytes]) -> str:
        """Return what `process` printed so far."""
        return next(log for started, log in self.started if started is process).read_text(errors="replace")

    def outputs(self) -> str:
        """Return what every child printed, to explain a failure."""
        return "\n".join(
            f"--- {' '.join(map(str, p.args))}\n{log.read_text(errors='replace')}"  # type: ignore[arg-type]
            for p, log in self.started
        )

    def kill_all(self) -> None:
        """Kill the children that are still running."""
        for process, _log in self.started:
            if process.poll() is None:
                process.kill()
                process.wait(5)


def stop(process: subprocess.Popen[bytes], timeout: float = 10) -> int:
    """Send SIGTERM and return the exit code."""
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout)


def wait_until(check: Callable[[], T], *, timeout: float, explain: Callable[[], str] = str) -> T:
    """Return the first true value of `check()`, polled until `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"Still not true after {timeout} s.\n{explain()}")


def free_port() -> int:
    """Return a TCP port nobody listens on now."""
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
