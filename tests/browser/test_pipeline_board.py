"""A seller works the pipeline board: totals per stage, drag a card, move one with the keyboard, filter."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

PREFIX = "Tavle"
GATE_MESSAGE = re.compile("review|fagvurdering", re.IGNORECASE)


def _api(page: Page, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call the API as the logged-in person (session cookie and CSRF header, as the pages' scripts do)."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.fetch(
        path, method=method, data=body, headers={"X-CSRFToken": token, "Content-Type": "application/json"}
    )
    assert response.ok, f"{method} {path}: {response.status} {response.text()}"
    return response.json()


def _create(page: Page, customer_id: int, title: str, value: int, **fields: Any) -> dict[str, Any]:
    return _api(
        page,
        "POST",
        "/api/v1/opportunities",
        {"customer_id": customer_id, "title": f"{PREFIX} {title}", "value": str(value), **fields},
    )


def _seed(page: Page) -> None:
    """Opportunities of the seed's customers, in the stages a seller can reach without a review."""
    customers = {c["name"]: c["id"] for c in _api(page, "GET", "/api/v1/customers?limit=50")["items"]}
    bergen, havbruk = customers["Bergen Vann KF"], customers["Havbruk Nord AS"]
    _create(
        page, bergen, "Kundeportal 2.0", 2_400_000, expected_start="2026-09-01", project_type="development"
    )
    _create(page, havbruk, "Målerdata i sanntid", 800_000, offer_due="2020-01-15", project_type="data")
    for title, value, stage, customer in [
        ("Integrasjon mot SAP", 1_250_000, "qualified", bergen),
        ("Dataplattform fase 2", 3_900_000, "solution", havbruk),
        ("Skymigrering", 1_650_000, "review", bergen),
    ]:
        created = _create(page, customer, title, value)
        _api(page, "POST", f"/api/v1/opportunities/{created['id']}/move", {"stage": stage, "version": 1})
    lost = _create(page, havbruk, "Ruteplanlegging", 600_000)
    _api(
        page,
        "POST",
        f"/api/v1/opportunities/{lost['id']}/lose",
        {"reason": "price", "note": "Billigere tilbud", "version": 1},
    )


def _card(page: Page, title: str) -> Locator:
    return page.get_by_test_id("card").filter(
        has=page.get_by_role("link", name=f"{PREFIX} {title}", exact=True)
    )


