"""The handover pages: what they show first, the forms that call the actions, and who is refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from samspill.delivery.models import Project
from samspill.handover.models import Handover, HandoverState, Question

pytestmark = pytest.mark.django_db


def _url(handover: Handover, name: str = "handover", *args: Any) -> str:
    return reverse(f"handover:{name}", args=[handover.pk, *args])


def test_the_page_answers_with_the_score_and_each_missing_item_first(
    handover: Handover, client_for: Any, project_manager: Any
) -> None:
    response = client_for(project_manager).get(_url(handover))
    assert response.status_code == 200
    html = response.content.decode()
    first = html.index('data-testid="completeness"')
    assert first < html.index('data-testid="expectations"') < html.index('data-testid="scope"')
    assert 'data-testid="score"' in html
    assert "Checklist: Contract signed by the customer" in html
    assert "The handover meeting is not booked." in html
    assert "Portalen må være oppe før sommerferien" in html
    assert "Integrasjon mot ERP" in html  # the baseline's packages
    assert "Kunden stiller testmiljø" in html and "Drift etter lansering" in html
    assert "ERP-API-et kommer sent" in html and "Kari Nordmann" in html
    assert 'data-testid="acknowledge-form"' in html and 'data-testid="send-back-form"' in html


def test_the_seller_sees_no_decision_controls(handover: Handover, client_for: Any, seller: Any) -> None:
    html = client_for(seller).get(_url(handover)).content.decode()
    assert 'data-testid="acknowledge-form"' not in html
    assert 'data-testid="send-back-form"' not in html
    assert 'data-testid="checklist-toggle"' in html  # both sides tick the checklist


def test_ticking_through_htmx_returns_the_checklist_and_the_new_score(
    handover: Handover, client_for: Any, project_manager: Any
) -> None:
    item = handover.checklist.order_by("position", "pk").first()
    before = handover.checklist.filter(done_at__isnull=False).count()
    response = client_for(project_manager).post(
        _url(handover, "checklist_item", item.pk), {"done": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="checklist"' in html and 'hx-swap-oob="true"' in html
    assert "Checklist: Contract signed by the customer" not in html
    assert handover.checklist.filter(done_at__isnull=False).count() == before + 1


def test_ticking_without_javascript_goes_back_to_the_checklist(
    handover: Handover, client_for: Any, seller: Any
) -> None:
    item = handover.checklist.first()
    response = client_for(seller).post(_url(handover, "checklist_item", item.pk), {"done": "1"})
    assert response.status_code == 302 and response["Location"].endswith("#checklist")
    item.refresh_from_db()
    assert item.is_done


def test_sending_back_answering_and_acknowledging_through_the_pages(
    handover: Handover, client_for: Any, project_manager: Any, seller: Any
) -> None:
    pm, selger = client_for(project_manager), client_for(seller)
    sent = pm.post(
        _url(handover, "send_back"), {"questions": "Hvem godkjenner?\n\nEr testmiljøet klart?", "version": 1}
    )
    assert sent.status_code == 302
    assert Handover.objects.get(pk=handover.pk).state == HandoverState.SENT_BACK
    refused = pm.post(_url(handover, "acknowledge"), {"version": 2})
    assert refused.status_code == 409
    assert "not answered yet" in refused.content.decode()
    for question in Question.objects.filter(handover=handover):
        answered = selger.post(_url(handover, "answer", question.pk), {"answer": "Kari Nordmann"})
        assert answered.status_code == 302
    current = Handover.objects.get(pk=handover.pk)
    assert current.state == HandoverState.OPEN
    done = pm.post(_url(handover, "acknowledge"), {"version": current.version})
    assert done.status_code == 302
    project = Project.objects.get(opportunity=handover.opportunity)
    page = pm.get(_url(handover)).content.decode()
    assert 'data-testid="acknowledged"' in page
    assert project.get_absolute_url() in page


def test_bad_input_on_the_pages_is_refused_with_the_field_named(
    handover: Handover, client_for: Any, project_manager: Any, seller: Any
) -> None:
    pm = client_for(project_manager)
    empty = pm.post(_url(handover, "send_back"), {"questions": "   ", "version": 1})
    assert empty.status_code == 422
    bad_time = pm.post(_url(handover, "meeting"), {"meeting_on": "i morgen", "version": 1})
    assert bad_time.status_code == 422
    assert 'aria-invalid="true"' in bad_time.content.decode()
    assert pm.post(_url(handover, "acknowledge"), {"version": 99}).status_code == 422  # no such version
    client_for(seller).post(_url(handover, "notes"), {"notes": "Kari bestemmer.", "version": 1})
    stale = pm.post(_url(handover, "acknowledge"), {"version": 1})
    assert stale.status_code == 409
    assert 'data-testid="conflict"' in stale.content.decode()
    pm.post(_url(handover, "send_back"), {"questions": "Hvem?", "version": 2})
    question = Question.objects.get(handover=handover)
    no_answer = client_for(seller).post(_url(handover, "answer", question.pk), {"answer": ""})
    assert no_answer.status_code == 422
    assert not Project.objects.exists()


def test_the_meeting_and_the_project_manager_are_set_on_the_page(
    sell: Any, win: Any, client_for: Any, delivery_manager: Any, project_manager: Any, seller: Any
) -> None:
    handover = win(sell())
    dm = client_for(delivery_manager)
    chosen = dm.post(_url(handover, "project_manager"), {"project_manager": project_manager.pk, "version": 1})
    assert chosen.status_code == 302
    booked = dm.post(
        _url(handover, "meeting"),
        {"meeting_on": "2025-03-20T09:30", "participants": [seller.pk, project_manager.pk], "version": 2},
    )
    assert booked.status_code == 302
    current = Handover.objects.get(pk=handover.pk)
    assert current.project_manager == project_manager
    assert set(current.participants.all()) == {seller, project_manager}


def test_an_outsider_reads_an_ordinary_handover_but_changes_nothing(
    handover: Handover, client_for: Any, outsider: Any
) -> None:
    client = client_for(outsider)
    page = client.get(_url(handover))
    assert page.status_code == 200
    assert 'data-testid="checklist-toggle"' not in page.content.decode()
    item = handover.checklist.first()
    assert client.post(_url(handover, "checklist_item", item.pk), {"done": "1"}).status_code == 403
    assert client.post(_url(handover, "send_back"), {"questions": "Hei?"}).status_code == 403
    assert client.post(_url(handover, "acknowledge"), {"version": 1}).status_code == 403
    assert client.post(_url(handover, "meeting"), {"meeting_on": ""}).status_code == 403


def test_a_confidential_handover_is_not_found_for_an_outsider(
    sell: Any, win: Any, client_for: Any, outsider: Any, project_manager: Any
) -> None:
    handover = win(sell("Hemmelig", candidate=project_manager, confidential=True))
    client = client_for(outsider)
    for url in (_url(handover), _url(handover, "print")):
        assert client.get(url).status_code == 404
    item = handover.checklist.first()
    assert client.post(_url(handover, "checklist_item", item.pk), {"done": "1"}).status_code == 404
    assert client.post(_url(handover, "acknowledge"), {"version": 1}).status_code == 404
    assert "Hemmelig" not in client.get(reverse("handover:list") + "?state=all").content.decode()
    assert client_for(project_manager).get(_url(handover)).status_code == 200


def test_the_print_page_holds_the_whole_package(
    handover: Handover, client_for: Any, project_manager: Any
) -> None:
    response = client_for(project_manager).get(_url(handover, "print"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="handover-print"' in html and "@media print" in html
    for text in ("Portalen må være oppe", "Integrasjon mot ERP", "ERP-API-et kommer sent", "Kari Nordmann"):
        assert text in html
    assert "Contract signed by the customer" in html


def test_the_list_filters_by_state_and_mine(
    handover: Handover, sell: Any, win: Any, client_for: Any, project_manager: Any, delivery_manager: Any
) -> None:
    win(sell("Uten prosjektleder"))
    mine = client_for(project_manager).get(reverse("handover:list") + "?mine=on").content.decode()
    assert "Ny kundeportal" in mine and "Uten prosjektleder" not in mine
    waiting = client_for(delivery_manager).get(reverse("handover:list")).content.decode()
    assert "Ny kundeportal" in waiting and "Uten prosjektleder" in waiting
    done = client_for(delivery_manager).get(reverse("handover:list") + "?state=acknowledged").content.decode()
    assert 'data-testid="list-empty"' in done
    nonsense = client_for(delivery_manager).get(reverse("handover:list") + "?state=nonsense&page=x")
    assert nonsense.status_code == 200


def test_the_opportunity_page_links_to_its_handover(handover: Handover, client_for: Any, seller: Any) -> None:
    html = client_for(seller).get(handover.opportunity.get_absolute_url()).content.decode()
    assert 'data-testid="handover-panel"' in html
    assert handover.get_absolute_url() in html


def test_the_start_page_lists_handovers_to_acknowledge_and_questions_to_answer(
    handover: Handover, client_for: Any, project_manager: Any, seller: Any
) -> None:
    pm_start = client_for(project_manager).get("/").content.decode()
    assert 'data-testid="start-handovers"' in pm_start and "Ny kundeportal" in pm_start
    client_for(project_manager).post(
        _url(handover, "send_back"), {"questions": "Hvem betaler?", "version": 1}
    )
    seller_start = client_for(seller).get("/").content.decode()
    assert 'data-testid="start-questions"' in seller_start and "Hvem betaler?" in seller_start


def test_unknown_handovers_items_and_questions_are_not_found(
    handover: Handover, client_for: Any, project_manager: Any, seller: Any
) -> None:
    client = client_for(project_manager)
    assert client.get("/handovers/999999/").status_code == 404
    assert client.get("/handovers/99999999999999999999999/").status_code == 404
    assert client.post(_url(handover, "checklist_item", 999999), {"done": "1"}).status_code == 404
    assert client_for(seller).post(_url(handover, "answer", 999999), {"answer": "x"}).status_code == 404
    assert client.get(_url(handover, "acknowledge")).status_code == 405
