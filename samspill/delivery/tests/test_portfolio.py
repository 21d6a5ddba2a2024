"""My customers' projects: the seller's customers' running projects by trouble, agreements and milestones."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samspill.delivery import portfolio
from samspill.delivery.actions.changes import (
    accept_change_request,
    create_change_request,
    send_change_request,
)
from samspill.delivery.actions.deviations import raise_deviation
from samspill.delivery.detection import detect_deviations
from samspill.delivery.models import Project
from samspill.delivery.tests.deviation_factories import (
    agreement,
    book,
    expectation,
    make_project,
    milestone,
    package,
    won_opportunity,
)

pytestmark = pytest.mark.usefixtures("english")
URL = "/projects/my-customers/"
DAY = datetime.timedelta(days=1)


def _other_customer(owner: Any, name: str = "Havbris AS") -> Any:
    from samspill.customers.models import Customer

    return Customer.objects.create(name=name, account_owner=owner)


def _send(project: Project, by: Any, price: int = 10000) -> Any:
    change = create_change_request(
        project,
        {
            "title": "Mer",
            "description": "Mer arbeid",
            "package": package(project),
            "hours": Decimal(10),
            "price": Decimal(price),
        },
        by=by,
    )
    return send_change_request(change, by=by, version=change.version)


def test_the_url_is_the_portfolio_page() -> None:
    assert reverse("delivery:my_customers") == URL


def test_it_lists_the_running_projects_of_customers_the_seller_owns_or_sold_to(
    customer: Any, seller: Any, project_manager: Any, expert: Any
) -> None:
    owned = make_project(customer, project_manager, title="Eid kunde")
    sold = make_project(_other_customer(expert), project_manager, title="Solgt av meg", seller=seller)
    make_project(_other_customer(expert, "Fremmed AS"), project_manager, title="Ikke min")
    make_project(customer, project_manager, title="Ferdig", status="on_hold")
    closed = make_project(customer, project_manager, title="Lukket")
    Project.objects.filter(pk=closed.pk).update(status="closed")
    titles = {p.title for p in portfolio.my_customers_projects(seller)}
    assert titles == {owned.title, sold.title, "Ferdig"}


def test_projects_are_sorted_by_trouble(
    customer: Any, seller: Any, project_manager: Any, expert: Any
) -> None:
    calm = make_project(customer, project_manager, title="Rolig", seller=seller)
    over = make_project(customer, project_manager, title="Prognose over", seller=seller)
    first = package(over)
    first.remaining_hours = Decimal(200)
    first.save()
    book(over, expert, 50)  # forecast 50 + 200 + 300 = 550 vs. 400
    waiting = make_project(customer, project_manager, title="Venter på kunden", seller=seller)
    _send(waiting, project_manager)
    opportunity = won_opportunity(customer, seller)
    promised = make_project(
        customer, project_manager, title="Lovnad i fare", seller=seller, opportunity=opportunity
    )
    expectation(opportunity, status="at_risk")
    troubled = make_project(customer, project_manager, title="Avvik", seller=seller)
    raise_deviation(troubled, {"what": "Nøkkelperson sluttet"}, by=project_manager)
    raise_deviation(troubled, {"what": "Testmiljø mangler"}, by=project_manager)
    rows = list(portfolio.my_customers_projects(seller))
    assert [p.title for p in rows] == [troubled.title, promised.title, waiting.title, over.title, calm.title]
    assert rows[0].open_deviations == 2
    assert rows[1].troubled_expectations == 1
    assert rows[2].changes_waiting == 1
    assert rows[3].over_percent == pytest.approx(37.5)
    assert portfolio.top_deviation(rows[0]) in ("Nøkkelperson sluttet", "Testmiljø mangler")


def test_the_page_shows_the_trouble_and_the_totals(
    customer: Any, seller: Any, project_manager: Any, expert: Any, client_for: Any
) -> None:
    project = make_project(customer, project_manager, title="Portal", seller=seller)
    book(project, expert, 130)
    detect_deviations(project)
    html = client_for(seller).get(URL).content.decode()
    assert 'data-testid="portfolio-row"' in html
    assert "The work package «Analyse» is" in html
    assert 'data-testid="total-deviations">1<' in html
    assert 'data-testid="total-in-trouble">1<' in html


def test_each_customer_shows_its_agreement_use_with_accepted_changes_and_its_coming_milestones(
    customer: Any, seller: Any, project_manager: Any, client_for: Any
) -> None:
    deal = agreement(customer, ceiling=1_000_000)
    project = make_project(customer, project_manager, title="Portal", seller=seller, agreement=deal)
    change = _send(project, project_manager, price=250_000)
    accept_change_request(change, by=seller, version=change.version)
    today = timezone.localdate()
    milestone(project, "Akseptansetest", planned=today + 10 * DAY)
    milestone(project, "Langt fram", planned=today + 200 * DAY)
    lines = portfolio.customers_of(seller, portfolio.my_customers_projects(seller))
    assert [line.customer for line in lines] == [customer]
    assert lines[0].agreements[0].used == Decimal(250_000)
    assert lines[0].agreements[0].used_percent == 25
    assert [m.name for m in lines[0].milestones] == ["Akseptansetest"]
    html = client_for(seller).get(URL).content.decode()
    assert "25 %" in html
    assert "Akseptansetest" in html


def test_a_seller_without_running_projects_is_told_what_fills_the_page(seller: Any, client_for: Any) -> None:
    html = client_for(seller).get(URL).content.decode()
    assert 'data-testid="portfolio-empty"' in html


def test_a_confidential_project_the_seller_is_not_on_stays_hidden(
    customer: Any, seller: Any, project_manager: Any
) -> None:
    make_project(customer, project_manager, title="Hemmelig", confidential=True)
    assert list(portfolio.my_customers_projects(seller)) == []


def test_the_page_answers_in_a_constant_number_of_queries(
    customer: Any, seller: Any, project_manager: Any, expert: Any, client_for: Any
) -> None:
    client = client_for(seller)
    deal = agreement(customer)

    def add(n: int) -> None:
        opportunity = won_opportunity(customer, seller, title=f"Mulighet {n}")
        project = make_project(
            customer,
            project_manager,
            title=f"Prosjekt {n}",
            seller=seller,
            agreement=deal,
            opportunity=opportunity,
        )
        expectation(opportunity, status="broken")
        milestone(project, planned=timezone.localdate() + 5 * DAY)
        raise_deviation(project, {"what": f"Avvik {n}"}, by=project_manager)
        _send(project, project_manager)
        other = _other_customer(seller, f"Kunde {n}")
        agreement(other)
        make_project(other, project_manager, title=f"Annet {n}")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    add(0)
    count()
    few = count()
    for n in range(1, 5):
        add(n)
    assert count() == few
