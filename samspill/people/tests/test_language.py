"""The language switch saves the choice on the profile; every page after it speaks that language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from samspill.people.models import Person

pytestmark = pytest.mark.django_db

ClientFor = Callable[[Any], Client]


def test_switching_to_english_saves_it_and_the_next_page_is_english(
    seller: Any, client_for: ClientFor
) -> None:
    browser = client_for(seller)
    assert '<html lang="nb">' in browser.get("/people/").content.decode()
    response = browser.post("/people/language/", {"language": "en", "next": "/people/"})
    assert response.status_code == 302 and response["Location"] == "/people/"
    assert Person.objects.get(pk=seller.pk).language == "en"
    assert '<html lang="en">' in browser.get("/people/").content.decode()


def test_the_choice_follows_the_person_to_a_new_browser(seller: Any, client_for: ClientFor) -> None:
    client_for(seller).post("/people/language/", {"language": "en"})
    assert '<html lang="en">' in client_for(seller).get("/customers/").content.decode()


def test_an_unknown_language_changes_nothing(seller: Any, client_for: ClientFor) -> None:
    response = client_for(seller).post("/people/language/", {"language": "xx"})
    assert response.status_code == 302
    assert Person.objects.get(pk=seller.pk).language == "nb"


def test_the_switch_never_redirects_to_another_site(seller: Any, client_for: ClientFor) -> None:
    response = client_for(seller).post(
        "/people/language/", {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_the_login_page_speaks_norwegian_whatever_the_browser_asks_for(db: Any) -> None:
    page = Client(headers={"Accept-Language": "en-US,en;q=0.9"}).get("/accounts/login/").content.decode()
    assert 'lang="nb"' in page


def test_english_chosen_on_the_login_page_is_kept_until_login(db: Any) -> None:
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert 'lang="en"' in client.get("/accounts/login/").content.decode()
