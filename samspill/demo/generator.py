"""The demo and benchmark data generator: a fictional Norwegian firm, its customers and agreements.

It writes with bulk inserts and so bypasses the actions on purpose (ARCHITECTURE.md, mechanism 1);
in exchange it records the activity events the demo's feeds need. Each app has one section: a
function that takes the `Context`, inserts its rows, records their events with `ctx.record` and
returns its counts. A later app adds its volumes to `SIZES` and its section to `SECTIONS` before
"events", which writes every recorded event last, oldest first.

Every section draws from its own random generator seeded with the seed and its name, so adding a
section changes no other section's data, and the same seed and day always give the same data.
"""

from __future__ import annotations

import datetime
import random
import string
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, router, transaction

from samspill.activity.models import Event
from samspill.customers.models import (
    AgreementRate,
    AgreementStatus,
    Contact,
    Customer,
    FrameworkAgreement,
    Segment,
)
from samspill.demo import bulk, fiction, words
from samspill.lib import events as event_values
from samspill.people.models import Person, PersonSkill, Role, RoleAssignment, Skill, Team
from samspill.workspace import search

BATCH = 500
DEMO_PASSWORD = "samspill"  # noqa: S105 (the published demo password, ARCHITECTURE.md)
DEMO_DOMAIN = "samspill.example"
# How far back the firm's customers go; the pipeline's decisions spread over these years.
HISTORY_DAYS = 5 * 365

# Rows per size; "about 30 people" includes the six demo people.
SIZES: dict[str, dict[str, int]] = {
    "small": {
        "people": 30,
        "customers": 40,
        "agreements": 8,
        "opportunities": 60,
        "open opportunities": 36,
        "documents": 90,
        # Delivery: projects from won opportunities (the section wins history when the pipeline has
        # too few: at `small`, 200 and more closed ones), how many should be running at least, and
        # about how many time entries to write. At `medium` and `large` the pipeline's wins are
        # projects enough (some 2 200 and 21 600). When the people cannot do the work in normal days
        # they book longer ones (never over 24 hours), and what still does not fit is left out of the
        # actual hours (the section's count "hours not booked").
        "projects": 230,
        "active projects": 12,
        "time entries": 20_000,
    },
    "medium": {
        "people": 300,
        "customers": 400,
        "agreements": 80,
        "opportunities": 6_000,
        "open opportunities": 600,
        "documents": 3_000,
        "projects": 2_000,
        "active projects": 150,
        "time entries": 300_000,
    },
    "large": {
        "people": 1000,
        "customers": 5000,
        "agreements": 300,
        "opportunities": 60_000,
        "open opportunities": 6_000,
        "documents": 100_000,
        "projects": 20_000,
        "active projects": 1_500,
        "time entries": 3_000_000,
        # 21 600 wins in five years are more than 1 000 people can do at the sizes a smaller firm
        # sells: here most work is call-offs and smaller jobs, about a third of the usual size.
        "work scale percent": 35,
    },
}

# Apps whose rows are the platform's own (seed runs, worker heartbeats), not the firm's data.
PLATFORM_APPS = {"lib", "demo"}


class DemoPerson(NamedTuple):
    username: str
    first_name: str
    last_name: str
    role: str
    title: str
    team: str
    skills: dict[str, int]


DEMO_PEOPLE = [
    DemoPerson(
        "selger",
        "Selma",
        "Salg",
        Role.SELLER,
        "Kundeansvarlig",
        "Offentlig sektor",
        {"Anskaffelser": 3, "Tjenestedesign": 2, "Gevinstrealisering": 2},
    ),
    DemoPerson(
        "fag",
        "Frode",
        "Fag",
        Role.EXPERT,
        "Løsningsarkitekt",
        "Digital",
        {"Azure": 5, ".NET": 4, "Integrasjon": 4, "Arkitektur": 4, "Sikkerhet": 2},
    ),
    DemoPerson(
        "pl",
        "Pia",
        "Prosjekt",
        Role.PROJECT_MANAGER,
        "Prosjektleder",
        "Digital",
        {"Prosjektledelse": 5, "Smidig metodikk": 4, "Gevinstrealisering": 3},
    ),
    DemoPerson(
        "leveranse",
        "Lars",
        "Leveranse",
        Role.DELIVERY_MANAGER,
        "Leveranseleder",
        "Digital",
        {"Prosjektledelse": 4, "Smidig metodikk": 3},
    ),
    DemoPerson(
        "leder",
        "Lena",
        "Leder",
        Role.MANAGEMENT,
        "Direktør leveranse",
        "Ledelse",
        {"Endringsledelse": 4, "Prosjektledelse": 3},
    ),
    DemoPerson("admin", "Ada", "Admin", Role.ADMINISTRATOR, "Systemansvarlig", "Ledelse", {}),
]

