"""The expectations register: what the customer expects, in their words, on the page and in the API."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.customers.actions import create_contact, create_customer
from samspill.lib.errors import InvalidInput, NotAllowed, StaleVersion
from samspill.pipeline.actions.expectations import create_expectation, update_expectation
from samspill.pipeline.models import Expectation

pytestmark = pytest.mark.django_db

WORDS = {"kind": "deadline", "customer_words": "Portalen må være oppe før sommeren", "source": "meeting"}


def test_an_expectation_is_written_down_in_order_and_logged_on_the_opportunity(
    opportunity: Any, seller: Any
) -> None:
    first = create_expectation(opportunity, WORDS, by=seller)
    second = create_expectation(opportunity, {**WORDS, "kind": "scope"}, by=seller)
    assert (first.position, second.position) == (0, 1)
    event = Event.objects.get(verb="expectation.created", target_id=str(first.pk))
    assert event.context_id == str(opportunity.pk)


def test_who_agreed_must_be_a_contact_of_the_customer_and_not_in_the_future(
    opportunity: Any, seller: Any, today: datetime.date
) -> None:
    other = create_customer({"name": "Annen AS"}, by=seller)
    stranger = create_contact(other, {"name": "Kari Fremmed"}, by=seller)
    with pytest.raises(InvalidInput) as refused:
        create_expectation(
            opportunity,
            {**WORDS, "agreed_with": stranger, "agreed_on": today + datetime.timedelta(days=3)},
            by=seller,
        )
    assert set(refused.value.errors) == {"agreed_with", "agreed_on"}
    assert not Expectation.objects.exists()


def test_empty_words_are_refused(opportunity: Any, seller: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        create_expectation(opportunity, {**WORDS, "customer_words": "  "}, by=seller)
    assert "customer_words" in refused.value.errors


def test_whoever_can_change_the_opportunity_edits_its_expectations(
    opportunity: Any, seller: Any, outsider: Any
) -> None:
    expectation = create_expectation(opportunity, WORDS, by=seller)
    with pytest.raises(NotAllowed):
        update_expectation(expectation, {"status": "met"}, by=outsider, version=1)
    saved = update_expectation(expectation, {"status": "at_risk"}, by=seller, version=1)
    assert (saved.status, saved.version) == ("at_risk", 2)
    with pytest.raises(StaleVersion):
        update_expectation(expectation, {"status": "met"}, by=seller, version=1)


def test_the_page_adds_an_expectation_inline(opportunity: Any, seller: Any, client_for: Any) -> None:
    client = client_for(seller)
    form = client.get(f"/pipeline/{opportunity.pk}/expectations/new/", HTTP_HX_REQUEST="true")
    assert 'data-testid="expectation-form"' in form.content.decode()
    assert "<html" not in form.content.decode()
    response = client.post(f"/pipeline/{opportunity.pk}/expectations/new/", WORDS, HTTP_HX_REQUEST="true")
    assert response["HX-Retarget"] == "#expectations"
    assert "Portalen må være oppe før sommeren" in response.content.decode()
    assert Expectation.objects.count() == 1


def test_an_inline_error_comes_back_in_the_form(opportunity: Any, seller: Any, client_for: Any) -> None:
    response = client_for(seller).post(
        f"/pipeline/{opportunity.pk}/expectations/new/",
        {**WORDS, "customer_words": ""},
        HTTP_HX_REQUEST="true",
    )
    assert "HX-Retarget" not in response
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Expectation.objects.exists()


def test_the_page_edits_an_expectation_inline_and_without_javascript(
    opportunity: Any, seller: Any, client_for: Any
) -> None:
    expectation = create_expectation(opportunity, WORDS, by=seller)
    client = client_for(seller)
    edit = client.get(f"/pipeline/expectations/{expectation.pk}/", HTTP_HX_REQUEST="true")
    assert f'id="expectation-{expectation.pk}"' in edit.content.decode()
    client.post(
        f"/pipeline/expectations/{expectation.pk}/",
        {**WORDS, "status": "met", "version": 1},
        HTTP_HX_REQUEST="true",
    )
    assert Expectation.objects.get().status == "met"
    full = client.post(
        f"/pipeline/expectations/{expectation.pk}/", {**WORDS, "status": "broken", "version": 2}
    )
    assert full.status_code == 302 and full["Location"].endswith("#expectations")
    assert Expectation.objects.get().status == "broken"


def test_a_reader_may_not_edit_expectations(
    opportunity: Any, seller: Any, outsider: Any, client_for: Any
) -> None:
    expectation = create_expectation(opportunity, WORDS, by=seller)
    client = client_for(outsider)
    assert "Portalen" in client.get(f"/pipeline/{opportunity.pk}/").content.decode()
    assert client.get(f"/pipeline/expectations/{expectation.pk}/").status_code == 403
    assert client.post(f"/pipeline/{opportunity.pk}/expectations/new/", WORDS).status_code == 403


def test_the_api_lists_creates_and_patches_expectations(
    opportunity: Any, seller: Any, outsider: Any, api_for: Any
) -> None:
    api = api_for(seller)
    created = api.post(
        "/api/v1/expectations", {"opportunity_id": opportunity.pk, **WORDS}, content_type="application/json"
    )
    assert created.status_code == 201
    body = created.json()
    listed = api.get(f"/api/v1/expectations?opportunity={opportunity.pk}").json()
    assert listed["count"] == 1
    patched = api.patch(
        f"/api/v1/expectations/{body['id']}", {"version": 1, "status": "met"}, content_type="application/json"
    )
    assert (patched.status_code, patched.json()["status"]) == (200, "met")
    stale = api.patch(
        f"/api/v1/expectations/{body['id']}",
        {"version": 1, "status": "open"},
        content_type="application/json",
    )
    assert stale.status_code == 409
    forbidden = api_for(outsider).patch(
        f"/api/v1/expectations/{body['id']}",
        {"version": 2, "status": "open"},
        content_type="application/json",
    )
    assert forbidden.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "wish"}, "kind"),
        ({"customer_words": ""}, "customer_words"),
        ({"agreed_by_id": 999999}, "agreed_by_id"),
        ({"agreed_with_id": 999999}, "agreed_with_id"),
        ({"opportunity_id": 999999}, "opportunity_id"),
    ],
)
def test_the_api_refuses_nonsense_with_a_field_error(
    opportunity: Any, seller: Any, api_for: Any, body: dict[str, Any], field: str
) -> None:
    response = api_for(seller).post(
        "/api/v1/expectations",
        {"opportunity_id": opportunity.pk, **WORDS, **body},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert field in [error["loc"][-1] for error in response.json()["detail"]]
    assert not Expectation.objects.exists()
