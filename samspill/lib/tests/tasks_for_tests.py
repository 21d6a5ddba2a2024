"""A task the worker tests enqueue; it lives in a module so that worker processes can import it."""

from __future__ import annotations

import os
import time

from django_tasks import task


@task()
def record_run(path: str, key: str) -> None:
    """Append `key` and this process's id to the file at `path` in a single write."""
    time.sleep(0.05)  # long enough for two workers to share a queue
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, f"{key} {os.getpid()}\n".encode())
    finally:
        os.close(descriptor)
