"""Fixtures for the workspace's document tests: a storage folder of their own, files, and a confidential
workspace."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from samspill.lib import registry
from samspill.workspace import actions, storage
from samspill.workspace.models import Document
from samspill.workspace.tasks import extract_text

NORWEGIAN_TEXT = (
    "Kravspesifikasjon for ny kundeportal\n\nLøsningen skal støtte innlogging med BankID og "
    "varsling på SMS. Leverandøren må beskrive hvordan gevinstrealisering følges opp.\n"
).encode()


@pytest.fixture(autouse=True)
def document_files(settings: Any, tmp_path: Path) -> Path:
    """Keep every test's stored documents in a folder of its own."""
    folder = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }
    return folder


def stored_files(folder: Path) -> list[Path]:
    """Return the files in the storage folder."""
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def incoming(content: bytes = NORWEGIAN_TEXT, name: str = "Kravspesifikasjon kundeportal.txt") -> Any:
    """Return a file on its way in, as the actions take it."""
    return storage.incoming_file(io.BytesIO(content), name)


def upload_file(content: bytes = NORWEGIAN_TEXT, name: str = "Kravspesifikasjon.txt") -> SimpleUploadedFile:
    """Return a file as a test client posts it."""
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture
def add_document(seller: Any) -> Callable[..., Document]:
    """Return a function that uploads a text document to a workspace as the seller (or `by`)."""

    def _add(
        owner: Any,
        content: bytes = NORWEGIAN_TEXT,
        name: str = "Kravspesifikasjon kundeportal.txt",
        by: Any = None,
        **fields: Any,
    ) -> Document:
        return actions.upload_document(owner, incoming(content, name), by=by or seller, **fields)

    return _add


@pytest.fixture
def read_text() -> Callable[[Document], Document]:
    """Return a function that runs the text extraction of a document's current version, as the worker does."""

    def _read(document: Document) -> Document:
        document.refresh_from_db()
        assert document.current is not None
        extract_text.call(document.current.pk)
        document.refresh_from_db()
        return document

    return _read


@pytest.fixture
def make_customer(seller: Any) -> Callable[[str], Any]:
    """Return a function that makes another customer, owned by the seller.

    Through the app registry, not an import: the workspace never imports the apps above it.
    """

    def _make(name: str) -> Any:
        return apps.get_model("customers", "Customer").objects.create(name=name, account_owner=seller)

    return _make


@pytest.fixture
def confidential(
    monkeypatch: pytest.MonkeyPatch, seller: Any, make_customer: Callable[[str], Any]
) -> Iterator[Any]:
    """A workspace only its owner sees: customers' access replaced, as a confidential opportunity's is."""
    Customer = apps.get_model("customers", "Customer")
    secret = make_customer("Hemmelig Kunde AS")
    ordinary = registry.access_for(Customer)

    def visible_to(user: Any) -> Any:
        return ordinary.visible_to(user).exclude(pk=secret.pk) | Customer.objects.filter(
            pk=secret.pk, account_owner=user
        )

    monkeypatch.setitem(
        registry.registry.access, "customers.customer", registry.Access(visible_to, ordinary.can_change)
    )
    yield secret


@pytest.fixture(autouse=True)
def _in_english(english: Any) -> None:
    """This app's tests check behaviour, in the English the code is written in."""
