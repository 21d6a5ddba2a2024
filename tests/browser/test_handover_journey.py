"""From won offer to running project: the seller wins an offer; the project manager opens the handover,
sees the expectations and what is missing, sends a question back; the seller answers; the project manager
acknowledges, and the project starts from the sold baseline. The project manager then books hours past a
work package's budget, and the deviation reaches the seller's "My customers' projects" at once."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect
from test_documents import DROP, READ_TIMEOUT  # the upload helpers of the documents test

LogIn = Callable[[Page, str], None]
Screenshot = Callable[..., Path]

TITLE = (
    "Selvbetjening for abonnenter"  # seeded in negotiation by seed.py, with pl as project manager candidate
)
QUESTION = "Hvem hos kunden godkjenner flyttemeldingen før lansering?"
PACKAGE = "Innlogging og profil"  # sold at (60 + 4 × 80 + 130) / 6 = 85 hours
# Nine hours a day, Monday to Friday, in each of the last two weeks: 45 hours stay within the budget,
# 90 pass it. The timesheet test keeps to older weeks, so these days hold only this journey's hours.
DAY_HOURS = 9
WEEKS_BACK = (2, 1)
SKETCH = "Løsningsskisse selvbetjening"  # dropped on the opportunity before it is won
SKETCH_WORD = "abonnentportalen"  # only in the sketch's text, not in its title
SKETCH_TEXT = f"{SKETCH}\n\nFlyttemelding og innlogging i {SKETCH_WORD} med BankID.\n".encode()


def _open_opportunity(page: Page) -> None:
    page.goto(f"/pipeline/list/?q={TITLE}&stage=all")
    page.get_by_test_id("opportunity-table").get_by_role("link", name=TITLE).click()


def _drop_sketch(page: Page) -> None:
    """Drop the solution sketch on the opportunity's workspace and wait until its text is read."""
    _open_opportunity(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    panel = page.get_by_test_id("workspace-documents")
    expect(panel.get_by_test_id("dropzone")).to_be_visible()
    # The drop is handled by a deferred script: drop only once the page has run its scripts.
    page.wait_for_function("document.readyState === 'complete'")
    page.evaluate(DROP, ["[data-testid=dropzone]", [[f"{SKETCH}.txt", "text/plain", list(SKETCH_TEXT)]]])
    row = panel.get_by_test_id("document-row").filter(has_text=SKETCH)
    expect(row).to_have_count(1, timeout=READ_TIMEOUT)
    expect(row.get_by_test_id("extraction-state")).to_have_attribute(
        "data-state", "extracted", timeout=READ_TIMEOUT
    )


def _win(page: Page) -> None:
    _open_opportunity(page)
    page.get_by_test_id("stage-card").get_by_test_id("win").click()
    page.get_by_test_id("win-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("stage")).to_have_class(re.compile("stage-won"))


def _language(page: Page, code: str) -> None:
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("language-form").locator(f"button[value={code}]").click()


def _missing_checklist(page: Page) -> Any:
    return page.get_by_test_id("missing-item").and_(page.locator("[data-key^='checklist:']"))


def _week_code(weeks_back: int) -> str:
    today = datetime.date.today()
    year, week, _day = (today - datetime.timedelta(days=today.weekday() + 7 * weeks_back)).isocalendar()
    return f"{year}-W{week:02d}"


def _sold_hours(page: Page, package: str) -> str:
    """The expected hours of a package on the opportunity's estimate, as the estimate page shows them."""
    row = page.get_by_test_id("package-row").filter(
        has=page.get_by_test_id("package-name").get_by_text(package, exact=True)
    )
    return row.locator("td.num.fw-semibold").inner_text().strip()


def _project_package(page: Page, package: str) -> Any:
    return page.get_by_test_id("package").filter(has=page.get_by_role("rowheader", name=re.compile(package)))


def _log_week(page: Page, weeks_back: int, project: str, package: str, hours: int) -> None:
    """Log `hours` on each weekday of a past week on `project`'s `package` through the timesheet."""
    page.goto(f"/projects/time/?week={_week_code(weeks_back)}")
    choice = (
        page.get_by_test_id("add-package")
        .locator(f"optgroup[data-project='{project}'] option")
        .filter(has_text=re.compile(f"^{re.escape(package)}"))
    )
    page.get_by_test_id("add-package").select_option(value=choice.get_attribute("value"))
    page.get_by_test_id("add-row").click()
    row = page.get_by_test_id("sheet-row").filter(has_text=project).filter(has_text=package)
    expect(row).to_have_count(1)
    for day in range(5):
        row.locator("input.hours").nth(day).fill(str(hours))
    page.get_by_test_id("save-week").click()
    expect(page.get_by_test_id("messages")).to_be_visible()
    saved = page.get_by_test_id("sheet-row").filter(has_text=project).filter(has_text=package)
    expect(saved.locator(".row-total")).to_have_text(f"{5 * hours}\u00a0t")


def _portfolio_row(page: Page, project: str) -> Any:
    return page.get_by_test_id("portfolio-row").filter(has=page.get_by_role("link", name=project, exact=True))


def test_a_won_offer_is_handed_over_and_its_overrun_reaches_the_seller(
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

    # Before the win, the seller drops the solution sketch on the opportunity.
    _drop_sketch(selger)

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
    project_url = pl.url
    expect(pl.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(pl.locator("main")).to_contain_text("Flyttemelding")

    # The documents of the sale are on the project page, and search finds the sketch by a word of its text.
    sale = pl.get_by_test_id("sale-documents")
    expect(sale.get_by_test_id("sale-document")).to_have_count(1)
    expect(sale.get_by_role("link", name=SKETCH, exact=True)).to_have_attribute("href", re.compile(r"/\d+/$"))
    sale.scroll_into_view_if_needed()
    screenshot(pl, "project-sale-documents")
    search = pl.get_by_test_id("navbar-search").get_by_role("searchbox")
    search.fill(SKETCH_WORD)
    search.press("Enter")
    expect(pl.get_by_test_id("search-hits").get_by_role("link", name=SKETCH)).to_be_visible()
    pl.get_by_test_id("search-hits").get_by_role("link", name=SKETCH).click()
    expect(pl.get_by_test_id("document-title")).to_contain_text(SKETCH)
    pl.goto(project_url)

    # The project starts from the sold baseline: each package's budget is the sold estimate's hours.
    selger.goto(f"/pipeline/list/?q={TITLE}&stage=all")
    selger.get_by_test_id("opportunity-table").get_by_role("link", name=TITLE).click()
    selger.get_by_test_id("open-estimate").click()
    sold = {name: _sold_hours(selger, name) for name in (PACKAGE, "Flyttemelding")}
    assert sold[PACKAGE] == "85\u00a0t"
    total = selger.get_by_test_id("total-expected").inner_text().strip()
    for name, hours in sold.items():  # the package table says "in hours" once, above its numbers
        expect(_project_package(pl, name).locator("td").first).to_have_text(hours.removesuffix("\u00a0t"))
    expect(pl.get_by_test_id("sold-hours")).to_have_text(total)
    expect(pl.get_by_test_id("deviation-count")).to_have_text("0")
    screenshot(pl, "project-sold-baseline")

    # The seller's portfolio has the new project, with nothing wrong yet; the menu leads there.
    selger.get_by_test_id("nav-menu-delivery-projects").click()
    selger.get_by_test_id("nav-delivery-my-customers").click()
    expect(selger.get_by_role("heading", level=1)).to_be_visible()
    expect(selger.get_by_test_id("nav-menu-delivery-projects")).to_have_class(re.compile("active"))
    expect(_portfolio_row(selger, TITLE)).to_have_count(1)
    expect(_portfolio_row(selger, TITLE).get_by_test_id("open-deviations")).to_have_count(0)

    # The project manager books a week within the package's budget: still no deviation.
    _log_week(pl, WEEKS_BACK[0], TITLE, PACKAGE, DAY_HOURS)
    screenshot(pl, "journey-timesheet-within-budget")
    selger.reload()
    expect(_portfolio_row(selger, TITLE).get_by_test_id("open-deviations")).to_have_count(0)

    # A second week passes the budget: 90 hours booked against 85 sold.
    _log_week(pl, WEEKS_BACK[1], TITLE, PACKAGE, DAY_HOURS)
    screenshot(pl, "journey-timesheet-past-budget")

    # The seller sees the deviation on "My customers' projects" at once, with the numbers behind it.
    selger.reload()
    row = _portfolio_row(selger, TITLE)
    expect(row.get_by_test_id("open-deviations")).to_be_visible()
    expect(row).to_contain_text(PACKAGE)
    expect(row).to_contain_text(re.compile(r"90\s+t"))  # words re-joined with plain spaces
    screenshot(selger, "journey-portfolio-deviation")

    # The project page names it too, for the project manager and for the seller.
    pl.goto(project_url)
    booked = 2 * 5 * DAY_HOURS
    package = _project_package(pl, PACKAGE)
    expect(package.locator("td").nth(1)).to_have_text(str(booked))  # sold, then booked
    deviation = pl.get_by_test_id("deviations").get_by_test_id("deviation").filter(has_text=PACKAGE)
    expect(deviation).to_have_count(1)
    expect(deviation).to_contain_text(f"{booked}\u00a0t")
    expect(deviation).to_contain_text(sold[PACKAGE])
    expect(pl.get_by_test_id("deviation-count")).to_have_text("1")
    screenshot(pl, "journey-project-deviation")
    row.get_by_role("link", name=TITLE, exact=True).click()
    expect(selger).to_have_url(project_url)
    expect(
        selger.get_by_test_id("deviations").get_by_test_id("deviation").filter(has_text=PACKAGE)
    ).to_have_count(1)
    screenshot(selger, "journey-project-seller")

    seller.close()
    delivery.close()
