"""PostgreSQL: searches that leave the documents out read GIN indexes without them."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from samspill.workspace.search.engines import BULKY_KIND, Filters, PostgreSQLEngine

pytestmark = pytest.mark.django_db


def test_a_filter_without_the_documents_says_so_for_the_planner() -> None:
    engine = PostgreSQLEngine()
    without, params = engine._filters(Filters(kinds=("customers", "projects")))
    assert f"e.kind <> '{BULKY_KIND}'" in without and params == [["customers", "projects"]]
    single, _params = engine._filters(Filters(kinds=("opportunities",)))
    assert f"e.kind <> '{BULKY_KIND}'" in single
    with_documents, _params = engine._filters(Filters(kinds=("documents", "customers")))
    assert "<>" not in with_documents
    unfiltered, _params = engine._filters(Filters())
    assert unfiltered == ""


def test_postgresql_has_gin_indexes_of_everything_but_the_documents(db: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the partial GIN indexes are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = 'search_entry' AND indexname LIKE %s",
            ["%_others"],
        )
        found = dict(cursor.fetchall())
    assert set(found) == {"search_entry_nb_others", "search_entry_en_others"}
    assert all("gin" in d and f"<> '{BULKY_KIND}'" in d for d in found.values())
