"""Delivery in the admin: read-only. Projects, time and deviations change in the app, through its actions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from samspill.delivery.models import (
    Baseline,
    ChangeRequest,
    Deviation,
    Lesson,
    Milestone,
    Project,
    ProjectMember,
    ProjectPackage,
    Retrospective,
    StatusReport,
    TimeEntry,
)
from samspill.lib.admin import ReadOnlyAdmin


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MemberInline(_ReadOnlyInline):
    model = ProjectMember


class PackageInline(_ReadOnlyInline):
    model = ProjectPackage
    fields = ["name", "sold_hours", "budget_hours", "actual_hours", "remaining_hours", "percent_complete"]


class MilestoneInline(_ReadOnlyInline):
    model = Milestone
    fields = ["name", "planned_on", "forecast_on", "done_on"]


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "customer",
        "manager",
        "status",
        "health",
        "budget_hours",
        "forecast_hours",
        "closed_on",
    ]
    list_filter = ["status", "health", "confidential", "contract_type"]
    search_fields = ["title", "customer__name"]
    list_select_related = ["customer", "manager"]
    inlines = [PackageInline, MilestoneInline, MemberInline]


@admin.register(Baseline)
class BaselineAdmin(ReadOnlyAdmin):
    list_display = ["project", "number", "source", "hours", "amount", "created_at"]
    list_select_related = ["project"]


@admin.register(StatusReport)
class StatusReportAdmin(ReadOnlyAdmin):
    list_display = ["project", "week", "health", "author"]
    list_filter = ["health"]
    list_select_related = ["project", "author"]


@admin.register(TimeEntry)
class TimeEntryAdmin(ReadOnlyAdmin):
    list_display = ["date", "person", "project", "package", "hours", "billable"]
    list_select_related = ["person", "project", "package"]
    date_hierarchy = "date"


@admin.register(Deviation)
class DeviationAdmin(ReadOnlyAdmin):
    list_display = ["project", "kind", "status", "owner", "created_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["project", "owner"]


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnlyAdmin):
    list_display = ["project", "number", "title", "state", "hours", "price"]
    list_filter = ["state"]
    list_select_related = ["project"]


class LessonInline(_ReadOnlyInline):
    model = Lesson
    fields = ["text", "phase", "tags"]


@admin.register(Retrospective)
class RetrospectiveAdmin(ReadOnlyAdmin):
    list_display = ["project", "satisfaction", "author", "created_at"]
    list_select_related = ["project", "author"]
    inlines = [LessonInline]
