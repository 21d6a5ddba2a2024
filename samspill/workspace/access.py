"""Who may see and change documents: whoever may see and change the object whose workspace holds them.

Each workspace object's own app decides that, through the access it registers (`lib.registry`); this
module only asks it, so the workspace never imports the apps above it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

from samspill.lib import registry
from samspill.lib.errors import NotAllowed
from samspill.people.models import is_administrator
from samspill.workspace.models import Document, owner_content_types

# How many workspaces of each kind the "move to" search offers at most.
MOVE_CHOICES_PER_TARGET = 8


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def can_change_owner(user: Any, owner: models.Model | None) -> bool:
    """Return whether `user` may add, change and remove documents in `owner`'s workspace."""
    if owner is None or not _active(user):
        return False
    try:
        access = registry.access_for(owner)
    except KeyError:
        return False
    return bool(access.can_change(user, owner))


def can_change(user: Any, document: models.Model) -> bool:
    """Return whether `user` may rename, replace, move or delete `document` (its workspace's rule)."""
    return can_change_owner(user, getattr(document, "owner", None))


def can_restore(user: Any) -> bool:
    """Administrators empty and restore from the recycle bin."""
    return _active(user) and is_administrator(user)


def get_owner_for(user: Any, target: str, object_id: Any, *, write: bool = False) -> models.Model:
    """Return the workspace object `target` #`object_id` if `user` may see it (404 otherwise).

    With write=True, refuse (403) someone who may see it but not add documents to it.
    """
    if target not in owner_content_types():
        raise Http404
    try:
        owner = registry.access_for(target).visible_to(user).get(pk=object_id)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if write and not can_change_owner(user, owner):
        raise NotAllowed(_("You may read this workspace's documents but not change them."))
    return owner


def get_document_for(user: Any, pk: Any, *, write: bool = False, deleted: bool = False) -> Document:
    """Return the document `user` may see (404 otherwise); with write=True, refuse (403) non-editors.

    Documents in the recycle bin are found only with deleted=True, and only by administrators.
    """
    if deleted:
        if not can_restore(user):
            raise Http404
        documents = Document.objects.deleted()
    else:
        documents = Document.objects.present().visible_to(user)
    try:
        document = documents.select_related("current", "current__uploaded_by", "created_by").get(pk=pk)
    except (Document.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if document.owner is None:  # its workspace object is gone
        raise Http404
    if write and not can_change(user, document):
        raise NotAllowed(_("You may read this document but not change it."))
    return document


def target_label(target: str) -> str:
    """Return what a workspace target is called: "customer", "opportunity", "project"."""
    content_type = owner_content_types().get(target)
    model = content_type.model_class() if content_type else None
    return str(model._meta.verbose_name) if model else target


def owner_target(owner: models.Model) -> str:
    return registry.target_of(owner)


def move_choices(user: Any, query: str, *, exclude: models.Model | None = None) -> list[models.Model]:
    """Return workspaces `user` may add documents to whose name contains `query`, a few of each kind."""
    query = query.strip()
    if not query:
        return []
    found: list[models.Model] = []
    for target, content_type in owner_content_types().items():
        model = content_type.model_class()
        field = _name_field(model)
        if model is None or field is None:
            continue
        candidates = registry.access_for(target).visible_to(user).filter(**{f"{field}__icontains": query})
        if exclude is not None and isinstance(exclude, model):
            candidates = candidates.exclude(pk=exclude.pk)
        chosen = [obj for obj in candidates.order_by(field, "pk")[:MOVE_CHOICES_PER_TARGET]]
        found += [obj for obj in chosen if can_change_owner(user, obj)]
    return found


def _name_field(model: type[models.Model] | None) -> str | None:
    """Return the field a workspace object is known by: its name or title."""
    if model is None:
        return None
    names = {field.name for field in model._meta.get_fields()}
    return next((name for name in ("name", "title") if name in names), None)


def content_type_of(owner: models.Model) -> ContentType:
    return ContentType.objects.get_for_model(owner)
