"""Create the people, customers and agreement the browser tests start from.

Run in a subprocess with the server's environment (SAMSPILL_VAR_DIR pointing at a fresh,
migrated database), so the tests themselves never touch Django.
"""

from __future__ import annotations

import datetime
import os
from decimal import Decimal
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samspill.settings")

import django

django.setup()

from django.utils import timezone  # noqa: E402

from samspill.customers import actions as customers  # noqa: E402
from samspill.people.models import Person, PersonSkill, RoleAssignment, Skill, Team  # noqa: E402


def person(username: str, name: str, role: str, **fields: Any) -> Person:
    first, _, last = name.partition(" ")
    created = Person.objects.create_user(
        username=username,
        email=f"{username}@example.no",
        password="samspill",
        first_name=first,
        last_name=last,
        primary_role=role,
        language="nb",
        hourly_rate=Decimal(1450),
        cost_rate=Decimal(780),
        **fields,
    )
    RoleAssignment.objects.create(person=created, role=role)
    return created


def main() -> None:
    sales, delivery = Team.objects.create(name="Salg"), Team.objects.create(name="Leveranse")
    selma = person("selger", "Selma Salg", "seller", title="Kundeansvarlig", team=sales, phone="912 34 567")
    lena = person("leder", "Lena Leder", "management", title="Daglig leder")
    frode = person("fag", "Frode Fag", "expert", title="Løsningsarkitekt", team=delivery)
    pia = person("pl", "Pia Prosjekt", "project_manager", title="Prosjektleder", team=delivery)
    azure, data, lead = (Skill.objects.create(name=n) for n in ("Azure", "Dataplattform", "Prosjektledelse"))
    PersonSkill.objects.bulk_create(
        [
            PersonSkill(person=frode, skill=azure, level=5),
            PersonSkill(person=frode, skill=data, level=4),
            PersonSkill(person=pia, skill=lead, level=4),
            PersonSkill(person=selma, skill=data, level=2),
        ]
    )

    bergen = customers.create_customer(
        {
            "name": "Bergen Vann KF",
            "org_number": "976543211",
            "segment": "public",
            "industry": "Vann og avløp",
            "street_address": "Kaigaten 4",
            "postal_code": "5015",
            "city": "Bergen",
            "account_owner": selma,
            "delivery_lead": pia,
            "website": "https://bergenvann.example.no",
            "notes": "Fornyer kundeportalen i 2026. Innkjøp via rammeavtale.",
        },
        by=selma,
    )
    customers.create_contact(
        bergen,
        {
            "name": "Kari Nordmann",
            "title": "Digitaliseringssjef",
            "email": "kari@bergenvann.example.no",
            "phone": "55 56 60 00",
        },
        by=selma,
    )
    customers.create_contact(
        bergen,
        {"name": "Ola Vik", "title": "Innkjøpsrådgiver", "email": "ola@bergenvann.example.no"},
        by=selma,
    )
    today = timezone.localdate()
    customers.create_agreement(
        bergen,
        {
            "title": "Rammeavtale konsulenttjenester",
            "reference": "BV-2023/117",
            "status": "active",
            "starts_on": today - datetime.timedelta(days=900),
            "ends_on": today + datetime.timedelta(days=120),
            "extension_count": 2,
            "extension_months": 12,
            "ceiling": Decimal(12_000_000),
            "notes": "Avrop over 500 000 kr krever minikonkurranse.",
        },
        rates={"project_manager": 1650, "expert": 1850, "seller": 1400},
        by=selma,
    )

    customers.create_customer(
        {
            "name": "Havbruk Nord AS",
            "org_number": "988776653",
            "segment": "midsize",
            "industry": "Havbruk",
            "postal_code": "9008",
            "city": "Tromsø",
            "account_owner": selma,
        },
        by=selma,
    )
    customers.create_customer(
        {
            "name": "Lunde Logistikk AS",
            "org_number": "933445569",
            "segment": "enterprise",
            "industry": "Transport",
            "city": "Drammen",
            "account_owner": lena,
        },
        by=lena,
    )
    ready_to_win(bergen, selma, frode, pia)
    running_project(bergen, pia, frode)
    empty_workspace(bergen, selma)

    customers.create_customer(
        {
            "name": "Sjøsiden Eiendom AS",
            "org_number": "991122338",
            "segment": "midsize",
            "industry": "Eiendom",
            "street_address": "Strandkaien 12",
            "postal_code": "4005",
            "city": "Stavanger",
            "account_owner": selma,
        },
        by=selma,
    )


