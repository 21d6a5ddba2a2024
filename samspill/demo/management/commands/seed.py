"""`samspill seed`: fill an empty database with the fictional demo firm, or a larger one to measure."""

from __future__ import annotations

import argparse
import datetime
import time
from collections.abc import Mapping
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from samspill.demo import generator
from samspill.lib.models import SeedRun


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-03-02") from None


def _number(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


class Command(BaseCommand):
    help = (
        "Fill the database with a fictional Norwegian firm: people, customers, contacts, framework "
        "agreements and the events of their history. Refuses a database that has data unless --reset."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--size",
            choices=list(generator.SIZES),
            default="small",
            help="small is the demo (about 30 people); medium and large are for measuring.",
        )
        parser.add_argument("--seed", type=int, default=1, help="The same seed and day give the same data.")
        parser.add_argument(
            "--today",
            type=_day,
            default=None,
            help="The day the data leads up to (YYYY-MM-DD); today in Europe/Oslo by default.",
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete the people, customers, agreements and events first."
        )

    def handle(
        self, *args: Any, size: str, seed: int, today: datetime.date | None, reset: bool, **options: Any
    ) -> None:
        today = today or timezone.localdate()
        self._refuse_existing_data(reset)
        self.stdout.write(f"Seeding size {size} (seed {seed}, today {today:%d.%m.%Y}) …")
        run = SeedRun.objects.create(size=size, seed=seed, today=today, started_at=timezone.now())
        started = time.perf_counter()
        try:
            generator.generate(size, seed=seed, today=today, reset=reset, report=self._report)
        except BaseException:
            run.delete()  # nothing was loaded: /healthz must not wait for this run
            raise
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
        self.stdout.write(self.style.SUCCESS(f"Done in {time.perf_counter() - started:.1f} s."))
        self.stdout.write(
            "Demo logins (password samspill): " + ", ".join(p.username for p in generator.DEMO_PEOPLE)
        )

    def _refuse_existing_data(self, reset: bool) -> None:
        found = generator.existing_data()
        if found and not reset:
            what = ", ".join(f"{_number(count)} {name}" for name, count in found.items())
            raise CommandError(
                f"The database already has data ({what}). Run with --reset to delete it and seed again."
            )

    def _report(self, stage: str, counts: Mapping[str, int], seconds: float) -> None:
        what = ", ".join(f"{_number(count)} {name}" for name, count in counts.items())
        self.stdout.write(f"  {stage:<11} {what} ({seconds:.1f} s)")
