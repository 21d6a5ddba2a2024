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


if __name__ == "__main__":
    main()
