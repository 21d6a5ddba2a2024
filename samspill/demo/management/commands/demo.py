"""`samspill demo`: migrate, load the demo data if the database is empty, then serve and work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

DEMO_PEOPLE = [
    ("selger", "seller / account manager"),
    ("fag", "expert"),
    ("pl", "project manager"),
    ("leveranse", "delivery manager"),
    ("leder", "management"),
    ("admin", "administrator"),
]


class Command(BaseCommand):
    help = "Migrate, seed the demo data when the database is empty, and run the server and a task worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database migrated.")
        if self._is_empty():
            self.stdout.write("Loading the demo data …")
            call_command("seed", size="small", seed=options["seed"])
        self._run(options["host"], options["port"])

    def _is_empty(self) -> bool:
        from samspill.people.models import Person

        return not Person.objects.exists()

    def _run(self, host: str, port: int) -> None:
        command = [sys.executable, "-m", "samspill"]
        children = [
            subprocess.Popen([*command, "serve", "--host", host, "--port", str(port)]),
            subprocess.Popen([*command, "worker"]),
        ]
        self._announce(host, port)
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            self._stop(children)
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, -signal.SIGINT, None)]
        if failed and not stopping:
            sys.exit(1)

    def _stop(self, children: list[subprocess.Popen[bytes]]) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        self.stdout.write("Samspill stopped.")

    def _announce(self, host: str, port: int) -> None:
        url = f"http://{host}:{port}/"
        lines = [
            "",
            f"  Samspill runs at {url}",
            f"  Database: {settings.DATABASES['default']['NAME']}",
            "  Demo logins (password: samspill):",
            *[f"    {username:<10} {role}" for username, role in DEMO_PEOPLE],
            "  Stop with Ctrl-C.",
            "",
        ]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()
