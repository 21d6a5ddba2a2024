"""Workspace pages: the documents panel on customers, opportunities and projects, a document's page,
uploads with progress, downloads, and the administrators' recycle bin."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from samspill.lib import registry
from samspill.lib.errors import ActionError, InvalidInput, NotAllowed
from samspill.lib.forms import apply_action
from samspill.workspace import actions, storage
from samspill.workspace.access import (
    can_change,
    can_change_owner,
    can_restore,
    get_document_for,
    get_owner_for,
    move_choices,
    target_label,
)
from samspill.workspace.forms import DocumentForm, MoveSearchForm, UploadForm
from samspill.workspace.models import Document, DocumentVersion, Extraction, owner_content_types

logger = logging.getLogger(__name__)

# Documents the panel lists before offering the rest; "show all" lists at most ALL_ROWS.
PANEL_ROWS = 10
ALL_ROWS = 500
PREVIEW_CHARS = 3000


# ----------------------------------------------------------------------------------------------- panel


def panel_context(
    request: HttpRequest, owner: models.Model, *, show_all: bool = False
) -> dict[str, Any] | None:
    """The documents panel of `owner`'s page: its latest documents, what is still being read, the upload."""
    target = registry.target_of(owner)
    if target not in owner_content_types():
        return None
    documents = (
        Document.objects.present()
        .of(owner)
        .listed()
        .select_related("current", "current__uploaded_by")
        .order_by("-updated_at", "-pk")
    )
    rows = list(documents[: ALL_ROWS if show_all else PANEL_ROWS])
    count = documents.count()
    return {
        "owner": owner,
        "target": target,
        "documents": rows,
        "count": count,
        "more": count - len(rows),
        "show_all": show_all,
        "waiting": any(d.current and d.current.extraction == Extraction.QUEUED for d in rows),
        "can_edit": can_change_owner(request.user, owner),
        "can_restore": can_restore(request.user),
        "upload_form": UploadForm(),
        "max_bytes": storage.max_bytes(),
        "panel_url": reverse("workspace:panel", args=[target, owner.pk]),
        "upload_url": reverse("workspace:upload", args=[target, owner.pk]),
        "dom_id": f"documents-{target.replace('.', '-')}-{owner.pk}",
    }


@require_GET
def panel(request: HttpRequest, target: str, object_id: int) -> HttpResponse:
    """The panel's list of documents alone, for refreshing it after an upload and while texts are read."""
    owner = get_owner_for(request.user, target, object_id)
    context = panel_context(request, owner, show_all=bool(request.GET.get("all")))
    if context is None:
        raise Http404
    context["refreshed"] = True  # the header's count follows the list (an out-of-band swap)
    return render(request, "workspace/panel_documents.html#documents", context)


# --------------------------------------------------------------------------------------------- uploads


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _refused(request: HttpRequest, error: ActionError, back: str) -> HttpResponse:
    if _wants_json(request):
        body: dict[str, Any] = {"detail": error.message}
        if isinstance(error, InvalidInput):
            body["errors"] = error.errors
        return JsonResponse(body, status=error.status)
    messages.error(request, error.message)
    return redirect(back)


@csrf_exempt
@require_POST
def upload(request: HttpRequest, target: str, object_id: int) -> HttpResponse:
    """Add the posted files to a workspace (one request per file from the page's script, or several)."""
    # Before anything reads the body (the CSRF check does): stream files to disk, hashed and limited.
    storage.accept_documents(request)
    return _upload(request, target, object_id)


@csrf_protect
def _upload(request: HttpRequest, target: str, object_id: int) -> HttpResponse:
    owner = get_owner_for(request.user, target, object_id)
    back = owner.get_absolute_url()  # type: ignore[attr-defined]
    try:
        if storage.body_too_large(request, storage.MAX_FILES_PER_REQUEST):
            raise storage.too_large("")
        form = UploadForm(request.POST)
        kind = form.cleaned_data["kind"] if form.is_valid() else None
        files = request.FILES.getlist("files")
        if len(files) > storage.MAX_FILES_PER_REQUEST:
            raise InvalidInput(
                {
                    "files": [
                        _("Upload at most %(count)d files at a time.")
                        % {"count": storage.MAX_FILES_PER_REQUEST}
                    ]
                }
            )
        incoming = [storage.incoming_upload(file) for file in files]
        documents = actions.upload_documents(owner, incoming, by=request.user, kind=kind or None)
    except ActionError as error:
        return _refused(request, error, back)
    if _wants_json(request):
        return JsonResponse({"documents": [_document_json(d) for d in documents]}, status=201)
    messages.success(
        request,
        _("%(count)d documents were added; their text is being read.") % {"count": len(documents)}
        if len(documents) > 1
        else _("The document %(title)s was added; its text is being read.") % {"title": documents[0].title},
    )
    return redirect(back)


def _document_json(document: Document) -> dict[str, Any]:
    return {"id": document.pk, "title": document.title, "url": document.get_absolute_url()}


