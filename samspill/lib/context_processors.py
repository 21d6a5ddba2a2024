"""What every page's layout needs: the navigation entries that have pages behind them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Entry:
    """A navigation entry: a page by URL name, or a menu of `children` (the menu's own page first).

    `roles` (role codes) limit an entry to the people holding one of them; administrators see it too.
    An entry shows only once its app's URLs exist; a menu only while one of its entries shows.
    """

    name: str
    label: Any
    icon: str
    roles: tuple[str, ...] = ()
    children: tuple[Entry, ...] = ()


NAVIGATION = [
    Entry("pipeline:board", _("Pipeline"), "kanban"),
    Entry(
        "delivery:projects",
        _("Projects"),
        "briefcase",
        children=(
            Entry("delivery:projects", _("All projects"), "briefcase"),
            Entry(
                "delivery:my_customers",
                _("My customers' projects"),
                "person-lines-fill",
                roles=("seller", "management"),
            ),
            Entry("handover:list", _("Handovers"), "box-arrow-in-right"),
            Entry(
                "delivery:change_queue",
                _("Change requests"),
                "arrow-left-right",
                roles=("seller", "management", "project_manager", "delivery_manager"),
            ),
            Entry("delivery:approvals", _("Weeks to approve"), "calendar-check", roles=("project_manager",)),
        ),
    ),
    Entry("customers:list", _("Customers"), "building"),
    Entry("people:directory", _("People"), "people"),
    Entry("insights:index", _("Insights"), "graph-up"),
]


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _allowed(entry: Entry, user: Any) -> bool:
    if not entry.roles:
        return True
    if getattr(user, "is_superuser", False):
        return True
    has_role = getattr(user, "has_role", None)
    return bool(has_role and has_role(*entry.roles, "administrator"))


def _link(entry: Entry, url: str) -> dict[str, Any]:
    key = entry.name.replace(":", "-").replace("_", "-")
    return {"key": key, "url": url, "label": entry.label, "icon": entry.icon, "active": False, "children": []}


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The main navigation; the entry whose address is the longest start of this page's is active.

    Worked out once per request: every panel rendered with the request runs the context processors again.
    """
    found: dict[str, Any] | None = getattr(request, "_samspill_navigation", None)
    if found is None:
        found = _navigation(request)
        request._samspill_navigation = found  # type: ignore[attr-defined]
    return found


def _navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {"navigation": []}
    entries: list[dict[str, Any]] = []
    links: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for entry in NAVIGATION:
        url = _url(entry.name)
        if url is None or not _allowed(entry, user):
            continue
        shown = _link(entry, url)
        for child in entry.children:
            child_url = _url(child.name)
            if child_url is not None and _allowed(child, user):
                shown["children"].append(_link(child, child_url))
        if entry.children and not shown["children"]:
            continue
        entries.append(shown)
        links.extend((link, shown) for link in shown["children"] or [shown])
    matching = [(link, parent) for link, parent in links if request.path.startswith(link["url"])]
    if matching:
        link, parent = max(matching, key=lambda pair: len(pair[0]["url"]))
        link["active"] = parent["active"] = True
    return {"navigation": entries}
