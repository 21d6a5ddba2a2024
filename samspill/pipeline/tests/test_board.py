"""The pipeline board: columns with totals, filters in the URL, moving cards, loading more."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest

from samspill.people.models import Skill
from samspill.pipeline import queries
from samspill.pipeline.actions.opportunities import lose_opportunity, win_opportunity
from samspill.pipeline.models import Opportunity

pytestmark = pytest.mark.django_db


def _column(response: Any, stage: str) -> Any:
    return next(c for c in response.context["columns"] if c.stage == stage)


def test_the_board_shows_every_stage_with_its_total_and_weighted_total(
    make_opportunity: Any, seller: Any, client_for: Any
) -> None:
    make_opportunity("A", value=Decimal(1_000_000))
    make_opportunity("B", value=Decimal(500_000), probability=20)
    response = client_for(seller).get("/pipeline/")
    assert response.status_code == 200
    assert [c.stage for c in response.context["columns"]] == [
        "lead",
        "qualified",
        "solution",
        "review",
        "offer_sent",
        "negotiation",
        "won",
        "lost",
    ]
    lead = _column(response, "lead")
    assert (lead.count, lead.total, lead.weighted) == (2, Decimal(1_500_000), Decimal(200_000))
    html = response.content.decode()
    assert "kr\xa01\xa0500\xa0000" in html
    assert 'data-testid="column-lead"' in html


def test_cards_show_customer_value_owner_and_an_overdue_offer(
    make_opportunity: Any, seller: Any, client_for: Any, today: datetime.date
) -> None:
    make_opportunity(
        "Late", offer_due=today - datetime.timedelta(days=1), expected_start=datetime.date(2025, 5, 1)
    )
    html = client_for(seller).get("/pipeline/").content.decode()
    assert "Fjordlys Energi AS" in html
    assert "Selma Salg" in html
    assert 'data-testid="overdue"' in html
    assert "01.05.2025" in html


def test_won_and_lost_columns_show_only_the_last_90_days(
    make_opportunity: Any, seller: Any, manager: Any, client_for: Any, today: datetime.date
) -> None:
    old = make_opportunity("Old win")
    win_opportunity(
        old, by=manager, version=1, decided_on=today - datetime.timedelta(days=91), override_reason="x"
    )
    recent = make_opportunity("Recent loss")
    lose_opportunity(recent, reason="price", note="dear", by=seller, version=1)
    response = client_for(seller).get("/pipeline/")
    assert _column(response, "won").count == 0
    assert _column(response, "lost").count == 1
    assert "90" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"Azure job", "Data job", "Lena's job"}),
        ("?project_type=data", {"Data job"}),
        ("?skill={skill}", {"Azure job"}),
        ("?owner={manager}", {"Lena's job"}),
        ("?mine=on", {"Azure job", "Data job"}),
        ("?start_from=2025-06-01", {"Data job"}),
        ("?start_to=2025-05-31", {"Azure job"}),
        ("?q=azure", {"Azure job"}),
    ],
)
def test_filters_live_in_the_url_and_narrow_cards_and_totals(
    make_opportunity: Any, seller: Any, manager: Any, client_for: Any, query: str, expected: set[str]
) -> None:
    skill = Skill.objects.create(name="Azure")
    make_opportunity("Azure job", required_skills=[skill], expected_start=datetime.date(2025, 5, 1))
    make_opportunity("Data job", project_type="data", expected_start=datetime.date(2025, 7, 1))
    make_opportunity("Lena's job", by=manager, owner=manager)
    response = client_for(seller).get("/pipeline/" + query.format(skill=skill.pk, manager=manager.pk))
    cards = {card.title for column in response.context["columns"] for card in column.cards}
    assert cards == expected
    assert _column(response, "lead").total == Decimal(1_000_000) * len(expected)


def test_a_column_shows_its_first_cards_and_loads_more_on_demand(
    make_opportunity: Any, seller: Any, client_for: Any
) -> None:
    for number in range(queries.FIRST_CARDS + 3):
        make_opportunity(f"Deal {number:02}", value=Decimal(1000 + number))
    client = client_for(seller)
    response = client.get("/pipeline/")
    lead = _column(response, "lead")
    assert (lead.count, lead.shown, lead.has_more) == (15, 12, True)
    more = client.get(f"/pipeline/board/lead/?offset={lead.shown}", HTTP_HX_REQUEST="true")
    assert more.status_code == 200
    assert more.content.decode().count('data-testid="card"') == 3
    assert 'data-testid="load-more"' not in more.content.decode()


def test_an_unknown_column_is_not_found(seller: Any, client_for: Any) -> None:
    assert client_for(seller).get("/pipeline/board/bogus/").status_code == 404


def test_a_board_move_answers_with_the_card_and_the_new_totals(
    opportunity: Any, seller: Any, client_for: Any
) -> None:
    response = client_for(seller).post(
        f"/pipeline/{opportunity.pk}/move/",
        {"stage": "qualified", "version": 1, "board_query": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="opp-{opportunity.pk}"' in html and 'data-stage="qualified"' in html
    assert 'id="col-head-qualified"' in html and 'id="board-summary"' in html
    assert Opportunity.objects.get().stage == "qualified"


def test_a_gated_board_move_is_refused_with_a_clear_message(
    opportunity: Any, seller: Any, client_for: Any
) -> None:
    response = client_for(seller).post(
        f"/pipeline/{opportunity.pk}/move/", {"stage": "offer_sent", "version": 1}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 409
    body = json.loads(response.content)
    assert "expert review" in body["message"]
    assert body["override_url"] == ""
    assert Opportunity.objects.get().stage == "lead"


def test_management_is_offered_the_override_when_the_gate_refuses(
    opportunity: Any, manager: Any, client_for: Any
) -> None:
    response = client_for(manager).post(
        f"/pipeline/{opportunity.pk}/move/", {"stage": "offer_sent", "version": 1}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 409
    assert json.loads(response.content)["override_url"].endswith(f"/pipeline/{opportunity.pk}/move/")


def test_a_stale_board_move_is_refused(opportunity: Any, seller: Any, client_for: Any) -> None:
    client = client_for(seller)
    client.post(
        f"/pipeline/{opportunity.pk}/move/", {"stage": "qualified", "version": 1}, HTTP_HX_REQUEST="true"
    )
    response = client.post(
        f"/pipeline/{opportunity.pk}/move/", {"stage": "solution", "version": 1}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 409
    assert json.loads(response.content)["stale"] is True
    assert Opportunity.objects.get().stage == "qualified"


def test_a_move_posted_as_a_plain_form_goes_back_to_the_board(
    opportunity: Any, seller: Any, client_for: Any
) -> None:
    response = client_for(seller).post(
        f"/pipeline/{opportunity.pk}/move/", {"stage": "solution", "version": 1, "next": "/pipeline/?mine=on"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/pipeline/?mine=on"
    assert Opportunity.objects.get().stage == "solution"


def test_a_reader_may_not_move_a_card(opportunity: Any, outsider: Any, client_for: Any) -> None:
    client = client_for(outsider)
    html = client.get("/pipeline/").content.decode()
    assert 'data-testid="move-to"' not in html
    assert "opp-card locked" in html
    assert (
        client.post(f"/pipeline/{opportunity.pk}/move/", {"stage": "qualified", "version": 1}).status_code
        == 403
    )
    refused = client.post(
        f"/pipeline/{opportunity.pk}/move/", {"stage": "qualified", "version": 1}, HTTP_HX_REQUEST="true"
    )
    assert refused.status_code == 403
    assert Opportunity.objects.get().stage == "lead"


def test_the_board_shows_totals_by_month_of_expected_start(
    make_opportunity: Any, seller: Any, client_for: Any, today: datetime.date
) -> None:
    make_opportunity("April", expected_start=datetime.date(2025, 4, 10), value=Decimal(300_000))
    make_opportunity("Undated", value=Decimal(200_000))
    response = client_for(seller).get("/pipeline/")
    months = {m.start: m for m in response.context["months"] if m.start}
    assert months[datetime.date(2025, 4, 1)].total == Decimal(300_000)
    undated = [m for m in response.context["months"] if m.start is None]
    assert [m.total for m in undated] == [Decimal(200_000)]
    assert response.context["months_chart"]["totals"][1] == 300_000


def test_the_first_cards_behind_mine_are_those_each_columns_own_order_gives(
    make_opportunity: Any, seller: Any, manager: Any, today: datetime.date
) -> None:
    days = [None, today, today - datetime.timedelta(days=3), today + datetime.timedelta(days=9)]
    for n in range(12):
        make_opportunity(
            f"Job {n}",
            stage=["lead", "qualified", "solution"][n % 3],
            value=Decimal([300_000, 500_000, 500_000][n % 3 if n < 6 else 1]),
            offer_due=days[n % 4],
            expected_start=days[(n + 1) % 4],
        )
    for n in range(6):
        closed = make_opportunity(f"Closed {n}", value=Decimal(100_000 * (n % 2 + 1)))
        if n % 2:
            lose_opportunity(closed, reason="price", note="dear", by=seller, version=1)
        else:
            decided = today - datetime.timedelta(days=n)
            win_opportunity(closed, by=manager, version=1, decided_on=decided, override_reason="x")
    rows = queries.filtered(seller, {"mine": True, "stage": None})
    cutoff = queries.recent_cutoff()
    for sort in ("value", "due", "start"):
        for per_column in (1, 2, 3):
            every = queries._first_cards(rows, cutoff, seller, sort, per_column)
            narrow = queries._narrow_first_cards(rows, cutoff, seller, sort, per_column)
            assert [(c.stage, c.pk) for c in narrow] == [(c.stage, c.pk) for c in every]
            assert len(every) == 3 * per_column + min(per_column, 3) * 2
