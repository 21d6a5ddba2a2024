"""A seller registers a customer, corrects a mistyped organisation number and finds the customer again."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

CHECK_DIGIT_MESSAGE = re.compile("kontrollsiffer|check digit", re.IGNORECASE)


def test_a_seller_registers_a_customer_and_finds_it_in_the_list(
    page: Page, log_in: Callable[[Page, str], None], screenshot: Callable[..., Path]
) -> None:
    log_in(page, "selger")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    page.goto("/customers/")
    screenshot(page, "customers-list")
    page.get_by_test_id("new-customer").click()

    form = page.get_by_test_id("customer-form")
    form.locator("[name=name]").fill("Fjordlys Energi AS")
    form.locator("[name=org_number]").fill("923 609 017")
    form.locator("[name=segment]").select_option("enterprise")
    form.locator("[name=industry]").fill("Kraft")
    form.locator("[name=city]").fill("Bergen")
    form.locator("button[type=submit]").click()

    org_number = page.get_by_test_id("customer-form").locator("[name=org_number]")
    expect(org_number).to_have_attribute("aria-invalid", "true")
    expect(org_number).to_be_focused()
    described_by = (org_number.get_attribute("aria-describedby") or "").split()
    assert described_by, "the organisation number field names no description"
    error = page.locator(", ".join(f"#{ident}" for ident in described_by)).filter(
        has_text=CHECK_DIGIT_MESSAGE
    )
    expect(error).to_have_count(1)
    expect(error).to_be_visible()
    expect(form.locator("[name=name]")).to_have_value("Fjordlys Energi AS")
    screenshot(page, "customer-form-error")

    org_number.fill("923 609 016")
    page.get_by_test_id("customer-form").locator("button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fjordlys Energi AS")
    expect(page.get_by_test_id("messages")).to_be_visible()
    expect(page.get_by_test_id("customer-facts")).to_contain_text("923\u00a0609\u00a0016")
    screenshot(page, "customer-detail-new")

    page.goto("/customers/")
    page.locator("#id_q").fill("fjordlys")
    page.locator("#id_q").press("Enter")
    rows = page.get_by_test_id("customer-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("link", name="Fjordlys Energi AS")).to_be_visible()
    expect(rows.first).to_contain_text("Selma Salg")


def test_a_person_switches_to_english_from_the_user_menu(
    page: Page, log_in: Callable[[Page, str], None]
) -> None:
    log_in(page, "selger")
    page.goto("/customers/")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.get_by_test_id("main-nav")).to_contain_text("Kunder")

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("language-form").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/customers/$"))
    nav = page.get_by_test_id("main-nav")
    expect(nav.get_by_role("link", name="Customers")).to_be_visible()
    expect(nav.get_by_role("link", name="People")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Customers")

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("language-form").get_by_role("button", name="Norsk").click()
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.get_by_test_id("main-nav")).to_contain_text("Kunder")
