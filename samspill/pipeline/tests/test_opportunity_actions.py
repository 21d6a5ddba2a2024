"""Creating and editing opportunities: who may, what is checked, what is logged."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.customers.actions import create_agreement, create_customer
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken, StaleVersion
from samspill.people.models import Skill
from samspill.pipeline import queries
from samspill.pipeline.actions.opportunities import create_opportunity, update_opportunity
from samspill.pipeline.models import Opportunity, TeamMember

pytestmark = pytest.mark.django_db


def _agreement(customer: Any, seller: Any, ceiling: int = 1_000_000) -> Any:
    return create_agreement(
        customer,
        {
            "title": "Rammeavtale",
            "starts_on": datetime.date(2024, 1, 1),
            "ends_on": datetime.date(2027, 1, 1),
            "ceiling": Decimal(ceiling),
        },
        by=seller,
    )


def test_a_new_opportunity_starts_at_lead_with_the_lead_probability_and_its_owner_on_the_team(
    opportunity: Any, seller: Any
) -> None:
    assert opportunity.stage == "lead"
    assert opportunity.probability == 10
    assert opportunity.owner == seller
    assert list(TeamMember.objects.filter(opportunity=opportunity).values_list("person", "role")) == [
        (seller.pk, "seller")
    ]
    assert Event.objects.filter(verb="opportunity.created", target_id=str(opportunity.pk)).count() == 1


def test_a_new_opportunity_keeps_a_probability_given_explicitly(make_opportunity: Any) -> None:
    assert make_opportunity(probability=35).probability == 35


def test_delivery_is_on_the_team_from_day_one(make_opportunity: Any, project_manager: Any) -> None:
    created = make_opportunity(team=[(project_manager, "project_manager")])
    assert created.team.filter(person=project_manager, role="project_manager").exists()


def test_an_outsider_may_not_create_an_opportunity(customer: Any, outsider: Any) -> None:
    with pytest.raises(NotAllowed):
        create_opportunity({"customer": customer, "title": "X"}, by=outsider)
    assert not Opportunity.objects.exists()


def test_an_agreement_of_another_customer_is_a_field_error(customer: Any, seller: Any) -> None:
    other = create_customer({"name": "Annen AS"}, by=seller)
    agreement = _agreement(other, seller)
    with pytest.raises(InvalidInput) as refused:
        create_opportunity({"customer": customer, "title": "X", "agreement": agreement}, by=seller)
    assert "agreement" in refused.value.errors
    assert not Opportunity.objects.exists()


def test_starting_at_a_gated_stage_is_refused(customer: Any, seller: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        create_opportunity({"customer": customer, "title": "X"}, by=seller, stage="negotiation")
    assert "stage" in refused.value.errors


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"value": Decimal(-1)}, "value"),
        ({"probability": 101}, "probability"),
        ({"probability": -5}, "probability"),
        ({"title": "   "}, "title"),
        ({"duration_weeks": 0}, "duration_weeks"),
        ({"tags": ["x" * 51]}, "tags"),
    ],
)
def test_nonsense_is_refused_with_a_field_error_and_nothing_is_saved(
    customer: Any, seller: Any, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        create_opportunity({"customer": customer, "title": "X", **fields}, by=seller)
    assert field in refused.value.errors
    assert not Opportunity.objects.exists()
    assert not Event.objects.filter(verb="opportunity.created").exists()


def test_tags_are_trimmed_and_deduplicated(make_opportunity: Any) -> None:
    assert make_opportunity(tags=[" portal ", "Portal", "azure", ""]).tags == ["portal", "azure"]


def test_an_edit_changes_the_fields_and_logs_what_changed(opportunity: Any, seller: Any) -> None:
    skill = Skill.objects.create(name="Azure")
    saved = update_opportunity(
        opportunity,
        {"value": Decimal(2_000_000), "title": "Portal"},
        by=seller,
        version=1,
        required_skills=[skill],
    )
    assert (saved.value, saved.title, saved.version) == (Decimal(2_000_000), "Portal", 2)
    assert list(saved.required_skills.all()) == [skill]
    event = Event.objects.get(verb="opportunity.updated")
    assert set(event.changes) == {"value", "title", "required_skills"}


def test_a_stale_edit_is_refused_and_names_what_changed(opportunity: Any, seller: Any) -> None:
    update_opportunity(opportunity, {"title": "First"}, by=seller, version=1)
    with pytest.raises(StaleVersion) as refused:
        update_opportunity(opportunity, {"title": "Second"}, by=seller, version=1)
    assert "First" in refused.value.message
    assert Opportunity.objects.get().title == "First"


def test_the_stage_is_not_changed_by_an_edit(opportunity: Any, seller: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        update_opportunity(opportunity, {"stage": "won"}, by=seller, version=1)
    assert "stage" in refused.value.errors


def test_an_outsider_may_not_edit_and_a_team_member_may(
    opportunity: Any, outsider: Any, expert: Any, seller: Any
) -> None:
    with pytest.raises(NotAllowed):
        update_opportunity(opportunity, {"title": "X"}, by=outsider, version=1)
    TeamMember.objects.create(opportunity=opportunity, person=expert, role="expert")
    assert update_opportunity(opportunity, {"title": "Y"}, by=expert, version=1).title == "Y"


def test_a_decided_opportunity_is_not_edited(opportunity: Any, seller: Any) -> None:
    from samspill.pipeline.actions.opportunities import lose_opportunity

    lost = lose_opportunity(opportunity, reason="price", note="Too dear", by=seller, version=1)
    with pytest.raises(RuleBroken):
        update_opportunity(lost, {"title": "X"}, by=seller, version=lost.version)


def test_a_call_off_past_the_ceiling_is_warned_about_but_saved(
    customer: Any, seller: Any, manager: Any, make_opportunity: Any
) -> None:
    from samspill.pipeline.actions.opportunities import win_opportunity

    agreement = _agreement(customer, seller, ceiling=1_000_000)
    won = make_opportunity("Avrop 1", agreement=agreement, value=Decimal(700_000))
    win_opportunity(won, by=manager, version=None, override_reason="Call-off without a bid")
    second = make_opportunity("Avrop 2", agreement=agreement, value=Decimal(400_000))
    warning = queries.ceiling_warning(agreement, second.value, seller, second.pk)
    assert warning is not None
    assert "700\xa0000" in warning and "400\xa0000" in warning and "1\xa0000\xa0000" in warning
    assert queries.ceiling_warning(agreement, Decimal(300_000), seller, second.pk) is None