def empty_workspace(customer: Any, seller: Person) -> None:
    """An early opportunity with no documents yet: the documents test drops its files here."""
    from samspill.pipeline.actions import opportunities

    opportunities.create_opportunity(
        {
            "customer": customer,
            "title": "Lekkasjevarsling i ledningsnettet",
            "description": "Sensorer i ledningsnettet varsler lekkasjer før kundene merker dem.",
            "value": Decimal(800_000),
            "project_type": "integration",
        },
        by=seller,
    )


def ready_to_win(customer: Any, seller: Person, expert: Person, candidate: Person) -> None:
    """An offer in negotiation that the handover journey wins: an approved, sent estimate with packages, a
    risk, an assumption and an exclusion; two expectations (one without acceptance criteria); the project
    manager candidate on the team."""
    from samspill.pipeline.actions import estimates, expectations, opportunities, reviews

    today = timezone.localdate()
    opportunity = opportunities.create_opportunity(
        {
            "customer": customer,
            "title": "Selvbetjening for abonnenter",
            "description": "Abonnentene melder flytting, ser forbruk og betaler regninger selv.",
            "value": Decimal(1_200_000),
            "expected_start": today + datetime.timedelta(days=30),
            "duration_weeks": 16,
            "project_type": "development",
        },
        by=seller,
        team=[(candidate, "project_manager")],
    )
    estimate = estimates.create_estimate(opportunity, by=seller)
    for name, o, m, p in [("Innlogging og profil", 60, 80, 130), ("Flyttemelding", 90, 120, 200)]:
        fields = {"name": name, "optimistic": o, "most_likely": m, "pessimistic": p, "hourly_rate": 1450}
        estimates.add_work_package(
            estimate, {k: Decimal(v) if k != "name" else v for k, v in fields.items()}, by=seller
        )
    estimates.add_line(estimate, "assumption", "Kunden leverer API mot kundesystemet", by=seller)
    estimates.add_line(estimate, "exclusion", "Migrering av gamle saker", by=seller)
    estimates.add_risk(
        estimate,
        {"description": "Kundesystemet byttes i høst", "probability": 20, "consequence_hours": Decimal(60)},
        by=seller,
    )
    expectations.create_expectation(
        opportunity,
        {
            "kind": "deadline",
            "customer_words": "Flyttemeldingen må virke før sommeren",
            "source": "meeting",
            "acceptance_criteria": "I produksjon innen 15. juni",
            "agreed_by": seller,
        },
        by=seller,
    )
    expectations.create_expectation(
        opportunity,
        {
            "kind": "quality",
            "customer_words": "Eldre abonnenter skal klare det uten hjelp",
            "source": "email",
        },
        by=seller,
    )
    review = reviews.request_review(
        estimate, by=seller, due_on=today + datetime.timedelta(days=7), reviewer=expert
    )
    reviews.accept_review(review, by=expert)
    reviews.give_verdict(review, by=expert, verdict="approved")
    for stage in ("offer_sent", "negotiation"):
        opportunity.refresh_from_db()
        opportunities.move_opportunity(opportunity, stage, by=seller, version=opportunity.version)


def running_project(customer: Any, manager: Person, member: Person) -> None:
    """A running project by hand, `pl` its project manager and `fag` on the team: the timesheet's rows."""
    from samspill.delivery.actions.projects import create_project

    create_project(
        {
            "customer": customer,
            "title": "Målerportal",
            "manager": manager,
            "status": "active",
            "starts_on": timezone.localdate() - datetime.timedelta(days=60),
        },
        by=manager,
        packages=[
            {"name": "Analyse", "hours": 120, "hourly_rate": 1450},
            {"name": "Utvikling", "hours": 400, "hourly_rate": 1450},
        ],
        members=[(member, "member")],
    )


if __name__ == "__main__":
    main()
