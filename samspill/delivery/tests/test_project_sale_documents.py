"""The project page lists the documents of the sale: those of the opportunity it came from."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from samspill.workspace import actions as documents
from samspill.workspace import storage

pytestmark = pytest.mark.django_db


def _upload(owner: Any, name: str, by: Any) -> Any:
    import io

    incoming = storage.incoming_file(io.BytesIO(b"Kravspesifikasjon for kundeportalen."), name)
    return documents.upload_document(owner, incoming, by=by)


def _won(customer: Any, seller: Any, project_manager: Any, today: datetime.date, **fields: Any) -> Any:
    from samspill.delivery.actions.projects import create_project_from_opportunity
    from samspill.pipeline.actions.opportunities import create_opportunity
    from samspill.pipeline.models import Opportunity, Stage

    opportunity = create_opportunity(
        {"customer": customer, "title": "Ny kundeportal", "value": Decimal(1_000_000), **fields}, by=seller
    )
    Opportunity.objects.filter(pk=opportunity.pk).update(stage=Stage.WON, decided_on=today)
    opportunity.refresh_from_db()
    return create_project_from_opportunity(opportunity, manager=project_manager, by=project_manager)


def test_the_project_manager_sees_the_documents_of_the_sale_with_links(
    won_project: Any, seller: Any, project_manager: Any, client_for: Any
) -> None:
    offer = _upload(won_project.opportunity, "Tilbud kundeportal.txt", seller)
    own = _upload(won_project, "Prosjektplan.txt", project_manager)
    html = client_for(project_manager).get(f"/projects/{won_project.pk}/").content.decode()
    block = html[html.index('data-testid="sale-documents"') :]
    block = block[: block.index("</section>")]
    assert "Documents from the sale" in block
    assert f'href="{offer.get_absolute_url()}"' in block and offer.title in block
    assert f"/documents/{offer.pk}/download/" in block
    assert own.title not in block  # the project's own documents are in its own panel


def test_a_project_started_by_hand_has_no_sale_documents_block(
    project: Any, project_manager: Any, client_for: Any
) -> None:
    html = client_for(project_manager).get(f"/projects/{project.pk}/").content.decode()
    assert 'data-testid="sale-documents"' not in html


def test_a_sale_without_documents_says_what_to_do(
    won_project: Any, project_manager: Any, client_for: Any
) -> None:
    html = client_for(project_manager).get(f"/projects/{won_project.pk}/").content.decode()
    assert 'data-testid="sale-documents-empty"' in html


def test_an_outsider_cannot_see_a_confidential_opportunitys_project_at_all(
    customer: Any, seller: Any, project_manager: Any, outsider: Any, today: datetime.date, client_for: Any
) -> None:
    secret = _won(customer, seller, project_manager, today, confidential=True)
    _upload(secret.opportunity, "Hemmelig tilbud.txt", seller)
    assert secret.confidential
    assert client_for(outsider).get(f"/projects/{secret.pk}/").status_code == 404
    assert client_for(outsider).get(secret.opportunity.get_absolute_url()).status_code == 404
    assert client_for(project_manager).get(f"/projects/{secret.pk}/").status_code == 200


def test_the_block_costs_one_query_however_many_documents_the_sale_had(
    won_project: Any, seller: Any, project_manager: Any, client_for: Any
) -> None:
    from samspill.delivery.templatetags.delivery_sale_documents import sale_documents

    _upload(won_project.opportunity, "Tilbud.txt", seller)
    sale_documents(won_project, project_manager)  # the content types are cached after the first look
    with CaptureQueriesContext(connection) as one:
        assert len(sale_documents(won_project, project_manager)) == 1
    for number in range(4):
        _upload(won_project.opportunity, f"Vedlegg {number}.txt", seller)
    with CaptureQueriesContext(connection) as five:
        found = sale_documents(won_project, project_manager)
        assert [d.current.original_name for d in found if d.current]  # the current version is joined in
    assert len(found) == 5
    assert len(one) == len(five) == 1
    client = client_for(project_manager)
    with CaptureQueriesContext(connection) as page_few:
        client.get(f"/projects/{won_project.pk}/")
    for number in range(4, 8):
        _upload(won_project.opportunity, f"Vedlegg {number}.txt", seller)
    with CaptureQueriesContext(connection) as page_more:
        assert 'data-testid="sale-document"' in client.get(f"/projects/{won_project.pk}/").content.decode()
    assert len(page_few) == len(page_more)
