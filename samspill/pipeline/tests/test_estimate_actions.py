"""Estimate actions: versions, work packages, the stored numbers, rate sources and locking."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samspill.activity.models import Event
from samspill.customers.actions import create_agreement
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken, StaleVersion
from samspill.people.models import Skill
from samspill.pipeline import estimation
from samspill.pipeline.actions import estimates as actions
from samspill.pipeline.models import Estimate, EstimateLine, Risk, RoleRate, WorkPackage
from samspill.pipeline.tests.estimating import make_estimate, package

pytestmark = pytest.mark.django_db


def _summarise(estimate: Estimate) -> estimation.EstimateSummary:
    packages = [
        estimation.Package(estimation.ThreePoint(p.optimistic, p.most_likely, p.pessimistic), p.hourly_rate)
        for p in estimate.packages.order_by("position", "pk")
    ]
    risks = [estimation.Risk(Decimal(r.probability) / 100, r.consequence_hours) for r in estimate.risks.all()]
    return estimation.summarise(packages, risks)


# -- versions ----------------------------------------------------------------------------------------------


def test_the_first_estimate_is_version_one_and_empty(opportunity: Any, seller: Any) -> None:
    estimate = actions.create_estimate(opportunity, by=seller)
    assert estimate.number == 1
    assert estimate.expected_hours == 0 and estimate.price == 0
    assert actions.current_estimate(opportunity) == estimate


def test_current_estimate_is_the_highest_version(opportunity: Any, seller: Any) -> None:
    first = actions.create_estimate(opportunity, by=seller)
    second = actions.create_estimate(opportunity, by=seller, based_on=first)
    assert second.number == 2
    assert actions.current_estimate(opportunity) == second


def test_a_new_version_copies_packages_lines_and_risks(opportunity: Any, seller: Any) -> None:
    azure = Skill.objects.create(name="Azure")
    first = make_estimate(opportunity, seller, risks=[("Uklar integrasjon", 30, 80)])
    WorkPackage.objects.filter(estimate=first).first().skills.add(azure)  # type: ignore[union-attr]
    actions.add_line(first, "assumption", "Kunden stiller testmiljø", by=seller)
    actions.add_line(first, "exclusion", "Lisenser", by=seller)
    actions.update_estimate(
        first, {"confidence": "p90", "include_contingency": True}, by=seller, version=None
    )

    second = actions.create_estimate(opportunity, by=seller, based_on=first)
    first.refresh_from_db()

    assert [p.name for p in second.packages.all()] == [p.name for p in first.packages.all()]
    assert second.packages.first().skills.get() == azure  # type: ignore[union-attr]
    assert sorted(second.lines.values_list("kind", "text")) == sorted(first.lines.values_list("kind", "text"))
    assert second.risks.get().consequence_hours == Decimal(80)
    assert (second.confidence, second.include_contingency) == ("p90", True)
    assert second.price == first.price and second.p80_hours == first.p80_hours
    assert second.based_on == first
    assert WorkPackage.objects.filter(estimate=first).count() == 3  # the original keeps its packages


def test_starting_an_estimate_needs_someone_who_may_change_the_opportunity(
    opportunity: Any, outsider: Any
) -> None:
    with pytest.raises(NotAllowed):
        actions.create_estimate(opportunity, by=outsider)
    assert not Estimate.objects.exists()


def test_a_version_cannot_be_based_on_another_opportunitys_estimate(
    make_opportunity: Any, opportunity: Any, seller: Any
) -> None:
    other = actions.create_estimate(make_opportunity("Annen mulighet"), by=seller)
    with pytest.raises(InvalidInput) as refused:
        actions.create_estimate(opportunity, by=seller, based_on=other)
    assert "based_on" in refused.value.errors


def test_creating_an_estimate_appends_an_event_on_the_opportunitys_feed(
    opportunity: Any, seller: Any
) -> None:
    estimate = actions.create_estimate(opportunity, by=seller)
    event = Event.objects.get(verb="estimate.created")
    assert event.target_id == str(estimate.pk)
    assert event.context_id == str(opportunity.pk)


# -- the stored numbers ------------------------------------------------------------------------------------


def test_the_stored_summary_is_what_estimation_summarise_returns(opportunity: Any, seller: Any) -> None:
    estimate = make_estimate(opportunity, seller, risks=[("Nøkkelperson slutter", 20, 150)])
    expected = _summarise(estimate)
    assert estimate.expected_hours == expected.expected_hours
    assert estimate.expected_amount == expected.expected_amount
    assert (estimate.p50_hours, estimate.p80_hours, estimate.p90_hours) == (
        expected.p50_hours,
        expected.p80_hours,
        expected.p90_hours,
    )
    assert (estimate.p50_price, estimate.p80_price, estimate.p90_price) == (
        expected.p50_amount,
        expected.p80_amount,
        expected.p90_amount,
    )
    assert estimate.contingency_hours == expected.contingency_hours == Decimal("30.0")
    assert estimate.contingency_amount == expected.contingency_amount
    assert estimate.price == expected.price_at("p80") == estimate.p80_price


def test_each_package_stores_its_pert_mean(opportunity: Any, seller: Any) -> None:
    estimate = make_estimate(opportunity, seller, [("Bygg", 10, 20, 60)])
    built = estimate.packages.get()
    assert built.expected_hours == Decimal("25.0")  # (10 + 80 + 60) / 6
    assert built.amount == Decimal("37500.00")


def test_choosing_p90_and_adding_the_contingency_changes_the_price(opportunity: Any, seller: Any) -> None:
    estimate = make_estimate(opportunity, seller, risks=[("Uklart omfang", 50, 100)])
    updated = actions.update_estimate(
        estimate, {"confidence": "p90", "include_contingency": True}, by=seller, version=estimate.version
    )
    assert updated.price == updated.p90_price + updated.contingency_amount
    assert updated.price > estimate.price
    assert Estimate.objects.get(pk=estimate.pk).price == updated.price


def test_changing_a_packages_hours_recomputes_the_estimate(opportunity: Any, seller: Any) -> None:
    estimate = make_estimate(opportunity, seller)
    first = estimate.packages.first()
    assert first is not None
    actions.update_work_package(
        first, {"most_likely": Decimal(90), "pessimistic": Decimal(200)}, by=seller, version=first.version
    )
    estimate.refresh_from_db()
    assert estimate.expected_hours == _summarise(estimate).expected_hours
    assert WorkPackage.objects.get(pk=first.pk).expected_hours == Decimal("100.0")  # (40 + 4 × 90 + 200) / 6


def test_removing_a_package_recomputes_the_estimate(opportunity: Any, seller: Any) -> None:
    estimate = make_estimate(opportunity, seller)
    before = estimate.expected_hours
    last = estimate.packages.last()
    assert last is not None
    actions.remove_work_package(last, by=seller)
    estimate.refresh_from_db()
    assert estimate.expected_hours == before - last.expected_hours
    assert Event.objects.filter(verb="work_package.removed", context_id=str(opportunity.pk)).exists()


def test_risks_form_the_contingency_and_not_the_range(opportunity: Any, seller: Any) -> None:
    estimate = make_estimate(opportunity, seller)
    range_before = (estimate.p50_hours, estimate.p80_hours, estimate.p90_hours)
    risk = actions.add_risk(
        estimate,
        {"description": "Forsinket leveranse", "probability": 40, "consequence_hours": 50},
        by=seller,
    )
    estimate.refresh_from_db()
    assert estimate.contingency_hours == Decimal("20.0")
    assert (estimate.p50_hours, estimate.p80_hours, estimate.p90_hours) == range_before
    actions.remove_risk(risk, by=seller)
    estimate.refresh_from_db()
    assert estimate.contingency_hours == 0


def test_an_edit_from_an_old_version_of_a_package_is_refused(opportunity: Any, seller: Any) -> None:
    estimate = make_estimate(opportunity, seller)
    first = estimate.packages.first()
    assert first is not None
    actions.update_work_package(first, {"name": "Analyse"}, by=seller, version=first.version)
    with pytest.raises(StaleVersion):
        actions.update_work_package(first, {"name": "Design"}, by=seller, version=first.version)
    assert WorkPackage.objects.get(pk=first.pk).name == "Analyse"


@given(
    points=st.lists(
        st.tuples(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500)).map(sorted),
        min_size=1,
        max_size=4,
    )
)
def test_the_estimates_expected_hours_are_the_sum_of_the_packages_pert_means(
    opportunity: Any, seller: Any, points: list[list[int]]
) -> None:
    estimate = make_estimate(opportunity, seller, [(f"Pakke {i}", *p) for i, p in enumerate(points)])
    means = [
        estimation.pert_mean(estimation.ThreePoint(Decimal(o), Decimal(m), Decimal(p))) for o, m, p in points
    ]
    assert estimate.expected_hours == sum(means, start=Decimal(0))
    assert list(estimate.packages.values_list("expected_hours", flat=True)) == means
    assert estimate.p50_hours <= estimate.p80_hours <= estimate.p90_hours


# -- rates -------------------------------------------------------------------------------------------------


def test_a_call_off_takes_the_framework_agreements_rate_for_the_role(
    make_opportunity: Any, customer: Any, seller: Any
) -> None:
    agreement = create_agreement(
        customer,
        {
            "title": "Rammeavtale",
            "starts_on": datetime.date(2024, 1, 1),
            "ends_on": datetime.date(2027, 1, 1),
            "ceiling": Decimal(5_000_000),
        },
        rates={"expert": Decimal(1750)},
        by=seller,
    )
    estimate = actions.create_estimate(make_opportunity("Avrop", agreement=agreement), by=seller)
    added = actions.add_work_package(estimate, package("Bygg", 10, 20, 30, role="expert"), by=seller)
    assert added.hourly_rate == Decimal(1750)
    assert actions.rate_book(estimate.opportunity).source_of(added).source == actions.RateSource.AGREEMENT


def test_without_an_agreement_the_roles_default_rate_applies(opportunity: Any, seller: Any) -> None:
    RoleRate.objects.create(role="project_manager", hourly_rate=Decimal(1600))
    estimate = actions.create_estimate(opportunity, by=seller)
    added = actions.add_work_package(
        estimate, package("Ledelse", 10, 20, 30, role="project_manager"), by=seller
    )
    assert added.hourly_rate == Decimal(1600)
    assert actions.rate_book(opportunity).source_of(added).source == actions.RateSource.ROLE


def test_without_any_configured_rate_the_firms_default_applies(
    opportunity: Any, seller: Any, settings: Any
) -> None:
    settings.DEFAULT_HOURLY_RATE = 1234
    estimate = actions.create_estimate(opportunity, by=seller)
    added = actions.add_work_package(estimate, package("Bygg", 10, 20, 30), by=seller)
    assert added.hourly_rate == Decimal(1234)
    assert actions.rate_book(opportunity).source_of(added).source == actions.RateSource.FIRM


def test_a_typed_rate_is_kept_and_shown_as_typed(opportunity: Any, seller: Any) -> None:
    estimate = actions.create_estimate(opportunity, by=seller)
    added = actions.add_work_package(estimate, package("Bygg", 10, 20, 30, rate=999), by=seller)
    assert added.hourly_rate == Decimal(999)
    assert actions.rate_book(opportunity).source_of(added).source == actions.RateSource.TYPED


def test_a_suggested_rate_follows_a_change_of_role_but_a_typed_one_stays(
    opportunity: Any, seller: Any
) -> None:
    RoleRate.objects.create(role="project_manager", hourly_rate=Decimal(1600))
    RoleRate.objects.create(role="expert", hourly_rate=Decimal(1500))
    estimate = actions.create_estimate(opportunity, by=seller)
    suggested = actions.add_work_package(estimate, package("A", 1, 2, 3, role="expert"), by=seller)
    typed = actions.add_work_package(estimate, package("B", 1, 2, 3, rate=999, role="expert"), by=seller)
    suggested = actions.update_work_package(suggested, {"role": "project_manager"}, by=seller, version=None)
    typed = actions.update_work_package(typed, {"role": "project_manager"}, by=seller, version=None)
    assert suggested.hourly_rate == Decimal(1600)
    assert typed.hourly_rate == Decimal(999)


def test_emptying_the_rate_goes_back_to_the_suggested_rate(opportunity: Any, seller: Any) -> None:
    RoleRate.objects.create(role="expert", hourly_rate=Decimal(1500))
    estimate = actions.create_estimate(opportunity, by=seller)
    typed = actions.add_work_package(estimate, package("B", 1, 2, 3, rate=999), by=seller)
    back = actions.update_work_package(typed, {"hourly_rate": None}, by=seller, version=None)
    assert back.hourly_rate == Decimal(1500)


# -- locking -----------------------------------------------------------------------------------------------


def test_lock_for_offer_locks_the_current_estimate_once(opportunity: Any, seller: Any) -> None:
    make_estimate(opportunity, seller)
    current = make_estimate(opportunity, seller)
    locked = actions.lock_for_offer(opportunity, by=seller)
    assert locked == current and locked is not None and locked.is_locked
    first_lock = locked.locked_at
    again = actions.lock_for_offer(opportunity, by=seller)
    assert again is not None and again.locked_at == first_lock
    assert Event.objects.filter(verb="estimate.locked").count() == 1
    assert not Estimate.objects.get(number=1, opportunity=opportunity).is_locked


def test_lock_for_offer_without_an_estimate_returns_none(opportunity: Any, seller: Any) -> None:
    assert actions.lock_for_offer(opportunity, by=seller) is None


def test_a_locked_estimate_refuses_every_change(opportunity: Any, seller: Any) -> None:
    estimate = make_estimate(opportunity, seller, risks=[("Risiko", 10, 10)])
    actions.add_line(estimate, "assumption", "Forutsetning", by=seller)
    actions.lock_for_offer(opportunity, by=seller)
    first = estimate.packages.first()
    assert first is not None
    attempts = [
        lambda: actions.add_work_package(estimate, package("Ny", 1, 2, 3), by=seller),
        lambda: actions.update_work_package(first, {"name": "Nytt navn"}, by=seller, version=None),
        lambda: actions.remove_work_package(first, by=seller),
        lambda: actions.update_estimate(estimate, {"confidence": "p50"}, by=seller, version=None),
        lambda: actions.add_line(estimate, "exclusion", "Noe", by=seller),
        lambda: actions.remove_line(EstimateLine.objects.get(), by=seller),
        lambda: actions.add_risk(
            estimate, {"description": "Ny", "probability": 10, "consequence_hours": 5}, by=seller
        ),
        lambda: actions.remove_risk(Risk.objects.get(), by=seller),
    ]
    for attempt in attempts:
        with pytest.raises(RuleBroken):
            attempt()
    assert estimate.packages.count() == 3 and WorkPackage.objects.get(pk=first.pk).name == first.name


def test_a_new_version_from_a_locked_one_can_be_changed(opportunity: Any, seller: Any) -> None:
    sent = make_estimate(opportunity, seller)
    actions.lock_for_offer(opportunity, by=seller)
    revised = actions.create_estimate(opportunity, by=seller, based_on=Estimate.objects.get(pk=sent.pk))
    assert not revised.is_locked
    actions.add_work_package(revised, package("Tillegg", 5, 10, 20), by=seller)
    assert revised.packages.count() == 4


def test_someone_off_the_team_cannot_change_the_estimate(
    opportunity: Any, seller: Any, outsider: Any
) -> None:
    estimate = make_estimate(opportunity, seller)
    with pytest.raises(NotAllowed):
        actions.add_work_package(estimate, package("Ny", 1, 2, 3), by=outsider)
    assert estimate.packages.count() == 3
