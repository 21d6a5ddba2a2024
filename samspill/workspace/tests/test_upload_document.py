"""Uploading documents into a workspace: stored safely, measured, hashed, typed by content, logged."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.lib.errors import InvalidInput, NotAllowed
from samspill.workspace import actions, storage
from samspill.workspace.models import Document, DocumentKind, DocumentVersion, Extraction
from samspill.workspace.tests.conftest import NORWEGIAN_TEXT, incoming, sha256, stored_files

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_an_uploaded_file_is_stored_byte_for_byte_with_its_hash_and_size(
    customer: Any, seller: Any, document_files: Path
) -> None:
    document = actions.upload_document(customer, incoming(NORWEGIAN_TEXT, "Kravspek.txt"), by=seller)
    version = document.current
    assert version is not None
    assert version.size == len(NORWEGIAN_TEXT)
    assert version.sha256 == sha256(NORWEGIAN_TEXT)
    [stored] = stored_files(document_files)
    assert stored.read_bytes() == NORWEGIAN_TEXT
    assert version.number == 1 and document.version_count == 1
    assert document.owner == customer


def test_the_stored_name_never_comes_from_the_persons_file_name(customer: Any, seller: Any) -> None:
    document = actions.upload_document(customer, incoming(name="../../etc/passwd; rm -rf.txt"), by=seller)
    stored = document.current.file.name
    assert re.fullmatch(r"documents/\d{4}/\d{2}/[0-9a-f]{32}", stored)
    assert document.current.original_name == "passwd; rm -rf.txt"


def test_the_type_is_decided_by_the_content_not_the_extension(customer: Any, seller: Any) -> None:
    document = actions.upload_document(customer, incoming(PDF, "notater.txt"), by=seller)
    assert document.current.mime_type == "application/pdf"
    assert document.current.file_kind == "pdf"


def test_title_and_kind_come_from_the_file_name_unless_given(customer: Any, seller: Any) -> None:
    guessed = actions.upload_document(customer, incoming(name="Møtereferat_uke_12.docx"), by=seller)
    given = actions.upload_document(
        customer, incoming(name="x.txt"), by=seller, title="Tilbudsbrev", kind=DocumentKind.OFFER
    )
    assert (guessed.title, guessed.kind) == ("Møtereferat uke 12", DocumentKind.MINUTES)
    assert (given.title, given.kind) == ("Tilbudsbrev", DocumentKind.OFFER)


def test_several_files_become_several_documents_waiting_for_their_text(customer: Any, seller: Any) -> None:
    documents = actions.upload_documents(
        customer,
        [incoming(name="Konkurransegrunnlag.txt"), incoming(b"Tilbud", "Tilbud.txt"), incoming(b"x", "a.md")],
        by=seller,
    )
    assert [d.kind for d in documents] == [DocumentKind.TENDER, DocumentKind.OFFER, DocumentKind.OTHER]
    assert {v.extraction for v in DocumentVersion.objects.all()} == {Extraction.QUEUED}
    assert Document.objects.of(customer).count() == 3


def test_the_upload_is_logged_on_the_workspace(customer: Any, seller: Any) -> None:
    document = actions.upload_document(customer, incoming(name="Tilbud.txt"), by=seller)
    event = Event.objects.get(verb="document.created")
    assert (event.target_id, event.context_id, event.actor) == (str(document.pk), str(customer.pk), seller)
    assert event.changes["title"]["after"] == "Tilbud"
    assert event.data["sha256"] == document.current.sha256


def test_upload_queues_the_text_reading_after_commit(
    customer: Any, seller: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        document = actions.upload_document(customer, incoming(), by=seller)
    task = DBTaskResult.objects.get()
    assert task.task_path == "samspill.workspace.tasks.extract_text"
    assert task.args_kwargs["args"] == [document.current.pk]


def test_someone_who_may_not_change_the_workspace_cannot_upload(
    customer: Any, expert: Any, outsider: Any, document_files: Path
) -> None:
    for person in (expert, outsider):
        with pytest.raises(NotAllowed):
            actions.upload_document(customer, incoming(), by=person)
    assert stored_files(document_files) == []
    assert not Document.objects.exists()


def test_a_file_over_the_limit_is_refused_before_it_is_stored(
    customer: Any, seller: Any, settings: Any, document_files: Path
) -> None:
    settings.DOCUMENT_MAX_BYTES = 1000
    with pytest.raises(storage.FileTooLarge) as refused:
        actions.upload_document(customer, incoming(b"x" * 1001, "Stor.txt"), by=seller)
    assert refused.value.status == 413
    assert "Stor.txt" in refused.value.message
    assert stored_files(document_files) == []
    assert not Document.objects.exists()


def test_a_refused_upload_of_several_stores_none_of_them(
    customer: Any, seller: Any, document_files: Path
) -> None:
    with pytest.raises(InvalidInput):
        actions.upload_documents(
            customer, [incoming(name="a.txt"), incoming(name="b.txt")], by=seller, kind="nope"
        )
    assert stored_files(document_files) == []
    assert not Document.objects.exists()


def test_a_failing_database_write_removes_the_stored_file(
    customer: Any, seller: Any, document_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(actions.events, "append_event", broken)
    with pytest.raises(RuntimeError):
        actions.upload_document(customer, incoming(), by=seller)
    assert stored_files(document_files) == []


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Konkurransegrunnlag rammeavtale.pdf", DocumentKind.TENDER),
        ("Tilbud - Bergen Vann.docx", DocumentKind.OFFER),
        ("Kravspesifikasjon v2.docx", DocumentKind.SPECIFICATION),
        ("Signert kontrakt.pdf", DocumentKind.CONTRACT),
        ("Statusrapport mars.pdf", DocumentKind.REPORT),
        ("Referat oppstartsmøte.md", DocumentKind.MINUTES),
        ("bilde.png", DocumentKind.OTHER),
    ],
)
def test_the_kind_is_guessed_from_norwegian_and_english_file_names(name: str, kind: str) -> None:
    assert actions.guess_kind(name) == kind
