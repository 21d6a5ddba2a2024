"""Time entries from a CSV file: read it whatever Norwegian Excel made of it, judge every row, import.

The file has a header row naming its columns (English or Norwegian, any order, any case):

    date;person;project;package;hours;billable;note
    2026-11-23;pia;Kundeportal;Analyse;7,5;ja;Workshop med kunden

- `date`: 2026-11-23 or 23.11.2026;
- `person`: user name or e-mail address; empty means the person importing;
- `project`: the project's number (id) or its exact title;
- `package`: the name of one of the project's work packages;
- `hours`: 7,5 or 7.5 or 7:30;
- `billable`: ja/nei, yes/no, true/false, 1/0 (empty: billable);
- `note`: free text, at most 500 characters.

Columns are separated by `;` (what Norwegian Excel writes), `,` or a tab, found from the header row.
The text may be UTF-8 (with or without a byte order mark) or Windows-1252; anything else — UTF-16,
an Excel workbook, a PDF, other binary data — is refused with what it looks like. The content type
and the file name are never trusted.

A dry run (`plan`) reads and judges every row without writing: each row is accepted or rejected
with its reasons, by the rules of `samspill.delivery.actions.time` plus what only a file can get
wrong (unknown people, projects and packages, unreadable values). `import_plan` writes the accepted
rows in one transaction. A file with rejected rows is never imported half-way by accident: the
caller must say explicitly that the rejected rows are skipped, and on the page the import must match
the dry run the person looked at (its digest), or nothing is written.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from samspill.delivery.actions import time as time_actions
from samspill.delivery.actions.time import EntrySpec, hours_problems, parse_hours
from samspill.delivery.models import Project, ProjectPackage, TimeEntry
from samspill.lib.errors import RuleBroken
from samspill.people.models import Person, Role, is_administrator

MAX_BYTES = 1024 * 1024
MAX_ROWS = 10_000
MAX_CELL = 2000
MAX_ID = 2**63 - 1
MAX_TITLE_PATTERNS = 50
COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "dato", "day", "dag"),
    "person": ("person", "user", "username", "email", "e-mail", "epost", "e-post", "brukernavn", "ansatt"),
    "project": ("project", "prosjekt", "project id", "prosjekt-id", "prosjektnummer"),
    "package": ("package", "work package", "arbeidspakke", "pakke", "aktivitet"),
    "hours": ("hours", "timer", "antall timer", "antall"),
    "billable": ("billable", "fakturerbar", "fakturerbart"),
    "note": ("note", "notat", "kommentar", "comment", "description", "beskrivelse", "tekst"),
}
ORDER = ["date", "person", "project", "package", "hours", "billable", "note"]
REQUIRED = ("date", "project", "package", "hours")
YES = {"ja", "j", "yes", "y", "true", "sann", "1", "x"}
NO = {"nei", "n", "no", "false", "usann", "0", "-"}
DELIMITERS = (";", ",", "\t")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2,4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# Text that was UTF-8, read as Windows-1252 and saved again: «ø» became «Ã¸».
_TWICE_CONVERTED = re.compile("Ã[\u0080-\u00bf\u2018-\u201e\u0152-\u0178\u02c6\u02dc\u2020-\u2122]")


class FileRefused(Exception):
    """The file as a whole cannot be read as a time CSV; the message says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """A decoded CSV file: how it was read, which column is which, and its data rows by row number."""

    text: str
    encoding: str
    delimiter: str
    columns: dict[str, int]
    ignored: list[str]
    header_width: int
    rows: list[tuple[int, list[str]]]
    warnings: list[str] = field(default_factory=list)

    @property
    def delimiter_name(self) -> str:
        return {";": _("semicolon (;)"), ",": _("comma (,)"), "\t": _("tab")}[self.delimiter]


@dataclass
class Accepted:
    row: int
    spec: EntrySpec


@dataclass
class Rejected:
    row: int
    cells: list[str]
    reasons: list[str]


