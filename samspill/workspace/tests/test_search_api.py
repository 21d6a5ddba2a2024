"""GET /api/v1/search: the same search as the page, for scripts."""

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


@pytest.fixture
def indexed(seller: Any) -> dict[str, Customer]:
    fjordlys = Customer.objects.create(name="Fjordlys Energi AS", city="Bergen", account_owner=seller)
    Contact.objects.create(customer=fjordlys, name="Kari Nordmann", title="Innkjøpsleder")
    search.reindex()
    return {"fjordlys": fjordlys}


def test_it_answers_items_and_a_count(indexed: Any, api_for: Any, expert: Any) -> None:
    response = api_for(expert).get("/api/v1/search", {"q": "fjordlys"})
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 1 and body["count_exact"] is True
    [item] = body["items"]
    assert item["kind"] == "customers" and item["id"] == indexed["fjordlys"].pk
    assert item["title"] == "Fjordlys Energi AS" and item["title_html"] == "<mark>Fjordlys</mark> Energi AS"
    assert item["url"] == f"/customers/{indexed['fjordlys'].pk}/"
    assert {f["key"]: f["count"] for f in body["facets"]}["customers"] == 1


def test_it_filters_by_kind_customer_and_date(indexed: Any, api_for: Any, expert: Any) -> None:
    api = api_for(expert)
    contacts = api.get("/api/v1/search", {"q": "innkjøpsleder", "kind": "contacts,customers"}).json()
    assert [item["title"] for item in contacts["items"]] == ["Kari Nordmann"]
    assert api.get("/api/v1/search", {"q": "innkjøpsleder", "kind": "customers"}).json()["count"] == 0
    other = Customer.objects.create(name="Annen AS")
    assert api.get("/api/v1/search", {"q": "kari", "customer": other.pk}).json()["count"] == 0
    assert api.get("/api/v1/search", {"q": "kari", "date_from": "2999-01-01"}).json()["count"] == 0


def test_it_pages_with_limit_and_offset(api_for: Any, expert: Any) -> None:
    for n in range(5):
        Customer.objects.create(name=f"Kystlys {n} AS")
    search.reindex()
    api = api_for(expert)
    first = api.get("/api/v1/search", {"q": "kystlys", "limit": 2}).json()
    rest = api.get("/api/v1/search", {"q": "kystlys", "limit": 10, "offset": 2}).json()
    assert first["count"] == rest["count"] == 5
    ids = [i["id"] for i in first["items"]] + [i["id"] for i in rest["items"]]
    assert len(ids) == len(set(ids)) == 5


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x", "kind": "meetings"}, "kind"),
        ({"q": "x", "date_from": "2025-02-01", "date_to": "2025-01-01"}, "date_to"),
        ({"q": "x", "date_from": "1. mai"}, "date_from"),
        ({"q": "x", "limit": 0}, "limit"),
        ({"q": "x", "limit": 1000}, "limit"),
        ({"q": "x", "offset": -1}, "offset"),
        ({"q": "x", "customer": 2**64}, "customer"),
        ({"q": "x" * 1001}, "q"),
        ({"q": "a\x00b"}, "q"),
    ],
)
def test_malformed_input_is_refused_with_the_field_named(
    params: dict[str, Any], field: str, api_for: Any, expert: Any
) -> None:
    response = api_for(expert).get("/api/v1/search", params)
    assert response.status_code == 422
    assert field in str(response.json()["detail"])


@pytest.mark.parametrize("typed", ["", '"', "NEAR(", "* -", "og i på", "(((", "{meta}: c1"])
def test_odd_queries_answer_an_empty_list(typed: str, indexed: Any, api_for: Any, expert: Any) -> None:
    response = api_for(expert).get("/api/v1/search", {"q": typed})
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_it_needs_a_token_or_a_session(indexed: Any) -> None:
    assert Client().get("/api/v1/search", {"q": "fjordlys"}).status_code == 401


def test_an_outsider_never_gets_a_confidential_object(
    monkeypatch: pytest.MonkeyPatch, seller: Any, outsider: Any, api_for: Any
) -> None:
    Customer.objects.create(name="Hemmelig Oppkjøp AS", industry="confidential", account_owner=seller)
    source = registry.SearchSource(
        key="opportunities",
        label="Opportunities",
        model=Customer,
        fields=("name",),
        visible_to=lambda user: Customer.objects.filter(~Q(industry="confidential") | Q(account_owner=user)),
    )
    monkeypatch.setattr(registry.registry, "search_sources", {"opportunities": source})
    search.reindex()
    hidden = api_for(outsider).get("/api/v1/search", {"q": "hemmelig oppkjøp"}).json()
    assert hidden == {
        "items": [],
        "count": 0,
        "count_exact": True,
        "facets": [{"key": "opportunities", "label": "Opportunities", "count": 0}],
        "message": "",
    }
    assert api_for(seller).get("/api/v1/search", {"q": "hemmelig oppkjøp"}).json()["count"] == 1


def test_it_costs_the_same_queries_for_3_and_30_matches(api_for: Any, expert: Any) -> None:
    api = api_for(expert)

    def add(start: int, count: int) -> int:
        for n in range(start, start + count):
            Contact.objects.create(
                customer=Customer.objects.create(name=f"Kystlys {n} AS"), name=f"Kystlys {n}"
            )
        search.reindex()
        api.get("/api/v1/search", {"q": "kystlys", "limit": 100})
        with CaptureQueriesContext(connection) as captured:
            api.get("/api/v1/search", {"q": "kystlys", "limit": 100})
        return len(captured)

    assert add(0, 3) == add(3, 27)
