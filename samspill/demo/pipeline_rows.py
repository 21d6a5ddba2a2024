"""The pipeline demo data's rows before they are written, how they are written, and their estimate summaries.

At `large` the generator makes about half a million work packages and as many rows again of skills,
assumptions, risks, team members and expectations, so every row is written with `samspill.demo.bulk`
rather than `bulk_create`, with ids handed out up front so rows can point at each other (the foreign
keys are checked when the transaction commits). The leaf rows are plain values; opportunities,
estimates and reviews stay model instances, which the events point at.

The estimates' summaries are `estimation.summarise` of their packages and risks; when a batch has many,
they are computed in worker processes (forked, so they need nothing but the arithmetic).
"""

from __future__ import annotations

import datetime
import multiprocessing
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

from samspill.demo.bulk import write, write_objects
from samspill.pipeline import estimation
from samspill.pipeline.models import (
    Estimate,
    EstimateLine,
    Expectation,
    ExpertReview,
    Opportunity,
    ReviewComment,
    Risk,
    TeamMember,
    WorkPackage,
)

PARALLEL_FROM = 400  # summaries in one batch before worker processes pay off
ZERO_HOURS = Decimal("0.0")

Job = tuple[tuple[tuple[Decimal, Decimal, Decimal, Decimal], ...], tuple[tuple[int, Decimal], ...], int]


@dataclass(slots=True, eq=False)
class Package:
    """A work package's values; `id` is given when its batch is written."""

    position: int
    name: str
    description: str
    role: str
    optimistic: Decimal
    most_likely: Decimal
    pessimistic: Decimal
    hourly_rate: Decimal
    skill_id: int | None
    expected_hours: Decimal = ZERO_HOURS
    id: int = 0


@dataclass(slots=True, eq=False)
class Line:
    kind: str
    text: str
    position: int


@dataclass(slots=True, eq=False)
class RiskValues:
    description: str
    probability: int
    consequence_hours: Decimal
    mitigation: str
    position: int


@dataclass(eq=False)
class EstimateRows:
    """An estimate with its packages, assumptions and exclusions, and risks; `draws` of its simulation."""

    row: Estimate
    packages: list[Package]
    lines: list[Line]
    risks: list[RiskValues]
    draws: int

    def job(self) -> Job:
        return (
            tuple((p.optimistic, p.most_likely, p.pessimistic, p.hourly_rate) for p in self.packages),
            tuple((r.probability, r.consequence_hours) for r in self.risks),
            self.draws,
        )


@dataclass(slots=True, eq=False)
class Comment:
    review: ExpertReview
    package: Package | None
    author_id: int
    text: str
    proposed: tuple[Decimal, Decimal, Decimal] | None
    created_at: datetime.datetime
    applied_at: datetime.datetime | None = None


@dataclass(slots=True, eq=False)
class ExpectationValues:
    opportunity: Opportunity
    kind: str
    customer_words: str
    source: str
    source_note: str
    acceptance_criteria: str
    agreed_by_id: int | None
    agreed_with_id: int | None
    agreed_on: datetime.date | None
    status: str
    position: int
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


@dataclass
class Batch:
    """What a batch of opportunities adds, in the order it is written."""

    opportunities: list[Opportunity] = field(default_factory=list)
    required: list[tuple[Opportunity, int]] = field(default_factory=list)
    team: list[tuple[Opportunity, int, str]] = field(default_factory=list)
    estimates: list[EstimateRows] = field(default_factory=list)
    reviews: list[ExpertReview] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    expectations: list[ExpectationValues] = field(default_factory=list)
    sold: list[tuple[Opportunity, Estimate]] = field(default_factory=list)
    after_summaries: list[Callable[[], None]] = field(default_factory=list)
    after_insert: list[Callable[[], None]] = field(default_factory=list)


# ------------------------------------------------------------------------------------------- summaries


def summarise(job: Job) -> estimation.EstimateSummary:
    """Return `estimation.summarise` of one estimate's (o, m, p, rate) packages and (%, hours) risks."""
    packages, risks, draws = job
    return estimation.summarise(
        [estimation.Package(estimation.ThreePoint(o, m, p), rate) for o, m, p, rate in packages],
        [estimation.Risk(Decimal(probability) / 100, hours) for probability, hours in risks],
        draws=draws,
    )


def _summary_values(job: Job) -> tuple[Any, ...]:
    """Return a summary as plain values a worker process can send back."""
    s = summarise(job)
    return (
        s.expected_hours,
        s.expected_amount,
        s.p50_hours,
        s.p80_hours,
        s.p90_hours,
        s.p50_amount,
        s.p80_amount,
        s.p90_amount,
        s.contingency_hours,
        s.contingency_amount,
        s.package_hours,
    )


class Summaries:
    """Computes estimate summaries in this process, or in worker processes when there are many."""

    def __init__(self) -> None:
        self.workers = (
            len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        )
        self.pool: Any = None

    def __enter__(self) -> Summaries:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()

    def store(self, estimates: Sequence[EstimateRows]) -> None:
        """Compute each estimate's summary and write it into its derived fields and packages."""
        jobs = [e.job() for e in estimates]
        if (
            len(jobs) >= PARALLEL_FROM
            and self.workers > 1
            and "fork" in multiprocessing.get_all_start_methods()
        ):
            if self.pool is None:
                # Forked workers only do arithmetic; they never touch the database connection.
                self.pool = multiprocessing.get_context("fork").Pool(self.workers)
            results = self.pool.map(_summary_values, jobs, chunksize=16)
        else:
            results = [_summary_values(job) for job in jobs]
        for estimate, values in zip(estimates, results, strict=True):
            _store(estimate, values)