# Share of the other people per primary role; experts fill the rest.
STAFF_MIX: dict[str, float] = {
    Role.SELLER: 0.15,
    Role.PROJECT_MANAGER: 0.14,
    Role.DELIVERY_MANAGER: 0.08,
    Role.MANAGEMENT: 0.06,
    Role.ADMINISTRATOR: 0.02,
}
# Primary role → (a second role some of them also hold, how many).
SECOND_ROLE: dict[str, tuple[str, float]] = {
    Role.EXPERT: (Role.PROJECT_MANAGER, 0.15),
    Role.PROJECT_MANAGER: (Role.EXPERT, 0.3),
    Role.MANAGEMENT: (Role.SELLER, 0.3),
    Role.DELIVERY_MANAGER: (Role.PROJECT_MANAGER, 0.25),
}
SEGMENT_MIX = {Segment.PUBLIC: 20, Segment.ENTERPRISE: 30, Segment.MIDSIZE: 42, Segment.NONPROFIT: 8}
# How likely a customer of the segment is to have a framework agreement, relatively.
AGREEMENT_LIKELIHOOD = {Segment.PUBLIC: 6, Segment.ENTERPRISE: 3, Segment.MIDSIZE: 1, Segment.NONPROFIT: 1}
CUSTOMER_EVENT_FIELDS = ["name", "org_number", "city", "account_owner", "delivery_lead"]
CONTACT_EVENT_FIELDS = ["name", "title", "email"]
AGREEMENT_EVENT_FIELDS = ["title", "reference", "starts_on", "ends_on", "ceiling", "status"]


@dataclass
class RecordedEvent:
    """An event a section records before its rows have ids; the events section writes it."""

    at: datetime.datetime
    verb: str
    target: models.Model
    actor: Person | None
    version: int
    changes: dict[str, dict[str, Any]]
    context: models.Model | None
    data: dict[str, Any] = field(default_factory=dict)

    def row(self) -> Event:
        """Return the event row, now that the target and the context have ids."""
        context = self.context
        return Event(
            occurred_at=self.at,
            actor=self.actor,
            verb=self.verb,
            target_type=ContentType.objects.get_for_model(self.target),
            target_id=str(self.target.pk),
            target_repr=str(self.target)[:255],
            target_version=self.version,
            context_type=ContentType.objects.get_for_model(context) if context is not None else None,
            context_id=str(context.pk) if context is not None else "",
            changes=self.changes,
            data=self.data,
        )


