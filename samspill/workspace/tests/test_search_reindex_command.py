"""`samspill reindex`: rebuilds the search index, shows its progress, and refuses unknown kinds."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from samspill.workspace import search
from samspill.workspace.search.engines import engine

pytestmark = pytest.mark.django_db
# Customers and contacts are a layer above the workspace: the tests reach them through the app registry.
Customer = apps.get_model("customers", "Customer")
Contact = apps.get_model("customers", "Contact")


def reindex(*args: str) -> str:
    out = io.StringIO()
    call_command("reindex", *args, stdout=out)
    return out.getvalue()


def test_it_indexes_every_kind_and_says_how_many(seller: Any) -> None:
    customer = Customer.objects.create(name="Fjordlys Energi AS")
    Contact.objects.create(customer=customer, name="Kari Nordmann")
    output = reindex()
    assert "customers" in output and "1 / 1" in output
    assert "Indexed" in output
    assert [hit.title for hit in search.search(seller, "kari").items] == ["Kari Nordmann"]


def test_it_rebuilds_one_kind(seller: Any) -> None:
    Customer.objects.create(name="Fjordlys Energi AS")
    output = reindex("--kind", "customers")
    assert "contacts" not in output
    assert engine().kinds() == {"customers"}


def test_running_it_again_changes_nothing(seller: Any) -> None:
    Customer.objects.create(name="Fjordlys Energi AS")
    reindex()
    before = engine().object_ids("customers")
    reindex()
    assert engine().object_ids("customers") == before
    assert search.search(seller, "fjordlys").count == 1


def test_it_refuses_an_unknown_kind(db: Any) -> None:
    with pytest.raises(CommandError, match="meetings"):
        reindex("--kind", "meetings")
