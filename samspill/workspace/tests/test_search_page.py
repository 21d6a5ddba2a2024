"""The search page (/search/) and the search box in every page's navigation bar."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext

from samspill.lib import registry
from samspill.workspace import search

pytestmark = pytest.mark.django_db
# Customers and contacts are a layer above the workspace: the tests reach them through the app registry.
Customer = apps.get_model("customers", "Customer")
Contact = apps.get_model("customers", "Contact")


def logged_in(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def indexed(seller: Any) -> dict[str, Customer]:
    made = {
        "fjordlys": Customer.objects.create(name="Fjordlys Energi AS", city="Bergen", account_owner=seller),
        "havbris": Customer.objects.create(
            name="Havbris Logistikk AS", notes="Tre <em>avvik</em> i leveransen; ny plan avtalt."
        ),
    }
    Contact.objects.create(customer=made["fjordlys"], name="Kari Nordmann", title="Innkjøpsleder i Fjordlys")
    search.reindex()
    return made


def test_the_page_needs_a_login(indexed: Any) -> None:
    response = Client().get("/search/?q=fjordlys")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_page_without_a_query_says_what_to_do(expert: Any) -> None:
    page = logged_in(expert).get("/search/").content.decode()
    assert 'data-testid="search-start"' in page
    assert 'id="search-q"' in page and "autofocus" in page


def test_the_page_shows_ranked_results_with_badges_and_highlights(indexed: Any, expert: Any) -> None:
    response = logged_in(expert).get("/search/?q=avvikene")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Havbris Logistikk AS" in page and "Fjordlys Energi AS" not in page
    assert "&lt;em&gt;<mark>avvik</mark>&lt;/em&gt;" in page  # the text is escaped, only <mark> is ours
    assert f'href="/customers/{indexed["havbris"].pk}/"' in page
    assert 'data-testid="result-count"' in page


def test_the_kind_filter_shows_counts_and_narrows_the_results(indexed: Any, expert: Any) -> None:
    client = logged_in(expert)
    page = client.get("/search/?q=fjordlys").content.decode()
    assert 'data-kind="customers"' in page and 'data-kind="contacts"' in page
    contacts = client.get("/search/?q=fjordlys&kind=contacts").content.decode()
    assert "Kari Nordmann" in contacts
    assert '<li class="list-group-item" data-kind="customers">' not in contacts


def test_the_customer_and_date_filters_narrow_the_results(indexed: Any, expert: Any) -> None:
    client = logged_in(expert)
    havbris = indexed["havbris"].pk
    page = client.get(f"/search/?q=fjordlys&customer={havbris}").content.decode()
    assert 'data-testid="search-empty"' in page and 'data-testid="search-without-filters"' in page
    future = client.get("/search/?q=fjordlys&from=2999-01-01").content.decode()
    assert "Kari Nordmann" not in future and 'data-testid="search-empty"' in future


def test_bad_filters_are_explained_and_the_query_still_runs(indexed: Any, expert: Any) -> None:
    response = logged_in(expert).get("/search/?q=fjordlys&from=2025-05-01&to=2025-01-01&kind=nope&page=x")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Fjordlys Energi AS" in page
    assert "is-invalid" in page  # the dates are marked


@pytest.mark.parametrize("typed", ['"', "NEAR(", "*", "-", "x" * 10_000, "og", "\x00", "%22%2A"])
def test_nothing_typed_gives_a_server_error(typed: str, indexed: Any, expert: Any) -> None:
    assert logged_in(expert).get("/search/", {"q": typed}).status_code == 200


def test_while_typing_only_the_results_are_sent(indexed: Any, expert: Any) -> None:
    response = logged_in(expert).get("/search/?q=fjordl", headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="search-results"')
    assert "<html" not in page and "Fjordlys Energi AS" in page


def test_the_navigation_bar_has_a_search_box(expert: Any) -> None:
    page = logged_in(expert).get("/").content.decode()
    assert 'data-testid="navbar-search"' in page and 'action="/search/"' in page


def test_an_outsider_does_not_see_what_is_hidden_from_them(
    monkeypatch: pytest.MonkeyPatch, seller: Any, outsider: Any
) -> None:
    hidden = Customer.objects.create(
        name="Hemmelig Oppkjøp AS", industry="confidential", account_owner=seller
    )
    source = registry.SearchSource(
        key="opportunities",
        label="Opportunities",
        model=Customer,
        fields=("name",),
        visible_to=lambda user: Customer.objects.filter(~Q(industry="confidential") | Q(account_owner=user)),
        title="name",
    )
    monkeypatch.setattr(registry.registry, "search_sources", {"opportunities": source})
    search.reindex()
    page = logged_in(outsider).get("/search/?q=hemmelig").content.decode()
    assert "Oppkjøp" not in page and 'data-testid="search-empty"' in page
    assert f"/customers/{hidden.pk}/" not in page
    assert f"/customers/{hidden.pk}/" in logged_in(seller).get("/search/?q=hemmelig").content.decode()


def test_the_page_costs_the_same_queries_for_3_and_30_matches(expert: Any) -> None:
    client = logged_in(expert)

    def add(start: int, count: int) -> int:
        for n in range(start, start + count):
            Customer.objects.create(name=f"Kystlys {n} AS", city="Bergen")
        search.reindex()
        client.get("/search/?q=kystlys")
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/search/?q=kystlys").status_code == 200
        return len(captured)

    assert add(0, 3) == add(3, 27)
