"""A project with long work-package names and five-digit hours: its page fits a 1366 × 768 office screen
without sideways scrolling, the work-package table and the margin stay inside their cards (also with the
progress editor open), and the project list finds it through the customer type-ahead."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

OFFICE = {"width": 1366, "height": 768}
CUSTOMER = "Lunde Logistikk AS"  # seeded by seed.py, owned by leder, with no other project
TITLE = "Lagerstyring for tre terminaler"
# The widest a real baseline gets: long names, five-digit hours, a high rate.
PACKAGES = [
    ("Integrasjon mot transportørenes bookingsystemer og tolldeklarasjoner", "12345.5", "1950"),
    ("Datamigrering", "10880", "1450"),
    ("Brukerstøtteopplæringsprogrammet", "9990.5", "1450"),
    ("Prosjektledelse og kvalitetssikring", "11000", "1650"),
]

FITS = """(selector) => {
    const card = document.querySelector(selector);
    const table = card.querySelector('table');
    return {
        card: Math.round(card.getBoundingClientRect().right),
        table: Math.round(table.getBoundingClientRect().right),
        scrolls: table.parentElement.scrollWidth > table.parentElement.clientWidth,
    };
}"""


def _fits_the_window(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _inside_its_card(page: Page, selector: str) -> None:
    measured = page.evaluate(FITS, selector)
    assert measured["table"] <= measured["card"], measured
    assert not measured["scrolls"], measured


def _start_project(page: Page) -> None:
    page.goto("/projects/new/")
    form = page.get_by_test_id("project-form")
    form.locator("select[name=customer]").select_option(label=CUSTOMER)
    form.locator("input[name=title]").fill(TITLE)
    form.locator("select[name=status]").select_option("active")
    form.locator("input[name=starts_on]").fill("2026-01-05")
    form.locator("input[name=ends_on]").fill("2027-06-30")
    for number, (name, hours, rate) in enumerate(PACKAGES):
        form.locator(f"input[name=packages-{number}-name]").fill(name)
        form.locator(f"input[name=packages-{number}-hours]").fill(hours)
        form.locator(f"input[name=packages-{number}-hourly_rate]").fill(rate)
    form.locator("input[name=price]").fill("98765432")
    page.get_by_test_id("save-project").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)


def test_the_project_page_fits_an_office_screen_and_the_list_finds_it_by_customer(
    page: Page, log_in: Callable[[Page, str], None], screenshot: Callable[..., Path]
) -> None:
    assert page.viewport_size == OFFICE
    log_in(page, "leder")
    _start_project(page)
    packages = page.get_by_test_id("work-packages")
    expect(packages.get_by_test_id("package")).to_have_count(len(PACKAGES))
    expect(packages.get_by_test_id("edit-progress")).to_have_count(len(PACKAGES))
    expect(page.get_by_test_id("packages-forecast")).to_contain_text("44\xa0216")
    assert _fits_the_window(page)
    _inside_its_card(page, "#packages")
    _inside_its_card(page, "#margin")
    packages.scroll_into_view_if_needed()
    screenshot(page, "project-packages-1366")

    packages.get_by_test_id("edit-progress").first.click()
    expect(page.get_by_test_id("progress-form")).to_be_visible()
    assert _fits_the_window(page)
    _inside_its_card(page, "#packages")
    screenshot(page, "project-progress-editor-1366")

    page.goto("/projects/")
    typed = page.get_by_test_id("customer-filter")
    typed.press_sequentially("lunde", delay=30)
    match = page.get_by_test_id("customer-matches").get_by_test_id("customer-match")
    expect(match).to_have_count(1)
    expect(match).to_have_text(CUSTOMER)
    match.click()
    expect(page).to_have_url(re.compile(r"[?&]customer=\d+"))
    expect(page.get_by_test_id("customer-filter")).to_have_value(CUSTOMER)
    rows = page.get_by_test_id("project-row")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(TITLE)
    assert _fits_the_window(page)
    screenshot(page, "project-list-customer-1366")
