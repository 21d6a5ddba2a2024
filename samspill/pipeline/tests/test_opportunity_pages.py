"""The opportunity page, its forms, the team, the stage settings, and the panels on other pages."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from samspill.customers.actions import create_agreement, create_customer
from samspill.pipeline.actions.opportunities import win_opportunity
from samspill.pipeline.models import Opportunity, StageSetting, TeamMember

pytestmark = pytest.mark.django_db


def _form(of: Any, **fields: Any) -> dict[str, Any]:
    return {
        "title": "Ny portal",
        "customer": of.pk,
        "value": "1500000",
        "contract_type": "fixed_price",
        "owner": "",
        **fields,
    }


def test_the_page_shows_the_big_numbers_the_estimate_the_team_and_the_activity(
    opportunity: Any, seller: Any, client_for: Any
) -> None:
    response = client_for(seller).get(f"/pipeline/{opportunity.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    for testid in (
        "value",
        "probability",
        "weighted",
        "estimate-summary",
        "stage-card",
        "expectations",
        "team",
        "feed",
    ):
        assert f'data-testid="{testid}"' in html, testid
    assert "kr\xa01\xa0000\xa0000" in html
    assert "kr\xa0100\xa0000" in html  # weighted at 10 %
    assert "created the opportunity" in html


def test_a_reader_sees_the_page_without_the_controls_that_change_it(
    opportunity: Any, outsider: Any, client_for: Any
) -> None:
    html = client_for(outsider).get(f"/pipeline/{opportunity.pk}/").content.decode()
    assert 'data-testid="edit-opportunity"' not in html
    assert 'data-testid="move-form"' not in html
    assert 'data-testid="add-expectation"' not in html
    assert client_for(outsider).get(f"/pipeline/{opportunity.pk}/edit/").status_code == 403


def test_an_unknown_opportunity_is_not_found(seller: Any, client_for: Any) -> None:
    assert client_for(seller).get("/pipeline/999999/").status_code == 404


def test_a_seller_creates_an_opportunity_from_the_customer_page(
    customer: Any, seller: Any, project_manager: Any, client_for: Any
) -> None:
    client = client_for(seller)
    page = client.get(f"/pipeline/new/?customer={customer.pk}")
    assert page.context["form"].initial["customer"] == customer.pk
    response = client.post(
        "/pipeline/new/",
        _form(customer, owner=seller.pk, project_manager=project_manager.pk, tags="portal, azure"),
    )
    created = Opportunity.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/pipeline/{created.pk}/"
    assert (created.owner, created.tags, created.probability) == (seller, ["portal", "azure"], 10)
    assert TeamMember.objects.filter(
        opportunity=created, person=project_manager, role="project_manager"
    ).exists()


def test_an_outsider_may_not_open_the_create_form(outsider: Any, client_for: Any) -> None:
    assert client_for(outsider).get("/pipeline/new/").status_code == 403


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"value": "-5"}, "value"),
        ({"probability": "140"}, "probability"),
        ({"title": ""}, "title"),
        ({"customer": "99999"}, "customer"),
        ({"offer_due": "31.02.2025"}, "offer_due"),
    ],
)
def test_the_form_refuses_nonsense_with_a_field_message_and_saves_nothing(
    customer: Any, seller: Any, client_for: Any, fields: dict[str, str], field: str
) -> None:
    response = client_for(seller).post("/pipeline/new/", _form(customer, owner=seller.pk, **fields))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Opportunity.objects.exists()


def test_an_agreement_of_another_customer_is_refused_on_the_field(
    customer: Any, seller: Any, client_for: Any
) -> None:
    other = create_customer({"name": "Annen AS"}, by=seller)
    agreement = create_agreement(
        other,
        {
            "title": "Annen avtale",
            "starts_on": datetime.date(2024, 1, 1),
            "ends_on": datetime.date(2027, 1, 1),
            "ceiling": Decimal(1000),
        },
        by=seller,
    )
    response = client_for(seller).post(
        "/pipeline/new/", _form(customer, owner=seller.pk, agreement=agreement.pk)
    )
    assert response.context["form"].errors["agreement"]
    assert not Opportunity.objects.exists()


def test_the_form_warns_when_a_call_off_takes_the_agreement_past_its_ceiling(
    customer: Any, seller: Any, manager: Any, client_for: Any, make_opportunity: Any
) -> None:
    agreement = create_agreement(
        customer,
        {
            "title": "Ramme",
            "starts_on": datetime.date(2024, 1, 1),
            "ends_on": datetime.date(2027, 1, 1),
            "ceiling": Decimal(2_000_000),
        },
        by=seller,
    )
    won = make_opportunity("Avrop 1", agreement=agreement, value=Decimal(1_800_000))
    win_opportunity(won, by=manager, version=1, override_reason="Call-off")
    client = client_for(seller)
    check = client.get(
        "/pipeline/form-check/",
        {"part": "ceiling", "customer": customer.pk, "agreement": agreement.pk, "value": "500000"},
        HTTP_HX_REQUEST="true",
    )
    assert 'data-testid="ceiling-warning"' in check.content.decode()
    response = client.post(
        "/pipeline/new/", _form(customer, owner=seller.pk, agreement=agreement.pk), follow=True
    )
    assert Opportunity.objects.count() == 2  # a warning, not a refusal
    assert "1\xa0800\xa0000" in response.content.decode()
    agreements = client.get("/pipeline/form-check/", {"part": "agreement", "customer": customer.pk})
    assert "Ramme" in agreements.content.decode()


def test_a_stale_edit_keeps_what_was_typed_and_shows_the_other_change(
    opportunity: Any, seller: Any, client_for: Any
) -> None:
    from samspill.pipeline.actions.opportunities import update_opportunity

    update_opportunity(opportunity, {"title": "Changed by Lena"}, by=seller, version=1)
    response = client_for(seller).post(
        f"/pipeline/{opportunity.pk}/edit/",
        _form(opportunity.customer, title="Mine", owner=seller.pk, probability="10", version="1"),
    )
    assert response.status_code == 200
    assert 'data-testid="conflict"' in response.content.decode()
    assert Opportunity.objects.get().title == "Changed by Lena"


def test_the_win_page_says_which_estimate_becomes_the_sold_one(
    opportunity: Any, seller: Any, client_for: Any, reviewed: Any
) -> None:
    reviewed(opportunity)
    html = client_for(seller).get(f"/pipeline/{opportunity.pk}/win/").content.decode()
    assert 'data-testid="sold-preview"' in html and "v1" in html


def test_the_lose_page_needs_a_reason_and_a_note(opportunity: Any, seller: Any, client_for: Any) -> None:
    client = client_for(seller)
    response = client.post(f"/pipeline/{opportunity.pk}/lose/", {"reason": "", "note": "", "version": 1})
    assert set(response.context["form"].errors) == {"reason", "note"}
    assert Opportunity.objects.get().stage == "lead"
    done = client.post(
        f"/pipeline/{opportunity.pk}/lose/", {"reason": "price", "note": "Too dear", "version": 1}
    )
    assert done.status_code == 302
    assert Opportunity.objects.get().stage == "lost"


def test_a_manager_overrides_the_gate_on_the_move_page(
    opportunity: Any, manager: Any, client_for: Any
) -> None:
    client = client_for(manager)
    page = client.get(f"/pipeline/{opportunity.pk}/move/").content.decode()
    assert 'name="override_reason"' in page
    client.post(
        f"/pipeline/{opportunity.pk}/move/",
        {"stage": "offer_sent", "version": 1, "override_reason": "Deadline"},
    )
    assert Opportunity.objects.get().stage == "offer_sent"


def test_the_team_gets_and_loses_members(opportunity: Any, seller: Any, expert: Any, client_for: Any) -> None:
    client = client_for(seller)
    client.post(f"/pipeline/{opportunity.pk}/team/", {"person": expert.pk, "role": "expert"})
    member = TeamMember.objects.get(person=expert)
    again = client.post(
        f"/pipeline/{opportunity.pk}/team/", {"person": expert.pk, "role": "expert"}, follow=True
    )
    assert "already has this role" in again.content.decode()
    client.post(f"/pipeline/{opportunity.pk}/team/{member.pk}/remove/")
    assert not TeamMember.objects.filter(person=expert).exists()
    owner = TeamMember.objects.get(person=seller)
    kept = client.post(f"/pipeline/{opportunity.pk}/team/{owner.pk}/remove/", follow=True)
    assert "The owner stays on the team" in kept.content.decode()


def test_only_administrators_open_the_stage_settings(
    administrator: Any, manager: Any, client_for: Any
) -> None:
    assert client_for(manager).get("/pipeline/settings/stages/").status_code == 404
    assert client_for(manager).get("/pipeline/settings/").status_code == 404
    client = client_for(administrator)
    assert client.get("/pipeline/settings/stages/").status_code == 200
    data = {f"{s.stage}_probability": s.probability for s in StageSetting.current().values()}
    data.update(
        {"qualified_probability": 30, "review_requires_review": "on", "offer_sent_requires_review": "on"}
    )
    saved = client.post("/pipeline/settings/stages/", data)
    assert saved.status_code == 302 and saved["Location"] == "/pipeline/settings/#stages"
    settings = StageSetting.current()
    assert (settings["qualified"].probability, settings["review"].requires_review) == (30, True)
    refused = client.post("/pipeline/settings/stages/", {**data, "lead_probability": 120})
    assert refused.context["stage_form"].errors["lead_probability"]
    assert StageSetting.current()["lead"].probability == 10


def test_the_customer_page_lists_open_and_past_opportunities_with_totals(
    make_opportunity: Any, seller: Any, client_for: Any, customer: Any
) -> None:
    from samspill.pipeline.actions.opportunities import lose_opportunity

    make_opportunity("Open one", value=Decimal(2_000_000))
    lost = make_opportunity("Lost one")
    lose_opportunity(lost, reason="price", note="dear", by=seller, version=1)
    html = client_for(seller).get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="customer-opportunities"' in html
    assert "Open one" in html and "Lost one" in html
    assert "kr\xa02\xa0000\xa0000" in html
    assert f"/pipeline/new/?customer={customer.pk}" in html


def test_the_agreement_page_shows_its_call_offs_and_the_ceiling_used(
    customer: Any, seller: Any, manager: Any, client_for: Any, make_opportunity: Any
) -> None:
    agreement = create_agreement(
        customer,
        {
            "title": "Ramme",
            "starts_on": datetime.date(2024, 1, 1),
            "ends_on": datetime.date(2027, 1, 1),
            "ceiling": Decimal(4_000_000),
        },
        by=seller,
    )
    won = make_opportunity("Won call-off", agreement=agreement, value=Decimal(1_000_000))
    win_opportunity(won, by=manager, version=1, override_reason="Call-off")
    make_opportunity("Open call-off", agreement=agreement, value=Decimal(2_000_000))
    response = client_for(seller).get(f"/customers/agreements/{agreement.pk}/")
    html = response.content.decode()
    assert 'data-testid="agreement-call-offs"' in html
    assert "Won call-off" in html and "Open call-off" in html
    assert "25 %" in html  # 1 000 000 of 4 000 000 used
    assert "kr\xa0200\xa0000" in html  # the open call-off weighted at 10 %


def test_the_start_page_lists_my_offers_due_soon_and_overdue(
    make_opportunity: Any, seller: Any, client_for: Any, today: datetime.date
) -> None:
    make_opportunity("Due soon", offer_due=today + datetime.timedelta(days=5))
    make_opportunity("Overdue", offer_due=today - datetime.timedelta(days=2))
    make_opportunity("Far away", offer_due=today + datetime.timedelta(days=40))
    html = client_for(seller).get("/").content.decode()
    assert 'data-testid="start-offers-due"' in html
    assert "Due soon" in html and "Overdue" in html and "Far away" not in html


def test_the_admin_shows_the_pipeline_read_only_and_points_to_the_settings_page(
    administrator: Any, opportunity: Any, client_for: Any
) -> None:
    administrator.is_staff = administrator.is_superuser = True
    administrator.save()
    client = client_for(administrator)
    settings = client.get("/admin/pipeline/stagesetting/")
    assert settings.status_code == 200
    assert b"/pipeline/settings/#stages" in settings.content
    rates = client.get("/admin/pipeline/rolerate/")
    assert rates.status_code == 200
    assert b"/pipeline/settings/#rates" in rates.content
    change = client.get(f"/admin/pipeline/opportunity/{opportunity.pk}/change/")
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    assert b'href="/pipeline/settings/"' in client.get("/pipeline/").content
