"""Text extraction: every kind reads Norwegian text, and hostile files fail alone with a reason.

The hostile files are generated here (see hostile.py) and read in a child process, as the worker
does; after each, a good document is read to show the caller carries on.
"""

import io
import signal

import pytest

from samspill.workspace import extraction
from samspill.workspace.extraction import EXTRACTABLE, Extracted, Kind, Limits, extract, extract_in_child
from samspill.workspace.tests import hostile
from samspill.workspace.tests.hostile import NORWEGIAN

NBSP = "\u00a0"
# The limits the reasons below name, whatever the settings say.
DEFAULTS = Limits(seconds=30, memory_mb=512, max_pages=2000, max_chars=2_000_000, max_unzipped_mb=200)

GOOD = {
    Kind.PDF: lambda path: hostile.write_pdf(path / "tilbud.pdf", [NORWEGIAN, "Side to"]),
    Kind.DOCX: lambda path: hostile.write_docx(path / "tilbud.docx", [NORWEGIAN]),
    Kind.XLSX: lambda path: hostile.write_xlsx(path / "tilbud.xlsx", {"Avvik": [[NORWEGIAN, 12]]}),
    Kind.PPTX: lambda path: hostile.write_pptx(path / "tilbud.pptx", [("Tilbud", NORWEGIAN, "")]),
    Kind.TEXT: lambda path: hostile.write_text(path / "tilbud.txt", NORWEGIAN),
    Kind.MARKDOWN: lambda path: hostile.write_text(path / "tilbud.md", f"# Tilbud\n\n{NORWEGIAN}\n"),
    Kind.HTML: lambda path: hostile.write_html(path / "tilbud.html", "Tilbud", [NORWEGIAN]),
    Kind.EMAIL: lambda path: hostile.write_email(path / "tilbud.eml", "Tilbud", NORWEGIAN),
}


@pytest.fixture
def good_document(tmp_path):
    """A good DOCX, read after a hostile file to show that the caller carries on."""
    folder = tmp_path / "good"
    folder.mkdir()
    return GOOD[Kind.DOCX](folder)


def assert_still_reads(path):
    result = extract_in_child(path, Kind.DOCX)
    assert result.ok, result.reason
    assert NORWEGIAN in result.text


@pytest.mark.parametrize("kind", list(GOOD))
def test_every_kind_extracts_norwegian_text_in_a_child_process(tmp_path, kind):
    path = GOOD[kind](tmp_path)

    result = extract_in_child(path, kind)

    assert result.ok, result.reason
    assert NORWEGIAN in result.text
    assert result.reason == ""
    assert result == extract(path, kind)


def test_the_extractable_kinds_are_all_but_other():
    assert set(GOOD) == EXTRACTABLE


def test_a_pdf_says_how_many_pages_it_has(tmp_path):
    result = extract(GOOD[Kind.PDF](tmp_path), Kind.PDF)

    assert result.pages == 2
    assert "Side to" in result.text


def test_a_docx_gives_headings_paragraphs_tables_and_headers_in_order(tmp_path):
    path = hostile.write_docx(
        tmp_path / "avvik.docx",
        ["Første avsnitt", "Andre avsnitt"],
        heading="Avviksrapport",
        table=[["Avvik", "Tiltak"], ["Forsinket levering", NORWEGIAN]],
        header="Fjordlys Energi AS",
    )

    result = extract(path, Kind.DOCX)

    assert result.text.split("\n") == [
        "Avviksrapport",
        "Første avsnitt",
        "Andre avsnitt",
        "Avvik",
        "Tiltak",
        "Forsinket levering",
        NORWEGIAN,
        "Fjordlys Energi AS",
    ]
    assert result.pages is None


def test_an_xlsx_gives_every_sheet_and_its_filled_cells(tmp_path):
    path = hostile.write_xlsx(
        tmp_path / "budsjett.xlsx",
        {"Timer": [["Uke", "Timer"], [48, 37.5], [49, 40.0]], "Avvik": [[None, NORWEGIAN]]},
    )

    result = extract(path, Kind.XLSX)

    assert result.text.split("\n") == ["Timer", "Uke\tTimer", "48\t37.5", "49\t40", "Avvik", NORWEGIAN]


