"""The two search engines behind one interface: SQLite FTS5 and PostgreSQL full-text search.

The index is one row per searchable object, `search_entry` (kind, object id, customer, day), created
by the migration 0002_search_index. On SQLite its words live in the FTS5 table `search_text`, whose
rowid is the entry's id; on PostgreSQL in the entry's tsvectors under GIN indexes.

The SQL below is put together from constants and placeholders only: every value, and every word a
person typed, goes to the database as a parameter (hence the `noqa: S608`).

Norwegian and English stems are kept apart, so that a word is only compared with text stemmed in the
same language (text.py): in separate columns on SQLite, in the separate tsvectors `nb` and `en` on
PostgreSQL. A title counts ten times a body.

Ranking costs time for every match, which a word found in most of 100 000 documents makes slow. So
matches are taken in tiers of RANK_LIMIT, newest first (by the day each source gives its objects,
such as when they last changed), each tier found from the index alone. A query with fewer matches is
ranked as a whole; one with more shows its newest 2 000 (PostgreSQL: 500) first, then the next, ordered
by PostgreSQL's ts_rank, or on SQLite by whether the words are in the title (SQLite's bm25 would
first count every match of every word). A second word narrows a common query as it would anyway.
`candidates(limit, offset)` never crosses a tier: callers ask for at most what is left of the tier
`offset` is in.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models.expressions import RawSQL

from samspill.workspace.search import text
from samspill.workspace.search.text import ANY, ENGLISH, NORWEGIAN, Query

BATCH = 500
# Matches per ranking tier. FTS5 walks its matches by id almost for free; PostgreSQL reads each entry's
# tsvectors while walking them newest first, so with a word in one entry of ten a tier of 500 costs it
# some 5 000 rows.
RANK_LIMIT = 2_000
PG_RANK_LIMIT = 500
# PostgreSQL: the kind with by far the most words (the documents' texts), which the GIN indexes
# `search_entry_*_others` leave out, and every GIN index of the table (their pending lists are merged
# after a rebuild).
BULKY_KIND = "documents"
GIN_INDEXES = ("search_entry_nb", "search_entry_en", "search_entry_nb_others", "search_entry_en_others")


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

    @property
    def rank_limit(self) -> int: ...

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


def id_list(ids: Sequence[int]) -> RawSQL:
    """Return `ids` as one parameter for `pk__in` (Django takes 10 ms to prepare 1 000 one by one)."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [list(ids)])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(list(ids))])


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _tier(offset: int, limit: int, size: int) -> tuple[int, int, int]:
    """Return where the tier of `offset` starts, the offset within it, and the limit kept within it."""
    start = offset - offset % size
    within = offset - start
    return start, within, min(limit, size - within)


_DAY_SHIFT = 24  # an entry id on SQLite: the day's ordinal, then 24 bits to count the day's entries


def _day_number(day: datetime.date | None) -> int:
    return day.toordinal() if day else 0


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
_SQLITE_TITLES = {NORWEGIAN: "{title_nb}", ENGLISH: "{title_en}", ANY: "{title_nb title_en}"}
# meta filters and never ranks; a title counts ten times a body.
_BM25 = "bm25(search_text, 0.0, 10.0, 1.0, 10.0, 1.0)"
# A word being typed stands for at most this many indexed words that start with it, as Elasticsearch's
# max_expansions: FTS5's own prefix queries merge every such word's list first, too slow at 100 000.
MAX_EXPANSIONS = 50
_NOT_A_TOKEN = re.compile(r"[\W_]+")
_LAST = chr(0x10FFFF)

Expansions = dict[str, list[str]]


def meta_words(kind: str, customer_id: int | None) -> str:
    """Return the words an object is filed under, so that FTS5 itself filters by kind and customer."""
    kind_word = _NOT_A_TOKEN.sub("", kind.lower()) or "none"
    return f"{kind_word} c{customer_id}" if customer_id else kind_word


