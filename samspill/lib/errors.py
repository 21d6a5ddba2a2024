"""The ways an action refuses, shared by pages (messages, form errors) and the API (status codes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _


class ActionError(Exception):
    """An action refused; the message is for the person who asked."""

    status = 409

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(ActionError):
    """The person may see the object but not change it."""

    status = 403


class RuleBroken(ActionError):
    """A business rule refuses the change (a gate, a closed period, an archived object)."""

    status = 409


class InvalidInput(ActionError):
    """The input is malformed; `errors` maps field names to messages."""

    status = 422

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items()))


@dataclass
class OtherChange:
    """One field someone else changed since the version the person started editing from."""

    field: str
    label: str
    before: str
    after: str
    by: str
    at: Any
    before_value: Any = None
    after_value: Any = None


class StaleVersion(ActionError):
    """Someone else saved the object after the person started editing it."""

    status = 409

    def __init__(self, current_version: int, changes: list[OtherChange]) -> None:
        self.current_version = current_version
        self.changes = changes
        super().__init__(self.describe())

    def describe(self) -> str:
        """Return a sentence that says who changed what, so the person can redo their edit."""
        if not self.changes:
            return _("Someone else saved this after you opened it. Reload to see their changes.")
        people = sorted({change.by for change in self.changes})
        fields = "; ".join(f"{c.label}: «{c.before}» → «{c.after}»" for c in self.changes)
        return _("%(people)s saved this while you were editing: %(fields)s. Your changes were not saved.") % {
            "people": ", ".join(people),
            "fields": fields,
        }