def _store(estimate: EstimateRows, values: tuple[Any, ...]) -> None:
    """Write a summary into the estimate's derived fields, as the estimate actions keep them."""
    row = estimate.row
    (
        row.expected_hours,
        row.expected_amount,
        row.p50_hours,
        row.p80_hours,
        row.p90_hours,
        row.p50_price,
        row.p80_price,
        row.p90_price,
        row.contingency_hours,
        row.contingency_amount,
        package_hours,
    ) = values
    prices = {"p50": row.p50_price, "p80": row.p80_price, "p90": row.p90_price}
    row.price = prices[row.confidence] + (row.contingency_amount if row.include_contingency else 0)
    for package, hours in zip(estimate.packages, package_hours, strict=True):
        package.expected_hours = hours


# ----------------------------------------------------------------------------------------------- writing


class Ids:
    """Hands out ids up front, so rows can point at each other before they are written.

    At the end, `finish` moves each table's id sequence past the ids handed out (PostgreSQL; SQLite
    follows explicit ids by itself).
    """

    MODELS: tuple[type[models.Model], ...] = (Opportunity, Estimate, ExpertReview, WorkPackage)

    def __init__(self) -> None:
        self.next: dict[type[models.Model], int] = {
            model: (model._default_manager.aggregate(top=Max("id"))["top"] or 0) + 1 for model in self.MODELS
        }

    def take(self, model: type[models.Model]) -> int:
        taken = self.next[model]
        self.next[model] = taken + 1
        return taken

    def finish(self) -> None:
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(self.MODELS)):
                cursor.execute(sql)


def insert(batch: Batch, ids: Ids) -> None:
    """Write a batch. Every foreign key is checked when the transaction commits, so the order is free."""
    for opportunity in batch.opportunities:
        opportunity.pk = ids.take(Opportunity)
    for estimate in batch.estimates:
        estimate.row.pk = ids.take(Estimate)
        for package in estimate.packages:
            package.id = ids.take(WorkPackage)
    for review in batch.reviews:
        review.pk = ids.take(ExpertReview)
    for opportunity, sold in batch.sold:
        opportunity.sold_estimate = sold
    write_objects(Opportunity, batch.opportunities)
    write_objects(Estimate, [e.row for e in batch.estimates])
    write_objects(ExpertReview, batch.reviews)
    write(
        Opportunity.required_skills.through, ["opportunity", "skill"], ((o.pk, s) for o, s in batch.required)
    )
    write(TeamMember, ["opportunity", "person", "role"], ((o.pk, p, r) for o, p, r in batch.team))
    write(
        WorkPackage,
        [
            "id",
            "estimate",
            "position",
            "name",
            "description",
            "role",
            "optimistic",
            "most_likely",
            "pessimistic",
            "hourly_rate",
            "expected_hours",
            "version",
            "created_at",
            "updated_at",
        ],
        (
            (
                p.id,
                e.row.pk,
                p.position,
                p.name,
                p.description,
                p.role,
                p.optimistic,
                p.most_likely,
                p.pessimistic,
                p.hourly_rate,
                p.expected_hours,
                1,
                e.row.created_at,
                e.row.created_at,
            )
            for e in batch.estimates
            for p in e.packages
        ),
    )
    write(
        WorkPackage.skills.through,
        ["workpackage", "skill"],
        ((p.id, p.skill_id) for e in batch.estimates for p in e.packages if p.skill_id is not None),
    )
    write(
        EstimateLine,
        ["estimate", "kind", "text", "position"],
        ((e.row.pk, x.kind, x.text, x.position) for e in batch.estimates for x in e.lines),
    )
    write(
        Risk,
        ["estimate", "description", "probability", "consequence_hours", "mitigation", "position"],
        (
            (e.row.pk, x.description, x.probability, x.consequence_hours, x.mitigation, x.position)
            for e in batch.estimates
            for x in e.risks
        ),
    )
    write(
        ReviewComment,
        [
            "review",
            "work_package",
            "author",
            "text",
            "proposed_optimistic",
            "proposed_most_likely",
            "proposed_pessimistic",
            "applied_at",
            "created_at",
        ],
        (
            (
                c.review.pk,
                c.package.id if c.package else None,
                c.author_id,
                c.text,
                *(c.proposed or (None, None, None)),
                c.applied_at,
                c.created_at,
            )
            for c in batch.comments
        ),
    )
    write(
        Expectation,
        [
            "opportunity",
            "kind",
            "customer_words",
            "source",
            "source_note",
            "acceptance_criteria",
            "agreed_by",
            "agreed_with",
            "agreed_on",
            "status",
            "position",
            "version",
            "created_at",
            "updated_at",
        ],
        (
            (
                x.opportunity.pk,
                x.kind,
                x.customer_words,
                x.source,
                x.source_note,
                x.acceptance_criteria,
                x.agreed_by_id,
                x.agreed_with_id,
                x.agreed_on,
                x.status,
                x.position,
                x.version,
                x.created_at,
                x.updated_at,
            )
            for x in batch.expectations
        ),
    )
