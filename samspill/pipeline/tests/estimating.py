"""Small builders the estimate, review and offer tests share: estimates made through the actions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from samspill.pipeline.actions import estimates as actions
from samspill.pipeline.models import Estimate

PACKAGES = [
    ("Analyse og design", 40, 60, 100),
    ("Integrasjon mot ERP", 80, 120, 220),
    ("Test og overlevering", 20, 30, 50),
]


def package(name: str, o: float, m: float, p: float, rate: Any = None, **extra: Any) -> dict[str, Any]:
    """Return the fields of a work package with three-point hours."""
    fields = {
        "name": name,
        "optimistic": Decimal(str(o)),
        "most_likely": Decimal(str(m)),
        "pessimistic": Decimal(str(p)),
        **extra,
    }
    if rate is not None:
        fields["hourly_rate"] = Decimal(str(rate))
    return fields


def make_estimate(
    opportunity: Any,
    by: Any,
    packages: list[tuple[Any, ...]] | None = None,
    *,
    rate: Any = 1500,
    risks: list[tuple[str, int, Any]] = (),  # type: ignore[assignment]
) -> Estimate:
    """Create an estimate with packages (name, o, m, p) at `rate` and risks (text, percent, hours)."""
    estimate = actions.create_estimate(opportunity, by=by)
    for name, o, m, p in PACKAGES if packages is None else packages:
        actions.add_work_package(estimate, package(name, o, m, p, rate), by=by)
    for text, probability, hours in risks:
        actions.add_risk(
            estimate,
            {"description": text, "probability": probability, "consequence_hours": Decimal(str(hours))},
            by=by,
        )
    estimate.refresh_from_db()
    return estimate


def skilled_expert(username: str, skill: Any, level: int) -> Any:
    """Create an active expert (password "samspill") who has `skill` at `level`."""
    from samspill.people.models import Person, PersonSkill, RoleAssignment

    person = Person.objects.create_user(
        username=username,
        email=f"{username}@example.no",
        password="samspill",
        first_name=username.capitalize(),
        last_name="Ekspert",
        primary_role="expert",
    )
    RoleAssignment.objects.create(person=person, role="expert")
    PersonSkill.objects.create(person=person, skill=skill, level=level)
    return person
