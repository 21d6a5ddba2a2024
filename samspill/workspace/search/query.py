"""Searching: ranked candidates from the index, kept only where each source's `visible_to` allows.

The index knows nothing about access. It returns matches best first, a window of WINDOW at a time;
each window costs one query per kind to ask the sources which of its objects the person may see,
so a page costs the same number of queries whatever the number of matches.

Counting every match a person may see would mean asking about every match. The count is exact when
all matches fit in the first window (1 000 on SQLite, 500 on PostgreSQL: a window stays within one
of the engine's ranking tiers) and otherwise "at least" the visible ones in the windows looked at
(`count_exact` is False and the page says "more than …"), as large search engines do.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from samspill.lib.registry import SearchSource, registry
from samspill.workspace.search import engines, text
from samspill.workspace.search.engines import Candidate, Engine, Filters, engine
from samspill.workspace.search.index import body_of, customer_of, day_of, sources, title_of, url_of

WINDOW = 1_000  # candidates looked at first; counts are exact up to this many matches
MAX_CANDIDATES = 20_000  # never look further: ask the person to narrow the search instead
MAX_LIMIT = 100
MAX_OFFSET = 10_000
CUSTOMERS = "customers"  # the source that names customers in the customer filter
CUSTOMER_FACETS = 12
_LANGUAGE_SAMPLE = 1_500  # characters enough to tell the language by its small words


@dataclass(frozen=True)
class Hit:
    """One result: what it is, where it leads, and why it matched."""

    kind: str
    label: str  # what one object of the kind is called: "Customer", "Document"
    object_id: int
    title: str
    title_html: SafeString
    snippet_html: SafeString
    url: str
    customer_id: int | None
    customer_name: str
    date: datetime.date | None
    score: float
    icon: str
    archived: bool


@dataclass(frozen=True)
class Facet:
    """How many results one kind (or one customer) has: a filter the person can pick."""

    key: Any
    label: str
    count: int
    icon: str = ""


@dataclass(frozen=True)
class SearchResults:
    items: list[Hit]
    count: int
    count_exact: bool = True
    facets: list[Facet] = field(default_factory=list)
    customers: list[Facet] = field(default_factory=list)
    has_more: bool = False
    message: str = ""
    query: text.Query | None = None


class _Scan:
    """Walks the ranked candidates window by window, keeping those the person may see."""

    def __init__(
        self, search_engine: Engine, query: text.Query, filters: Filters, user: Any, any_term: bool = False
    ) -> None:
        self.engine, self.query, self.filters, self.user = search_engine, query, filters, user
        self.any_term = any_term
        self.visible: list[Candidate] = []
        self.scanned = 0
        self.exhausted = False

    def more(self) -> None:
        # A window stays within one of the engine's ranking tiers (engines.py).
        tier = self.engine.rank_limit
        size = min(WINDOW, tier - self.scanned % tier)
        found = self.engine.candidates(
            self.query, self.filters, limit=size, offset=self.scanned, any_term=self.any_term
        )
        self.scanned += len(found)
        self.exhausted = len(found) < size
        allowed = _visible(self.user, found)
        self.visible.extend(c for c in found if (c.kind, c.object_id) in allowed)

    def fill(self, wanted: int) -> None:
        """Look further until `wanted` visible candidates are found or the matches (or MAX_CANDIDATES) end."""
        if self.scanned == 0:
            self.more()
        while len(self.visible) < wanted and not self.exhausted and self.scanned < MAX_CANDIDATES:
            self.more()


def _visible(user: Any, candidates: Sequence[Candidate]) -> set[tuple[str, int]]:
    """Return the candidates `user` may see: one query per kind, whatever the number of candidates."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for candidate in candidates:
        by_kind[candidate.kind].append(candidate.object_id)
    allowed: set[tuple[str, int]] = set()
    for kind, ids in by_kind.items():
        source = registry.search_sources.get(kind)
        if source is None:  # indexed under a kind nobody registers any more
            continue
        visible = (
            source.visible_to(user)
            .filter(pk__in=engines.id_list(ids))
            .order_by()
            .values_list("pk", flat=True)
        )
        allowed.update((kind, pk) for pk in visible)
    return allowed


def search(
    user: Any,
    query: str,
    *,
    kinds: Iterable[str] | None = None,
    customer_id: int | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchResults:
    """Return what `user` may see that matches `query`, best first, with counts per kind and customer.

    Every word must match, in any inflection (Norwegian or English); the last word also matches as
    the start of a word. `kinds` are registry keys (ValueError for unknown ones). Never raises for
    what a person types: a query with nothing to search for gives no results and a message.
    """
    wanted = tuple(source.key for source in sources(kinds)) if kinds else ()
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, min(offset, MAX_OFFSET))
    parsed = text.parse(query or "")
    if not parsed:
        return SearchResults([], 0, message=_message(parsed), query=parsed)
    filters = Filters(wanted, customer_id, date_from, date_to)
    scan = _Scan(engine(), parsed, filters, user)
    scan.fill(offset + limit + 1)
    rows = scan.visible
    page = _load(rows[offset : offset + limit])
    counted = rows + _others(parsed, filters, user)
    counts = Counter(c.customer_id for c in counted if c.customer_id)
    top = [pk for pk, _count in counts.most_common(CUSTOMER_FACETS)]
    # One query names the customers of the filter and of the page's results.
    names = _customer_names(user, {*top, customer_id, *(customer_of(s, obj) for s, obj, _c in page)})
    return SearchResults(
        items=[_hit(source, obj, candidate, parsed, names) for source, obj, candidate in page],
        count=len(rows),
        count_exact=scan.exhausted,
        facets=_kind_facets(counted),
        customers=_customer_facets(top, customer_id, counts, names),
        has_more=len(rows) > offset + limit or not scan.exhausted,
        message=_message(parsed),
        query=parsed,
    )


