"""The two search engines behind one interface: SQLite FTS5 and PostgreSQL full-text search.

The index is one row per searchable object, `search_entry` (kind, object id, customer, day), created
by the migration 0002_search_index. On SQLite its words live in the FTS5 table `search_text`, whose
rowid is the entry's id; on PostgreSQL in the entry's `document` tsvector under a GIN index.

Norwegian and English stems are kept apart, so that a word is only compared with text stemmed in the
same language (text.py): in separate columns on SQLite, in the separate tsvectors `nb` and `en` on
PostgreSQL. A title counts ten times a body.

Ranking costs time for every match (bm25 or ts_rank reads each one's statistics), which a word found in
most of 100 000 documents makes slow. So matches are ranked in tiers of RANK_LIMIT, newest first (by
entry id, which follows creation), each tier found from the index alone: a query with fewer matches is
ranked as a whole; one with more shows the best of its newest 2 000 first, then the best of the next
2 000, and a second word narrows the search as it would anyway. `candidates(limit, offset)` never
crosses a tier: callers ask for at most what is left of the tier `offset` is in.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from samspill.workspace.search import text
from samspill.workspace.search.text import ANY, ENGLISH, NORWEGIAN, Query

BATCH = 500
RANK_LIMIT = 2_000


@dataclass(frozen=True)
class Entry:
    """What the index holds about one object: where it belongs, and its words."""

    kind: str
    object_id: int
    customer_id: int | None
    day: datetime.date | None
    title: str
    body: str

    def analysed(self) -> tuple[tuple[str, ...], list[str], list[str]]:
        """Return the text's languages and the words of its title and body."""
        title, body = text.words(self.title), text.words(self.body)
        return text.languages_of(title + body), title, body


@dataclass(frozen=True)
class Candidate:
    """An indexed object that matches, before anybody checked who may see it."""

    kind: str
    object_id: int
    customer_id: int | None
    score: float


@dataclass(frozen=True)
class Filters:
    kinds: tuple[str, ...] = ()
    customer_id: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


class Engine(Protocol):
    vendor: str

    def write(self, entries: Sequence[Entry]) -> None: ...
    def delete(self, kind: str, object_ids: Iterable[int]) -> None: ...
    def object_ids(self, kind: str) -> set[int]: ...
    def kinds(self) -> set[str]: ...
    def candidates(
        self, query: Query, filters: Filters, *, limit: int, offset: int = 0, any_term: bool = False
    ) -> list[Candidate]: ...
    def optimise(self) -> None: ...


def engine() -> Engine:
    """Return the engine for the database in use."""
    if connection.vendor == "sqlite":
        return SQLiteEngine()
    if connection.vendor == "postgresql":
        return PostgreSQLEngine()
    raise ImproperlyConfigured(f"Search supports SQLite and PostgreSQL, not {connection.vendor}.")


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _tier(offset: int, limit: int) -> tuple[int, int, int]:
    """Return where the tier of `offset` starts, the offset within it, and the limit kept within it."""
    start = offset - offset % RANK_LIMIT
    within = offset - start
    return start, within, min(limit, RANK_LIMIT - within)


def _placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


class _Common:
    def object_ids(self, kind: str) -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT object_id FROM search_entry WHERE kind = %s", [kind])
            return {row[0] for row in cursor.fetchall()}

    def kinds(self) -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT kind FROM search_entry")
            return {row[0] for row in cursor.fetchall()}


# -------------------------------------------------------------------------------------------- SQLite

_SQLITE_COLUMNS = {
    NORWEGIAN: "{title_nb body_nb}",
    ENGLISH: "{title_en body_en}",
    ANY: "{title_nb body_nb title_en body_en}",
}
_NOT_A_TOKEN = re.compile(r"[\W_]+")


def meta_words(kind: str, customer_id: int | None) -> str:
    """Return the words the SQLite index files an object under, so FTS5 itself filters by kind and customer."""
    kind_word = _NOT_A_TOKEN.sub("", kind.lower()) or "none"
    return f"{kind_word} c{customer_id}" if customer_id else kind_word


