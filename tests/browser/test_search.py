"""The seller searches from the navigation bar, narrows the results while typing and by kind, and gets
back to the search field with the keyboard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect


def test_the_seller_finds_a_contact_by_an_inflected_title_from_the_navigation_bar(
    page: Page, log_in: Callable[[Page, str], None], screenshot: Any
) -> None:
    log_in(page, "selger")
    navbar = page.get_by_test_id("navbar-search")
    navbar.get_by_role("searchbox").fill("digitaliseringssjefen bergen")
    navbar.get_by_role("searchbox").press("Enter")

    hits = page.get_by_test_id("search-hits")
    expect(hits.locator("li")).to_have_count(1)
    expect(hits).to_contain_text("Kari Nordmann")
    expect(hits.locator("mark").first).to_have_text("Digitaliseringssjef")
    expect(page.get_by_test_id("result-count")).to_contain_text("1")
    screenshot(page, "search-contact")

    # Typing in the page's own field updates the results without a reload.
    field = page.locator("#search-q")
    field.fill("bergen")
    # Other browser tests add opportunities for this customer to the shared server, so count only its kinds.
    expect(hits).to_contain_text("Bergen Vann KF")
    expect(page.get_by_test_id("kind-facets").locator("[data-kind=customers]")).to_be_visible()
    page.get_by_test_id("kind-facets").locator("[data-kind=customers]").click()
    expect(page.get_by_test_id("search-hits")).to_contain_text("Bergen Vann KF")
    expect(page.get_by_test_id("search-hits")).not_to_contain_text("Kari Nordmann")  # contacts filtered out
    screenshot(page, "search-customers-only")

    # "/" brings the cursor back to the search field.
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("/")
    expect(page.locator("#search-q")).to_be_focused()


def test_a_search_that_finds_nothing_says_what_to_do(page: Page, log_in: Callable[[Page, str], None]) -> None:
    log_in(page, "fag")
    page.goto("/search/?q=zzzqqq")
    expect(page.get_by_test_id("search-empty")).to_contain_text("zzzqqq")
