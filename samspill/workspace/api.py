"""API: documents in the workspaces of customers, opportunities and projects, with their versions."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile

from samspill.lib.api import MAX_ID, ErrorOut, Id, Page, Text, Version, paged
from samspill.lib.errors import InvalidInput
from samspill.workspace import actions, storage
from samspill.workspace.access import can_restore, get_document_for, get_owner_for
from samspill.workspace.models import Document, DocumentKind, DocumentVersion, owner_content_types

router = Router(tags=["documents"])
ERRORS: dict[int | frozenset[int], Any] = {frozenset({403, 404, 409, 413, 422}): ErrorOut}
LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**9)
FILE_RESPONSE = {
    "responses": {
        200: {
            "description": "The file, as an attachment (Content-Disposition) with its SHA-256 as ETag.",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}
OwnerType = Text


class PersonRef(Schema):
    id: int
    name: str


class VersionOut(Schema):
    number: int
    file_name: str
    size: int
    sha256: str
    file_kind: str
    mime_type: str
    uploaded_by: PersonRef | None
    uploaded_at: datetime.datetime
    extraction: str = Field(..., description="queued, extracted or failed")
    extraction_reason: str
    pages: int | None
    download_url: str

    @staticmethod
    def resolve_file_name(obj: DocumentVersion) -> str:
        return obj.original_name

    @staticmethod
    def resolve_download_url(obj: DocumentVersion) -> str:
        return reverse("api:download_version", args=[obj.document_id, obj.number])


class DocumentOut(Schema):
    id: int
    title: str
    kind: str
    owner_type: str = Field(..., description='The workspace\'s object type, e.g. "customers.customer"')
    owner_id: int
    current: VersionOut | None
    version_count: int
    created_by: PersonRef | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    deleted_at: datetime.datetime | None
    version: int = Field(..., description="Send it back with a change; a stale one is refused with 409.")
    download_url: str

    @staticmethod
    def resolve_owner_type(obj: Document) -> str:
        return obj.owner_target

    @staticmethod
    def resolve_owner_id(obj: Document) -> int:
        return obj.object_id

    @staticmethod
    def resolve_download_url(obj: Document) -> str:
        return reverse("api:download_document", args=[obj.pk])


class UploadIn(Schema):
    owner_type: OwnerType = Field(
        ..., description='"customers.customer", "pipeline.opportunity" or "delivery.project"'
    )
    owner_id: Id
    kind: DocumentKind | None = Field(None, description="Left out, each file's name suggests the type.")
    title: Text | None = Field(None, min_length=1, max_length=200, description="Only with a single file.")


class VersionUploadIn(Schema):
    version: Version | None = None


class DocumentPatch(Schema):
    version: Version
    title: Text | None = Field(None, min_length=1, max_length=200)
    kind: DocumentKind | None = None
    owner_type: OwnerType | None = Field(None, description="With owner_id: move the document there.")
    owner_id: Id | None = None


class VersionIn(Schema):
    version: Version | None = None


def accepting_documents(files: int) -> Callable[..., Any]:
    """Stream the request's files through the document upload handler; refuse an oversized body at once."""

    def decorator(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(run)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if storage.body_too_large(request, files):
                return JsonResponse({"detail": storage.too_large("").message}, status=413)
            storage.accept_documents(request)
            return run(request, *args, **kwargs)

        return wrapped

    return decorator


def _documents(user: Any) -> Any:
    documents = Document.objects.visible_to(user).listed()
    return documents.select_related("current", "current__uploaded_by", "created_by")


def _one(user: Any, pk: int) -> Document:
    return _documents(user).get(pk=get_document_for(user, pk).pk)


@router.get("/documents", response=Page[DocumentOut])
def list_documents(
    request: HttpRequest,
    owner_type: OwnerType | None = None,
    owner_id: int | None = Query(None, ge=1, le=MAX_ID),
    kind: DocumentKind | None = None,
    q: Text | None = None,
    deleted: bool = Query(False, description="The recycle bin instead (administrators)."),
    limit: int = LIMIT,
    offset: int = OFFSET,
) -> dict[str, Any]:
    """The documents you may see, newest change first; filter by workspace, type or words in the title."""
    documents = _documents(request.user)
    if deleted:
        documents = documents.deleted() if can_restore(request.user) else documents.none()
    else:
        documents = documents.present()
    if owner_type is not None:
        content_type = owner_content_types().get(owner_type)
        documents = documents.filter(content_type=content_type) if content_type else documents.none()
    if owner_id is not None:
        documents = documents.filter(object_id=owner_id)
    if kind:
        documents = documents.filter(kind=kind)
    if q:
        documents = documents.filter(Q(title__icontains=q) | Q(current__original_name__icontains=q))
    return paged(documents.order_by("-updated_at", "-pk"), limit, offset)


@router.post("/documents", response={201: Page[DocumentOut], **ERRORS})
@decorate_view(accepting_documents(storage.MAX_FILES_PER_REQUEST))
def upload_documents(request: HttpRequest, data: Form[UploadIn], files: File[list[UploadedFile]]) -> Any:
    """Upload one or more files (multipart, field `files`) into a workspace, each as a new document."""
    owner = get_owner_for(request.user, data.owner_type, data.owner_id, write=True)
    if len(files) > storage.MAX_FILES_PER_REQUEST:
        raise InvalidInput({"files": [f"Upload at most {storage.MAX_FILES_PER_REQUEST} files at a time."]})
    incoming = [storage.incoming_upload(file) for file in files]
    created = actions.upload_documents(
        owner,
        incoming,
        by=request.user,
        kind=data.kind.value if data.kind else None,
        title=data.title,
    )
    rows = list(_documents(request.user).filter(pk__in=[d.pk for d in created]).order_by("pk"))
    return Status(201, {"items": rows, "count": len(rows)})


@router.get("/documents/{document_id}", response={200: DocumentOut, **ERRORS})
def get_document(request: HttpRequest, document_id: int) -> Any:
    return _one(request.user, document_id)


@router.patch("/documents/{document_id}", response={200: DocumentOut, **ERRORS})
def update_document(request: HttpRequest, document_id: int, data: DocumentPatch) -> Any:
    """Rename, change the type or (with owner_type and owner_id) move the document to another workspace."""
    document = get_document_for(request.user, document_id, write=True)
    changes = data.dict(exclude_unset=True)
    version = changes.pop("version")
    owner_type, owner_id = changes.pop("owner_type", None), changes.pop("owner_id", None)
    if (owner_type is None) != (owner_id is None):
        raise InvalidInput(
            {"owner_id" if owner_id is None else "owner_type": ["Give both owner_type and owner_id."]}
        )
    for name, value in list(changes.items()):
        if value is None:
            raise InvalidInput({name: ["This field cannot be empty."]})
        changes[name] = getattr(value, "value", value)
    if changes:
        document = actions.update_document(document, changes, by=request.user, version=version)
        version = document.version
    if owner_type is not None:
        try:
            owner = get_owner_for(request.user, owner_type, owner_id, write=True)
        except Http404:
            raise InvalidInput({"owner_id": ["No workspace you may see has this type and id."]}) from None
        actions.move_document(document, owner, by=request.user, version=version)
    return _one(request.user, document_id)


@router.get("/documents/{document_id}/versions", response={200: Page[VersionOut], **ERRORS})
def list_versions(request: HttpRequest, document_id: int, limit: int = LIMIT, offset: int = OFFSET) -> Any:
    """Every version of the document, newest first."""
    document = get_document_for(request.user, document_id)
    versions = DocumentVersion.objects.filter(document=document).select_related("uploaded_by")
    return paged(versions.order_by("-number"), limit, offset)


@router.post("/documents/{document_id}/versions", response={201: VersionOut, **ERRORS})
@decorate_view(accepting_documents(1))
def upload_version(
    request: HttpRequest, document_id: int, data: Form[VersionUploadIn], file: File[UploadedFile]
) -> Any:
    """Upload a file (multipart, field `file`) as the document's new current version."""
    document = get_document_for(request.user, document_id, write=True)
    created = actions.add_version(
        document, storage.incoming_upload(file), by=request.user, version=data.version
    )
    return Status(201, DocumentVersion.objects.select_related("uploaded_by").get(pk=created.pk))


@router.get(
    "/documents/{document_id}/download",
    response={404: ErrorOut},
    url_name="download_document",
    openapi_extra=FILE_RESPONSE,
)
def download_document(request: HttpRequest, document_id: int) -> Any:
    """The current version's file."""
    document = get_document_for(request.user, document_id)
    if document.current is None:
        raise Http404
    return _send(request, document.current)


@router.get(
    "/documents/{document_id}/versions/{number}/download",
    response={404: ErrorOut},
    url_name="download_version",
    openapi_extra=FILE_RESPONSE,
)
def download_version(request: HttpRequest, document_id: int, number: int) -> Any:
    """One version's file."""
    document = get_document_for(request.user, document_id)
    version = DocumentVersion.objects.filter(document=document, number=number).first()
    if version is None:
        raise Http404
    return _send(request, version)


def _send(request: HttpRequest, version: DocumentVersion) -> HttpResponse:
    try:
        response: HttpResponse = storage.file_response(
            request,
            name=version.original_name,
            stored=version.file.name or "",
            size=version.size,
            mime=version.mime_type,
            sha256=version.sha256,
        )
    except (OSError, ValueError):
        raise Http404 from None
    return response


@router.post("/documents/{document_id}/delete", response={200: DocumentOut, **ERRORS})
def delete_document(request: HttpRequest, document_id: int, data: VersionIn | None = None) -> Any:
    """Move the document to the recycle bin; administrators can restore it."""
    document = get_document_for(request.user, document_id, write=True)
    actions.delete_document(document, by=request.user, version=data.version if data else None)
    return _documents(request.user).get(pk=document.pk)


@router.post("/documents/{document_id}/restore", response={200: DocumentOut, **ERRORS})
def restore_document(request: HttpRequest, document_id: int) -> Any:
    """Take the document out of the recycle bin (administrators)."""
    document = get_document_for(request.user, document_id, deleted=True)
    actions.restore_document(document, by=request.user)
    return _one(request.user, document_id)
