"""How document files come in, where they are kept, and how they go out: in chunks, never whole in memory.

- Files are kept through Django's storage API, under the `documents` entry of `STORAGES`: files on
  disk by default, S3-compatible object storage when `DOCUMENTS_S3_BUCKET` is set.
- A stored file's name is made here (`documents/<yyyy>/<mm>/<random hex>`); the person's file name
  is kept only for display and as the download's name.
- Uploads stream through `DocumentUploadHandler` into a temporary file, hashed (SHA-256) as they
  arrive; a file past `DOCUMENT_MAX_BYTES` stops being written at once and is refused before it
  reaches the storage.
- Downloads stream from the storage in chunks, as an attachment the browser must not sniff.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import unicodedata
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.core.handlers.asgi import ASGIRequest
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext as _

from samspill.lib.errors import ActionError

CHUNK_BYTES = 1024 * 1024
HEAD_BYTES = 64 * 1024
# Room for the multipart framing and the form's other fields around a request's files.
MULTIPART_SLACK_BYTES = 1024 * 1024
# The most files one upload request may carry.
MAX_FILES_PER_REQUEST = 20
# Types a browser could run or render even as a download; they are served as plain bytes.
ACTIVE_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
    "text/javascript",
    "application/javascript",
}
UNKNOWN_TYPE = ("unknown", "application/octet-stream")


class FileTooLarge(ActionError):
    """The file is larger than the configured limit; nothing of it was stored."""

    status = 413


class _DocumentStorage(LazyObject):
    """The storage `STORAGES["documents"]` names, looked up again whenever the setting changes."""

    def _setup(self) -> None:
        alias = "documents" if "documents" in settings.STORAGES else "default"
        self._wrapped = storages[alias]


document_storage: Storage = _DocumentStorage()  # type: ignore[assignment]


def documents_storage() -> Storage:
    """Return the document storage (the FileField's callable, so migrations do not pin a backend)."""
    return document_storage


@receiver(setting_changed)
def _forget_storage(*, setting: str, **kwargs: Any) -> None:
    if setting == "STORAGES":
        document_storage._wrapped = empty  # type: ignore[attr-defined]


def stored_name(instance: Any = None, filename: str = "") -> str:
    """Return a new name to store a file under; never derived from the person's file name."""
    return f"documents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


def max_bytes() -> int:
    return int(settings.DOCUMENT_MAX_BYTES)


def megabytes(size: int) -> str:
    """Return a size in whole megabytes (MiB) as people read it: "200 MB"."""
    return f"{max(1, round(size / (1024 * 1024)))} MB"


def too_large(name: str, size: int | None = None) -> FileTooLarge:
    limit = megabytes(max_bytes())
    if size is None:
        return FileTooLarge(
            _("The upload is larger than the limit of %(limit)s per file.") % {"limit": limit}
        )
    return FileTooLarge(
        _("«%(name)s» is %(size)s; the limit is %(limit)s per file.")
        % {"name": name, "size": megabytes(size), "limit": limit}
    )


# --------------------------------------------------------------------------------------------- uploads


def clean_file_name(name: str) -> str:
    """Return the person's file name without folders and control characters, at most 255 characters."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    name = name.lstrip(".") or _("document")
    if len(name) > 255:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 254 - len(extension)] + dot + extension) if dot and len(extension) < 16 else name[:255]
    return name


def sniff_path(path: str, name: str) -> tuple[str, str]:
    """Return (kind, MIME type) of the file at `path`, decided from its content, not its name."""
    try:
        from samspill.workspace.extraction import sniff_file
    except ImportError:  # pragma: no cover - the extraction module ships with the app
        return UNKNOWN_TYPE
    try:
        kind, mime = sniff_file(path)
    except Exception:  # a file the sniffer cannot make sense of is simply of unknown type
        return UNKNOWN_TYPE
    return str(kind)[:20], str(mime)[:100]


def sniff_head(head: bytes, name: str) -> tuple[str, str]:
    """Return (kind, MIME type) decided from the first bytes of a file."""
    try:
        from samspill.workspace.extraction import sniff
    except ImportError:  # pragma: no cover
        return UNKNOWN_TYPE
    try:
        kind, mime = sniff(head, name)
    except Exception:
        return UNKNOWN_TYPE
    return str(kind)[:20], str(mime)[:100]


@dataclass
class Incoming:
    """A file on its way into a workspace: readable from the start, measured, hashed and sniffed."""

    name: str
    file: IO[bytes] | File
    size: int
    sha256: str
    kind: str
    mime: str

    def close(self) -> None:
        self.file.close()


class RefusedUpload(UploadedFile):
    """What the upload handler hands over for a file past the limit: its name and size, no content."""

    def __init__(self, name: str, size: int) -> None:
        super().__init__(file=io.BytesIO(), name=name, size=size)


class DocumentUploadHandler(FileUploadHandler):
    """Stream each uploaded file to a temporary file, hashing it; stop writing one that passes the limit."""

    chunk_size = 256 * 1024

    def __init__(self, request: HttpRequest | None = None, limit: int | None = None) -> None:
        super().__init__(request)
        self.limit = max_bytes() if limit is None else limit

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.file: TemporaryUploadedFile | None = TemporaryUploadedFile(
            self.file_name or "", self.content_type, 0, self.charset, self.content_type_extra
        )
        self.digest = hashlib.sha256()
        self.head = bytearray()
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.file is None:  # already refused: count the rest, write nothing
            return None
        if self.received > self.limit:
            self.file.close()  # deletes what was written so far
            self.file = None
            return None
        self.digest.update(raw_data)
        if len(self.head) < HEAD_BYTES:
            self.head += raw_data[: HEAD_BYTES - len(self.head)]
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> UploadedFile:
        if self.file is None:
            return RefusedUpload(self.file_name or "", self.received)
        self.file.seek(0)
        self.file.size = file_size
        self.file.sha256 = self.digest.hexdigest()  # type: ignore[attr-defined]
        self.file.head = bytes(self.head)  # type: ignore[attr-defined]
        return self.file

    def upload_interrupted(self) -> None:
        if getattr(self, "file", None) is not None:
            self.file.close()  # type: ignore[union-attr]


def accept_documents(request: HttpRequest) -> None:
    """Have `request`'s files streamed through `DocumentUploadHandler` (call before reading FILES)."""
    request.upload_handlers = [DocumentUploadHandler(request)]


def body_too_large(request: HttpRequest, files: int = 1) -> bool:
    """Return whether the request announces more bytes than `files` files at the limit could need."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > files * max_bytes() + MULTIPART_SLACK_BYTES


def incoming_upload(uploaded: UploadedFile) -> Incoming:
    """Return an uploaded file as an `Incoming`; refuse one past the limit (FileTooLarge)."""
    name = clean_file_name(uploaded.name or "")
    if isinstance(uploaded, RefusedUpload) or (uploaded.size or 0) > max_bytes():
        uploaded.close()
        raise too_large(name, uploaded.size)
    sha256 = getattr(uploaded, "sha256", None)
    if sha256 is None:  # parsed by Django's own handlers (or made in code): measure it now
        return incoming_file(uploaded, name)
    path = getattr(uploaded, "temporary_file_path", None)
    kind, mime = sniff_path(path(), name) if path else sniff_head(getattr(uploaded, "head", b""), name)
    return Incoming(name, uploaded, int(uploaded.size or 0), sha256, kind, mime)


def incoming_file(file: IO[bytes] | File, name: str) -> Incoming:
    """Measure, hash and sniff a readable file (from its start), reading it once in chunks."""
    digest, size, head = hashlib.sha256(), 0, b""
    file.seek(0)
    while chunk := file.read(CHUNK_BYTES):
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        digest.update(chunk)
        size += len(chunk)
        if size > max_bytes():
            raise too_large(name, size)
    file.seek(0)
    path = getattr(file, "temporary_file_path", None)
    kind, mime = sniff_path(path(), name) if path else sniff_head(head, name)
    return Incoming(clean_file_name(name), file, size, digest.hexdigest(), kind, mime)


def store(incoming: Incoming) -> str:
    """Save the file under a new name and return the name; refuse it first if it is too large."""
    if incoming.size > max_bytes():
        raise too_large(incoming.name, incoming.size)
    incoming.file.seek(0)
    content = incoming.file if isinstance(incoming.file, File) else File(incoming.file)
    return document_storage.save(stored_name(), content, max_length=255)


def discard(name: str) -> None:
    """Delete a stored file that no row refers to (after a failed save)."""
    if name:
        document_storage.delete(name)


# ------------------------------------------------------------------------------------------- downloads


def open_stream(name: str) -> IO[bytes]:
    """Open a stored file for reading in chunks."""
    storage = document_storage
    bucket = getattr(storage, "bucket", None)
    if bucket is not None:
        # django-storages' S3File downloads the whole object before the first read (into memory,
        # unless AWS_S3_MAX_MEMORY_SIZE is set): read the object's body as it arrives instead.
        from storages.utils import clean_name

        key = storage._normalize_name(clean_name(name))  # type: ignore[attr-defined]
        body: IO[bytes] = bucket.Object(key).get()["Body"]
        return body
    return storage.open(name, "rb")


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := stream.read(CHUNK_BYTES):
            yield chunk
    finally:
        stream.close()


async def _async_chunks(stream: IO[bytes]) -> AsyncIterator[bytes]:
    # Under ASGI a synchronous iterator would be read whole into memory before the first byte is sent.
    read = sync_to_async(stream.read, thread_sensitive=False)
    try:
        while chunk := await read(CHUNK_BYTES):
            yield chunk
    finally:
        await sync_to_async(stream.close, thread_sensitive=False)()


_FOLD = str.maketrans({"æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "Đ": "D", "ł": "l"})


def ascii_file_name(name: str) -> str:
    """Return `name` in printable ASCII for old clients: "Møte «uke 3».docx" → "Mote _uke 3_.docx"."""
    folded = unicodedata.normalize("NFKD", name.translate(_FOLD))
    kept = (
        ch if 32 <= ord(ch) < 127 and ch not in '"\\;%' else "" if unicodedata.combining(ch) else "_"
        for ch in folded
    )
    return "".join(kept).strip() or "document"


def content_disposition(name: str) -> str:
    """Return an attachment header with the file's name for every client (RFC 6266 and RFC 5987)."""
    return f"attachment; filename=\"{ascii_file_name(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def download_type(mime: str) -> str:
    """Return the Content-Type to send: the sniffed type, except for types a browser could run."""
    if not mime or mime.split(";")[0].strip().lower() in ACTIVE_TYPES:
        return "application/octet-stream"
    return mime


def file_response(request: HttpRequest, *, name: str, stored: str, size: int, mime: str, sha256: str) -> Any:
    """Stream a stored file to the client as an attachment it must save, not render or sniff."""
    stream = open_stream(stored)
    chunks = _async_chunks(stream) if isinstance(request, ASGIRequest) else _chunks(stream)
    response = StreamingHttpResponse(chunks, content_type=download_type(mime))
    response["Content-Length"] = str(size)
    response["Content-Disposition"] = content_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-cache"
    response["ETag"] = f'"{sha256}"'
    return response


@contextmanager
def local_copy(stored: str) -> Iterator[str]:
    """Yield a local path holding the stored file: the file itself on disk, else a temporary copy."""
    try:
        on_disk: str | None = document_storage.path(stored)
    except NotImplementedError:  # object storage: copy it down in chunks
        on_disk = None
    if on_disk is not None:
        if not os.path.isfile(on_disk):
            raise FileNotFoundError(f"The stored file {stored} is missing.")
        yield on_disk
        return
    handle, path = tempfile.mkstemp(prefix="samspill-document-")
    try:
        with os.fdopen(handle, "wb") as target:
            source = open_stream(stored)
            try:
                shutil.copyfileobj(source, target, CHUNK_BYTES)
            finally:
                source.close()
        yield path
    finally:
        os.unlink(path)
