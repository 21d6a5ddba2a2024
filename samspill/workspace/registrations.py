"""What the workspace app adds to shared pages, search, feeds and access."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from samspill.lib import registry
from samspill.workspace import tasks  # noqa: F401  (registers the periodic jobs)
from samspill.workspace.access import can_change
from samspill.workspace.models import WORKSPACE_TARGETS, Document
from samspill.workspace.views import panel_context

for target in WORKSPACE_TARGETS:
    registry.register_panel(
        target,
        key="workspace.documents",
        template="workspace/panel_documents.html",
        context=panel_context,
        order=60,
    )

registry.register_access(
    Document, visible_to=lambda user: Document.objects.present().visible_to(user), can_change=can_change
)


registry.register_search_source(
    registry.SearchSource(
        key="documents",
        label=_("Documents"),
        model=Document,
        fields=("title", "text"),
        visible_to=lambda user: Document.objects.present().visible_to(user),
        title="title",
        customer="customer_id",
        date="updated_at",
        icon="file-earmark-text",
    )
)

registry.register_verbs(
    {
        "document.created": _("%(actor)s added the document %(object)s"),
        "document.version_added": _("%(actor)s uploaded a new version of %(object)s"),
        "document.updated": _("%(actor)s changed the document %(object)s"),
        "document.moved": _("%(actor)s moved the document %(object)s"),
        "document.deleted": _("%(actor)s moved the document %(object)s to the recycle bin"),
        "document.restored": _("%(actor)s restored the document %(object)s"),
        "document.text_read": _("%(actor)s read the text of %(object)s"),
        "document.text_failed": _("%(actor)s could not read the text of %(object)s"),
    }
)
