"""The handover list page, the API list, one handover's page and the start page cost the same number of
queries for a few handovers as for many."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from samspill.handover import actions

pytestmark = pytest.mark.django_db


def _queries(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _grow(sell: Any, win: Any, candidate: Any, start: int, count: int) -> None:
    for i in range(start, start + count):
        handover = win(sell(f"Avrop {i}", candidate=candidate, confidential=i % 2 == 0))
        if i % 3 == 0:
            actions.send_back(handover, questions=[f"Spørsmål {i}", "Hvem?"], by=candidate)


def test_the_list_page_costs_the_same_for_few_and_many(
    sell: Any, win: Any, project_manager: Any, client_for: Any, outsider: Any
) -> None:
    _grow(sell, win, project_manager, 0, 2)
    few = {p.pk: _queries(client_for(p), "/handovers/?state=all") for p in (project_manager, outsider)}
    _grow(sell, win, project_manager, 2, 6)
    for person in (project_manager, outsider):
        assert _queries(client_for(person), "/handovers/?state=all") == few[person.pk]


def test_the_api_list_costs_the_same_for_few_and_many(
    sell: Any, win: Any, project_manager: Any, api_for: Any, django_assert_num_queries: Any
) -> None:
    api = api_for(project_manager)
    _grow(sell, win, project_manager, 0, 2)
    api.get("/api/v1/handovers")
    with CaptureQueriesContext(connection) as few:
        assert api.get("/api/v1/handovers").json()["count"] == 2
    _grow(sell, win, project_manager, 2, 6)
    with django_assert_num_queries(len(few)):
        assert api.get("/api/v1/handovers").json()["count"] == 8


def test_the_handover_page_and_the_start_page_cost_the_same_for_a_small_and_a_big_handover(
    sell: Any, win: Any, project_manager: Any, seller: Any, client_for: Any, api_for: Any
) -> None:
    handover = win(sell(candidate=project_manager))
    client = client_for(project_manager)
    page, start = _queries(client, handover.get_absolute_url()), _queries(client, "/")
    detail = _queries(api_for(project_manager), f"/api/v1/handovers/{handover.pk}")
    actions.send_back(handover, questions=[f"Spørsmål {i}" for i in range(8)], by=project_manager)
    for item in handover.checklist.all():
        actions.tick(item, by=seller)
    _grow(sell, win, project_manager, 0, 4)
    assert _queries(client, handover.get_absolute_url()) == page
    assert _queries(client, "/") == start
    assert _queries(api_for(project_manager), f"/api/v1/handovers/{handover.pk}") == detail
