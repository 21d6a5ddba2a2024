"""What kind of document a file is, decided from its content rather than its name.

`sniff(head, filename)` looks at the first bytes of a file (`HEAD_BYTES` are enough); the file name
only chooses between the text kinds when the content does not (Markdown, plain text, HTML, e-mail)
and never overrides binary magic: a PDF named `.docx` is a PDF, a program renamed `.pdf` is OTHER.
Office documents are ZIP containers: `sniff` tells DOCX, XLSX and PPTX apart by the member names it
finds in the head, and `sniff_file(path)` also reads the ZIP's central directory (bounded, without
unpacking anything) when the head is not enough.

Imports nothing from Django, so the extraction child process can use it.
"""

from __future__ import annotations

import codecs
import os
import re
import struct
from enum import StrEnum

import puremagic

HEAD_BYTES = 8192

# The central directory of a ZIP is read at most this far when telling Office documents apart.
_MAX_DIRECTORY_BYTES = 4 * 1024 * 1024
_MAX_DIRECTORY_ENTRIES = 100_000


class Kind(StrEnum):
    """The kinds of document whose text is read. The values are stable (stored in the database)."""

    PDF = "pdf"
    DOCX = "docx"
    XLSX = "xlsx"
    PPTX = "pptx"
    TEXT = "text"
    MARKDOWN = "markdown"
    HTML = "html"
    EMAIL = "email"
    OTHER = "other"


MIME_TYPES: dict[Kind, str] = {
    Kind.PDF: "application/pdf",
    Kind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    Kind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Kind.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    Kind.TEXT: "text/plain",
    Kind.MARKDOWN: "text/markdown",
    Kind.HTML: "text/html",
    Kind.EMAIL: "message/rfc822",
    Kind.OTHER: "application/octet-stream",
}

_OFFICE_FOLDERS = {"word/": Kind.DOCX, "xl/": Kind.XLSX, "ppt/": Kind.PPTX}

_MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd", ".mkdn"}
_HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
_EMAIL_SUFFIXES = {".eml"}
_TEXT_MIME_BY_SUFFIX = {".csv": "text/csv", ".tsv": "text/tab-separated-values"}

# Text-based formats that are not documents whose text is read.
_TEXT_FORMATS_NOT_READ = (
    (b"{\\rtf", "application/rtf"),
    (b"%!PS", "application/postscript"),
)

_EMAIL_HEADERS = {
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "received",
    "return-path",
    "reply-to",
    "content-type",
    "delivered-to",
    "in-reply-to",
    "references",
}
# At least one of these, so that a note starting "Subject: …" is not taken for an e-mail.
_EMAIL_ENVELOPE_HEADERS = {"from", "received", "message-id", "mime-version", "return-path", "delivered-to"}
_HEADER_LINE = re.compile(r"([!-9;-~]+):")  # a field name: printable ASCII except the colon

_HTML_ROOT = re.compile(rb"<(?:!doctype\s+html|html[\s>])", re.I)
_HTML_TAGS = re.compile(rb"<(?:head|body|title|meta|div|p|table|span|br|h[1-6]|ul|a\s)[\s/>]", re.I)
_MARKDOWN_SIGNS = (
    re.compile(r"^#{1,6} \S", re.M),  # heading
    re.compile(r"^(?:```|~~~)", re.M),  # fenced code
    re.compile(r"\[[^\]\n]{1,200}\]\([^)\s]{1,500}\)"),  # link
    re.compile(r"\*\*[^*\n]{1,200}\*\*"),  # bold
    re.compile(r"^\s{0,3}(?:[-*+]|\d+\.) \S", re.M),  # list item
    re.compile(r"^\|.*\|\s*$\n^\|\s*:?-{3,}", re.M),  # table
)

_CONTROL_BYTES = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x1B)) + bytes(range(0x1C, 0x20)) + b"\x7f"


