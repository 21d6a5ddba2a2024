"""How the delivery demo data is written: ids handed out up front, and the time entries in a hurry.

At `large` the delivery section writes some three million time entries, a million week approvals and
a few hundred thousand other rows, so like the pipeline's rows they go in as plain values through
`samspill.demo.bulk` (COPY on PostgreSQL). On SQLite the time entries take a shorter road still: one
prepared INSERT run by `executemany` over values already in SQLite's text form (dates as ISO text,
moments as UTC text, hours as text), which saves the per-value conversions of the general writer.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

from samspill.demo.bulk import write

UTC = datetime.UTC
SQLITE_BATCH = 20_000


class Ids:
    """Hands out ids up front for the given models, so rows can point at each other before they are written.

    `finish` moves each table's id sequence past the ids handed out (PostgreSQL; SQLite follows
    explicit ids by itself).
    """

    def __init__(self, models_: Sequence[type[models.Model]]) -> None:
        self.models = list(models_)
        self.next: dict[type[models.Model], int] = {
            model: (model._default_manager.aggregate(top=Max("id"))["top"] or 0) + 1 for model in self.models
        }

    def take(self, model: type[models.Model]) -> int:
        taken = self.next[model]
        self.next[model] = taken + 1
        return taken

    def finish(self) -> None:
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), self.models):
                cursor.execute(sql)


class Values:
    """The values of the rows in the form the database takes fastest, made once and reused.

    On SQLite a day is its ISO text and a moment its UTC text; elsewhere they stay Python values.
    """

    def __init__(self) -> None:
        self.sqlite = connection.vendor == "sqlite"
        self._days: dict[datetime.date, Any] = {}
        self._moments: dict[datetime.datetime, Any] = {}
        self._hours: dict[int, Any] = {}

    def day(self, value: datetime.date) -> Any:
        found = self._days.get(value)
        if found is None:
            found = self._days[value] = value.isoformat() if self.sqlite else value
        return found

    def moment(self, value: datetime.datetime) -> Any:
        found = self._moments.get(value)
        if found is None:
            found = self._moments[value] = (
                str(value.astimezone(UTC).replace(tzinfo=None)) if self.sqlite else value
            )
        return found

    def half_hours(self, units: int) -> Any:
        """Return `units` half hours as hours (text on SQLite, a Decimal elsewhere)."""
        found = self._hours.get(units)
        if found is None:
            hours = (Decimal(units) / 2).quantize(Decimal("0.01"))
            found = self._hours[units] = str(hours) if self.sqlite else hours
        return found


def write_prepared(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert rows whose values `Values` prepared: one prepared INSERT on SQLite, else `bulk.write`."""
    if connection.vendor != "sqlite":
        return write(model, names, rows)
    fields: list[Any] = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    # Only the model's own table and column names go into the text; the values are parameters.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    written = 0
    pending: list[Sequence[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            pending.append(row)
            if len(pending) == SQLITE_BATCH:
                cursor.executemany(sql, pending)
                written += len(pending)
                pending = []
        if pending:
            cursor.executemany(sql, pending)
            written += len(pending)
    return written
