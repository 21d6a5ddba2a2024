"""Documents for the extraction tests and benchmark, written on the spot: good ones of every kind,
and hostile ones (zip bombs, broken and lying PDFs, pathological HTML). Nothing binary is committed.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
from email.message import EmailMessage
from pathlib import Path

NORWEGIAN = "Tilbudet gjelder avvik i leveransen – æøå"

MB = 1024 * 1024

_WORDS = [
    "tilbud",
    "leveranse",
    "avvik",
    "prosjekt",
    "kunde",
    "avtale",
    "endring",
    "risiko",
    "milepæl",
    "budsjett",
    "timer",
    "estimat",
    "overlevering",
    "kontrakt",
    "rammeavtale",
    "fakturering",
    "fremdrift",
    "ressurs",
    "kompetanse",
    "møte",
    "referat",
    "beslutning",
    "ansvar",
    "kvalitet",
    "test",
    "produksjon",
    "drift",
    "sikkerhet",
    "løsning",
    "integrasjon",
    "data",
    "rapport",
    "forventning",
    "gjennomføring",
    "oppfølging",
    "plan",
    "uke",
    "måned",
    "kostnad",
    "pris",
    "gevinst",
    "bærekraft",
    "energi",
    "fjordlys",
    "kraftverk",
    "nettselskap",
    "måler",
    "kapasitet",
    "vedlikehold",
    "behov",
    "krav",
    "spesifikasjon",
]


def words(count: int, seed: int = 1) -> str:
    """`count` Norwegian-looking words in sentences, the same for the same seed."""
    rng = random.Random(seed)
    sentences = []
    left = count
    while left > 0:
        length = min(left, rng.randint(6, 16))
        sentence = " ".join(rng.choice(_WORDS) for _ in range(length))
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
        left -= length
    return " ".join(sentences)


# --- Good documents ----------------------------------------------------------------------------------


def _pdf_string(text: str) -> bytes:
    data = text.encode("cp1252", errors="replace")
    return b"(" + data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _wrap(text: str, width: int = 90) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return lines


def pdf_bytes(pages: list[str], *, claimed_pages: int | None = None) -> bytes:
    """A PDF with one page per text (Helvetica, WinAnsi: æøå and – survive); /Count may lie."""
    objects: list[bytes] = []
    page_numbers = [4 + 2 * index for index in range(len(pages))]
    kids = b" ".join(b"%d 0 R" % number for number in page_numbers)
    count = len(pages) if claimed_pages is None else claimed_pages
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for index, text in enumerate(pages):
        lines = _wrap(text)[:55]
        stream = b"BT /F1 11 Tf 14 TL 50 800 Td " + b" T* ".join(_pdf_string(line) + b" Tj" for line in lines)
        stream += b" ET"
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_numbers[index] + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def write_pdf(path: Path, pages: list[str], *, claimed_pages: int | None = None) -> Path:
    path.write_bytes(pdf_bytes(pages, claimed_pages=claimed_pages))
    return path


def docx_bytes(
    paragraphs: list[str], *, table: list[list[str]] | None = None, header: str = "", heading: str = ""
) -> bytes:
    import docx

    document = docx.Document()
    if heading:
        document.add_heading(heading, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    if header:
        document.sections[0].header.paragraphs[0].text = header
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_docx(path: Path, paragraphs: list[str], **options: object) -> Path:
    path.write_bytes(docx_bytes(paragraphs, **options))  # type: ignore[arg-type]
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def write_pptx(path: Path, slides: list[tuple[str, str, str]]) -> Path:
    """One slide per (title, body, speaker notes)."""
    import pptx

    presentation = pptx.Presentation()
    layout = presentation.slide_layouts[1]  # title and content
    for title, body, notes in slides:
        slide = presentation.slides.add_slide(layout)
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    presentation.save(str(path))
    return path


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def html_document(title: str, paragraphs: list[str]) -> str:
    body = "\n".join(f"  <p>{text}</p>" for text in paragraphs)
    return (
        '<!DOCTYPE html>\n<html lang="nb">\n<head>\n  <meta charset="utf-8">\n'
        f"  <title>{title}</title>\n  <style>p {{ color: red; }}</style>\n"
        "  <script>var hemmelig = 'skal ikke med';</script>\n</head>\n<body>\n"
        f"  <h1>{title}</h1>\n{body}\n</body>\n</html>\n"
    )


def write_html(path: Path, title: str, paragraphs: list[str]) -> Path:
    return write_text(path, html_document(title, paragraphs))


def email_bytes(
    subject: str,
    body: str,
    *,
    html: str = "",
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
) -> bytes:
    """An e-mail from Selma to Frode; attachments are (file name, MIME type, content)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "Selma Salg <selma@samspill.example>"
    message["To"] = "Frode Fag <frode@samspill.example>"
    message["Date"] = "Fri, 27 Nov 2026 09:30:00 +0100"
    message["Message-ID"] = "<tilbud-1@samspill.example>"
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    for name, mime, content in attachments:
        maintype, subtype = mime.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def write_email(path: Path, subject: str, body: str, **options: object) -> Path:
    path.write_bytes(email_bytes(subject, body, **options))  # type: ignore[arg-type]
    return path


