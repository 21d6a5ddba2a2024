"""The documents panel, its refresh, the recycle bin and the API list cost the same number of queries for
3 documents as for 30: no query per document, per version or per uploader."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from samspill.people.models import Person
from samspill.workspace import actions
from samspill.workspace.tests.conftest import incoming

pytestmark = pytest.mark.django_db

ClientFor = Callable[[Any], Client]


def _add(count: int, owner: Any, people: list[Person], *, delete: bool = False) -> None:
    for n in range(count):
        by = people[n % len(people)]
        document = actions.upload_document(
            owner, incoming(f"{owner.pk}-{n}-{delete}".encode(), f"Dok {n}.txt"), by=by
        )
        if delete:
            actions.delete_document(document, by=by)


def _queries(client: Client, url: str) -> int:
    client.get(url)  # the first request may record a token's use; count the steady state
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "path",
    [
        "{customer}",
        "/workspace/customers.customer/{pk}/documents/",
        "/workspace/customers.customer/{pk}/documents/?all=1",
    ],
)
def test_the_panel_costs_the_same_queries_for_3_and_30_documents(
    path: str, customer: Any, seller: Any, manager: Any, client_for: ClientFor
) -> None:
    url = path.format(customer=customer.get_absolute_url(), pk=customer.pk)
    client = client_for(seller)
    _add(3, customer, [seller, manager])
    few = _queries(client, url)
    _add(27, customer, [seller, manager])
    many = _queries(client, url)
    assert few == many, f"{url}: {few} queries for 3 documents, {many} for 30"


def test_the_recycle_bin_costs_the_same_queries_for_3_and_30_documents(
    customer: Any, seller: Any, administrator: Any, client_for: ClientFor
) -> None:
    client = client_for(administrator)
    _add(3, customer, [seller], delete=True)
    few = _queries(client, "/workspace/recycle-bin/")
    _add(27, customer, [seller], delete=True)
    assert _queries(client, "/workspace/recycle-bin/") == few


def test_the_api_list_costs_the_same_queries_for_3_and_30_documents(
    customer: Any, seller: Any, manager: Any, token_for: Any
) -> None:
    api = Client(headers=token_for(seller))
    _add(3, customer, [seller, manager])
    few = _queries(api, "/api/v1/documents")
    _add(27, customer, [seller, manager])
    many = _queries(api, "/api/v1/documents")
    # The token and its person, the person's roles (an opportunity's access asks them), the page, the count.
    assert few == many <= 4, f"{few} queries for 3 documents, {many} for 30"


def _reads_text(client: Client, url: str) -> bool:
    """Return whether a request reads the documents' extracted text, which no list shows."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return any('"workspace_document"."text"' in query["sql"] for query in queries)


def test_the_panel_the_recycle_bin_and_the_api_list_leave_the_text_unread(
    customer: Any, seller: Any, administrator: Any, client_for: ClientFor, token_for: Any
) -> None:
    _add(2, customer, [seller])
    _add(2, customer, [seller], delete=True)
    panel = f"/workspace/customers.customer/{customer.pk}/documents/"
    assert not _reads_text(client_for(seller), panel)
    assert not _reads_text(client_for(administrator), "/workspace/recycle-bin/")
    assert not _reads_text(Client(headers=token_for(seller)), "/api/v1/documents")
    # The document's own page shows the text, and reads it.
    document = actions.upload_document(customer, incoming(b"Referat", "Referat.txt"), by=seller)
    assert _reads_text(client_for(seller), document.get_absolute_url())
