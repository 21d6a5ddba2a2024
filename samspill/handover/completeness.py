"""How complete a handover is: the checklist plus the facts a project cannot start well without.

Every check counts the same: each required checklist item, and ten facts —

1. a sold estimate with work packages (the baseline),
2. a price,
3. a contract type,
4. a project manager,
5. the handover meeting booked (a date and participants),
6. expectations written down,
7. every expectation with acceptance criteria,
8. every expectation agreed (by us or with the customer),
9. a contact person at the customer,
10. no question to the seller left unanswered.

The score is the share of checks met, rounded down, so 100 % means nothing is missing. Each check not
met is a `Missing` item with the words a project manager reads. The facts behind the checks are counted
by the database in the same query that reads the handovers (`with_facts`), so a list of handovers
costs the same number of queries whatever its length.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, Func, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samspill.customers.models import Contact
from samspill.handover.models import ChecklistItem, Handover, Question
from samspill.pipeline.models import Expectation, WorkPackage

FACT_CHECKS = 10
EXCERPT_WORDS = 12


@dataclass(frozen=True)
class Missing:
    """One check a handover does not meet: a key for machines, words for people, where to fix it."""

    key: str
    text: str
    anchor: str
    details: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "text": self.text, "details": list(self.details)}


@dataclass(frozen=True)
class Completeness:
    score: int
    checks: int
    met: int
    missing: list[Missing] = field(default_factory=list)

    @property
    def is_complete(self) -> bool:
        return not self.missing


def _count(rows: QuerySet[Any]) -> Coalesce:
    """The number of `rows` (filtered on an OuterRef) as a correlated subquery, 0 when there are none."""
    counted = rows.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_facts(rows: QuerySet[Handover]) -> QuerySet[Handover]:
    """Annotate each handover with the counts its completeness is computed from, in the same query."""
    required = ChecklistItem.objects.filter(handover=OuterRef("pk"), required=True)
    expectations = Expectation.objects.filter(opportunity=OuterRef("opportunity_id"))
    return rows.annotate(
        checklist_required=_count(required),
        checklist_open=_count(required.filter(done_at__isnull=True)),
        expectation_count=_count(expectations),
        expectations_without_criteria=_count(expectations.filter(acceptance_criteria="")),
        expectations_not_agreed=_count(expectations.filter(agreed_by__isnull=True, agreed_with__isnull=True)),
        baseline_packages=_count(
            WorkPackage.objects.filter(estimate=OuterRef("opportunity__sold_estimate_id"))
        ),
        contact_count=_count(
            Contact.objects.filter(customer=OuterRef("opportunity__customer_id"), archived_at__isnull=True)
        ),
        open_questions=_count(Question.objects.filter(handover=OuterRef("pk"), answered_at__isnull=True)),
        participant_count=_count(Handover.participants.through.objects.filter(handover=OuterRef("pk"))),
    ).select_related("opportunity", "opportunity__sold_estimate")


def price_of(handover: Handover) -> Decimal:
    """The sold price: the sold estimate's price, else the opportunity's value."""
    opportunity = handover.opportunity
    estimate = opportunity.sold_estimate
    if estimate is not None and estimate.price:
        return Decimal(estimate.price)
    return Decimal(opportunity.value or 0)


def _excerpt(text: str) -> str:
    words = text.split()
    short = " ".join(words[:EXCERPT_WORDS])
    return f"“{short}…”" if len(words) > EXCERPT_WORDS else f"“{short}”"


def _fact(handover: Any, name: str) -> int:
    value = getattr(handover, name, None)
    if value is None:
        raise ValueError(f"Read the handover through with_facts(): {name} is missing.")
    return int(value)


def _checklist_missing(handover: Any, checklist: Iterable[ChecklistItem] | None) -> list[Missing]:
    open_count = _fact(handover, "checklist_open")
    if checklist is None:
        return [
            Missing(f"checklist:{index}", _("A checklist item is not done."), "#checklist")
            for index in range(open_count)
        ]
    return [
        Missing(f"checklist:{item.pk}", _("Checklist: %(item)s") % {"item": item.label}, "#checklist")
        for item in checklist
        if item.required and not item.is_done
    ]


def _expectations_missing(handover: Any, expectations: Iterable[Expectation] | None) -> list[Missing]:
    total = _fact(handover, "expectation_count")
    if total == 0:
        return [
            Missing(
                "expectations",
                _("No expectations are written down: what did the customer expect, in their words?"),
                "#expectations",
            )
        ]
    found: list[Missing] = []
    rows = list(expectations) if expectations is not None else []
    without = _fact(handover, "expectations_without_criteria")
    if without:
        found.append(
            Missing(
                "acceptance_criteria",
                ngettext(
                    "%(count)d of %(total)d expectations has no acceptance criteria.",
                    "%(count)d of %(total)d expectations have no acceptance criteria.",
                    without,
                )
                % {"count": without, "total": total},
                "#expectations",
                tuple(_excerpt(e.customer_words) for e in rows if not e.acceptance_criteria),
            )
        )
    not_agreed = _fact(handover, "expectations_not_agreed")
    if not_agreed:
        found.append(
            Missing(
                "agreed",
                ngettext(
                    "%(count)d of %(total)d expectations was not agreed with anyone.",
                    "%(count)d of %(total)d expectations were not agreed with anyone.",
                    not_agreed,
                )
                % {"count": not_agreed, "total": total},
                "#expectations",
                tuple(_excerpt(e.customer_words) for e in rows if not e.is_agreed),
            )
        )
    return found


def _facts_missing(handover: Any) -> list[Missing]:
    opportunity = handover.opportunity
    found: list[Missing] = []
    if opportunity.sold_estimate_id is None or not _fact(handover, "baseline_packages"):
        found.append(
            Missing(
                "baseline",
                _("No sold estimate with work packages: the project has no baseline to start from."),
                "#scope",
            )
        )
    if price_of(handover) <= 0:
        found.append(
            Missing("price", _("No price: the sold estimate has none and the value is 0."), "#price")
        )
    if not opportunity.contract_type:
        found.append(Missing("contract_type", _("No contract type."), "#price"))
    if handover.project_manager_id is None:
        found.append(Missing("project_manager", _("No project manager is chosen."), "#team"))
    if handover.meeting_on is None:
        found.append(Missing("meeting", _("The handover meeting is not booked."), "#meeting"))
    elif not _fact(handover, "participant_count"):
        found.append(Missing("meeting", _("The handover meeting has no participants."), "#meeting"))
    return found


def _people_missing(handover: Any) -> list[Missing]:
    found: list[Missing] = []
    if not _fact(handover, "contact_count"):
        found.append(Missing("contacts", _("No contact person at the customer."), "#contacts"))
    unanswered = _fact(handover, "open_questions")
    if unanswered:
        found.append(
            Missing(
                "questions",
                ngettext(
                    "%(count)d question to the seller is not answered yet.",
                    "%(count)d questions to the seller are not answered yet.",
                    unanswered,
                )
                % {"count": unanswered},
                "#questions",
            )
        )
    return found


def completeness(
    handover: Any,
    *,
    checklist: Iterable[ChecklistItem] | None = None,
    expectations: Iterable[Expectation] | None = None,
) -> Completeness:
    """Score a handover read through `with_facts`; with its checklist and expectations, name each gap.

    Without them, the missing checklist items are counted but not named (enough for lists).
    """
    checks = FACT_CHECKS + _fact(handover, "checklist_required")
    expectation_gaps = _expectations_missing(handover, expectations)
    missing = [
        *_facts_missing(handover),
        *expectation_gaps,
        *_people_missing(handover),
        *_checklist_missing(handover, checklist),
    ]
    # No expectations at all is one gap; the two checks on every expectation are then met trivially.
    met = checks - len(missing)
    return Completeness(score=met * 100 // checks, checks=checks, met=met, missing=missing)
