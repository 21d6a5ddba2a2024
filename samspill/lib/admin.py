"""Admin base classes: domain data is read-only; configuration is edited through actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest

from samspill.lib.errors import ActionError


class ReadOnlyAdmin(admin.ModelAdmin):
    """Domain data: visible in the admin, changed only in the app, through its actions."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ConfigAdmin(admin.ModelAdmin):
    """Configuration (skills, teams, …): administrators edit it here; every save is an action."""

    save_action: Callable[..., Any]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: models.Model, form: Any, change: bool) -> None:
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        try:
            type(self).save_action(obj, changes, by=request.user)
        except ActionError as error:
            self.message_user(request, error.message, messages.ERROR)
