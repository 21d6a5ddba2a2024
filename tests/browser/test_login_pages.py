"""The login, password reset and logout pages look like Samspill and work without signup."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect


def test_the_login_page_has_no_signup_and_switches_language(
    page: Page, screenshot: Callable[..., Path]
) -> None:
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    form = page.get_by_test_id("login-form")
    expect(form.locator("input[name=login]")).to_be_visible()
    expect(form.locator("input[name=password]")).to_be_visible()
    expect(form.locator("input[name=csrfmiddlewaretoken]")).to_have_count(1)
    expect(page.locator("a[href*='signup']")).to_have_count(0)
    screenshot(page, "login")

    page.get_by_test_id("login-language").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("login-language").get_by_role("button", name="English")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.get_by_test_id("login-form")).to_be_visible()


def test_a_wrong_password_is_refused_with_a_message(page: Page, screenshot: Callable[..., Path]) -> None:
    page.goto("/accounts/login/")
    form = page.get_by_test_id("login-form")
    form.locator("input[name=login]").fill("selger")
    form.locator("input[name=password]").fill("not-the-password")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(page.locator("input[name=login]")).to_have_value("selger")
    expect(page.get_by_test_id("user-menu")).to_have_count(0)
    screenshot(page, "login-error")


def test_password_reset_asks_for_an_email_address(page: Page, screenshot: Callable[..., Path]) -> None:
    page.goto("/accounts/login/")
    page.get_by_test_id("login-form").locator("a[href='/accounts/password/reset/']").click()
    expect(page.locator("input[name=email]")).to_be_visible()
    screenshot(page, "password-reset")
    page.locator("input[name=email]").fill("selger@example.no")
    page.locator(".auth-card form button[type=submit]").click()
    expect(page).to_have_url("/accounts/password/reset/done/")
    expect(page.locator(".auth-footer a[href='/accounts/login/']")).to_be_visible()
    screenshot(page, "password-reset-done")


def test_logging_out_asks_first_then_returns_to_the_login_page(
    page: Page, log_in: Callable[[Page, str], None], screenshot: Callable[..., Path]
) -> None:
    log_in(page, "pl")
    page.goto("/accounts/logout/")
    expect(page.get_by_test_id("logout-form")).to_be_visible()
    screenshot(page, "logout")
    page.get_by_test_id("logout-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    page.goto("/customers/")
    expect(page.get_by_test_id("login-form")).to_be_visible()
