"""A deactivated person cannot log in, loses an open session, and their tokens stop working."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from samspill.people.actions import deactivate_person, reactivate_person

pytestmark = pytest.mark.django_db

ClientFor = Callable[[Any], Client]


def test_a_deactivated_person_cannot_log_in(seller: Any, administrator: Any) -> None:
    assert Client().login(username="selma", password="samspill")
    deactivate_person(seller, by=administrator)
    assert not Client().login(username="selma", password="samspill")


def test_the_login_page_refuses_a_deactivated_person(seller: Any, administrator: Any) -> None:
    deactivate_person(seller, by=administrator)
    browser = Client()
    response = browser.post("/accounts/login/", {"login": "selma", "password": "samspill"})
    assert response.status_code == 302 and response["Location"] == "/accounts/inactive/"
    assert browser.get("/customers/")["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in browser.session


def test_the_login_page_lets_an_active_person_in(seller: Any) -> None:
    browser = Client()
    response = browser.post("/accounts/login/", {"login": "selma", "password": "samspill"})
    assert response.status_code == 302
    assert browser.get("/customers/").status_code == 200


def test_an_open_session_ends_when_the_person_is_deactivated(
    seller: Any, administrator: Any, client_for: ClientFor
) -> None:
    browser = client_for(seller)
    assert browser.get("/customers/").status_code == 200
    deactivate_person(seller, by=administrator)
    response = browser.get("/customers/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert browser.get("/api/v1/customers").status_code == 401


def test_a_deactivated_persons_token_is_refused_until_reactivated(
    seller: Any, administrator: Any, token_for: Any
) -> None:
    api = Client(headers=token_for(seller))
    deactivate_person(seller, by=administrator)
    assert api.get("/api/v1/people").status_code == 401
    reactivate_person(seller, by=administrator)
    assert api.get("/api/v1/people").status_code == 200


def test_deactivated_people_are_hidden_from_the_directory_except_for_administrators(
    seller: Any, expert: Any, administrator: Any, client_for: ClientFor
) -> None:
    deactivate_person(expert, by=administrator)
    assert client_for(seller).get(f"/people/{expert.pk}/").status_code == 404
    assert "frode" not in [p.username for p in client_for(seller).get("/people/").context["page"]]
    shown = client_for(administrator).get("/people/?inactive=on").context["page"]
    assert "frode" in [p.username for p in shown]
