"""The pipeline in the admin: read-only. Stage settings and hourly rates change on the settings page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from samspill.lib.admin import ReadOnlyAdmin
from samspill.pipeline.models import Expectation, Opportunity, RoleRate, StageSetting, TeamMember


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "customer",
        "stage",
        "value",
        "probability",
        "owner",
        "confidential",
        "offer_due",
    ]
    list_filter = ["stage", "confidential", "project_type"]
    search_fields = ["title", "customer__name"]
    inlines = [TeamMemberInline]


@admin.register(Expectation)
class ExpectationAdmin(ReadOnlyAdmin):
    list_display = ["customer_words", "opportunity", "kind", "status"]
    list_filter = ["kind", "status"]


def _settings_title(title: Any, anchor: str) -> str:
    link = format_html(
        '<a href="{}">{}</a>',
        reverse("pipeline:settings") + anchor,
        _("Change them on the pipeline settings page."),
    )
    return format_html("{} {}", title, link)


@admin.register(StageSetting)
class StageSettingAdmin(ReadOnlyAdmin):
    list_display = ["stage", "probability", "requires_review"]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        title = _settings_title(_("Stage settings."), "#stages")
        return super().changelist_view(request, {**(extra_context or {}), "title": title})


@admin.register(RoleRate)
class RoleRateAdmin(ReadOnlyAdmin):
    list_display = ["role", "hourly_rate"]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        title = _settings_title(_("Default hourly rates."), "#rates")
        return super().changelist_view(request, {**(extra_context or {}), "title": title})
