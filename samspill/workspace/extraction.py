"""The text of workspace documents, read safely.

`extract(path, kind, limits)` reads the text in this process. `extract_in_child(path, kind, limits)`
runs the same in a child process (``python -m samspill.workspace.extraction PATH KIND LIMITS_JSON``)
with limits on its memory (address space), CPU time and wall-clock time, so that a broken or hostile
file fails alone, with a reason, and the caller carries on. Neither raises for a bad file.

What is read: PDF (pypdf), DOCX (python-docx), XLSX (openpyxl, read-only), PPTX (python-pptx), plain
text and Markdown (UTF-8, else cp1252), HTML (tags stripped, scripts and styles skipped) and e-mail
(subject, from, to, cc, date, the body, and the text of attachments that are text; other attachments
are only named, since an attached PDF or DOCX is a document of its own).

A document longer than the limits is cut at `Limits.max_chars` characters (or `max_pages` slides,
or the pages of a PDF whose page tree has more pages than it claims) and still succeeds, with a note
in `reason`; a PDF that claims more than `max_pages` pages fails at once, without walking its page
tree. Office files are ZIP containers: their declared unpacked sizes and compression ratios are
checked before a library opens them, and the child's memory limit is the backstop.

No Django import at module level: the child process has neither settings nor a database. Reasons
are English sentences marked with `gettext_noop`; they are translated into the active language when
the `Extracted` is made in a process where Django is set up (the caller of `extract_in_child`).
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import datetime
import json
import logging
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from samspill.workspace.sniffing import MIME_TYPES, Kind, sniff, sniff_file

__all__ = [
    "EXTRACTABLE",
    "MIME_TYPES",
    "Extracted",
    "Kind",
    "Limits",
    "extract",
    "extract_in_child",
    "sniff",
    "sniff_file",
]

logger = logging.getLogger(__name__)

MB = 1024 * 1024

# The kinds whose text is read; extracting OTHER fails with a reason without starting a child.
EXTRACTABLE = frozenset(kind for kind in Kind if kind != Kind.OTHER)

# Office ZIP containers: more parts than this, or a part of more than _RATIO_FROM_BYTES that
# unpacks to more than _MAX_RATIO times its packed size, is refused as a zip bomb.
_MAX_ZIP_MEMBERS = 10_000
_MAX_RATIO = 200
_RATIO_FROM_BYTES = 1 * MB
# Spreadsheet cells visited (empty ones included) before a workbook is cut.
_MAX_CELLS = 10_000_000
# HTML elements open inside each other before a page is refused (browsers stop at about 500).
_MAX_HTML_DEPTH = 5_000
# E-mails attached to e-mails are read this deep.
_MAX_EMAIL_DEPTH = 3
# The child's interpreter and imports get this long on top of Limits.seconds before it is killed.
_START_SECONDS = 10
_STDERR_TAIL = 4096
_CHILD_MODULE = "samspill.workspace.extraction"
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def gettext_noop(message: str) -> str:
    """Mark a reason for translation (makemessages finds it by this name); it is translated later."""
    return message


_TIMEOUT = gettext_noop("The file took longer than %(seconds)s seconds to read.")
_TIMEOUT_ONE = gettext_noop("The file took longer than a second to read.")
_MEMORY = gettext_noop("The file needs more than %(megabytes)s MB of memory to read.")
_CRASHED = gettext_noop("Reading the file stopped unexpectedly (%(detail)s).")
_NOT_READ = gettext_noop("Text is not read from this kind of file.")
_UNOPENED = gettext_noop("The file could not be opened: %(detail)s.")
_DAMAGED = gettext_noop("The %(format)s is damaged: %(detail)s.")
_TEXT_DAMAGED = gettext_noop("The file could not be read: %(detail)s.")
_EMAIL_DAMAGED = gettext_noop("The e-mail could not be read: %(detail)s.")
_EMAIL_TOO_BIG = gettext_noop("The e-mail is larger than %(megabytes)s MB.")
_ZIP_TOO_BIG = gettext_noop("The %(format)s unpacks to more than %(megabytes)s MB (a zip bomb?).")
_ZIP_RATIO = gettext_noop(
    "The %(format)s has a part that unpacks to more than %(ratio)s times its packed size (a zip bomb?)."
)
_ZIP_MEMBERS = gettext_noop("The %(format)s has more than %(count)s parts.")
_PDF_CLAIMS = gettext_noop("The PDF claims %(claimed)s pages; at most %(max_pages)s are read.")
_PDF_PASSWORD = gettext_noop("The PDF is protected by a password.")
_PDF_PAGES_FAILED = gettext_noop("Some pages could not be read (%(count)s).")
_HTML_DEPTH = gettext_noop("The HTML is nested more than %(depth)s levels deep.")
_PAGES_CUT = gettext_noop("Only the first %(max_pages)s pages were read.")
_SLIDES_CUT = gettext_noop("Only the first %(max_pages)s slides were read.")
_CELLS_CUT = gettext_noop("Only the first %(cells)s cells were read.")
_BYTES_CUT = gettext_noop("Only the first %(megabytes)s MB of the file were read.")
_CHARS_CUT = gettext_noop("The text was cut at %(max_chars)s characters.")
_EMPTY = gettext_noop("No text was found in the file.")
_EMPTY_PDF = gettext_noop("No text was found in the PDF (is it a scanned image?).")

_FORMAT_NAMES = {Kind.PDF: "PDF", Kind.DOCX: "DOCX", Kind.XLSX: "XLSX", Kind.PPTX: "PPTX"}

Message = tuple[str, dict[str, Any]]


@dataclass
class Limits:
    """How much one document may cost to read. Defaults come from settings EXTRACTION_*."""

    seconds: float = 30
    memory_mb: int = 512
    max_pages: int = 2000
    max_chars: int = 2_000_000
    max_unzipped_mb: int = 200

    @classmethod
    def from_settings(cls) -> Limits:
        """EXTRACTION_SECONDS, _MEMORY_MB, _MAX_PAGES, _MAX_CHARS, _MAX_UNZIPPED_MB, or the defaults."""
        if "django.conf" not in sys.modules:
            return cls()
        from django.conf import settings

        if not settings.configured:
            return cls()
        default = cls()
        return cls(
            seconds=getattr(settings, "EXTRACTION_SECONDS", default.seconds),
            memory_mb=getattr(settings, "EXTRACTION_MEMORY_MB", default.memory_mb),
            max_pages=getattr(settings, "EXTRACTION_MAX_PAGES", default.max_pages),
            max_chars=getattr(settings, "EXTRACTION_MAX_CHARS", default.max_chars),
            max_unzipped_mb=getattr(settings, "EXTRACTION_MAX_UNZIPPED_MB", default.max_unzipped_mb),
        )


@dataclass
class Extracted:
    """The text read from a document, or why it could not be read.

    `ok` with a non-empty `reason`: the text was read but cut (or none was found), and `reason` says
    so. `pages` is the number of pages of a PDF or slides of a PPTX, else None.
    """

    ok: bool
    text: str
    pages: int | None
    reason: str


def extract(path: str | os.PathLike[str], kind: str, limits: Limits | None = None) -> Extracted:
    """Read the text of the document at `path`, of `kind` (see `sniff_file`), in this process.

    Enforces the page, character and unpacked-size limits but not time or memory: use
    `extract_in_child` for files from people.
    """
    if kind not in EXTRACTABLE:
        return _Outcome.failure(_NOT_READ).extracted()
    return _run(os.fspath(path), Kind(kind), limits or Limits.from_settings()).extracted()


def extract_in_child(path: str | os.PathLike[str], kind: str, limits: Limits | None = None) -> Extracted:
    """Read the text of the document at `path` in a child process confined by `limits`.

    Blocks until the child is done: at most `limits.seconds` of reading plus the child's start-up.
    Never raises for a bad file: a timeout, running out of memory, a crash or an exception comes
    back as `Extracted(ok=False, reason=...)`; so does a `kind` that is not read (OTHER, "", unknown).
    """
    if kind not in EXTRACTABLE:
        return _Outcome.failure(_NOT_READ).extracted()
    kind = Kind(kind)
    limits = limits or Limits.from_settings()
    command = [
        sys.executable,
        "-P",
        "-m",
        _CHILD_MODULE,
        os.path.abspath(path),
        kind.value,
        json.dumps(dataclasses.asdict(limits)),
    ]
    timed_out = False
    with tempfile.TemporaryFile() as errors:
        try:
            child = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=errors,
                env=_child_environment(),
                cwd=_PACKAGE_ROOT,
                start_new_session=True,
            )
        except OSError as error:
            logger.error("Could not start the extraction process: %s", error)
            return _Outcome.failure(_CRASHED, detail=error.strerror or type(error).__name__).extracted()
        try:
            output, _ = child.communicate(timeout=limits.seconds + _START_SECONDS)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill(child)
            output, _ = child.communicate()
        size = errors.seek(0, os.SEEK_END)
        errors.seek(max(0, size - _STDERR_TAIL))
        error_tail = errors.read().decode("utf-8", "replace")
    outcome = _outcome_of_child(child.returncode, output, error_tail, limits, timed_out=timed_out)
    if not outcome.ok:
        logger.info(
            "Text not extracted from %s (%s, exit %s): %s\n%s",
            path,
            kind.value,
            child.returncode,
            outcome.messages,
            error_tail[-1000:],
        )
    return outcome.extracted()


# --- Outcome, reasons and their translation -----------------------------------------------------


@dataclass
class _Outcome:
    ok: bool
    text: str
    pages: int | None
    messages: list[Message]

    @classmethod
    def failure(cls, template: str, **params: Any) -> _Outcome:
        return cls(False, "", None, [(template, params)])

    def extracted(self) -> Extracted:
        return Extracted(self.ok, self.text, self.pages, _render(self.messages))

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "text": self.text, "pages": self.pages, "messages": self.messages}

    @classmethod
    def from_json(cls, data: Any) -> _Outcome:
        """The child's answer, checked; raises ValueError when it is not one."""
        if not isinstance(data, dict):
            raise ValueError("not an object")
        ok, text, pages, messages = data["ok"], data["text"], data["pages"], data["messages"]
        if not isinstance(ok, bool) or not isinstance(text, str) or not isinstance(messages, list):
            raise ValueError("malformed")
        if pages is not None and not isinstance(pages, int):
            raise ValueError("malformed pages")
        return cls(ok, text, pages, [(str(template), dict(params)) for template, params in messages])


