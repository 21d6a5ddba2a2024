"""Two people edit the same customer: the second save is refused, nothing is lost."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect


def test_the_second_of_two_edits_is_refused_and_keeps_what_was_typed(
    new_context: Callable[..., Any],
    log_in: Callable[[Page, str], None],
    open_customer: Callable[[Page, str], None],
    screenshot: Callable[..., Path],
) -> None:
    selma, lena = new_context().new_page(), new_context().new_page()
    log_in(selma, "selger")
    log_in(lena, "leder")
    open_customer(selma, "Sjøsiden Eiendom AS")
    selma.get_by_test_id("edit-customer").click()
    expect(selma).to_have_url(re.compile(r"/customers/\d+/edit/$"))
    lena.goto(selma.url)
    expect(lena.get_by_test_id("customer-form").locator("[name=name]")).to_have_value("Sjøsiden Eiendom AS")

    selma.get_by_test_id("customer-form").locator("[name=name]").fill("Sjøsiden Eiendom Holding AS")
    selma.get_by_test_id("customer-form").locator("button[type=submit]").click()
    expect(selma.get_by_role("heading", level=1)).to_have_text("Sjøsiden Eiendom Holding AS")

    lena_form = lena.get_by_test_id("customer-form")
    lena_form.locator("[name=city]").fill("Sandnes")
    lena_form.locator("button[type=submit]").click()
    conflict = lena.get_by_test_id("conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Selma Salg")
    expect(conflict).to_contain_text("Sjøsiden Eiendom Holding AS")
    expect(lena.get_by_test_id("customer-form").locator("[name=city]")).to_have_value("Sandnes")
    expect(lena.get_by_test_id("changed-by-other")).to_contain_text("Sjøsiden Eiendom Holding AS")
    screenshot(lena, "customer-conflict")

    lena.get_by_test_id("cancel").click()
    expect(lena.get_by_role("heading", level=1)).to_have_text("Sjøsiden Eiendom Holding AS")
    facts = lena.get_by_test_id("customer-facts")
    expect(facts).to_contain_text("Stavanger")
    expect(facts).not_to_contain_text("Sandnes")
