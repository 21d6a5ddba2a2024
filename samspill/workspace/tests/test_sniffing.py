import io
import struct
import zipfile

import pytest

from samspill.workspace.sniffing import HEAD_BYTES, MIME_TYPES, Kind, sniff, sniff_file
from samspill.workspace.tests import hostile
from samspill.workspace.tests.hostile import NORWEGIAN


def head_of(path):
    return path.read_bytes()[:HEAD_BYTES]


def test_a_pdf_named_docx_is_a_pdf(tmp_path):
    path = hostile.write_pdf(tmp_path / "tilbud.docx", [NORWEGIAN])

    assert sniff(head_of(path), path.name) == (Kind.PDF, "application/pdf")
    assert sniff_file(path) == (Kind.PDF, "application/pdf")


def test_a_program_renamed_pdf_is_other(tmp_path):
    path = tmp_path / "tilbud.pdf"
    path.write_bytes(hostile.program_bytes())

    kind, mime = sniff_file(path)

    assert kind == Kind.OTHER
    assert mime != "application/pdf"


@pytest.mark.parametrize(
    ("write", "kind"),
    [
        (lambda path: hostile.write_docx(path, [NORWEGIAN]), Kind.DOCX),
        (lambda path: hostile.write_xlsx(path, {"Ark": [[NORWEGIAN]]}), Kind.XLSX),
        (lambda path: hostile.write_pptx(path, [("Tittel", NORWEGIAN, "")]), Kind.PPTX),
    ],
)
def test_office_documents_are_told_apart_by_their_members_whatever_their_name(tmp_path, write, kind):
    path = write(tmp_path / "dokument.pdf")

    assert sniff(head_of(path), "dokument.pdf") == (kind, MIME_TYPES[kind])
    assert sniff_file(path) == (kind, MIME_TYPES[kind])


def office_zip_with_a_long_first_member():
    """A DOCX whose first member fills the head, so only the central directory shows word/."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", "<Types>" + " " * (2 * HEAD_BYTES) + "</Types>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_an_office_document_whose_head_shows_too_little_is_told_by_its_central_directory(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(office_zip_with_a_long_first_member())

    assert sniff(head_of(path)) == (Kind.OTHER, "application/zip")
    assert sniff_file(path) == (Kind.DOCX, MIME_TYPES[Kind.DOCX])


def test_a_zip64_central_directory_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 1)  # makes zipfile write the ZIP64 end records
    data = bytearray(office_zip_with_a_long_first_member())
    end = data.rfind(b"PK\x05\x06")
    assert data.rfind(b"PK\x06\x07") == end - 20
    struct.pack_into("<HHII", data, end + 8, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)  # as large archives do
    path = tmp_path / "upload"
    path.write_bytes(bytes(data))

    assert sniff_file(path) == (Kind.DOCX, MIME_TYPES[Kind.DOCX])


def test_a_zip_that_is_no_office_document_is_other(tmp_path):
    path = tmp_path / "arkiv.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/notat.txt", NORWEGIAN)  # a folder named word, but no [Content_Types].xml

    assert sniff_file(path) == (Kind.OTHER, "application/zip")


def test_a_zip_without_an_end_record_is_other(tmp_path):
    path = tmp_path / "kuttet.docx"
    path.write_bytes(office_zip_with_a_long_first_member()[: HEAD_BYTES + 100])

    assert sniff_file(path) == (Kind.OTHER, "application/zip")


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        (f"{NORWEGIAN}\n", "notat.md", Kind.MARKDOWN),
        (f"{NORWEGIAN}\n", "notat.txt", Kind.TEXT),
        (f"{NORWEGIAN}\n", "notat.html", Kind.HTML),
        (f"{NORWEGIAN}\n", "notat", Kind.TEXT),
        (f"# {NORWEGIAN}\n\nMer tekst.\n", "notat.txt", Kind.TEXT),
        (f"# {NORWEGIAN}\n\nMer tekst.\n", "", Kind.MARKDOWN),
        (f"Avsnitt med [lenke](https://example.no) og **uthevet** {NORWEGIAN}.\n", "", Kind.MARKDOWN),
        (f"<p>{NORWEGIAN}</p>\n<div>mer</div>\n", "", Kind.HTML),
        (f"X-Mozilla-Status: 0001\n\n{NORWEGIAN}\n", "melding.eml", Kind.EMAIL),
        (f"Subject: {NORWEGIAN}\nDate: i dag\n\nEt notat.\n", "", Kind.TEXT),
    ],
)
def test_the_file_name_breaks_ties_between_text_kinds(content, filename, expected):
    kind, mime = sniff(content.encode(), filename)

    assert kind == expected
    assert mime == MIME_TYPES[expected]


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        (f"<!DOCTYPE html>\n<html><body>{NORWEGIAN}</body></html>", "notat.txt", Kind.HTML),
        (f"<!-- lagret side -->\n<html lang='nb'><p>{NORWEGIAN}</p></html>", "notat.md", Kind.HTML),
        (f"<?xml version='1.0'?>\n<!DOCTYPE html><html><p>{NORWEGIAN}</p></html>", "", Kind.HTML),
        (hostile.email_bytes("Tilbud", NORWEGIAN).decode(), "notat.md", Kind.EMAIL),
        (
            f"From - Fri Nov 27 09:30:00 2026\nFrom: a@b.no\nReceived: x\n\n{NORWEGIAN}",
            "notat.txt",
            Kind.EMAIL,
        ),
    ],
)
def test_html_and_email_are_known_by_their_content_whatever_the_name(content, filename, expected):
    assert sniff(content.encode(), filename)[0] == expected


def test_norwegian_text_in_cp1252_is_text():
    assert sniff(NORWEGIAN.encode("cp1252"), "notat.txt") == (Kind.TEXT, "text/plain")


def test_utf16_text_with_a_byte_order_mark_is_text():
    assert sniff(NORWEGIAN.encode("utf-16"), "notat.txt")[0] == Kind.TEXT


def test_a_csv_file_is_text_with_the_csv_type():
    assert sniff(b"kunde;verdi\nFjordlys;100\n", "tall.csv") == (Kind.TEXT, "text/csv")


@pytest.mark.parametrize(
    ("content", "mime"),
    [
        (b"{\\rtf1\\ansi " + NORWEGIAN.encode("cp1252") + b"}", "application/rtf"),
        (b"%!PS-Adobe-3.0\n", "application/postscript"),
        (b"<?xml version='1.0'?>\n<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
        (b"<?xml version='1.0'?>\n<faktura/>", "application/xml"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "image/png"),
        (bytes(range(256)) * 4, "application/octet-stream"),
    ],
)
def test_files_that_are_not_documents_are_other_with_their_type(content, mime):
    assert sniff(content, "dokument.txt") == (Kind.OTHER, mime)


def test_a_pdf_header_after_leading_junk_on_its_own_line_is_a_pdf():
    assert sniff(b"junk from a mail gateway\r\n%PDF-1.7\n")[0] == Kind.PDF
    assert sniff(b"Notes about the %PDF-1.7 header\n")[0] == Kind.TEXT


def test_an_empty_file_is_text():
    assert sniff(b"", "tom.txt") == (Kind.TEXT, "text/plain")


@pytest.mark.parametrize("head", [b"<!-- -->" * 1024, b"<!--" * 2048, b"[a](" * 2048])
def test_a_hostile_head_is_sniffed_without_backtracking_for_ever(head):
    assert sniff(head)[0] == Kind.TEXT
