"""Every change to documents: upload, new version, rename, move, recycle bin and restore, text read.

Files are written to the storage before the database transaction (a long copy must not hold the
database) and deleted again if the transaction fails, so no row points at a missing file and no
file outlives a refused change.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from samspill.lib import actions, events
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken
from samspill.workspace import storage
from samspill.workspace.access import can_change_owner, can_restore
from samspill.workspace.models import Document, DocumentKind, DocumentVersion, Extraction, customer_of
from samspill.workspace.storage import Incoming

logger = logging.getLogger(__name__)

DOCUMENT_FIELDS = ["title", "kind"]
# The text kept for search; longer texts are cut (a 2 000-page report still fits).
MAX_TEXT_CHARS = 5_000_000
MAX_REASON_CHARS = 300

# Words in a file name that say what kind of document it is, checked in this order.
KIND_WORDS: list[tuple[str, tuple[str, ...]]] = [
    (DocumentKind.TENDER, ("konkurransegrunnlag", "anbud", "forespørsel", "tender", "rfp", "kvalifikasjon")),
    (DocumentKind.MINUTES, ("referat", "minutes", "protokoll")),
    (DocumentKind.OFFER, ("tilbud", "offer", "proposal")),
    (
        DocumentKind.SPECIFICATION,
        ("spesifikasjon", "kravspek", "specification", "krav", "løsningsbeskrivelse"),
    ),
    (DocumentKind.CONTRACT, ("kontrakt", "avtale", "contract", "agreement")),
    (DocumentKind.REPORT, ("rapport", "report", "analyse", "evaluering")),
]


def guess_kind(file_name: str) -> str:
    """Return the document kind a file's name suggests ("Møtereferat uke 12.docx" → minutes)."""
    name = file_name.lower()
    for kind, words in KIND_WORDS:
        if any(word in name for word in words):
            return str(kind)
    return str(DocumentKind.OTHER)


def title_from(file_name: str) -> str:
    """Return a title made from a file name: without its extension, underscores read as spaces."""
    stem, dot, extension = file_name.rpartition(".")
    if not dot or not stem or len(extension) > 5:
        stem = file_name
    return re.sub(r"\s+", " ", stem.replace("_", " ")).strip()[:200] or _("Untitled document")


def _clean_title(title: Any) -> str:
    text = str(title or "").replace("\x00", "").strip()
    if not text:
        raise InvalidInput({"title": [_("A document needs a title.")]})
    if len(text) > 200:
        raise InvalidInput({"title": [_("A title has at most 200 characters.")]})
    return text


def _clean_kind(kind: Any) -> str:
    value = str(kind or "")
    if value not in DocumentKind.values:
        raise InvalidInput({"kind": [_("Choose one of the document types.")]})
    return value


def _require_editor(by: Any, owner: models.Model | None) -> None:
    if not can_change_owner(by, owner):
        raise NotAllowed(_("You may not change the documents in this workspace."))


def _version_row(
    document: Document, incoming: Incoming, stored: str, number: int, by: Any
) -> DocumentVersion:
    return DocumentVersion.objects.create(
        document=document,
        number=number,
        file=stored,
        original_name=incoming.name,
        size=incoming.size,
        sha256=incoming.sha256,
        file_kind=incoming.kind,
        mime_type=incoming.mime,
        uploaded_by=by if getattr(by, "is_authenticated", False) else None,
        uploaded_at=timezone.now(),
    )


def _queue_extraction(version: DocumentVersion) -> None:
    """Have the worker read the version's text once the transaction commits."""
    from samspill.workspace.tasks import extract_text

    # robust: a queue that refuses must not fail an upload already committed; the periodic
    # `workspace.requeue_extractions` job picks the version up again.
    transaction.on_commit(lambda: extract_text.enqueue(version.pk), robust=True)


def _store_all(incoming: Sequence[Incoming]) -> list[str]:
    stored: list[str] = []
    try:
        for file in incoming:
            stored.append(storage.store(file))
    except BaseException:
        for name in stored:
            storage.discard(name)
        raise
    return stored


def _file_change(before: DocumentVersion | None, after: DocumentVersion) -> dict[str, Any]:
    def text(version: DocumentVersion | None) -> str:
        return f"v{version.number} {version.original_name}" if version else ""

    return {
        "current": {
            "before": before.pk if before else None,
            "after": after.pk,
            "before_text": text(before),
            "after_text": text(after),
        }
    }


