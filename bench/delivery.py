"""Measure the delivery pages and API: the seller's portfolio, a big project, a busy timesheet week.

    .venv/bin/python bench/delivery.py --size small --today 2026-03-02
    .venv/bin/python bench/delivery.py --var-dir /tmp/bench-delivery --reuse

Seeds a new SQLite database in a temporary folder (or, with --database-url, an empty PostgreSQL
database), or with --reuse measures the database that --var-dir (or --database-url) already holds,
only migrated. The clock is set to the day the seed leads up to (its SeedRun's `today`), so "this
week" and "the next 60 days" mean what they meant to the seed.

The project page is measured on the biggest active project the demo project manager `pl` manages;
when it has fewer than --entries time entries, it is topped up to that many by a bulk insert (spread
over its team, its work packages and its working days up to today), then its numbers are refreshed.
The timesheet is measured for `pl` and for the busiest person of the last weeks, each on their
busiest recent week. Then each case is requested through django.test.Client (pages with a session,
the API with the person's token), 3 warm-up requests and --requests timed ones; the table gives the
median and 95th percentile server time, the median CPU time of the process (what the request costs
when it does not wait for other processes on a shared machine; SQLite runs inside the process), and
the number of queries one request makes.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

WARM_UP = 3
# (case, path, API token rather than session, people); {project} is the big project, {week} the
# person's busiest recent week, "busiest" the busiest person of the last weeks.
CASES: list[tuple[str, str, bool, list[str]]] = [
    ("my customers' projects", "/projects/my-customers/", False, ["selger", "leder"]),
    ("project page", "/projects/{project}/", False, ["pl", "leder", "selger"]),
    ("timesheet week", "/projects/time/?week={week}", False, ["pl", "busiest"]),
    ("project list", "/projects/", False, ["selger", "pl", "leder"]),
    (
        "API time entries of the project",
        "/api/v1/time-entries?project={project}&limit=50",
        True,
        ["pl", "leder"],
    ),
    ("API projects, first 50", "/api/v1/projects?limit=50", True, ["selger", "pl", "leder"]),
]
RECENT_WEEKS = 8


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", default="", help="The day the seeded data leads up to (default: today).")
    parser.add_argument("--requests", type=int, default=30, help="Timed requests per case.")
    parser.add_argument("--entries", type=int, default=5000, help="Time entries the big project must have.")
    parser.add_argument("--database-url", default="", help="An empty database to seed instead of SQLite.")
    parser.add_argument("--var-dir", default="", help="Keep the SQLite database in this folder.")
    parser.add_argument("--reuse", action="store_true", help="Measure the database as it is; no seeding.")
    parser.add_argument("--only", default="", help="Only the cases whose name contains this.")
    return parser.parse_args()


def _configure(args: argparse.Namespace) -> tuple[str, bool]:
    """Point the settings at the database before Django starts; return the folder and whether it is ours."""
    var_dir = args.var_dir or tempfile.mkdtemp(prefix="samspill-bench-delivery-")
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


def _run(command: list[str]) -> str:
    """Run a `samspill` command in its own process, as a person would; return its output."""
    samspill = str(Path(sys.executable).parent / "samspill")
    done = subprocess.run([samspill, *command], check=True, stdout=subprocess.PIPE, text=True)
    return done.stdout


def _seed(args: argparse.Namespace) -> str:
    """Migrate and seed in their own processes (see the search benchmark); describe the seed."""
    _run(["migrate", "-v0"])
    command = ["seed", "--size", args.size, "--seed", str(args.seed), "--reset"]
    if args.today:
        command += ["--today", args.today]
    started = time.perf_counter()
    out = _run(command)
    sys.stderr.write(out)
    done = [line.strip() for line in out.splitlines() if line.startswith("Done in")]
    return f"seeded in {time.perf_counter() - started:.1f} s ({done[0] if done else 'no summary'})"


def _seed_day() -> datetime.date:
    from samspill.lib.models import SeedRun

    run = SeedRun.objects.filter(finished_at__isnull=False).order_by("-started_at").first()
    if run is None:
        raise SystemExit("The database holds no finished seed: seed it first (or leave out --reuse).")
    return run.today


def _freeze(day: datetime.date) -> Any:
    """Set Django's clock to noon of `day` in the local time zone, moving with the real clock."""
    from django.utils import timezone

    real_now = timezone.now
    start = real_now()
    noon = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    patcher = mock.patch("django.utils.timezone.now", lambda: noon + (real_now() - start))
    patcher.start()
    return patcher