def test_a_pptx_gives_its_slides_and_speaker_notes_and_counts_its_slides(tmp_path):
    path = hostile.write_pptx(
        tmp_path / "status.pptx",
        [("Status uke 48", "Grønn", "Husk å nevne avviket"), ("Avvik", NORWEGIAN, "")],
    )

    result = extract(path, Kind.PPTX)

    assert result.text.split("\n") == ["Status uke 48", "Grønn", "Husk å nevne avviket", "Avvik", NORWEGIAN]
    assert result.pages == 2


def test_html_loses_its_tags_scripts_and_styles_but_keeps_its_words(tmp_path):
    path = hostile.write_html(tmp_path / "side.html", "Tilbud &amp; avtale", [NORWEGIAN, "Pris: 100&nbsp;kr"])

    text = extract(path, Kind.HTML).text

    assert "Tilbud & avtale" in text
    assert NORWEGIAN in text
    assert "Pris: 100 kr" in text
    assert "hemmelig" not in text
    assert "color" not in text
    assert "<" not in text


def test_html_in_cp1252_declared_by_its_meta_tag_keeps_norwegian_letters(tmp_path):
    markup = f'<html><head><meta charset="windows-1252"></head><body><p>{NORWEGIAN}</p></body></html>'
    path = hostile.write_text(tmp_path / "side.html", markup, encoding="cp1252")

    assert extract(path, Kind.HTML).text == NORWEGIAN


def test_an_email_gives_its_headers_body_and_text_attachments_and_names_the_others(tmp_path):
    path = hostile.write_email(
        tmp_path / "tilbud.eml",
        "Tilbud – æøå",
        "Hei Frode,\nse vedlagt.",
        html="<p>Hei Frode, <b>se vedlagt</b>.</p>",
        attachments=[
            ("notat.txt", "text/plain", NORWEGIAN.encode("utf-8")),
            ("gammelt.txt", "text/plain", NORWEGIAN.encode("cp1252")),
            ("tegning.png", "image/png", b"\x89PNG\r\n\x1a\n"),
        ],
    )

    lines = extract(path, Kind.EMAIL).text.split("\n")

    assert lines == [
        "Subject: Tilbud – æøå",
        "From: Selma Salg <selma@samspill.example>",
        "To: Frode Fag <frode@samspill.example>",
        "Date: Fri, 27 Nov 2026 09:30:00 +0100",
        "Hei Frode,",
        "se vedlagt.",
        "Attachment: notat.txt",
        NORWEGIAN,
        "Attachment: gammelt.txt",
        NORWEGIAN,
        "Attachment: tegning.png",
    ]