@dataclass
class Context:
    """What the sections share: the size, the day the data leads up to, randomness and what they made."""

    size: Mapping[str, int]
    today: datetime.date
    seed: int
    rng: random.Random = field(default_factory=lambda: random.Random(0))  # each section gets its own
    made: dict[str, Any] = field(default_factory=dict)
    events: list[RecordedEvent] = field(default_factory=list)

    def record(
        self,
        verb: str,
        target: models.Model,
        *,
        actor: Person | None,
        at: datetime.datetime,
        version: int = 1,
        changes: dict[str, dict[str, Any]] | None = None,
        context: models.Model | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Record an event for the events section to write."""
        recorded = RecordedEvent(at, verb, target, actor, version, changes or {}, context, data or {})
        self.events.append(recorded)

    def demo(self, username: str) -> Person:
        """Return one of the demo people."""
        return self.made["demo"][username]

    def having(self, *roles: str) -> list[Person]:
        """Return the people holding any of `roles`, in the order they were made."""
        return [person for person in self.made["people"] if person.roles.intersection(roles)]


Section = Callable[[Context], Mapping[str, int]]
Report = Callable[[str, Mapping[str, int], float], None]


def _text(obj: models.Model, name: str, value: Any) -> str:
    """Return how a field's value reads in an event: a choice's label rather than its code."""
    field = obj._meta.get_field(name)
    if isinstance(field, models.Field) and field.choices and value not in (None, ""):
        return str(dict(field.flatchoices).get(value, value))
    return event_values.shown(value)


def initial_changes(obj: models.Model, names: list[str]) -> dict[str, dict[str, Any]]:
    """Return a creation event's changes: each non-empty field's first value, as the actions write them."""
    result = {}
    for name in names:
        value = getattr(obj, name)
        if value not in (None, ""):
            result[name] = {
                "before": None,
                "after": event_values.plain(value),
                "before_text": "",
                "after_text": _text(obj, name, value),
            }
    return result


def change(obj: models.Model, name: str, before: Any, after: Any) -> dict[str, dict[str, Any]]:
    """Return one field's change as an update event stores it."""
    return {
        name: {
            "before": event_values.plain(before),
            "after": event_values.plain(after),
            "before_text": _text(obj, name, before),
            "after_text": _text(obj, name, after),
        }
    }


def password_hash(seed: int) -> str:
    """Return the demo password's hash, made once: hashing it per person would take minutes."""
    # Made again when the configured hasher changes (a hash made by a hasher that is no longer
    # configured would not check).
    return _password_hash(seed, settings.PASSWORD_HASHERS[0])


@lru_cache(maxsize=4)
def _password_hash(seed: int, hasher: str) -> str:
    salt_rng = random.Random(f"{seed}:password")
    salt = "".join(salt_rng.choice(string.ascii_letters + string.digits) for _ in range(24))
    return make_password(DEMO_PASSWORD, salt=salt)


# ---------------------------------------------------------------------------------------------- people


def people(ctx: Context) -> dict[str, int]:
    """Create the teams, the skills, the six demo people and the rest of the firm."""
    ctx.made["teams"] = _teams(ctx)
    ctx.made["skills"] = _skills(ctx)
    cast = _demo_people(ctx) + _staff(ctx, ctx.size["people"] - len(DEMO_PEOPLE))
    Person.objects.bulk_create([person for person, _levels in cast], batch_size=BATCH)
    roles = [RoleAssignment(person=p, role=r) for p, _levels in cast for r in sorted(p.roles)]
    RoleAssignment.objects.bulk_create(roles, batch_size=BATCH)
    skills = ctx.made["skills"]
    levels = [
        PersonSkill(person=p, skill=skills[name], level=level)
        for p, person_levels in cast
        for name, level in person_levels.items()
    ]
    PersonSkill.objects.bulk_create(levels, batch_size=BATCH)
    ctx.made["people"] = [person for person, _levels in cast]
    ctx.made["demo"] = {person.username: person for person, _levels in cast[: len(DEMO_PEOPLE)]}
    return {
        "people": len(cast),
        "roles": len(roles),
        "skill levels": len(levels),
        "teams": len(ctx.made["teams"]),
        "skills": len(skills),
    }


def _long_ago(ctx: Context) -> datetime.datetime:
    return fiction.moment(ctx.rng, ctx.today, HISTORY_DAYS + 365, HISTORY_DAYS)


def _teams(ctx: Context) -> dict[str, Team]:
    at = _long_ago(ctx)
    teams = [
        Team(name=name, description=description, created_at=at, updated_at=at)
        for name, (description, _skills) in words.TEAMS.items()
    ]
    Team.objects.bulk_create(teams)
    return {team.name: team for team in teams}


def _skills(ctx: Context) -> dict[str, Skill]:
    at = _long_ago(ctx)
    skills = [
        Skill(name=name, category=category, created_at=at, updated_at=at)
        for name, category in words.SKILLS.items()
    ]
    Skill.objects.bulk_create(skills)
    return {skill.name: skill for skill in skills}


def _person(ctx: Context, username: str, first: str, last: str, roles: list[str], **fields: Any) -> Person:
    joined = fiction.moment(ctx.rng, ctx.today, 8 * 365, 60)
    person = Person(
        username=username,
        email=f"{username}@{DEMO_DOMAIN}",
        first_name=first,
        last_name=last,
        password=password_hash(ctx.seed),
        primary_role=roles[0],
        phone=fiction.phone(ctx.rng),
        date_joined=joined,
        created_at=joined,
        updated_at=joined,
        **fields,
    )
    person.__dict__["roles"] = frozenset(roles)  # fills the cached property, as a prefetch would
    return person


def _demo_people(ctx: Context) -> list[tuple[Person, dict[str, int]]]:
    teams = ctx.made["teams"]
    cast = []
    for demo in DEMO_PEOPLE:
        is_admin = demo.role == Role.ADMINISTRATOR
        person = _person(
            ctx,
            demo.username,
            demo.first_name,
            demo.last_name,
            [demo.role],
            title=demo.title,
            team=teams[demo.team],
            language="nb",
            is_superuser=is_admin,
            is_staff=is_admin,
            weekly_capacity_hours=Decimal("37.5"),
            cost_rate=Decimal(850),
            hourly_rate=Decimal(1450),
        )
        cast.append((person, demo.skills))
    return cast


def _role_plan(rng: random.Random, count: int) -> list[str]:
    plan = [role for role, share in STAFF_MIX.items() for _ in range(max(1, round(count * share)))]
    plan += [Role.EXPERT] * max(0, count - len(plan))
    rng.shuffle(plan)
    return plan[:count]


def _staff(ctx: Context, count: int) -> list[tuple[Person, dict[str, int]]]:
    rng, used = ctx.rng, {demo.username for demo in DEMO_PEOPLE}
    cast = []
    for primary in _role_plan(rng, count):
        first, last = fiction.person_name(rng)
        username = _unique(f"{fiction.slug(first, '')}.{fiction.slug(last, '')}", used)
        roles = [primary]
        second, share = SECOND_ROLE.get(primary, ("", 0.0))
        if rng.random() < share:
            roles.append(second)
        team = _team_for(ctx, primary)
        person = _person(ctx, username, first, last, roles, team=team, **_work_terms(rng, primary))
        cast.append((person, _skill_levels(rng, primary, team.name)))
    return cast


def _unique(base: str, used: set[str]) -> str:
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base}{n}"
    used.add(candidate)
    return candidate