# -- the data the cases read -----------------------------------------------------------------------


def _big_project(today: datetime.date) -> Any:
    """The biggest active project `pl` manages (by time entries); or the biggest active one."""
    from django.db.models import Count

    from samspill.delivery.models import Project, ProjectStatus

    active = Project.objects.filter(status=ProjectStatus.ACTIVE, confidential=False)
    for rows in (active.filter(manager__username="pl"), active):
        found = rows.annotate(n=Count("time_entries")).order_by("-n", "pk").first()
        if found is not None:
            return found
    raise SystemExit("No active project: seed first.")


def _top_up(project: Any, wanted: int, today: datetime.date) -> str:
    """Give `project` `wanted` time entries by a bulk insert when it has fewer; describe what was done."""
    from django.db import transaction

    from samspill.delivery.actions.projects import refresh_numbers
    from samspill.delivery.models import ProjectPackage, TimeEntry

    have = TimeEntry.objects.filter(project=project).count()
    if have >= wanted:
        return f"project {project.pk} has {have} time entries (no top-up)"
    people = sorted({project.manager_id, *project.members.values_list("person_id", flat=True)})
    packages = list(ProjectPackage.objects.filter(project=project).values_list("pk", flat=True))
    first = project.starts_on or today - datetime.timedelta(days=365)
    days = [
        first + datetime.timedelta(days=n)
        for n in range((today - first).days + 1)
        if (first + datetime.timedelta(days=n)).weekday() < 5
    ]
    if not (people and packages and days):
        raise SystemExit(f"Project {project.pk} has no team, packages or working days to log hours on.")
    rng = random.Random(project.pk)
    started = time.perf_counter()
    rows = [
        TimeEntry(
            project=project,
            package_id=rng.choice(packages),
            person_id=rng.choice(people),
            date=rng.choice(days),
            hours=Decimal(rng.choice(["0.5", "1", "1.5", "2", "3", "4", "6", "7.5"])),
            billable=rng.random() < 0.85,
            note=rng.choice(["", "", "Workshop", "Review", "Testing", "Follow-up with the customer"]),
        )
        for _n in range(wanted - have)
    ]
    with transaction.atomic():
        TimeEntry.objects.bulk_create(rows, batch_size=1000)
        refresh_numbers(project)
    try:
        from samspill.delivery.detection import detect_deviations

        detect_deviations(project)
    except ImportError:
        pass
    return (
        f"project {project.pk} had {have} time entries; {wanted - have} added by bulk insert "
        f"({len(people)} people, {len(packages)} packages, {first}–{today}) "
        f"in {time.perf_counter() - started:.1f} s"
    )


def _busiest_week(person_id: int, today: datetime.date) -> tuple[datetime.date, int]:
    """The Monday of `person`'s week with most entries among the last weeks (or ever), and the count."""
    from django.db.models import Count

    from samspill.delivery.actions.time import monday_of
    from samspill.delivery.models import TimeEntry

    this_monday = monday_of(today)
    since = this_monday - datetime.timedelta(weeks=RECENT_WEEKS)
    entries = TimeEntry.objects.filter(person_id=person_id, date__lte=today)
    for rows in (entries.filter(date__gte=since), entries):
        counted: dict[datetime.date, int] = {}
        for day, n in rows.order_by().values_list("date").annotate(n=Count("pk")).values_list("date", "n"):
            counted[monday_of(day)] = counted.get(monday_of(day), 0) + n
        if counted:
            monday = max(counted, key=lambda m: (counted[m], m))
            return monday, counted[monday]
    return this_monday, 0