def test_an_email_with_only_html_gives_its_text_without_tags(tmp_path):
    from email.message import EmailMessage

    message = EmailMessage()
    message["Subject"] = "Kun HTML"
    message["From"] = "selma@samspill.example"
    message.set_content(f"<html><body><p>{NORWEGIAN}</p><script>x()</script></body></html>", subtype="html")
    path = tmp_path / "html.eml"
    path.write_bytes(message.as_bytes())

    assert extract(path, Kind.EMAIL).text.split("\n") == [
        "Subject: Kun HTML",
        "From: selma@samspill.example",
        NORWEGIAN,
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_plain_text_keeps_norwegian_letters_in_its_encoding(tmp_path, encoding):
    path = hostile.write_text(tmp_path / "notat.txt", f"{NORWEGIAN}\r\nLinje to\r\n", encoding=encoding)

    assert extract(path, Kind.TEXT).text == f"{NORWEGIAN}\nLinje to"


def test_control_characters_are_dropped_so_every_database_can_store_the_text(tmp_path):
    path = tmp_path / "notat.txt"
    path.write_bytes(b"Til\x00bud\x07 gjelder\x0cavvik")

    assert extract(path, Kind.TEXT).text == "Tilbud gjelder\navvik"


def test_decomposed_letters_are_composed_so_searches_find_them(tmp_path):
    path = hostile.write_text(tmp_path / "notat.txt", "a\u030angstrøm")  # a + combining ring above

    assert extract(path, Kind.TEXT).text == "ångstrøm"


def test_long_text_is_cut_at_max_chars_and_says_so(tmp_path):
    path = hostile.write_text(tmp_path / "lang.txt", (NORWEGIAN + "\n") * 1000)

    result = extract(path, Kind.TEXT, Limits(max_chars=100))

    assert result.ok
    assert len(result.text) == 100
    assert result.text.startswith(NORWEGIAN)
    assert result.reason == "The text was cut at 100 characters."


def test_slides_beyond_max_pages_are_left_out_and_it_says_so(tmp_path):
    path = hostile.write_pptx(
        tmp_path / "lang.pptx", [(f"Lysbilde {number}", NORWEGIAN, "") for number in range(5)]
    )

    result = extract(path, Kind.PPTX, Limits(max_pages=3))

    assert result.ok
    assert "Lysbilde 2" in result.text
    assert "Lysbilde 3" not in result.text
    assert result.pages == 5
    assert result.reason == "Only the first 3 slides were read."


def test_a_pdf_with_more_pages_than_it_claims_is_cut_at_max_pages(tmp_path):
    path = hostile.write_pdf(
        tmp_path / "lang.pdf", [f"Side {number}" for number in range(5)], claimed_pages=1
    )

    result = extract(path, Kind.PDF, Limits(max_pages=3))

    assert result.ok
    assert result.text.split("\n") == ["Side 0", "Side 1", "Side 2"]
    assert result.pages == 5
    assert result.reason == "Only the first 3 pages were read."


def encrypted_pdf(path, user_password):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(hostile.pdf_bytes([NORWEGIAN]))))
    writer.encrypt(user_password=user_password, owner_password="eier", algorithm="AES-128")
    with open(path, "wb") as file:
        writer.write(file)
    return path


def test_a_pdf_locked_with_a_password_fails_with_that_reason(tmp_path):
    result = extract_in_child(encrypted_pdf(tmp_path / "låst.pdf", "hemmelig"), Kind.PDF)

    assert result == Extracted(ok=False, text="", pages=None, reason="The PDF is protected by a password.")


def test_a_pdf_with_only_an_owner_password_is_read(tmp_path):
    result = extract(encrypted_pdf(tmp_path / "skrivebeskyttet.pdf", ""), Kind.PDF)

    assert result.ok
    assert NORWEGIAN in result.text


def test_a_pdf_without_text_succeeds_and_says_none_was_found(tmp_path):
    result = extract(hostile.write_pdf(tmp_path / "skannet.pdf", [""]), Kind.PDF)

    assert result == Extracted(
        ok=True, text="", pages=1, reason="No text was found in the PDF (is it a scanned image?)."
    )


def test_an_empty_file_succeeds_and_says_no_text_was_found(tmp_path):
    path = tmp_path / "tom.txt"
    path.write_bytes(b"")

    assert extract_in_child(path, Kind.TEXT) == Extracted(
        ok=True, text="", pages=None, reason="No text was found in the file."
    )


def test_other_files_are_not_read(tmp_path):
    path = tmp_path / "program.exe"
    path.write_bytes(hostile.program_bytes())

    result = extract_in_child(path, Kind.OTHER)

    assert result == Extracted(
        ok=False, text="", pages=None, reason="Text is not read from this kind of file."
    )


def test_a_missing_file_fails_with_a_reason_without_naming_the_server_path(tmp_path):
    result = extract_in_child(tmp_path / "borte.pdf", Kind.PDF)

    assert not result.ok
    assert result.reason == "The file could not be opened: No such file or directory."


@pytest.mark.parametrize("kind", ["unknown", "", "PDF"])
def test_a_kind_that_is_not_one_of_ours_is_not_read(tmp_path, kind):
    result = extract_in_child(GOOD[Kind.PDF](tmp_path), kind)

    assert result == Extracted(
        ok=False, text="", pages=None, reason="Text is not read from this kind of file."
    )


# --- Hostile files, each read in a child process -------------------------------------------------