def sniff(head: bytes, filename: str = "") -> tuple[str, str]:
    """Return (kind, MIME type) for a file beginning with `head` (the first ~8 KB of its content).

    `filename` only breaks ties between the text kinds. A ZIP whose head does not show which Office
    document it is comes back as OTHER/application/zip; `sniff_file` can look further.
    """
    suffix = os.path.splitext(filename)[1].lower()
    if _is_pdf(head):
        return Kind.PDF, MIME_TYPES[Kind.PDF]
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        names = _local_member_names(head)
        kind = _office_kind(names, content_types_seen="[Content_Types].xml" in names)
        if kind is None:
            return Kind.OTHER, "application/zip"
        return kind, MIME_TYPES[kind]
    text = _as_text(head)
    if text is None:
        return Kind.OTHER, _binary_mime(head)
    return _text_kind(head, text, suffix)


def sniff_file(path: str | os.PathLike[str]) -> tuple[str, str]:
    """Return (kind, MIME type) of the file at `path`, reading its head and, for a ZIP, its directory.

    Reads at most `HEAD_BYTES` plus, for a ZIP, the end of the file and a bounded part of its
    central directory; never unpacks a member. Raises OSError when the file cannot be read.
    """
    with open(path, "rb") as file:
        head = file.read(HEAD_BYTES)
        kind, mime = sniff(head, os.fspath(path))
        if mime != "application/zip":
            return kind, mime
        names = _central_directory_names(file)
    if names is None:
        return kind, mime
    found = _office_kind(names, content_types_seen="[Content_Types].xml" in names)
    if found is None:
        return Kind.OTHER, "application/zip"
    return found, MIME_TYPES[found]


def _is_pdf(head: bytes) -> bool:
    """`%PDF-` at the start, or at the start of a line within the first KB (as readers accept)."""
    if head.startswith(b"%PDF-"):
        return True
    at = head.find(b"%PDF-", 0, 1024)
    return at > 0 and head[at - 1 : at] in (b"\n", b"\r")


def _office_kind(names: list[str], *, content_types_seen: bool) -> Kind | None:
    """DOCX, XLSX or PPTX from the member names of a ZIP, or None when they show none (or several)."""
    if not content_types_seen:
        return None
    found: set[Kind] = set()
    for name in names:
        for folder, kind in _OFFICE_FOLDERS.items():
            if name.startswith(folder):
                found.add(kind)
    if len(found) == 1:
        return found.pop()
    return None


def _local_member_names(head: bytes) -> list[str]:
    """Names of the ZIP members whose local headers lie in `head` (they are never compressed)."""
    names = []
    at = head.find(b"PK\x03\x04")
    while at >= 0 and at + 30 <= len(head):
        name_length = struct.unpack_from("<H", head, at + 26)[0]
        name = head[at + 30 : at + 30 + name_length]
        if len(name) == name_length:
            names.append(name.decode("utf-8", "replace"))
        at = head.find(b"PK\x03\x04", at + 30)
    return names


def _central_directory_names(file) -> list[str] | None:  # type: ignore[no-untyped-def]
    """Member names from a ZIP's central directory, or None when the ZIP's end record is unusable.

    Parses the end records itself (ZIP64 too) so that a hostile directory of millions of entries
    costs at most `_MAX_DIRECTORY_BYTES` of reading.
    """
    size = file.seek(0, os.SEEK_END)
    tail_length = min(size, 65535 + 22)
    file.seek(size - tail_length)
    tail = file.read(tail_length)
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or end + 22 > len(tail):
        return None
    end_at = size - tail_length + end
    entries, directory_size = struct.unpack_from("<xxxxxxxxxxHI", tail, end)
    directory_end = end_at
    locator = end - 20
    if (entries == 0xFFFF or directory_size == 0xFFFFFFFF) and locator >= 0:
        if tail[locator : locator + 4] != b"PK\x06\x07":
            return None
        zip64_at = struct.unpack_from("<Q", tail, locator + 8)[0]
        if not 0 <= zip64_at < size:
            return None
        file.seek(zip64_at)
        record = file.read(56)
        if len(record) < 56 or record[:4] != b"PK\x06\x06":
            return None
        entries, directory_size = struct.unpack_from("<QQ", record, 32)
        directory_end = zip64_at
    start = directory_end - directory_size
    if start < 0:
        return None
    file.seek(start)
    directory = file.read(min(directory_size, _MAX_DIRECTORY_BYTES))
    names: list[str] = []
    at = 0
    while at + 46 <= len(directory) and len(names) < min(entries, _MAX_DIRECTORY_ENTRIES):
        if directory[at : at + 4] != b"PK\x01\x02":
            break
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", directory, at + 28)
        name = directory[at + 46 : at + 46 + name_length]
        names.append(name.decode("utf-8", "replace"))
        at += 46 + name_length + extra_length + comment_length
    return names


