"""The pipeline's demo data: opportunities from lead to won or lost, with everything that hangs on them.

The generator's "pipeline" section calls `opportunities(ctx)`. Like the rest of the generator it inserts
in bulk and bypasses the actions, but every row is what the actions would have left behind:

- each opportunity walks the stages from lead, one move at a time, with the stage's probability from
  `StageSetting.current()`; the moves, the won and lost decisions and the value set when the offer goes
  out are recorded as events (so versions, `stage_changed_at` and `updated_at` follow the history);
- an estimate's stored summary (expected hours and amount, P50/P80/P90 hours and prices, contingency,
  the price at its confidence point) is `samspill.pipeline.estimation.summarise` of its packages and
  risks, and each package's expected hours its PERT mean. The simulation is the default one
  (`DEFAULT_DRAWS` draws) for the newest estimate of every open opportunity, and for every estimate at
  all when there are at most `FULL_SIMULATION_UP_TO` opportunities (the demo). For the rest at the
  measuring sizes (closed opportunities' estimates and versions a newer one replaced) it is
  `summarise(..., draws=CLOSED_DRAWS)`: the same model, with sampling noise of under 1 % on average (at
  most some 2.5 % on P90), for a thirtieth of the time. Those estimates are history (most are locked);
  an action that changes one later stores the default simulation again (`draws_for` tells which is which);
- the offer's estimate is locked when the offer is sent, and a won opportunity's `sold_estimate` is the
  locked estimate; moving into a stage that requires a review happens only after a done review whose
  verdict is not "not realistic" (or, a few times, with management's written override);
- a named review request, and a skill-wide one once accepted, puts the reviewer on the team as expert;
  a confidential opportunity only ever has named requests.

A handful of scripted opportunities of the demo seller come first (see `_demo_plans`): they make the demo
show every review state, confidentiality, a call-off that takes its agreement past the ceiling and offers
due this week, at every size. The rest are drawn at random, in proportions per stage.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from samspill.customers.models import AgreementRate, AgreementStatus, Contact, Customer, FrameworkAgreement
from samspill.demo import fiction
from samspill.demo import pipeline_rows as rows
from samspill.demo import pipeline_words as words
from samspill.demo.generator import Context, change, initial_changes
from samspill.people.models import Person, PersonSkill, Role, Skill
from samspill.pipeline import estimation
from samspill.pipeline.actions.opportunities import OPPORTUNITY_FIELDS
from samspill.pipeline.models import (
    CLOSED_STAGES,
    DEFAULT_PROBABILITIES,
    DEFAULT_REVIEW_STAGES,
    OPEN_STAGES,
    ConfidencePoint,
    ContractType,
    Estimate,
    EstimateLineKind,
    ExpectationKind,
    ExpectationSource,
    ExpectationStatus,
    ExpertReview,
    LostReason,
    Opportunity,
    ProjectType,
    ReviewState,
    RoleRate,
    Stage,
    StageSetting,
    TeamRole,
    Verdict,
)

CHUNK = 1_000  # opportunities built and inserted together, so the packages never all sit in memory
FULL_SIMULATION_UP_TO = 1_000
CLOSED_DRAWS = 100

ROLE_RATES = {
    Role.SELLER: Decimal(1400),
    Role.EXPERT: Decimal(1450),
    Role.PROJECT_MANAGER: Decimal(1550),
    Role.DELIVERY_MANAGER: Decimal(1650),
    Role.MANAGEMENT: Decimal(1850),
}

OPPORTUNITY_EVENT_FIELDS = [*OPPORTUNITY_FIELDS, "stage"]  # what the create action records
VERB_CREATED = "opportunity.created"
VERB_UPDATED = "opportunity.updated"
VERB_MOVED = "opportunity.moved"
VERB_WON = "opportunity.won"
VERB_LOST = "opportunity.lost"

# Relative share of the open opportunities per stage, and of the lost ones per stage they were lost in.
OPEN_MIX = {
    Stage.LEAD: 25,
    Stage.QUALIFIED: 20,
    Stage.SOLUTION: 18,
    Stage.REVIEW: 12,
    Stage.OFFER_SENT: 15,
    Stage.NEGOTIATION: 10,
}
WIN_RATE = 0.4
ROOM_BEFORE_DECISION = 45  # days a closed one's customer was ours, at least, before the decision
# The won and lost decisions spread over the years the customers go back (`generator.HISTORY_DAYS`),
# a little more of them each year as the firm grows: some 7 % of them fall in the last 90 days.
YEARLY_GROWTH = 0.15
OVERRIDDEN = 0.08  # share of the open ones whose seller set a probability other than the stage's
LOST_FROM = {
    Stage.LEAD: 10,
    Stage.QUALIFIED: 20,
    Stage.SOLUTION: 10,
    Stage.REVIEW: 5,
    Stage.OFFER_SENT: 35,
    Stage.NEGOTIATION: 20,
}
LOST_REASONS = {
    LostReason.PRICE: 30,
    LostReason.COMPETITOR: 25,
    LostReason.SCOPE: 12,
    LostReason.TIMING: 13,
    LostReason.NO_DECISION: 15,
    LostReason.OTHER: 5,
}
# Days it usually takes to get into a stage from the one before, and how long an open one has been there.
GAPS = {
    Stage.QUALIFIED: (3, 25),
    Stage.SOLUTION: (3, 20),
    Stage.REVIEW: (4, 21),
    Stage.OFFER_SENT: (2, 10),
    Stage.NEGOTIATION: (5, 30),
    Stage.WON: (5, 30),
    Stage.LOST: (5, 40),
}
AGES = {
    Stage.LEAD: 60,
    Stage.QUALIFIED: 40,
    Stage.SOLUTION: 30,
    Stage.REVIEW: 9,
    Stage.OFFER_SENT: 30,
    Stage.NEGOTIATION: 40,
}
PROJECT_MIX = {
    ProjectType.DEVELOPMENT: 26,
    ProjectType.INTEGRATION: 16,
    ProjectType.ADVISORY: 14,
    ProjectType.INFRASTRUCTURE: 14,
    ProjectType.DATA: 12,
    ProjectType.DESIGN: 8,
    ProjectType.ENGINEERING: 10,
}
TECHNICAL_INDUSTRIES = {"Energi", "Industri", "Bygg og anlegg", "Vann og avløp", "Eiendom"}
# The three points of a package are m − a·u, m and m + b·u: the mode sits at a/(a+b) of the range.
# A few fixed shapes keep the estimation module's quantile tables cached.
SHAPES = [(1, 2), (1, 3), (2, 3), (1, 4), (2, 5), (1, 1), (3, 5)]

# How the expert review goes (Plan.review).
NO_REVIEW = ""
REQUESTED = "requested"  # waiting for an expert
ACCEPTED = "accepted"  # an expert is on it
APPROVED = "approved"  # done, approved
CHANGES = "changes"  # done, approved with changes; a new estimate version applies them
REJECTED = "rejected"  # done, not realistic (and the opportunity was lost or is still in review)
SENT_BACK = "sent_back"  # done, not realistic; back to solution for a new version, then reviewed again
CANCELLED = "cancelled"  # cancelled, then asked again
OVERRIDE = "override"  # no review: management moved the opportunity past the gate with a reason


@dataclass
class Plan:
    """What one opportunity becomes; `_walk` turns it into dated steps, `_Builder` into rows."""

    customer: Customer
    owner: Person
    stage: str
    project_type: str
    title: str = ""
    confidential: bool = False
    agreement: FrameworkAgreement | None = None
    target: int = 0  # roughly what the work is worth, NOK
    review: str = NO_REVIEW
    reviewer: Person | None = None  # a named request
    review_skill: str = ""  # a skill-wide request
    review_level: int = 0
    team: list[tuple[Person, str]] = field(default_factory=list)
    age: int | None = None  # days in the current stage (open ones)
    offer_due: datetime.date | None = None
    review_due: datetime.date | None = None
    decided: datetime.date | None = None  # when a closed one was won or lost
    probability: int | None = None  # an open one's probability, when its seller set another
    lost_from: str = ""
    has_estimate: bool = True
    revised: bool = False  # a new estimate version during negotiation
    steps: list[tuple[str, datetime.datetime]] = field(default_factory=list)


def opportunities(ctx: Context) -> dict[str, int]:
    """Create the opportunities and everything that hangs on them; return the counts."""
    configured = _configuration()
    builder = _Builder(ctx, configured)
    plans = _demo_plans(builder)
    plans += _random_plans(builder, ctx.size["opportunities"], ctx.size["open opportunities"], plans)
    for plan in plans:
        builder.walk(plan)
    plans.sort(key=lambda plan: plan.steps[0][1])  # ids follow time, as in real use
    made: list[Opportunity] = []
    ids = rows.Ids()
    with rows.Summaries() as summaries:
        for start in range(0, len(plans), CHUNK):
            made.extend(builder.insert(plans[start : start + CHUNK], summaries, ids))
    ids.finish()
    ctx.made["opportunities"] = made
    return builder.counts | {"over the ceiling": builder.over_ceiling()}


def _configuration() -> dict[str, StageSetting]:
    """Make sure the stage settings (a reset deletes them) and the default role rates exist."""
    stored = set(StageSetting.objects.values_list("stage", flat=True))
    StageSetting.objects.bulk_create(
        StageSetting(
            stage=stage,
            probability=DEFAULT_PROBABILITIES[Stage(stage)],
            requires_review=stage in DEFAULT_REVIEW_STAGES,
        )
        for stage in Stage.values
        if stage not in stored
    )
    rated = set(RoleRate.objects.values_list("role", flat=True))
    RoleRate.objects.bulk_create(
        RoleRate(role=role, hourly_rate=rate) for role, rate in ROLE_RATES.items() if role not in rated
    )
    return StageSetting.current()


def draws_for(estimate: Estimate, total: int) -> int:
    """Return how many draws the stored summary of `estimate` was simulated with (`total` opportunities)."""
    if total <= FULL_SIMULATION_UP_TO:
        return estimation.DEFAULT_DRAWS
    newer = Estimate.objects.filter(opportunity=estimate.opportunity_id, number__gt=estimate.number)
    if estimate.opportunity.is_open and not newer.exists():
        return estimation.DEFAULT_DRAWS
    return CLOSED_DRAWS


def _short(customer: Customer) -> str:
    name = customer.name
    for suffix in (" ASA", " AS"):
        name = name.removesuffix(suffix)
    return name


def _weighted(rng: random.Random, mix: Mapping[Any, float]) -> Any:
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def _quota(total: int, mix: Mapping[Any, float]) -> dict[Any, int]:
    """Split `total` by `mix` (largest remainders), giving every key at least one when there is room."""
    weight = sum(mix.values())
    exact = {key: total * share / weight for key, share in mix.items()}
    counts = {key: int(value) for key, value in exact.items()}
    for key in sorted(exact, key=lambda k: exact[k] - counts[k], reverse=True)[
        : total - sum(counts.values())
    ]:
        counts[key] += 1
    for key in counts:
        if counts[key] == 0 and total >= len(mix):
            richest = max(counts, key=lambda k: counts[k])
            counts[richest] -= 1
            counts[key] = 1
    return counts


# ---------------------------------------------------------------------------------------------- people


class _Builder:
    """Holds the lookups and randomness the plans and rows are drawn from, and the counts."""

    def __init__(self, ctx: Context, settings: dict[str, StageSetting]) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.today = ctx.today
        self.midnight = datetime.datetime.combine(ctx.today, datetime.time(), tzinfo=fiction.OSLO)
        self.probability = {stage: setting.probability for stage, setting in settings.items()}
        self.gated = {stage for stage, setting in settings.items() if setting.requires_review}
        self.total = ctx.size["opportunities"]
        self.work_scale = ctx.size.get("work scale percent", 100) / 100  # the size of the work sold
        self.role_rates = dict(RoleRate.objects.values_list("role", "hourly_rate"))
        self.agreement_rates: dict[int, dict[str, Decimal]] = {}
        for agreement_id, role, rate in AgreementRate.objects.values_list(
            "agreement_id", "role", "hourly_rate"
        ):
            self.agreement_rates.setdefault(agreement_id, {})[role] = rate
        self.skills: dict[str, Skill] = ctx.made["skills"]
        people = {person.pk: person for person in ctx.made["people"]}
        self.levels: dict[str, list[tuple[Person, int]]] = {}
        self.person_levels: dict[int, dict[str, int]] = {}
        for person_id, skill, level in PersonSkill.objects.order_by("pk").values_list(
            "person_id", "skill__name", "level"
        ):
            person = people[person_id]
            self.person_levels.setdefault(person_id, {})[skill] = level
            if person.has_role(Role.EXPERT):
                self.levels.setdefault(skill, []).append((person, level))
        self.experts = ctx.having(Role.EXPERT)
        self.sellers = ctx.having(Role.SELLER)
        self.by_joining = sorted(self.sellers, key=lambda p: p.date_joined)
        self.joined = [p.date_joined for p in self.by_joining]
        self.managers = ctx.having(Role.MANAGEMENT)
        self.delivery = ctx.having(Role.PROJECT_MANAGER, Role.DELIVERY_MANAGER)
        self.contacts: dict[int, list[tuple[int, str, str]]] = {}
        for contact_id, customer_id, name, title in Contact.objects.order_by("pk").values_list(
            "pk", "customer_id", "name", "title"
        ):
            self.contacts.setdefault(customer_id, []).append((contact_id, name, title))
        self.customers = [c for c in ctx.made["customers"] if c.archived_at is None]
        self.by_age = sorted(self.customers, key=lambda c: c.created_at)
        self.created_days = [c.created_at.date() for c in self.by_age]
        self.agreements: dict[int, list[FrameworkAgreement]] = {}
        for agreement in ctx.made.get("agreements", []):
            if agreement.status == AgreementStatus.ACTIVE:
                self.agreements.setdefault(agreement.customer_id, []).append(agreement)
        self.ceiling_agreement: FrameworkAgreement | None = None
        self.counts: dict[str, int] = dict.fromkeys(
            [
                "opportunities",
                "open",
                "won",
                "lost",
                "confidential",
                "call-offs",
                "team members",
                "estimates",
                "work packages",
                "lines",
                "risks",
                "reviews",
                "review comments",
                "expectations",
            ],
            0,
        )

    # -- people -------------------------------------------------------------------------------------

    def expert_for(self, skill: str, *, at_least: int = 1, avoid: Iterable[Person] = ()) -> Person:
        """Return an expert with `skill` at `at_least`, or any expert when nobody has it."""
        avoided = set(avoid)
        able = [p for p, level in self.levels.get(skill, []) if level >= at_least and p not in avoided]
        return self.rng.choice(able or [p for p in self.experts if p not in avoided] or self.experts)

    def delivery_for(self, customer: Customer) -> Person:
        lead = customer.delivery_lead
        if lead is not None and self.rng.random() < 0.7:
            return lead
        return self.rng.choice(self.delivery)

    # -- timeline -----------------------------------------------------------------------------------

    def walk(self, plan: Plan) -> None:
        """Give the plan its steps: each stage it entered, when; the first is its creation as a lead."""
        rng = self.rng
        stages = self._path(plan)
        gaps = [rng.randint(*self._gap(stages[i - 1], stages[i])) for i in range(1, len(stages))]
        earliest = self._earliest(plan)
        first_day = earliest.astimezone(fiction.OSLO).date() + datetime.timedelta(days=1)
        last_day = self.today - datetime.timedelta(days=1)
        if plan.stage in OPEN_STAGES:
            age = plan.age if plan.age is not None else rng.randint(0, AGES[Stage(plan.stage)])
            end = max(first_day, last_day - datetime.timedelta(days=max(0, age - 1)))
        elif plan.decided is not None:
            end = min(last_day, max(first_day, plan.decided))
        else:
            latest_start = last_day - datetime.timedelta(days=sum(gaps))
            start = first_day + datetime.timedelta(
                days=rng.randint(0, max(0, (latest_start - first_day).days))
            )
            end = min(last_day, start + datetime.timedelta(days=sum(gaps)))
        span = (end - first_day).days
        if sum(gaps) > span:
            gaps = [gap * span // sum(gaps) for gap in gaps]
        day = end - datetime.timedelta(days=sum(gaps))
        days = [day]
        for gap in gaps:
            day += datetime.timedelta(days=gap)
            days.append(day)
        times: list[datetime.datetime] = []
        for day in days:
            at = fiction.moment_on(rng, fiction.workday(day))
            floor = times[-1] if times else earliest
            if at <= floor:
                at = floor + datetime.timedelta(minutes=rng.randint(3, 40))
            times.append(at)
        if times[-1] >= self.midnight:  # only when squeezed into yesterday evening: pull all back
            shift = times[-1] - self.midnight + datetime.timedelta(hours=1)
            times = [t - shift for t in times]
        plan.steps = list(zip(stages, times, strict=True))
        if not plan.team and plan.owner.date_joined > times[0]:
            # The account was somebody else's before its owner joined: a seller who was here by then.
            here = bisect.bisect_right(self.joined, times[0])
            if here:
                plan.owner = rng.choice(self.by_joining[:here])

    def _path(self, plan: Plan) -> list[str]:
        rng, stage = self.rng, plan.stage
        last: str
        if stage == Stage.WON:
            last = Stage.NEGOTIATION if rng.random() < 0.7 else Stage.OFFER_SENT
        elif stage == Stage.LOST:
            last = plan.lost_from
        else:
            last = stage
        path: list[str] = list(OPEN_STAGES[: OPEN_STAGES.index(Stage(last)) + 1])
        if plan.review == OVERRIDE:
            path.remove(Stage.REVIEW)
        elif plan.review == SENT_BACK and stage == Stage.SOLUTION:
            path += [Stage.REVIEW, Stage.SOLUTION]
        elif plan.review == SENT_BACK:
            at = path.index(Stage.REVIEW) + 1
            path[at:at] = [Stage.SOLUTION, Stage.REVIEW]
        if stage in CLOSED_STAGES:
            path.append(stage)
        return path

    @staticmethod
    def _gap(before: str, after: str) -> tuple[int, int]:
        if before == Stage.REVIEW and after == Stage.SOLUTION:
            return (1, 5)  # sent back for a new estimate
        return GAPS[Stage(after)]

    def _earliest(self, plan: Plan) -> datetime.datetime:
        """Return when the opportunity could be created at the earliest: once the customer (and the
        framework agreement it is called off) was registered, and the agreement had started."""
        earliest = plan.customer.created_at
        if plan.agreement is not None:
            starts_on = plan.agreement.starts_on
            started = datetime.datetime.combine(starts_on, datetime.time(), tzinfo=fiction.OSLO)
            earliest = max(earliest, plan.agreement.created_at, started)
        return earliest

    def decision_day(self) -> datetime.date:
        """Return the day a closed one was decided: from the first customer's first weeks to yesterday,
        more often the later, by `YEARLY_GROWTH` (drawn from the exponential density's inverse)."""
        first = self.created_days[0] + datetime.timedelta(days=ROOM_BEFORE_DECISION)
        span = max(0, (self.today - first).days - 1)
        rate = math.log1p(YEARLY_GROWTH) / 365
        days = math.log1p(self.rng.random() * math.expm1(rate * span)) / rate
        return first + datetime.timedelta(days=min(span, int(days)))

    def between(self, start: datetime.datetime, end: datetime.datetime | None) -> datetime.datetime:
        """Return a moment after `start`, before `end` (or today), in office hours when there is room."""
        limit = min(end or self.midnight, self.midnight)
        room = (limit - start).total_seconds()
        if room <= 120:
            return start + datetime.timedelta(seconds=max(1.0, room / 2))
        at = start + datetime.timedelta(seconds=self.rng.uniform(60, room - 60))
        office = fiction.moment_on(self.rng, fiction.workday(_day(at)))
        return office if start < office < limit else at

    # -- rows ---------------------------------------------------------------------------------------

    def insert(self, plans: list[Plan], summaries: rows.Summaries, ids: rows.Ids) -> list[Opportunity]:
        """Build the plans' rows, compute their estimates' summaries, write them and record the events."""
        batch = rows.Batch()
        for plan in plans:
            _Opportunity(self, plan, batch).build()
        summaries.store(batch.estimates)
        for finish in batch.after_summaries:
            finish()
        rows.insert(batch, ids)
        for record in batch.after_insert:
            record()
        counts = self.counts
        counts["opportunities"] += len(batch.opportunities)
        counts["open"] += sum(1 for o in batch.opportunities if o.is_open)
        counts["won"] += sum(1 for o in batch.opportunities if o.stage == Stage.WON)
        counts["lost"] += sum(1 for o in batch.opportunities if o.stage == Stage.LOST)
        counts["confidential"] += sum(1 for o in batch.opportunities if o.confidential)
        counts["call-offs"] += sum(1 for o in batch.opportunities if o.agreement_id)
        counts["team members"] += len(batch.team)
        counts["estimates"] += len(batch.estimates)
        counts["work packages"] += sum(len(e.packages) for e in batch.estimates)
        counts["lines"] += sum(len(e.lines) for e in batch.estimates)
        counts["risks"] += sum(len(e.risks) for e in batch.estimates)
        counts["reviews"] += len(batch.reviews)
        counts["review comments"] += len(batch.comments)
        counts["expectations"] += len(batch.expectations)
        return batch.opportunities

    def over_ceiling(self) -> int:
        """Return 1 when the scripted call-off takes its agreement past the ceiling (it always should)."""
        agreement = self.ceiling_agreement
        if agreement is None:
            return 0
        calls = Opportunity.objects.filter(agreement=agreement)
        used = sum(o.value for o in calls.filter(stage=Stage.WON))
        open_value = sum(o.value for o in calls.open())
        return int(used <= agreement.ceiling < used + open_value)


# ----------------------------------------------------------------------------------------------- plans


def _demo_plans(b: _Builder) -> list[Plan]:
    """Return the demo seller's scripted opportunities: review states, confidentiality, a full agreement."""
    ctx, today = b.ctx, b.today
    selger, fag, pl, leveranse = ctx.demo("selger"), ctx.demo("fag"), ctx.demo("pl"), ctx.demo("leveranse")
    mine = sorted((c for c in b.customers if c.account_owner == selger), key=lambda c: c.created_at)
    if not mine:
        return []
    week_end = today + datetime.timedelta(days=6 - today.weekday())

    def day(offset: int) -> datetime.date:
        return today + datetime.timedelta(days=offset)

    def other(skill: str) -> Person:
        return b.expert_for(skill, at_least=3, avoid=[fag, selger])

    customers = iter(mine * 3)

    def plan(stage: str, project_type: str, title: str, **fields: Any) -> Plan:
        customer = fields.pop("customer", None) or next(customers)
        median = words.PACKAGES[project_type][0]
        fields.setdefault(
            "team", [(pl if customer.delivery_lead != leveranse else leveranse, TeamRole.PROJECT_MANAGER)]
        )
        fields["team"] = [(selger, TeamRole.SELLER), *fields["team"]]
        return Plan(
            customer=customer,
            owner=selger,
            stage=stage,
            project_type=project_type,
            title=title.format(customer=_short(customer)),
            target=fields.pop("target", median),
            **fields,
        )

    plans = [
        plan(
            Stage.REVIEW,
            ProjectType.DEVELOPMENT,
            "Ny selvbetjeningsportal for {customer}",
            review=REQUESTED,
            review_skill="Azure",
            review_level=4,
            age=2,
            offer_due=min(day(3), week_end),
            team=[(pl, TeamRole.PROJECT_MANAGER), (other(".NET"), TeamRole.SOLUTION_LEAD)],
        ),
        plan(
            Stage.REVIEW,
            ProjectType.INTEGRATION,
            "Integrasjon mot Altinn",
            review=REQUESTED,
            reviewer=fag,
            age=1,
            offer_due=day(6),
            review_due=day(2),
            team=[(leveranse, TeamRole.PROJECT_MANAGER), (other("Integrasjon"), TeamRole.SOLUTION_LEAD)],
        ),
        plan(
            Stage.REVIEW,
            ProjectType.INTEGRATION,
            "Integrasjon mot Folkeregisteret",
            review=ACCEPTED,
            review_skill="Integrasjon",
            review_level=3,
            reviewer=fag,
            age=5,
            offer_due=today,
            review_due=day(-1),
        ),
        plan(
            Stage.REVIEW,
            ProjectType.DATA,
            "Dataplattform i Azure",
            review=REQUESTED,
            review_skill="Sikkerhet",
            review_level=4,
            age=3,
            offer_due=day(8),
        ),
        plan(
            Stage.REVIEW,
            ProjectType.DATA,
            "Styringsinformasjon i Power BI for ledelsen",
            review=APPROVED,
            age=4,
            offer_due=min(day(1), week_end),
        ),
        plan(
            Stage.REVIEW,
            ProjectType.DESIGN,
            "Universell utforming av nettstedet",
            review=CANCELLED,
            age=6,
            offer_due=day(10),
        ),
        plan(
            Stage.NEGOTIATION,
            ProjectType.INFRASTRUCTURE,
            "Migrering til Azure",
            confidential=True,
            review=CHANGES,
            reviewer=fag,
            age=6,
            team=[(leveranse, TeamRole.PROJECT_MANAGER), (other("Azure"), TeamRole.SOLUTION_LEAD)],
        ),
        plan(
            Stage.QUALIFIED,
            ProjectType.ADVISORY,
            "Sikkerhetsgjennomgang etter hendelse",
            confidential=True,
            age=4,
            offer_due=day(9),
            team=[(pl, TeamRole.PROJECT_MANAGER), (other("Sikkerhet"), TeamRole.SOLUTION_LEAD)],
        ),
        plan(
            Stage.WON,
            ProjectType.ADVISORY,
            "Teknisk gjennomgang før oppkjøp",
            confidential=True,
            decided=day(-19),  # recently: on the board's won column, waiting for its handover
            review=APPROVED,
            reviewer=other("Arkitektur"),
            team=[(leveranse, TeamRole.PROJECT_MANAGER)],
        ),
        plan(
            Stage.SOLUTION,
            ProjectType.DEVELOPMENT,
            "Mobilapp for feltarbeidere",
            review=SENT_BACK,
            reviewer=fag,
            age=3,
            offer_due=day(12),
        ),
        plan(
            Stage.OFFER_SENT,
            ProjectType.INFRASTRUCTURE,
            "Ny plattform for sikkerhetskopi",
            review=OVERRIDE,
            age=5,
        ),
        plan(
            Stage.LOST,
            ProjectType.DEVELOPMENT,
            "Ny nettbutikk for {customer}",
            lost_from=Stage.OFFER_SENT,
            review=APPROVED,
            reviewer=fag,
        ),
        plan(Stage.LEAD, ProjectType.DATA, "Innsiktsplattform for kundedata", has_estimate=False, age=5),
        plan(
            Stage.QUALIFIED,
            ProjectType.DEVELOPMENT,
            "Digital søknadsløsning for tilskudd",
            age=12,
            offer_due=day(-3),
        ),
        plan(Stage.SOLUTION, ProjectType.INTEGRATION, "Måledata fra Elhub", age=8, offer_due=day(-1)),
        plan(
            Stage.SOLUTION,
            ProjectType.DEVELOPMENT,
            "Min side for innbyggere",
            age=6,
            offer_due=week_end,
            probability=55,  # the seller knows the customer has set the money aside
        ),
    ]
    return plans + _ceiling_plans(b, plan)


def _ceiling_plans(b: _Builder, plan: Callable[..., Plan]) -> list[Plan]:
    """Call-offs under the demo seller's agreements: two won and an open one past the ceiling, and another."""
    selger, fag = b.ctx.demo("selger"), b.ctx.demo("fag")
    theirs = [
        a
        for agreements in b.agreements.values()
        for a in agreements
        if a.customer.account_owner == selger and a.customer.archived_at is None
    ]
    if not theirs:
        return []
    roomy = [a for a in theirs if (b.today - a.created_at.date()).days >= 120] or theirs
    agreement = min(roomy, key=lambda a: (a.ceiling, a.created_at))
    b.ceiling_agreement = agreement
    share = int(agreement.ceiling) // 100
    return [
        plan(
            Stage.WON,
            ProjectType.DEVELOPMENT,
            "Avrop: videreutvikling av innbyggerportalen",
            customer=agreement.customer,
            agreement=agreement,
            target=33 * share,
            review=APPROVED,
            reviewer=fag,
        ),
        plan(
            Stage.WON,
            ProjectType.INTEGRATION,
            "Avrop: forvaltning av integrasjonene",
            customer=agreement.customer,
            agreement=agreement,
            target=33 * share,
            review=CHANGES,
            review_skill="Integrasjon",
            review_level=3,
            reviewer=fag,
        ),
        plan(
            Stage.NEGOTIATION,
            ProjectType.DEVELOPMENT,
            "Avrop: ny søknadsløsning for tilskudd",
            customer=agreement.customer,
            agreement=agreement,
            target=55 * share,
            review=APPROVED,
            age=7,
        ),
    ] + [
        plan(
            Stage.SOLUTION,
            ProjectType.INFRASTRUCTURE,
            "Avrop: sikker skydrift og overvåking",
            customer=another.customer,
            agreement=another,
            age=9,
            offer_due=b.today + datetime.timedelta(days=16),
        )
        for another in [a for a in theirs if a is not agreement][:1]
    ]


def _random_plans(b: _Builder, total: int, open_total: int, scripted: Sequence[Plan]) -> list[Plan]:
    """Return the other opportunities, so that there are `total` in all and `open_total` of them open."""
    rng = b.rng
    scripted_open = sum(1 for p in scripted if p.stage in OPEN_STAGES)
    open_left = max(0, open_total - scripted_open)
    closed_left = max(0, total - open_total - (len(scripted) - scripted_open))
    won = round(closed_left * WIN_RATE)
    stages = [stage for stage, count in _quota(open_left, OPEN_MIX).items() for _n in range(count)]
    stages += [Stage.WON] * won + [Stage.LOST] * (closed_left - won)
    rng.shuffle(stages)
    return [_random_plan(b, stage) for stage in stages]


def _random_plan(b: _Builder, stage: str) -> Plan:
    rng, today = b.rng, b.today
    decided = None
    if stage in CLOSED_STAGES:
        # Decisions spread over the years, each by a customer we had for a while by then.
        decided = b.decision_day()
        known = bisect.bisect_left(b.created_days, decided - datetime.timedelta(days=ROOM_BEFORE_DECISION))
        customer = b.by_age[rng.randrange(max(1, known))]  # as rng.choice of the first `known`, uncopied
        since = decided - datetime.timedelta(days=ROOM_BEFORE_DECISION)
    else:
        customer = rng.choice(b.customers)
        for _attempt in range(30):
            if (today - customer.created_at.date()).days > 4:
                break
            customer = rng.choice(b.customers)
        since = today - datetime.timedelta(days=4)
    owner = customer.account_owner if rng.random() < 0.85 else rng.choice(b.sellers)
    technical = customer.industry in TECHNICAL_INDUSTRIES
    project_type = _weighted(
        rng, PROJECT_MIX | ({ProjectType.ENGINEERING: 45} if technical else {ProjectType.ENGINEERING: 4})
    )
    agreement = None
    candidates = [
        a
        for a in b.agreements.get(customer.pk, [])
        if a is not b.ceiling_agreement and max(a.created_at.date(), a.starts_on) < since
    ]
    if candidates and rng.random() < 0.6:
        agreement = rng.choice(candidates)
    lost_from = _weighted(rng, LOST_FROM) if stage == Stage.LOST else ""
    reached = Stage(lost_from) if lost_from else (Stage.NEGOTIATION if stage == Stage.WON else Stage(stage))
    median = words.PACKAGES[project_type][0] * (0.7 if agreement else 1.0) * b.work_scale
    target = round(min(25_000_000, max(150_000, median * rng.lognormvariate(0, 0.6))), -4)
    probability = None
    if stage in OPEN_STAGES and rng.random() < OVERRIDDEN:
        usual = b.probability[stage]
        probability = min(95, max(5, usual + rng.choice([-20, -15, -10, -5, 5, 10, 15])))
        probability = probability if probability != usual else None
    return Plan(
        customer=customer,
        owner=owner,
        stage=stage,
        project_type=project_type,
        confidential=b.total > FULL_SIMULATION_UP_TO and rng.random() < 0.02,
        agreement=agreement,
        target=int(target),
        review=_random_review(rng, stage, reached),
        lost_from=lost_from,
        has_estimate=rng.random() < {Stage.LEAD: 0.5, Stage.QUALIFIED: 0.75}.get(reached, 1.0),
        revised=rng.random() < 0.15,
        decided=decided,
        probability=probability,
    )


def _random_review(rng: random.Random, stage: str, reached: str) -> str:
    """Return how the review goes for an opportunity that got as far as `reached` and ends in `stage`."""
    if stage == Stage.REVIEW:
        mix = {REQUESTED: 40, ACCEPTED: 30, APPROVED: 12, CHANGES: 4, REJECTED: 4, CANCELLED: 5, SENT_BACK: 5}
    elif stage == Stage.LOST and reached == Stage.REVIEW:
        mix = {REJECTED: 50, CANCELLED: 25, APPROVED: 25}
    elif OPEN_STAGES.index(Stage(reached)) > OPEN_STAGES.index(Stage.REVIEW):
        mix = {APPROVED: 55, CHANGES: 33, SENT_BACK: 6, CANCELLED: 4, OVERRIDE: 2}
    elif reached == Stage.SOLUTION and stage == Stage.SOLUTION:
        mix = {NO_REVIEW: 88, SENT_BACK: 12}
    else:
        mix = {NO_REVIEW: 1}
    return str(_weighted(rng, mix))


# ----------------------------------------------------------------------------------------- opportunity


class _Event:
    """An event of the opportunity's history; its version is given once the prices are known."""

    __slots__ = ("actor", "at", "changes", "sold", "value_of", "verb", "version")

    def __init__(
        self,
        verb: str,
        at: datetime.datetime,
        actor: Person,
        changes: dict[str, Any],
        *,
        value_of: rows.EstimateRows | None = None,
        sold: rows.EstimateRows | None = None,
    ) -> None:
        self.verb, self.at, self.actor, self.changes = verb, at, actor, changes
        self.value_of, self.sold, self.version = value_of, sold, 0


class _Opportunity:
    """Builds one plan's rows into the batch in the order things happened, and its history.

    The history is finished (`_finish`) once the batch's estimate summaries are computed, because
    sending the offer sets the value to the price; it is recorded after the insert, when the sold
    estimate has its id.
    """

    def __init__(self, b: _Builder, plan: Plan, batch: rows.Batch) -> None:
        self.b, self.plan, self.batch, self.rng = b, plan, batch, b.rng
        self.estimates: list[rows.EstimateRows] = []
        self.locked: rows.EstimateRows | None = None
        self.reviews: list[ExpertReview] = []
        self.pending: list[rows.Comment] = []  # hours a review proposed, for the next version
        self.members: set[tuple[int, str]] = set()
        self.skills: list[str] = []
        self.solution_lead: Person | None = None
        full = plan.stage in OPEN_STAGES or b.total <= FULL_SIMULATION_UP_TO
        self.draws = estimation.DEFAULT_DRAWS if full else CLOSED_DRAWS
        self.history: list[_Event] = []
        self.opp = self._opportunity()
        self.created = initial_changes(self.opp, OPPORTUNITY_EVENT_FIELDS)

    @property
    def current(self) -> rows.EstimateRows:
        return self.estimates[-1]

    def build(self) -> None:
        self._required_skills()
        self._team()
        steps = self.plan.steps
        for i, (stage, at) in enumerate(steps):
            end = steps[i + 1][1] if i + 1 < len(steps) else None
            if i:
                self._move(stage, at)
            self._during(i, stage, at, end)
        if self.plan.probability is not None:
            self._set_probability(self.plan.probability)
        self._expectations()
        self.batch.opportunities.append(self.opp)
        self.batch.after_summaries.append(self._finish)
        self.batch.after_insert.append(self._record)

    def _finish(self) -> None:
        """Set the value the offer was sent at, and number the history's versions."""
        opp, version = self.opp, 1
        kept = []
        for event in self.history:
            if event.value_of is not None:
                price = event.value_of.row.price
                if price == opp.value:
                    continue  # no change, so the action would write no event
                event.changes = change(opp, "value", opp.value, price)
                opp.value = price
            version += 1
            event.version = version
            kept.append(event)
        self.history = kept
        opp.version = version
        opp.updated_at = kept[-1].at if kept else opp.created_at

    def _record(self) -> None:
        opp, record = self.opp, self.b.ctx.record
        record(VERB_CREATED, opp, actor=self.plan.owner, at=opp.created_at, changes=self.created)
        for event in self.history:
            changes = event.changes
            if event.sold is not None:
                changes = changes | change(opp, "sold_estimate", None, event.sold.row)
            record(event.verb, opp, actor=event.actor, at=event.at, version=event.version, changes=changes)

    # -- the opportunity ----------------------------------------------------------------------------

    def _opportunity(self) -> Opportunity:
        plan, b, rng = self.plan, self.b, self.rng
        created = plan.steps[0][1]
        if plan.stage in CLOSED_STAGES:
            start = plan.steps[-1][1].date() + datetime.timedelta(days=rng.randint(14, 60))
        else:
            start = b.today + datetime.timedelta(days=rng.randint(14, 200))
        value = max(50_000, round(plan.target * rng.uniform(0.75, 1.3) / 50_000) * 50_000)
        if plan.agreement is not None:
            contract = _weighted(
                rng,
                {ContractType.TIME_AND_MATERIALS: 60, ContractType.FIXED_PRICE: 30, ContractType.CAPPED: 10},
            )
        else:
            contract = _weighted(
                rng,
                {ContractType.FIXED_PRICE: 50, ContractType.TIME_AND_MATERIALS: 35, ContractType.CAPPED: 15},
            )
        tags = rng.sample(words.TAGS, k=rng.choice([0, 0, 1, 1, 2]))
        if plan.agreement is not None and "minikonkurranse" not in tags and rng.random() < 0.3:
            tags.append("minikonkurranse")
        return Opportunity(
            customer=plan.customer,
            agreement=plan.agreement,
            title=(plan.title or self._title())[:200],
            description=words.DESCRIPTIONS[plan.project_type] if rng.random() < 0.7 else "",
            project_type=plan.project_type,
            tags=tags,
            contract_type=contract,
            value=Decimal(value),
            probability=b.probability[Stage.LEAD],
            stage=Stage.LEAD,
            stage_changed_at=created,
            expected_start=start,
            # Smaller work (`work_scale`) takes as long, done by fewer people at a time.
            duration_weeks=max(2, min(78, round(plan.target / self.b.work_scale / 1450 / 100))),
            offer_due=plan.offer_due or self._offer_due(),
            owner=plan.owner,
            confidential=plan.confidential,
            created_at=created,
            updated_at=created,
        )

    def _title(self) -> str:
        plan, rng = self.plan, self.rng
        title = rng.choice(words.TITLES[plan.project_type]).format(customer=_short(plan.customer))
        title += rng.choice(words.TITLE_SUFFIXES)
        if plan.agreement is not None and rng.random() < 0.5 and title[1:2].islower():
            title = f"Avrop: {title[0].lower()}{title[1:]}"
        return title

    def _offer_due(self) -> datetime.date | None:
        plan, rng, today = self.plan, self.rng, self.b.today
        sent = [at for stage, at in plan.steps if stage == Stage.OFFER_SENT]
        if sent:
            return _day(sent[0]) + datetime.timedelta(days=rng.randint(0, 3))
        if plan.stage in CLOSED_STAGES:
            return _day(plan.steps[-1][1]) + datetime.timedelta(days=rng.randint(-4, 20))
        if plan.stage == Stage.LEAD and rng.random() < 0.5:
            return None
        roll = rng.random()
        if roll < 0.12:
            return today - datetime.timedelta(days=rng.randint(1, 7))
        if roll < 0.32:
            return today + datetime.timedelta(days=rng.randint(0, 6 - today.weekday()))
        return today + datetime.timedelta(days=rng.randint(7, 45))

    def _required_skills(self) -> None:
        plan, rng = self.plan, self.rng
        usual = words.SKILLS[plan.project_type]
        names = [usual[0]] if rng.random() < 0.7 else []
        names += rng.sample(usual, k=rng.randint(1, 2))
        if plan.review_skill:
            names.append(plan.review_skill)
        self.skills = list(dict.fromkeys(names))
        self.batch.required.extend((self.opp, self.b.skills[name].pk) for name in self.skills)

    def _team(self) -> None:
        plan, b, rng = self.plan, self.b, self.rng
        self._member(plan.owner, TeamRole.SELLER)
        if plan.team:
            for person, role in plan.team:
                self._member(person, role)
            return
        selger, leveranse = b.ctx.demo("selger"), b.ctx.demo("leveranse")
        if plan.owner == selger:
            lead = leveranse if plan.customer.delivery_lead == leveranse else b.ctx.demo("pl")
            self._member(lead, TeamRole.PROJECT_MANAGER)
        elif rng.random() < 0.75:
            self._member(b.delivery_for(plan.customer), TeamRole.PROJECT_MANAGER)
        stages = {stage for stage, _at in plan.steps}
        if Stage.SOLUTION in stages or rng.random() < 0.4:
            self._member(b.expert_for(self.skills[0], at_least=3, avoid=[plan.owner]), TeamRole.SOLUTION_LEAD)
        if rng.random() < 0.2:
            self._member(b.expert_for(rng.choice(self.skills), avoid=[plan.owner]), TeamRole.EXPERT)

    def _member(self, person: Person, role: str) -> None:
        if (person.pk, role) not in self.members:
            self.members.add((person.pk, role))
            self.batch.team.append((self.opp, person.pk, role))
            if role == TeamRole.SOLUTION_LEAD and self.solution_lead is None:
                self.solution_lead = person

    # -- moves --------------------------------------------------------------------------------------

    def _move(self, stage: str, at: datetime.datetime) -> None:
        opp, plan, b, rng = self.opp, self.plan, self.b, self.rng
        if stage == Stage.OFFER_SENT and self.locked is None and self.estimates:
            self._send_offer(at)
        probability = b.probability[stage]
        changes = _change("stage", opp.stage, stage) | _change("probability", opp.probability, probability)
        actor = plan.owner
        forward = stage in CLOSED_STAGES or OPEN_STAGES.index(Stage(stage)) > OPEN_STAGES.index(
            Stage(opp.stage)
        )
        if stage in b.gated and forward and not self._gate_open():
            selger = b.ctx.demo("selger")
            actor = b.ctx.demo("leder") if plan.owner == selger else rng.choice(b.managers)
            reason = rng.choice(words.OVERRIDE_REASONS)
            changes["override_reason"] = {
                "before": None,
                "after": reason,
                "before_text": "",
                "after_text": reason,
            }
        opp.stage, opp.probability, opp.stage_changed_at = stage, probability, at
        if stage == Stage.WON:
            decided = _day(at)
            changes |= _change("decided_on", None, decided)
            opp.decided_on = decided
            sold = self.locked or (self.current if self.estimates else None)
            if sold is not None:
                self.batch.sold.append((opp, sold.row))
            self.history.append(_Event(VERB_WON, at, actor, changes, sold=sold))
        elif stage == Stage.LOST:
            reason = str(_weighted(rng, LOST_REASONS))
            note = rng.choice(words.LOST_NOTES[reason])
            decided = _day(at)
            changes |= _change("decided_on", None, decided)
            changes |= _change("lost_reason", "", reason)
            changes |= _change("lost_note", "", note)
            opp.decided_on, opp.lost_reason, opp.lost_note = decided, reason, note
            self.history.append(_Event(VERB_LOST, at, actor, changes))
        else:
            self.history.append(_Event(VERB_MOVED, at, actor, changes))

    def _set_probability(self, probability: int) -> None:
        """The seller sets another probability than the stage's, some time after the last move."""
        opp = self.opp
        at = self.b.between(self.plan.steps[-1][1], None)
        changes = _change("probability", opp.probability, probability)
        self.history.append(_Event(VERB_UPDATED, at, self.plan.owner, changes))
        opp.probability = probability

    def _send_offer(self, at: datetime.datetime) -> None:
        """Lock the current estimate, as the move to "offer sent" does, and set the value to its price."""
        sent = self.current
        sent.row.locked_at = sent.row.updated_at = at
        self.locked = sent
        earlier = self.history[-1].at if self.history else self.opp.created_at
        when = max(earlier + (at - earlier) / 2, at - datetime.timedelta(minutes=self.rng.randint(2, 30)))
        self.history.append(_Event(VERB_UPDATED, when, self.plan.owner, {}, value_of=sent))

    def _gate_open(self) -> bool:
        if any(r.state in (ReviewState.REQUESTED, ReviewState.ACCEPTED) for r in self.reviews):
            return False
        done = [r for r in self.reviews if r.state == ReviewState.DONE]
        if not done:
            return False
        return max(done, key=lambda r: r.decided_at or r.created_at).verdict != Verdict.NOT_REALISTIC

    def _during(self, i: int, stage: str, at: datetime.datetime, end: datetime.datetime | None) -> None:
        """Do what happens while the opportunity is in `stage`: estimates, reviews, a revised offer."""
        plan, steps = self.plan, self.plan.steps
        following = steps[i + 1][0] if i + 1 < len(steps) else None
        if stage == Stage.SOLUTION:
            if not self.estimates:
                title = words.ESTIMATE_TITLES[0] if self.rng.random() < 0.5 else ""
                self._estimate(self._soon(at, end), title=title)
            elif self.pending:
                self._estimate(self._soon(at, end), based_on=self.current, title=words.ESTIMATE_TITLES[1])
        elif stage == Stage.REVIEW:
            earlier = sum(1 for s, _at in steps[:i] if s == Stage.REVIEW)
            self._reviews(self._sequence(earlier, following), at, end)
        elif stage == Stage.NEGOTIATION and plan.revised and self.locked is not None:
            self._estimate(
                self._soon(at, end, days=10),
                based_on=self.locked,
                title=words.ESTIMATE_TITLES[2],
                revise=True,
            )
        elif (
            stage in (Stage.LEAD, Stage.QUALIFIED)
            and following not in (Stage.QUALIFIED, Stage.SOLUTION)
            and plan.has_estimate
            and not self.estimates
        ):
            self._estimate(self.b.between(at, end))

    def _soon(self, at: datetime.datetime, end: datetime.datetime | None, days: int = 3) -> datetime.datetime:
        soon = at + datetime.timedelta(days=days)
        return self.b.between(at, min(end, soon) if end else soon)

    # -- reviews ------------------------------------------------------------------------------------

    def _sequence(self, earlier: int, following: str | None) -> list[str]:
        """Return the reviews asked for during one stay in the review stage, by how each went."""
        review = self.plan.review
        if review == SENT_BACK and earlier == 0:
            return [REJECTED]
        if review == CANCELLED:
            rest = [] if following == Stage.LOST else [REQUESTED] if following is None else [APPROVED]
            return [CANCELLED, *rest]
        if following is None:
            return [review if review in (REQUESTED, ACCEPTED, APPROVED, CHANGES, REJECTED) else REQUESTED]
        if following == Stage.LOST:
            return [review if review in (APPROVED, CHANGES, REJECTED) else REJECTED]
        return [review if review in (APPROVED, CHANGES) else APPROVED]

    def _reviews(self, sequence: list[str], start: datetime.datetime, end: datetime.datetime | None) -> None:
        if len(sequence) == 1:
            self._review(sequence[0], start, end)
            return
        middle = start + ((end or self.b.midnight) - start) * 0.45
        self._review(sequence[0], start, middle)
        self._review(sequence[1], middle, end)

    def _review(self, kind: str, start: datetime.datetime, end: datetime.datetime | None) -> None:
        plan, b, rng = self.plan, self.b, self.rng
        limit = end or b.midnight
        first = not self.reviews
        person: Person | None = None
        skill, level = "", 0
        known = [name for name in self.skills if b.levels.get(name)]  # skills some expert has
        if first and (plan.review_skill or plan.reviewer):
            skill, level, person = plan.review_skill, plan.review_level, plan.reviewer
        elif plan.confidential or not known or rng.random() < 0.5:
            earlier = [r.reviewer for r in self.reviews if r.reviewer is not None]
            person = b.expert_for(rng.choice(self.skills), at_least=3, avoid=[plan.owner, *earlier])
        else:
            skill = rng.choice(known)
            level = rng.choice([3, 4])
            while level > 1 and not any(n >= level for _p, n in b.levels[skill]):
                level -= 1
        requested = b.between(start, min(limit, start + datetime.timedelta(hours=3)))
        if first and plan.review_due:
            due = plan.review_due
        else:
            due = _day(requested) + datetime.timedelta(days=rng.randint(5, 10))
        review = ExpertReview(
            opportunity=self.opp,
            estimate=self.current.row,
            requested_by=plan.owner,
            reviewer=None if skill else person,
            skill=b.skills[skill] if skill else None,
            min_level=level if skill else None,
            message=rng.choice(words.REVIEW_MESSAGES) if rng.random() < 0.7 else "",
            due_on=due,
            state=ReviewState.REQUESTED,
            created_at=requested,
            updated_at=requested,
        )
        self.reviews.append(review)
        self.batch.reviews.append(review)
        if review.reviewer is not None:
            self._member(review.reviewer, TeamRole.EXPERT)
        if kind == REQUESTED:
            return
        if kind == CANCELLED and rng.random() < 0.5:
            self._cancel(review, b.between(requested, limit))
            return
        if review.reviewer is None:
            review.reviewer = person or b.expert_for(skill, at_least=level, avoid=[plan.owner])
            self._member(review.reviewer, TeamRole.EXPERT)
        accepted = b.between(requested, min(limit, requested + datetime.timedelta(days=2)))
        review.state, review.accepted_at = ReviewState.ACCEPTED, accepted
        review.updated_at, review.version = accepted, 2
        if kind == ACCEPTED:
            self._comments(review, accepted, limit, proposals=0, general=rng.randint(0, 1))
            return
        if kind == CANCELLED:
            self._cancel(review, b.between(accepted, limit))
            return
        decided = b.between(accepted, min(limit, accepted + datetime.timedelta(days=6)))
        verdict = {APPROVED: Verdict.APPROVED, CHANGES: Verdict.APPROVED_WITH_CHANGES}.get(
            kind, Verdict.NOT_REALISTIC
        )
        proposals = rng.randint(1, 2) if verdict != Verdict.APPROVED else 0
        general = rng.randint(0, 2) if verdict == Verdict.APPROVED else rng.randint(0, 1)
        self.pending = self._comments(review, accepted, decided, proposals=proposals, general=general)
        review.state, review.verdict, review.decided_at = ReviewState.DONE, verdict, decided
        review.verdict_comment = rng.choice(words.VERDICT_COMMENTS[verdict])
        review.updated_at, review.version = decided, 3
        if verdict == Verdict.APPROVED_WITH_CHANGES:
            self._estimate(
                self._soon(decided, end, days=2), based_on=self.current, title=words.ESTIMATE_TITLES[1]
            )

    @staticmethod
    def _cancel(review: ExpertReview, at: datetime.datetime) -> None:
        review.state, review.updated_at, review.version = ReviewState.CANCELLED, at, review.version + 1

    def _comments(
        self,
        review: ExpertReview,
        start: datetime.datetime,
        end: datetime.datetime,
        *,
        proposals: int,
        general: int,
    ) -> list[rows.Comment]:
        """Add the reviewer's comments; return those proposing other hours for a package."""
        rng, between = self.rng, self.b.between
        author = review.reviewer
        assert author is not None
        varying = [p for p in self.current.packages if p.role == Role.EXPERT and p.optimistic < p.pessimistic]
        proposing = [
            rows.Comment(
                review,
                package,
                author.pk,
                rng.choice(words.PACKAGE_COMMENTS),
                _scaled(package, rng.uniform(1.15, 1.6)),
                between(start, end),
            )
            for package in rng.sample(varying, k=min(proposals, len(varying)))
        ]
        remarks = [
            rows.Comment(review, None, author.pk, text, None, between(start, end))
            for text in rng.sample(words.REVIEW_COMMENTS, k=general)
        ]
        self.batch.comments.extend(sorted(proposing + remarks, key=lambda c: c.created_at))
        return proposing

    # -- estimates ----------------------------------------------------------------------------------

    def _estimate(
        self,
        at: datetime.datetime,
        *,
        based_on: rows.EstimateRows | None = None,
        title: str = "",
        revise: bool = False,
    ) -> None:
        """Add an estimate version; its summary is computed with the batch's."""
        plan, rng = self.plan, self.rng
        if based_on is None:
            confidence = _weighted(
                rng, {ConfidencePoint.P80: 75, ConfidencePoint.P50: 10, ConfidencePoint.P90: 15}
            )
            contingency = rng.random() < 0.4
        else:
            confidence, contingency = based_on.row.confidence, based_on.row.include_contingency
        row = Estimate(
            opportunity=self.opp,
            number=len(self.estimates) + 1,
            based_on=based_on.row if based_on else None,
            title=title,
            confidence=confidence,
            include_contingency=contingency,
            created_by=plan.owner if rng.random() < 0.6 else (self.solution_lead or plan.owner),
            created_at=at,
            updated_at=at,
        )
        estimate = self._fresh(row) if based_on is None else self._copy(row, based_on, revise=revise)
        if self.estimates and self.b.total > FULL_SIMULATION_UP_TO:
            self.current.draws = CLOSED_DRAWS  # superseded: history, like a closed one's
        self.estimates.append(estimate)
        self.batch.estimates.append(estimate)

    def _rate(self, role: str) -> Decimal:
        agreement = self.plan.agreement
        if agreement is not None:
            rate = self.b.agreement_rates.get(agreement.pk, {}).get(role)
            if rate is not None:
                return rate
        return self.b.role_rates.get(role, ROLE_RATES[Role.EXPERT])

    def _fresh(self, row: Estimate) -> rows.EstimateRows:
        plan, rng, b = self.plan, self.rng, self.b
        count = rng.randint(3, 12)
        special = [(words.PROJECT_MANAGEMENT, Role.PROJECT_MANAGER, 0.10)] if count >= 4 else []
        if count >= 8 and rng.random() < 0.5:
            special.append((words.DELIVERY_MANAGEMENT, Role.DELIVERY_MANAGER, 0.05))
        if count >= 10 and rng.random() < 0.3:
            special.append((words.STEERING, Role.MANAGEMENT, 0.03))
        pool = words.PACKAGES[plan.project_type][1] + words.GENERIC_PACKAGES
        chosen = sorted(rng.sample(range(len(pool)), k=min(len(pool), count - len(special))))
        left = 1 - sum(share for _n, _r, share in special)
        shares = [rng.uniform(0.5, 2.0) for _i in chosen]
        spec = [(pool[i], Role.EXPERT, left * s / sum(shares)) for i, s in zip(chosen, shares, strict=True)]
        spec += special
        # Most likely hours for a price near the target: P80 is some 20 % above the most likely hours.
        hours = plan.target / 1.2 / sum(share * float(self._rate(role)) for _n, role, share in spec)
        packages = []
        for position, (name, role, share) in enumerate(spec):
            o, m, p = _three_points(rng, max(4, round(hours * share)))
            description = rng.choice(words.PACKAGE_DESCRIPTIONS) if rng.random() < 0.3 else ""
            skill = b.skills[rng.choice(self.skills)].pk if role == Role.EXPERT else None
            packages.append(rows.Package(position, name, description, role, o, m, p, self._rate(role), skill))
        lines = [
            rows.Line(kind, text, n)
            for kind, texts, most in (
                (EstimateLineKind.ASSUMPTION, words.ASSUMPTIONS, 3),
                (EstimateLineKind.EXCLUSION, words.EXCLUSIONS, 2),
            )
            for n, text in enumerate(rng.sample(texts, k=rng.randint(1, most)))
        ]
        expected = sum(float(p.most_likely) for p in packages)
        risks = [
            rows.RiskValues(
                text,
                rng.randrange(10, 65, 5),
                Decimal(max(4, round(expected * rng.uniform(0.03, 0.12)))),
                mitigation if rng.random() < 0.7 else "",
                n,
            )
            for n, (text, mitigation) in enumerate(rng.sample(words.RISKS, k=rng.randint(0, 3)))
        ]
        return rows.EstimateRows(row, packages, lines, risks, self.draws)

    def _copy(self, row: Estimate, source: rows.EstimateRows, *, revise: bool) -> rows.EstimateRows:
        """Copy `source` as `create_estimate(based_on=...)` does, applying the hours a review proposed."""
        proposed = {id(c.package): c for c in self.pending}
        kept = list(source.packages)
        experts = [p for p in kept if p.role == Role.EXPERT]
        if revise and len(kept) > 3 and experts:  # the customer asked for less: the last piece of scope goes
            kept.remove(experts[-1])
        packages = []
        for position, old in enumerate(kept):
            o, m, p = old.optimistic, old.most_likely, old.pessimistic
            comment = proposed.get(id(old))
            if comment is not None and comment.proposed is not None:
                o, m, p = comment.proposed
                comment.applied_at = row.created_at
            packages.append(
                rows.Package(
                    position, old.name, old.description, old.role, o, m, p, old.hourly_rate, old.skill_id
                )
            )
        self.pending = []
        lines = [rows.Line(x.kind, x.text, x.position) for x in source.lines]
        risks = [
            rows.RiskValues(x.description, x.probability, x.consequence_hours, x.mitigation, x.position)
            for x in source.risks
        ]
        return rows.EstimateRows(row, packages, lines, risks, self.draws)

    # -- expectations -------------------------------------------------------------------------------

    def _expectations(self) -> None:
        plan, b, rng = self.plan, self.b, self.rng
        qualified = [at for stage, at in plan.steps if stage == Stage.QUALIFIED]
        if not qualified:
            return
        end = plan.steps[-1][1] if plan.stage in CLOSED_STAGES else b.midnight
        contacts = b.contacts.get(plan.customer.pk, [])
        count = rng.randint(2, 5) if plan.owner == b.ctx.demo("selger") else rng.randint(1, 4)
        kinds = rng.sample(ExpectationKind.values, k=min(count, len(ExpectationKind.values)))
        statuses: dict[str, float]
        if plan.stage == Stage.WON:
            statuses = {
                ExpectationStatus.MET: 45,
                ExpectationStatus.OPEN: 30,
                ExpectationStatus.AT_RISK: 15,
                ExpectationStatus.BROKEN: 10,
            }
        elif plan.stage == Stage.LOST:
            statuses = {ExpectationStatus.OPEN: 1}
        else:
            statuses = {ExpectationStatus.OPEN: 80, ExpectationStatus.AT_RISK: 12, ExpectationStatus.MET: 8}
        sources = {
            ExpectationSource.MEETING: 40,
            ExpectationSource.EMAIL: 25,
            ExpectationSource.TENDER: 20,
            ExpectationSource.PHONE: 15,
        }
        for position, kind in enumerate(kinds):
            at = b.between(qualified[0], end)
            source = _weighted(rng, sources)
            contact = rng.choice(contacts) if contacts else None
            who = f"{contact[1]} ({contact[2].lower()})" if contact else "kunden"
            note = rng.choice(words.SOURCE_NOTES[source]).format(date=f"{_day(at):%d.%m}", who=who)
            agreed = rng.random() < 0.45
            status = _weighted(rng, statuses)
            changed = status != ExpectationStatus.OPEN
            self.batch.expectations.append(
                rows.ExpectationValues(
                    opportunity=self.opp,
                    kind=kind,
                    customer_words=rng.choice(words.EXPECTATIONS[kind]),
                    source=source,
                    source_note=note,
                    acceptance_criteria=rng.choice(words.ACCEPTANCE_CRITERIA) if rng.random() < 0.5 else "",
                    agreed_by_id=plan.owner.pk if agreed else None,
                    agreed_with_id=contact[0] if agreed and contact else None,
                    agreed_on=_day(at) if agreed else None,
                    status=status,
                    position=position,
                    version=2 if changed else 1,
                    created_at=at,
                    updated_at=b.between(max(at, plan.steps[-1][1]), b.midnight) if changed else at,
                )
            )


@functools.lru_cache(maxsize=4096)
def _change(name: str, before: Any, after: Any) -> dict[str, dict[str, Any]]:
    """Return an opportunity field's change as an event stores it; the same few values recur often."""
    return change(Opportunity(), name, before, after)


def _day(at: datetime.datetime) -> datetime.date:
    """Return the day (Oslo time) of a moment."""
    return at.astimezone(fiction.OSLO).date()


def _three_points(rng: random.Random, most_likely: int) -> tuple[Decimal, Decimal, Decimal]:
    """Return whole-hour optimistic, most likely and pessimistic hours in one of the `SHAPES`."""
    m = most_likely
    if rng.random() < 0.05:
        return Decimal(m), Decimal(m), Decimal(m)
    a, b = rng.choice(SHAPES)
    unit = max(1, round(m * rng.uniform(0.4, 1.2) / (a + b)))
    if a * unit > m:
        unit = m // a
    if unit == 0:
        return Decimal(m), Decimal(m), Decimal(m)
    return Decimal(m - a * unit), Decimal(m), Decimal(m + b * unit)


def _scaled(package: rows.Package, factor: float) -> tuple[Decimal, Decimal, Decimal]:
    """Return the package's three points made `factor` larger, keeping the shape (the mode's place)."""
    o, m, p = int(package.optimistic), int(package.most_likely), int(package.pessimistic)
    unit = math.gcd(m - o, p - m) or (p - o)
    a, b = (m - o) // unit, (p - m) // unit
    new_unit = max(1, round(unit * factor))
    new_m = max(round(m * factor), a * new_unit)
    return Decimal(new_m - a * new_unit), Decimal(new_m), Decimal(new_m + b * new_unit)
