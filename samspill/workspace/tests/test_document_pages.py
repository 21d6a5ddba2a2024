"""The documents panel on the customer page, uploads from the page, the document page and its forms."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from samspill.workspace import actions
from samspill.workspace.models import Document, DocumentKind
from samspill.workspace.tests.conftest import NORWEGIAN_TEXT, incoming, sha256, stored_files, upload_file

pytestmark = pytest.mark.django_db

AddDocument = Callable[..., Document]
ClientFor = Callable[[Any], Client]
JSON = {"Accept": "application/json"}


def _upload_url(customer: Any) -> str:
    return f"/workspace/customers.customer/{customer.pk}/documents/upload/"


# The panel


def test_the_customer_page_shows_its_documents_with_their_state(
    customer: Any, outsider: Any, add_document: AddDocument, client_for: ClientFor
) -> None:
    add_document(customer, name="Tilbud Fjordlys.txt")
    page = client_for(outsider).get(customer.get_absolute_url()).content.decode()
    assert 'data-panel="workspace.documents"' in page
    assert "Tilbud Fjordlys" in page
    assert 'data-state="queued"' in page
    assert "every 2s" in page  # the list polls while a text is being read
    assert 'data-testid="dropzone"' not in page  # an outsider reads, but does not upload


def test_the_panel_offers_the_drop_zone_to_editors_and_says_what_to_do_when_empty(
    customer: Any, seller: Any, client_for: ClientFor
) -> None:
    page = client_for(seller).get(customer.get_absolute_url()).content.decode()
    assert 'data-testid="dropzone"' in page
    assert "No documents yet." in page
    assert "every 2s" not in page


def test_the_panel_list_alone_refreshes_and_stops_polling_once_texts_are_read(
    customer: Any,
    seller: Any,
    add_document: AddDocument,
    read_text: Callable[..., Any],
    client_for: ClientFor,
) -> None:
    document = add_document(customer)
    url = f"/workspace/customers.customer/{customer.pk}/documents/"
    client = client_for(seller)
    assert "every 2s" in client.get(url).content.decode()
    read_text(document)
    fragment = client.get(url).content.decode()
    assert "every 2s" not in fragment and 'data-state="extracted"' in fragment
    assert "<html" not in fragment


def test_the_panel_shows_the_latest_documents_and_offers_the_rest(
    customer: Any, add_document: AddDocument, client_for: ClientFor, seller: Any
) -> None:
    for n in range(12):
        add_document(customer, f"innhold {n}".encode(), f"Dokument {n}.txt")
    client = client_for(seller)
    page = client.get(customer.get_absolute_url()).content.decode()
    assert page.count('data-testid="document-row"') == 10
    assert "Show all 12 documents" in page
    everything = client.get(f"/workspace/customers.customer/{customer.pk}/documents/?all=1").content.decode()
    assert everything.count('data-testid="document-row"') == 12


def test_a_workspace_of_an_unknown_type_or_id_is_not_found(seller: Any, client_for: ClientFor) -> None:
    client = client_for(seller)
    assert client.get("/workspace/people.person/1/documents/").status_code == 404
    assert client.get("/workspace/customers.customer/999999/documents/").status_code == 404


# Uploading from the page


def test_a_file_posted_by_the_pages_script_becomes_a_document(
    customer: Any, seller: Any, client_for: ClientFor, document_files: Path
) -> None:
    response = client_for(seller).post(
        _upload_url(customer), {"files": [upload_file(name="Referat oppstart.txt")], "kind": ""}, headers=JSON
    )
    assert response.status_code == 201
    [created] = response.json()["documents"]
    document = Document.objects.get(pk=created["id"])
    assert (document.title, document.kind) == ("Referat oppstart", DocumentKind.MINUTES)
    assert [p.read_bytes() for p in stored_files(document_files)] == [NORWEGIAN_TEXT]
    assert document.current.sha256 == sha256(NORWEGIAN_TEXT)


def test_files_posted_without_script_are_added_and_the_person_returns_to_the_workspace(
    customer: Any, seller: Any, client_for: ClientFor
) -> None:
    response = client_for(seller).post(
        _upload_url(customer),
        {"files": [upload_file(b"a", "a.txt"), upload_file(b"b", "b.txt")], "kind": "report"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == customer.get_absolute_url()
    assert "2 documents were added" in response.content.decode()
    assert set(Document.objects.values_list("kind", flat=True)) == {"report"}


def test_an_upload_needs_the_csrf_token(customer: Any, seller: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(seller)
    response = client.post(_upload_url(customer), {"files": [upload_file()]}, headers=JSON)
    assert response.status_code == 403
    assert not Document.objects.exists()


def test_a_file_over_the_limit_is_refused_before_it_is_stored(
    customer: Any, seller: Any, client_for: ClientFor, settings: Any, document_files: Path
) -> None:
    settings.DOCUMENT_MAX_BYTES = 100 * 1024
    big = upload_file(b"x" * (300 * 1024), "Stor.txt")
    response = client_for(seller).post(_upload_url(customer), {"files": [big]}, headers=JSON)
    assert response.status_code == 413
    assert "Stor.txt" in response.json()["detail"]
    assert stored_files(document_files) == []
    assert not Document.objects.exists()


def test_a_request_announcing_more_than_the_limit_is_refused_before_it_is_read(
    customer: Any, seller: Any, client_for: ClientFor, settings: Any
) -> None:
    settings.DOCUMENT_MAX_BYTES = 1024
    response = client_for(seller).post(
        _upload_url(customer),
        {"files": [upload_file(b"x" * 100)]},
        headers={**JSON},
        CONTENT_LENGTH=str(30 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert not Document.objects.exists()


def test_someone_who_may_not_change_the_workspace_is_refused_and_told_why(
    customer: Any, expert: Any, client_for: ClientFor
) -> None:
    response = client_for(expert).post(_upload_url(customer), {"files": [upload_file()]}, headers=JSON)
    assert response.status_code == 403
    assert not Document.objects.exists()


def test_an_upload_without_files_is_refused_as_malformed(
    customer: Any, seller: Any, client_for: ClientFor
) -> None:
    response = client_for(seller).post(_upload_url(customer), {"kind": "offer"}, headers=JSON)
    assert response.status_code == 422
    assert "files" in response.json()["errors"]


# The document page


def test_the_document_page_lists_every_version_with_its_download(
    customer: Any, seller: Any, outsider: Any, add_document: AddDocument, client_for: ClientFor
) -> None:
    document = add_document(customer, name="Kravspek.txt")
    actions.add_version(document, incoming(b"v2", "Kravspek v2.txt"), by=seller)
    page = client_for(outsider).get(document.get_absolute_url()).content.decode()
    assert page.count('data-testid="version-row"') == 2
    assert f"/workspace/documents/{document.pk}/versions/1/download/" in page
    assert "Kravspek v2.txt" in page
    assert 'data-testid="document-form"' not in page  # an outsider reads only


def test_the_document_page_shows_the_text_that_was_read(
    customer: Any,
    seller: Any,
    add_document: AddDocument,
    read_text: Callable[..., Any],
    client_for: ClientFor,
) -> None:
    document = read_text(add_document(customer))
    page = client_for(seller).get(document.get_absolute_url()).content.decode()
    assert "BankID" in page


def test_an_editor_renames_a_document_on_its_page(
    customer: Any, seller: Any, add_document: AddDocument, client_for: ClientFor
) -> None:
    document = add_document(customer)
    response = client_for(seller).post(
        document.get_absolute_url(), {"title": "Kravspesifikasjon", "kind": "specification", "version": 1}
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.title == "Kravspesifikasjon"


def test_a_stale_rename_shows_what_the_other_person_changed(
    customer: Any, seller: Any, manager: Any, add_document: AddDocument, client_for: ClientFor
) -> None:
    document = add_document(customer)
    actions.update_document(document, {"title": "Lenas tittel"}, by=manager, version=1)
    response = client_for(seller).post(
        document.get_absolute_url(), {"title": "Selmas tittel", "kind": "other", "version": 1}
    )
    assert response.status_code == 200
    assert 'data-testid="conflict"' in response.content.decode()
    document.refresh_from_db()
    assert document.title == "Lenas tittel"


def test_a_reader_cannot_post_to_the_document_page(
    customer: Any, expert: Any, add_document: AddDocument, client_for: ClientFor
) -> None:
    document = add_document(customer)
    response = client_for(expert).post(document.get_absolute_url(), {"title": "Nytt", "version": 1})
    assert response.status_code == 404


def test_a_new_version_is_uploaded_from_the_document_page(
    customer: Any, seller: Any, add_document: AddDocument, client_for: ClientFor
) -> None:
    document = add_document(customer)
    response = client_for(seller).post(
        f"/workspace/documents/{document.pk}/versions/",
        {"file": upload_file(b"versjon 2", "v2.txt"), "version": 1},
        headers=JSON,
    )
    assert response.status_code == 201 and response.json()["version"] == 2
    document.refresh_from_db()
    assert document.version_count == 2


def test_the_move_search_offers_workspaces_the_person_may_change(
    make_customer: Any, customer: Any, seller: Any, add_document: AddDocument, client_for: ClientFor
) -> None:
    make_customer("Havbruk Nord AS")
    make_customer("Havnevesenet KF")
    document = add_document(customer)
    fragment = (
        client_for(seller).get(f"/workspace/documents/{document.pk}/move/search/?q=hav").content.decode()
    )
    assert "Havbruk Nord AS" in fragment and "Havnevesenet KF" in fragment
    assert "Fjordlys" not in fragment


def test_a_document_is_moved_from_its_page(
    make_customer: Any, customer: Any, seller: Any, add_document: AddDocument, client_for: ClientFor
) -> None:
    other = make_customer("Havbruk Nord AS")
    document = add_document(customer)
    response = client_for(seller).post(
        f"/workspace/documents/{document.pk}/move/",
        {"target": "customers.customer", "object_id": other.pk, "version": 1},
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.owner == other


def test_a_deleted_document_leaves_the_workspace_for_the_recycle_bin(
    customer: Any, seller: Any, administrator: Any, add_document: AddDocument, client_for: ClientFor
) -> None:
    document = add_document(customer, name="Gammelt tilbud.txt")
    response = client_for(seller).post(f"/workspace/documents/{document.pk}/delete/", {"version": 1})
    assert response["Location"] == customer.get_absolute_url()
    panel = client_for(seller).get(f"/workspace/customers.customer/{customer.pk}/documents/").content.decode()
    assert "Gammelt tilbud" not in panel
    assert client_for(seller).get(document.get_absolute_url()).status_code == 404
    admin = client_for(administrator)
    bin_page = admin.get("/workspace/recycle-bin/").content.decode()
    assert "Gammelt tilbud" in bin_page
    assert admin.get(f"/workspace/documents/{document.pk}/download/?bin=1").status_code == 200
    assert admin.post(f"/workspace/recycle-bin/{document.pk}/restore/").status_code == 302
    assert client_for(seller).get(document.get_absolute_url()).status_code == 200


def test_only_administrators_see_the_recycle_bin(seller: Any, manager: Any, client_for: ClientFor) -> None:
    assert client_for(seller).get("/workspace/recycle-bin/").status_code == 404
    assert client_for(manager).get("/workspace/recycle-bin/").status_code == 404


def test_the_empty_recycle_bin_says_what_it_is_for(administrator: Any, client_for: ClientFor) -> None:
    page = client_for(administrator).get("/workspace/recycle-bin/").content.decode()
    assert "The recycle bin is empty." in page
