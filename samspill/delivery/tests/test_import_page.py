"""The import page: a dry run of every row, then an import of exactly what it showed, or nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from samspill.delivery.models import TimeEntry
from samspill.delivery.tests.timefactories import fix_today, make_project

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
URL = "/projects/time/import/"
HEADER = "date;person;project;package;hours;billable;note"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    fix_today(monkeypatch)


@pytest.fixture
def project(project_manager: Any, customer: Any, expert: Any) -> Any:
    return make_project(project_manager, customer, team=[expert])


def upload(client: Any, text: str | bytes, name: str = "timer.csv", content_type: str = "text/csv") -> Any:
    data = text.encode("cp1252") if isinstance(text, str) else text
    return client.post(URL, {"file": SimpleUploadedFile(name, data, content_type=content_type)})


def confirm(client: Any, response: Any, **extra: Any) -> Any:
    form = response.context["confirm"]
    data = {
        "content": form.initial["content"],
        "digest": form.initial["digest"],
        "filename": "timer.csv",
        **extra,
    }
    return client.post(URL, data)


def test_the_page_explains_the_format_and_offers_an_example(
    project: Any, project_manager: Any, client_for: Any
) -> None:
    client = client_for(project_manager)
    html = client.get(URL).content.decode()
    assert "date;person;project;package;hours;billable;note" in html
    assert f"pia;{project.title};Analyse;7,5;ja" in html  # the example uses the manager's own project
    example = client.get("/projects/time/import/example.csv")
    assert example["Content-Type"] == "text/csv; charset=utf-8"
    assert example.content.startswith(b"\xef\xbb\xbf" + HEADER.encode())


def test_a_dry_run_shows_every_row_and_writes_nothing(
    project: Any, project_manager: Any, client_for: Any
) -> None:
    client = client_for(project_manager)
    text = "\r\n".join(
        [
            HEADER,
            "16.11.2026;frode;Kundeportal;Analyse;7,5;ja;Møte",
            "16.11.2026;frode;Kundeportal;Drift;2;ja;",
        ]
    )
    response = upload(client, text)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="accepted-row"') == 1 and html.count('data-testid="rejected-row"') == 1
    assert "has no work package «Drift»" in html
    assert "Windows-1252 text, columns separated by semicolon (;)" in html
    assert 'data-testid="skip-rejected"' in html
    assert not TimeEntry.objects.exists()


def test_import_creates_exactly_the_rows_of_a_clean_dry_run(
    project: Any, project_manager: Any, client_for: Any
) -> None:
    client = client_for(project_manager)
    text = "\r\n".join(
        [
            HEADER,
            "16.11.2026;frode;Kundeportal;Analyse;7,5;ja;Møte",
            "17.11.2026;pia;Kundeportal;Utvikling;2;nei;",
        ]
    )
    dry = upload(client, text)
    assert 'data-testid="skip-rejected"' not in dry.content.decode()
    done = confirm(client, dry)
    assert done.status_code == 302
    assert sorted(TimeEntry.objects.values_list("hours", "billable", "note")) == [
        (2, False, ""),
        (7.5, True, "Møte"),
    ]
    assert "Imported 2 entries (9,5\xa0t) on Kundeportal." in client.get(URL).content.decode()


def test_rejected_rows_are_skipped_only_when_confirmed(
    project: Any, project_manager: Any, client_for: Any
) -> None:
    client = client_for(project_manager)
    text = "\r\n".join(
        [
            HEADER,
            "16.11.2026;frode;Kundeportal;Analyse;7,5;ja;",
            "16.11.2026;frode;Kundeportal;Analyse;-1;ja;",
        ]
    )
    dry = upload(client, text)
    refused = confirm(client, dry)
    assert refused.status_code == 409
    assert "Nothing was imported: 1 of 2 rows are rejected" in refused.content.decode()
    assert not TimeEntry.objects.exists()
    assert confirm(client, dry, skip_rejected="on").status_code == 302
    assert TimeEntry.objects.count() == 1


def test_a_changed_file_is_not_imported_on_an_old_dry_run(
    project: Any, project_manager: Any, client_for: Any
) -> None:
    client = client_for(project_manager)
    dry = upload(client, "\r\n".join([HEADER, "16.11.2026;frode;Kundeportal;Analyse;7,5;ja;"]))
    form = dry.context["confirm"]
    tampered = form.initial["content"].replace("7,5", "24")
    response = client.post(URL, {"content": tampered, "digest": form.initial["digest"]})
    assert response.status_code == 409
    assert "changed since the dry run" in response.content.decode()
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"PK\x03\x04" + b"\x00" * 50, "Excel workbook"),
        ("dato;timer\r\nfoo;bar\r\n".encode("utf-16"), "UTF-16"),
        (b"\x00\x01\x02\x03binary", "binary file"),
    ],
)
def test_a_file_that_is_no_csv_is_refused_whatever_it_claims_to_be(
    project_manager: Any, client_for: Any, data: bytes, message: str
) -> None:
    response = upload(client_for(project_manager), data, name="timer.csv", content_type="text/csv")
    assert response.status_code == 422
    assert message in response.content.decode()


def test_a_file_over_the_size_limit_is_refused(project_manager: Any, client_for: Any) -> None:
    data = (HEADER + "\r\n").encode() + b"2026-11-16;;1;A;1;ja;" + b"x" * (1024 * 1024)
    response = upload(client_for(project_manager), data)
    assert response.status_code in (413, 422)
    assert "larger than 1 MB" in response.content.decode()


def test_people_who_do_not_manage_projects_may_not_import(expert: Any, seller: Any, client_for: Any) -> None:
    for person in (expert, seller):
        assert client_for(person).get(URL).status_code == 403
        assert client_for(person).get("/projects/time/import/example.csv").status_code == 403


def test_a_lost_dry_run_asks_for_the_file_again(project_manager: Any, client_for: Any) -> None:
    response = client_for(project_manager).post(URL, {"content": "x", "digest": "nope"}, follow=True)
    assert "Upload the file again" in response.content.decode()