class _Failure(Exception):
    """Reading stops; the document fails with this reason."""

    def __init__(self, template: str, **params: Any) -> None:
        super().__init__(template % params)
        self.message: Message = (template, params)


def _render(messages: list[Message]) -> str:
    return " ".join(_translate(template) % _formatted(params) for template, params in messages)


def _translate(template: str) -> str:
    """The template in the active language when Django is set up here, else as written."""
    if "django.apps" not in sys.modules:
        return template
    try:
        from django.apps import apps
        from django.utils.translation import gettext

        if apps.ready:
            return gettext(template)
    except Exception:
        logger.debug("Reason not translated", exc_info=True)
    return template


def _formatted(params: dict[str, Any]) -> dict[str, Any]:
    """Whole numbers with a no-break space between thousands (10 000 000)."""
    result = {}
    for name, value in params.items():
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            value = f"{value:,}".replace(",", "\u00a0")
        result[name] = value
    return result


# --- Collected text --------------------------------------------------------------------------------


class _Full(Exception):
    """The text has reached Limits.max_chars."""


_CONTROLS: dict[int, str | None] = {
    code: None for code in [*range(0x00, 0x09), *range(0x0E, 0x20), *range(0x7F, 0xA0)]
}
_CONTROLS.update({0x0B: "\n", 0x0C: "\n", 0x0D: "\n"})


