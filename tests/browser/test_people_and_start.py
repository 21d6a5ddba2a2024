"""The start page, the people directory, a profile and a framework agreement, as a seller and a manager."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect


def test_the_start_page_shows_a_seller_her_customers_and_ending_agreements(
    page: Page, log_in: Callable[[Page, str], None], screenshot: Callable[..., Path]
) -> None:
    log_in(page, "selger")
    mine = page.get_by_test_id("start-customers")
    expect(mine.get_by_role("link", name="Bergen Vann KF")).to_be_visible()
    expect(mine.get_by_role("link", name="Havbruk Nord AS")).to_be_visible()
    expect(mine).not_to_contain_text("Lunde Logistikk AS")
    expect(page.get_by_test_id("start-agreements")).to_contain_text("Rammeavtale konsulenttjenester")
    screenshot(page, "start")

    mine.get_by_role("link", name="Bergen Vann KF").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bergen Vann KF")


def test_the_people_directory_filters_by_role(
    page: Page, log_in: Callable[[Page, str], None], screenshot: Callable[..., Path]
) -> None:
    log_in(page, "leder")
    page.goto("/people/")
    table = page.get_by_test_id("people-table")
    expect(table.get_by_role("link", name="Selma Salg")).to_be_visible()
    expect(table.get_by_role("link", name="Frode Fag")).to_be_visible()
    screenshot(page, "people-directory")

    page.locator("select[name=role]").select_option("seller")
    page.get_by_test_id("people-filters").locator("button[type=submit]").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.get_by_role("link", name="Selma Salg")).to_be_visible()

    page.locator("select[name=role]").select_option("expert")
    page.get_by_test_id("people-filters").locator("button[type=submit]").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.get_by_role("link", name="Frode Fag")).to_be_visible()

    page.locator("select[name=role]").select_option("delivery_manager")
    page.get_by_test_id("people-filters").locator("button[type=submit]").click()
    expect(page.get_by_test_id("people-empty")).to_be_visible()

    page.goto("/people/")
    page.get_by_test_id("people-table").get_by_role("link", name="Frode Fag").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Frode Fag")
    expect(page.get_by_test_id("person-skills")).to_contain_text("Azure")
    screenshot(page, "profile")


def test_the_customer_page_puts_agreements_first_and_opens_one(
    page: Page,
    log_in: Callable[[Page, str], None],
    open_customer: Callable[[Page, str], None],
    screenshot: Callable[..., Path],
) -> None:
    log_in(page, "selger")
    open_customer(page, "Bergen Vann KF")
    agreements = page.get_by_test_id("customer-agreements")
    expect(agreements).to_contain_text("Rammeavtale konsulenttjenester")
    expect(agreements).to_contain_text("kr\u00a012\u00a0000\u00a0000")
    expect(page.get_by_test_id("customer-facts")).to_contain_text("Pia Prosjekt")
    expect(page.get_by_test_id("customer-contacts")).to_contain_text("Kari Nordmann")
    agreements_top = agreements.bounding_box()
    contacts_top = page.get_by_test_id("customer-contacts").bounding_box()
    assert agreements_top and contacts_top and agreements_top["y"] < contacts_top["y"]
    screenshot(page, "customer-detail")

    agreements.get_by_role("link", name="Rammeavtale konsulenttjenester").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rammeavtale konsulenttjenester")
    expect(page.get_by_test_id("agreement-ceiling")).to_contain_text("kr\u00a012\u00a0000\u00a0000")
    screenshot(page, "agreement-detail")

    page.get_by_test_id("edit-agreement").click()
    expect(page.get_by_test_id("agreement-form").locator("[name=ceiling]")).to_have_value("12000000")
    screenshot(page, "agreement-form")