@dataclass
class Plan:
    """What importing the file would do: every accepted row, every rejected one with its reasons."""

    table: Table
    accepted: list[Accepted]
    rejected: list[Rejected]
    filename: str = ""

    @property
    def digest(self) -> str:
        """A fingerprint of what the import would write and skip, to check it against the dry run."""
        lines = [
            "|".join(
                str(v)
                for v in (
                    a.row,
                    a.spec.person.pk,
                    a.spec.project.pk,
                    a.spec.package.pk,
                    a.spec.date.isoformat(),
                    a.spec.hours,
                    a.spec.billable,
                    a.spec.note,
                )
            )
            for a in self.accepted
        ]
        lines += [f"rejected|{r.row}" for r in self.rejected]
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()

    @property
    def hours(self) -> Decimal:
        return sum((a.spec.hours for a in self.accepted), Decimal(0))

    def by_project(self) -> list[dict[str, Any]]:
        """Accepted hours per project, for the summary above the rows."""
        totals: dict[int, dict[str, Any]] = {}
        for a in self.accepted:
            total = totals.setdefault(
                a.spec.project.pk, {"project": a.spec.project, "hours": Decimal(0), "rows": 0}
            )
            total["hours"] += a.spec.hours
            total["rows"] += 1
        return sorted(totals.values(), key=lambda t: t["project"].title.casefold())


class ImportRefused(RuleBroken):
    """Nothing was imported because rows were rejected and skipping them was not confirmed."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        super().__init__(
            _(
                "Nothing was imported: %(rejected)d of %(total)d rows are rejected. Correct them, "
                "or confirm that only the %(accepted)d good rows are imported."
            )
            % {
                "rejected": len(plan.rejected),
                "total": len(plan.rejected) + len(plan.accepted),
                "accepted": len(plan.accepted),
            }
        )


def can_import(user: Any) -> bool:
    """Project managers, delivery managers, management and administrators import hours.

    Each row is still judged by the time rules: hours for somebody else only on a project the
    importer may change, and only for a person on that project's team.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_administrator(user) or user.has_role(Role.PROJECT_MANAGER, Role.DELIVERY_MANAGER, Role.MANAGEMENT):
        return True
    return Project.objects.filter(manager=user).exists()


# -- reading the bytes -----------------------------------------------------------------------------


def body_too_large(request: Any) -> bool:
    """Whether a request is too large for a CSV file (and the dry run's text sent back), before reading it."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > 2 * MAX_BYTES + 64 * 1024


def read_upload(upload: Any) -> bytes:
    """Return an uploaded file's bytes, refusing one over `MAX_BYTES` without reading it all."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise FileRefused(_too_big())
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise FileRefused(_too_big())
    return bytes(data)


def _too_big() -> str:
    return _("The file is larger than %(size)d MB; split it into smaller files.") % {
        "size": MAX_BYTES // (1024 * 1024)
    }


def _looks_binary(data: bytes) -> str | None:
    """Say what a file is when it is clearly not CSV text."""
    head = data[:8]
    if head.startswith(b"PK\x03\x04"):
        return _(
            "This is an Excel workbook (or another ZIP file), not CSV. In Excel, choose "
            "File → Save as → «CSV (semicolon separated)» and import that file."
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return _("This is an old Excel workbook (.xls), not CSV. Save it as «CSV (semicolon separated)».")
    if head.startswith(b"%PDF"):
        return _("This is a PDF document, not CSV.")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) > 1 and data[1:2] == b"\x00"):
        return _(
            "The file is UTF-16 text (Excel's «Unicode text»). Save it as «CSV UTF-8» or "
            "«CSV (semicolon separated)» instead."
        )
    if b"\x00" in data[:65536]:
        return _("This is a binary file, not CSV text.")
    return None


def decode(data: bytes) -> tuple[str, str]:
    """Return the file's text and the name of its encoding: UTF-8 (with or without BOM) or Windows-1252."""
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise FileRefused(_("The file is empty."))
    binary = _looks_binary(data)
    if binary:
        raise FileRefused(binary)
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            text, encoding = data[3:].decode("utf-8"), "UTF-8 (BOM)"
        except UnicodeDecodeError:
            raise FileRefused(
                _("The file says it is UTF-8 but is not; save it again as «CSV UTF-8».")
            ) from None
    else:
        try:
            text, encoding = data.decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode("cp1252"), "Windows-1252"
            except UnicodeDecodeError:
                raise FileRefused(
                    _(
                        "The file is neither UTF-8 nor Windows-1252 text, so its letters cannot be read "
                        "safely. Save it as «CSV UTF-8»."
                    )
                ) from None
    if any(ord(c) < 32 and c not in "\t\r\n\f" for c in text[:65536]):
        raise FileRefused(_("The file holds control characters: it is not CSV text."))
    return text, encoding


# -- reading the table -----------------------------------------------------------------------------


def _delimiter(line: str) -> str:
    counts = {d: 0 for d in DELIMITERS}
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    if counts[best] == 0:
        raise FileRefused(
            _("The first row has no column separator. Separate the columns with ; (or ,), as in the example.")
        )
    return best


