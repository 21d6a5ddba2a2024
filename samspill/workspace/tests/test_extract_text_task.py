"""The worker's task that reads a document's text: its state, its reason when it fails, and never a crash."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from samspill.activity.models import Event
from samspill.workspace import actions
from samspill.workspace.models import Document, DocumentVersion, Extraction
from samspill.workspace.tasks import STUCK_AFTER, extract_text, requeue_extractions
from samspill.workspace.tests.conftest import incoming

pytestmark = pytest.mark.django_db

AddDocument = Callable[..., Document]
ReadText = Callable[[Document], Document]


def test_the_text_of_a_document_is_read_and_kept_for_search(
    customer: Any, add_document: AddDocument, read_text: ReadText
) -> None:
    document = read_text(add_document(customer))
    assert "BankID" in document.text and "gevinstrealisering" in document.text
    version = document.current
    assert version.extraction == Extraction.EXTRACTED and version.extraction_reason == ""
    assert version.extracted_at is not None
    assert Event.objects.filter(verb="document.text_read", target_id=str(document.pk)).exists()


def test_a_file_whose_text_cannot_be_read_fails_with_a_reason(
    customer: Any, add_document: AddDocument, read_text: ReadText
) -> None:
    broken_pdf = b"%PDF-1.7\n" + bytes(range(256)) * 20
    document = read_text(add_document(customer, broken_pdf, "Tilbud.pdf"))
    assert document.current.extraction == Extraction.FAILED
    assert document.current.extraction_reason
    assert document.text == ""
    assert Event.objects.filter(verb="document.text_failed").exists()


def test_a_file_of_a_kind_without_text_fails_with_a_reason(
    customer: Any, add_document: AddDocument, read_text: ReadText
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    document = read_text(add_document(customer, png, "skjermbilde.png"))
    assert document.current.extraction == Extraction.FAILED
    assert document.current.extraction_reason


def test_a_stored_file_that_went_missing_fails_the_document_not_the_worker(
    customer: Any, add_document: AddDocument, read_text: ReadText, document_files: Any
) -> None:
    document = add_document(customer)
    (document_files / document.current.file.name).unlink()
    document = read_text(document)
    assert document.current.extraction == Extraction.FAILED
    assert "stored file" in document.current.extraction_reason


def test_an_extractor_that_blows_up_fails_the_document_not_the_worker(
    customer: Any, add_document: AddDocument, read_text: ReadText, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("samspill.workspace.extraction.extract_in_child", lambda *a, **k: 1 / 0)
    document = read_text(add_document(customer))
    assert document.current.extraction == Extraction.FAILED


def test_text_read_for_an_earlier_version_does_not_replace_the_current_ones(
    customer: Any, seller: Any, add_document: AddDocument
) -> None:
    document = add_document(customer)
    first = document.current
    actions.add_version(document, incoming(b"Ny versjon av teksten", "v2.txt"), by=seller)
    extract_text.call(first.pk)
    document.refresh_from_db()
    first.refresh_from_db()
    assert first.extraction == Extraction.EXTRACTED
    assert document.text == ""


def test_reading_a_version_twice_records_it_once(customer: Any, add_document: AddDocument) -> None:
    document = add_document(customer)
    assert extract_text.call(document.current.pk) == Extraction.EXTRACTED
    assert extract_text.call(document.current.pk) == "skipped"
    assert Event.objects.filter(verb="document.text_read").count() == 1


def test_text_with_nul_characters_is_stored_without_them(customer: Any, add_document: AddDocument) -> None:
    class Extracted:
        ok, text, pages, reason = True, "a\x00b", 1, ""

    document = add_document(customer)
    actions.record_extraction(document.current, Extracted())
    document.refresh_from_db()
    assert document.text == "ab" and document.current.pages == 1


def test_versions_waiting_too_long_are_queued_again(customer: Any, add_document: AddDocument) -> None:
    from django_tasks_db.models import DBTaskResult

    waiting = add_document(customer).current
    recent = add_document(customer, b"ny", "ny.txt").current
    DocumentVersion.objects.filter(pk=waiting.pk).update(
        uploaded_at=timezone.now() - STUCK_AFTER - datetime.timedelta(minutes=1)
    )
    assert requeue_extractions.call() == 1
    assert [r.args_kwargs["args"] for r in DBTaskResult.objects.all()] == [[waiting.pk]]
    assert recent.extraction == Extraction.QUEUED
