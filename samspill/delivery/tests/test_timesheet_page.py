"""The timesheet page: my week's rows and totals, saved all together or not at all, in constant queries."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from samspill.delivery.actions.time import approve_week
from samspill.delivery.models import Staffing, TimeEntry
from samspill.delivery.tests.timefactories import (
    LAST_MONDAY,
    LAST_WEEK,
    MONDAY,
    WEEK,
    close,
    fix_today,
    log,
    make_project,
    package,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
URL = "/projects/time/"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    fix_today(monkeypatch)


@pytest.fixture
def project(project_manager: Any, customer: Any, expert: Any) -> Any:
    return make_project(project_manager, customer, team=[expert])


def _post(client: Any, week: str, rows: list[dict[str, Any]]) -> Any:
    data: dict[str, Any] = {"rows": str(len(rows))}
    for i, row in enumerate(rows):
        data[f"r{i}-package"] = str(row["package"].pk)
        data[f"r{i}-was"] = row.get("was", "")
        if row.get("billable", True):
            data[f"r{i}-billable"] = "on"
        for day, text in enumerate(row.get("hours", [])):
            data[f"r{i}-h{day}"] = text
        for day, text in enumerate(row.get("notes", [])):
            data[f"r{i}-n{day}"] = text
    return client.post(f"{URL}?week={week}", data)


def test_the_week_shows_my_rows_with_totals_per_day_and_row(
    project: Any, expert: Any, client_for: Any
) -> None:
    log(expert, project, MONDAY, "7.5")
    log(expert, project, MONDAY + datetime.timedelta(days=1), 2, name="Utvikling", billable=False)
    page = client_for(expert).get(f"{URL}?week={WEEK}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "My timesheet · week 48" in html
    assert html.count('data-testid="sheet-row"') == 2 + 1  # two rows and the template for a new one
    assert 'value="7,5"' in html
    assert "9,5\xa0t" in html  # the week's total
    assert f'href="?week={LAST_WEEK}"' in html and 'href="?week=2026-W49"' in html


def test_this_week_is_the_default_and_a_nonsense_week_is_not_found(expert: Any, client_for: Any) -> None:
    client = client_for(expert)
    assert "week 48" in client.get(URL).content.decode()
    assert client.get(f"{URL}?week=2026-W60").status_code == 404
    assert client.get(f"{URL}?week=<script>").status_code == 404


def test_someone_on_no_team_is_told_how_to_get_rows(outsider: Any, client_for: Any) -> None:
    html = client_for(outsider).get(URL).content.decode()
    assert 'data-testid="sheet-empty"' in html
    assert 'data-testid="no-projects"' in html


def test_the_timesheet_needs_a_login(client: Any) -> None:
    assert client.get(URL).status_code == 302


def test_a_planned_package_shows_as_a_row_and_rows_are_added_or_copied(
    project: Any, expert: Any, client_for: Any
) -> None:
    Staffing.objects.create(
        project=project, package=package(project), person=expert, week=MONDAY, hours=Decimal(16)
    )
    log(expert, project, LAST_MONDAY, 3, name="Utvikling", billable=False)
    client = client_for(expert)
    html = client.get(f"{URL}?week={WEEK}").content.decode()
    assert "planned 16\xa0t" in html
    assert html.count('data-testid="sheet-row"') == 1 + 1
    copied = client.get(f"{URL}?week={WEEK}&copy=1").content.decode()
    assert copied.count('data-testid="sheet-row"') == 2 + 1
    added = client.get(f"{URL}?week={WEEK}&add={package(project, 'Utvikling').pk}").content.decode()
    assert added.count('data-testid="sheet-row"') == 2 + 1


def test_saving_the_week_logs_every_row_and_says_what_changed(
    project: Any, expert: Any, client_for: Any
) -> None:
    client = client_for(expert)
    response = _post(
        client,
        WEEK,
        [
            {"package": package(project), "hours": ["7,5", "7:30", "", "1"], "notes": ["Workshop"]},
            {"package": package(project, "Utvikling"), "billable": False, "hours": ["", "", "4"]},
        ],
    )
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?week={WEEK}"
    assert TimeEntry.objects.filter(person=expert).count() == 4
    assert TimeEntry.objects.get(date=MONDAY).note == "Workshop"
    assert not TimeEntry.objects.get(package__name="Utvikling").billable
    page = client.get(response["Location"]).content.decode()
    assert "Week 48 saved: 4 entries added." in page


def test_one_wrong_cell_saves_nothing_and_keeps_what_was_typed(
    project: Any, expert: Any, client_for: Any
) -> None:
    response = _post(
        client_for(expert),
        WEEK,
        [
            {"package": package(project), "hours": ["7,5", "sju", "-2"]},
            {"package": package(project, "Utvikling"), "hours": ["30"]},
        ],
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert "«sju» is not a number of hours" in html
    assert 'value="sju"' in html and 'value="7,5"' in html
    assert 'href="#r0-h1"' in html
    assert not TimeEntry.objects.exists()


def test_rule_errors_name_their_cell_and_nothing_is_saved(
    project: Any, expert: Any, client_for: Any, project_manager: Any, customer: Any
) -> None:
    other = make_project(project_manager, customer, title="Annet", team=[expert])
    log(expert, other, MONDAY, 20)
    response = _post(client_for(expert), WEEK, [{"package": package(project), "hours": ["5", "5"]}])
    assert response.status_code == 422
    html = response.content.decode()
    assert "would have 25\xa0t on 23.11.2026" in html
    assert 'aria-invalid="true"' in html
    assert TimeEntry.objects.count() == 1


def test_approved_and_closed_projects_show_locked_rows(
    project: Any, expert: Any, project_manager: Any, customer: Any, client_for: Any
) -> None:
    closed = make_project(project_manager, customer, title="Ferdig", team=[expert])
    log(expert, project, LAST_MONDAY, "3.5")
    log(expert, closed, LAST_MONDAY, "2.5")
    close(closed)
    approve_week(project, expert, LAST_MONDAY, by=project_manager)
    html = client_for(expert).get(f"{URL}?week={LAST_WEEK}").content.decode()
    assert html.count('data-testid="locked-row"') == 2
    assert "Approved by Pia Prosjekt" in html
    assert "The project is closed." in html
    assert 'name="r0-package"' not in html  # nothing of them is sent back
    assert "6\xa0t" in html  # the locked hours still count in the totals
    # The script adds the locked hours to the day totals as you type: it reads them with a point.
    assert 'data-hours="3.50"' in html and 'data-hours="2.50"' in html
    assert "3,5\xa0t" in html  # while people read a comma


def test_a_package_one_cannot_see_is_refused(
    project_manager: Any, customer: Any, expert: Any, outsider: Any, client_for: Any
) -> None:
    secret = make_project(project_manager, customer, title="Hemmelig", confidential=True)
    response = _post(client_for(outsider), WEEK, [{"package": package(secret), "hours": ["2"]}])
    assert response.status_code == 422
    html = response.content.decode()
    assert "Hemmelig" not in html
    assert not TimeEntry.objects.exists()


def test_the_week_costs_the_same_queries_for_few_and_many_entries(
    project: Any, expert: Any, client_for: Any, project_manager: Any, customer: Any
) -> None:
    client = client_for(expert)
    log(expert, project, MONDAY, 1)

    def count() -> int:
        client.get(f"{URL}?week={WEEK}")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{URL}?week={WEEK}&copy=1").status_code == 200
        return len(captured)

    few = count()
    for i in range(4):
        other = make_project(project_manager, customer, title=f"Prosjekt {i}", team=[expert])
        for day in range(5):
            log(expert, other, MONDAY + datetime.timedelta(days=day), 1, note=f"n{i}")
            log(expert, other, LAST_MONDAY + datetime.timedelta(days=day), 1, name="Utvikling")
        approve_week(other, expert, LAST_MONDAY, by=project_manager)
        if i == 0:
            close(other)
    assert count() == few


def test_the_add_row_choices_group_packages_by_project_and_escape_names(
    project_manager: Any, customer: Any, expert: Any, client_for: Any
) -> None:
    odd = make_project(
        project_manager,
        customer,
        title='Portal <script>alert("x")</script>',
        team=[expert],
        packages=(("Design & <b>test</b>", 40), ("Drift", 20)),
    )
    log(expert, odd, MONDAY, 2, name="Drift")
    page = client_for(expert).get(f"{URL}?week={WEEK}").content.decode()
    choices = page[page.index('id="add-package"') : page.index("</select>", page.index('id="add-package"'))]
    assert "<script>" not in choices and "<b>" not in choices
    assert 'data-project="Portal &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"' in choices
    assert f'data-project-url="/projects/{odd.pk}/"' in choices
    design = odd.packages.get(name="Design & <b>test</b>")
    # The first package not yet on the sheet is chosen; the one on the sheet says so.
    assert f'<option value="{design.pk}" selected>Design &amp; &lt;b&gt;test&lt;/b&gt;</option>' in choices
    drift = odd.packages.get(name="Drift")
    assert f'<option value="{drift.pk}" data-package="Drift">Drift (on the sheet)</option>' in choices
