"""Measure the customers list page and API on a freshly seeded database.

    .venv/bin/python bench/customers_list.py --size large

Seeds a new SQLite database in a temporary folder (or, with --database-url, an empty PostgreSQL
database), then requests each case through django.test.Client as the demo seller and prints the
median and 95th percentile time of --requests requests and the number of queries one request makes.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

# (name, path, authenticated with the API token rather than the session)
CASES = [
    ("list, first page", "/customers/", False),
    ("list, search", "/customers/?q=energi", False),
    ("list, sorted by changed", "/customers/?sort=-updated", False),
    ("list, page 50", "/customers/?page=50", False),
    ("API, first 50", "/api/v1/customers?limit=50", True),
    ("API, offset 2000", "/api/v1/customers?limit=50&offset=2000", True),
]
WARM_UP = 3


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", default="2026-11-27", help="The day the seeded data leads up to.")
    parser.add_argument("--requests", type=int, default=30, help="Timed requests per case.")
    parser.add_argument("--database-url", default="", help="An empty database to seed instead of SQLite.")
    return parser.parse_args()


def _configure(args: argparse.Namespace) -> str:
    """Point the settings at a fresh database before Django starts; return the temporary folder."""
    var_dir = tempfile.mkdtemp(prefix="samspill-bench-")
    os.environ["SAMSPILL_VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "samspill.settings"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DEBUG"] = "false"
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    return var_dir


def _seed(args: argparse.Namespace) -> float:
    """Migrate and seed; return the seed's seconds."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    today = datetime.date.fromisoformat(args.today)
    started = time.perf_counter()
    call_command("seed", size=args.size, seed=args.seed, today=today, reset=True, stdout=sys.stderr)
    return time.perf_counter() - started


def _clients() -> tuple[Any, Any, dict[str, str]]:
    """Return a client logged in as the demo seller, one without a session, and the seller's token header."""
    from django.test import Client

    from samspill.people.actions import create_token
    from samspill.people.models import Person

    selger = Person.objects.get(username="selger")
    browser = Client()
    browser.force_login(selger)
    _token, raw = create_token(selger, name="bench", by=selger)
    return browser, Client(), {"Authorization": f"Bearer {raw}"}


def _queries(request: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        request()
    return len(captured.captured_queries)


def _measure(request: Callable[[], Any], count: int) -> dict[str, float]:
    for _n in range(WARM_UP):
        response = request()
        if response.status_code != 200:
            raise SystemExit(f"HTTP {response.status_code}: {response.content[:300]!r}")
    times = []
    for _n in range(count):
        started = time.perf_counter()
        request()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "median": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * len(times)) - 1)],
    }


def main() -> None:
    """Seed, measure each case and print a Markdown table."""
    args = _arguments()
    var_dir = _configure(args)
    import django

    django.setup()
    try:
        seconds = _seed(args)
        browser, script, token = _clients()
        print(f"\nsize {args.size}: seeded in {seconds:.1f} s; {args.requests} requests per case\n")
        print("| case | path | median ms | p95 ms | queries |")
        print("|---|---|---:|---:|---:|")
        for name, path, api in CASES:
            client, headers = (script, token) if api else (browser, {})

            def request(client: Any = client, path: str = path, headers: dict[str, str] = headers) -> Any:
                return client.get(path, headers=headers)

            timing = _measure(request, args.requests)
            print(
                f"| {name} | `{path}` | {timing['median']:.1f} | {timing['p95']:.1f} | {_queries(request)} |"
            )
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