def fts5_match(
    query: Query, filters: Filters, expansions: Expansions, *, any_term: bool = False, titles: bool = False
) -> str:
    """Return the FTS5 query: every term (or any, for "more like this") plus the kind and customer filters.

    Each form is a quoted string of letters and digits (text.words keeps nothing else), so nothing the
    person typed can reach FTS5 as syntax. A prefix is replaced by the indexed words it starts
    (`expansions`); one that starts none matches nothing, and neither does a term left without forms.
    With `titles`, the words must be in the title.
    """
    columns = _SQLITE_TITLES if titles else _SQLITE_COLUMNS
    terms = []
    for term in query.terms:
        forms = []
        for language, value in term.forms:
            words = expansions.get(value, []) if term.prefix else [value]
            if words:
                quoted = " OR ".join(f'"{word}"' for word in words)
                forms.append(f"{columns[language]} : ({quoted})")
        if forms:
            terms.append("(" + " OR ".join(forms) + ")")
        elif not any_term:
            return ""
    if not terms:
        return ""
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

    @property
    def rank_limit(self) -> int:
        return RANK_LIMIT

    def write(self, entries: Sequence[Entry]) -> None:
        for chunk in _chunks(entries):
            with transaction.atomic(), connection.cursor() as cursor:
                self._forget(cursor, chunk)
                ids = self._new_ids(cursor, chunk)
                rows = [self._row(ids[e.kind, e.object_id], e) for e in chunk]
                cursor.executemany(
                    "INSERT INTO search_entry (id, kind, object_id, customer_id, day) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    [(ids[e.kind, e.object_id], e.kind, e.object_id, e.customer_id, e.day) for e in chunk],
                )
                cursor.executemany(
                    "INSERT INTO search_text (rowid, meta, title_nb, body_nb, title_en, body_en) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    rows,
                )
                # The words a prefix can stand for; never removed (a word no entry has finds nothing).
                words = {word for row in rows for column in row[2:] for word in column.split()}
                cursor.executemany(
                    "INSERT OR IGNORE INTO search_term (term) VALUES (%s)",
                    [(word,) for word in sorted(words)],
                )

    def _forget(self, cursor: Any, entries: Sequence[Entry]) -> None:
        """Drop the present entries of these objects, and their words."""
        for kind in {e.kind for e in entries}:
            wanted = [e.object_id for e in entries if e.kind == kind]
            marks = _placeholders(len(wanted))
            cursor.execute(
                "DELETE FROM search_text WHERE rowid IN "  # noqa: S608
                f"(SELECT id FROM search_entry WHERE kind = %s AND object_id IN ({marks}))",
                [kind, *wanted],
            )
            cursor.execute(
                f"DELETE FROM search_entry WHERE kind = %s AND object_id IN ({marks})",  # noqa: S608
                [kind, *wanted],
            )

    def _new_ids(self, cursor: Any, entries: Sequence[Entry]) -> dict[tuple[str, int], int]:
        """Return a new id per entry that sorts by the entry's day: its ordinal, then a count within it.

        FTS5 walks its matches by id cheaply and by nothing else, so "newest first" is "highest id first".
        """
        days = sorted({_day_number(e.day) for e in entries})
        highest: dict[int, int] = {}
        for chunk in _chunks(days, 100):
            select = "SELECT %s, (SELECT max(id) FROM search_entry WHERE id >= %s AND id < %s)"
            cursor.execute(
                " UNION ALL ".join([select] * len(chunk)),
                [param for day in chunk for param in (day, day << _DAY_SHIFT, (day + 1) << _DAY_SHIFT)],
            )
            highest.update({day: found or day << _DAY_SHIFT for day, found in cursor.fetchall()})
        ids = {}
        for entry in entries:
            day = _day_number(entry.day)
            highest[day] += 1
            ids[entry.kind, entry.object_id] = highest[day]
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
                    "DELETE FROM search_text WHERE rowid IN "  # noqa: S608
                    f"(SELECT id FROM search_entry WHERE kind = %s AND object_id IN ({marks}))",
                    [kind, *chunk],
                )
                cursor.execute(
                    f"DELETE FROM search_entry WHERE kind = %s AND object_id IN ({marks})",  # noqa: S608
                    [kind, *chunk],
                )

    def _expansions(self, cursor: Any, query: Query) -> Expansions:
        """Return the indexed words each prefix of the query starts, in one query."""
        prefixes = sorted({value for term in query.terms if term.prefix for _lang, value in term.forms})
        if not prefixes:
            return {}
        select = "SELECT %s, term FROM (SELECT term FROM search_term WHERE term >= %s AND term < %s LIMIT %s)"
        # One select per prefix (at most MAX_TERMS), each a range of the vocabulary's primary key.
        cursor.execute(
            " UNION ALL ".join([select] * len(prefixes)),
            [param for prefix in prefixes for param in (prefix, prefix, prefix + _LAST, MAX_EXPANSIONS)],
        )
        found: Expansions = {}
        for prefix, word in cursor.fetchall():
            found.setdefault(prefix, []).append(word)
        return found

    def candidates(
        self, query: Query, filters: Filters, *, limit: int, offset: int = 0, any_term: bool = False
    ) -> list[Candidate]:
        """Return matches best first: by bm25 when there are fewer than RANK_LIMIT, else tier by tier.

        bm25 first counts, for every word of the query, the entries that hold it; with a word that most
        of 100 000 documents hold that alone costs tens of milliseconds. A tier of a query that common
        is ordered without it: matches with every word in the title first, then the rest, newest first.
        "More like this" (`any_term`) is always ranked by bm25, over its newest RANK_LIMIT matches.
        """
        start, within, limit = _tier(offset, limit, self.rank_limit)
        with connection.cursor() as cursor:
            expansions = self._expansions(cursor, query)
            match = fts5_match(query, filters, expansions, any_term=any_term)
            if not match:
                return []
            if any_term:
                return self._similar(cursor, match, limit, within)
            days, day_params = self._days(filters)
            tier = self._tier(cursor, match, days, day_params, start)
            if start == 0 and len(tier) < RANK_LIMIT:
                return self._ranked(cursor, match, days, day_params, limit, within)
            titled = fts5_match(query, filters, expansions, titles=True)
            return self._newest_first(cursor, tier, titled, limit, within)

    def _days(self, filters: Filters) -> tuple[str, list[Any]]:
        days, params = "", []
        if filters.date_from:
            days += " AND e.day >= %s"
            params.append(filters.date_from)
        if filters.date_to:
            days += " AND e.day <= %s"
            params.append(filters.date_to)
        return days, params

    def _tier(self, cursor: Any, match: str, days: str, day_params: list[Any], start: int) -> list[int]:
        """Return the entry ids of the tier's matches, newest first, found without ranking them."""
        join = " JOIN search_entry AS e ON e.id = search_text.rowid" if days else ""
        cursor.execute(
            f"SELECT search_text.rowid FROM search_text{join} WHERE search_text MATCH %s{days} "  # noqa: S608
            "ORDER BY search_text.rowid DESC LIMIT %s OFFSET %s",
            [match, *day_params, RANK_LIMIT, start],
        )
        return [row[0] for row in cursor.fetchall()]

    def _ranked(
        self, cursor: Any, match: str, days: str, day_params: list[Any], limit: int, offset: int
    ) -> list[Candidate]:
        cursor.execute(
            f"SELECT e.kind, e.object_id, e.customer_id, -{_BM25} AS score "  # noqa: S608
            "FROM search_text JOIN search_entry AS e ON e.id = search_text.rowid "
            f"WHERE search_text MATCH %s{days} "
            "ORDER BY score DESC, search_text.rowid DESC LIMIT %s OFFSET %s",
            [match, *day_params, limit, offset],
        )
        return [Candidate(*row) for row in cursor.fetchall()]

    def _newest_first(
        self, cursor: Any, tier: list[int], titled_match: str, limit: int, offset: int
    ) -> list[Candidate]:
        if not tier:
            return []
        cursor.execute(
            "SELECT rowid FROM search_text WHERE search_text MATCH %s AND rowid BETWEEN %s AND %s",
            [titled_match, tier[-1], tier[0]],
        )
        titled = {row[0] for row in cursor.fetchall()}
        order = [i for i in tier if i in titled] + [i for i in tier if i not in titled]
        page = order[offset : offset + limit]
        cursor.execute(
            "SELECT id, kind, object_id, customer_id FROM search_entry "
            "WHERE id IN (SELECT value FROM json_each(%s))",
            [json.dumps(page)],
        )
        found = {
            entry_id: (kind, object_id, customer) for entry_id, kind, object_id, customer in cursor.fetchall()
        }
        return [Candidate(*found[i], score=1.0 if i in titled else 0.0) for i in page if i in found]

    def _similar(self, cursor: Any, match: str, limit: int, offset: int) -> list[Candidate]:
        # The id of the RANK_LIMIT-th newest match (none when there are fewer): only newer ones are ranked.
        newest = (
            "SELECT rowid FROM search_text WHERE search_text MATCH %s ORDER BY rowid DESC LIMIT 1 OFFSET %s"
        )
        cursor.execute(
            "SELECT e.kind, e.object_id, e.customer_id, -r.score FROM ("  # noqa: S608
            f"SELECT rowid, {_BM25} AS score FROM search_text WHERE search_text MATCH %s "
            f"AND rowid >= coalesce(({newest}), 0) ORDER BY score LIMIT %s OFFSET %s"
            ") AS r JOIN search_entry AS e ON e.id = r.rowid ORDER BY r.score",
            [match, match, RANK_LIMIT - 1, limit, offset],
        )
        return [Candidate(*row) for row in cursor.fetchall()]

    def optimise(self) -> None:
        """Merge the index's segments into one, which makes queries faster after a bulk load."""
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_text (search_text) VALUES ('optimize')")
            cursor.execute("ANALYZE search_entry")
            if not connection.in_atomic_block:  # move the rewritten index from the WAL into the database
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# ---------------------------------------------------------------------------------------- PostgreSQL