def test_a_zip_bomb_inside_a_docx_fails_on_its_declared_size(tmp_path, good_document):
    path = hostile.zip_bomb_docx(tmp_path / "bombe.docx", megabytes=300)

    result = extract_in_child(path, Kind.DOCX, DEFAULTS)

    assert result == Extracted(
        ok=False, text="", pages=None, reason="The DOCX unpacks to more than 200 MB (a zip bomb?)."
    )
    assert_still_reads(good_document)


def test_a_small_zip_bomb_inside_a_docx_fails_on_its_compression_ratio(tmp_path, good_document):
    path = hostile.zip_bomb_docx(tmp_path / "bombe.docx", megabytes=20)

    result = extract_in_child(path, Kind.DOCX, DEFAULTS)

    assert not result.ok
    assert result.reason == (
        "The DOCX has a part that unpacks to more than 200 times its packed size (a zip bomb?)."
    )
    assert_still_reads(good_document)


def test_a_docx_that_lies_about_its_sizes_is_not_unpacked_beyond_them(tmp_path, good_document):
    path = hostile.docx_lying_about_sizes(tmp_path / "løgn.docx", megabytes=50)

    result = extract_in_child(path, Kind.DOCX, DEFAULTS)

    assert not result.ok
    assert result.reason == "The DOCX is damaged: Bad CRC-32 for file 'word/document.xml'."
    assert_still_reads(good_document)


def test_a_truncated_pdf_fails_as_damaged(tmp_path, good_document):
    result = extract_in_child(hostile.truncated_pdf(tmp_path / "kuttet.pdf"), Kind.PDF)

    assert not result.ok
    assert result.reason.startswith("The PDF is damaged: ")
    assert_still_reads(good_document)


def test_a_pdf_claiming_ten_million_pages_fails_without_walking_them(tmp_path, good_document):
    path = hostile.pdf_claiming_pages(tmp_path / "enorm.pdf", 10_000_000)

    result = extract_in_child(path, Kind.PDF, DEFAULTS)

    assert result == Extracted(
        ok=False,
        text="",
        pages=None,
        reason=f"The PDF claims 10{NBSP}000{NBSP}000 pages; at most 2{NBSP}000 are read.",
    )
    assert_still_reads(good_document)


def test_html_nested_fifty_megabytes_deep_fails_on_its_depth(tmp_path, good_document):
    result = extract_in_child(
        hostile.deeply_nested_html(tmp_path / "dyp.html", megabytes=50), Kind.HTML, DEFAULTS
    )

    assert result == Extracted(
        ok=False, text="", pages=None, reason=f"The HTML is nested more than 5{NBSP}000 levels deep."
    )
    assert_still_reads(good_document)


def test_html_with_a_fifty_megabyte_line_is_cut_at_max_chars(tmp_path, good_document):
    result = extract_in_child(
        hostile.long_line_html(tmp_path / "linje.html", megabytes=50), Kind.HTML, DEFAULTS
    )

    assert result.ok
    assert len(result.text) == 2_000_000
    assert result.text.startswith(NORWEGIAN)
    assert result.reason == f"The text was cut at 2{NBSP}000{NBSP}000 characters."
    assert_still_reads(good_document)


def test_html_over_the_size_limit_is_read_up_to_it(tmp_path):
    path = hostile.write_text(tmp_path / "stor.html", f"<p>{NORWEGIAN}</p>" + "<br>" * 600_000)

    result = extract_in_child(path, Kind.HTML, Limits(max_unzipped_mb=1))

    assert result.ok
    assert result.text == NORWEGIAN
    assert result.reason == "Only the first 1 MB of the file were read."


def test_a_file_that_takes_too_long_is_stopped_at_the_time_limit(tmp_path, good_document):
    path = hostile.many_tags_html(tmp_path / "treg.html", megabytes=30)  # about 15 s of parsing

    result = extract_in_child(path, Kind.HTML, Limits(seconds=1))

    assert result == Extracted(
        ok=False, text="", pages=None, reason="The file took longer than a second to read."
    )
    assert_still_reads(good_document)


