"""A new version of a document: it becomes current and earlier ones stay; identical files and stale
edits are refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.lib.errors import NotAllowed, RuleBroken, StaleVersion
from samspill.workspace import actions
from samspill.workspace.models import Document, Extraction
from samspill.workspace.tests.conftest import NORWEGIAN_TEXT, incoming, stored_files

pytestmark = pytest.mark.django_db

AddDocument = Callable[..., Document]


def test_a_new_version_becomes_current_and_the_earlier_one_is_kept(
    customer: Any, seller: Any, add_document: AddDocument, document_files: Path
) -> None:
    document = add_document(customer)
    first = document.current
    second = actions.add_version(document, incoming(b"Versjon 2", "Kravspek v2.txt"), by=seller)
    document.refresh_from_db()
    assert (second.number, document.current, document.version_count) == (2, second, 2)
    assert list(document.versions.order_by("number")) == [first, second]
    assert {p.read_bytes() for p in stored_files(document_files)} == {NORWEGIAN_TEXT, b"Versjon 2"}
    assert document.version == 2
    assert second.extraction == Extraction.QUEUED


def test_the_text_of_the_earlier_version_is_not_searched_as_the_new_ones(
    customer: Any, seller: Any, add_document: AddDocument, read_text: Callable[[Document], Document]
) -> None:
    document = read_text(add_document(customer))
    assert "BankID" in document.text
    actions.add_version(document, incoming(b"Helt ny tekst", "v2.txt"), by=seller)
    document.refresh_from_db()
    assert document.text == ""
    assert read_text(document).text.strip() == "Helt ny tekst"


def test_a_file_identical_to_the_current_version_is_refused(
    customer: Any, seller: Any, add_document: AddDocument, document_files: Path
) -> None:
    document = add_document(customer)
    with pytest.raises(RuleBroken, match="identical"):
        actions.add_version(document, incoming(NORWEGIAN_TEXT, "same.txt"), by=seller)
    assert len(stored_files(document_files)) == 1


def test_a_new_version_from_a_stale_page_is_refused_and_nothing_is_stored(
    customer: Any, seller: Any, add_document: AddDocument, document_files: Path
) -> None:
    document = add_document(customer)
    actions.update_document(document, {"title": "Nytt navn"}, by=seller, version=1)
    with pytest.raises(StaleVersion):
        actions.add_version(document, incoming(b"v2", "v2.txt"), by=seller, version=1)
    assert len(stored_files(document_files)) == 1


def test_only_editors_of_the_workspace_add_versions(
    customer: Any, expert: Any, add_document: AddDocument
) -> None:
    document = add_document(customer)
    with pytest.raises(NotAllowed):
        actions.add_version(document, incoming(b"v2", "v2.txt"), by=expert)


def test_a_document_in_the_recycle_bin_takes_no_new_version(
    customer: Any, seller: Any, add_document: AddDocument
) -> None:
    document = add_document(customer)
    actions.delete_document(document, by=seller)
    document.refresh_from_db()
    with pytest.raises(RuleBroken):
        actions.add_version(document, incoming(b"v2", "v2.txt"), by=seller)


def test_the_new_version_is_logged_with_the_file_before_and_after(
    customer: Any, seller: Any, add_document: AddDocument
) -> None:
    document = add_document(customer, name="Kravspek.txt")
    actions.add_version(document, incoming(b"v2", "Kravspek v2.txt"), by=seller)
    event = Event.objects.get(verb="document.version_added")
    assert event.changes["current"]["before_text"] == "v1 Kravspek.txt"
    assert event.changes["current"]["after_text"] == "v2 Kravspek v2.txt"
    assert event.context_id == str(customer.pk)
