"""The handover in the admin: the checklist template is configuration; handovers are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from samspill.handover import actions
from samspill.handover.models import ChecklistItem, ChecklistTemplateItem, Handover, Question
from samspill.lib.admin import ConfigAdmin, ReadOnlyAdmin


@admin.register(ChecklistTemplateItem)
class ChecklistTemplateItemAdmin(ConfigAdmin):
    """Every handover opened from now on starts with the active items; switch an item off to retire it."""

    list_display = ["text", "position", "required", "active"]
    list_filter = ["active", "required"]
    fields = ["text", "position", "required", "active"]
    ordering = ["position", "pk"]
    save_action = actions.save_template_item


class ChecklistInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    can_delete = False
    fields = ["text", "required", "done_at", "done_by"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class QuestionInline(ChecklistInline):
    model = Question  # type: ignore[assignment]
    fields = ["text", "asked_by", "answer", "answered_by", "answered_at"]


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ["opportunity", "state", "seller", "project_manager", "meeting_on", "acknowledged_at"]
    list_filter = ["state"]
    search_fields = ["opportunity__title", "opportunity__customer__name"]
    inlines = [ChecklistInline, QuestionInline]