_PG_COLUMNS = {NORWEGIAN: "e.nb", ENGLISH: "e.en"}
_PG_DOCUMENT = (
    "setweight(to_tsvector('{language}', %s), 'A') || setweight(to_tsvector('{language}', %s), 'D')"
)


def pg_match(query: Query, *, any_term: bool = False) -> tuple[str, list[Any], str, list[Any]]:
    """Return the condition a match meets and the rank expression, each with its parameters.

    Every word goes in as a parameter, to be stemmed by PostgreSQL in the language of the tsvector it
    is compared with; it holds only letters and digits (text.words), so to_tsquery sees no operators.
    The condition compares whole tsvectors, without weights, so that the GIN indexes answer it alone
    (a weight in the query would make PostgreSQL read every matching tsvector to check it).
    """
    parts, params = [], []
    ranking: dict[str, list[str]] = {NORWEGIAN: [], ENGLISH: []}
    ranking_params: dict[str, list[Any]] = {NORWEGIAN: [], ENGLISH: []}
    for term in query.terms:
        star = ":*" if term.prefix else ""
        alternatives = []
        for language, value in term.forms:
            languages: tuple[str, ...]
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

    @property
    def rank_limit(self) -> int:
        return PG_RANK_LIMIT

    def write(self, entries: Sequence[Entry]) -> None:
        norwegian = _PG_DOCUMENT.format(language=NORWEGIAN)
        english = _PG_DOCUMENT.format(language=ENGLISH)
        for chunk in _chunks(entries):
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO search_entry (kind, object_id, customer_id, day, nb, en) "  # noqa: S608
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
                cursor.execute(
                    "DELETE FROM search_entry WHERE kind = %s AND object_id = ANY(%s)", [kind, ids]
                )

    def candidates(
        self, query: Query, filters: Filters, *, limit: int, offset: int = 0, any_term: bool = False
    ) -> list[Candidate]:
        condition, params, rank, rank_params = pg_match(query, any_term=any_term)
        where, filter_params = self._filters(filters)
        start, within, limit = _tier(offset, limit, self.rank_limit)
        # The tier: the matches newest first, where a common word is found by walking the index by day
        # backwards until the tier is full, and a rare one from the GIN indexes. Only the tier is ranked.
        sql = (
            "WITH tier AS (SELECT e.id FROM search_entry AS e "  # noqa: S608
            f"WHERE {condition}{where} ORDER BY e.day DESC NULLS LAST, e.id DESC LIMIT %s OFFSET %s) "
            f"SELECT e.kind, e.object_id, e.customer_id, {rank} AS score "
            "FROM tier JOIN search_entry AS e ON e.id = tier.id "
            "ORDER BY score DESC, e.day DESC NULLS LAST, e.id DESC LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *filter_params, PG_RANK_LIMIT, start, *rank_params, limit, within])
            return [Candidate(*row) for row in cursor.fetchall()]

    def _filters(self, filters: Filters) -> tuple[str, list[Any]]:
        sql, params = "", list[Any]()
        if len(filters.kinds) == 1:  # so that the index by kind and day serves it
            sql += " AND e.kind = %s"
            params.append(filters.kinds[0])
        elif filters.kinds:
            sql += " AND e.kind = ANY(%s)"
            params.append(list(filters.kinds))
        if filters.kinds and BULKY_KIND not in filters.kinds:
            # Said in so many words, so that the planner may use the GIN indexes without the documents
            # (migration 0005): otherwise it finds every matching document and then throws it away.
            sql += f" AND e.kind <> '{BULKY_KIND}'"
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
        """Refresh the planner's statistics after a bulk load, and move what the GIN indexes keep of it
        in their pending lists into the indexes: every search reads a pending list through."""
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_entry")
            cursor.execute(
                "SELECT gin_clean_pending_list(name::regclass) FROM unnest(%s::text[]) AS name",
                [list(GIN_INDEXES)],
            )
