"""Search over everything the apps register as search sources (`samspill.lib.registry.SearchSource`).

    search(user, "avvikene", kinds=["documents"], customer_id=7, date_from=..., date_to=...,
           limit=20, offset=0) -> SearchResults(items=[Hit, ...], count, count_exact, facets, customers)
    rank(text, kinds=["projects"], limit=10, exclude=[("projects", 3)], user=None)
        -> [(kind, object_id, score), ...]   # "more like this", for similar projects
    index_object(obj), remove_object(obj), refresh(model, pk), refresh_mentions(model, pk, changed)
                                                              # what the event listener calls
    reindex(kinds=None, progress=None) -> {kind: count}       # `samspill reindex`, the seed's last step

One module, two engines (engines.py): SQLite FTS5 over text stemmed in Python, PostgreSQL full-text
search with its norwegian and english configurations. Results only ever hold what each source's
`visible_to(user)` allows.
"""

from samspill.workspace.search.index import index_object, refresh, refresh_mentions, reindex, remove_object
from samspill.workspace.search.query import Facet, Hit, SearchResults, rank, search

__all__ = [
    "Facet",
    "Hit",
    "SearchResults",
    "index_object",
    "rank",
    "refresh",
    "refresh_mentions",
    "reindex",
    "remove_object",
    "search",
]
