"""`pl` logs a week's hours in the timesheet with the keyboard and sees the totals, then checks a CSV
file of hours in a dry run and imports its good rows."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

# A week well before the other journeys' hours, so its days hold only what this test logs.
WEEKS_BACK = 3


def _week_code(monday: datetime.date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _monday(weeks_back: int) -> datetime.date:
    today = datetime.date.today()
    return today - datetime.timedelta(days=today.weekday() + 7 * weeks_back)


def _add_row(page: Page, package: str) -> None:
    page.get_by_test_id("add-package").select_option(label=package)
    page.get_by_test_id("add-row").click()


def test_pl_logs_a_week_and_sees_the_totals(
    page: Page, log_in: Callable[[Page, str], None], screenshot: Callable[[Page, str], Path]
) -> None:
    log_in(page, "pl")
    page.goto(f"/projects/time/?week={_week_code(_monday(WEEKS_BACK))}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(_monday(WEEKS_BACK).isocalendar()[1]))

    _add_row(page, "Analyse")
    _add_row(page, "Utvikling")
    rows = page.get_by_test_id("timesheet").locator("tbody#sheet-rows tr.sheet-row")
    expect(rows).to_have_count(2)
    analysis, development = rows.nth(0), rows.nth(1)
    monday = analysis.locator("input.hours").nth(0)
    monday.fill("7,5")
    monday.press("Tab")
    page.keyboard.type("7:30")  # Tuesday, as hours and minutes
    monday.press("ArrowDown")  # to Monday on the next row
    page.keyboard.type("4")
    development.locator("input.hours").nth(3).fill("6")
    development.get_by_role("checkbox").uncheck()  # not billable

    totals = page.get_by_test_id("timesheet").locator("tfoot")
    expect(totals.locator(".day-total").nth(0)).to_have_text("11,5\u00a0t")
    expect(page.get_by_test_id("sheet-total")).to_have_text("25\u00a0t")
    expect(analysis.locator(".row-total")).to_have_text("15\u00a0t")

    page.get_by_test_id("save-week").click()
    expect(page.get_by_test_id("messages")).to_contain_text(re.compile("4"))
    expect(page.get_by_test_id("week-total")).to_have_text("25\u00a0t")
    expect(page.get_by_test_id("sheet-total")).to_have_text("25\u00a0t")
    saved = page.get_by_test_id("timesheet").locator("tbody#sheet-rows tr.sheet-row")
    expect(saved).to_have_count(2)
    expect(saved.nth(1).get_by_role("checkbox")).not_to_be_checked()
    screenshot(page, "timesheet-week")

    # A nonsense cell saves nothing and says which cell is wrong.
    saved.nth(0).locator("input.hours").nth(2).fill("-3")
    page.get_by_test_id("save-week").click()
    expect(page.get_by_test_id("sheet-errors")).to_be_visible()
    expect(page.get_by_test_id("sheet-total")).to_contain_text("t")
    screenshot(page, "timesheet-errors")


def test_pl_checks_a_csv_file_in_a_dry_run_and_imports_the_good_rows(
    page: Page, log_in: Callable[[Page, str], None], screenshot: Callable[[Page, str], Path]
) -> None:
    log_in(page, "pl")
    page.goto("/projects/time/import/")
    expect(page.get_by_test_id("import-format")).to_contain_text("date;person;project;package;hours")
    monday = _monday(WEEKS_BACK + 1)
    rows = [
        "dato;person;prosjekt;arbeidspakke;timer;fakturerbar;notat",
        f"{monday:%d.%m.%Y};fag;Målerportal;Analyse;7,5;ja;Workshop med kunden",
        f"{monday + datetime.timedelta(days=1):%d.%m.%Y};fag@example.no;Målerportal;Utvikling;6;ja;",
        f"{monday + datetime.timedelta(days=2):%d.%m.%Y};pl;Målerportal;Drift;2;ja;",
        f"{monday + datetime.timedelta(days=3):%d.%m.%Y};fag;Målerportal;Analyse;-4;ja;",
    ]
    page.locator("input[type=file]").set_input_files(
        {
            "name": "timer.csv",
            "mimeType": "application/vnd.ms-excel",
            "buffer": "\r\n".join(rows).encode("cp1252"),
        }
    )
    page.get_by_test_id("dry-run").click()
    expect(page.get_by_test_id("accepted-count")).to_have_text("2")
    expect(page.get_by_test_id("rejected-count")).to_have_text("2")
    rejected = page.get_by_test_id("rejected-rows")
    expect(rejected).to_contain_text("Drift")
    expect(page.get_by_test_id("import-plan")).to_contain_text("Windows-1252")
    screenshot(page, "time-import-dry-run")

    page.get_by_test_id("skip-rejected").check()
    page.get_by_test_id("import-rows").click()
    expect(page.get_by_test_id("messages")).to_contain_text("13,5")


def test_pl_approves_a_week_and_reopens_it_with_a_reason(
    page: Page, log_in: Callable[[Page, str], None], screenshot: Callable[[Page, str], Path]
) -> None:
    log_in(page, "pl")
    monday = _monday(WEEKS_BACK + 3)
    page.goto(f"/projects/time/?week={_week_code(monday)}")
    _add_row(page, "Analyse")
    page.get_by_test_id("timesheet").locator("tbody#sheet-rows input.hours").nth(0).fill("6")
    page.get_by_test_id("save-week").click()
    expect(page.get_by_test_id("messages")).to_be_visible()

    page.goto("/")
    expect(page.get_by_test_id("start-weeks-to-approve")).to_contain_text("Målerportal")
    page.goto("/projects/approvals/")
    week = page.get_by_test_id("waiting-week").filter(has_text=f"{monday:%d.%m.%Y}").filter(has_text="Pia")
    expect(week).to_have_count(1)
    screenshot(page, "time-approvals")
    week.get_by_test_id("approve-week").click()
    expect(page.get_by_test_id("messages")).to_contain_text("Målerportal")
    approved = (
        page.get_by_test_id("approved-week").filter(has_text=f"{monday:%d.%m.%Y}").filter(has_text="Pia")
    )
    expect(approved).to_have_count(1)

    page.goto(f"/projects/time/?week={_week_code(monday)}")
    expect(page.get_by_test_id("locked-row")).to_have_count(1)

    page.goto("/projects/approvals/")
    approved.locator("summary").click()
    approved.locator("textarea").fill("Timene hørte til Utvikling")
    approved.get_by_test_id("reopen-week").click()
    expect(page.get_by_test_id("messages")).to_contain_text("Målerportal")
    page.goto(f"/projects/time/?week={_week_code(monday)}")
    expect(page.get_by_test_id("locked-row")).to_have_count(0)
