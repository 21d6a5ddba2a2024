"""Documents are seen by whoever sees their workspace's object, and by nobody else: an outsider never
sees a confidential workspace's documents, on any page, in any list, through the API or in search."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext

from samspill.lib.errors import NotAllowed
from samspill.workspace.access import get_document_for, get_owner_for
from samspill.workspace.models import Document
from samspill.workspace.tests.conftest import upload_file

pytestmark = pytest.mark.django_db

AddDocument = Callable[..., Document]
ClientFor = Callable[[Any], Client]


@pytest.fixture
def secret(confidential: Any, add_document: AddDocument) -> Document:
    return add_document(confidential, name="Hemmelig tilbud.txt")


def test_the_team_sees_a_confidential_workspaces_documents_and_an_outsider_does_not(
    secret: Document, customer: Any, seller: Any, outsider: Any, add_document: AddDocument
) -> None:
    ordinary = add_document(customer, name="Åpent referat.txt")
    assert set(Document.objects.visible_to(seller)) == {secret, ordinary}
    assert list(Document.objects.visible_to(outsider)) == [ordinary]
    with pytest.raises(Http404):
        get_document_for(outsider, secret.pk)
    with pytest.raises(Http404):
        get_owner_for(outsider, "customers.customer", secret.object_id)


def test_an_outsider_gets_not_found_for_every_page_of_a_confidential_document(
    secret: Document, outsider: Any, client_for: ClientFor
) -> None:
    client = client_for(outsider)
    for path in (
        f"/workspace/documents/{secret.pk}/",
        f"/workspace/documents/{secret.pk}/download/",
        f"/workspace/documents/{secret.pk}/versions/1/download/",
        f"/workspace/documents/{secret.pk}/move/search/?q=a",
        f"/workspace/customers.customer/{secret.object_id}/documents/",
    ):
        assert client.get(path).status_code == 404, path
    for path in (f"/workspace/documents/{secret.pk}/delete/", f"/workspace/documents/{secret.pk}/move/"):
        assert client.post(path).status_code == 404, path
    upload = client.post(
        f"/workspace/customers.customer/{secret.object_id}/documents/upload/", {"files": [upload_file()]}
    )
    assert upload.status_code == 404


def test_an_outsider_gets_not_found_through_the_api(
    secret: Document, outsider: Any, api_for: Callable[[Any], Client]
) -> None:
    api = api_for(outsider)
    assert api.get("/api/v1/documents").json() == {"items": [], "count": 0}
    assert (
        api.get(f"/api/v1/documents?owner_type=customers.customer&owner_id={secret.object_id}").json()[
            "count"
        ]
        == 0
    )
    for path in (
        f"/api/v1/documents/{secret.pk}",
        f"/api/v1/documents/{secret.pk}/versions",
        f"/api/v1/documents/{secret.pk}/download",
        f"/api/v1/documents/{secret.pk}/versions/1/download",
    ):
        assert api.get(path).status_code == 404, path
    assert (
        api.patch(
            f"/api/v1/documents/{secret.pk}", {"version": 1, "title": "x"}, "application/json"
        ).status_code
        == 404
    )
    assert (
        api.post(f"/api/v1/documents/{secret.pk}/delete", content_type="application/json").status_code == 404
    )
    upload = api.post(
        "/api/v1/documents",
        {"owner_type": "customers.customer", "owner_id": secret.object_id, "files": [upload_file()]},
    )
    assert upload.status_code == 404


def test_the_search_source_of_documents_hides_confidential_ones(
    secret: Document, outsider: Any, seller: Any
) -> None:
    from samspill.lib import registry

    source = registry.registry.search_sources["documents"]
    assert secret in source.visible_to(seller)
    assert secret not in source.visible_to(outsider)


def test_the_registered_access_of_documents_follows_the_workspace(
    secret: Document, seller: Any, expert: Any, outsider: Any
) -> None:
    from samspill.lib import registry

    access = registry.access_for(Document)
    assert secret not in access.visible_to(outsider)
    assert access.can_change(seller, secret) and not access.can_change(expert, secret)


def test_a_reader_who_may_not_change_the_workspace_is_refused_a_change(
    customer: Any, expert: Any, add_document: AddDocument
) -> None:
    document = add_document(customer)
    assert get_document_for(expert, document.pk) == document
    with pytest.raises(NotAllowed):
        get_document_for(expert, document.pk, write=True)


def test_documents_of_an_object_without_a_registered_workspace_are_seen_by_nobody(
    customer: Any, seller: Any, administrator: Any, add_document: AddDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    from samspill.workspace import models

    add_document(customer)
    monkeypatch.setattr(models, "WORKSPACE_TARGETS", ["pipeline.opportunity"])
    assert not Document.objects.visible_to(seller).exists()
    assert not Document.objects.visible_to(administrator).exists()


def test_anonymous_and_deactivated_people_see_no_documents(
    customer: Any, seller: Any, add_document: AddDocument
) -> None:
    from django.contrib.auth.models import AnonymousUser

    add_document(customer)
    assert not Document.objects.visible_to(AnonymousUser()).exists()
    seller.is_active = False
    assert not Document.objects.visible_to(seller).exists()


def test_visibility_costs_one_query_however_many_workspaces_hold_documents(
    make_customer: Any, customer: Any, seller: Any, add_document: AddDocument
) -> None:
    for n in range(5):
        add_document(make_customer(f"Kunde {n} AS"), f"{n}".encode(), f"{n}.txt")
    Document.objects.visible_to(seller).count()  # warm the content type cache
    with CaptureQueriesContext(connection) as queries:
        assert len(list(Document.objects.visible_to(seller))) == 5
    assert len(queries) == 1
