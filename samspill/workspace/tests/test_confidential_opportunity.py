"""A confidential opportunity's documents are its team's alone: an outsider never sees them, on the
opportunity's page, the document's page, a download, the API or in search.

The opportunity comes from the app registry, not an import: the workspace never imports the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from samspill.lib import registry
from samspill.workspace import actions
from samspill.workspace.models import Document
from samspill.workspace.tests.conftest import incoming

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not apps.is_installed("samspill.pipeline"), reason="the pipeline app is not installed"
    ),
]

ClientFor = Callable[[Any], Client]


@pytest.fixture
def opportunity(customer: Any, seller: Any) -> Any:
    model = apps.get_model("pipeline", "Opportunity")
    return model.objects.create(
        customer=customer, title="Ny kundeportal", probability=25, owner=seller, confidential=True
    )


@pytest.fixture
def secret(opportunity: Any, seller: Any) -> Document:
    return actions.upload_document(opportunity, incoming(name="Hemmelig tilbud.txt"), by=seller)


def test_the_owner_sees_the_documents_on_the_opportunitys_page(
    opportunity: Any, secret: Document, seller: Any, client_for: ClientFor
) -> None:
    page = client_for(seller).get(opportunity.get_absolute_url()).content.decode()
    assert 'data-panel="workspace.documents"' in page
    assert "Hemmelig tilbud" in page
    assert secret.customer_id == opportunity.customer_id


def test_an_outsider_never_sees_a_confidential_opportunitys_documents(
    opportunity: Any, secret: Document, outsider: Any, client_for: ClientFor, api_for: Callable[[Any], Client]
) -> None:
    assert not Document.objects.visible_to(outsider).exists()
    assert secret not in registry.registry.search_sources["documents"].visible_to(outsider)
    client = client_for(outsider)
    for path in (
        opportunity.get_absolute_url(),
        f"/workspace/pipeline.opportunity/{opportunity.pk}/documents/",
        f"/workspace/documents/{secret.pk}/",
        f"/workspace/documents/{secret.pk}/download/",
        f"/workspace/documents/{secret.pk}/versions/1/download/",
    ):
        assert client.get(path).status_code == 404, path
    api = api_for(outsider)
    assert api.get("/api/v1/documents?owner_type=pipeline.opportunity").json()["count"] == 0
    assert api.get(f"/api/v1/documents/{secret.pk}/download").status_code == 404


def test_a_team_member_and_management_see_them_and_only_editors_change_them(
    opportunity: Any, secret: Document, expert: Any, manager: Any, outsider: Any
) -> None:
    apps.get_model("pipeline", "TeamMember").objects.create(
        opportunity=opportunity, person=expert, role="expert"
    )
    assert list(Document.objects.visible_to(expert)) == [secret]
    assert list(Document.objects.visible_to(manager)) == [secret]
    access = registry.access_for(Document)
    assert access.can_change(opportunity.owner, secret)
    assert not access.can_change(outsider, secret)