def test_a_file_that_needs_more_memory_than_allowed_fails_with_that_reason(tmp_path, good_document):
    path = hostile.big_docx(tmp_path / "stor.docx", paragraphs=300_000)  # about 25 MB of XML

    result = extract_in_child(path, Kind.DOCX, Limits(memory_mb=150))

    assert result == Extracted(
        ok=False, text="", pages=None, reason="The file needs more than 150 MB of memory to read."
    )
    assert_still_reads(good_document)


def test_a_child_that_cannot_even_start_within_its_memory_fails_with_that_reason(tmp_path):
    result = extract_in_child(GOOD[Kind.TEXT](tmp_path), Kind.TEXT, Limits(memory_mb=10))

    assert result.reason == "The file needs more than 10 MB of memory to read."


def test_a_batch_of_hostile_files_does_not_stop_the_good_ones_among_them(tmp_path):
    goods = [(GOOD[kind](tmp_path), kind) for kind in GOOD]
    bads = [
        (hostile.zip_bomb_docx(tmp_path / "bombe.docx", megabytes=30), Kind.DOCX),
        (hostile.truncated_pdf(tmp_path / "kuttet.pdf"), Kind.PDF),
        (hostile.pdf_claiming_pages(tmp_path / "enorm.pdf", 10_000_000), Kind.PDF),
        (hostile.write_text(tmp_path / "ikke.xlsx", NORWEGIAN), Kind.XLSX),
        (hostile.write_text(tmp_path / "ikke.pptx", NORWEGIAN), Kind.PPTX),
    ]
    queue = [*bads[:3], *goods[:4], *bads[3:], *goods[4:]]

    results = [(path, extract_in_child(path, kind)) for path, kind in queue]

    good_paths = {path for path, _ in goods}
    read = [result.ok and NORWEGIAN in result.text for path, result in results if path in good_paths]
    refused = [not result.ok and bool(result.reason) for path, result in results if path not in good_paths]
    assert read == [True] * 8
    assert refused == [True] * 5


# --- How the caller learns what happened in the child ----------------------------------------------


@pytest.mark.parametrize(
    ("returncode", "output", "errors", "timed_out", "reason"),
    [
        (0, b"not json", "", False, "Reading the file stopped unexpectedly (no result)."),
        (-signal.SIGSEGV, b"", "", False, "Reading the file stopped unexpectedly (signal SIGSEGV)."),
        (1, b"", "Traceback…\nMemoryError\n", False, "The file needs more than 512 MB of memory to read."),
        (3, b"", "", False, "Reading the file stopped unexpectedly (exit code 3)."),
        (-signal.SIGKILL, b"", "", True, "The file took longer than 30 seconds to read."),
        (-signal.SIGXCPU, b"", "", False, "The file took longer than 30 seconds to read."),
    ],
)
def test_the_way_a_child_ends_becomes_a_reason(returncode, output, errors, timed_out, reason):
    outcome = extraction._outcome_of_child(returncode, output, errors, Limits(), timed_out=timed_out)

    assert outcome.extracted() == Extracted(ok=False, text="", pages=None, reason=reason)


def test_reasons_are_translated_in_the_calling_process(tmp_path, monkeypatch):
    import django.utils.translation

    norwegian = {"The file could not be opened: %(detail)s.": "Filen kunne ikke åpnes: %(detail)s."}
    monkeypatch.setattr(django.utils.translation, "gettext", lambda message: norwegian.get(message, message))

    result = extract_in_child(tmp_path / "borte.pdf", Kind.PDF)

    assert result.reason == "Filen kunne ikke åpnes: No such file or directory."


def test_the_limits_come_from_settings_with_defaults_for_the_rest(settings):
    for name in ("SECONDS", "MEMORY_MB", "MAX_PAGES", "MAX_CHARS", "MAX_UNZIPPED_MB"):
        if hasattr(settings, f"EXTRACTION_{name}"):
            delattr(settings, f"EXTRACTION_{name}")
    settings.EXTRACTION_SECONDS = 5
    settings.EXTRACTION_MAX_UNZIPPED_MB = 50

    assert Limits.from_settings() == Limits(
        seconds=5, memory_mb=512, max_pages=2000, max_chars=2_000_000, max_unzipped_mb=50
    )
