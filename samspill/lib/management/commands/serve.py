"""`samspill serve`: serve pages, the API and WebSockets with uvicorn."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

import uvicorn
from django.core.management.base import BaseCommand

from samspill.settings import env_int, env_str


def url_for(host: str, port: int) -> str:
    """Return the address a browser on this machine opens to reach the server."""
    if host in {"0.0.0.0", "::", ""}:  # noqa: S104 - naming the wildcard, not binding to it
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


class Command(BaseCommand):
    help = "Serve Samspill (HTTP and WebSockets) with uvicorn until SIGINT or SIGTERM."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--host",
            default=env_str("HOST", "127.0.0.1"),
            help="Address to listen on (default: HOST or %(default)s).",
        )
        parser.add_argument(
            "--port",
            type=int,
            default=env_int("PORT", 8000),
            help="Port to listen on (default: PORT or %(default)s).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=env_int("WEB_WORKERS", 1),
            help="Server processes (default: WEB_WORKERS or %(default)s).",
        )

    def handle(self, *, host: str, port: int, workers: int, **options: Any) -> None:
        self.stdout.write(f"Samspill is at {url_for(host, port)}")
        self.stdout.flush()
        # An import string, not the application, so that uvicorn can start several processes.
        uvicorn.run(
            "samspill.asgi:application",
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,
            log_level="info",
            lifespan="off",
        )
