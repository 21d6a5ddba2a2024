"""`samspill reindex`: rebuild the search index from the database."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samspill.lib.registry import registry
from samspill.workspace import search


def _number(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


class Command(BaseCommand):
    help = (
        "Rebuild the search index of every search source (or of --kind), in batches, while search keeps "
        "answering. Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--kind",
            action="append",
            dest="kinds",
            metavar="KIND",
            help="Only this kind (repeat for several): " + ", ".join(registry.search_sources),
        )

    def handle(self, *args: Any, kinds: list[str] | None, **options: Any) -> None:
        unknown = [kind for kind in kinds or [] if kind not in registry.search_sources]
        if unknown:
            raise CommandError(
                f"Unknown kind {', '.join(unknown)}; search covers {', '.join(registry.search_sources)}."
            )
        started = time.perf_counter()
        self._shown: dict[str, int] = {}
        counts = search.reindex(kinds, progress=self._progress)
        total, seconds = sum(counts.values()), time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(f"Indexed {_number(total)} objects of {len(counts)} kinds in {seconds:.1f} s.")
        )

    def _progress(self, kind: str, done: int, total: int) -> None:
        """Write a line per kind at its start, each tenth and its end."""
        step = max(1, total // 10)
        if done in (0, total) or done // step > self._shown.get(kind, 0) // step:
            self._shown[kind] = done
            self.stdout.write(f"  {kind:<15} {_number(done)} / {_number(total)}")
