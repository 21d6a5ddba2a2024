from django.contrib import admin

from samspill.lib.admin import ConfigAdmin, ReadOnlyAdmin
from samspill.people import actions
from samspill.people.models import ApiToken, Person, Skill, Team


@admin.register(Skill)
class SkillAdmin(ConfigAdmin):
    list_display = ["name", "category", "version"]
    search_fields = ["name", "category"]
    fields = ["name", "category"]
    save_action = actions.save_configuration


@admin.register(Team)
class TeamAdmin(ConfigAdmin):
    list_display = ["name", "version"]
    fields = ["name", "description"]
    save_action = actions.save_configuration


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["username", "first_name", "last_name", "email", "title", "team", "is_active"]
    list_filter = ["is_active", "team", "role_assignments__role"]
    search_fields = ["username", "first_name", "last_name", "email"]
    exclude = ["password"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "person", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["digest"]