def _team_for(ctx: Context, role: str) -> Team:
    teams = ctx.made["teams"]
    if role in (Role.MANAGEMENT, Role.ADMINISTRATOR) and ctx.rng.random() < 0.8:
        return teams["Ledelse"]
    return teams[ctx.rng.choice([name for name in teams if name != "Ledelse"])]


def _work_terms(rng: random.Random, role: str) -> dict[str, Any]:
    cost = rng.randrange(600, 1101, 25)
    hourly = min(1900, max(1100, round((1100 + (cost - 600) * 1.3 + rng.randint(-100, 300)) / 50) * 50))
    titles = words.TITLES[role]
    return {
        "title": titles[0] if rng.random() < 0.4 else rng.choice(titles),
        "weekly_capacity_hours": Decimal(rng.choices(["37.5", "30", "22.5"], weights=[88, 8, 4])[0]),
        "cost_rate": Decimal(cost),
        "hourly_rate": Decimal(hourly),
        "language": "en" if rng.random() < 0.05 else "nb",
    }


def _skill_levels(rng: random.Random, role: str, team: str) -> dict[str, int]:
    usual = words.TEAMS[team][1]
    names = rng.sample(usual, k=min(len(usual), rng.randint(2, 5)))
    if rng.random() < 0.3:
        names.append(rng.choice(list(words.SKILLS)))
    if role in (Role.PROJECT_MANAGER, Role.DELIVERY_MANAGER):
        names.append("Prosjektledelse")
    return {name: rng.choices([1, 2, 3, 4, 5], weights=[1, 3, 4, 3, 1])[0] for name in dict.fromkeys(names)}


# ------------------------------------------------------------------------------------------- customers


def customers(ctx: Context) -> dict[str, int]:
    """Create the customers and their contacts; the demo seller owns several, some led by `leveranse`."""
    rows = _customer_rows(ctx)
    for customer in rows:  # before the later changes, so the creation event shows the first values
        ctx.record(
            "customer.created",
            customer,
            actor=customer.account_owner,
            at=customer.created_at,
            changes=initial_changes(customer, CUSTOMER_EVENT_FIELDS),
        )
    updated = _plan_updates(ctx, rows)
    contacts = _contacts(ctx, rows)
    archived = _plan_archiving(ctx, rows, contacts)
    Customer.objects.bulk_create(rows, batch_size=BATCH)
    Contact.objects.bulk_create(contacts, batch_size=BATCH)
    ctx.made["customers"] = rows
    return {"customers": len(rows), "contacts": len(contacts), "updated": updated, "archived": archived}


