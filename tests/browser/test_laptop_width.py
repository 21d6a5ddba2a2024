"""The main pages fit a 1280 × 720 laptop screen without sideways scrolling, and the styles load."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

LAPTOP = {"width": 1280, "height": 720}


def _fits_the_width(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_stylesheets_load(page: Page) -> None:
    page.goto("/accounts/login/")
    card = page.locator(".auth-card")
    expect(card).to_be_visible()
    expect(card).to_have_css("border-radius", "12px")
    expect(page.get_by_test_id("login-form").locator("button[type=submit]")).to_have_css(
        "background-color", "rgb(29, 78, 137)"
    )


@pytest.mark.browser_context_args(viewport=LAPTOP)
def test_the_main_pages_fit_a_laptop_screen(
    page: Page,
    log_in: Callable[[Page, str], None],
    open_customer: Callable[[Page, str], None],
    screenshot: Callable[..., Path],
) -> None:
    assert page.viewport_size == LAPTOP
    log_in(page, "selger")
    assert _fits_the_width(page)
    page.goto("/customers/")
    expect(page.get_by_test_id("customer-table")).to_be_visible()
    assert _fits_the_width(page)
    screenshot(page, "customers-list-1280")

    open_customer(page, "Bergen Vann KF")
    assert _fits_the_width(page)
    screenshot(page, "customer-detail-1280")

    page.get_by_test_id("edit-customer").click()
    expect(page.get_by_test_id("customer-form")).to_be_visible()
    assert _fits_the_width(page)
    screenshot(page, "customer-form-1280")
