"""How pages turn an action's refusal into form errors, keeping everything the person typed."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, cast

from django import forms
from django.forms.utils import flatatt
from django.http import QueryDict
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from samspill.lib import events
from samspill.lib.errors import ActionError, InvalidInput, StaleVersion

T = TypeVar("T")

# The largest number a version (a PositiveIntegerField) holds on every database.
MAX_VERSION = 2**31 - 1


class VersionField(forms.IntegerField):
    """The version the person started editing from; a stale one makes the action refuse."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_VERSION, required=False, **kwargs)


class QuickSelect(forms.Select):
    """A single choice rendered in Python, for lists of hundreds of choices.

    Django's `Select` renders every option through a template of its own; with a few hundred people
    to choose from that alone costs more than the rest of a page. Same HTML, without option groups.
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = {str(v) for v in self.format_value(value)}
        attributes = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (choice, mark_safe(" selected") if str(choice) in chosen else "", label)
                for choice, label in self.choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(attributes), options)


def apply_action(form: forms.BaseForm, call: Callable[[], T]) -> T | None:
    """Run `call`; on refusal add the reason to `form` and return None.

    After a stale edit the form keeps what the person typed and takes the current version, so
    saving again (having read what the other person changed) is a deliberate overwrite. Fields the
    other person changed and this person did not touch take the other person's value, so saving
    again never undoes a change the person did not mean to undo.
    """
    try:
        return call()
    except StaleVersion as error:
        form.add_error(None, error.message)
        data = cast(QueryDict, form.data).copy()
        data[form.add_prefix("version")] = str(error.current_version)
        _take_untouched_changes(form, data, error)
        form.data = data
        form.stale = error  # type: ignore[attr-defined]
    except InvalidInput as error:
        for name, messages in error.errors.items():
            form.add_error(name if name in form.fields else None, messages)
    except ActionError as error:
        form.add_error(None, error.message)
    return None


def _take_untouched_changes(form: forms.BaseForm, data: Any, error: StaleVersion) -> None:
    """Put the other person's value into each field this person left as it was when they opened it."""
    first_before: dict[str, Any] = {}
    last_after: dict[str, Any] = {}
    for change in error.changes:
        first_before.setdefault(change.field, change.before_value)
        last_after[change.field] = change.after_value
    cleaned = getattr(form, "cleaned_data", {})
    for name, before in first_before.items():
        if name not in form.fields or name not in cleaned:
            continue
        if not same_value(events.plain(cleaned[name]), before):
            continue  # both changed it: keep what this person typed, the message shows the other's
        after = last_after[name]
        key = form.add_prefix(name)
        if isinstance(after, bool):
            if after:
                data[key] = "on"
            else:
                data.pop(key, None)
        else:
            data[key] = "" if after is None else str(after)


def same_value(a: Any, b: Any) -> bool:
    """Return whether two plain event values mean the same (None and "" alike, 12 and "12.00" alike)."""
    if a in (None, "") and b in (None, ""):
        return True
    if a == b:
        return True
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except (InvalidOperation, ValueError):
        return str(a) == str(b)