def _others(query: text.Query, filters: Filters, user: Any) -> list[Candidate]:
    """Return the first window of the kinds a kind filter leaves out, to count them for its choices."""
    others = tuple(key for key in registry.search_sources if key not in filters.kinds)
    if not filters.kinds or not others:
        return []
    scan = _Scan(engine(), query, replace(filters, kinds=others), user)
    scan.fill(0)
    return scan.visible


def _message(query: text.Query) -> str:
    if query.only_stop_words:
        return _("Those words are too common to search for. Add a word that tells what you are looking for.")
    if not query.terms:
        return _("Type what you are looking for: a name, a word from a document, an org number.")
    if query.ignored:
        return _("Only the first %(count)d words were searched.") % {"count": text.MAX_TERMS}
    return ""


def _kind_facets(visible: list[Candidate]) -> list[Facet]:
    counts = Counter(c.kind for c in visible)
    return [
        Facet(source.key, str(source.label), counts[source.key], source.icon)
        for source in registry.search_sources.values()
    ]


def _customer_facets(
    top: list[int], chosen: int | None, counts: Counter[int], names: dict[int, str]
) -> list[Facet]:
    shown = [*top, chosen] if chosen and chosen not in top else top
    facets = [Facet(pk, names[pk], counts[pk]) for pk in shown if pk in names]
    return sorted(facets, key=lambda facet: (-facet.count, facet.label))


def _customer_names(user: Any, ids: Iterable[int | None]) -> dict[int, str]:
    source = registry.search_sources.get(CUSTOMERS)
    wanted = {pk for pk in ids if pk}
    if source is None or not wanted:
        return {}
    found = source.visible_to(user).filter(pk__in=wanted)
    if isinstance(source.title, str) and "." not in source.title and "__" not in source.title:
        found = found.only("pk", source.title)
    return {obj.pk: title_of(source, obj) for obj in found}


def _load(page: list[Candidate]) -> list[tuple[SearchSource, Any, Candidate]]:
    """Load the page's objects, one query per kind. `_visible` allowed each of them a moment ago in this
    request; asking again would cost a second evaluation of access rules that can be expensive."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for candidate in page:
        by_kind[candidate.kind].append(candidate.object_id)
    objects: dict[tuple[str, int], Any] = {}
    for kind, ids in by_kind.items():
        source = registry.search_sources[kind]
        loaded = source.model._default_manager.filter(pk__in=ids).select_related(*source.select_related)
        objects.update(((kind, obj.pk), obj) for obj in loaded)
    return [
        (registry.search_sources[c.kind], objects[c.kind, c.object_id], c)
        for c in page
        if (c.kind, c.object_id) in objects
    ]


def _hit(
    source: SearchSource, obj: Any, candidate: Candidate, query: text.Query, names: dict[int, str]
) -> Hit:
    title, body = title_of(source, obj), body_of(source, obj)
    marker = text.Highlighter(query, text.languages_of(text.words(title + "\n" + body[:_LANGUAGE_SAMPLE])))
    customer_id = customer_of(source, obj)
    return Hit(
        kind=source.key,
        label=capfirst(str(source.model._meta.verbose_name)),
        object_id=obj.pk,
        title=title,
        title_html=marker.highlight(title),
        snippet_html=marker.snippet(body),
        url=url_of(source, obj),
        customer_id=customer_id,
        customer_name=names.get(customer_id, "") if customer_id and source.key != CUSTOMERS else "",
        date=day_of(source, obj),
        score=round(float(candidate.score), 6),
        icon=source.icon,
        archived=bool(getattr(obj, "archived_at", None) or getattr(obj, "is_archived", False)),
    )


def rank(
    body: str,
    *,
    kinds: Iterable[str] | None = None,
    limit: int = 10,
    exclude: Iterable[tuple[str, int]] = (),
    user: Any = None,
) -> list[tuple[str, int, float]]:
    """Return the indexed objects most like `body`, best first, as (kind, object id, score).

    "More like this": the text's most characteristic words (frequent in it, not stop words), any of
    which may match, ranked by the engine (bm25 / ts_rank) so that words rare in the index weigh most.
    `exclude` leaves out objects (the project itself); with `user`, only what that person may see.
    The insights' "similar projects" use it with kinds=["projects"].
    """
    query = text.informative(body)
    wanted = tuple(source.key for source in sources(kinds)) if kinds else ()
    if not query or limit < 1:
        return []
    excluded = set(exclude)
    filters = Filters(kinds=wanted)
    if user is None:
        found = engine().candidates(query, filters, limit=limit + len(excluded), any_term=True)
    else:
        scan = _Scan(engine(), query, filters, user, any_term=True)
        scan.fill(limit + len(excluded))
        found = scan.visible
    kept = [(c.kind, c.object_id, float(c.score)) for c in found if (c.kind, c.object_id) not in excluded]
    return kept[:limit]
