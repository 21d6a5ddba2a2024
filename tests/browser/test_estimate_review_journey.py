"""Is the number honest? A seller builds an estimate and asks anyone with Azure for a review; the expert
finds it in the queue, proposes other hours and approves with changes; the seller applies the proposal and
drags the card to "offer sent". An opportunity whose review is still open is refused the same move."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

LogIn = Callable[[Page, str], None]
Screenshot = Callable[..., Path]

PACKAGES = [
    ("Analyse og løsningsdesign", "40", "60", "100"),
    ("Integrasjon mot ERP", "80", "120", "220"),
    ("Test og overlevering", "20", "30", "50"),
]


def _new_opportunity(page: Page, title: str) -> None:
    page.goto("/pipeline/new/")
    form = page.get_by_test_id("opportunity-form")
    form.locator("[name=title]").fill(title)
    form.locator("[name=customer]").select_option(label="Bergen Vann KF")
    form.locator("[name=value]").fill("1500000")
    form.locator("button[type=submit]").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)


def _start_estimate(page: Page) -> None:
    page.get_by_test_id("estimate-summary").get_by_test_id("new-estimate").click()
    expect(page.get_by_test_id("estimate-empty")).to_be_visible()


def _add_package(page: Page, name: str, o: str, m: str, p: str) -> None:
    form = page.get_by_test_id("add-package-form")
    form.locator("[name=name]").fill(name)
    form.locator("[name=optimistic]").fill(o)
    form.locator("[name=most_likely]").fill(m)
    form.locator("[name=pessimistic]").fill(p)
    form.get_by_test_id("add-package").click()
    expect(page.get_by_test_id("packages-table").get_by_text(name, exact=True)).to_be_visible()


def _request_skill_review(page: Page, message: str) -> None:
    page.get_by_test_id("request-review").first.click()
    form = page.get_by_test_id("review-request-form")
    form.locator("input[name=who][value=skill]").check()
    form.locator("[name=skill]").select_option(label="Azure")
    form.locator("[name=min_level]").select_option("4")
    form.locator("[name=message]").fill(message)
    form.get_by_test_id("send-review-request").click()
    expect(page.get_by_test_id("review-banner")).to_be_visible()


def test_a_seller_and_an_expert_make_the_estimate_honest_before_the_offer_is_sent(
    browser: Browser,
    base_url: str,
    browser_context_args: dict[str, Any],
    log_in: LogIn,
    screenshot: Screenshot,
) -> None:
    seller = browser.new_context(**{**browser_context_args, "base_url": base_url})
    expert = browser.new_context(**{**browser_context_args, "base_url": base_url})
    selger, fag = seller.new_page(), expert.new_page()
    log_in(selger, "selger")
    log_in(fag, "fag")

    # The seller builds the estimate: three packages with three-point hours, a risk and an assumption.
    _new_opportunity(selger, "Ny kundeportal for innbyggere")
    _start_estimate(selger)
    for package in PACKAGES:
        _add_package(selger, *package)
    expect(selger.get_by_test_id("point-p80")).to_contain_text("t")
    expect(selger.get_by_test_id("estimate-price")).to_contain_text("kr")
    risk = selger.get_by_test_id("add-risk-form")
    risk.locator("[name=description]").fill("ERP-leverandøren leverer API-et sent")
    risk.locator("[name=probability]").fill("30")
    risk.locator("[name=consequence_hours]").fill("80")
    risk.get_by_test_id("add-risk").click()
    expect(selger.get_by_test_id("risks-table")).to_contain_text("24")
    assumption = selger.get_by_test_id("add-assumption-form")
    assumption.locator("[name=text]").fill("Kunden stiller testmiljø med anonymiserte data")
    assumption.locator("button").click()
    expect(selger.get_by_test_id("assumptions")).to_contain_text("testmiljø")
    # A pessimistic below the optimistic is refused on the field, in the row.
    row = selger.get_by_test_id("package-row").filter(has_text="Test og overlevering")
    row.get_by_test_id("edit-package").click()
    editing = selger.get_by_test_id("package-edit-row")
    editing.locator("[name=pessimistic]").fill("10")
    editing.get_by_test_id("save-package").click()
    expect(selger.get_by_test_id("package-edit-row").locator(".invalid-feedback")).to_be_visible()
    selger.get_by_test_id("package-edit-row").locator("[name=pessimistic]").fill("60")
    selger.get_by_test_id("package-edit-row").get_by_test_id("save-package").click()
    expect(selger.get_by_test_id("package-edit-row")).to_have_count(0)
    estimate_url = selger.url

    _request_skill_review(selger, "Er integrasjonen realistisk med ERP-versjonen de har?")
    expect(selger.get_by_test_id("review-banner")).to_contain_text("Azure")
    screenshot(selger, "estimate")

    # The expert finds it on the start page and in the queue, takes it, proposes other hours and approves.
    fag.goto("/")
    expect(fag.get_by_test_id("start-reviews")).to_contain_text("Ny kundeportal for innbyggere")
    fag.goto("/pipeline/reviews/")
    waiting = (
        fag.get_by_test_id("waiting-table").get_by_test_id("review-row").filter(has_text="Ny kundeportal")
    )
    expect(waiting).to_contain_text("Bergen Vann KF")
    screenshot(fag, "review-queue")
    waiting.get_by_test_id("accept-review").click()
    integration = fag.get_by_test_id("review-package").filter(has_text="Integrasjon mot ERP")
    integration.get_by_test_id("comment-details").locator("summary").click()
    comment = integration.get_by_test_id("comment-form")
    comment.get_by_test_id("comment-text").fill(
        "ERP-integrasjoner hos kommunale kunder tar lengre tid enn dette."
    )
    comment.get_by_test_id("proposed_optimistic").fill("100")
    comment.get_by_test_id("proposed_most_likely").fill("160")
    comment.get_by_test_id("proposed_pessimistic").fill("300")
    comment.get_by_test_id("save-comment").click()
    expect(fag.get_by_test_id("review-package").filter(has_text="Integrasjon mot ERP")).to_contain_text("160")
    verdict = fag.get_by_test_id("verdict-form")
    verdict.locator("input[value=approved_with_changes]").check()
    verdict.locator("[name=verdict_comment]").fill("Godkjent når integrasjonen får timene jeg foreslår.")
    screenshot(fag, "review")
    verdict.get_by_test_id("give-verdict").click()
    expect(fag.get_by_test_id("review-verdict")).to_be_visible()

    # The seller sees the verdict, applies the proposal with one click and the numbers follow.
    selger.goto(estimate_url)
    expect(selger.get_by_test_id("review-verdict")).to_be_visible()
    before = selger.get_by_test_id("total-expected").inner_text()
    selger.get_by_test_id("apply-proposal").click()
    expect(selger.get_by_test_id("total-expected")).not_to_have_text(before)
    expect(selger.get_by_test_id("work-packages")).to_contain_text(re.compile("173,3"))
    selger.get_by_role("link", name="Ny kundeportal for innbyggere").first.click()
    expect(selger.get_by_test_id("review-summary").get_by_test_id("review-verdict")).to_be_visible()
    screenshot(selger, "opportunity-with-estimate")

    # The review is done, so the card may go to "offer sent"; that locks the estimate it was made from.
    selger.goto("/pipeline/")
    with selger.expect_response(lambda response: "/move/" in response.url) as moved:
        _drag_to(selger, "Ny kundeportal for innbyggere", "offer_sent")
    assert moved.value.ok
    expect(selger.get_by_test_id("column-offer_sent")).to_contain_text("Ny kundeportal for innbyggere")
    selger.goto(estimate_url)
    expect(selger.get_by_test_id("locked-banner")).to_be_visible()

    # A second opportunity whose review is still open is refused the same move, with the reason.
    _new_opportunity(selger, "Driftsavtale for vannverket")
    _start_estimate(selger)
    _add_package(selger, "Overvåking og drift", "100", "150", "260")
    _request_skill_review(selger, "Holder driftsestimatet?")
    selger.goto("/pipeline/")
    with selger.expect_response(lambda response: "/move/" in response.url) as refused:
        _drag_to(selger, "Driftsavtale for vannverket", "offer_sent")
    assert refused.value.status == 409
    toast = selger.get_by_test_id("board-toast")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("Azure")
    expect(selger.get_by_test_id("column-offer_sent")).not_to_contain_text("Driftsavtale for vannverket")

    seller.close()
    expert.close()


def _drag_to(page: Page, title: str, stage: str) -> None:
    """Drag a board card into a stage's column with the mouse, as SortableJS's fallback mode expects."""
    card = page.get_by_test_id("card").filter(has_text=title)
    target = page.locator(f"#cards-{stage}")
    card.scroll_into_view_if_needed()
    start = card.bounding_box()
    assert start is not None
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 15)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 10, start["y"] + 25, steps=5)
    end = target.bounding_box()
    assert end is not None
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 30, steps=25)
    page.mouse.up()