def program_bytes() -> bytes:
    """The start of a Windows program (an MZ header and a PE signature)."""
    header = bytearray(256)
    header[0:2] = b"MZ"
    header[0x3C:0x40] = struct.pack("<I", 0x80)
    header[0x80:0x84] = b"PE\x00\x00"
    return bytes(header) + b"This program cannot be run in DOS mode.\r\n" + bytes(512)


# --- Hostile documents -------------------------------------------------------------------------------


def zip_bomb_docx(path: Path, megabytes: int, *, member: str = "word/media/image1.bin") -> Path:
    """A good DOCX plus a member of `megabytes` MB of zeros (it packs to about a thousandth)."""
    path.write_bytes(docx_bytes([NORWEGIAN]))
    with (
        zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open(member, "w", force_zip64=True) as stream,
    ):
        zeros = bytes(MB)
        for _ in range(megabytes):
            stream.write(zeros)
    return path


def docx_lying_about_sizes(path: Path, megabytes: int) -> Path:
    """A DOCX whose word/document.xml unpacks to `megabytes` MB but declares 1 000 bytes."""
    good = zipfile.ZipFile(io.BytesIO(docx_bytes([NORWEGIAN])))
    document = good.read("word/document.xml")
    padding = b" " * (megabytes * MB)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for info in good.infolist():
            if info.filename == "word/document.xml":
                archive.writestr(info.filename, document.replace(b"<w:body>", b"<w:body>" + padding, 1))
            else:
                archive.writestr(info.filename, good.read(info.filename))
    data = bytearray(buffer.getvalue())
    _patch_declared_size(data, "word/document.xml", 1000)
    path.write_bytes(bytes(data))
    return path


def _patch_declared_size(data: bytearray, name: str, size: int) -> None:
    """Overwrite the uncompressed size of a member in its local header and the central directory."""
    encoded = name.encode()
    at = data.find(b"PK\x03\x04")
    while at >= 0:
        length = struct.unpack_from("<H", data, at + 26)[0]
        if data[at + 30 : at + 30 + length] == encoded:
            struct.pack_into("<I", data, at + 22, size)
        at = data.find(b"PK\x03\x04", at + 4)
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == encoded:
            struct.pack_into("<I", data, at + 24, size)
        at = data.find(b"PK\x01\x02", at + 4)


def truncated_pdf(path: Path) -> Path:
    """The first 120 bytes of a good PDF: a header and half an object."""
    path.write_bytes(pdf_bytes([NORWEGIAN])[:120])
    return path


def pdf_claiming_pages(path: Path, claimed: int) -> Path:
    """A one-page PDF whose page tree says it has `claimed` pages."""
    return write_pdf(path, [NORWEGIAN], claimed_pages=claimed)


def deeply_nested_html(path: Path, megabytes: int) -> Path:
    """`megabytes` MB of <div> inside <div>, with the Norwegian text at the bottom."""
    depth = megabytes * MB // 11
    path.write_bytes(
        b"<!DOCTYPE html><html><body>" + b"<div>" * depth + NORWEGIAN.encode() + b"</div>" * depth
    )
    return path


def long_line_html(path: Path, megabytes: int) -> Path:
    """An HTML page whose body is one line of `megabytes` MB of text."""
    line = (NORWEGIAN + " ").encode() * (megabytes * MB // 48)
    path.write_bytes(b"<!DOCTYPE html><html><body><p>" + line + b"</p></body></html>")
    return path


def many_tags_html(path: Path, megabytes: int) -> Path:
    """`megabytes` MB of empty <b></b> pairs side by side: slow to parse, no text."""
    path.write_bytes(b"<!DOCTYPE html><html><body>" + b"<b></b>" * (megabytes * MB // 7) + b"</body></html>")
    return path


def big_docx(path: Path, paragraphs: int) -> Path:
    """A DOCX of `paragraphs` distinct paragraphs, written as XML directly (fast): it needs memory."""
    good = zipfile.ZipFile(io.BytesIO(docx_bytes([NORWEGIAN])))
    document = good.read("word/document.xml")
    body = "".join(
        f"<w:p><w:r><w:t>{index} {NORWEGIAN} {index * 7919}</w:t></w:r></w:p>" for index in range(paragraphs)
    ).encode()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for info in good.infolist():
            content = good.read(info.filename)
            if info.filename == "word/document.xml":
                content = document.replace(b"<w:body>", b"<w:body>" + body, 1)
            archive.writestr(info.filename, content)
    return path