def _busiest_person(today: datetime.date) -> Any:
    """The person with the most entries in one recent week."""
    from django.db.models import Count

    from samspill.delivery.actions.time import monday_of
    from samspill.delivery.models import TimeEntry
    from samspill.people.models import Person

    since = monday_of(today) - datetime.timedelta(weeks=RECENT_WEEKS)
    per_day = (
        TimeEntry.objects.filter(date__gte=since, date__lte=today)
        .order_by()
        .values_list("person_id", "date")
        .annotate(n=Count("pk"))
    )
    counted: dict[tuple[int, datetime.date], int] = {}
    for person_id, day, n in per_day:
        key = (person_id, monday_of(day))
        counted[key] = counted.get(key, 0) + n
    if not counted:
        return Person.objects.get(username="pl")
    person_id, _monday = max(counted, key=lambda k: (counted[k], -k[0]))
    return Person.objects.get(pk=person_id)


def _clients(people: dict[str, Any]) -> dict[str, tuple[Any, dict[str, str]]]:
    """Return, per person, a client logged in with a session and the headers of an API token."""
    from django.test import Client

    from samspill.people.actions import create_token

    clients = {}
    for label, person in people.items():
        browser = Client()
        browser.force_login(person)
        _token, raw = create_token(person, name="bench", by=person)
        clients[label] = (browser, {"Authorization": f"Bearer {raw}"})
    return clients


# -- measuring -------------------------------------------------------------------------------------


def _queries(request: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        request()
    return len(captured.captured_queries)


def _measure(request: Callable[[], Any], count: int) -> dict[str, float] | str:
    for _n in range(WARM_UP):
        response = request()
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
    times, cpu = [], []
    for _n in range(count):
        started, started_cpu = time.perf_counter(), time.process_time()
        request()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    times.sort()
    return {
        "median": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * len(times)) - 1)],
        "cpu": statistics.median(cpu),
    }


def _sizes() -> str:
    from samspill.delivery.models import Project, ProjectStatus, TimeEntry

    return (
        f"{Project.objects.count()} projects ({Project.objects.filter(status=ProjectStatus.ACTIVE).count()} "
        f"active, {Project.objects.running().count()} running), {TimeEntry.objects.count()} time entries"
    )


def _load() -> str:
    """The machine's load average, which other processes on it make part of every figure."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def main() -> None:
    """Seed (or reuse), prepare the big project, measure each case per person, print a Markdown table."""
    args = _arguments()
    var_dir, temporary = _configure(args)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from samspill.delivery.actions.time import week_code
    from samspill.people.models import Person

    try:
        if args.reuse:
            _run(["migrate", "-v0"])  # indexes added since the seed
            seeded = "reused"
        else:
            seeded = _seed(args)
        today = _seed_day()
        patcher = _freeze(today)
        project = _big_project(today)
        topped = _top_up(project, args.entries, today) if args.entries else "no top-up"
        people = {u: Person.objects.get(username=u) for u in ("selger", "pl", "leder")}
        people["busiest"] = _busiest_person(today)
        weeks = {label: _busiest_week(p.pk, today) for label, p in people.items()}
        clients, script = _clients(people), Client()
        print(f"\nsize {args.size} on {connection.vendor}: {seeded}; {_sizes()}; clock set to {today}")
        print(f"{topped}; the project page: {project.pk} «{project.title}»")
        for label in ("pl", "busiest"):
            monday, n = weeks[label]
            print(f"timesheet of {label} ({people[label].username}): {week_code(monday)}, {n} entries")
        print(f"{args.requests} requests per case; before: {_load()}\n")
        print("| case | as | path | median ms | p95 ms | CPU ms | queries |")
        print("|---|---|---|---:|---:|---:|---:|")
        for name, template, api, labels in CASES:
            if args.only and args.only not in name:
                continue
            for label in labels:
                path = template.format(project=project.pk, week=week_code(weeks[label][0]))
                browser, token = clients[label]
                client, headers = (script, token) if api else (browser, {})

                def request(client: Any = client, path: str = path, headers: dict[str, str] = headers) -> Any:
                    return client.get(path, headers=headers)

                timing = _measure(request, args.requests)
                who = label if label == people[label].username else f"{label} ({people[label].username})"
                if isinstance(timing, str):
                    print(f"| {name} | {who} | `{path}` | {timing} | | | |", flush=True)
                    continue
                print(
                    f"| {name} | {who} | `{path}` | {timing['median']:.1f} | {timing['p95']:.1f} "
                    f"| {timing['cpu']:.1f} | {_queries(request)} |",
                    flush=True,
                )
        print(f"\nAfter: {_load()}")
        patcher.stop()
    finally:
        if temporary:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
