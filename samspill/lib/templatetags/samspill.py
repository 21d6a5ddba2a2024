"""Template filters for Norwegian formats and registry panels, available in every template."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import template
from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import gettext as _

from samspill.lib import formatting, registry

register = template.Library()

register.filter("nok", formatting.nok)
register.filter("hours", formatting.hours)
register.filter("num", formatting.number)
register.filter("nodate", formatting.date)


def display_value(value: Any) -> str:
    """Return how a value reads to a person: dates and amounts in Norwegian formats, yes/no, names."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.date | datetime.datetime):
        return formatting.date(value)
    if isinstance(value, Decimal):
        return formatting.number(value, 0 if value == value.to_integral_value() else 2)
    if isinstance(value, models.Model):
        return str(value)
    return force_str(value)


@register.simple_tag(takes_context=True)
def panels(context: template.Context, target: Any, obj: Any = None) -> list[dict[str, str]]:
    """Render the panels other apps registered for `target` (a model, an object or "start")."""
    return registry.render_panels(target, context["request"], obj)


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: Any) -> str:
    """Return the current query string with `changes` applied (None removes a key); for sort and paging."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    if "page" not in changes:
        params.pop("page", None)
    encoded = params.urlencode()
    return "?" + encoded if encoded else "?"


@register.filter
def control(field: Any) -> str:
    """Render a bound field's widget with Bootstrap classes and its errors and help tied to it."""
    widget = field.field.widget
    input_type = getattr(widget, "input_type", "")
    if input_type == "checkbox":
        css = "form-check-input"
    elif input_type == "select" or widget.__class__.__name__ in ("Select", "SelectMultiple"):
        css = "form-select"
    else:
        css = "form-control"
    attrs = {"class": css + (" is-invalid" if field.errors else "")}
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if field.errors:
        described.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if other_change(field) is not None:
        described.append(f"{field.auto_id}_changed")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


@register.filter
def other_change(field: Any) -> Any:
    """Return what someone else changed in this field while the person was editing (after a stale save)."""
    stale = getattr(field.form, "stale", None)
    if stale is None:
        return None
    return next((change for change in reversed(stale.changes) if change.field == field.name), None)


@register.inclusion_tag("includes/sort_th.html", takes_context=True)
def sort_th(context: template.Context, key: str, label: str, css: str = "") -> dict[str, Any]:
    """Render a sortable column header: a click sorts by `key`, a second click reverses it."""
    current = context.get("sort") or ""
    direction = "ascending" if current == key else "descending" if current == f"-{key}" else ""
    target = f"-{key}" if current == key else key
    return {"label": label, "direction": direction, "href": query_with(context, sort=target), "css": css}
