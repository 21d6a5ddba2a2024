"""`samspill createtoken USERNAME` prints only the token, which then works for the API."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from samspill.people.actions import authenticate_token
from samspill.people.models import ApiToken, Person


def _createtoken(*args: str) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command("createtoken", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_it_prints_only_a_token_that_authenticates_as_the_person(seller: Person) -> None:
    stdout, stderr = _createtoken("selma", "--name", "deploy script")
    token = stdout.strip()
    assert stdout == f"{token}\n"
    assert authenticate_token(token) == seller
    assert ApiToken.objects.get(person=seller).name == "deploy script"
    assert "selma" in stderr


def test_it_refuses_an_unknown_username(db: Any) -> None:
    with pytest.raises(CommandError, match="Nobody has the username 'ghost'"):
        _createtoken("ghost")
    assert not ApiToken.objects.exists()


def test_it_refuses_a_deactivated_person(seller: Person) -> None:
    Person.objects.filter(pk=seller.pk).update(is_active=False)
    with pytest.raises(CommandError, match="deactivated"):
        _createtoken("selma")
    assert not ApiToken.objects.exists()
