"""The documents resource of the API: multipart uploads, versions, downloads, moves, the recycle bin."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from samspill.workspace import actions
from samspill.workspace.models import Document
from samspill.workspace.tests.conftest import NORWEGIAN_TEXT, incoming, stored_files, upload_file

pytestmark = pytest.mark.django_db

AddDocument = Callable[..., Document]
ApiFor = Callable[[Any], Client]
JSON = "application/json"


def _upload(api: Client, customer: Any, *files: Any, **fields: Any) -> Any:
    data = {"owner_type": "customers.customer", "owner_id": customer.pk, "files": list(files), **fields}
    return api.post("/api/v1/documents", data)


def test_files_are_uploaded_as_documents_with_their_first_version(
    customer: Any, seller: Any, api_for: ApiFor, document_files: Path
) -> None:
    response = _upload(
        api_for(seller), customer, upload_file(name="Tilbud.txt"), upload_file(b"ref", "Referat.md")
    )
    assert response.status_code == 201
    body = response.json()
    assert body["count"] == 2
    offer = body["items"][0]
    assert (offer["title"], offer["kind"], offer["owner_type"], offer["owner_id"]) == (
        "Tilbud",
        "offer",
        "customers.customer",
        customer.pk,
    )
    current = offer["current"]
    assert current["sha256"] == hashlib.sha256(NORWEGIAN_TEXT).hexdigest()
    assert (current["number"], current["file_name"], current["size"]) == (
        1,
        "Tilbud.txt",
        len(NORWEGIAN_TEXT),
    )
    assert current["extraction"] == "queued" and current["mime_type"] == "text/plain"
    assert len(stored_files(document_files)) == 2


def test_one_file_can_be_given_a_title_and_a_type(customer: Any, seller: Any, api_for: ApiFor) -> None:
    response = _upload(api_for(seller), customer, upload_file(), title="Kravspek kundeportal", kind="tender")
    [document] = response.json()["items"]
    assert (document["title"], document["kind"]) == ("Kravspek kundeportal", "tender")


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "poem"},
        {"owner_type": "customers.customer", "owner_id": "abc"},
        {"owner_id": 2**70},
        {"title": ""},
        {"title": "a\x00b"},
    ],
)
def test_malformed_upload_fields_are_refused_with_field_errors(
    fields: dict[str, Any], customer: Any, seller: Any, api_for: ApiFor, document_files: Path
) -> None:
    response = _upload(api_for(seller), customer, upload_file(), **fields)
    assert response.status_code == 422
    assert stored_files(document_files) == []


def test_an_upload_without_files_is_malformed(customer: Any, seller: Any, api_for: ApiFor) -> None:
    response = api_for(seller).post(
        "/api/v1/documents", {"owner_type": "customers.customer", "owner_id": customer.pk}
    )
    assert response.status_code == 422


def test_a_title_with_several_files_is_malformed(customer: Any, seller: Any, api_for: ApiFor) -> None:
    response = _upload(api_for(seller), customer, upload_file(b"a"), upload_file(b"b"), title="Samme")
    assert response.status_code == 422


def test_a_file_over_the_limit_is_refused_with_413_before_it_is_stored(
    customer: Any, seller: Any, api_for: ApiFor, settings: Any, document_files: Path
) -> None:
    settings.DOCUMENT_MAX_BYTES = 64 * 1024
    response = _upload(
        api_for(seller),
        customer,
        upload_file(b"small", "a.txt"),
        upload_file(b"y" * (200 * 1024), "Stor.pdf"),
    )
    assert response.status_code == 413
    assert "Stor.pdf" in response.json()["detail"]
    assert stored_files(document_files) == []
    assert not Document.objects.exists()


def test_a_reader_may_not_upload(customer: Any, expert: Any, api_for: ApiFor) -> None:
    assert _upload(api_for(expert), customer, upload_file()).status_code == 403


def test_an_unknown_workspace_type_is_not_found(customer: Any, seller: Any, api_for: ApiFor) -> None:
    response = api_for(seller).post(
        "/api/v1/documents", {"owner_type": "people.person", "owner_id": seller.pk, "files": [upload_file()]}
    )
    assert response.status_code == 404


def test_the_list_filters_by_workspace_type_and_title(
    make_customer: Any, customer: Any, seller: Any, add_document: AddDocument, api_for: ApiFor
) -> None:
    other = make_customer("Havbruk Nord AS")
    add_document(customer, b"1", "Tilbud Fjordlys.txt")
    add_document(customer, b"2", "Referat.txt")
    add_document(other, b"3", "Tilbud Havbruk.txt")
    api = api_for(seller)

    def titles(query: str) -> list[str]:
        return sorted(d["title"] for d in api.get(f"/api/v1/documents?{query}").json()["items"])

    assert titles("") == ["Referat", "Tilbud Fjordlys", "Tilbud Havbruk"]
    assert titles(f"owner_type=customers.customer&owner_id={customer.pk}") == ["Referat", "Tilbud Fjordlys"]
    assert titles("kind=offer") == ["Tilbud Fjordlys", "Tilbud Havbruk"]
    assert titles("q=havbruk") == ["Tilbud Havbruk"]
    assert titles("owner_type=delivery.project") == []
    body = api.get("/api/v1/documents?limit=1&offset=1").json()
    assert body["count"] == 3 and len(body["items"]) == 1


def test_a_new_version_is_uploaded_and_every_version_listed_and_downloadable(
    customer: Any, seller: Any, add_document: AddDocument, api_for: ApiFor
) -> None:
    document = add_document(customer, b"versjon 1", "a.txt")
    api = api_for(seller)
    created = api.post(
        f"/api/v1/documents/{document.pk}/versions", {"file": upload_file(b"versjon 2", "a.txt")}
    )
    assert created.status_code == 201 and created.json()["number"] == 2
    versions = api.get(f"/api/v1/documents/{document.pk}/versions").json()
    assert [v["number"] for v in versions["items"]] == [2, 1]
    first = api.get(versions["items"][1]["download_url"])
    assert b"".join(first.streaming_content) == b"versjon 1"
    assert first["Content-Disposition"].startswith('attachment; filename="a.txt"')
    current = api.get(f"/api/v1/documents/{document.pk}/download")
    assert b"".join(current.streaming_content) == b"versjon 2"
    assert current["X-Content-Type-Options"] == "nosniff"


def test_a_stale_new_version_is_refused_with_409(
    customer: Any, seller: Any, add_document: AddDocument, api_for: ApiFor
) -> None:
    document = add_document(customer)
    actions.update_document(document, {"title": "Nytt"}, by=seller, version=1)
    response = api_for(seller).post(
        f"/api/v1/documents/{document.pk}/versions", {"file": upload_file(b"v2", "v2.txt"), "version": 1}
    )
    assert response.status_code == 409
    assert response.json()["current_version"] == 2


def test_an_identical_new_version_is_refused_with_409(
    customer: Any, seller: Any, add_document: AddDocument, api_for: ApiFor
) -> None:
    document = add_document(customer)
    response = api_for(seller).post(f"/api/v1/documents/{document.pk}/versions", {"file": upload_file()})
    assert response.status_code == 409


def test_patch_renames_retypes_and_moves_a_document(
    make_customer: Any, customer: Any, seller: Any, add_document: AddDocument, api_for: ApiFor
) -> None:
    other = make_customer("Havbruk Nord AS")
    document = add_document(customer)
    response = api_for(seller).patch(
        f"/api/v1/documents/{document.pk}",
        {
            "version": 1,
            "title": "Kravspek",
            "kind": "report",
            "owner_type": "customers.customer",
            "owner_id": other.pk,
        },
        JSON,
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["kind"], body["owner_id"], body["version"]) == (
        "Kravspek",
        "report",
        other.pk,
        3,
    )


@pytest.mark.parametrize(
    "patch",
    [
        {"version": 1, "owner_id": 1},
        {"version": 1, "owner_type": "customers.customer", "owner_id": 999999},
        {"version": 1, "title": None},
        {"title": "uten versjon"},
        {"version": 1, "kind": "poem"},
    ],
)
def test_a_malformed_patch_is_refused_with_422(
    patch: dict[str, Any], customer: Any, seller: Any, add_document: AddDocument, api_for: ApiFor
) -> None:
    document = add_document(customer)
    assert api_for(seller).patch(f"/api/v1/documents/{document.pk}", patch, JSON).status_code == 422


def test_a_reader_gets_403_for_changes_and_a_stale_patch_gets_409(
    customer: Any, seller: Any, expert: Any, add_document: AddDocument, api_for: ApiFor
) -> None:
    document = add_document(customer)
    reader = api_for(expert)
    assert reader.get(f"/api/v1/documents/{document.pk}").status_code == 200
    assert (
        reader.patch(f"/api/v1/documents/{document.pk}", {"version": 1, "title": "x"}, JSON).status_code
        == 403
    )
    assert reader.post(f"/api/v1/documents/{document.pk}/delete", content_type=JSON).status_code == 403
    assert (
        reader.post(f"/api/v1/documents/{document.pk}/versions", {"file": upload_file(b"z")}).status_code
        == 403
    )
    actions.update_document(document, {"title": "Nytt"}, by=seller, version=1)
    stale = api_for(seller).patch(f"/api/v1/documents/{document.pk}", {"version": 1, "title": "x"}, JSON)
    assert stale.status_code == 409


def test_delete_and_restore_through_the_recycle_bin(
    customer: Any, seller: Any, administrator: Any, add_document: AddDocument, api_for: ApiFor
) -> None:
    document = add_document(customer)
    api = api_for(seller)
    deleted = api.post(f"/api/v1/documents/{document.pk}/delete", {"version": 1}, content_type=JSON)
    assert deleted.status_code == 200 and deleted.json()["deleted_at"] is not None
    assert api.get(f"/api/v1/documents/{document.pk}").status_code == 404
    assert api.post(f"/api/v1/documents/{document.pk}/restore", content_type=JSON).status_code == 404
    assert api.get("/api/v1/documents?deleted=true").json()["count"] == 0
    admin = api_for(administrator)
    assert [d["id"] for d in admin.get("/api/v1/documents?deleted=true").json()["items"]] == [document.pk]
    restored = admin.post(f"/api/v1/documents/{document.pk}/restore", content_type=JSON)
    assert restored.status_code == 200 and restored.json()["deleted_at"] is None
    assert api.get(f"/api/v1/documents/{document.pk}").status_code == 200


def test_the_api_needs_a_token_or_a_session(customer: Any, add_document: AddDocument) -> None:
    document = add_document(customer)
    assert Client().get(f"/api/v1/documents/{document.pk}").status_code == 401
    assert Client().post("/api/v1/documents", {"files": [upload_file()]}).status_code == 401


def test_the_browser_session_needs_the_csrf_token_to_upload(customer: Any, seller: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(seller)
    response = _upload(client, customer, upload_file())
    assert response.status_code == 403
    assert not Document.objects.exists()


def test_a_new_version_moves_the_search_text_to_the_new_file(
    customer: Any, seller: Any, add_document: AddDocument, read_text: Callable[..., Any]
) -> None:
    document = read_text(add_document(customer))
    actions.add_version(document, incoming(b"Helt ny versjon", "v2.txt"), by=seller)
    assert read_text(document).text.strip() == "Helt ny versjon"
