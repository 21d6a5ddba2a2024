"""The demo's documents: real Norwegian files in the demo people's workspaces, their text already read,
each one downloadable and identical to what its hash says."""

from __future__ import annotations

import datetime
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from samspill.demo.documents_data import pdf_bytes
from samspill.people.models import Person
from samspill.workspace.extraction import extract
from samspill.workspace.models import Document, DocumentVersion, Extraction
from samspill.workspace.storage import document_storage, local_copy

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)


@pytest.fixture
def seeded(db: Any, settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    call_command("seed", "--size", "small", "--today", TODAY.isoformat(), stdout=io.StringIO())


def test_the_demo_sellers_workspaces_hold_tender_documents_offers_specifications_and_minutes(
    seeded: None,
) -> None:
    selger = Person.objects.get(username="selger")
    theirs = Document.objects.filter(created_by=selger)
    assert theirs.count() >= 20
    assert {"tender", "offer", "specification", "minutes"} <= set(theirs.values_list("kind", flat=True))
    assert {"customers", "pipeline"} <= set(theirs.values_list("content_type__app_label", flat=True))
    formats = set(DocumentVersion.objects.values_list("file_kind", flat=True))
    assert {"pdf", "docx", "markdown"} <= formats


def test_every_demo_document_has_its_text_read_and_a_file_matching_its_hash(seeded: None) -> None:
    assert not Document.objects.filter(text="").exists()
    assert set(DocumentVersion.objects.values_list("extraction", flat=True)) == {Extraction.EXTRACTED}
    for version in DocumentVersion.objects.all():
        with document_storage.open(version.file.name) as stored:
            content = stored.read()
        assert hashlib.sha256(content).hexdigest() == version.sha256 and len(content) == version.size


def test_the_demo_files_are_real_documents_whose_text_reads_back(seeded: None) -> None:
    for file_kind in ("pdf", "docx", "markdown"):
        version = DocumentVersion.objects.filter(file_kind=file_kind).select_related("document").first()
        assert version is not None
        with local_copy(version.file.name) as path:
            read = extract(path, file_kind)
        assert read.ok, read.reason
        assert version.document.title.split(" – ")[0] in read.text


def test_search_finds_demo_documents_by_words_in_their_text(seeded: None) -> None:
    assert Document.objects.filter(text__icontains="kravspesifikasjon").exists()
    assert Document.objects.filter(text__icontains="tilbudsfrist").exists()


def test_a_demo_document_downloads_from_its_workspace(seeded: None) -> None:
    selger = Person.objects.get(username="selger")
    document = Document.objects.filter(created_by=selger, kind="offer").first()
    assert document is not None
    client = Client()
    client.force_login(selger)
    response = client.get(f"/workspace/documents/{document.pk}/download/")
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == document.current.sha256


def test_reseeding_writes_over_the_same_files_instead_of_adding_more(seeded: None, tmp_path: Path) -> None:
    before = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    call_command("seed", "--size", "small", "--today", TODAY.isoformat(), "--reset", stdout=io.StringIO())
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == before


def test_a_demo_pdf_has_its_pages_and_norwegian_letters() -> None:
    content, pages = pdf_bytes("Møtereferat – Ålesund", ["Særlig viktig: «økonomi» (budsjett) \\ plan"] * 120)
    assert pages == 5 and content.startswith(b"%PDF-1.4") and content.rstrip().endswith(b"%%EOF")
