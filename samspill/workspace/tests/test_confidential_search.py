"""A confidential opportunity's documents and expectations stay hidden from an outsider in search and in
every list, through the conditions that ask each row's opportunity, and are found by its team.

The opportunity and its expectations come from the app registry, not an import: the workspace never
imports the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser

from samspill.lib import registry
from samspill.workspace import search
from samspill.workspace.models import Document

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not apps.is_installed("samspill.pipeline"), reason="the pipeline app is not installed"
    ),
]

WORD = "kvantesikker"
AddDocument = Callable[..., Document]


def _opportunity(customer: Any, owner: Any, title: str, *, confidential: bool) -> Any:
    return apps.get_model("pipeline", "Opportunity").objects.create(
        customer=customer, title=title, probability=25, owner=owner, confidential=confidential
    )


def _expectation(opportunity: Any, words: str) -> Any:
    return apps.get_model("pipeline", "Expectation").objects.create(
        opportunity=opportunity, kind="scope", customer_words=words, source="meeting"
    )


@pytest.fixture
def workspaces(
    customer: Any, seller: Any, add_document: AddDocument, read_text: Callable[[Document], Document]
) -> dict[str, Any]:
    """A confidential and an ordinary opportunity of one customer, each with a document and an
    expectation holding WORD, and a document in the customer's own workspace; all indexed."""
    secret = _opportunity(customer, seller, "Hemmelig anbud", confidential=True)
    ordinary = _opportunity(customer, seller, "Åpent anbud", confidential=False)
    made = {
        "secret": secret,
        "ordinary": ordinary,
        "secret_document": read_text(
            add_document(secret, f"Løsningen skal være {WORD} innen 2030.".encode(), "Hemmelig tilbud.txt")
        ),
        "ordinary_document": read_text(
            add_document(ordinary, f"Leveransen er {WORD} fra første dag.".encode(), "Åpent tilbud.txt")
        ),
        "customer_document": read_text(
            add_document(customer, f"Kunden ønsker {WORD} kryptering.".encode(), "Kundenotat.txt")
        ),
        "secret_expectation": _expectation(secret, f"Alt skal være {WORD} før avtalen signeres."),
        "ordinary_expectation": _expectation(ordinary, f"Vi forventer {WORD} lagring."),
    }
    search.reindex()
    return made


def found(user: Any) -> set[tuple[str, int]]:
    results = search.search(user, WORD, limit=50)
    assert results.count_exact
    assert results.count == len(results.items)
    return {(hit.kind, hit.object_id) for hit in results.items}


def visible(made: dict[str, Any]) -> set[tuple[str, int]]:
    """What anybody who may see the ordinary opportunity and the customer finds."""
    return {
        ("documents", made["ordinary_document"].pk),
        ("documents", made["customer_document"].pk),
        ("expectations", made["ordinary_expectation"].pk),
    }


def secret(made: dict[str, Any]) -> set[tuple[str, int]]:
    return {("documents", made["secret_document"].pk), ("expectations", made["secret_expectation"].pk)}


def test_an_outsider_never_finds_a_confidential_opportunitys_documents_or_expectations(
    workspaces: dict[str, Any], outsider: Any
) -> None:
    assert found(outsider) == visible(workspaces)
    Expectation = apps.get_model("pipeline", "Expectation")
    assert set(Expectation.objects.visible_to(outsider)) == {workspaces["ordinary_expectation"]}
    assert set(Document.objects.visible_to(outsider)) == {
        workspaces["ordinary_document"],
        workspaces["customer_document"],
    }
    for key in ("documents", "expectations"):
        source = registry.registry.search_sources[key]
        assert not source.visible_to(outsider).filter(pk=workspaces[f"secret_{key[:-1]}"].pk).exists()


def test_the_owner_a_team_member_and_management_find_them(
    workspaces: dict[str, Any], seller: Any, expert: Any, manager: Any
) -> None:
    everything = visible(workspaces) | secret(workspaces)
    assert found(seller) == everything
    assert found(manager) == everything
    assert found(expert) == visible(workspaces)
    apps.get_model("pipeline", "TeamMember").objects.create(
        opportunity=workspaces["secret"], person=expert, role="expert"
    )
    assert found(expert) == everything


def test_an_opportunity_made_confidential_hides_what_was_found_before(
    workspaces: dict[str, Any], outsider: Any
) -> None:
    ordinary = workspaces["ordinary"]
    assert ("documents", workspaces["ordinary_document"].pk) in found(outsider)
    type(ordinary).objects.filter(pk=ordinary.pk).update(confidential=True)
    assert found(outsider) == {("documents", workspaces["customer_document"].pk)}


def test_documents_follow_the_access_the_opportunitys_app_registers(
    workspaces: dict[str, Any], seller: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workspace asks the registry, whatever a workspace object's app decides."""
    Opportunity = apps.get_model("pipeline", "Opportunity")
    ordinary = registry.access_for(Opportunity)

    def only_secret(user: Any) -> Any:
        return ordinary.visible_to(user).filter(confidential=True)

    monkeypatch.setitem(
        registry.registry.access, "pipeline.opportunity", registry.Access(only_secret, ordinary.can_change)
    )
    assert set(Document.objects.visible_to(seller)) == {
        workspaces["secret_document"],
        workspaces["customer_document"],
    }


def test_the_conditions_ask_about_each_row_rather_than_list_every_visible_opportunity(
    workspaces: dict[str, Any], outsider: Any
) -> None:
    Expectation = apps.get_model("pipeline", "Expectation")
    for queryset in (Document.objects.visible_to(outsider), Expectation.objects.visible_to(outsider)):
        sql = str(queryset.query).upper()
        assert "EXISTS" in sql
        assert "IN (SELECT" not in sql


def test_anonymous_and_deactivated_people_see_no_expectations(
    workspaces: dict[str, Any], seller: Any
) -> None:
    Expectation = apps.get_model("pipeline", "Expectation")
    assert not Expectation.objects.visible_to(AnonymousUser()).exists()
    assert Expectation.objects.visible_to(seller).count() == 2
    seller.is_active = False
    assert not Expectation.objects.visible_to(seller).exists()
    assert found(seller) == set()