def fts5_match(query: Query, filters: Filters, *, any_term: bool = False) -> str:
    """Return the FTS5 query: every term (or any, for "more like this") plus the kind and customer filters.

    Each form is a quoted string of letters and digits (text.words keeps nothing else), so nothing the
    person typed can reach FTS5 as syntax.
    """
    terms = []
    for term in query.terms:
        star = "*" if term.prefix else ""
        forms = [f'{_SQLITE_COLUMNS[lang]} : "{value}"{star}' for lang, value in term.forms]
        terms.append("(" + " OR ".join(forms) + ")")
    match = "(" + (" OR " if any_term else " AND ").join(terms) + ")"
    if filters.kinds:
        kinds = " OR ".join(f'"{meta_words(kind, None)}"' for kind in filters.kinds)
        match += " AND {meta} : (" + kinds + ")"
    if filters.customer_id:
        match += f' AND {{meta}} : "c{int(filters.customer_id)}"'
    return match


class SQLiteEngine(_Common):
    """FTS5 over text stemmed in Python; ranked by bm25."""

    vendor = "sqlite"

    def write(self, entries: Sequence[Entry]) -> None:
        for chunk in _chunks(entries):
            with transaction.atomic(), connection.cursor() as cursor:
                ids = self._ids_for(cursor, chunk)
                cursor.executemany(
                    "INSERT OR REPLACE INTO search_entry (id, kind, object_id, customer_id, day) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    [(ids[e.kind, e.object_id], e.kind, e.object_id, e.customer_id, e.day) for e in chunk],
                )
                cursor.executemany(
                    "INSERT INTO search_text (rowid, meta, title_nb, body_nb, title_en, body_en) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    [self._row(ids[e.kind, e.object_id], e) for e in chunk],
                )

    def _ids_for(self, cursor: Any, entries: Sequence[Entry]) -> dict[tuple[str, int], int]:
        """Return the entry id of each object: its present one (its words are dropped) or a new one."""
        ids: dict[tuple[str, int], int] = {}
        for kind in {e.kind for e in entries}:
            wanted = [e.object_id for e in entries if e.kind == kind]
            cursor.execute(
                f"SELECT object_id, id FROM search_entry WHERE kind = %s AND object_id IN ({_placeholders(len(wanted))})",
                [kind, *wanted],
            )
            ids.update({(kind, object_id): entry_id for object_id, entry_id in cursor.fetchall()})
        if ids:
            present = list(ids.values())
            cursor.execute(f"DELETE FROM search_text WHERE rowid IN ({_placeholders(len(present))})", present)
        cursor.execute("SELECT coalesce(max(id), 0) FROM search_entry")
        next_id = cursor.fetchone()[0] + 1
        for entry in entries:
            if (entry.kind, entry.object_id) not in ids:
                ids[entry.kind, entry.object_id] = next_id
                next_id += 1
        return ids

    def _row(self, entry_id: int, entry: Entry) -> tuple[Any, ...]:
        languages, title, body = entry.analysed()

        def stemmed(words: list[str], language: str) -> str:
            return text.stemmed(words, language) if language in languages else ""

        return (
            entry_id,
            meta_words(entry.kind, entry.customer_id),
            stemmed(title, NORWEGIAN),
            stemmed(body, NORWEGIAN),
            stemmed(title, ENGLISH),
            stemmed(body, ENGLISH),
        )

    def delete(self, kind: str, object_ids: Iterable[int]) -> None:
        for chunk in _chunks(sorted(object_ids)):
            marks = _placeholders(len(chunk))
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "DELETE FROM search_text WHERE rowid IN "
                    f"(SELECT id FROM search_entry WHERE kind = %s AND object_id IN ({marks}))",
                    [kind, *chunk],
                )
                cursor.execute(
                    f"DELETE FROM search_entry WHERE kind = %s AND object_id IN ({marks})", [kind, *chunk]
                )

    def candidates(
        self, query: Query, filters: Filters, *, limit: int, offset: int = 0, any_term: bool = False
    ) -> list[Candidate]:
        match = fts5_match(query, filters, any_term=any_term)
        start, within, limit = _tier(offset, limit)
        if filters.date_from or filters.date_to:
            days, day_params = self._days(filters)
            newest = (  # the id of the n-th newest match
                "SELECT t.rowid FROM search_text AS t JOIN search_entry AS d ON d.id = t.rowid "
                f"WHERE t.search_text MATCH %s{days.replace('e.', 'd.')} ORDER BY t.rowid DESC LIMIT 1 OFFSET %s"
            )
            tier, tier_params = self._tier_bounds("search_text.rowid", newest, [match, *day_params], start)
            sql = (
                "SELECT e.kind, e.object_id, e.customer_id, -search_text.rank "
                "FROM search_text JOIN search_entry AS e ON e.id = search_text.rowid "
                f"WHERE search_text MATCH %s{days}{tier} ORDER BY search_text.rank LIMIT %s OFFSET %s"
            )
            params = [match, *day_params, *tier_params, limit, within]
        else:
            newest = "SELECT rowid FROM search_text WHERE search_text MATCH %s ORDER BY rowid DESC LIMIT 1 OFFSET %s"
            tier, tier_params = self._tier_bounds("rowid", newest, [match], start)
            # Rank in FTS5 alone, then look up only the rows wanted: no join for every match.
            sql = (
                "SELECT e.kind, e.object_id, e.customer_id, -r.rank FROM ("
                f"SELECT rowid, rank FROM search_text WHERE search_text MATCH %s{tier} "
                "ORDER BY rank LIMIT %s OFFSET %s"
                ") AS r JOIN search_entry AS e ON e.id = r.rowid ORDER BY r.rank"
            )
            params = [match, *tier_params, limit, within]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [Candidate(*row) for row in cursor.fetchall()]

    def _tier_bounds(self, rowid: str, newest: str, params: list[Any], start: int) -> tuple[str, list[Any]]:
        """Return the condition keeping the tier's matches: from the `start`-th newest, RANK_LIMIT of them."""
        sql = f" AND {rowid} >= coalesce(({newest}), 0)"
        bounds = [*params, start + RANK_LIMIT - 1]
        if start:
            sql += f" AND {rowid} <= coalesce(({newest}), 0)"
            bounds += [*params, start]
        return sql, bounds

    def _days(self, filters: Filters) -> tuple[str, list[Any]]:
        sql, params = "", []
        if filters.date_from:
            sql += " AND e.day >= %s"
            params.append(filters.date_from)
        if filters.date_to:
            sql += " AND e.day <= %s"
            params.append(filters.date_to)
        return sql, params

    def optimise(self) -> None:
        """Merge the index's segments into one, which makes queries faster after a bulk load."""
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_text (search_text) VALUES ('optimize')")
            cursor.execute("ANALYZE search_entry")


