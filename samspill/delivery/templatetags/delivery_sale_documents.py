"""The documents of the sale on a project's page: what the opportunity's workspace held when it was won.

`{% include "delivery/includes/sale_documents.html" %}` needs only `project` and `request` in the context.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.contenttypes.models import ContentType

from samspill.pipeline.models import Opportunity
from samspill.workspace.models import Document

register = template.Library()

SALE_DOCUMENT_ROWS = 50


@register.simple_tag
def sale_documents(project: Any, user: Any) -> list[Document]:
    """The documents of `project`'s opportunity that `user` may see, newest first, in one query."""
    if project.opportunity_id is None:
        return []
    documents = (
        Document.objects.present()
        .visible_to(user)
        .filter(content_type=ContentType.objects.get_for_model(Opportunity), object_id=project.opportunity_id)
        .listed()
        .select_related("current")
        .order_by("-updated_at", "-pk")
    )
    return list(documents[:SALE_DOCUMENT_ROWS])
