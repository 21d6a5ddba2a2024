"""The seller drops three files on an opportunity's workspace, watches them upload and their text being
read, uploads a new version of one of them, and finds it by a word from its text in the search box."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from docx import Document as DocxDocument
from playwright.sync_api import Page, expect

OPPORTUNITY = "Lekkasjevarsling i ledningsnettet"  # seeded with an empty workspace by seed.py
READ_TIMEOUT = 45_000  # the worker reads each text in a child process; allow for a busy machine

SPECIFICATION = (
    "Kravspesifikasjon kundeportal\n\nLøsningen skal støtte innlogging med BankID og varsling på SMS.\n"
).encode()
MINUTES = b"# Referat oppstartsm\xc3\xb8te\n\n- Sak 1: Fremdriftsplan\n- Sak 2: Testressurser hos kunden\n"


def _offer_docx(text: str) -> bytes:
    docx = DocxDocument()
    docx.add_heading("Tilbud Bergen Vann", level=1)
    docx.add_paragraph(text)
    out = io.BytesIO()
    docx.save(out)
    return out.getvalue()


FILES = [
    ("Kravspesifikasjon kundeportal.txt", "text/plain", SPECIFICATION),
    ("Referat oppstartsmøte.md", "text/markdown", MINUTES),
    (
        "Tilbud Bergen Vann.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _offer_docx("Vi tilbyr en trinnvis leveranse av kundeportalen."),
    ),
]

# Remember every text state the page shows, so the test sees "queued" even if the worker is quick.
WATCH_STATES = """
() => {
  window.seenStates = new Set();
  const note = () => document.querySelectorAll('[data-testid=extraction-state]')
    .forEach((badge) => window.seenStates.add(badge.dataset.state));
  new MutationObserver(note).observe(document.body, {subtree: true, childList: true, attributes: true});
  note();
}
"""

DROP = """
([selector, files]) => {
  const transfer = new DataTransfer();
  for (const [name, type, bytes] of files) {
    transfer.items.add(new File([new Uint8Array(bytes)], name, {type}));
  }
  const zone = document.querySelector(selector);
  for (const kind of ['dragenter', 'dragover', 'drop']) {
    zone.dispatchEvent(new DragEvent(kind, {dataTransfer: transfer, bubbles: true, cancelable: true}));
  }
}
"""


def test_a_seller_drops_three_files_watches_them_being_read_and_uploads_a_new_version(
    page: Page,
    log_in: Callable[[Page, str], None],
    screenshot: Callable[[Page, str], Path],
) -> None:
    log_in(page, "selger")
    page.goto(f"/pipeline/list/?q={OPPORTUNITY}&stage=all")
    page.get_by_test_id("opportunity-table").get_by_role("link", name=OPPORTUNITY).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(OPPORTUNITY)
    panel = page.get_by_test_id("workspace-documents")
    expect(panel).to_be_visible()
    expect(panel.get_by_test_id("documents-empty")).to_be_visible()
    page.wait_for_function("document.readyState === 'complete'")  # the drop is handled by a deferred script

    page.evaluate(WATCH_STATES)
    page.evaluate(DROP, ["[data-testid=dropzone]", [[name, kind, list(data)] for name, kind, data in FILES]])

    uploads = panel.get_by_test_id("upload-list").locator("li")
    expect(uploads).to_have_count(3)
    for n, (name, _kind, _data) in enumerate(FILES):
        expect(uploads.nth(n)).to_contain_text(name)
        expect(uploads.nth(n)).to_have_attribute("data-state", "done")
        expect(uploads.nth(n).get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")

    rows = panel.get_by_test_id("document-row")
    expect(rows).to_have_count(3)
    expect(panel.get_by_test_id("document-count")).to_have_text("3")
    states = panel.get_by_test_id("extraction-state")
    for n in range(3):
        expect(states.nth(n)).to_have_attribute("data-state", "extracted", timeout=READ_TIMEOUT)
    seen: Any = page.evaluate("() => Array.from(window.seenStates)")
    assert "queued" in seen and "extracted" in seen
    expect(rows.filter(has_text="Tilbud Bergen Vann")).to_have_attribute("data-kind", "offer")
    screenshot(page, "documents-dropped")

    rows.filter(has_text="Tilbud Bergen Vann").get_by_role(
        "link", name="Tilbud Bergen Vann", exact=True
    ).click()
    expect(page.get_by_test_id("document-title")).to_contain_text("Tilbud Bergen Vann")
    expect(page.get_by_test_id("version-row")).to_have_count(1)
    page.get_by_test_id("new-version-input").set_input_files(
        {
            "name": "Tilbud Bergen Vann v2.docx",
            "mimeType": FILES[2][1],
            "buffer": _offer_docx("Revidert tilbud etter avklaringsmøtet: fast pris for fase 1."),
        }
    )
    # The page reloads once the upload is done.
    expect(page.get_by_test_id("version-row")).to_have_count(2, timeout=READ_TIMEOUT)
    newest = page.get_by_test_id("version-row").first
    expect(newest).to_contain_text("v2")
    expect(newest).to_contain_text("Tilbud Bergen Vann v2.docx")
    expect(newest.get_by_test_id("extraction-state")).to_have_attribute(
        "data-state", "extracted", timeout=READ_TIMEOUT
    )
    expect(page.get_by_test_id("document-text")).to_contain_text("fast pris for fase 1")
    expect(page.get_by_test_id("download-current")).to_have_text(re.compile(r"v2"))
    screenshot(page, "document-new-version")

    # A word only the new version's text holds ("avklaringsmøtet"), inflected differently.
    navbar = page.get_by_test_id("navbar-search")
    navbar.get_by_role("searchbox").fill("avklaringsmøte")
    navbar.get_by_role("searchbox").press("Enter")
    hits = page.get_by_test_id("search-hits")
    expect(hits).to_contain_text("Tilbud Bergen Vann")
    expect(hits).to_contain_text("etter avklaringsmøtet")  # the snippet from the new version's text
    screenshot(page, "document-found")
    hits.get_by_role("link", name="Tilbud Bergen Vann").first.click()
    expect(page.get_by_test_id("document-title")).to_contain_text("Tilbud Bergen Vann")
