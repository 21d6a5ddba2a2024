"""Change request pages: drafting, sending, the sales queue, recording the customer's answer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

from samspill.delivery.actions.changes import create_change_request, send_change_request
from samspill.delivery.models import Baseline, ChangeRequest, Project
from samspill.delivery.tests.deviation_factories import make_project, package

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def project(customer: Any, project_manager: Any, seller: Any) -> Project:
    return make_project(customer, project_manager, seller=seller)


def _draft(project: Project, by: Any) -> ChangeRequest:
    return create_change_request(
        project,
        {
            "title": "Ekstra rapporter",
            "description": "Tre nye rapporter",
            "package": package(project, 1),
            "hours": Decimal(40),
            "price": Decimal(56000),
            "delay_days": 7,
        },
        by=by,
    )


def _form(project: Project, **fields: Any) -> dict[str, Any]:
    return {
        "title": "Ekstra rapporter",
        "description": "Tre nye rapporter",
        "package": package(project, 1).pk,
        "hours": "40",
        "price": "56000",
        "delay_days": "7",
        "milestone_effect": "",
        **fields,
    }


def test_the_project_manager_drafts_a_change_request_on_its_page(
    project: Project, project_manager: Any, client_for: Any
) -> None:
    client = client_for(project_manager)
    assert client.get(reverse("delivery:change_create", args=[project.pk])).status_code == 200
    response = client.post(reverse("delivery:change_create", args=[project.pk]), _form(project))
    change = ChangeRequest.objects.get(project=project)
    assert response.status_code == 302
    assert response["Location"] == reverse("delivery:change", args=[change.pk])
    assert (change.hours, change.state) == (Decimal(40), "draft")


def test_a_change_request_form_with_nonsense_keeps_what_was_typed(
    project: Project, project_manager: Any, client_for: Any
) -> None:
    response = client_for(project_manager).post(
        reverse("delivery:change_create", args=[project.pk]), _form(project, hours="0", price="0")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "A change adds (or removes) hours, money or both." in html
    assert "Ekstra rapporter" in html
    assert not ChangeRequest.objects.exists()


def test_the_seller_may_not_draft_and_an_outsider_may_not_see(
    customer: Any, project: Project, project_manager: Any, seller: Any, outsider: Any, client_for: Any
) -> None:
    assert client_for(seller).get(reverse("delivery:change_create", args=[project.pk])).status_code == 403
    secret = make_project(customer, project_manager, title="Hemmelig", confidential=True)
    change = _draft(secret, project_manager)
    client = client_for(outsider)
    assert client.get(reverse("delivery:change_create", args=[secret.pk])).status_code == 404
    assert client.get(reverse("delivery:change", args=[change.pk])).status_code == 404
    assert client.post(reverse("delivery:change_accept", args=[change.pk])).status_code == 404


def test_sending_and_then_the_seller_accepts_from_the_queue(
    project: Project, project_manager: Any, seller: Any, client_for: Any
) -> None:
    change = _draft(project, project_manager)
    pm = client_for(project_manager)
    sent = pm.post(reverse("delivery:change_send", args=[change.pk]), {"version": 1})
    assert sent.status_code == 302
    change.refresh_from_db()
    assert change.state == "sent"
    sales = client_for(seller)
    queue = sales.get(reverse("delivery:change_queue")).content.decode()
    assert 'data-testid="queue-row"' in queue
    assert "Ekstra rapporter" in queue
    page = sales.get(reverse("delivery:change", args=[change.pk])).content.decode()
    assert 'data-testid="accept-change"' in page
    accepted = sales.post(
        reverse("delivery:change_accept", args=[change.pk]),
        {"version": change.version, "note": "Ja fra kunden"},
    )
    assert accepted.status_code == 302
    change.refresh_from_db()
    assert change.state == "accepted"
    assert Baseline.objects.filter(project=project).count() == 2
    follow = sales.get(accepted["Location"]).content.decode()
    assert "the baseline is now version 2" in follow
    assert 'data-testid="queue-empty"' in sales.get(reverse("delivery:change_queue")).content.decode()


def test_rejecting_without_a_reason_shows_the_form_again(
    project: Project, project_manager: Any, seller: Any, client_for: Any
) -> None:
    change = _draft(project, project_manager)
    change = send_change_request(change, by=project_manager, version=1)
    response = client_for(seller).post(
        reverse("delivery:change_reject", args=[change.pk]), {"version": change.version}
    )
    assert response.status_code == 200
    assert "Say why the customer rejected it." in response.content.decode()
    change.refresh_from_db()
    assert change.state == "sent"


def test_accepting_a_draft_is_refused_with_a_message(
    project: Project, project_manager: Any, seller: Any, client_for: Any
) -> None:
    change = _draft(project, project_manager)
    response = client_for(seller).post(reverse("delivery:change_accept", args=[change.pk]), {"version": 1})
    assert response.status_code == 200
    assert "still a draft" in response.content.decode()


def test_the_project_manager_cannot_record_the_answer(
    project: Project, project_manager: Any, client_for: Any
) -> None:
    change = send_change_request(_draft(project, project_manager), by=project_manager, version=1)
    pm = client_for(project_manager)
    assert (
        'data-testid="accept-change"'
        not in pm.get(reverse("delivery:change", args=[change.pk])).content.decode()
    )
    assert (
        pm.post(reverse("delivery:change_accept", args=[change.pk]), {"version": change.version}).status_code
        == 403
    )


def test_the_seller_cannot_send_a_draft(
    project: Project, project_manager: Any, seller: Any, client_for: Any
) -> None:
    change = _draft(project, project_manager)
    assert (
        client_for(seller).post(reverse("delivery:change_send", args=[change.pk]), {"version": 1}).status_code
        == 403
    )


def test_a_draft_is_edited_on_its_page(project: Project, project_manager: Any, client_for: Any) -> None:
    change = _draft(project, project_manager)
    response = client_for(project_manager).post(
        reverse("delivery:change_edit", args=[change.pk]), _form(project, hours="45", version="1")
    )
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.hours == Decimal(45)


def test_the_panel_lists_change_requests_and_offers_a_new_one_to_the_project_manager(
    project: Project, project_manager: Any, seller: Any
) -> None:
    send_change_request(_draft(project, project_manager), by=project_manager, version=1)

    def panel(user: Any) -> str:
        request = RequestFactory().get("/")
        request.user = user
        template = engines["django"].from_string('{% include "delivery/change_requests_panel.html" %}')
        return template.render({"project": project}, request)

    html = panel(project_manager)
    assert 'data-testid="change-request"' in html
    assert 'data-testid="new-change-request"' in html
    assert "1 waiting for the customer" in html
    seller_html = panel(seller)
    assert 'data-testid="new-change-request"' not in seller_html
    assert "Record the answer" in seller_html


def test_the_queue_page_answers_in_a_constant_number_of_queries(
    customer: Any, project_manager: Any, seller: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(seller)
    client.get(reverse("delivery:change_queue"))  # warm up the session and content types

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("delivery:change_queue")).status_code == 200
        return len(captured)

    project = make_project(customer, project_manager, seller=seller)
    send_change_request(_draft(project, project_manager), by=project_manager, version=1)
    few = count()
    for n in range(3):
        more = make_project(customer, project_manager, seller=seller, title=f"P{n}")
        send_change_request(_draft(more, project_manager), by=project_manager, version=1)
    assert count() == few


def test_the_start_page_lists_change_requests_for_the_seller_to_take_to_the_customer(
    project: Project, project_manager: Any, seller: Any, client_for: Any
) -> None:
    change = _draft(project, project_manager)
    assert 'data-testid="start-change-requests"' not in client_for(seller).get("/").content.decode()
    send_change_request(change, by=project_manager, version=1)
    html = client_for(seller).get("/").content.decode()
    assert 'data-testid="start-change-request"' in html
    assert "Ekstra rapporter" in html
    assert 'data-testid="start-change-requests"' not in client_for(project_manager).get("/").content.decode()
