from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from samspill.lib.admin import ReadOnlyAdmin
from samspill.workspace.models import Document, DocumentVersion

VERSION_FIELDS = (
    "number",
    "original_name",
    "size",
    "sha256",
    "mime_type",
    "extraction",
    "extraction_reason",
    "uploaded_by",
    "uploaded_at",
)


class DocumentVersionInline(admin.TabularInline):
    model = DocumentVersion
    fields = VERSION_FIELDS
    readonly_fields = VERSION_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "content_type", "object_id", "updated_at", "deleted_at"]
    list_filter = ["kind", "content_type"]
    search_fields = ["title"]
    inlines = [DocumentVersionInline]
