"""Reading and judging a CSV file of hours: what Norwegian Excel writes works, nonsense is rejected row
by row, a file that is no CSV text is refused as a whole, and nothing is ever imported half-way."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.delivery.actions.time import approve_week
from samspill.delivery.importing import (
    FileRefused,
    ImportRefused,
    can_import,
    dry_run,
    example_csv,
    example_rows,
    import_plan,
    read_table,
)
from samspill.delivery.models import Project, TimeEntry
from samspill.delivery.tests.timefactories import (
    LAST_MONDAY,
    TODAY,
    close,
    delivery_manager,
    fix_today,
    log,
    make_project,
)
from samspill.lib.errors import RuleBroken

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
HEADER = "date;person;project;package;hours;billable;note"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    fix_today(monkeypatch)


@pytest.fixture
def project(project_manager: Any, customer: Any, expert: Any) -> Any:
    return make_project(project_manager, customer, title="Kundeportal Øst", team=[expert])


def csv(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\r\n".join([header, *rows]).encode(encoding)


def reasons(found: Any) -> dict[int, str]:
    return {r.row: " ".join(r.reasons) for r in found.rejected}


def test_a_norwegian_excel_file_is_read_with_semicolons_decimal_commas_and_windows_1252(
    project: Any, project_manager: Any, expert: Any
) -> None:
    data = csv(
        f"16.11.2026;frode;{project.title};Analyse;7,5;ja;Møte på Ålesund",
        f"2026-11-17;FRODE@example.no;{project.pk};analyse;1:30;nei;",
        "18.11.2026;;kundeportal øst;Utvikling;2;;",
        encoding="cp1252",
    )
    found = dry_run(data, by=project_manager)
    assert (found.table.encoding, found.table.delimiter) == ("Windows-1252", ";")
    assert not found.rejected
    first, second, third = (a.spec for a in found.accepted)
    assert (first.person, first.hours, first.billable, first.note) == (
        expert,
        Decimal("7.5"),
        True,
        "Møte på Ålesund",
    )
    assert (second.person, second.hours, second.billable, second.package.name) == (
        expert,
        Decimal("1.50"),
        False,
        "Analyse",
    )
    assert (third.person, third.date) == (project_manager, datetime.date(2026, 11, 18))


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf8_with_or_without_a_byte_order_mark_and_commas_between_columns(
    project: Any, project_manager: Any, bom: bytes
) -> None:
    text = 'dato,person,prosjekt,arbeidspakke,timer\r\n16.11.2026,frode,Kundeportal Øst,Analyse,"7,5"\r\n'
    data = bom + text.encode()
    found = dry_run(data, by=project_manager)
    assert found.table.encoding == ("UTF-8 (BOM)" if bom else "UTF-8")
    assert [a.spec.hours for a in found.accepted] == [Decimal("7.5")]


def test_every_kind_of_nonsense_is_rejected_row_by_row_with_its_reason(
    project: Any, project_manager: Any, expert: Any, customer: Any, outsider: Any
) -> None:
    closed = make_project(project_manager, customer, title="Ferdig", team=[expert])
    close(closed)
    log(expert, project, LAST_MONDAY - datetime.timedelta(days=7), 1)
    approve_week(project, expert, LAST_MONDAY - datetime.timedelta(days=7), by=project_manager)
    p = project.title
    data = csv(
        f"16.11.2026;frode;{p};Analyse;-2;ja;",  # 2 negative
        f"16.11.2026;frode;{p};Analyse;25;ja;",  # 3 more than a day
        "16.11.2026;frode;Ukjent;Analyse;2;ja;",  # 4 unknown project
        f"16.11.2026;frode;{p};Drift;2;ja;",  # 5 unknown package
        f"10.11.2026;frode;{p};Analyse;2;ja;",  # 6 approved week
        "16.11.2026;frode;Ferdig;Analyse;2;ja;",  # 7 closed project
        f"16.11.2026;otto;{p};Analyse;2;ja;",  # 8 not on the team
        f"16.11.2026;nobody;{p};Analyse;2;ja;",  # 9 unknown person
        f"31.02.2026;frode;{p};Analyse;2;ja;",  # 10 no such date
        f"11/16/2026;frode;{p};Analyse;2;ja;",  # 11 an American date
        f"16.11.2026;frode;{p};Analyse;sju;ja;",  # 12 no number
        f"16.11.2026;frode;{p};Analyse;2;kanskje;",  # 13 billable nonsense
        f"{(TODAY + datetime.timedelta(days=30)).isoformat()};frode;{p};Analyse;2;ja;",  # 14 far ahead
        f"16.11.2026;frode;{p};Analyse;2;ja;note;extra",  # 15 too many values
        f"16.11.2026;frode;{p};;2;ja;",  # 16 no package
        f"16.11.2026;frode;{p};Analyse;7,5;ja;fine",  # 17 fine
    )
    found = dry_run(data, by=project_manager)
    why = reasons(found)
    assert [a.row for a in found.accepted] == [17]
    assert "cannot be negative" in why[2]
    assert "at most 24 hours" in why[3]
    assert "Unknown project «Ukjent»" in why[4]
    assert "has no work package «Drift» (it has: Analyse, Utvikling)" in why[5]
    assert "Week 46 is approved" in why[6]
    assert "is closed" in why[7]
    assert "not on the team" in why[8]
    assert "Unknown person «nobody»" in why[9]
    assert "not a date" in why[10] and "not a date" in why[11]
    assert "not a number of hours" in why[12]
    assert "not yes or no" in why[13]
    assert "days ahead" in why[14]
    assert "has 8 values" in why[15]
    assert "work package is missing" in why[16]
    assert sorted(why) == list(range(2, 17))


def test_a_day_over_24_hours_counts_the_file_and_what_is_logged_already(
    project: Any, project_manager: Any, expert: Any
) -> None:
    log(expert, project, LAST_MONDAY, 10)
    p = project.title
    data = csv(
        f"16.11.2026;frode;{p};Analyse;8;ja;a",
        f"16.11.2026;frode;{p};Utvikling;8;ja;b",
        f"17.11.2026;frode;{p};Analyse;8;ja;",
    )
    found = dry_run(data, by=project_manager)
    assert [a.row for a in found.accepted] == [4]
    assert "would have 26\xa0t on 16.11.2026" in reasons(found)[2]
    assert set(reasons(found)) == {2, 3}


def test_a_file_imported_twice_is_caught_by_the_second_dry_run(project: Any, project_manager: Any) -> None:
    data = csv(f"16.11.2026;frode;{project.title};Analyse;2;ja;Møte")
    import_plan(dry_run(data, by=project_manager), by=project_manager)
    again = dry_run(data, by=project_manager)
    assert "logged already" in reasons(again)[2]


def test_only_a_project_manager_of_the_project_imports_for_others(
    project: Any, project_manager: Any, expert: Any, customer: Any, manager: Any
) -> None:
    theirs = make_project(manager, customer, title="Deres", team=[expert])
    data = csv("16.11.2026;frode;Deres;Analyse;2;ja;", f"16.11.2026;frode;{project.title};Analyse;2;ja;")
    found = dry_run(data, by=project_manager)
    assert "Only the project manager of «Deres»" in reasons(found)[2]
    assert [a.row for a in found.accepted] == [3]
    assert theirs.pk  # management may: it changes every project
    assert not dry_run(data, by=manager).rejected
    assert not dry_run(data, by=delivery_manager()).rejected


def test_a_confidential_project_reads_as_unknown_to_who_cannot_see_it(
    project_manager: Any, customer: Any, expert: Any
) -> None:
    secret = make_project(project_manager, customer, title="Hemmelig", team=[expert], confidential=True)
    data = csv("16.11.2026;;Hemmelig;Analyse;2;ja;", f"16.11.2026;;{secret.pk};Analyse;2;ja;")
    found = dry_run(data, by=delivery_manager())  # a delivery manager sees every project
    assert not found.rejected
    found = dry_run(data, by=expert)  # on the team: sees it
    assert not found.rejected
    from samspill.delivery.tests.timefactories import person

    found = dry_run(data, by=person("pelle", ["project_manager"]))
    assert "Unknown project «Hemmelig»" in reasons(found)[2]
    assert f"Unknown project number {secret.pk}" in reasons(found)[3]


def test_a_title_is_found_whatever_the_case_of_its_norwegian_letters(
    project: Any, project_manager: Any
) -> None:
    found = dry_run(csv("16.11.2026;frode; KUNDEPORTAL øST ;analyse;2;ja;"), by=project_manager)
    assert [a.spec.project for a in found.accepted] == [project]


def test_two_projects_with_the_same_title_need_the_number(
    project_manager: Any, customer: Any, expert: Any
) -> None:
    first = make_project(project_manager, customer, title="Portal", team=[expert])
    make_project(project_manager, customer, title="Portal", team=[expert])
    found = dry_run(
        csv("16.11.2026;frode;Portal;Analyse;2;ja;", f"16.11.2026;frode;{first.pk};Analyse;2;ja;"),
        by=project_manager,
    )
    assert "Several projects are called «Portal»" in reasons(found)[2]
    assert [a.row for a in found.accepted] == [3]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \r\n\r\n", "empty"),
        (b"\xef\xbb\xbf", "empty"),
        (HEADER.encode() + b"\r\n", "no rows of hours"),
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 100, "Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (HEADER.encode("utf-16"), "UTF-16"),
        (HEADER.encode("utf-16-le"), "UTF-16"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"date;hours\x01\x02;project\r\n", "control characters"),
        (b"date;person;project;package;hours\r\n\x81\x8d\x8f;x;y;z;1\r\n", "neither UTF-8 nor Windows-1252"),
        (b"\xef\xbb\xbfdate;hours\r\n\xff\xfe;1\r\n", "says it is UTF-8"),
        (b"just some words without separators\r\n", "no column separator"),
        (b"a;b;c\r\n1;2;3\r\n", "must name the columns"),
        (b"date;project;package\r\n2026-11-16;1;A\r\n", "no column «hours»"),
        (b"date;project;package;hours;timer\r\n2026-11-16;1;A;1;1\r\n", "appears twice"),
        (b'date;project;package;hours\r\n2026-11-16;"1;A;1\r\n', "not valid CSV"),
    ],
)
def test_a_file_that_is_not_a_time_csv_is_refused_as_a_whole(data: bytes, message: str) -> None:
    with pytest.raises(FileRefused) as refused:
        read_table(data)
    assert message in refused.value.message


def test_unknown_columns_and_twice_converted_letters_are_warned_about(
    project: Any, project_manager: Any
) -> None:
    data = csv("16.11.2026;frode;Kundeportal Ã˜st;Analyse;2;ja;;x", header=HEADER + ";Avdeling")
    found = dry_run(data, by=project_manager)
    assert any("Avdeling" in w for w in found.table.warnings)
    assert any("converted twice" in w for w in found.table.warnings)
    assert "Unknown project" in reasons(found)[2]


def test_nothing_is_imported_half_way(project: Any, project_manager: Any) -> None:
    data = csv(
        f"16.11.2026;frode;{project.title};Analyse;2;ja;", f"16.11.2026;frode;{project.title};Analyse;-2;ja;"
    )
    found = dry_run(data, by=project_manager)
    with pytest.raises(ImportRefused) as refused:
        import_plan(found, by=project_manager)
    assert "Nothing was imported: 1 of 2 rows are rejected" in refused.value.message
    assert not TimeEntry.objects.exists()
    created = import_plan(found, by=project_manager, skip_rejected=True)
    assert [e.hours for e in created] == [2]
    assert Project.objects.get(pk=project.pk).actual_hours == 2
    event = Event.objects.get(verb="time.imported")
    assert (event.target_id, event.data["entries"], event.data["count"]) == (
        str(project.pk),
        [created[0].pk],
        1,
    )


def test_the_import_must_match_the_dry_run_it_confirms(
    project: Any, project_manager: Any, expert: Any
) -> None:
    data = csv(f"16.11.2026;frode;{project.title};Analyse;2;ja;")
    seen = dry_run(data, by=project_manager)
    log(expert, project, LAST_MONDAY, 1)
    approve_week(project, expert, LAST_MONDAY, by=project_manager)  # the week locks after the dry run
    now = dry_run(data, by=project_manager)
    with pytest.raises(RuleBroken):
        import_plan(now, by=project_manager, skip_rejected=True, expected_digest=seen.digest)
    assert TimeEntry.objects.count() == 1


def test_a_plan_that_became_wrong_after_the_dry_run_writes_nothing(
    project: Any, project_manager: Any, expert: Any
) -> None:
    from samspill.delivery.actions.time import EntriesRefused

    data = csv(
        f"16.11.2026;frode;{project.title};Analyse;2;ja;", f"17.11.2026;frode;{project.title};Analyse;2;ja;"
    )
    found = dry_run(data, by=project_manager)
    log(expert, project, LAST_MONDAY + datetime.timedelta(days=1), 1)
    approve_week(project, expert, LAST_MONDAY, by=project_manager)
    with pytest.raises(EntriesRefused):
        import_plan(found, by=project_manager)
    assert TimeEntry.objects.count() == 1


def test_the_example_file_reads_back_as_its_rows(project: Any, project_manager: Any) -> None:
    rows = example_rows(project_manager, project, ["Analyse", "Utvikling"], today=TODAY)
    data = example_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf") and b";" in data
    found = dry_run(data, by=project_manager)
    assert len(found.accepted) + len(found.rejected) == 3
    assert found.table.delimiter == ";"


def test_who_may_import(project_manager: Any, expert: Any, seller: Any, manager: Any, outsider: Any) -> None:
    assert can_import(project_manager) and can_import(manager) and can_import(delivery_manager())
    assert not can_import(expert) and not can_import(seller) and not can_import(outsider)