@csrf_exempt
@require_POST
def new_version(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a file as the document's new current version."""
    storage.accept_documents(request)
    return _new_version(request, pk)


@csrf_protect
def _new_version(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_document_for(request.user, pk)
    try:
        if storage.body_too_large(request):
            raise storage.too_large("")
        if not can_change(request.user, document):
            raise NotAllowed(_("You may read this document but not change it."))
        file = request.FILES.get("file")
        if file is None:
            raise InvalidInput({"file": [_("Choose the file of the new version.")]})
        version = actions.add_version(
            document, storage.incoming_upload(file), by=request.user, version=_version(request)
        )
    except ActionError as error:
        return _refused(request, error, document.get_absolute_url())
    if _wants_json(request):
        return JsonResponse({"document": _document_json(document), "version": version.number}, status=201)
    messages.success(request, _("Version %(number)d was uploaded.") % {"number": version.number})
    return redirect(document)


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version") or 0) or None
    except ValueError:
        return None


# ------------------------------------------------------------------------------------------- downloads


@require_GET
def download(request: HttpRequest, pk: int, number: int | None = None) -> HttpResponse:
    """Send the current version of a document, or version `number`, as an attachment."""
    document = get_document_for(request.user, pk, deleted=bool(request.GET.get("bin")))
    if number is None:
        version = document.current
    else:
        version = DocumentVersion.objects.filter(document=document, number=number).first()
    if version is None:
        raise Http404
    return _send(request, version)


def _send(request: HttpRequest, version: DocumentVersion) -> HttpResponse:
    try:
        return storage.file_response(
            request,
            name=version.original_name,
            stored=version.file.name or "",
            size=version.size,
            mime=version.mime_type,
            sha256=version.sha256,
        )
    except (OSError, ValueError) as error:
        logger.error("The stored file of %s (%s) cannot be read: %s", version, version.file.name, error)
        raise Http404 from None


# ---------------------------------------------------------------------------------------- document page


def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One document: its versions, its text, and (for editors) rename, new version, move and delete."""
    document = get_document_for(request.user, pk)
    if request.headers.get("HX-Request") and request.GET.get("part") == "versions":
        return render(request, "workspace/document.html#versions", _reading_context(document))
    editable = can_change(request.user, document)
    form = DocumentForm(
        request.POST or None,
        instance=Document.objects.get(pk=document.pk),
        initial={"version": document.version},
    )
    if request.method == "POST":
        if not editable:
            raise Http404
        if form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            saved = apply_action(
                form,
                lambda: actions.update_document(
                    document, changes, by=request.user, version=form.cleaned_data["version"]
                ),
            )
            if saved is not None:
                messages.success(request, _("The document was saved."))
                return redirect(document)
    return render(request, "workspace/document.html", _detail_context(request, document, form, editable))


def _detail_context(
    request: HttpRequest, document: Document, form: DocumentForm, editable: bool
) -> dict[str, Any]:
    from samspill.activity.feeds import feed_for

    owner = document.owner
    search = MoveSearchForm(request.GET or None)
    query = search.cleaned_data.get("q", "") if search.is_valid() else ""
    return {
        "document": document,
        "owner": owner,
        "owner_label": target_label(document.owner_target),
        "form": form,
        "can_edit": editable,
        "can_restore": can_restore(request.user),
        "move_search": search,
        "move_query": query,
        "move_choices": _move_choices(request, query, owner) if editable else [],
        "max_bytes": storage.max_bytes(),
        "feed": feed_for(document, request.user, limit=15),
        **_reading_context(document),
    }


def _reading_context(document: Document) -> dict[str, Any]:
    """The versions and the text read from the current one: what changes while the worker reads it."""
    return {
        "document": document,
        "versions": document.versions.select_related("uploaded_by").order_by("-number"),
        "preview": document.text[:PREVIEW_CHARS],
        "preview_cut": len(document.text) > PREVIEW_CHARS,
    }


def _move_choices(request: HttpRequest, query: str, current: models.Model | None) -> list[dict[str, Any]]:
    return [
        {"object": obj, "target": registry.target_of(obj), "label": obj._meta.verbose_name}
        for obj in move_choices(request.user, query, exclude=current)
    ]


@require_GET
def move_search(request: HttpRequest, pk: int) -> HttpResponse:
    """The workspaces matching the typed name, to move the document to (an HTMX partial)."""
    document = get_document_for(request.user, pk, write=True)
    search = MoveSearchForm(request.GET or None)
    query = search.cleaned_data.get("q", "") if search.is_valid() else ""
    return render(
        request,
        "workspace/document.html#move-choices",
        {
            "document": document,
            "move_query": query,
            "move_choices": _move_choices(request, query, document.owner),
        },
    )


@require_POST
def move(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_document_for(request.user, pk)
    try:
        owner = get_owner_for(request.user, request.POST.get("target", ""), request.POST.get("object_id"))
        actions.move_document(document, owner, by=request.user, version=_version(request))
    except ActionError as error:
        messages.error(request, error.message)
        return redirect(document)
    messages.success(request, _("The document was moved to %(owner)s.") % {"owner": owner})
    return redirect(document)


@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the document to the recycle bin and go back to its workspace."""
    document = get_document_for(request.user, pk)
    try:
        actions.delete_document(document, by=request.user, version=_version(request))
    except ActionError as error:
        messages.error(request, error.message)
        return redirect(document)
    messages.success(
        request,
        _("%(title)s was moved to the recycle bin. An administrator can restore it.")
        % {"title": document.title},
    )
    return redirect(document.owner.get_absolute_url())  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------ recycle bin


def _require_restorer(request: HttpRequest) -> None:
    if not can_restore(request.user):
        raise Http404


@require_GET
def recycle_bin(request: HttpRequest) -> HttpResponse:
    """Deleted documents, newest first, for administrators to restore."""
    _require_restorer(request)
    deleted = (
        Document.objects.deleted()
        .listed()
        .select_related("current", "deleted_by")
        .order_by("-deleted_at", "-pk")
    )
    page = Paginator(deleted, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    models.prefetch_related_objects(rows, "owner")
    return render(request, "workspace/recycle_bin.html", {"page": page, "documents": rows})


@require_POST
def restore(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_document_for(request.user, pk, deleted=True)
    try:
        actions.restore_document(document, by=request.user)
    except ActionError as error:
        messages.error(request, error.message)
        return redirect("workspace:recycle_bin")
    messages.success(request, _("%(title)s was restored to its workspace.") % {"title": document.title})
    return redirect("workspace:recycle_bin")
