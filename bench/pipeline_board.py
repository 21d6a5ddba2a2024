"""Measure the pipeline board, list, CSV export and API on a freshly seeded database.

    .venv/bin/python bench/pipeline_board.py --size large

Seeds a new SQLite database in a temporary folder (or, with --database-url, an empty PostgreSQL
database), then requests each case through django.test.Client as the demo seller `selger` and as
management (`leder`), and prints the median and 95th percentile time of --requests requests and the
number of queries one request makes; for the streamed CSV file also when its first byte (the header
line) and its first row were ready. With --reuse the database (--database-url, or the SQLite
database in --var-dir) already holds the seed and is only migrated, not seeded again.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

# (name, path, authenticated with the API token rather than the session); {customer} is the customer
# with the most opportunities among the demo seller's.
CASES = [
    ("board", "/pipeline/", False),
    ("board, mine", "/pipeline/?mine=on", False),
    ("board, one customer", "/pipeline/?customer={customer}", False),
    ("board, load more (lead)", "/pipeline/board/lead/?offset=20", False),
    ("list, first page", "/pipeline/list/", False),
    ("CSV export (open)", "/pipeline/list/export.csv", False),
    ("API, first 50", "/api/v1/opportunities?limit=50", True),
]
PEOPLE = ["selger", "leder"]
WARM_UP = 3


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", default="2026-11-27", help="The day the seeded data leads up to.")
    parser.add_argument("--requests", type=int, default=30, help="Timed requests per case.")
    parser.add_argument("--database-url", default="", help="An empty database to seed instead of SQLite.")
    parser.add_argument("--var-dir", default="", help="Keep the SQLite database in this folder.")
    parser.add_argument("--reuse", action="store_true", help="Measure the database as it is; no seeding.")
    parser.add_argument("--only", default="", help="Only the cases whose name contains this.")
    return parser.parse_args()


def _configure(args: argparse.Namespace) -> tuple[str, bool]:
    """Point the settings at the database before Django starts; return the folder and whether it is ours."""
    var_dir = args.var_dir or tempfile.mkdtemp(prefix="samspill-bench-")
    os.makedirs(var_dir, exist_ok=True)
    os.environ["SAMSPILL_VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "samspill.settings"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DEBUG"] = "false"
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    return var_dir, not args.var_dir


def _seed(args: argparse.Namespace) -> float:
    """Migrate and seed; return the seed's seconds."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    today = datetime.date.fromisoformat(args.today)
    started = time.perf_counter()
    call_command("seed", size=args.size, seed=args.seed, today=today, reset=True, stdout=sys.stderr)
    return time.perf_counter() - started


def _clients() -> dict[str, tuple[Any, dict[str, str]]]:
    """Return, per person, a client logged in with a session and the headers of an API token."""
    from django.test import Client

    from samspill.people.actions import create_token
    from samspill.people.models import Person

    clients = {}
    for username in PEOPLE:
        person = Person.objects.get(username=username)
        browser = Client()
        browser.force_login(person)
        _token, raw = create_token(person, name="bench", by=person)
        clients[username] = (browser, {"Authorization": f"Bearer {raw}"})
    return clients


def _their_customer() -> int:
    """Return the demo seller's customer with the most opportunities."""
    from django.db.models import Count

    from samspill.customers.models import Customer

    found = (
        Customer.objects.filter(account_owner__username="selger")
        .annotate(n=Count("opportunities"))
        .order_by("-n", "pk")
        .first()
    )
    if found is None:
        raise SystemExit("The demo seller has no customers: seed first.")
    return int(found.pk)


def _get(client: Any, path: str, headers: dict[str, str]) -> Any:
    """Request `path` and read the whole body, streamed (the CSV file) or not.

    A streamed response also tells when its first chunk (the CSV header line) and its second (the
    first row, after the query ran) were ready, in seconds from the start of the request.
    """
    started = time.perf_counter()
    response = client.get(path, headers=headers)
    if response.streaming:
        chunks = iter(response.streaming_content)
        body = [next(chunks, b"")]
        response.first_byte = time.perf_counter() - started
        body.append(next(chunks, b""))
        response.first_row = time.perf_counter() - started
        body.extend(chunks)
        response.content_length = sum(len(chunk) for chunk in body)
    return response


def _queries(request: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        request()
    return len(captured.captured_queries)


def _measure(request: Callable[[], Any], count: int) -> dict[str, float]:
    """Return the median and 95th percentile ms of `count` requests, and of a streamed one's first
    byte and first row (medians)."""
    for _n in range(WARM_UP):
        response = request()
        if response.status_code != 200:
            raise SystemExit(f"HTTP {response.status_code}: {response.content[:300]!r}")
    times, first_bytes, first_rows = [], [], []
    for _n in range(count):
        started = time.perf_counter()
        response = request()
        times.append((time.perf_counter() - started) * 1000)
        if response.streaming:
            first_bytes.append(response.first_byte * 1000)
            first_rows.append(response.first_row * 1000)
    times.sort()
    return {
        "median": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * len(times)) - 1)],
        "first byte": statistics.median(first_bytes) if first_bytes else math.nan,
        "first row": statistics.median(first_rows) if first_rows else math.nan,
    }


def _ms(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.1f}"


def _sizes() -> str:
    from samspill.pipeline.models import Estimate, Opportunity, WorkPackage

    return (
        f"{Opportunity.objects.count()} opportunities ({Opportunity.objects.open().count()} open), "
        f"{Estimate.objects.count()} estimates, {WorkPackage.objects.count()} work packages"
    )


def main() -> None:
    """Seed, measure each case per person and print a Markdown table."""
    args = _arguments()
    var_dir, temporary = _configure(args)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    try:
        if args.reuse:
            from django.core.management import call_command

            call_command("migrate", verbosity=0)  # indexes added since the seed
        seeded = "reused" if args.reuse else f"seeded in {_seed(args):.1f} s"
        clients, script = _clients(), Client()
        customer = _their_customer()
        print(f"\nsize {args.size} on {connection.vendor}: {seeded}; {_sizes()}")
        print(f"{args.requests} requests per case\n")
        print("| case | as | path | median ms | p95 ms | first byte ms | first row ms | queries |")
        print("|---|---|---|---:|---:|---:|---:|---:|")
        for name, template, api in CASES:
            if args.only and args.only not in name:
                continue
            path = template.format(customer=customer)
            for username in PEOPLE:
                browser, token = clients[username]
                client, headers = (script, token) if api else (browser, {})

                def request(client: Any = client, path: str = path, headers: dict[str, str] = headers) -> Any:
                    return _get(client, path, headers)

                timing = _measure(request, args.requests)
                print(
                    f"| {name} | {username} | `{path}` | {timing['median']:.1f} | {timing['p95']:.1f} "
                    f"| {_ms(timing['first byte'])} | {_ms(timing['first row'])} | {_queries(request)} |",
                    flush=True,
                )
    finally:
        if temporary:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
