"""Handover: the seller wins an offer; the project manager opens the handover, sees the expectations and
what is missing, sends a question back; the seller answers; the project manager acknowledges, and the
project starts from the sold baseline."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

LogIn = Callable[[Page, str], None]
Screenshot = Callable[..., Path]

TITLE = (
    "Selvbetjening for abonnenter"  # seeded in negotiation by seed.py, with pl as project manager candidate
)
QUESTION = "Hvem hos kunden godkjenner flyttemeldingen før lansering?"


def _win(page: Page) -> None:
    page.goto(f"/pipeline/list/?q={TITLE}&stage=all")
    page.get_by_test_id("opportunity-table").get_by_role("link", name=TITLE).click()
    page.get_by_test_id("stage-card").get_by_test_id("win").click()
    page.get_by_test_id("win-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("stage")).to_have_class(re.compile("stage-won"))


def _language(page: Page, code: str) -> None:
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("language-form").locator(f"button[value={code}]").click()


def _missing_checklist(page: Page) -> Any:
    return page.get_by_test_id("missing-item").and_(page.locator("[data-key^='checklist:']"))


def test_a_won_offer_is_handed_over_and_becomes_a_project_with_the_sold_baseline(
    browser: Browser,
    base_url: str,
    browser_context_args: dict[str, Any],
    log_in: LogIn,
    screenshot: Screenshot,
) -> None:
    seller = browser.new_context(**{**browser_context_args, "base_url": base_url})
    delivery = browser.new_context(**{**browser_context_args, "base_url": base_url})
    selger, pl = seller.new_page(), delivery.new_page()
    log_in(selger, "selger")
    log_in(pl, "pl")

    # The seller records the win: the handover opens, and the opportunity page links to it.
    _win(selger)
    panel = selger.get_by_test_id("handover-panel")
    expect(panel).to_be_visible()
    expect(panel.get_by_test_id("handover-panel-score")).to_contain_text("%")
    panel.scroll_into_view_if_needed()
    screenshot(selger, "handover-opportunity-panel")

    # The project manager finds it on the start page and opens it: the score, each missing item, the
    # expectations one by one, the sold baseline.
    pl.goto("/")
    screenshot(pl, "handover-start")
    pl.get_by_test_id("start-handovers").get_by_role("link", name=TITLE).click()
    expect(pl.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(pl.get_by_test_id("score")).to_contain_text("%")
    expect(_missing_checklist(pl)).to_have_count(6)
    expect(pl.get_by_test_id("missing-item").and_(pl.locator("[data-key=meeting]"))).to_be_visible()
    expect(
        pl.get_by_test_id("missing-item").and_(pl.locator("[data-key=acceptance_criteria]"))
    ).to_be_visible()
    expectations = pl.get_by_test_id("expectations").get_by_test_id("expectation")
    expect(expectations).to_have_count(2)
    expect(expectations.first).to_contain_text("Flyttemeldingen må virke før sommeren")
    expect(expectations.nth(1).get_by_test_id("no-criteria")).to_be_visible()
    expect(pl.get_by_test_id("baseline-package")).to_have_count(2)
    expect(pl.get_by_test_id("baseline-table")).to_contain_text("Flyttemelding")
    screenshot(pl, "handover-nb")

    # Ticking an item updates the checklist and the score in place.
    before = pl.get_by_test_id("score").inner_text()
    pl.get_by_test_id("checklist-item").first.get_by_test_id("checklist-toggle").click()
    expect(pl.get_by_test_id("checklist-item").first).to_have_attribute("data-done", "true")
    expect(_missing_checklist(pl)).to_have_count(5)
    expect(pl.get_by_test_id("score")).not_to_have_text(before)

    # Something is unclear: back to the seller with a question.
    send_back = pl.get_by_test_id("send-back-form")
    send_back.locator("[name=questions]").fill(QUESTION)
    send_back.get_by_test_id("send-back").click()
    expect(pl.get_by_test_id("handover-state")).to_have_attribute("class", re.compile("state-sent_back"))
    expect(pl.get_by_test_id("question")).to_contain_text(QUESTION)
    pl.goto("/handovers/")
    expect(pl.get_by_test_id("handover-row").filter(has_text=TITLE)).to_contain_text("%")
    screenshot(pl, "handover-list")
    pl.get_by_test_id("handover-row").get_by_role("link", name=TITLE).click()
    expect(pl.get_by_test_id("acknowledge")).to_have_count(0)  # not while a question is open

    # The seller finds the question on the start page and answers it.
    selger.goto("/")
    selger.get_by_test_id("start-questions").get_by_role("link", name=re.compile("Hvem hos kunden")).click()
    question = selger.get_by_test_id("question").filter(has_text=QUESTION)
    question.locator("textarea[name=answer]").fill(
        "Kari Nordmann, digitaliseringssjef. Hun er med på oppstartsmøtet."
    )
    question.get_by_test_id("save-answer").click()
    expect(selger.get_by_test_id("question").get_by_test_id("answer")).to_contain_text("Kari Nordmann")

    # The project manager sees the answer and acknowledges: the project starts from the sold baseline.
    pl.reload()
    expect(pl.get_by_test_id("question").get_by_test_id("answer")).to_contain_text("Kari Nordmann")
    expect(pl.get_by_test_id("handover-state")).to_have_attribute("class", re.compile("state-open"))
    pl.get_by_test_id("acknowledge").click()
    expect(pl.get_by_test_id("acknowledged")).to_be_visible()
    project_link = pl.get_by_test_id("project-link")
    expect(project_link).to_have_attribute("href", re.compile(r"^/projects/\d+/$"))

    pl.get_by_test_id("print-link").click()
    expect(pl.get_by_test_id("handover-print")).to_contain_text("Flyttemelding")
    screenshot(pl, "handover-print")
    pl.go_back()

    # Screenshots of the finished handover in both languages, then the project itself.
    _language(pl, "en")
    expect(pl.get_by_test_id("acknowledged")).to_be_visible()
    screenshot(pl, "handover-en")
    _language(pl, "nb")
    expect(pl.get_by_test_id("acknowledged")).to_be_visible()
    pl.get_by_test_id("project-link").click()
    expect(pl).to_have_url(re.compile(r"/projects/\d+/$"))
    expect(pl.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(pl.locator("main")).to_contain_text("Flyttemelding")

    seller.close()
    delivery.close()