# ---------------------------------------------------------------------------------------- PostgreSQL

_PG_COLUMNS = {NORWEGIAN: "e.nb", ENGLISH: "e.en"}
_PG_DOCUMENT = (
    "setweight(to_tsvector('{language}', %s), 'A') || setweight(to_tsvector('{language}', %s), 'D')"
)


def pg_match(query: Query, *, any_term: bool = False) -> tuple[str, list[Any], str, list[Any]]:
    """Return the condition a match meets and the rank expression, each with its parameters.

    Every word goes in as a parameter, to be stemmed by PostgreSQL in the language of the tsvector it
    is compared with; it holds only letters and digits (text.words), so to_tsquery sees no operators.
    The condition compares whole tsvectors, without weights, so that the GIN indexes answer it alone.
    """
    parts, params = [], []
    ranking: dict[str, list[str]] = {NORWEGIAN: [], ENGLISH: []}
    ranking_params: dict[str, list[Any]] = {NORWEGIAN: [], ENGLISH: []}
    for term in query.terms:
        star = ":*" if term.prefix else ""
        alternatives = []
        for language, value in term.forms:
            if language == ANY:
                config, word, languages = "simple", value + star, (NORWEGIAN, ENGLISH)
            else:
                config, word, languages = language, term.word + star, (language,)
            for column_language in languages:
                alternatives.append(f"{_PG_COLUMNS[column_language]} @@ to_tsquery('{config}', %s)")
                params.append(word)
                ranking[column_language].append(f"to_tsquery('{config}', %s)")
                ranking_params[column_language].append(word)
        parts.append("(" + " OR ".join(alternatives) + ")")
    condition = "(" + (" OR " if any_term else " AND ").join(parts) + ")"
    ranks = [
        f"ts_rank({_PG_COLUMNS[language]}, {' || '.join(found)}, 1)"
        for language, found in ranking.items()
        if found
    ]
    return condition, params, " + ".join(ranks), ranking_params[NORWEGIAN] + ranking_params[ENGLISH]


