"""How pages turn an action's refusal into form errors, keeping everything the person typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms

from samspill.lib.errors import ActionError, InvalidInput, StaleVersion

T = TypeVar("T")


class VersionField(forms.IntegerField):
    """The version the person started editing from; a stale one makes the action refuse."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, required=False, **kwargs)


def apply_action(form: forms.BaseForm, call: Callable[[], T]) -> T | None:
    """Run `call`; on refusal add the reason to `form` and return None.

    After a stale edit the form keeps what the person typed and takes the current version, so
    saving again (having read what the other person changed) is a deliberate overwrite.
    """
    try:
        return call()
    except StaleVersion as error:
        form.add_error(None, error.message)
        data = form.data.copy()
        data[form.add_prefix("version")] = str(error.current_version)
        form.data = data
        form.stale = error  # type: ignore[attr-defined]
    except InvalidInput as error:
        for name, messages in error.errors.items():
            form.add_error(name if name in form.fields else None, messages)
    except ActionError as error:
        form.add_error(None, error.message)
    return None
