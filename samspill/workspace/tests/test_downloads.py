"""Downloads: the same bytes that were uploaded, as an attachment the browser must not sniff or run."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from samspill.workspace import actions, storage
from samspill.workspace.models import Document
from samspill.workspace.tests.conftest import NORWEGIAN_TEXT, incoming

pytestmark = pytest.mark.django_db

AddDocument = Callable[..., Document]
ClientFor = Callable[[Any], Client]


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_a_download_is_byte_identical_to_the_upload(
    customer: Any, outsider: Any, add_document: AddDocument, client_for: ClientFor
) -> None:
    content = bytes(range(256)) * 5000 + NORWEGIAN_TEXT  # more than one chunk, every byte value
    document = add_document(customer, content, "data.bin")
    response = client_for(outsider).get(f"/workspace/documents/{document.pk}/download/")
    assert response.status_code == 200 and response.streaming
    body = _body(response)
    assert hashlib.sha256(body).hexdigest() == document.current.sha256 == hashlib.sha256(content).hexdigest()
    assert response["Content-Length"] == str(len(content))
    assert response["ETag"] == f'"{document.current.sha256}"'


def test_a_download_is_an_attachment_with_the_persons_file_name_and_no_sniffing(
    customer: Any, seller: Any, add_document: AddDocument, client_for: ClientFor
) -> None:
    document = add_document(customer, name="Møtereferat «uke 3».txt")
    response = client_for(seller).get(f"/workspace/documents/{document.pk}/download/")
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Moterefera')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "Møtereferat «uke 3».txt"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "text/plain"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_file_a_browser_could_run_is_served_as_plain_bytes(
    customer: Any, seller: Any, add_document: AddDocument, client_for: ClientFor
) -> None:
    page = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    document = add_document(customer, page, "tilbud.pdf")
    response = client_for(seller).get(f"/workspace/documents/{document.pk}/download/")
    assert document.current.mime_type == "text/html"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_every_earlier_version_stays_downloadable(
    customer: Any, seller: Any, add_document: AddDocument, client_for: ClientFor
) -> None:
    document = add_document(customer, b"versjon 1", "a.txt")
    actions.add_version(document, incoming(b"versjon 2", "a.txt"), by=seller)
    client = client_for(seller)
    assert _body(client.get(f"/workspace/documents/{document.pk}/versions/1/download/")) == b"versjon 1"
    assert _body(client.get(f"/workspace/documents/{document.pk}/versions/2/download/")) == b"versjon 2"
    assert _body(client.get(f"/workspace/documents/{document.pk}/download/")) == b"versjon 2"
    assert client.get(f"/workspace/documents/{document.pk}/versions/3/download/").status_code == 404


def test_a_deleted_document_is_not_downloaded_outside_the_recycle_bin(
    customer: Any, seller: Any, add_document: AddDocument, client_for: ClientFor
) -> None:
    document = add_document(customer)
    actions.delete_document(document, by=seller)
    client = client_for(seller)
    assert client.get(f"/workspace/documents/{document.pk}/download/").status_code == 404
    assert client.get(f"/workspace/documents/{document.pk}/download/?bin=1").status_code == 404


def test_a_stored_file_that_went_missing_answers_not_found(
    customer: Any, seller: Any, add_document: AddDocument, client_for: ClientFor, document_files: Any
) -> None:
    document = add_document(customer)
    (document_files / document.current.file.name).unlink()
    assert client_for(seller).get(f"/workspace/documents/{document.pk}/download/").status_code == 404


@given(st.text(min_size=1, max_size=80))
def test_any_file_name_makes_a_safe_header_that_gives_the_name_back(name: str) -> None:
    header = storage.content_disposition(name)
    assert "\r" not in header and "\n" not in header and header.isascii()
    fallback = header.split('filename="')[1].split('"; filename*=')[0]
    assert all(32 <= ord(ch) < 127 and ch not in '"\\;%' for ch in fallback)
    assert unquote(header.split("filename*=UTF-8''")[1], errors="strict") == name


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("C:\\Users\\selma\\Tilbud.docx", "Tilbud.docx"),
        ("../../etc/passwd", "passwd"),
        ("..hidden", "hidden"),
        ("Ny\x00fil\x1b.txt", "Nyfil.txt"),
        ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
    ],
)
def test_the_persons_file_name_is_kept_without_folders_or_control_characters(raw: str, clean: str) -> None:
    assert storage.clean_file_name(raw) == clean
