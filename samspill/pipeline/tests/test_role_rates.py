"""configure_role_rates: administrators set the firm's default hourly rate per role, each change logged."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samspill.activity.models import Event
from samspill.lib.errors import InvalidInput, NotAllowed
from samspill.pipeline.actions.estimates import MAX_HOURLY_RATE, configure_role_rates, rate_book
from samspill.pipeline.models import RoleRate

pytestmark = pytest.mark.django_db


def test_an_administrator_sets_a_rate_and_new_packages_get_it(administrator: Any, opportunity: Any) -> None:
    configure_role_rates({"expert": "1 450,50", "project_manager": Decimal(1600)}, by=administrator)
    assert dict(RoleRate.objects.values_list("role", "hourly_rate")) == {
        "expert": Decimal("1450.50"),
        "project_manager": Decimal(1600),
    }
    assert rate_book(opportunity).suggested("expert").amount == Decimal("1450.50")
    event = Event.objects.get(verb="role_rate.configured", changes__hourly_rate__after="1450.50")
    assert event.actor == administrator
    assert event.changes["hourly_rate"]["before"] is None


def test_changing_a_rate_logs_before_and_after_and_an_unchanged_one_logs_nothing(administrator: Any) -> None:
    configure_role_rates({"expert": 1500, "seller": 1200}, by=administrator)
    configure_role_rates({"expert": 1550, "seller": 1200}, by=administrator)
    assert RoleRate.objects.get(role="expert").hourly_rate == Decimal(1550)
    changed = Event.objects.filter(verb="role_rate.configured").order_by("pk").last()
    assert changed is not None
    assert (changed.changes["hourly_rate"]["before"], changed.changes["hourly_rate"]["after"]) == (
        "1500.00",
        "1550.00",
    )
    assert Event.objects.filter(verb="role_rate.configured").count() == 3  # expert twice, seller once


def test_an_empty_rate_removes_the_default_so_the_firms_rate_applies(
    administrator: Any, opportunity: Any, settings: Any
) -> None:
    settings.DEFAULT_HOURLY_RATE = 1234
    configure_role_rates({"expert": 1500}, by=administrator)
    configure_role_rates({"expert": ""}, by=administrator)
    assert not RoleRate.objects.exists()
    assert rate_book(opportunity).suggested("expert").amount == Decimal(1234)
    removed = Event.objects.get(verb="role_rate.removed")
    assert removed.changes["hourly_rate"]["before"] == "1500.00"


def test_roles_left_out_keep_their_rate(administrator: Any) -> None:
    configure_role_rates({"expert": 1500}, by=administrator)
    configure_role_rates({"seller": 1100}, by=administrator)
    assert RoleRate.objects.get(role="expert").hourly_rate == Decimal(1500)


@pytest.mark.parametrize("person", ["seller", "manager", "expert", "outsider"])
def test_only_administrators_set_the_rates(person: str, request: Any) -> None:
    with pytest.raises(NotAllowed):
        configure_role_rates({"expert": 1500}, by=request.getfixturevalue(person))
    assert not RoleRate.objects.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "negative"),
        ("abc", "number"),
        ("NaN", "number"),
        ("Infinity", "number"),
        (Decimal("100000000"), "too large"),
        ("12.345", "two decimals"),
    ],
)
def test_a_malformed_rate_is_refused_with_the_field_named_and_nothing_is_saved(
    administrator: Any, value: Any, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        configure_role_rates({"seller": 1000, "expert": value}, by=administrator)
    assert message in " ".join(refused.value.errors["expert_hourly_rate"])
    assert not RoleRate.objects.exists()


def test_an_unknown_role_is_refused(administrator: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        configure_role_rates({"wizard": 1000}, by=administrator)
    assert "wizard_hourly_rate" in refused.value.errors


def test_every_rate_in_kroner_and_ore_up_to_the_largest_is_stored_exactly(administrator: Any) -> None:
    @given(st.decimals(min_value=0, max_value=MAX_HOURLY_RATE, places=2))
    def check(amount: Decimal) -> None:
        configure_role_rates({"expert": amount}, by=administrator)
        assert RoleRate.objects.get(role="expert").hourly_rate == amount

    check()
