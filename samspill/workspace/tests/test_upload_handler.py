"""The upload handler: every file goes to a temporary file in chunks, hashed on the way; one past the
limit stops being written at once and leaves nothing behind."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest

from samspill.workspace import storage


def _feed(handler: storage.DocumentUploadHandler, content: bytes, chunk: int = 1000) -> Any:
    handler.new_file("files", "Tilbud.pdf", "application/pdf", len(content))
    for start in range(0, len(content), chunk):
        handler.receive_data_chunk(content[start : start + chunk], start)
    return handler.file_complete(len(content))


def test_a_file_is_hashed_and_measured_while_it_streams_to_disk() -> None:
    content = os.urandom(10_000)
    uploaded = _feed(storage.DocumentUploadHandler(limit=10_000), content)
    assert uploaded.sha256 == hashlib.sha256(content).hexdigest()
    assert uploaded.size == 10_000 and uploaded.read() == content
    assert os.path.exists(uploaded.temporary_file_path())
    incoming = storage.incoming_upload(uploaded)
    assert (incoming.sha256, incoming.size) == (uploaded.sha256, 10_000)
    uploaded.close()


def test_a_file_past_the_limit_is_dropped_as_soon_as_it_passes_it(settings: Any) -> None:
    settings.DOCUMENT_MAX_BYTES = 5_000
    handler = storage.DocumentUploadHandler()
    handler.new_file("files", "Stor.pdf", "application/pdf", None)
    handler.receive_data_chunk(b"x" * 4_000, 0)
    path = handler.file.temporary_file_path()  # type: ignore[union-attr]
    handler.receive_data_chunk(b"x" * 4_000, 4_000)
    assert handler.file is None and not os.path.exists(path)
    handler.receive_data_chunk(b"x" * 4_000, 8_000)
    refused = handler.file_complete(12_000)
    assert isinstance(refused, storage.RefusedUpload) and refused.size == 12_000
    with pytest.raises(storage.FileTooLarge) as error:
        storage.incoming_upload(refused)
    assert error.value.status == 413 and "Stor.pdf" in error.value.message


def test_an_interrupted_upload_deletes_its_temporary_file() -> None:
    handler = storage.DocumentUploadHandler(limit=10_000)
    handler.new_file("files", "a.txt", "text/plain", None)
    handler.receive_data_chunk(b"abc", 0)
    path = handler.file.temporary_file_path()  # type: ignore[union-attr]
    handler.upload_interrupted()
    assert not os.path.exists(path)
