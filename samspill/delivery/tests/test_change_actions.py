"""Change requests: drafted by the project manager, sent, decided by sales; accepting moves the baseline."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from samspill.activity.models import Event
from samspill.delivery.actions.changes import (
    accept_change_request,
    create_change_request,
    reject_change_request,
    send_change_request,
    update_change_request,
    waiting_for,
)
from samspill.delivery.detection import detect_deviations
from samspill.delivery.models import (
    Baseline,
    BaselinePackage,
    ChangeRequest,
    Deviation,
    Project,
    ProjectPackage,
)
from samspill.delivery.tests.deviation_factories import (
    TODAY,
    agreement,
    book,
    make_project,
    milestone,
    package,
)
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken, StaleVersion
from samspill.pipeline import queries

pytestmark = pytest.mark.usefixtures("english")
DAY = datetime.timedelta(days=1)


@pytest.fixture
def project(customer: Any, project_manager: Any, seller: Any) -> Project:
    return make_project(customer, project_manager, seller=seller)


def _draft(project: Project, by: Any, **fields: Any) -> ChangeRequest:
    values = {
        "title": "Integrasjon mot SAP",
        "description": "Kunden ønsker eksport av fakturagrunnlag til SAP.",
        "package": package(project, 1),
        "hours": Decimal(80),
        "price": Decimal(112000),
        "milestone_effect": "Go-live flyttes to uker",
        "delay_days": 14,
        **fields,
    }
    return create_change_request(project, values, by=by)


def _sent(project: Project, by: Any, **fields: Any) -> ChangeRequest:
    change = _draft(project, by, **fields)
    return send_change_request(change, by=by, version=change.version)


# -- drafting --------------------------------------------------------------------------------------


def test_the_project_manager_drafts_numbered_change_requests(project: Project, project_manager: Any) -> None:
    first = _draft(project, project_manager)
    second = _draft(project, project_manager, title="Ekstra rapport")
    assert (first.number, second.number) == (1, 2)
    assert first.state == "draft"
    assert first.raised_by == project_manager
    assert Event.objects.filter(verb="change_request.created").count() == 2


def test_only_those_who_change_the_project_draft_change_requests(
    project: Project, seller: Any, outsider: Any
) -> None:
    for person in (seller, outsider):
        with pytest.raises(NotAllowed):
            _draft(project, person)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": " "}, "title"),
        ({"description": ""}, "description"),
        ({"hours": Decimal(0), "price": Decimal(0)}, "hours"),
        ({"package": None, "hours": Decimal(-5)}, "package"),
        ({"hours": Decimal(-500)}, "hours"),
        ({"hours": Decimal("1.25")}, "hours"),
        ({"price": "mye"}, "price"),
        ({"delay_days": 5000}, "delay_days"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_nonsense_in_a_change_request_is_refused_field_by_field(
    project: Project, project_manager: Any, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _draft(project, project_manager, **fields)
    assert field in refused.value.errors


def test_a_package_of_another_project_is_refused(
    project: Project, customer: Any, project_manager: Any
) -> None:
    other = make_project(customer, project_manager, title="Annet")
    with pytest.raises(InvalidInput) as refused:
        _draft(project, project_manager, package=package(other))
    assert "package" in refused.value.errors


def test_a_draft_can_be_edited_but_a_sent_one_cannot(project: Project, project_manager: Any) -> None:
    change = _draft(project, project_manager)
    edited = update_change_request(change, {"hours": Decimal(90)}, by=project_manager, version=1)
    assert edited.hours == Decimal(90)
    sent = send_change_request(edited, by=project_manager, version=edited.version)
    with pytest.raises(RuleBroken):
        update_change_request(sent, {"hours": Decimal(95)}, by=project_manager, version=sent.version)


def test_sending_is_for_the_project_manager_and_happens_once(
    project: Project, project_manager: Any, seller: Any
) -> None:
    change = _draft(project, project_manager)
    with pytest.raises(NotAllowed):
        send_change_request(change, by=seller, version=1)
    sent = send_change_request(change, by=project_manager, version=1)
    assert sent.state == "sent"
    assert sent.sent_at is not None
    with pytest.raises(RuleBroken):
        send_change_request(sent, by=project_manager, version=sent.version)


def test_a_sent_change_request_lands_in_the_sellers_and_the_account_owners_queue(
    customer: Any, project_manager: Any, seller: Any, expert: Any, manager: Any
) -> None:
    sold_by_expert = make_project(customer, project_manager, seller=expert)  # the seller owns the customer
    change = _sent(sold_by_expert, project_manager)
    assert list(waiting_for(seller)) == [change]
    assert list(waiting_for(expert)) == [change]
    assert list(waiting_for(manager)) == [change]
    assert list(waiting_for(project_manager)) == []


# -- deciding --------------------------------------------------------------------------------------


def test_accepting_a_draft_is_refused(project: Project, project_manager: Any, seller: Any) -> None:
    change = _draft(project, project_manager)
    with pytest.raises(RuleBroken, match="still a draft"):
        accept_change_request(change, by=seller, version=1)


def test_the_project_manager_does_not_record_the_customers_decision(
    project: Project, project_manager: Any
) -> None:
    change = _sent(project, project_manager)
    with pytest.raises(NotAllowed):
        accept_change_request(change, by=project_manager, version=change.version)


def test_accepting_makes_a_new_baseline_version_and_keeps_the_sold_one(
    project: Project, project_manager: Any, seller: Any
) -> None:
    change = _sent(project, project_manager)
    target = package(project, 1)
    accepted = accept_change_request(change, by=seller, version=change.version, note="OK fra IT-sjefen")
    assert accepted.state == "accepted"
    assert accepted.decided_on is not None
    sold, moved = Baseline.objects.filter(project=project).order_by("number")
    assert (sold.number, sold.source, sold.hours) == (1, "manual", Decimal(400))
    assert (moved.number, moved.source, moved.change_request_id) == (2, "change", change.pk)
    assert moved.hours == Decimal(480)
    assert moved.amount == sold.amount + Decimal(112000)
    rows = dict(BaselinePackage.objects.filter(baseline=moved).values_list("package_id", "hours"))
    assert rows == {package(project, 0).pk: Decimal(100), target.pk: Decimal(380)}
    assert BaselinePackage.objects.get(baseline=sold, package=target).hours == Decimal(300)
    target.refresh_from_db()
    assert (target.budget_hours, target.sold_hours) == (Decimal(380), Decimal(300))
    project.refresh_from_db()
    assert project.baseline_number == 2
    assert project.budget_hours == Decimal(480)
    event = Event.objects.get(verb="change_request.accepted")
    assert event.data["baseline"] == 2


def test_accepting_without_a_package_adds_one_outside_what_was_sold(
    project: Project, project_manager: Any, seller: Any
) -> None:
    change = _sent(
        project, project_manager, package=None, title="Opplæring", hours=Decimal(40), price=Decimal(50000)
    )
    accepted = accept_change_request(change, by=seller, version=change.version)
    added = ProjectPackage.objects.get(project=project, name="Opplæring")
    assert accepted.package == added
    assert (added.budget_hours, added.budget_amount, added.sold_hours) == (
        Decimal(40),
        Decimal(50000),
        Decimal(0),
    )
    assert BaselinePackage.objects.filter(baseline__number=2, baseline__project=project).count() == 3


def test_accepting_moves_the_milestones_not_yet_reached(
    project: Project, project_manager: Any, seller: Any
) -> None:
    ahead = milestone(project, planned=TODAY + 10 * DAY, forecast=TODAY + 12 * DAY)
    reached = milestone(project, "Oppstart", planned=TODAY - 20 * DAY, done=TODAY - 20 * DAY)
    change = _sent(project, project_manager, delay_days=14)
    accept_change_request(change, by=seller, version=change.version)
    ahead.refresh_from_db()
    reached.refresh_from_db()
    assert (ahead.planned_on, ahead.forecast_on) == (TODAY + 24 * DAY, TODAY + 26 * DAY)
    assert reached.planned_on == TODAY - 20 * DAY


def test_accepting_closes_the_deviation_the_change_resolves(
    project: Project, project_manager: Any, seller: Any, expert: Any
) -> None:
    book(project, expert, 330, on=1)
    detect_deviations(project, today=TODAY)
    assert Deviation.objects.filter(project=project, kind="package_over_budget", status="open").exists()
    change = _sent(project, project_manager)
    accept_change_request(change, by=seller, version=change.version)
    assert not Deviation.objects.filter(project=project, kind="package_over_budget", status="open").exists()


def test_a_stale_decision_is_refused(project: Project, project_manager: Any, seller: Any) -> None:
    change = _sent(project, project_manager)
    with pytest.raises(StaleVersion):
        accept_change_request(change, by=seller, version=1)


def test_rejecting_needs_the_customers_reason_and_is_final(
    project: Project, project_manager: Any, seller: Any
) -> None:
    change = _sent(project, project_manager)
    with pytest.raises(InvalidInput) as refused:
        reject_change_request(change, by=seller, version=change.version, note=" ")
    assert "note" in refused.value.errors
    rejected = reject_change_request(change, by=seller, version=change.version, note="Ikke budsjett i år")
    assert rejected.state == "rejected"
    assert rejected.decision_note == "Ikke budsjett i år"
    with pytest.raises(RuleBroken, match="already decided"):
        accept_change_request(rejected, by=seller, version=rejected.version)
    assert Baseline.objects.filter(project=project).count() == 1


def test_a_decision_cannot_be_dated_in_the_future(
    project: Project, project_manager: Any, seller: Any
) -> None:
    change = _sent(project, project_manager)
    with pytest.raises(InvalidInput):
        accept_change_request(
            change, by=seller, version=change.version, decided_on=timezone.localdate() + 30 * DAY
        )


def test_a_closed_project_takes_no_change_requests(
    project: Project, project_manager: Any, seller: Any
) -> None:
    change = _sent(project, project_manager)
    Project.objects.filter(pk=project.pk).update(status="closed")
    change.project.refresh_from_db()
    with pytest.raises(RuleBroken):
        accept_change_request(change, by=seller, version=change.version)
    with pytest.raises(RuleBroken):
        _draft(change.project, project_manager)


# -- framework agreement ---------------------------------------------------------------------------


def test_an_accepted_change_counts_as_a_call_off_on_the_framework_agreement(
    customer: Any, project_manager: Any, seller: Any
) -> None:
    deal = agreement(customer, ceiling=1_000_000)
    project = make_project(customer, project_manager, seller=seller, agreement=deal)
    draft = _draft(project, project_manager)
    assert queries.agreement_use(deal, seller).used == Decimal(0)
    sent = send_change_request(draft, by=project_manager, version=draft.version)
    assert queries.agreement_use(deal, seller).used == Decimal(0)
    accept_change_request(sent, by=seller, version=sent.version)
    assert queries.agreement_use(deal, seller).used == Decimal(112000)
    assert queries.used_by_others(deal, seller) == Decimal(112000)


def test_a_confidential_projects_changes_do_not_count_for_someone_who_cannot_see_it(
    customer: Any, project_manager: Any, seller: Any, outsider: Any
) -> None:
    deal = agreement(customer)
    project = make_project(customer, project_manager, seller=seller, agreement=deal, confidential=True)
    change = _sent(project, project_manager)
    accept_change_request(change, by=seller, version=change.version)
    assert queries.agreement_use(deal, seller).used == Decimal(112000)
    assert queries.agreement_use(deal, outsider).used == Decimal(0)


# -- arithmetic ------------------------------------------------------------------------------------


@given(hours=st.lists(st.integers(-50, 200).filter(bool), min_size=1, max_size=4))
def test_each_accepted_change_adds_its_hours_to_a_new_version_and_version_one_never_changes(
    customer: Any, project_manager: Any, seller: Any, hours: list[int]
) -> None:
    with transaction.atomic():
        project = make_project(customer, project_manager, seller=seller)
        for n, h in enumerate(hours):
            change = _sent(project, project_manager, hours=Decimal(h), price=Decimal(h * 1000), delay_days=0)
            accept_change_request(change, by=seller, version=change.version)
            latest = Baseline.objects.filter(project=project).order_by("-number").first()
            assert latest is not None
            assert latest.number == n + 2
            assert latest.hours == Decimal(400 + sum(hours[: n + 1]))
        first = Baseline.objects.get(project=project, number=1)
        assert first.hours == Decimal(400)
        assert set(BaselinePackage.objects.filter(baseline=first).values_list("hours", flat=True)) == {
            Decimal(100),
            Decimal(300),
        }
        transaction.set_rollback(True)


def test_the_agreement_usage_hook_sums_every_registered_source(monkeypatch: pytest.MonkeyPatch) -> None:
    from samspill.lib import registry

    monkeypatch.setattr(registry, "registry", registry.Registry())
    assert registry.agreement_usage(object(), None) == Decimal(0)
    registry.register_agreement_usage("a", lambda agreement, user: Decimal("100.50"))
    registry.register_agreement_usage("b", lambda agreement, user: None)
    registry.register_agreement_usage("a", lambda agreement, user: Decimal(7))  # registering again replaces
    assert registry.agreement_usage(object(), None) == Decimal(7)