def _header_key(name: str) -> str:
    return " ".join(name.strip().strip("\ufeff").replace("_", " ").casefold().split())


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    known = {alias: key for key, aliases in COLUMNS.items() for alias in aliases}
    columns: dict[str, int] = {}
    ignored = []
    for position, name in enumerate(header):
        key = known.get(_header_key(name))
        if key is None:
            if name.strip():
                ignored.append(name.strip())
            continue
        if key in columns:
            raise FileRefused(
                _("The column «%(name)s» appears twice in the first row.") % {"name": name.strip()}
            )
        columns[key] = position
    if not columns:
        raise FileRefused(
            _("The first row must name the columns: %(columns)s (see the example file).")
            % {"columns": ";".join(ORDER)}
        )
    missing = [key for key in REQUIRED if key not in columns]
    if missing:
        raise FileRefused(
            _("The file has no column %(missing)s. The first row must name the columns: %(columns)s.")
            % {"missing": ", ".join(f"«{m}»" for m in missing), "columns": ";".join(ORDER)}
        )
    return columns, ignored


def read_table(data: bytes) -> Table:
    """Decode the bytes and split them into a header and rows; FileRefused when that is impossible."""
    text, encoding = decode(data)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = _delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
            if len(records) > MAX_ROWS + 1:
                raise FileRefused(
                    _("The file has more than %(count)d rows; split it into smaller files.")
                    % {"count": MAX_ROWS}
                )
    except csv.Error as error:
        raise FileRefused(
            _("Row %(row)d is not valid CSV (%(error)s); check the quotes on that row.")
            % {"row": len(records) + 1, "error": error}
        ) from None
    start = next((i for i, r in enumerate(records) if any(c.strip() for c in r)), None)
    if start is None:
        raise FileRefused(_("The file is empty."))
    header = records[start]
    columns, ignored = _columns(header)
    rows = [
        (number, record)
        for number, record in enumerate(records[start + 1 :], start=start + 2)
        if any(cell.strip() for cell in record)
    ]
    if not rows:
        raise FileRefused(_("The file has a header row but no rows of hours."))
    table = Table(text, encoding, delimiter, columns, ignored, len(header), rows)
    if ignored:
        table.warnings.append(
            _("These columns are not known and are ignored: %(names)s.") % {"names": ", ".join(ignored)}
        )
    if _TWICE_CONVERTED.search(text):
        table.warnings.append(
            _(
                "Some letters look converted twice («Ã¸» where «ø» was meant). Names with æ, ø or å "
                "may not be found; save the file as «CSV UTF-8» from the original."
            )
        )
    return table


# -- judging the rows ------------------------------------------------------------------------------


