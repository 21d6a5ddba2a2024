from django.contrib import admin

from samspill.activity.models import Event
from samspill.lib.admin import ReadOnlyAdmin


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["id", "occurred_at", "actor", "verb", "target_repr"]
    list_filter = ["verb"]
    search_fields = ["target_repr", "verb"]
    date_hierarchy = "occurred_at"
