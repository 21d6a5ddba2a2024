"""What every page's layout needs: the navigation entries that have pages behind them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, icon); an entry shows only once its app's URLs exist.
NAVIGATION = [
    ("pipeline:board", _("Pipeline"), "kanban"),
    ("delivery:projects", _("Projects"), "briefcase"),
    ("customers:list", _("Customers"), "building"),
    ("people:directory", _("People"), "people"),
    ("insights:index", _("Insights"), "graph-up"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    entries = []
    for name, label, icon in NAVIGATION:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        entries.append({"url": url, "label": label, "icon": icon, "active": request.path.startswith(url)})
    return {"navigation": entries}
