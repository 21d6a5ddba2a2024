"""The handover package: everything sales knows, read from the won opportunity and its sold estimate.

One function gathers it for the page, the printable document and the API, in a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from samspill.customers.models import Contact
from samspill.handover.completeness import Completeness, completeness, price_of, with_facts
from samspill.handover.models import ChecklistItem, Handover, Question
from samspill.people.models import Person
from samspill.pipeline.models import (
    Estimate,
    EstimateLine,
    EstimateLineKind,
    Expectation,
    Opportunity,
    Risk,
    TeamMember,
    WorkPackage,
)

ZERO = Decimal(0)


@dataclass
class Package:
    handover: Handover
    opportunity: Opportunity
    estimate: Estimate | None
    packages: list[WorkPackage]
    hours: Decimal
    amount: Decimal
    price: Decimal
    expectations: list[Expectation]
    risks: list[Risk]
    assumptions: list[EstimateLine]
    exclusions: list[EstimateLine]
    contacts: list[Contact]
    team: list[TeamMember]
    checklist: list[ChecklistItem]
    questions: list[Question]
    participants: list[Person]
    completeness: Completeness

    @property
    def open_questions(self) -> list[Question]:
        return [q for q in self.questions if not q.is_answered]

    @property
    def checklist_done(self) -> int:
        return sum(1 for item in self.checklist if item.is_done)

    @property
    def risk_exposure(self) -> Decimal:
        return sum((r.exposure_hours for r in self.risks), ZERO)


def gather(handover: Handover) -> Package:
    """Read the whole package of `handover` (which the caller may see)."""
    scored = (
        with_facts(Handover.objects.filter(pk=handover.pk))
        .select_related(
            "opportunity__customer",
            "opportunity__owner",
            "opportunity__agreement",
            "seller",
            "project_manager",
            "acknowledged_by",
            "project",
        )
        .get()
    )
    opportunity = scored.opportunity
    estimate = opportunity.sold_estimate
    packages: list[WorkPackage] = []
    lines: list[EstimateLine] = []
    risks: list[Risk] = []
    if estimate is not None:
        packages = list(WorkPackage.objects.filter(estimate=estimate).order_by("position", "pk"))
        lines = list(EstimateLine.objects.filter(estimate=estimate).order_by("kind", "position", "pk"))
        risks = list(Risk.objects.filter(estimate=estimate).order_by("position", "pk"))
    expectations = list(
        Expectation.objects.filter(opportunity=opportunity)
        .select_related("agreed_by", "agreed_with")
        .order_by("position", "pk")
    )
    checklist = list(
        ChecklistItem.objects.filter(handover=scored).select_related("done_by").order_by("position", "pk")
    )
    return Package(
        handover=scored,
        opportunity=opportunity,
        estimate=estimate,
        packages=packages,
        hours=sum((p.expected_hours for p in packages), ZERO),
        amount=sum((p.amount for p in packages), ZERO),
        price=price_of(scored),
        expectations=expectations,
        risks=risks,
        assumptions=[line for line in lines if line.kind == EstimateLineKind.ASSUMPTION],
        exclusions=[line for line in lines if line.kind == EstimateLineKind.EXCLUSION],
        contacts=list(
            Contact.objects.filter(customer_id=opportunity.customer_id, archived_at__isnull=True).order_by(
                "name", "pk"
            )
        ),
        team=list(
            TeamMember.objects.filter(opportunity=opportunity)
            .select_related("person")
            .order_by("role", "person__first_name", "pk")
        ),
        checklist=checklist,
        questions=list(
            Question.objects.filter(handover=scored)
            .select_related("asked_by", "answered_by")
            .order_by("asked_at", "pk")
        ),
        participants=list(scored.participants.order_by("first_name", "last_name", "pk")),
        completeness=completeness(scored, checklist=checklist, expectations=expectations),
    )