def _clean(text: str) -> str:
    """Line ends as \\n, no control characters (PostgreSQL refuses NUL), no lone surrogates, NFC."""
    text = text.replace("\r\n", "\n").translate(_CONTROLS)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


class _Text:
    """Text read so far, one piece per line or block, with the notes for the reason."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.parts: list[str] = []
        self.length = 0
        self.cut = False
        self.pages: int | None = None
        self.notes: list[Message] = []

    def add(self, piece: str) -> None:
        """Add a piece of text (a line, a paragraph); raises _Full when the text is full."""
        piece = _clean(piece).strip()
        if not piece:
            return
        room = self.limits.max_chars - self.length - (1 if self.parts else 0)
        if len(piece) >= room:
            self.cut = len(piece) > room
            if room > 0:
                self.parts.append(piece[:room])
                self.length = self.limits.max_chars
            if self.cut:
                raise _Full
            return
        self.parts.append(piece)
        self.length += len(piece) + (1 if len(self.parts) > 1 else 0)

    def note(self, template: str, **params: Any) -> None:
        self.notes.append((template, params))

    def text(self) -> str:
        return "\n".join(self.parts)


# --- Running one extraction ----------------------------------------------------------------------


def _run(path: str, kind: Kind, limits: Limits) -> _Outcome:
    out = _Text(limits)
    try:
        _READERS[kind](path, limits, out)
    except _Full:
        pass
    except _Failure as failure:
        return _Outcome(False, "", None, [failure.message])
    except MemoryError:
        return _Outcome.failure(_MEMORY, megabytes=limits.memory_mb)
    except OSError as error:
        return _Outcome.failure(_UNOPENED, detail=error.strerror or _detail(error, path))
    except Exception as error:
        detail = _detail(error, path)
        if "memory" in detail.lower() or _near_memory_limit():
            return _Outcome.failure(_MEMORY, megabytes=limits.memory_mb)
        if kind in _FORMAT_NAMES:
            return _Outcome.failure(_DAMAGED, format=_FORMAT_NAMES[kind], detail=detail)
        if kind == Kind.EMAIL:
            return _Outcome.failure(_EMAIL_DAMAGED, detail=detail)
        return _Outcome.failure(_TEXT_DAMAGED, detail=detail)
    notes = list(out.notes)
    if out.cut:
        notes.append((_CHARS_CUT, {"max_chars": limits.max_chars}))
    if not out.parts:
        notes.append((_EMPTY_PDF if kind == Kind.PDF else _EMPTY, {}))
    return _Outcome(True, out.text(), out.pages, notes)


def _near_memory_limit() -> bool:
    """Whether this process came close to its address-space limit (a parser's "unknown error" then
    is most likely a failed allocation). False where no limit is set, as outside the child."""
    import resource

    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    if limit == resource.RLIM_INFINITY:
        return False
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024 >= limit * 3 // 4
    except (OSError, ValueError, IndexError):
        pass
    return False


def _detail(error: BaseException, path: str) -> str:
    """The first line of an error's message, without the server's path, for a reason."""
    message = str(error).strip() or type(error).__name__
    message = message.replace(path, os.path.basename(path)).splitlines()[0]
    if len(message) > 150:
        message = message[:149] + "…"
    return message.rstrip(".")


# --- Plain text, Markdown -------------------------------------------------------------------------


def _read_text(path: str, limits: Limits, out: _Text) -> None:
    with open(path, "rb") as file:
        data = file.read(limits.max_chars * 4 + 4)  # at most 4 bytes a character in UTF-8
        complete = not file.read(1)
    out.add(_decode(data, final=complete))
    if not complete:
        out.cut = True  # the text was shorter than the bytes read only because control characters went


def _decode(data: bytes, *, final: bool = True) -> str:
    """Text from bytes: UTF-16 or UTF-8 by its byte order mark, else UTF-8, else cp1252, else latin-1."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return codecs.getincrementaldecoder("utf-16")(errors="replace").decode(data, final=final)
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(data, final=final)
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