class PostgreSQLEngine(_Common):
    """PostgreSQL full-text search with the norwegian and english configurations; ranked by ts_rank."""

    vendor = "postgresql"

    def write(self, entries: Sequence[Entry]) -> None:
        norwegian = _PG_DOCUMENT.format(language=NORWEGIAN)
        english = _PG_DOCUMENT.format(language=ENGLISH)
        for chunk in _chunks(entries):
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO search_entry (kind, object_id, customer_id, day, nb, en) "
                    f"VALUES (%s, %s, %s, %s, {norwegian}, {english}) "
                    "ON CONFLICT (kind, object_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, "
                    "day = EXCLUDED.day, nb = EXCLUDED.nb, en = EXCLUDED.en",
                    [self._row(entry) for entry in chunk],
                )

    def _row(self, entry: Entry) -> tuple[Any, ...]:
        languages, title, body = entry.analysed()

        def words(found: list[str], language: str) -> str:
            return " ".join(found) if language in languages else ""

        return (
            entry.kind,
            entry.object_id,
            entry.customer_id,
            entry.day,
            words(title, NORWEGIAN),
            words(body, NORWEGIAN),
            words(title, ENGLISH),
            words(body, ENGLISH),
        )

    def delete(self, kind: str, object_ids: Iterable[int]) -> None:
        ids = sorted(object_ids)
        if ids:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM search_entry WHERE kind = %s AND object_id = ANY(%s)", [kind, ids])

    def candidates(
        self, query: Query, filters: Filters, *, limit: int, offset: int = 0, any_term: bool = False
    ) -> list[Candidate]:
        condition, params, rank, rank_params = pg_match(query, any_term=any_term)
        where, filter_params = self._filters(filters)
        start, within, limit = _tier(offset, limit)
        sql = (
            # The tier's matches, newest first, found from the GIN indexes alone; only they are ranked.
            "WITH tier AS ("
            f"SELECT e.id FROM search_entry AS e WHERE {condition}{where} ORDER BY e.id DESC LIMIT %s OFFSET %s"
            ") "
            f"SELECT e.kind, e.object_id, e.customer_id, {rank} AS score "
            "FROM tier JOIN search_entry AS e ON e.id = tier.id "
            "ORDER BY score DESC, e.id LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *filter_params, RANK_LIMIT, start, *rank_params, limit, within])
            return [Candidate(*row) for row in cursor.fetchall()]

    def _filters(self, filters: Filters) -> tuple[str, list[Any]]:
        sql, params = "", []
        if filters.kinds:
            sql += " AND e.kind = ANY(%s)"
            params.append(list(filters.kinds))
        if filters.customer_id:
            sql += " AND e.customer_id = %s"
            params.append(filters.customer_id)
        if filters.date_from:
            sql += " AND e.day >= %s"
            params.append(filters.date_from)
        if filters.date_to:
            sql += " AND e.day <= %s"
            params.append(filters.date_to)
        return sql, params

    def optimise(self) -> None:
        """Refresh the planner's statistics after a bulk load."""
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_entry")