def _drag(page: Page, card: Locator, stage: str) -> None:
    """Drag with the mouse, as a person does; SortableJS runs with forceFallback, so mouse events suffice."""
    source = card.locator(".opp-figures").bounding_box()
    target = page.locator(f"#cards-{stage}").bounding_box()
    assert source and target
    x, y = source["x"] + source["width"] / 2, source["y"] + source["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 12, y + 12, steps=4)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + min(target["height"] - 8, 30), steps=20)
    page.mouse.up()


def test_a_seller_moves_cards_on_the_board_and_sees_the_totals_follow(
    page: Page, log_in: Callable[[Page, str], None], screenshot: Callable[..., Path]
) -> None:
    log_in(page, "selger")
    _seed(page)

    page.goto(f"/pipeline/?q={PREFIX}")
    expect(page.get_by_test_id("column-head-lead").get_by_test_id("column-total")).to_have_text(
        "kr\u00a03\u00a0200\u00a0000"
    )
    expect(page.get_by_test_id("column-head-lost")).to_contain_text("90")
    expect(page.locator("#cards-lost")).to_contain_text(f"{PREFIX} Ruteplanlegging")
    expect(_card(page, "Målerdata i sanntid").get_by_test_id("overdue")).to_be_visible()

    # Drag the portal from lead to qualified: the card lands, the totals follow, the move is saved.
    portal = _card(page, "Kundeportal 2.0")
    with page.expect_response(lambda r: "/move/" in r.url and r.request.method == "POST") as answer:
        _drag(page, portal, "qualified")
    assert answer.value.ok
    expect(
        page.locator("#cards-qualified").get_by_role("link", name=f"{PREFIX} Kundeportal 2.0")
    ).to_be_visible()
    expect(page.get_by_test_id("column-head-lead").get_by_test_id("column-total")).to_have_text(
        "kr\u00a0800\u00a0000"
    )
    expect(page.get_by_test_id("column-head-qualified").get_by_test_id("column-total")).to_have_text(
        "kr\u00a03\u00a0650\u00a0000"
    )
    page.reload()
    expect(
        page.locator("#cards-qualified").get_by_role("link", name=f"{PREFIX} Kundeportal 2.0")
    ).to_be_visible()

    # The same without a mouse: the card's "Move to…" menu, with the keyboard.
    meter = _card(page, "Målerdata i sanntid")
    meter.get_by_test_id("move-to").focus()
    page.keyboard.press("Enter")
    option = meter.locator("[data-move-menu] [data-stage=solution]")
    expect(option).to_be_visible()
    option.focus()
    page.keyboard.press("Enter")
    expect(
        page.locator("#cards-solution").get_by_role("link", name=f"{PREFIX} Målerdata i sanntid")
    ).to_be_visible()
    expect(page.get_by_test_id("column-head-lead").get_by_test_id("column-count")).to_have_text("0")
    expect(page.locator("#board-status")).to_contain_text(f"{PREFIX} Målerdata i sanntid")

    # The gate: an offer without a finished review is refused, the card springs back and a message says why.
    with page.expect_response(lambda r: "/move/" in r.url and r.request.method == "POST") as refused:
        _drag(page, _card(page, "Målerdata i sanntid"), "offer_sent")
    assert refused.value.status == 409
    expect(page.get_by_test_id("board-toast")).to_be_visible()
    expect(page.get_by_test_id("board-toast")).to_contain_text(GATE_MESSAGE)
    expect(
        page.locator("#cards-solution").get_by_role("link", name=f"{PREFIX} Målerdata i sanntid")
    ).to_be_visible()
    expect(
        page.locator("#cards-offer_sent").get_by_role("link", name=f"{PREFIX} Målerdata i sanntid")
    ).to_have_count(0)

    # Filters live in the URL.
    filters = page.get_by_test_id("board-filters")
    filters.locator("[name=q]").fill(f"{PREFIX} Kundeportal")
    filters.locator("[name=project_type]").select_option("development")
    filters.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"q=Tavle\+Kundeportal.*project_type=development"))
    expect(page.get_by_test_id("card")).to_have_count(1)
    expect(page.get_by_test_id("open-total")).to_have_text("kr\u00a02\u00a0400\u00a0000")

    page.goto("/pipeline/")
    expect(page.get_by_test_id("board-months")).to_be_visible()
    page.get_by_role("heading", level=1).hover()
    screenshot(page, "pipeline-board")


def test_the_list_shows_the_same_opportunities_and_exports_them(
    page: Page, log_in: Callable[[Page, str], None], screenshot: Callable[..., Path]
) -> None:
    log_in(page, "selger")
    page.goto(f"/pipeline/list/?q={PREFIX}&stage=all")
    rows = page.get_by_test_id("opportunity-table").locator("tbody tr")
    expect(rows.first).to_be_visible()
    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    content = Path(download.value.path()).read_bytes().decode("utf-8")
    assert content.startswith("\ufeff")
    assert f"{PREFIX} Kundeportal 2.0" in content
    assert ";" in content.splitlines()[0]
    screenshot(page, "pipeline-list")


def test_a_seller_filters_the_board_by_a_customer_whose_options_load_on_demand(
    page: Page, log_in: Callable[[Page, str], None]
) -> None:
    log_in(page, "selger")
    page.goto("/pipeline/")
    customers = page.get_by_test_id("board-filters").locator("[name=customer]")
    expect(customers.locator("option")).to_have_count(1)  # only "all customers" until asked for
    with page.expect_response(lambda r: "/pipeline/filters/customers/" in r.url):
        page.get_by_test_id("board-filters").hover()
    expect(customers.locator("option", has_text="Bergen Vann KF")).to_have_count(1)
    customers.select_option(label="Bergen Vann KF")
    page.get_by_test_id("board-filters").locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"customer=\d+"))
    expect(customers).to_have_value(re.compile(r"\d+"))
    expect(customers.locator("option:checked")).to_have_text("Bergen Vann KF")
    for card in page.get_by_test_id("card").all():
        expect(card.locator(".opp-customer")).to_have_text("Bergen Vann KF")
