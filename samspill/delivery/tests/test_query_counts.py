"""Reads the delivery benchmark found slow: the same queries for many rows, and the same rows as before."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from samspill.delivery.actions.time import approve_week
from samspill.delivery.models import Project
from samspill.delivery.tests.timefactories import LAST_MONDAY, LAST_WEEK, fix_today, log, make_project

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    fix_today(monkeypatch)


def _queries(client: Any, path: str) -> int:
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def _approved_project(title: str, manager: Any, customer: Any, expert: Any) -> Any:
    project = make_project(manager, customer, title=title, team=[expert])
    for day in range(3):
        log(expert, project, LAST_MONDAY + datetime.timedelta(days=day), 2)
    approve_week(project, expert, LAST_MONDAY, by=manager)
    return project


def test_a_week_approved_on_many_projects_costs_the_queries_of_one(
    project_manager: Any, customer: Any, expert: Any, client_for: Any
) -> None:
    client = client_for(expert)
    path = f"/projects/time/?week={LAST_WEEK}"
    _approved_project("Prosjekt 0", project_manager, customer, expert)
    one = _queries(client, path)
    for i in range(1, 4):
        _approved_project(f"Prosjekt {i}", project_manager, customer, expert)
    html = client.get(path).content.decode()
    assert html.count('data-testid="locked-row"') == 4
    assert "Prosjekt 3" in html
    assert _queries(client, path) == one


def test_the_start_page_deviations_are_those_i_manage_sold_own_the_customer_of_or_own(
    project_manager: Any, seller: Any, expert: Any, manager: Any, customer: Any
) -> None:
    from samspill.customers.models import Customer
    from samspill.delivery.actions.deviations import raise_deviation
    from samspill.delivery.portfolio import deviations_for
    from samspill.delivery.tests.timefactories import close

    elsewhere = Customer.objects.create(name="Havbris AS", account_owner=manager)
    titles = ["Mine som leder", "Solgt", "Kundens", "Eier", "Andres", "Lukket"]
    projects = {t: make_project(project_manager, elsewhere, title=t, team=[expert]) for t in titles}
    Project.objects.filter(pk=projects["Solgt"].pk).update(seller=expert)
    Project.objects.filter(pk=projects["Kundens"].pk).update(customer=customer)
    for title, project in projects.items():
        project.refresh_from_db()
        owner = expert if title == "Eier" else project_manager
        raise_deviation(project, {"what": title, "owner": owner}, by=project_manager)
    close(projects["Lukket"])

    def found(person: Any) -> set[str]:
        return {d.what for d in deviations_for(person)}

    assert found(project_manager) == {"Mine som leder", "Solgt", "Kundens", "Eier", "Andres"}
    assert found(expert) == {"Solgt", "Eier"}
    assert found(seller) == {"Kundens"}  # the account owner of the customer
    assert found(manager) == {"Mine som leder", "Solgt", "Eier", "Andres"}
