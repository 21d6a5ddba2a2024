"""Administrators invite people by e-mail; the link sets a password and logs the person in, once."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from samspill.people.actions import invite_person
from samspill.people.models import Person

pytestmark = pytest.mark.django_db

ClientFor = Callable[[Any], Client]
PASSWORD = "Fjordlys-2025-sommer"


def _link_in(message: mail.EmailMessage) -> str:
    """Return the path of the invitation link in an e-mail."""
    found = re.search(r"https?://[^/\s]+(/people/invitation/\S+/)", str(message.body))
    assert found, message.body
    return found.group(1)


def test_an_administrator_invites_a_person_who_gets_an_email(
    administrator: Any, client_for: ClientFor, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(administrator).post(
            "/people/invite/",
            {
                "email": "Nina.Ny@Example.no",
                "first_name": "Nina",
                "last_name": "Ny",
                "roles": ["expert", "seller"],
                "primary_role": "expert",
            },
        )
    nina = Person.objects.get(email="nina.ny@example.no")
    assert response.status_code == 302 and response["Location"] == nina.get_absolute_url()
    assert (nina.username, nina.roles, nina.primary_role) == ("nina.ny", {"expert", "seller"}, "expert")
    assert not nina.has_usable_password() and nina.invited_by == administrator
    assert [m.to for m in mail.outbox] == [["nina.ny@example.no"]]
    assert "/people/invitation/" in mail.outbox[0].body


def test_the_link_in_the_mail_sets_the_password_and_logs_in(
    administrator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        nina = invite_person(
            email="nina@example.no", first_name="Nina", last_name="Ny", roles=["expert"], by=administrator
        )
    link = _link_in(mail.outbox[0])
    browser = Client()
    assert browser.get(link).status_code == 200
    response = browser.post(link, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert browser.get("/people/me/").status_code == 302  # logged in: /me redirects to the profile
    assert browser.get(nina.get_absolute_url()).status_code == 200
    assert Client().login(username="nina", password=PASSWORD)


def test_a_used_link_no_longer_works(administrator: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invite_person(email="nina@example.no", first_name="Nina", last_name="Ny", roles=[], by=administrator)
    link = _link_in(mail.outbox[0])
    Client().post(link, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    second = Client()
    assert second.get(link).status_code == 400
    attempt = second.post(link, {"new_password1": "Annet-passord-99", "new_password2": "Annet-passord-99"})
    assert attempt.status_code == 400
    assert Client().login(username="nina", password=PASSWORD)


def test_a_made_up_link_does_not_work(db: Any) -> None:
    assert Client().get("/people/invitation/MQ/abc-123/").status_code == 400
    assert Client().get("/people/invitation/%%%/abc/").status_code in (400, 404)


def test_a_weak_password_is_refused_and_the_link_still_works(
    administrator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invite_person(email="nina@example.no", first_name="Nina", last_name="Ny", roles=[], by=administrator)
    link = _link_in(mail.outbox[0])
    refused = Client().post(link, {"new_password1": "123", "new_password2": "123"})
    assert refused.status_code == 200 and refused.context["form"].errors
    assert Client().get(link).status_code == 200


def test_the_same_email_cannot_be_invited_twice(
    administrator: Any, seller: Any, client_for: ClientFor
) -> None:
    response = client_for(administrator).post(
        "/people/invite/", {"email": "SELMA@example.no", "first_name": "Selma"}
    )
    assert response.status_code == 200 and response.context["form"].errors["email"]
    assert Person.objects.filter(email__iexact="selma@example.no").count() == 1


def test_an_invitation_through_the_api_answers_201(
    administrator: Any, api_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(administrator).post(
            "/api/v1/people",
            {"email": "nina@example.no", "first_name": "Nina", "roles": ["project_manager"]},
            content_type="application/json",
        )
    assert response.status_code == 201
    assert (response.json()["roles"], response.json()["primary_role"]) == (
        ["project_manager"],
        "project_manager",
    )
    assert len(mail.outbox) == 1


def test_a_mail_server_that_is_down_does_not_fail_the_invitation(
    administrator: Any,
    client_for: ClientFor,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def _down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("smtp.example.no:587")

    monkeypatch.setattr("samspill.people.actions.send_mail", _down)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(administrator).post(
            "/people/invite/", {"email": "nina@example.no", "first_name": "Nina"}
        )
    assert response.status_code == 302
    assert Person.objects.filter(email="nina@example.no").exists()


def test_an_invitation_is_not_sent_again_to_someone_who_has_joined(administrator: Any, seller: Any) -> None:
    from django.core import mail
    from django.test import Client

    client = Client()
    client.force_login(administrator)
    response = client.post(f"/people/{seller.pk}/resend-invitation/", follow=True)
    assert response.status_code == 200
    assert mail.outbox == []


def test_two_people_cannot_share_an_e_mail_address(seller: Any) -> None:
    from django.db import IntegrityError, transaction

    from samspill.people.models import Person

    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(username="another", email=seller.email.upper())