def upload_documents(
    owner: models.Model,
    incoming: Sequence[Incoming],
    *,
    by: Any,
    kind: str | None = None,
    title: str | None = None,
) -> list[Document]:
    """Add each file to `owner`'s workspace as a new document; all of them or, on a refusal, none.

    The kind is guessed from each file's name unless given; a title is only taken for a single file.
    """
    _require_editor(by, owner)
    if not incoming:
        raise InvalidInput({"files": [_("Choose at least one file.")]})
    if title is not None and len(incoming) > 1:
        raise InvalidInput({"title": [_("A title can only be given when uploading one file.")]})
    rows = [
        (
            file,
            _clean_title(title if title is not None else title_from(file.name)),
            _clean_kind(kind or guess_kind(file.name)),
        )
        for file in incoming
    ]
    stored = _store_all(incoming)
    try:
        with transaction.atomic():
            return [
                _create_document(owner, file, name, title=t, kind=k, by=by)
                for (file, t, k), name in zip(rows, stored, strict=True)
            ]
    except BaseException:
        for name in stored:
            storage.discard(name)
        raise


def _create_document(
    owner: models.Model, incoming: Incoming, stored: str, *, title: str, kind: str, by: Any
) -> Document:
    document = Document.objects.create(
        content_type=ContentType.objects.get_for_model(owner),
        object_id=owner.pk,
        customer_id=customer_of(owner),
        title=title,
        kind=kind,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    version = _version_row(document, incoming, stored, 1, by)
    document.current = version
    document.save(update_fields=["current"])
    changes = {
        "title": {"before": None, "after": title, "before_text": "", "after_text": title},
        "kind": {
            "before": None,
            "after": kind,
            "before_text": "",
            "after_text": str(DocumentKind(kind).label),
        },
        **_file_change(None, version),
    }
    events.append_event(
        verb="document.created",
        target=document,
        by=by,
        changes=changes,
        context=owner,
        data=_file_data(version),
    )
    _queue_extraction(version)
    return document


def _file_data(version: DocumentVersion) -> dict[str, Any]:
    return {
        "version": version.number,
        "file": version.original_name,
        "size": version.size,
        "sha256": version.sha256,
    }


def upload_document(
    owner: models.Model, incoming: Incoming, *, by: Any, kind: str | None = None, title: str | None = None
) -> Document:
    """Add one file to `owner`'s workspace as a new document."""
    return upload_documents(owner, [incoming], by=by, kind=kind, title=title)[0]


def add_version(
    document: Document, incoming: Incoming, *, by: Any, version: int | None = None
) -> DocumentVersion:
    """Make `incoming` the document's new current version; the earlier ones stay downloadable."""
    _require_editor(by, document.owner)
    if document.is_deleted:
        raise RuleBroken(_("The document is in the recycle bin."))
    current = document.current
    if current is not None and current.sha256 == incoming.sha256 and current.size == incoming.size:
        raise RuleBroken(
            _("This file is identical to the current version (v%(number)d).") % {"number": current.number}
        )
    stored = storage.store(incoming)
    try:
        with transaction.atomic():
            return _add_version_row(document, incoming, stored, by=by, version=version)
    except BaseException:
        storage.discard(stored)
        raise


def _add_version_row(
    document: Document, incoming: Incoming, stored: str, *, by: Any, version: int | None
) -> DocumentVersion:
    locked = actions.lock(document)
    actions.check_version(locked, version)
    if locked.is_deleted:
        raise RuleBroken(_("The document is in the recycle bin."))
    previous = locked.current
    number = (DocumentVersion.objects.filter(document=locked).aggregate(n=Max("number"))["n"] or 0) + 1
    new = _version_row(locked, incoming, stored, number, by)
    locked.current = new
    locked.text = ""  # the text is the current version's; the worker reads the new one
    locked.version += 1
    locked.save()
    events.append_event(
        verb="document.version_added",
        target=locked,
        by=by,
        changes=_file_change(previous, new),
        context=locked.owner,
        data=_file_data(new),
    )
    _queue_extraction(new)
    return new


def update_document(
    document: Document, changes: Mapping[str, Any], *, by: Any, version: int | None
) -> Document:
    """Rename the document or change its type; refused if somebody saved it after `version`."""
    _require_editor(by, document.owner)
    unknown = set(changes) - set(DOCUMENT_FIELDS)
    if unknown:
        raise InvalidInput({name: [_("This field cannot be changed.")] for name in unknown})
    cleaned: dict[str, Any] = {}
    if "title" in changes:
        cleaned["title"] = _clean_title(changes["title"])
    if "kind" in changes:
        cleaned["kind"] = _clean_kind(changes["kind"])

    def validate(current: Document) -> None:
        if current.is_deleted:
            raise RuleBroken(_("The document is in the recycle bin."))

    if document.is_deleted:
        raise RuleBroken(_("The document is in the recycle bin."))
    return actions.update(
        document,
        cleaned,
        by=by,
        version=version,
        verb="document.updated",
        context=document.owner,
        validate=validate,
    )


def move_document(
    document: Document, owner: models.Model, *, by: Any, version: int | None = None
) -> Document:
    """Move the document to another workspace; the person must be able to change both."""
    _require_editor(by, document.owner)
    if not can_change_owner(by, owner):
        raise NotAllowed(_("You may not add documents to that workspace."))
    content_type = ContentType.objects.get_for_model(owner)
    with transaction.atomic():
        locked = actions.lock(document)
        actions.check_version(locked, version)
        if locked.is_deleted:
            raise RuleBroken(_("The document is in the recycle bin."))
        if locked.content_type_id == content_type.pk and locked.object_id == owner.pk:
            return locked
        before = locked.owner
        locked.content_type, locked.object_id = content_type, owner.pk
        locked.customer_id = customer_of(owner)
        locked.version += 1
        locked.save()
        changes = {
            "owner": {
                "before": _reference(before),
                "after": _reference(owner),
                "before_text": str(before) if before is not None else "",
                "after_text": str(owner),
            }
        }
        events.append_event(verb="document.moved", target=locked, by=by, changes=changes, context=owner)
    return locked


def _reference(obj: models.Model | None) -> str | None:
    return f"{obj._meta.label_lower}:{obj.pk}" if obj is not None else None


def delete_document(document: Document, *, by: Any, version: int | None = None) -> Document:
    """Move the document to the recycle bin, where administrators can restore it; nothing is erased."""
    _require_editor(by, document.owner)
    with transaction.atomic():
        locked = actions.lock(document)
        actions.check_version(locked, version)
        if locked.is_deleted:
            return locked
        return actions.update(
            locked,
            {"deleted_at": timezone.now(), "deleted_by": by},
            by=by,
            version=None,
            verb="document.deleted",
            context=locked.owner,
        )


def restore_document(document: Document, *, by: Any) -> Document:
    """Take the document out of the recycle bin, back into its workspace (administrators)."""
    if not can_restore(by):
        raise NotAllowed(_("Only administrators restore documents from the recycle bin."))
    with transaction.atomic():
        locked = actions.lock(document)
        if not locked.is_deleted:
            return locked
        return actions.update(
            locked,
            {"deleted_at": None, "deleted_by": None},
            by=by,
            version=None,
            verb="document.restored",
            context=locked.owner,
        )


def record_extraction(version: DocumentVersion, extracted: Any) -> DocumentVersion:
    """Record what the worker read from a version; its text becomes the document's if it is current.

    `extracted` has `ok`, `text`, `pages` and `reason` (samspill.workspace.extraction.Extracted).
    Recording twice changes nothing the second time. The document's version does not move: reading
    the text is not an edit, and must not make anybody's open edit stale.
    """
    with transaction.atomic():
        locked = DocumentVersion.objects.select_for_update().get(pk=version.pk)
        if locked.extraction != Extraction.QUEUED:
            return locked
        ok = bool(getattr(extracted, "ok", False))
        locked.extraction = Extraction.EXTRACTED if ok else Extraction.FAILED
        locked.extraction_reason = "" if ok else _reason(extracted)
        pages = getattr(extracted, "pages", None)
        locked.pages = pages if isinstance(pages, int) and pages >= 0 else None
        locked.extracted_at = timezone.now()
        locked.save(update_fields=["extraction", "extraction_reason", "pages", "extracted_at"])
        document = Document.objects.select_for_update().get(pk=locked.document_id)
        if document.current_id == locked.pk:
            document.text = clean_text(getattr(extracted, "text", "") or "") if ok else ""
            document.save(update_fields=["text"])
        events.append_event(
            verb="document.text_read" if ok else "document.text_failed",
            target=document,
            by=None,
            data={"version": locked.number, "pages": locked.pages, "reason": locked.extraction_reason},
        )
    return locked


def _reason(extracted: Any) -> str:
    reason = str(getattr(extracted, "reason", "") or "").replace("\x00", "").strip()
    return (reason or _("The text could not be read."))[:MAX_REASON_CHARS]


def clean_text(text: str) -> str:
    """Return extracted text as the database stores it: no NUL characters, at most MAX_TEXT_CHARS."""
    return text.replace("\x00", "")[:MAX_TEXT_CHARS]


def requeue_stuck(older_than: Any, *, limit: int = 500) -> list[int]:
    """Queue the text reading again for versions waiting since before `older_than`; return their ids."""
    from samspill.workspace.tasks import extract_text

    waiting = list(
        DocumentVersion.objects.filter(extraction=Extraction.QUEUED, uploaded_at__lt=older_than)
        .order_by("uploaded_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in waiting:
        extract_text.enqueue(pk)
    return waiting


def close_all(incoming: Iterable[Incoming]) -> None:
    """Close the incoming files (temporary files are deleted)."""
    for file in incoming:
        try:
            file.close()
        except OSError:
            logger.warning("Could not close the uploaded file %s.", file.name)