def _owner_share(ctx: Context, count: int) -> int:
    """Return how many customers the demo seller owns: at least eight, or an even share."""
    return min(count, max(8, count // max(1, len(ctx.having(Role.SELLER)))))


def _customer_rows(ctx: Context) -> list[Customer]:
    count = ctx.size["customers"]
    sellers, leads = ctx.having(Role.SELLER), ctx.having(Role.DELIVERY_MANAGER, Role.PROJECT_MANAGER)
    mine, selger, leveranse = _owner_share(ctx, count), ctx.demo("selger"), ctx.demo("leveranse")
    names: set[str] = set()
    numbers: set[str] = set()
    rows = []
    for i in range(count):
        owner = selger if i < mine else ctx.rng.choice(sellers)
        lead: Person | None
        if i < mine:
            lead = leveranse if i % 2 == 0 else ctx.rng.choice(leads)
        else:
            lead = ctx.rng.choice(leads) if ctx.rng.random() < 0.85 else None
        rows.append(_customer(ctx, owner, lead, names, numbers))
    return rows


def _customer(
    ctx: Context, owner: Person, lead: Person | None, names: set[str], numbers: set[str]
) -> Customer:
    rng = ctx.rng
    segment = rng.choices(list(SEGMENT_MIX), weights=list(SEGMENT_MIX.values()))[0]
    firm = fiction.firm(rng, segment, names)
    street, postal_code, city = fiction.address(rng)
    at = fiction.moment(rng, ctx.today, HISTORY_DAYS)
    return Customer(
        name=firm.name,
        org_number=fiction.org_number(rng, numbers),
        segment=segment,
        industry=firm.industry,
        street_address=street,
        postal_code=postal_code,
        city=city,
        website=f"https://www.{firm.domain}",
        account_owner=owner,
        delivery_lead=lead,
        created_at=at,
        updated_at=at,
        notes=rng.choice(words.CUSTOMER_NOTES) if rng.random() < 0.25 else "",
    )


def _plan_updates(ctx: Context, rows: list[Customer]) -> int:
    """Change a handful of the demo people's customers after creation, and record the changes."""
    selger, leveranse = ctx.demo("selger"), ctx.demo("leveranse")
    theirs = [c for c in rows if selger in (c.account_owner, c.delivery_lead) or c.delivery_lead == leveranse]
    changers = [_new_note, _new_lead, _moved]
    for n, customer in enumerate(theirs[:6]):
        changer = changers[n % len(changers)]
        if changer is _new_lead and customer.delivery_lead == leveranse:
            changer = _moved
        changes = changer(ctx, customer)
        customer.version += 1
        customer.updated_at = fiction.later(ctx.rng, customer.created_at, ctx.today, within=60)
        ctx.record(
            "customer.updated",
            customer,
            actor=customer.account_owner,
            at=customer.updated_at,
            version=customer.version,
            changes=changes,
        )
    return len(theirs[:6])


def _new_lead(ctx: Context, customer: Customer) -> dict[str, dict[str, Any]]:
    leveranse = ctx.demo("leveranse")
    before = customer.delivery_lead
    customer.delivery_lead = leveranse
    return change(customer, "delivery_lead", before, leveranse)


def _new_note(ctx: Context, customer: Customer) -> dict[str, dict[str, Any]]:
    before = customer.notes
    customer.notes = ctx.rng.choice([note for note in words.CUSTOMER_NOTES if note != before])
    return change(customer, "notes", before, customer.notes)


def _moved(ctx: Context, customer: Customer) -> dict[str, dict[str, Any]]:
    before = {
        "street_address": customer.street_address,
        "postal_code": customer.postal_code,
        "city": customer.city,
    }
    customer.street_address, customer.postal_code, customer.city = fiction.address(ctx.rng)
    result: dict[str, dict[str, Any]] = {}
    for name, old in before.items():
        if old != getattr(customer, name):
            result.update(change(customer, name, old, getattr(customer, name)))
    return result


def _plan_archiving(ctx: Context, rows: list[Customer], contacts: list[Contact]) -> int:
    """Archive about one in fifty customers the demo people do not own or lead, after their last contact."""
    demo = set(ctx.made["demo"].values())
    last_contact: dict[int, datetime.datetime] = {}
    for contact in contacts:
        key = id(contact.customer)  # the customers have no ids yet
        last_contact[key] = max(contact.created_at, last_contact.get(key, contact.created_at))
    archived = 0
    for customer in rows:
        if customer.account_owner in demo or customer.delivery_lead in demo or ctx.rng.random() >= 0.02:
            continue
        since = max(customer.updated_at, last_contact.get(id(customer), customer.updated_at))
        customer.archived_at = fiction.later(ctx.rng, since, ctx.today)
        customer.updated_at, customer.version = customer.archived_at, customer.version + 1
        ctx.record(
            "customer.archived",
            customer,
            actor=customer.account_owner,
            at=customer.archived_at,
            version=customer.version,
            changes=change(customer, "archived_at", None, customer.archived_at),
        )
        archived += 1
    return archived


def _contacts(ctx: Context, rows: list[Customer]) -> list[Contact]:
    rng, contacts = ctx.rng, []
    for customer in rows:
        titles = words.CONTACT_TITLES["public" if customer.segment == Segment.PUBLIC else "other"]
        domain = customer.website.removeprefix("https://www.")
        for _n in range(rng.choices([1, 2, 3, 4], weights=[3, 4, 2, 1])[0]):
            first, last = fiction.person_name(rng)
            at = fiction.later(rng, customer.created_at, ctx.today, within=30)
            contact = Contact(
                customer=customer,
                name=f"{first} {last}",
                title=rng.choice(titles),
                phone=fiction.phone(rng),
                email=f"{fiction.slug(first, '')}.{fiction.slug(last, '')}@{domain}",
                created_at=at,
                updated_at=at,
            )
            contacts.append(contact)
            ctx.record(
                "contact.created",
                contact,
                actor=customer.account_owner,
                at=at,
                context=customer,
                changes=initial_changes(contact, CONTACT_EVENT_FIELDS),
            )
    return contacts


# ------------------------------------------------------------------------------------------ agreements


def agreements(ctx: Context) -> dict[str, int]:
    """Create the framework agreements and their rates; two of the demo seller's end within six months."""
    hosts = _agreement_hosts(ctx, ctx.size["agreements"])
    rows = [_agreement(ctx, customer, ending_soon=n < 2) for n, customer in enumerate(hosts)]
    FrameworkAgreement.objects.bulk_create(rows, batch_size=BATCH)
    rates = [rate for agreement in rows for rate in _rates(ctx.rng, agreement)]
    AgreementRate.objects.bulk_create(rates, batch_size=BATCH)
    for agreement in rows:
        ctx.record(
            "agreement.created",
            agreement,
            actor=agreement.customer.account_owner,
            at=agreement.created_at,
            context=agreement.customer,
            changes=initial_changes(agreement, AGREEMENT_EVENT_FIELDS),
        )
    ctx.made["agreements"] = rows
    ending = sum(1 for a in rows if 0 <= (a.ends_on - ctx.today).days <= 183)
    return {"agreements": len(rows), "rates": len(rates), "ending within 6 months": ending}


def _agreement_hosts(ctx: Context, count: int) -> list[Customer]:
    """Return the customer of each agreement: a few of the demo seller's first, then mostly public ones."""
    live = [c for c in ctx.made["customers"] if c.archived_at is None]
    selger = ctx.demo("selger")
    mine = [c for c in live if c.account_owner == selger]
    demo_share = min(len(mine), count, max(3, count // 25))
    hosts = ctx.rng.sample(mine, k=demo_share)
    weights = [AGREEMENT_LIKELIHOOD[c.segment] for c in live]
    return hosts + ctx.rng.choices(live, weights=weights, k=count - demo_share)


def _agreement(ctx: Context, customer: Customer, *, ending_soon: bool) -> FrameworkAgreement:
    rng, today = ctx.rng, ctx.today
    starts_on = today - datetime.timedelta(days=rng.randint(365, 3 * 365))
    if ending_soon or rng.random() < 0.2:
        ends_on = today + datetime.timedelta(days=rng.randint(14, 175))
    else:
        ends_on = today + datetime.timedelta(days=rng.randint(184, 3 * 365))
    status = (
        AgreementStatus.ACTIVE
        if ending_soon
        else rng.choices(
            [AgreementStatus.ACTIVE, AgreementStatus.DRAFT, AgreementStatus.TERMINATED], weights=[90, 4, 6]
        )[0]
    )
    at = fiction.later(rng, customer.created_at, today)
    return FrameworkAgreement(
        customer=customer,
        title=f"Rammeavtale konsulenttjenester {rng.choice(words.AGREEMENT_AREAS)}",
        reference=f"{starts_on.year - rng.randint(0, 1)}/{rng.randint(100, 9999)}",
        starts_on=starts_on,
        ends_on=ends_on,
        status=status,
        extension_count=rng.choices([0, 1, 2, 3], weights=[2, 4, 3, 1])[0],
        extension_months=rng.choices([12, 6, 24], weights=[8, 1, 1])[0],
        ceiling=Decimal(rng.randint(10, 160) * 500_000),
        notes=rng.choice(words.AGREEMENT_NOTES),
        created_at=at,
        updated_at=at,
    )


def _rates(rng: random.Random, agreement: FrameworkAgreement) -> list[AgreementRate]:
    base = rng.randrange(1100, 1600, 10)
    rates = {Role.EXPERT: base, Role.PROJECT_MANAGER: base + 100, Role.DELIVERY_MANAGER: base + 150}
    if rng.random() < 0.4:
        rates[Role.MANAGEMENT] = base + 300
    return [
        AgreementRate(agreement=agreement, role=role, hourly_rate=Decimal(min(rate, 1900)))
        for role, rate in rates.items()
    ]


# -------------------------------------------------------------------------------------------- pipeline


def pipeline(ctx: Context) -> Mapping[str, int]:
    """Create the opportunities with their teams, estimates, expert reviews and expectations.

    Also the stage settings (a reset deletes them) and the default hourly rates per role. The rows and
    their rules are in `samspill.demo.pipeline_data`.
    """
    from samspill.demo import pipeline_data  # it builds on this module's Context and event helpers

    return pipeline_data.opportunities(ctx)


# ------------------------------------------------------------------------------------------- documents


def documents(ctx: Context) -> Mapping[str, int]:
    """Put Norwegian tender documents, offers, specifications, minutes, reports and contracts in the
    workspaces, with their text read. The files and their words are in `samspill.demo.documents_data`."""
    from samspill.demo import documents_data  # it builds on this module's Context and event helpers

    return documents_data.documents(ctx)


# -------------------------------------------------------------------------------------------- delivery


def delivery(ctx: Context) -> Mapping[str, int]:
    """Hand the won opportunities over to delivery and run their projects: handovers in every state,
    projects with staffing, time, progress, deviations and change requests up to the day, and years of
    closed projects whose actual hours overran their estimates as real ones do. The rows and their rules
    are in `samspill.demo.delivery_data`."""
    from samspill.demo import delivery_data  # it builds on this module's Context and event helpers

    return delivery_data.delivery(ctx)


# ---------------------------------------------------------------------------------------------- events


def events(ctx: Context) -> dict[str, int]:
    """Write the recorded events oldest first, so ids follow time as they do in real use."""
    recorded = sorted(ctx.events, key=lambda event: event.at)  # stable: same-moment events keep their order
    bulk.write_objects(Event, (event.row() for event in recorded), ids=False)  # ids in this order
    verbs: dict[str, int] = {}
    for event in recorded:
        verbs[event.verb] = verbs.get(event.verb, 0) + 1
    return {"events": len(recorded), **verbs}


SECTIONS: list[tuple[str, Section]] = [
    ("people", people),
    ("customers", customers),
    ("agreements", agreements),
    ("pipeline", pipeline),
    ("documents", documents),
    ("delivery", delivery),
    ("events", events),
]


# --------------------------------------------------------------------------------------------- running


def domain_models() -> list[type[models.Model]]:
    """Return the models holding the firm's data: every Samspill app's, except the platform's own rows."""
    return [
        model
        for config in apps.get_app_configs()
        if config.name.startswith("samspill.") and config.label not in PLATFORM_APPS
        for model in config.get_models(include_auto_created=True)
    ]


def existing_data() -> dict[str, int]:
    """Return how many people, customers and events the database already has (only the non-zero ones)."""
    counts = {
        "people": Person.objects.count(),
        "customers": Customer.objects.count(),
        "events": Event.objects.count(),
    }
    return {name: count for name, count in counts.items() if count}


def delete_domain_data() -> int:
    """Delete the firm's data, events included, and the rows of other apps that point at it."""
    # Only the generator may do this (events are otherwise never deleted). Table by table with raw
    # SQL: Django creates foreign keys deferred on SQLite and PostgreSQL, so they are checked when the
    # surrounding transaction commits, when nothing points at a deleted row any more. The tables
    # nothing points at go first, on SQLite without their indexes (millions of time entries and
    # events at `large`), so that no row pointing at a deleted one has to be searched for unindexed.
    domain = domain_models()
    deleted = 0
    for model, fk in _references_from_outside(domain):
        deleted += _raw_delete(model._base_manager.filter(**{f"{fk}__isnull": False}))
    pointed_at = {
        fk.related_model
        for model in apps.get_models(include_auto_created=True)
        for fk in model._meta.concrete_fields
        if fk.is_relation
    }
    leaves = [model for model in domain if model not in pointed_at]
    with bulk.without_indexes(leaves):
        for model in leaves:
            deleted += _raw_delete(model._base_manager.all())
    for model in domain:
        if model in pointed_at:
            deleted += _raw_delete(model._base_manager.all())
    return deleted


def _references_from_outside(domain: list[type[models.Model]]) -> list[tuple[type[models.Model], str]]:
    """Return (model, foreign key) for other apps' foreign keys to the firm's data (admin log, e-mails)."""
    inside = set(domain)
    return [
        (model, fk.name)
        for model in apps.get_models(include_auto_created=True)
        if model not in inside
        for fk in model._meta.concrete_fields
        if fk.is_relation and fk.related_model in inside
    ]


def analyze_tables() -> dict[str, int]:
    """Refresh the query planner's statistics, which still describe the tables from before the load."""
    # Without this PostgreSQL plans the first queries after a seed for a handful of rows (a sort of
    # the whole customer table instead of a walk along its name index) until autovacuum catches up.
    tables = sorted({model._meta.db_table for model in domain_models()})
    quoted = [connection.ops.quote_name(table) for table in tables]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # VACUUM too where it may run (not in a transaction): a reset's deleted rows otherwise stay in
            # the tables and indexes until autovacuum comes by, and the board read three times the rows.
            command = "ANALYZE " if connection.in_atomic_block else "VACUUM (ANALYZE) "
            cursor.execute(command + ", ".join(quoted))
        else:
            for table in quoted:
                cursor.execute("ANALYZE " + table)
    return {"tables": len(tables)}


def _raw_delete(queryset: models.QuerySet[Any]) -> int:
    return int(queryset._raw_delete(router.db_for_write(queryset.model)) or 0)


@contextmanager
def explicit_timestamps() -> Iterator[None]:
    """Let the generator set created/updated times itself, where auto_now would stamp the wall clock."""
    stamped = [
        f
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in stamped]  # type: ignore[attr-defined]
    for f in stamped:
        f.auto_now = f.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add  # type: ignore[attr-defined]


SEED_CACHE_MB = 512


@contextmanager
def roomy_sqlite() -> Iterator[None]:
    """Give SQLite a page cache of SEED_CACHE_MB, and sorts in memory, while seeding.

    The seed writes millions of rows into indexes in one transaction; with SQLite's default 2 MB cache
    every insert into a large index reads its pages from the file again, and rebuilding an index sorts
    through temporary files. SQLite changes where temporary data goes only outside a transaction (a
    seed inside a test's transaction keeps it on file). PostgreSQL is left as it is.
    """
    if connection.vendor != "sqlite":
        yield
        return
    in_memory = not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-SEED_CACHE_MB * 1024}")
        if in_memory:
            cursor.execute("PRAGMA temp_store = MEMORY")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")
            if in_memory and not connection.in_atomic_block:
                cursor.execute("PRAGMA temp_store = DEFAULT")


def _silent(stage: str, counts: Mapping[str, int], seconds: float) -> None:
    """Report nothing."""


def _timed(stage: str, report: Report, work: Callable[[], Mapping[str, int]]) -> None:
    started = time.perf_counter()
    counts = work()
    report(stage, counts, time.perf_counter() - started)


def generate(
    size: str, *, seed: int, today: datetime.date, reset: bool = False, report: Report = _silent
) -> Context:
    """Fill the database with `size`'s data for `seed` and `today` in one transaction."""
    ctx = Context(size=SIZES[size], today=today, seed=seed)
    with roomy_sqlite():
        with transaction.atomic(), explicit_timestamps():
            if reset:
                _timed("reset", report, lambda: {"rows deleted": delete_domain_data()})
            for name, section in SECTIONS:
                ctx.rng = random.Random(f"{seed}:{name}")
                _timed(name, report, _bound(section, ctx))
        _timed("analyze", report, analyze_tables)
        _timed("search", report, search.reindex)  # the index follows actions; bulk inserts need a rebuild
    return ctx


def _bound(section: Section, ctx: Context) -> Callable[[], Mapping[str, int]]:
    return lambda: section(ctx)
