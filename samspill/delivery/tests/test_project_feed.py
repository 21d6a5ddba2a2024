"""The project's feed reads as a project manager follows the hours: weeks approved and reopened, imports,
and no line per single time entry."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from samspill.activity.feeds import feed_for
from samspill.activity.models import Event
from samspill.delivery.actions.projects import add_status_report
from samspill.delivery.actions.time import (
    EntrySpec,
    approve_week,
    change_entry,
    delete_entry,
    log_entries,
    reopen_week,
)
from samspill.delivery.tests.timefactories import LAST_MONDAY, fix_today, log, make_project, package, person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
WEEK_BEFORE = LAST_MONDAY - datetime.timedelta(days=7)  # week 46


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    fix_today(monkeypatch)


@pytest.fixture
def kari() -> Any:
    return person("kari", ["expert"], name="Kari Nordmann")


@pytest.fixture
def project(project_manager: Any, customer: Any, expert: Any, kari: Any) -> Any:
    return make_project(project_manager, customer, team=[expert, kari])


def _sentences(project: Any, user: Any) -> list[str]:
    return [line.sentence for line in feed_for(project, user, limit=10)]


def test_single_time_entries_stay_in_the_event_log_and_out_of_the_project_feed(
    project: Any, expert: Any, project_manager: Any, client_for: Any
) -> None:
    kept = log(expert, project, LAST_MONDAY, "7.5")
    gone = log(expert, project, LAST_MONDAY + datetime.timedelta(days=1), 6)
    change_entry(kept, {"hours": Decimal(8)}, by=expert)
    delete_entry(gone, by=expert)
    assert Event.objects.filter(verb__startswith="time.").count() == 4
    html = client_for(project_manager).get(f"/projects/{project.pk}/").content.decode()
    feed = html[html.index('data-testid="feed"') :]
    assert "Person:" not in feed and "→" not in feed
    assert not any("hours" in s or "logged" in s for s in _sentences(project, project_manager))
    assert _sentences(project, project_manager)[-1] == "Pia Prosjekt started the project Kundeportal"


def test_weeks_approved_together_read_as_one_line_with_the_people_and_their_hours(
    project: Any, expert: Any, kari: Any, project_manager: Any
) -> None:
    log(expert, project, LAST_MONDAY, "7.5")
    log(kari, project, LAST_MONDAY, 10)
    log(expert, project, WEEK_BEFORE, 4)
    approve_week(project, expert, WEEK_BEFORE, by=project_manager)
    add_status_report(project, health="green", comment="Godt i gang", by=project_manager)
    approve_week(project, expert, LAST_MONDAY, by=project_manager)
    approve_week(project, kari, LAST_MONDAY, by=project_manager)
    sentences = _sentences(project, project_manager)
    assert sentences[:3] == [
        "Pia Prosjekt approved week 47 for Frode Fag and Kari Nordmann: 17,5\xa0t",
        f"Pia Prosjekt wrote the status report {project.title} 2026-W48: Green",
        "Pia Prosjekt approved week 46 for Frode Fag: 4\xa0t",
    ]


def test_a_reopened_week_reads_with_its_reason_and_its_second_approval_counts_once(
    project: Any, expert: Any, project_manager: Any
) -> None:
    log(expert, project, LAST_MONDAY, 7)
    approve_week(project, expert, LAST_MONDAY, by=project_manager)
    reopen_week(project, expert, LAST_MONDAY, "Timer ført på feil pakke", by=project_manager)
    log(expert, project, LAST_MONDAY + datetime.timedelta(days=2), 2)
    approve_week(project, expert, LAST_MONDAY, by=project_manager)
    assert _sentences(project, project_manager)[:2] == [
        "Pia Prosjekt approved week 47 for Frode Fag: 9\xa0t",
        "Pia Prosjekt reopened week 47 for Frode Fag (7\xa0t): “Timer ført på feil pakke”",
    ]


def test_an_import_reads_as_what_it_brought_in(project: Any, expert: Any, project_manager: Any) -> None:
    analysis = package(project)
    specs = [
        EntrySpec(expert, project, analysis, LAST_MONDAY + datetime.timedelta(days=n), Decimal("7.5"))
        for n in range(3)
    ]
    log_entries(specs, by=project_manager)
    assert _sentences(project, project_manager)[0] == (
        f"Pia Prosjekt imported 3 entries, 22,5\xa0t, to {project.title}"
    )


def test_the_feed_reads_the_names_in_one_query_whatever_the_number_of_weeks(
    project: Any, expert: Any, kari: Any, project_manager: Any
) -> None:
    log(expert, project, WEEK_BEFORE, 3)
    approve_week(project, expert, WEEK_BEFORE, by=project_manager)
    feed_for(project, project_manager, limit=10)
    with CaptureQueriesContext(connection) as few:
        feed_for(project, project_manager, limit=10)
    for week in range(2, 8):
        monday = WEEK_BEFORE - datetime.timedelta(weeks=week)
        for who in (expert, kari):
            log(who, project, monday, 5)
            approve_week(project, who, monday, by=project_manager)
    with CaptureQueriesContext(connection) as many:
        lines = feed_for(project, project_manager, limit=10)
    assert len(many.captured_queries) == len(few.captured_queries)
    assert lines[0].sentence == "Pia Prosjekt approved week 39 for Frode Fag and Kari Nordmann: 10\xa0t"


def test_an_outsider_never_sees_the_weeks_of_a_confidential_project(
    project_manager: Any, customer: Any, expert: Any, outsider: Any, client_for: Any
) -> None:
    secret = make_project(project_manager, customer, title="Hemmelig", team=[expert], confidential=True)
    log(expert, secret, LAST_MONDAY, 7)
    approve_week(secret, expert, LAST_MONDAY, by=project_manager)
    assert client_for(outsider).get(f"/projects/{secret.pk}/").status_code == 404
    html = client_for(expert).get(f"/projects/{secret.pk}/").content.decode()
    assert "Pia Prosjekt approved week 47 for Frode Fag: 7\xa0t" in html