# --- HTML --------------------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "caption",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "title",
        "tr",
        "ul",
    ]
)
_CELL_TAGS = frozenset({"td", "th"})
_VOID_TAGS = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "basefont",
        "frame",
        "keygen",
    ]
)
# Tags whose end is often left out; not counted as nesting.
_IMPLIED_END_TAGS = frozenset(
    [
        "p",
        "li",
        "dt",
        "dd",
        "tr",
        "td",
        "th",
        "option",
        "optgroup",
        "thead",
        "tbody",
        "tfoot",
        "colgroup",
        "caption",
        "rb",
        "rt",
        "rp",
        "html",
        "head",
        "body",
    ]
)
_SKIPPED_TAGS = frozenset({"script", "style", "template"})
_META_CHARSET = re.compile(rb"<meta[^>]{1,300}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_:.-]+)", re.I)


class _HtmlText(HTMLParser):
    """The text of an HTML document: data outside script and style, with line breaks at blocks."""

    def __init__(self, max_raw: int) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.size = 0
        self.max_raw = max_raw
        self.skipping = 0
        self.stack: list[str] = []
        self.open: Counter[str] = Counter()

    @property
    def enough(self) -> bool:
        return self.size >= self.max_raw

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._break(tag)
        if tag in _SKIPPED_TAGS:
            self.skipping += 1
        if tag in _VOID_TAGS or tag in _IMPLIED_END_TAGS:
            return
        self.stack.append(tag)
        self.open[tag] += 1
        if len(self.stack) > _MAX_HTML_DEPTH:
            raise _Failure(_HTML_DEPTH, depth=_MAX_HTML_DEPTH)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._break(tag)

    def handle_endtag(self, tag: str) -> None:
        self._break(tag)
        if tag in _SKIPPED_TAGS and self.skipping:
            self.skipping -= 1
        if self.open[tag]:
            while self.stack:
                top = self.stack.pop()
                self.open[top] -= 1
                if top == tag:
                    break

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)
            self.size += len(data)

    def _break(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in _CELL_TAGS:
            self.parts.append(" ")

    def text(self) -> str:
        text = "".join(self.parts)
        text = re.sub(r"[ \t\u00a0]+", " ", text)
        text = re.sub(r" ?\n[ \n]*", _newlines, text)
        return text.strip()


def _newlines(match: re.Match[str]) -> str:
    """A run of line breaks and spaces as one line break, or one empty line."""
    return "\n\n" if match.group(0).count("\n") > 1 else "\n"


def _html_encoding(head: bytes) -> str:
    """The encoding of an HTML document: its byte order mark, its <meta charset>, UTF-8 or cp1252."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    declared = _META_CHARSET.search(head[:4096])
    if declared:
        try:
            name = codecs.lookup(declared.group(1).decode("ascii")).name
        except LookupError:
            name = ""
        if name in ("latin-1", "iso8859-1", "ascii"):
            return "cp1252"  # as browsers read them
        if name:
            return name
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _html_text(markup: str, max_raw: int) -> str:
    parser = _HtmlText(max_raw)
    parser.feed(markup)
    parser.close()
    return parser.text()


def _read_html(path: str, limits: Limits, out: _Text) -> None:
    max_bytes = limits.max_unzipped_mb * MB
    parser = _HtmlText(max_raw=limits.max_chars * 4)
    with open(path, "rb") as file:
        chunk = file.read(min(MB, max_bytes))
        decoder = codecs.getincrementaldecoder(_html_encoding(chunk))(errors="replace")
        read = len(chunk)
        while chunk and not parser.enough:
            parser.feed(decoder.decode(chunk))
            chunk = file.read(min(MB, max_bytes - read))
            read += len(chunk)
        more = bool(file.read(1))
    if parser.enough:
        out.cut = True
    elif more:
        out.note(_BYTES_CUT, megabytes=limits.max_unzipped_mb)
    else:
        parser.feed(decoder.decode(b"", final=True))
        parser.close()  # what is left unparsed at the end is text (after a cut it would be half a tag)
    out.add(parser.text())


# --- E-mail ------------------------------------------------------------------------------------------

_EMAIL_HEADERS = (("subject", "Subject"), ("from", "From"), ("to", "To"), ("cc", "Cc"), ("date", "Date"))
_TEXT_ATTACHMENTS = frozenset({"text/plain", "text/markdown", "text/csv", "text/html"})


def _read_email(path: str, limits: Limits, out: _Text) -> None:
    from email import policy
    from email.parser import BytesParser

    if os.path.getsize(path) > limits.max_unzipped_mb * MB:
        raise _Failure(_EMAIL_TOO_BIG, megabytes=limits.max_unzipped_mb)
    with open(path, "rb") as file:
        message = BytesParser(policy=policy.default).parse(file)
    _email_text(message, limits, out, depth=0)


def _email_text(message: Any, limits: Limits, out: _Text, depth: int) -> None:
    for name, label in _EMAIL_HEADERS:
        try:
            value = message.get(name)
        except Exception:
            value = None
        if value:
            out.add(f"{label}: {value}")
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        out.add(_email_part_text(body, limits))
    for part in _attachments(message):
        content_type = part.get_content_type()
        name = part.get_filename() or ""
        if content_type == "message/rfc822" and depth < _MAX_EMAIL_DEPTH:
            out.add(f"Attachment: {name}" if name else "Attachment:")
            for attached in part.iter_parts():
                _email_text(attached, limits, out, depth + 1)
        elif content_type in _TEXT_ATTACHMENTS:
            out.add(f"Attachment: {name}")
            out.add(_email_part_text(part, limits))
        elif name:
            out.add(f"Attachment: {name}")


def _attachments(message: Any) -> list[Any]:
    """The parts of a message that are not its body, looking inside nested multiparts."""
    found = []
    for part in message.iter_attachments():
        if part.is_multipart() and part.get_content_maintype() == "multipart":
            found.extend(_attachments(part))
            body = part.get_body(preferencelist=("plain", "html"))
            if body is not None:
                found.append(body)
        else:
            found.append(part)
    return found


def _email_part_text(part: Any, limits: Limits) -> str:
    """A text part decoded by its charset, or as UTF-8/cp1252 when it names none (or a wrong one)."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset()
    try:
        text = payload.decode(charset, errors="replace") if charset else _decode(payload)
    except LookupError:
        text = _decode(payload)
    if part.get_content_subtype() == "html":
        return _html_text(text, limits.max_chars * 4)
    return text


# --- Office (ZIP) documents ------------------------------------------------------------------------


def _check_zip(path: str, kind: Kind, limits: Limits) -> None:
    """Refuse a zip bomb by the sizes the ZIP declares, before any part is unpacked.

    Python's zipfile never unpacks more than a member's declared size (a member that lies fails
    its CRC check), so the declared sizes bound what the libraries can unpack.
    """
    name = _FORMAT_NAMES[kind]
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    if len(members) > _MAX_ZIP_MEMBERS:
        raise _Failure(_ZIP_MEMBERS, format=name, count=_MAX_ZIP_MEMBERS)
    if sum(member.file_size for member in members) > limits.max_unzipped_mb * MB:
        raise _Failure(_ZIP_TOO_BIG, format=name, megabytes=limits.max_unzipped_mb)
    for member in members:
        if member.file_size > _RATIO_FROM_BYTES and member.file_size > _MAX_RATIO * member.compress_size:
            raise _Failure(_ZIP_RATIO, format=name, ratio=_MAX_RATIO)


_MARKUP_COMPATIBILITY = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"


def _read_docx(path: str, limits: Limits, out: _Text) -> None:
    _check_zip(path, Kind.DOCX, limits)
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    document = docx.Document(path)
    body = document.element.body
    # Text boxes come twice: as DrawingML and as a VML fallback for old readers.
    for fallback in list(body.iter(f"{_MARKUP_COMPATIBILITY}Fallback")):
        fallback.getparent().remove(fallback)
    for element in body.iter(qn("w:p")):
        out.add(Paragraph(element, document).text)
    seen: set[str] = set()
    for section in document.sections:
        for part in (
            section.header,
            section.first_page_header,
            section.even_page_header,
            section.footer,
            section.first_page_footer,
            section.even_page_footer,
        ):
            if part.is_linked_to_previous:
                continue
            for element in part._element.iter(qn("w:p")):
                text = Paragraph(element, part).text.strip()
                if text and text not in seen:
                    seen.add(text)
                    out.add(text)


def _read_xlsx(path: str, limits: Limits, out: _Text) -> None:
    _check_zip(path, Kind.XLSX, limits)
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    cells = 0
    try:
        for sheet in workbook.worksheets:
            out.add(sheet.title)
            sheet.reset_dimensions()  # a hostile <dimension> would pad every row to 16 384 cells
            for row in sheet.iter_rows(values_only=True):
                cells += len(row)
                if cells > _MAX_CELLS:
                    out.note(_CELLS_CUT, cells=_MAX_CELLS)
                    return
                values = [_cell_text(value) for value in row if value is not None]
                out.add("\t".join(value for value in values if value))
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ")
    if isinstance(value, datetime.date | datetime.time | Decimal | int):
        return str(value)
    return str(value).strip()


def _read_pptx(path: str, limits: Limits, out: _Text) -> None:
    _check_zip(path, Kind.PPTX, limits)
    import pptx

    presentation = pptx.Presentation(path)
    slides = presentation.slides
    out.pages = len(slides)
    for number, slide in enumerate(slides):
        if number >= limits.max_pages:
            out.note(_SLIDES_CUT, max_pages=limits.max_pages)
            return
        _shapes_text(slide.shapes, out, depth=0)
        if slide.has_notes_slide:
            frame = slide.notes_slide.notes_text_frame
            if frame is not None:
                out.add(frame.text)


def _shapes_text(shapes: Any, out: _Text, depth: int) -> None:
    from pptx.shapes.group import GroupShape

    for shape in shapes:
        if isinstance(shape, GroupShape) and depth < 20:
            _shapes_text(shape.shapes, out, depth + 1)
        if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            out.add(shape.text_frame.text)
        if getattr(shape, "has_table", False) and shape.has_table:
            for row in shape.table.rows:
                out.add("\t".join(cell.text.strip() for cell in row.cells if cell.text.strip()))


# --- PDF ----------------------------------------------------------------------------------------------


def _read_pdf(path: str, limits: Limits, out: _Text) -> None:
    from pypdf import PasswordType, PdfReader

    reader = PdfReader(path, strict=False)
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise _Failure(_PDF_PASSWORD)
    claimed = _claimed_pages(reader)
    if claimed is not None and claimed > limits.max_pages:
        raise _Failure(_PDF_CLAIMS, claimed=claimed, max_pages=limits.max_pages)
    pages = reader.pages
    count = len(pages)  # walks the page tree, which may hold more pages than /Count claims
    out.pages = count
    if count > limits.max_pages:
        out.note(_PAGES_CUT, max_pages=limits.max_pages)
    failed = 0
    error: Exception | None = None
    for number in range(min(count, limits.max_pages)):
        try:
            text = pages[number].extract_text()
        except MemoryError:
            raise
        except Exception as page_error:
            failed += 1
            error = page_error
            continue
        out.add(text)
    if failed and failed == min(count, limits.max_pages):
        assert error is not None
        raise error
    if failed:
        out.note(_PDF_PAGES_FAILED, count=failed)


def _claimed_pages(reader: Any) -> int | None:
    """The page count in the root of the page tree (/Count), read without walking the tree."""
    try:
        count = reader.trailer["/Root"].get_object()["/Pages"].get_object()["/Count"]
        count = count.get_object() if hasattr(count, "get_object") else count
    except (KeyError, TypeError, AttributeError):
        return None
    return int(count) if isinstance(count, int) else None


_READERS: dict[Kind, Callable[[str, Limits, _Text], None]] = {
    Kind.PDF: _read_pdf,
    Kind.DOCX: _read_docx,
    Kind.XLSX: _read_xlsx,
    Kind.PPTX: _read_pptx,
    Kind.TEXT: _read_text,
    Kind.MARKDOWN: _read_text,
    Kind.HTML: _read_html,
    Kind.EMAIL: _read_email,
}


# --- The child process ---------------------------------------------------------------------------


def _child_environment() -> dict[str, str]:
    """No secrets from the parent's environment: only what the interpreter needs."""
    environment = {
        "PATH": os.environ.get("PATH", os.defpath),
        "PYTHONPATH": _PACKAGE_ROOT,
        "LC_ALL": "C.UTF-8",
    }
    if "TMPDIR" in os.environ:
        environment["TMPDIR"] = os.environ["TMPDIR"]
    return environment


def _kill(child: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)


def _outcome_of_child(
    returncode: int, output: bytes, errors: str, limits: Limits, *, timed_out: bool = False
) -> _Outcome:
    """What the child's exit means for the document."""
    if timed_out or returncode in (-signal.SIGALRM, -signal.SIGXCPU):
        if limits.seconds == 1:
            return _Outcome.failure(_TIMEOUT_ONE)
        return _Outcome.failure(_TIMEOUT, seconds=limits.seconds)
    if returncode == 0:
        try:
            return _Outcome.from_json(json.loads(output))
        except (ValueError, KeyError, TypeError):
            return _Outcome.failure(_CRASHED, detail="no result")
    if "MemoryError" in errors or "Cannot allocate memory" in errors or "out of memory" in errors:
        return _Outcome.failure(_MEMORY, megabytes=limits.memory_mb)
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = str(-returncode)
        return _Outcome.failure(_CRASHED, detail=f"signal {name}")
    return _Outcome.failure(_CRASHED, detail=f"exit code {returncode}")


def _confine(limits: Limits) -> None:
    """Limit this (child) process: address space, CPU seconds, no core dumps, and a wall-clock alarm.

    SIGALRM and SIGXCPU keep their default action, so they end the process even inside C code.
    """
    import resource

    def lower(which: int, soft: int, hard: int) -> None:
        _, current = resource.getrlimit(which)
        if current != resource.RLIM_INFINITY:
            soft, hard = min(soft, current), min(hard, current)
        resource.setrlimit(which, (soft, hard))

    memory = limits.memory_mb * MB
    lower(resource.RLIMIT_AS, memory, memory)
    cpu = math.ceil(limits.seconds) + 1
    lower(resource.RLIMIT_CPU, cpu, cpu + 2)
    lower(resource.RLIMIT_CORE, 0, 0)
    signal.setitimer(signal.ITIMER_REAL, max(limits.seconds, 0.01))  # 0 would switch the alarm off


def _main(arguments: list[str]) -> int:
    """``python -m samspill.workspace.extraction PATH KIND LIMITS_JSON``: the result as JSON on stdout."""
    if len(arguments) != 3:
        print(_main.__doc__, file=sys.stderr)
        return 2
    path, kind, limits_json = arguments
    limits = Limits(**json.loads(limits_json))
    _confine(limits)
    result = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, not into the result
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    import warnings

    warnings.simplefilter("ignore")
    outcome = _run(path, Kind(kind), limits)
    result.write(json.dumps(outcome.as_json(), ensure_ascii=False).encode("utf-8", "replace"))
    result.close()
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
