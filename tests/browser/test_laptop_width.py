"""The main pages fit a 1280 × 720 laptop screen without sideways scrolling, and the styles load."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

LAPTOP = {"width": 1280, "height": 720}


def _fits_the_width(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _navigation_fits_one_line(page: Page) -> None:
    """Every main navigation entry, the search box and the user menu share the navbar's one line."""
    tops = page.evaluate(
        """() => [...document.querySelectorAll(
            '[data-testid=main-nav] > li, [data-testid=navbar-search], [data-testid=user-menu]'
        )].map(e => Math.round(e.getBoundingClientRect().top))"""
    )
    assert len(tops) >= 4
    assert max(tops) - min(tops) <= 12, tops


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
    _navigation_fits_one_line(page)
    page.goto("/customers/")
    expect(page.get_by_test_id("customer-table")).to_be_visible()
    assert _fits_the_width(page)
    screenshot(page, "customers-list-1280")

    page.get_by_test_id("nav-menu-delivery-projects").click()
    menu = page.get_by_test_id("main-nav").locator(".dropdown-menu")
    expect(menu.get_by_test_id("nav-delivery-my-customers")).to_be_visible()
    expect(menu.get_by_test_id("nav-handover-list")).to_be_visible()
    screenshot(page, "navigation-projects-menu-1280")
    menu.get_by_test_id("nav-delivery-my-customers").click()
    expect(page.get_by_test_id("portfolio-projects")).to_be_visible()
    expect(page.get_by_test_id("nav-menu-delivery-projects")).to_have_class(re.compile(r"\bactive\b"))
    assert _fits_the_width(page)
    _navigation_fits_one_line(page)
    screenshot(page, "portfolio-1280")

    open_customer(page, "Bergen Vann KF")
    assert _fits_the_width(page)
    screenshot(page, "customer-detail-1280")

    page.get_by_test_id("edit-customer").click()
    expect(page.get_by_test_id("customer-form")).to_be_visible()
    assert _fits_the_width(page)
    screenshot(page, "customer-form-1280")
