"""The deviations and change requests panels, which render themselves on any page that has a project.

`{% include "delivery/deviations_panel.html" %}` (and `change_requests_panel.html`) need only
`project` and `request` in the context: the panel asks the views module for what it shows.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from samspill.delivery.views.deviations import change_requests_panel_context, deviations_panel_context

register = template.Library()


@register.simple_tag(takes_context=True)
def deviations_panel(context: template.Context, project: Any) -> SafeString:
    """Render the project's deviations panel for the person looking at it."""
    request = context["request"]
    html = render_to_string(
        "delivery/deviations_panel.html#panel", deviations_panel_context(request, project), request=request
    )
    return mark_safe(html)  # noqa: S308 - rendered by the template engine, which escaped it


@register.simple_tag(takes_context=True)
def change_requests_panel(context: template.Context, project: Any) -> SafeString:
    """Render the project's change requests panel for the person looking at it."""
    request = context["request"]
    html = render_to_string(
        "delivery/change_requests_panel.html#panel",
        change_requests_panel_context(request, project),
        request=request,
    )
    return mark_safe(html)  # noqa: S308 - rendered by the template engine, which escaped it
