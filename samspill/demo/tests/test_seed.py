"""`samspill seed`: the demo people, believable data, the same data for the same seed, and its refusals."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db.models import Count, F

from samspill.activity.models import Event
from samspill.customers.models import AgreementRate, Contact, Customer, FrameworkAgreement
from samspill.customers.validators import is_valid_org_number
from samspill.demo import fiction, generator
from samspill.lib import health, registry
from samspill.lib.models import SeedRun
from samspill.people.actions import create_token
from samspill.people.models import Person, Role

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)
DEMO_ROLES = {
    "selger": Role.SELLER,
    "fag": Role.EXPERT,
    "pl": Role.PROJECT_MANAGER,
    "leveranse": Role.DELIVERY_MANAGER,
    "leder": Role.MANAGEMENT,
    "admin": Role.ADMINISTRATOR,
}


def seed(*args: str, today: datetime.date = TODAY) -> str:
    out = io.StringIO()
    call_command("seed", "--size", "small", "--today", today.isoformat(), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db: Any) -> str:
    return seed()


def fingerprint() -> list[list[tuple[Any, ...]]]:
    """Return what makes the data the data, without the ids the database hands out."""
    return [
        list(
            Person.objects.order_by("username").values_list(
                "username",
                "first_name",
                "last_name",
                "title",
                "team__name",
                "primary_role",
                "hourly_rate",
                "weekly_capacity_hours",
                "date_joined",
                "created_at",
            )
        ),
        list(
            Customer.objects.order_by("org_number").values_list(
                "name",
                "org_number",
                "segment",
                "street_address",
                "postal_code",
                "city",
                "account_owner__username",
                "delivery_lead__username",
                "created_at",
                "updated_at",
                "archived_at",
                "version",
            )
        ),
        list(
            Contact.objects.order_by("customer__org_number", "name", "email").values_list(
                "customer__org_number", "name", "title", "email", "phone", "created_at"
            )
        ),
        list(
            FrameworkAgreement.objects.order_by("customer__org_number", "starts_on", "title").values_list(
                "customer__org_number", "title", "reference", "starts_on", "ends_on", "ceiling", "status"
            )
        ),
        # The same events, whatever order the generator's sections append them in.
        sorted(
            Event.objects.values_list(
                "verb", "target_repr", "occurred_at", "actor__username", "target_version"
            ),
            key=repr,
        ),
    ]


def test_the_small_seed_creates_the_six_demo_people_who_log_in_with_samspill(seeded: str) -> None:
    demo = {person.username: person for person in Person.objects.filter(username__in=DEMO_ROLES)}
    assert set(demo) == set(DEMO_ROLES)
    assert all(person.check_password("samspill") for person in demo.values())
    assert all(person.is_active and person.language == "nb" for person in demo.values())
    assert demo["selger"].name == "Selma Salg"
    assert demo["selger"].email == "selger@samspill.example"
    assert "selger, fag, pl, leveranse, leder, admin" in seeded


def test_each_demo_person_has_their_role_and_only_the_administrator_is_a_superuser(seeded: str) -> None:
    for person in Person.objects.filter(username__in=DEMO_ROLES).prefetch_related("role_assignments"):
        assert person.roles == {DEMO_ROLES[person.username]}
        assert person.primary_role == DEMO_ROLES[person.username]
        assert person.is_superuser == person.is_staff == (person.username == "admin")


def test_the_small_seed_has_about_thirty_people_forty_customers_and_eight_agreements(seeded: str) -> None:
    assert Person.objects.count() == 30
    assert Customer.objects.count() == 40
    assert FrameworkAgreement.objects.count() == 8
    per_customer = Customer.objects.annotate(n=Count("contacts")).values_list("n", flat=True)
    assert set(per_customer) <= {1, 2, 3, 4}
    assert AgreementRate.objects.count() >= 3 * 8
    assert all(Person.objects.with_role(role).exists() for role in Role.values)


def test_every_org_number_is_valid_unique_and_starts_with_8_or_9(seeded: str) -> None:
    numbers = list(Customer.objects.values_list("org_number", flat=True))
    assert all(is_valid_org_number(n) and n[0] in "89" for n in numbers)
    assert len(set(numbers)) == len(numbers)
    names = list(Customer.objects.values_list("name", flat=True))
    assert len(set(names)) == len(names)


def test_the_data_passes_the_models_own_validation(seeded: str) -> None:
    for model in (Person, Customer, Contact, FrameworkAgreement, AgreementRate):
        for obj in model.objects.all()[:40]:
            obj.full_clean()


def test_the_same_seed_and_day_give_the_same_data_and_another_seed_does_not(seeded: str) -> None:
    first = fingerprint()
    seed("--reset")
    assert fingerprint() == first
    seed("--reset", "--seed", "2")
    assert fingerprint() != first


def test_it_refuses_a_database_with_data_without_reset(seeded: str) -> None:
    with pytest.raises(CommandError, match=r"already has data.*--reset"):
        seed()
    assert Person.objects.count() == 30
    assert SeedRun.objects.count() == 1


def test_it_refuses_a_database_where_somebody_already_has_an_account(db: Any) -> None:
    Person.objects.create_user(username="kari", password="hemmelig-passord")
    with pytest.raises(CommandError, match="1 people"):
        seed()


def test_reset_replaces_the_data_and_what_points_at_the_old_people(seeded: str) -> None:
    selger = Person.objects.get(username="selger")
    create_token(selger, name="script", by=selger)
    EmailAddress.objects.create(user=selger, email=selger.email, verified=True, primary=True)
    LogEntry.objects.create(
        user=selger,
        content_type=ContentType.objects.get_for_model(Person),
        object_id=str(selger.pk),
        object_repr="Selma Salg",
        action_flag=CHANGE,
    )
    seed("--reset", "--seed", "7")
    assert Person.objects.count() == 30
    assert Customer.objects.count() == 40
    assert not Person.objects.filter(pk=selger.pk).exists()
    assert not EmailAddress.objects.exists() and not LogEntry.objects.exists()
    assert Event.objects.filter(verb="token.created").count() == 0


def test_the_seed_run_is_finished_so_healthz_counts_the_demo_data_as_loaded(seeded: str) -> None:
    run = SeedRun.objects.get()
    assert (run.size, run.seed, run.today) == ("small", 1, TODAY)
    assert run.finished_at is not None and run.finished_at >= run.started_at
    assert health.report()[1]["demo_data"] == "loaded"


def test_a_seed_that_fails_leaves_no_data_and_no_unfinished_run(db: Any, monkeypatch: Any) -> None:
    def broken(ctx: generator.Context) -> dict[str, int]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(generator, "SECTIONS", [*generator.SECTIONS[:2], ("broken", broken)])
    with pytest.raises(RuntimeError):
        seed()
    assert not SeedRun.objects.exists()
    assert generator.existing_data() == {}


def test_every_customer_has_a_creation_event_by_its_account_owner(seeded: str) -> None:
    customer_type = ContentType.objects.get_for_model(Customer)
    created = Event.objects.filter(verb="customer.created", target_type=customer_type)
    by_target = {event.target_id: event for event in created}
    for customer in Customer.objects.all():
        event = by_target[str(customer.pk)]
        assert event.actor_id == customer.account_owner_id
        assert event.target_repr == customer.name
        assert event.changes["name"]["after"] == customer.name
        assert event.occurred_at == customer.created_at


def test_agreement_events_name_their_customer_as_context(seeded: str) -> None:
    customer_type = ContentType.objects.get_for_model(Customer)
    for agreement in FrameworkAgreement.objects.all():
        event = Event.objects.get(verb="agreement.created", target_id=str(agreement.pk))
        assert (event.context_type, event.context_id) == (customer_type, str(agreement.customer_id))
        assert event.changes["status"]["after_text"] == agreement.get_status_display()


def test_update_events_end_in_the_customers_current_values_and_versions(seeded: str) -> None:
    updates = Event.objects.filter(verb="customer.updated")
    assert 3 <= updates.count() <= 10
    for event in updates:
        customer = Customer.objects.get(pk=event.target_id)
        assert event.target_version <= customer.version
        for name, values in event.changes.items():
            current = getattr(customer, name)
            assert values["after"] == getattr(current, "pk", current)
            assert values["before"] != values["after"]


def test_each_customers_history_reads_in_order_from_creation_to_its_current_values(seeded: str) -> None:
    customer_type = ContentType.objects.get_for_model(Customer)
    for customer in Customer.objects.filter(version__gt=1):
        events = Event.objects.filter(target_type=customer_type, target_id=str(customer.pk))
        history = list(events.order_by("id"))
        assert [e.target_version for e in history] == list(range(1, customer.version + 1))
        assert history[0].verb == "customer.created"
        values = {name: change["after"] for name, change in history[0].changes.items()}
        for event in history[1:]:
            assert event.occurred_at >= history[0].occurred_at
            for name, change in event.changes.items():
                assert change["before"] == values.get(name, change["before"])
                values[name] = change["after"]
        assert history[-1].occurred_at == customer.updated_at


def test_archived_customers_got_no_contacts_or_agreements_after_archiving(seeded: str) -> None:
    seed("--reset", "--size", "medium")
    archived = Customer.objects.filter(archived_at__isnull=False)
    assert archived.exists()
    late = Contact.objects.filter(customer__in=archived, created_at__gt=F("customer__archived_at"))
    assert not late.exists()
    assert not FrameworkAgreement.objects.filter(customer__in=archived).exists()


def test_every_verb_the_seed_writes_reads_as_a_sentence_in_feeds(seeded: str) -> None:
    verbs = set(Event.objects.values_list("verb", flat=True))
    assert {"customer.created", "contact.created", "agreement.created", "customer.updated"} <= verbs
    assert verbs <= set(registry.registry.verbs)


def test_nothing_is_dated_on_or_after_the_day_the_data_leads_up_to(seeded: str) -> None:
    start = datetime.datetime.combine(TODAY, datetime.time(), tzinfo=fiction.OSLO)
    assert not Event.objects.filter(occurred_at__gte=start).exists()
    assert not Customer.objects.filter(updated_at__gte=start).exists()
    assert not Person.objects.filter(created_at__gte=start).exists()
    history = start - datetime.timedelta(days=generator.HISTORY_DAYS + 1)
    assert not Event.objects.filter(verb="customer.created", occurred_at__lt=history).exists()


def test_the_demo_seller_owns_customers_with_agreements_ending_within_six_months(seeded: str) -> None:
    selger = Person.objects.get(username="selger")
    assert Customer.objects.filter(account_owner=selger).count() >= 8
    ending = FrameworkAgreement.objects.filter(
        customer__account_owner=selger,
        status="active",
        ends_on__gte=TODAY,
        ends_on__lte=TODAY + datetime.timedelta(days=183),
    )
    assert ending.count() >= 2


def test_leveranse_leads_delivery_for_some_of_the_customers(seeded: str) -> None:
    leveranse = Person.objects.get(username="leveranse")
    assert Customer.objects.filter(delivery_lead=leveranse).count() >= 4
    assert Customer.objects.filter(
        delivery_lead__username="leveranse", account_owner__username="selger"
    ).exists()


def test_agreements_start_before_and_end_after_the_day(seeded: str) -> None:
    for agreement in FrameworkAgreement.objects.all():
        assert (
            TODAY - datetime.timedelta(days=3 * 366) <= agreement.starts_on <= TODAY - datetime.timedelta(365)
        )
        assert TODAY <= agreement.ends_on <= TODAY + datetime.timedelta(days=3 * 366)
        assert 5_000_000 <= agreement.ceiling <= 80_000_000


def test_a_date_that_is_not_a_date_is_refused(db: Any) -> None:
    with pytest.raises(CommandError, match="not a date"):
        call_command("seed", "--today", "2026-13-01", stdout=io.StringIO())
    assert not SeedRun.objects.exists()
