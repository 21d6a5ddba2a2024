"""The main navigation: the entries a person's roles call for, the projects menu, and the active entry."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from samspill.lib.context_processors import navigation

pytestmark = pytest.mark.django_db


def _navigation(user: Any, path: str = "/") -> list[dict[str, Any]]:
    request = RequestFactory().get(path)
    request.user = user
    return list(navigation(request)["navigation"])


def _menu(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return next(entry for entry in entries if entry["children"])


def _active(entries: list[dict[str, Any]]) -> list[str]:
    links = [entry for entry in entries if not entry["children"]]
    links += [child for entry in entries for child in entry["children"]]
    return [link["url"] for link in links if link["active"]]


def test_a_seller_finds_the_projects_of_their_customers_and_the_handovers_under_projects(
    seller: Any,
) -> None:
    urls = [child["url"] for child in _menu(_navigation(seller))["children"]]
    assert urls[0] == "/projects/"
    assert "/projects/my-customers/" in urls
    assert "/handovers/" in urls
    assert "/projects/approvals/" not in urls


def test_a_project_manager_gets_the_weeks_to_approve_but_not_the_sales_portfolio(
    project_manager: Any,
) -> None:
    urls = [child["url"] for child in _menu(_navigation(project_manager))["children"]]
    assert "/projects/approvals/" in urls
    assert "/projects/my-customers/" not in urls


def test_an_expert_sees_neither_the_portfolio_nor_the_change_requests(expert: Any) -> None:
    urls = [child["url"] for child in _menu(_navigation(expert))["children"]]
    assert urls == ["/projects/", "/handovers/"]


def test_only_the_entry_with_the_longest_matching_address_is_active(seller: Any) -> None:
    entries = _navigation(seller, "/projects/my-customers/")
    assert _active(entries) == ["/projects/my-customers/"]
    assert _menu(entries)["active"]

    entries = _navigation(seller, "/handovers/3/")
    assert _active(entries) == ["/handovers/"]
    assert _menu(entries)["active"]

    entries = _navigation(seller, "/customers/5/")
    assert _active(entries) == ["/customers/"]
    assert not _menu(entries)["active"]


def test_nothing_is_active_on_the_start_page_and_nobody_logged_out_gets_entries(seller: Any) -> None:
    assert _active(_navigation(seller, "/")) == []
    assert _navigation(AnonymousUser(), "/customers/") == []


def test_the_navigation_bar_shows_the_projects_menu(seller: Any, client: Any) -> None:
    client.force_login(seller)
    page = client.get("/customers/").content.decode()
    assert 'data-testid="nav-menu-delivery-projects"' in page
    assert 'data-testid="nav-delivery-my-customers"' in page
    assert 'href="/handovers/"' in page
