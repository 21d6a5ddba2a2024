"""Fast bulk writes for the demo generator: plain values in multi-row INSERTs, or COPY on PostgreSQL.

`bulk_create` costs some 40 µs a row in Python; at `large` the generator writes a few million rows
(work packages, their skills, events …), so it writes them as plain values instead. `write` takes rows
of values for named fields; `write_objects` takes model instances, with or without their ids.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models

BATCH = 500
COPY_CHUNK = 10_000


def _adapter(model_field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    ops = connection.ops
    if isinstance(model_field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(model_field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(model_field, models.TimeField):
        return ops.adapt_timefield_value
    return None


def write(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert `rows` (values in the order of the fields `names`): COPY on PostgreSQL, else INSERTs."""
    fields: list[Any] = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    if connection.vendor == "postgresql":
        return _copy(quote(model._meta.db_table), columns, rows)
    adapters = [_adapter(f) for f in fields]
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per = max(1, min(BATCH, 30_000 // len(fields)))  # under SQLite's and PostgreSQL's parameter limits
    pending: list[Sequence[Any]] = []
    written = 0
    # Only the model's own table and column names go into the text; the values are parameters.
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "  # noqa: S608
    with connection.cursor() as cursor:

        def flush() -> None:
            sql = head + ", ".join([one] * len(pending))
            params = [
                adapt(value) if adapt is not None and value is not None else value
                for row in pending
                for adapt, value in zip(adapters, row, strict=True)
            ]
            cursor.execute(sql, params)

        for row in rows:
            pending.append(row)
            if len(pending) == per:
                flush()
                written += len(pending)
                pending = []
        if pending:
            flush()
            written += len(pending)
    return written


def _copy(table: str, columns: str, rows: Iterable[Sequence[Any]]) -> int:
    """Write rows with PostgreSQL's COPY, which psycopg feeds with the Python values as they are.

    The rows are taken a chunk at a time before each COPY starts: making a row may query the database
    (a content type not cached yet), and the connection can do nothing else while a COPY runs.
    """
    written = 0
    pending = iter(rows)
    with connection.cursor() as cursor:
        while chunk := list(itertools.islice(pending, COPY_CHUNK)):
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in chunk:
                    copy.write_row(row)
            written += len(chunk)
    return written


def write_objects(model: type[models.Model], objects: Iterable[models.Model], *, ids: bool = True) -> int:
    """Insert model instances, every concrete field (the id too, unless `ids` is false), as `bulk_create`."""
    fields: list[Any] = [f for f in model._meta.concrete_fields if ids or not f.primary_key]

    def value(obj: models.Model, f: Any) -> Any:
        if f.is_relation and f.is_cached(obj):  # assigned before the related row had its id
            related = f.get_cached_value(obj)
            return related.pk if related is not None else None
        raw = getattr(obj, f.attname)
        return f.get_db_prep_save(raw, connection) if isinstance(f, models.JSONField) else raw

    return write(model, [f.attname for f in fields], ([value(o, f) for f in fields] for o in objects))


@contextmanager
def without_indexes(models_: Sequence[type[models.Model]]) -> Iterator[None]:
    """Work on the tables of `models_` without their indexes on SQLite, and build the indexes afterwards.

    For loading or emptying millions of rows: building an index over the rows there sorts them once,
    where keeping it current costs a B-tree update per index per row. The unique ones are built again
    too, so duplicates still fail (and the transaction rolls back). Mind that SQLite checks a deferred
    foreign key by looking for the rows that point at a row written or deleted: rows pointing at rows
    in other tables must not lose the index that finds them while those are written or deleted.
    """
    if connection.vendor != "sqlite" or not models_:
        yield
        return
    tables = [model._meta.db_table for model in models_]
    marks = ", ".join(["%s"] * len(tables))
    with connection.cursor() as cursor:
        # The table names are parameters; only their placeholders go into the text.
        query = f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})"  # noqa: E501, S608
        cursor.execute(query, tables)
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        for _name, sql in indexes:
            cursor.execute(sql)