def _as_text(head: bytes) -> str | None:
    """The head decoded as text, or None when it looks binary."""
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
            return decoder.decode(head[2:], final=False)
    if b"\x00" in head:
        return None
    if head and sum(head.count(byte) for byte in _CONTROL_BYTES) * 100 > len(head):
        return None
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError:
        return head.decode("cp1252", errors="replace")


def _text_kind(head: bytes, text: str, suffix: str) -> tuple[str, str]:
    """The kind of a text file: the content decides where it can, the file name breaks ties."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    for magic, mime in _TEXT_FORMATS_NOT_READ:
        if stripped.startswith(magic):
            return Kind.OTHER, mime
    if _starts_like_html(stripped):
        return Kind.HTML, MIME_TYPES[Kind.HTML]
    if stripped.startswith(b"<?xml"):
        if b"<svg" in stripped:
            return Kind.OTHER, "image/svg+xml"
        return Kind.OTHER, "application/xml"
    headers = _leading_headers(text)
    if len(headers & _EMAIL_HEADERS) >= 2 and headers & _EMAIL_ENVELOPE_HEADERS:
        return Kind.EMAIL, MIME_TYPES[Kind.EMAIL]
    if suffix in _HTML_SUFFIXES:
        return Kind.HTML, MIME_TYPES[Kind.HTML]
    if suffix in _EMAIL_SUFFIXES and headers:
        return Kind.EMAIL, MIME_TYPES[Kind.EMAIL]
    if suffix in _MARKDOWN_SUFFIXES:
        return Kind.MARKDOWN, MIME_TYPES[Kind.MARKDOWN]
    if suffix in _TEXT_MIME_BY_SUFFIX:
        return Kind.TEXT, _TEXT_MIME_BY_SUFFIX[suffix]
    if suffix in (".txt", ".text"):
        return Kind.TEXT, MIME_TYPES[Kind.TEXT]
    if stripped.startswith(b"<") and _HTML_TAGS.search(stripped):
        return Kind.HTML, MIME_TYPES[Kind.HTML]
    if _looks_like_markdown(text):
        return Kind.MARKDOWN, MIME_TYPES[Kind.MARKDOWN]
    return Kind.TEXT, MIME_TYPES[Kind.TEXT]


def _starts_like_html(text: bytes) -> bool:
    """A doctype or <html> first, after an XML declaration and comments (skipped without regexes
    that could backtrack on a hostile head)."""
    if text[:5].lower() == b"<?xml":
        end = text.find(b"?>")
        if end < 0:
            return False
        text = text[end + 2 :].lstrip()
    while text.startswith(b"<!--"):
        end = text.find(b"-->", 4)
        if end < 0:
            return False
        text = text[end + 3 :].lstrip()
    return _HTML_ROOT.match(text) is not None


def _leading_headers(text: str) -> set[str]:
    """Lower-cased names of the header fields the text starts with (all of them, or none)."""
    lines = text.split("\n")
    if len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut off by the end of the head
    if lines and lines[0].startswith("From "):  # an mbox separator line
        lines = lines[1:]
    names: set[str] = set()
    for line in lines:
        line = line.rstrip("\r")
        if not line:
            break
        if line[0] in " \t" and names:
            continue  # a folded continuation of the previous field
        match = _HEADER_LINE.match(line)
        if match is None:
            return set()
        names.add(match.group(1).lower())
    return names


def _looks_like_markdown(text: str) -> bool:
    """Two kinds of Markdown syntax, or a heading on the first line."""
    if re.match(r"\s*#{1,6} \S", text):
        return True
    return sum(1 for sign in _MARKDOWN_SIGNS if sign.search(text)) >= 2


def _binary_mime(head: bytes) -> str:
    """The MIME type puremagic finds for a binary head, or application/octet-stream."""
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return MIME_TYPES[Kind.OTHER]
    for match in sorted(matches, key=lambda match: -match.confidence):
        if match.mime_type:
            return str(match.mime_type)
    if head.startswith(b"MZ"):
        return "application/vnd.microsoft.portable-executable"
    return MIME_TYPES[Kind.OTHER]