def parse_date(text: str) -> datetime.date:
    """Return a date written 2026-11-27 or 27.11.2026; ValueError for anything else."""
    value = text.strip()
    if match := _ISO.match(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DOTTED.match(value):
        day, month, year = (int(g) for g in match.groups())
        if len(match.group(3)) != 4:
            raise ValueError(text)
    else:
        raise ValueError(text)
    return datetime.date(year, month, day)


def parse_billable(text: str) -> bool:
    value = text.strip().casefold()
    if not value or value in YES:
        return True
    if value in NO:
        return False
    raise ValueError(text)


@dataclass
class _Lookup:
    people: dict[str, Person]
    projects_by_id: dict[int, Project]
    projects_by_title: dict[str, list[Project]]
    packages: dict[int, dict[str, list[ProjectPackage]]]


def _cell(record: list[str], table: Table, name: str) -> str:
    position = table.columns.get(name)
    if position is None or position >= len(record):
        return ""
    return record[position].strip()


def _lookup(table: Table, by: Any) -> _Lookup:
    """Find every person, project and package the rows name, in a fixed number of queries."""
    names = {_cell(r, table, "person").casefold() for _n, r in table.rows} - {""}
    raw_names = {_cell(r, table, "person") for _n, r in table.rows} - {""}
    people: dict[str, Person] = {}
    if names:
        found = (
            Person.objects.annotate(u=Lower("username"), e=Lower("email"))
            .filter(Q(u__in=names) | Q(e__in=names) | Q(username__in=raw_names) | Q(email__in=raw_names))
            .prefetch_related("role_assignments")
        )
        for person in found:
            people.setdefault(person.username.casefold(), person)
            if person.email:
                people.setdefault(person.email.casefold(), person)
    references = {_cell(r, table, "project") for _n, r in table.rows} - {""}
    ids = {int(ref) for ref in references if ref.isdigit() and int(ref) <= MAX_ID}
    titles = {ref for ref in references if not ref.isdigit()}
    visible = Project.objects.visible_to(by).annotate(t=Lower("title"))
    found_projects = list(
        visible.filter(Q(pk__in=ids) | Q(title__in=titles) | Q(t__in={t.casefold() for t in titles}))
    )
    missing = {t for t in titles if t.casefold() not in {p.title.strip().casefold() for p in found_projects}}
    if missing:  # SQLite lowercases ASCII only: find «øst» for «Øst» by a case-blind pattern
        pattern = Q()
        for title in sorted(missing)[:MAX_TITLE_PATTERNS]:
            pattern |= Q(title__iregex=rf"^\s*{re.escape(title)}\s*$")
        found_projects += list(visible.filter(pattern).exclude(pk__in=[p.pk for p in found_projects]))
    by_title: dict[str, list[Project]] = {}
    for project in found_projects:
        by_title.setdefault(project.title.strip().casefold(), []).append(project)
    packages: dict[int, dict[str, list[ProjectPackage]]] = {}
    for package in ProjectPackage.objects.filter(project__in=[p.pk for p in found_projects]).order_by(
        "position", "pk"
    ):
        packages.setdefault(package.project_id, {}).setdefault(package.name.strip().casefold(), []).append(
            package
        )
    return _Lookup(people, {p.pk: p for p in found_projects}, by_title, packages)


def _project(reference: str, lookup: _Lookup, reasons: list[str]) -> Project | None:
    if not reference:
        reasons.append(_("The project is missing."))
        return None
    if reference.isdigit():
        project = lookup.projects_by_id.get(int(reference)) if int(reference) <= MAX_ID else None
        if project is None:
            reasons.append(_("Unknown project number %(ref)s.") % {"ref": reference})
        return project
    found = lookup.projects_by_title.get(reference.casefold(), [])
    if not found:
        reasons.append(
            _("Unknown project «%(ref)s»: write its exact title or its number.") % {"ref": reference}
        )
        return None
    if len(found) > 1:
        reasons.append(
            _("Several projects are called «%(ref)s»; write the project's number instead (%(ids)s).")
            % {"ref": reference, "ids": ", ".join(str(p.pk) for p in found)}
        )
        return None
    return found[0]


def _package(
    name: str, project: Project | None, lookup: _Lookup, reasons: list[str]
) -> ProjectPackage | None:
    if not name:
        reasons.append(_("The work package is missing."))
        return None
    if project is None:
        return None
    found = lookup.packages.get(project.pk, {}).get(name.casefold(), [])
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        reasons.append(
            _("«%(project)s» has several work packages called «%(name)s».")
            % {"project": project.title, "name": name}
        )
        return None
    known = sorted({p.name for group in lookup.packages.get(project.pk, {}).values() for p in group})
    reasons.append(
        _("«%(project)s» has no work package «%(name)s» (it has: %(known)s).")
        % {"project": project.title, "name": name, "known": ", ".join(known) or "—"}
    )
    return None


def _row(number: int, record: list[str], table: Table, lookup: _Lookup, by: Any) -> Accepted | Rejected:
    """Read one row into an entry to make, or the reasons it cannot be read."""
    reasons: list[str] = []
    if len(record) > table.header_width and any(c.strip() for c in record[table.header_width :]):
        hint = ""
        if table.delimiter == ",":
            hint = " " + _('With «,» between columns a decimal comma needs quotes ("7,5"), or use «;».')
        reasons.append(
            _("The row has %(count)d values but the first row names %(width)d columns.")
            % {"count": len(record), "width": table.header_width}
            + hint
        )
        return Rejected(number, record, reasons)
    if any(len(cell) > MAX_CELL for cell in record):
        return Rejected(number, [c[:80] for c in record], [_("A value is too long.")])
    day = None
    try:
        day = parse_date(_cell(record, table, "date"))
    except ValueError:
        reasons.append(
            _("«%(value)s» is not a date: write 2026-11-27 or 27.11.2026.")
            % {"value": _cell(record, table, "date")}
        )
    who = _cell(record, table, "person")
    person = lookup.people.get(who.casefold()) if who else by
    if person is None:
        reasons.append(_("Unknown person «%(value)s»: write a user name or e-mail address.") % {"value": who})
    project = _project(_cell(record, table, "project"), lookup, reasons)
    package = _package(_cell(record, table, "package"), project, lookup, reasons)
    hours = None
    try:
        hours = parse_hours(_cell(record, table, "hours"))
        reasons.extend(hours_problems(hours))
    except ValueError:
        reasons.append(
            _("«%(value)s» is not a number of hours: write 7,5 or 7:30.")
            % {"value": _cell(record, table, "hours")}
        )
    billable = True
    try:
        billable = parse_billable(_cell(record, table, "billable"))
    except ValueError:
        reasons.append(
            _("«%(value)s» is not yes or no for billable.") % {"value": _cell(record, table, "billable")}
        )
    note = _cell(record, table, "note")
    if len(note) > time_actions.MAX_NOTE:
        reasons.append(_("The note is longer than %(count)d characters.") % {"count": time_actions.MAX_NOTE})
    if reasons or day is None or person is None or project is None or package is None or hours is None:
        return Rejected(number, record, reasons)
    return Accepted(number, EntrySpec(person, project, package, day, hours, billable, note))


def plan(table: Table, *, by: Any, filename: str = "") -> Plan:
    """Judge every row of `table` as importing it now would, without writing anything."""
    lookup = _lookup(table, by)
    judged = [_row(number, record, table, lookup, by) for number, record in table.rows]
    accepted = [j for j in judged if isinstance(j, Accepted)]
    rejected = [j for j in judged if isinstance(j, Rejected)]
    problems = time_actions.check_entries([a.spec for a in accepted], by=by)
    for index in _already_logged([a.spec for a in accepted]):
        problems.setdefault(index, []).append(
            time_actions.Problem(
                "hours",
                _(
                    "These hours are logged already (same person, day, work package, hours and note); "
                    "importing them again would count them twice."
                ),
            )
        )
    if problems:
        records = dict(table.rows)
        for index in sorted(problems, reverse=True):
            row = accepted.pop(index)
            reasons = list(dict.fromkeys(p.message for p in problems[index]))
            rejected.append(Rejected(row.row, records[row.row], reasons))
        rejected.sort(key=lambda r: r.row)
    return Plan(table, accepted, rejected, filename)


def _already_logged(specs: Sequence[EntrySpec]) -> list[int]:
    """Return the indexes of entries exactly like one already stored: the same file imported twice."""
    if not specs:
        return []
    dates = [s.date for s in specs]
    stored = set(
        (person, package, day, hours.normalize(), note)
        for person, package, day, hours, note in TimeEntry.objects.filter(
            person_id__in={s.person.pk for s in specs},
            package_id__in={s.package.pk for s in specs},
            date__range=(min(dates), max(dates)),
        ).values_list("person_id", "package_id", "date", "hours", "note")
    )
    return [
        index
        for index, s in enumerate(specs)
        if (s.person.pk, s.package.pk, s.date, s.hours.normalize(), s.note) in stored
    ]


def dry_run(data: bytes, *, by: Any, filename: str = "") -> Plan:
    """Read and judge a file's bytes: the plan the dry run shows."""
    return plan(read_table(data), by=by, filename=filename)


def import_plan(
    current: Plan, *, by: Any, skip_rejected: bool = False, expected_digest: str | None = None
) -> list[TimeEntry]:
    """Write the plan's accepted rows in one transaction, or nothing.

    Refused when rows are rejected and `skip_rejected` is not given, and when `expected_digest` (the
    dry run the person looked at) no longer matches what would be written.
    """
    if expected_digest is not None and expected_digest != current.digest:
        raise RuleBroken(
            _(
                "The file or the projects changed since the dry run, so nothing was imported. "
                "Check the new dry run."
            )
        )
    if current.rejected and not skip_rejected:
        raise ImportRefused(current)
    if not current.accepted:
        raise RuleBroken(_("No row can be imported."))
    data = {"source": "import", "file": current.filename[:200], "rows": len(current.accepted)}
    return time_actions.log_entries([a.spec for a in current.accepted], by=by, data=data)


def example_rows(
    person: Any, project: Project | None = None, packages: Sequence[str] = (), *, today: datetime.date
) -> list[Sequence[str]]:
    """The rows of the example file: a header and three entries, on one of the person's projects if any."""
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    title = project.title if project else "Kundeportal"
    number = str(project.pk) if project else "12"
    first, second = ([*packages, *packages[:1]] if packages else ["Analyse", "Utvikling"])[:2]
    return [
        ORDER,
        [monday.isoformat(), person.username, title, first, "7,5", "ja", "Workshop med kunden"],
        [
            (monday + datetime.timedelta(days=1)).strftime("%d.%m.%Y"),
            person.email,
            number,
            second,
            "6",
            "ja",
            "",
        ],
        [
            (monday + datetime.timedelta(days=2)).strftime("%d.%m.%Y"),
            "",
            title,
            first,
            "1:30",
            "nei",
            "Intern gjennomgang",
        ],
    ]


def example_csv(rows: Sequence[Sequence[str]]) -> bytes:
    """The example file: semicolons, decimal commas and a byte order mark, as Norwegian Excel likes it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
