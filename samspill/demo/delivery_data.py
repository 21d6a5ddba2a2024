"""The delivery demo data: every won opportunity handed over, and projects from kick-off to closing.

The generator's "delivery" section calls `delivery(ctx)`. Like the rest of the generator it inserts in
bulk and bypasses the actions, but every row is what the actions would have left behind:

- every won opportunity with a sold estimate has a handover, opened when it was won. A win of the last
  `WAITING_DAYS` days still waits (being prepared, or sent back with questions to the seller); the
  others were acknowledged, and their project started from the sold estimate as
  `delivery.actions.projects.create_project_from_opportunity` does: baseline version 1 is the sold
  packages' expected hours and amounts, the opportunity's team is on the project. The completeness the
  project manager acknowledged at is `handover.completeness` of the handover as it then was;
- a project runs from the opportunity's expected start. Its actual hours are the sold hours times a
  ratio drawn per project: log-normal and right-skewed as published surveys find (most overrun, about
  30 % on average, a heavy tail), worse for some project types and some customers, so that estimate
  calibration has something to find. Its schedule slips with it;
- what was worked before `--today` is booked as time entries, one per person, work package and
  weekday, by the least busy people with the skill, a normal working day at most while there is
  room, longer days only when there is not, never over 24 hours for anybody across projects. A work
  package's and a project's stored actual hours are the sum of their entries. A closed project's
  weeks are approved; a running one's except the last one or two;
- a running project's progress (remaining hours or % complete), milestones, status reports and health
  are set as its manager would have, and its open automatic deviations are exactly what
  `delivery.detection` finds in those rows on `--today`, with its numbers; health is
  `progress.assess_health` of them. Some deviations were raised by hand;
- change requests are in every state; an accepted one made a new baseline version and moved the
  milestones not yet reached, as `delivery.actions.changes.accept_change_request` does;
- a closed project has its final numbers, a retrospective whose lessons are tagged with their phase,
  and a customer satisfaction that falls as the overrun grows.

The pipeline seed's won opportunities come first. When they are too few for the size's projects (the
demo has a dozen), this section wins more in the pipeline's own way (`pipeline_data`'s builder), most
of them years back: the firm's history, smaller work than the pipeline's so the demo's thirty people
can have done it. A handful of scripted ones give the demo people handovers in every state and
projects to run (`_Section._scripted`).

The rows are plain values until they are written (model instances cost too much at `large`); only the
targets of recorded events are model instances.
"""

from __future__ import annotations

import datetime
import importlib
import math
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, JSONField, Subquery
from django.utils import translation
from django.utils.translation import gettext

from samspill.customers.models import Contact, Customer
from samspill.delivery import detection, progress
from samspill.delivery.models import (
    Baseline,
    BaselinePackage,
    BaselineSource,
    ChangeRequest,
    ChangeState,
    Deviation,
    DeviationKind,
    DeviationStatus,
    Health,
    Lesson,
    Milestone,
    Phase,
    Project,
    ProjectMember,
    ProjectPackage,
    ProjectRole,
    ProjectStatus,
    Retrospective,
    Staffing,
    StatusReport,
    TimeEntry,
    WeekApproval,
)
from samspill.demo import bulk, delivery_rows, fiction, pipeline_data, pipeline_rows, pipeline_words
from samspill.demo import delivery_words as words
from samspill.demo.generator import HISTORY_DAYS, Context, change, initial_changes
from samspill.handover import completeness as handover_completeness
from samspill.handover.models import ChecklistItem, ChecklistTemplateItem, Handover, HandoverState, Question
from samspill.lib import events as event_values
from samspill.people.models import Person, PersonSkill, Role
from samspill.pipeline.models import (
    Expectation,
    ExpectationStatus,
    Opportunity,
    ProjectType,
    Stage,
    StageSetting,
    TeamMember,
    TeamRole,
    WorkPackage,
)

ZERO = Decimal(0)
HUNDRED = Decimal(100)
TENTH = Decimal("0.1")
CENT = Decimal("0.01")
ONE_DAY = datetime.timedelta(days=1)
ONE_WEEK = datetime.timedelta(days=7)

WAITING_DAYS = 21  # a win this recent may still wait for its handover to be acknowledged
SENT_BACK_SHARE = 0.35  # of the waiting ones
UNTAKEN_SHARE = 0.15  # of the waiting ones without a project manager candidate: nobody took it yet
# The history this section wins is smaller work than the pipeline's, so that the demo's thirty people
# can have done it in the years the customers go back.
HISTORY_SCALE = 0.3
RUNNING_SCALE = 0.5  # and so is the running work it wins
# log(actual ÷ sold) ~ N(OVERRUN + type + customer, SPREAD), and now and then a project that ran away.
OVERRUN = 0.08
SPREAD = 0.3
TAIL_SHARE = 0.06
TAIL = (0.35, 0.9)
TYPE_BIAS: dict[str, float] = {
    ProjectType.DEVELOPMENT: 0.08,
    ProjectType.INTEGRATION: 0.16,
    ProjectType.ADVISORY: -0.10,
    ProjectType.INFRASTRUCTURE: 0.03,
    ProjectType.DATA: 0.06,
    ProjectType.DESIGN: -0.06,
    ProjectType.ENGINEERING: -0.02,
}
CUSTOMER_SPREAD = 0.07
DIFFICULT_SHARE = 0.12  # customers whose projects overrun more, whoever runs them
DIFFICULT_BIAS = 0.25
PACKAGE_SPREAD = 0.15
# Booking is in half hours. A normal day is 7.5 hours; what does not fit in normal days is booked as
# longer days, up to the next cap, never over 24 hours.
DAY = 15
CAPS = (20, 24, 32, 48)
MOST_PEOPLE = 6  # on one work package
FULL_DETAIL_UP_TO = 1_000  # projects: up to this, closed ones keep their staffing plan and every event
APPROVED_EVENTS_WEEKS = 3  # the last weeks of a running project whose approvals are recorded as events
CLOSING_RESOLUTION = "Prosjektet er avsluttet; tatt med i erfaringsoppsummeringen."


PACKAGE_FIELDS = [
    "id",
    "project",
    "position",
    "name",
    "description",
    "role",
    "estimate_package",
    "hourly_rate",
    "sold_hours",
    "sold_amount",
    "budget_hours",
    "budget_amount",
    "starts_on",
    "ends_on",
    "remaining_hours",
    "percent_complete",
    "progress_on",
    "actual_hours",
    "version",
    "created_at",
    "updated_at",
]


def delivery(ctx: Context) -> dict[str, int]:
    """Create the handovers, projects and everything that hangs on them; return the counts."""
    return _Section(ctx).run()


# ------------------------------------------------------------------------------------------- the rows


@dataclass(frozen=True)
class Script:
    """What a scripted win is for: a handover state, or a project that runs on the day."""

    state: str  # "open", "sent_back", "run"; "history" is no script: it goes as the rules say
    ratio: float | None = None
    manager: str = "pl"  # who takes it ("": whoever the handover's rules give it to)


@dataclass(slots=True, eq=False)
class Sold:
    """A sold work package of the estimate, which the project's package copies."""

    id: int
    position: int
    name: str
    description: str
    role: str
    rate: Decimal
    hours: Decimal
    skills: list[int]


@dataclass(slots=True, eq=False)
class Exp:
    """An expectation of the opportunity, as the rules and the completeness check read it."""

    pk: int
    status: str
    customer_words: str
    acceptance_criteria: str
    agreed: bool

    @property
    def is_agreed(self) -> bool:
        return self.agreed


@dataclass(eq=False)
class Won:
    """A won opportunity with its sold estimate, team and expectations, as stored."""

    opp: Opportunity
    won_at: datetime.datetime
    price: Decimal
    packages: list[Sold]
    skills: list[int]
    team: list[tuple[int, str]]
    expectations: list[Exp]
    script: Script | None = None


@dataclass(slots=True, eq=False)
class Work:
    """A project's work package (the `ProjectPackage` row) and what is worked on it, by whom and when."""

    pk: int
    sold: Sold
    name: str
    role: str
    hourly_rate: Decimal
    sold_hours: Decimal
    sold_amount: Decimal
    budget_hours: Decimal
    budget_amount: Decimal
    final: int  # half hours it takes in the end
    remaining_hours: Decimal | None = None
    percent_complete: int | None = None
    progress_on: datetime.date | None = None
    actual_hours: Decimal = ZERO
    version: int = 1
    updated_at: datetime.datetime | None = None
    people: list[int] = field(default_factory=list)
    first: int = 0  # day offsets of its actual window
    last: int = 0
    booked: int = 0  # half hours booked up to the day
    weeks: dict[tuple[int, int], int] = field(default_factory=dict)  # (person, Monday) → half hours


@dataclass(slots=True, eq=False)
class Mile:
    """A milestone row."""

    pk: int
    name: str
    planned_on: datetime.date
    position: int
    forecast_on: datetime.date | None = None
    done_on: datetime.date | None = None
    version: int = 1
    updated_at: datetime.datetime | None = None


@dataclass(slots=True, eq=False)
class Dev:
    """A deviation row."""

    pk: int
    kind: str
    subject: str
    what: str
    owner_id: int
    numbers: dict[str, Any]
    created_at: datetime.datetime
    consequence: str = ""
    action: str = ""
    raised_by_id: int | None = None
    status: str = DeviationStatus.OPEN
    closed_at: datetime.datetime | None = None
    resolution: str = ""
    version: int = 1
    updated_at: datetime.datetime | None = None


@dataclass(eq=False)
class Run:
    """One project: its rows and what happens to it."""

    won: Won
    handover: _HandoverRows
    project: Project
    manager: Person
    ratio: float
    works: list[Work]
    started: bool
    actual_end: datetime.date
    forecast_end: datetime.date
    closed_on: datetime.date | None = None
    last_booked: int = -1  # the day offset of the last time entry
    members: dict[int, str] = field(default_factory=dict)
    milestones: list[Mile] = field(default_factory=list)
    changes: list[ChangeRequest] = field(default_factory=list)
    reports: list[tuple[Any, ...]] = field(default_factory=list)  # (id, Monday, health, comment, at)
    deviations: list[Dev] = field(default_factory=list)
    retrospective: tuple[Any, ...] | None = None
    lessons: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass(eq=False)
class _HandoverRows:
    """A handover with its checklist, questions, participants and history, before it is written."""

    handover: Handover
    won: Won
    items: list[list[Any]] = field(default_factory=list)  # [id, text, position, required, done at, by]
    questions: list[Question] = field(default_factory=list)
    participants: list[int] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    assigned: int = 0
    contacts: int = 0


# ----------------------------------------------------------------------------------------- the section


class _Section:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.today = ctx.today
        self.midnight = datetime.datetime.combine(ctx.today, datetime.time(), tzinfo=fiction.OSLO)
        self.size = ctx.size
        self.full_detail = ctx.size["projects"] <= FULL_DETAIL_UP_TO
        first = ctx.today - datetime.timedelta(days=HISTORY_DAYS + 400)
        self.base = first - datetime.timedelta(days=first.weekday())  # a Monday: offset % 7 is the weekday
        self.horizon = self.offset(ctx.today)  # no entry on or after this day
        self.days = [self.base + datetime.timedelta(days=n) for n in range(self.horizon + 800)]
        self.this_monday = self.horizon - self.horizon % 7
        self.people: dict[int, Person] = {p.pk: p for p in ctx.made["people"]}
        # A person's place among the people, for what must not depend on the ids (they go on counting
        # after `seed --reset`, and the same seed must give the same data).
        self.rank = {p.pk: n for n, p in enumerate(ctx.made["people"])}
        self.joined = {
            p.pk: self.offset(p.date_joined.astimezone(fiction.OSLO).date()) for p in self.people.values()
        }
        self.used: dict[int, bytearray] = {pk: bytearray(self.horizon + 1) for pk in self.people}
        self.experts = [p.pk for p in ctx.having(Role.EXPERT)]
        self.managers = [p.pk for p in ctx.having(Role.PROJECT_MANAGER)]
        self.delivery_managers = [p.pk for p in ctx.having(Role.DELIVERY_MANAGER)]
        self.management = [p.pk for p in ctx.having(Role.MANAGEMENT)]
        self.by_skill: dict[int, list[int]] = {}
        for person_id, skill_id, level in PersonSkill.objects.order_by("pk").values_list(
            "person_id", "skill_id", "level"
        ):
            if level >= 2 and self.people[person_id].has_role(Role.EXPERT):
                self.by_skill.setdefault(skill_id, []).append(person_id)
        self.customers: dict[int, Customer] = {c.pk: c for c in ctx.made["customers"]}
        self.difficult = {c.pk for c in ctx.made["customers"] if self.rng.random() < DIFFICULT_SHARE}
        self.customer_bias = {c.pk: self.rng.gauss(0, CUSTOMER_SPREAD) for c in ctx.made["customers"]}
        self.values = delivery_rows.Values()
        self.threshold = detection.threshold_percent()
        with translation.override(settings.LANGUAGE_CODE):
            self.auto_closed = gettext("Closed automatically: the condition no longer holds.")
        self.counts: dict[str, int] = {}
        self.entries: list[tuple[int, int, int, int, int]] = []
        self.entry_count = 0
        self.dropped = 0
        self.chunk = DAY
        self.scripts: dict[int, Script] = {}

    # -- days and moments -----------------------------------------------------------------------------

    def offset(self, day: datetime.date) -> int:
        return (day - self.base).days

    def day(self, offset: int) -> datetime.date:
        if 0 <= offset < len(self.days):
            return self.days[offset]
        return self.base + datetime.timedelta(days=offset)

    def at(self, day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
        """Return a moment on `day` (Oslo time), never on or after the day the data leads up to."""
        moment = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=fiction.OSLO)
        if moment < self.midnight:
            return moment
        return self.midnight - datetime.timedelta(minutes=self.rng.randint(5, 600))

    def office(self, day: datetime.date) -> datetime.datetime:
        """Return an office-hours moment on the workday `day` (or the Friday before it), before the day."""
        moment = fiction.moment_on(self.rng, fiction.workday(day))
        if moment < self.midnight:
            return moment
        return self.midnight - datetime.timedelta(minutes=self.rng.randint(5, 600))

    def between(self, start: datetime.datetime, end: datetime.datetime) -> datetime.datetime:
        """Return a moment after `start` and before `end` (and before the day), in office hours if it can."""
        end = min(end, self.midnight - datetime.timedelta(minutes=1))
        room = (end - start).total_seconds()
        if room <= 120:
            return end if room <= 0 else start + datetime.timedelta(seconds=room / 2)
        moment = start + datetime.timedelta(seconds=self.rng.uniform(60, room - 60))
        office = fiction.moment_on(self.rng, fiction.workday(moment.astimezone(fiction.OSLO).date()))
        return office if start < office < end else moment

    def record(
        self,
        verb: str,
        target: Any,
        actor: Person | None,
        at: datetime.datetime,
        *,
        version: int = 1,
        changes: dict[str, Any] | None = None,
        context: Any = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        self.ctx.record(
            verb, target, actor=actor, at=at, version=version, changes=changes, context=context, data=data
        )

    # -- running ------------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        template = _checklist_template(self.midnight - datetime.timedelta(days=HISTORY_DAYS + 30))
        extra = self._win_more()
        wons = self._load()
        contacts = dict(
            Contact.objects.filter(archived_at__isnull=True)
            .values_list("customer")
            .annotate(n=Count("pk"))
            .values_list("customer", "n")
        )
        self.ids = delivery_rows.Ids(
            [
                Handover,
                Question,
                ChecklistItem,
                Project,
                ProjectPackage,
                Baseline,
                Milestone,
                Deviation,
                ChangeRequest,
                StatusReport,
                Retrospective,
                Lesson,
                WeekApproval,
            ]
        )
        waiting, acknowledged = self._split(wons)
        handovers = [self._waiting(won, template, contacts) for won in waiting]
        runs = [self._start(won, template, contacts) for won in acknowledged]
        runs.sort(key=lambda r: (r.project.starts_on or self.today, r.project.pk))
        self._chunk(runs)
        writer = _Writer(self)
        with bulk.without_indexes([TimeEntry, WeekApproval, Staffing]):
            for run in runs:
                self._work(run)
                self._finish(run)
                writer.project(run)
            writer.finish(handovers)
        self.ids.finish()
        self.counts.update(
            {
                "won history": extra,
                "handovers": len(handovers) + len(runs),
                "waiting": len(handovers),
                "projects": len(runs),
                "running": sum(1 for r in runs if r.project.status != ProjectStatus.CLOSED),
                "active": sum(1 for r in runs if r.project.status == ProjectStatus.ACTIVE),
                "closed": sum(1 for r in runs if r.project.status == ProjectStatus.CLOSED),
                "time entries": self.entry_count,
                "hours not booked": self.dropped // 2,
            }
        )
        return self.counts

    # -- more won opportunities ---------------------------------------------------------------------

    def _win_more(self) -> int:
        """Win the scripted opportunities, and history and running work if the pipeline's wins are too few."""
        builder = pipeline_data._Builder(self.ctx, StageSetting.current())
        plans = self._scripted(builder)
        won = Opportunity.objects.filter(stage=Stage.WON, sold_estimate__isnull=False).values_list(
            "decided_on", "expected_start", "duration_weeks"
        )
        recent = self.today - datetime.timedelta(days=WAITING_DAYS)
        pipeline_projects = running = 0
        for decided, start, weeks in won:
            if decided is None or decided > recent:
                continue
            pipeline_projects += 1
            if start is not None and start <= self.today <= start + datetime.timedelta(weeks=weeks or 1):
                running += 1
        scripted = sum(1 for _plan, script in plans if script.state == "run")
        active = max(0, self.size["active projects"] - running - scripted)
        history = max(0, self.size["projects"] - pipeline_projects - scripted - active)
        plans += [
            (self._random_plan(builder, active=True), Script("run", manager="")) for _n in range(active)
        ]
        plans += [(self._random_plan(builder, active=False), Script("history")) for _n in range(history)]
        for plan, _script in plans:
            builder.walk(plan)
        ordered = sorted((plan for plan, _script in plans), key=lambda plan: plan.steps[0][1])
        ids = pipeline_rows.Ids()
        made: list[Opportunity] = []
        with pipeline_rows.Summaries() as summaries:
            for first in range(0, len(ordered), pipeline_data.CHUNK):
                made.extend(builder.insert(ordered[first : first + pipeline_data.CHUNK], summaries, ids))
        ids.finish()
        self.ctx.made["opportunities"] = [*self.ctx.made.get("opportunities", []), *made]
        by_plan = {id(plan): opportunity for plan, opportunity in zip(ordered, made, strict=True)}
        self.scripts = {by_plan[id(plan)].pk: script for plan, script in plans if script.state != "history"}
        return len(made)

    def _scripted(self, builder: Any) -> list[tuple[Any, Script]]:
        """The demo seller's wins: handovers waiting in each state, and projects for `pl` to run."""
        ctx, today = self.ctx, self.today
        selger, pl, leveranse, fag = (ctx.demo(name) for name in ("selger", "pl", "leveranse", "fag"))
        mine = sorted((c for c in builder.customers if c.account_owner == selger), key=lambda c: c.created_at)
        old = [c for c in mine if (today - c.created_at.date()).days > 200] or mine
        if not old:
            return []
        customers = iter(old * 3)
        expert = builder.expert_for("Arkitektur", at_least=3, avoid=[fag, selger])

        def plan(
            project_type: str, title: str, days_ago: int, script: Script, team: list[Any], target: int = 0
        ) -> tuple[Any, Script]:
            customer = next(customers)
            return (
                pipeline_data.Plan(
                    customer=customer,
                    owner=selger,
                    stage=Stage.WON,
                    project_type=project_type,
                    title=title.format(customer=pipeline_data._short(customer)),
                    target=target or pipeline_words.PACKAGES[project_type][0],
                    review=pipeline_data.APPROVED,
                    decided=today - datetime.timedelta(days=days_ago),
                    team=[(selger, TeamRole.SELLER), *team],
                ),
                script,
            )

        manager, lead = TeamRole.PROJECT_MANAGER, TeamRole.SOLUTION_LEAD
        # The projects to run are big enough (the price gives the weeks) to be about halfway on the day.
        return [
            plan(
                ProjectType.DEVELOPMENT,
                "Ny intranettløsning for {customer}",
                4,
                Script("open"),
                [(pl, manager), (expert, lead)],
            ),
            plan(
                ProjectType.INTEGRATION,
                "Integrasjon mot lønnssystemet",
                6,
                Script("open", manager=""),
                [(fag, lead)],
            ),
            plan(
                ProjectType.DATA,
                "Nøkkeltall for ledelsen i Power BI",
                9,
                Script("sent_back"),
                [(pl, manager)],
            ),
            plan(
                ProjectType.DEVELOPMENT,
                "Ny søknadsportal for {customer}",
                75,
                Script("run", ratio=1.55),
                [(pl, manager), (fag, lead)],
                target=1_600_000,
            ),
            plan(
                ProjectType.INTEGRATION,
                "Integrasjonsplattform for {customer}",
                85,
                Script("run", ratio=1.2),
                [(pl, manager), (expert, lead)],
                target=1_500_000,
            ),
            plan(
                ProjectType.ADVISORY,
                "Gevinstrealisering i digitaliseringsprogrammet for {customer}",
                60,
                Script("run", ratio=0.95),
                [(pl, manager)],
                target=1_000_000,
            ),
            plan(
                ProjectType.INFRASTRUCTURE,
                "Skyplattform i Azure for {customer}",
                100,
                Script("run", ratio=1.3, manager="leveranse"),
                [(leveranse, manager), (fag, lead)],
                target=1_800_000,
            ),
            plan(
                ProjectType.DESIGN,
                "Tjenestedesign av innbyggerdialogen i {customer}",
                25,
                Script("run", ratio=1.1),
                [(pl, manager)],
                target=800_000,
            ),
        ]

    def _random_plan(self, builder: Any, *, active: bool) -> Any:
        """A won opportunity of the firm's past (closed by now) or of the last months (running now)."""
        rng, today = self.rng, self.today
        decided: datetime.date | None = None
        if active:
            decided = today - datetime.timedelta(days=rng.randint(WAITING_DAYS + 14, 120))
        else:
            latest = today - datetime.timedelta(days=150)
            for _attempt in range(20):  # the pipeline's spread of decisions over the years, if it has one
                drawn = builder.decision_day() if hasattr(builder, "decision_day") else None
                if drawn is not None and drawn <= latest:
                    decided = drawn
                    break
            if decided is None:
                decided = today - datetime.timedelta(days=rng.randint(150, HISTORY_DAYS - 60))
        room = decided - datetime.timedelta(days=pipeline_data.ROOM_BEFORE_DECISION)
        known = [c for c in builder.by_age if c.created_at.date() <= room]
        customer = rng.choice(known or builder.by_age[:1])
        owner = customer.account_owner if rng.random() < 0.85 else rng.choice(builder.sellers)
        technical = customer.industry in pipeline_data.TECHNICAL_INDUSTRIES
        project_type = pipeline_data._weighted(
            rng,
            pipeline_data.PROJECT_MIX
            | ({ProjectType.ENGINEERING: 45} if technical else {ProjectType.ENGINEERING: 4}),
        )
        median = pipeline_words.PACKAGES[project_type][0] * (RUNNING_SCALE if active else HISTORY_SCALE)
        target = round(min(25_000_000, max(120_000, median * rng.lognormvariate(0, 0.5))), -4)
        return pipeline_data.Plan(
            customer=customer,
            owner=owner,
            stage=Stage.WON,
            project_type=project_type,
            target=int(target),
            review=pipeline_data._weighted(rng, {pipeline_data.APPROVED: 60, pipeline_data.CHANGES: 40}),
            revised=rng.random() < 0.15,
            decided=decided,
        )

    # -- loading ---------------------------------------------------------------------------------------

    def _load(self) -> list[Won]:
        """Load the won opportunities with a sold estimate, their packages, skills, team and expectations."""
        won = Opportunity.objects.filter(stage=Stage.WON, sold_estimate__isnull=False)
        sold_ids = Subquery(won.values("sold_estimate_id"))
        skills: dict[int, list[int]] = {}
        for package_id, skill_id in WorkPackage.skills.through.objects.filter(
            workpackage__estimate__in=sold_ids
        ).values_list("workpackage_id", "skill_id"):
            skills.setdefault(package_id, []).append(skill_id)
        packages: dict[int, list[Sold]] = {}
        for pk, estimate_id, position, name, description, role, rate, hours in (
            WorkPackage.objects.filter(estimate__in=sold_ids)
            .order_by("estimate_id", "position", "pk")
            .values_list(
                "pk",
                "estimate_id",
                "position",
                "name",
                "description",
                "role",
                "hourly_rate",
                "expected_hours",
            )
        ):
            packages.setdefault(estimate_id, []).append(
                Sold(pk, position, name, description, role, rate, hours, skills.get(pk, []))
            )
        required: dict[int, list[int]] = {}
        for opportunity_id, skill_id in Opportunity.required_skills.through.objects.filter(
            opportunity__stage=Stage.WON
        ).values_list("opportunity_id", "skill_id"):
            required.setdefault(opportunity_id, []).append(skill_id)
        team: dict[int, list[tuple[int, str]]] = {}
        for opportunity_id, person_id, role in (
            TeamMember.objects.filter(opportunity__stage=Stage.WON)
            .order_by("pk")
            .values_list("opportunity_id", "person_id", "role")
        ):
            team.setdefault(opportunity_id, []).append((person_id, role))
        calm = [pk for pk, script in self.scripts.items() if script.ratio is not None and script.ratio <= 1.1]
        # The demo's projects that go well: their customers are content so far.
        Expectation.objects.filter(opportunity__in=calm, status__in=detection.TROUBLED_EXPECTATIONS).update(
            status=ExpectationStatus.OPEN, version=1, updated_at=F("created_at")
        )
        expectations: dict[int, list[Exp]] = {}
        for pk, opportunity_id, status, customer_words, criteria, agreed_by, agreed_with in (
            Expectation.objects.filter(opportunity__stage=Stage.WON)
            .order_by("position", "pk")
            .values_list(
                "pk",
                "opportunity_id",
                "status",
                "customer_words",
                "acceptance_criteria",
                "agreed_by_id",
                "agreed_with_id",
            )
        ):
            agreed = agreed_by is not None or agreed_with is not None
            expectations.setdefault(opportunity_id, []).append(
                Exp(pk, status, customer_words, criteria, agreed)
            )
        fields = [
            "pk",
            "customer_id",
            "agreement_id",
            "owner_id",
            "title",
            "description",
            "project_type",
            "contract_type",
            "tags",
            "value",
            "confidential",
            "expected_start",
            "duration_weeks",
            "decided_on",
            "stage_changed_at",
            "sold_estimate_id",
        ]
        found = []
        for values in won.order_by("stage_changed_at", "pk").values_list(*fields, "sold_estimate__price"):
            opp = Opportunity(**dict(zip(fields, values[:-1], strict=True)), stage=Stage.WON)
            found.append(
                Won(
                    opp,
                    opp.stage_changed_at or self.midnight - ONE_WEEK,
                    values[-1] or ZERO,
                    packages.get(opp.sold_estimate_id or 0, []),
                    required.get(opp.pk, []),
                    team.get(opp.pk, []),
                    expectations.get(opp.pk, []),
                    self.scripts.get(opp.pk),
                )
            )
        return found

    def _split(self, wons: list[Won]) -> tuple[list[Won], list[Won]]:
        """Return the wins whose handover still waits (the recent ones), and those acknowledged."""
        recent = self.today - datetime.timedelta(days=WAITING_DAYS)

        def waits(won: Won) -> bool:
            if won.script is not None:
                return won.script.state != "run"
            return (won.opp.decided_on or self.today) > recent

        waiting = [won for won in wons if waits(won)]
        return waiting, [won for won in wons if not waits(won)]

    # -- handovers ------------------------------------------------------------------------------------

    def _handover(self, won: Won, template: list[tuple[str, int, bool]]) -> _HandoverRows:
        """The handover `open_handover` opens on the win: the team's first project manager candidate."""
        opp = won.opp
        candidate = next((p for p, role in won.team if role == TeamRole.PROJECT_MANAGER), None)
        handover = Handover(
            pk=self.ids.take(Handover),
            opportunity=opp,
            state=HandoverState.OPEN,
            seller_id=opp.owner_id,
            project_manager_id=candidate,
            created_at=won.won_at,
            updated_at=won.won_at,
        )
        rows = _HandoverRows(handover, won)
        rows.items = [
            [self.ids.take(ChecklistItem), text, position, required, None, None]
            for text, position, required in template
        ]
        return rows

    def _tick(
        self, rows: _HandoverRows, share: float, start: datetime.datetime, end: datetime.datetime
    ) -> None:
        for item in rows.items:
            if self.rng.random() < share:
                item[4] = self.between(start, end)
                item[5] = rows.assigned or rows.handover.project_manager_id or rows.handover.seller_id

    def _waiting(
        self, won: Won, template: list[tuple[str, int, bool]], contacts: dict[int, int]
    ) -> _HandoverRows:
        """A handover not acknowledged yet: being prepared, or sent back with questions to the seller."""
        rng, opp, script = self.rng, won.opp, won.script
        rows = self._handover(won, template)
        handover = rows.handover
        if script is not None and script.state and not script.manager:
            handover.project_manager_id = None
        elif handover.project_manager_id is None and rng.random() > UNTAKEN_SHARE:
            rows.assigned = self._manager_for(won, won.won_at.astimezone(fiction.OSLO).date()).pk
        won_at, now = won.won_at, self.midnight - datetime.timedelta(hours=8)
        if script is not None and script.state in (HandoverState.OPEN, HandoverState.SENT_BACK):
            state = script.state
        else:
            taken = rows.assigned or handover.project_manager_id  # nobody sends back what nobody took
            state = (
                HandoverState.SENT_BACK if taken and rng.random() < SENT_BACK_SHARE else HandoverState.OPEN
            )
        self._tick(rows, rng.uniform(0.2, 0.6) if script is not None else rng.uniform(0.2, 0.9), won_at, now)
        self._opened(rows)
        if rows.assigned:
            self._assign(rows, self.between(won_at, now))
        if state == HandoverState.SENT_BACK or (script is None and rng.random() < 0.5):
            self._meeting(rows, self.between(won_at, now))
        if state == HandoverState.SENT_BACK:
            texts = rng.sample(words.HANDOVER_QUESTIONS_OPEN, k=rng.randint(1, 2))
            self._send_back(rows, texts, self.between(won_at, now), answers=None)
        rows.contacts = contacts.get(opp.customer_id, 0)
        return rows

    def _opened(self, rows: _HandoverRows) -> None:
        handover, opp = rows.handover, rows.won.opp
        changes = {
            "state": _values(None, handover.state, "", str(HandoverState(handover.state).label)),
            "seller": _values(None, handover.seller_id, "", self.people[handover.seller_id].name),
        }
        manager = self.people.get(handover.project_manager_id or 0)
        if manager is not None:
            changes["project_manager"] = _values(None, manager.pk, "", manager.name)
        rows.events.append(
            (
                "handover.opened",
                handover,
                self.people[opp.owner_id],
                rows.won.won_at,
                changes,
                opp,
                {"checklist_items": len(rows.items)},
            )
        )

    def _assign(self, rows: _HandoverRows, at: datetime.datetime) -> None:
        """A delivery manager gives the handover to a project manager (`handover.assigned`)."""
        handover, person = rows.handover, self.people[rows.assigned]
        before = handover.project_manager_id
        before_text = self.people[before].name if before else ""
        handover.project_manager_id = person.pk
        actor = self.people[self.rng.choice(self.delivery_managers or [person.pk])]
        rows.events.append(
            (
                "handover.assigned",
                handover,
                actor,
                at,
                {"project_manager": _values(before, person.pk, before_text, person.name)},
                rows.won.opp,
                {},
            )
        )

    def _meeting(self, rows: _HandoverRows, at: datetime.datetime) -> None:
        """The handover meeting is booked a few days ahead, with the seller, the manager and the lead."""
        handover, rng = rows.handover, self.rng
        day = fiction.workday(at.astimezone(fiction.OSLO).date() + datetime.timedelta(days=rng.randint(1, 5)))
        meeting = datetime.datetime.combine(
            day, datetime.time(rng.choice([9, 10, 13, 14])), tzinfo=fiction.OSLO
        )
        people = [handover.seller_id]
        manager = rows.assigned or handover.project_manager_id
        if manager and manager not in people:
            people.append(manager)
        people += [p for p, role in rows.won.team if role == TeamRole.SOLUTION_LEAD and p not in people]
        handover.meeting_on = meeting
        rows.participants = people
        names = ", ".join(sorted(self.people[p].name for p in people))
        rows.events.append(
            (
                "handover.meeting_set",
                handover,
                self.people[manager or handover.seller_id],
                at,
                {
                    "meeting_on": _values(None, meeting.isoformat(), "", event_values.shown(meeting)),
                    "participants": _values([], sorted(people), "—", names),
                },
                rows.won.opp,
                {},
            )
        )

    def _send_back(
        self,
        rows: _HandoverRows,
        texts: list[str],
        asked: datetime.datetime,
        answers: list[tuple[str, datetime.datetime]] | None,
    ) -> None:
        """The project manager sends the handover back with questions; the seller may have answered."""
        handover, opp = rows.handover, rows.won.opp
        asker = rows.assigned or handover.project_manager_id or self.rng.choice(self.delivery_managers)
        questions = [
            Question(pk=self.ids.take(Question), handover=handover, text=t, asked_by_id=asker, asked_at=asked)
            for t in texts
        ]
        rows.questions += questions
        rows.events.append(
            (
                "handover.sent_back",
                handover,
                self.people[asker],
                asked,
                change(handover, "state", HandoverState.OPEN, HandoverState.SENT_BACK),
                opp,
                {"questions": texts, "question_ids": [q.pk for q in questions]},
            )
        )
        if answers is None:
            handover.state = HandoverState.SENT_BACK
            return
        seller = self.people[handover.seller_id]
        for question, (answer, at) in zip(questions, answers, strict=True):
            question.answer, question.answered_by_id, question.answered_at = answer, seller.pk, at
            rows.events.append(
                (
                    "handover.question_answered",
                    question,
                    seller,
                    at,
                    {"answer": _values(None, answer, "", answer)},
                    handover,
                    {},
                )
            )
        rows.events.append(
            (
                "handover.answered",
                handover,
                seller,
                answers[-1][1],
                change(handover, "state", HandoverState.SENT_BACK, HandoverState.OPEN),
                opp,
                {},
            )
        )

    def _manager_for(self, won: Won, on: datetime.date) -> Person:
        """The project manager a delivery manager gives a handover without a candidate to."""
        customer = self.customers.get(won.opp.customer_id)
        lead = customer.delivery_lead if customer is not None else None
        start = self.offset(on)
        if (
            lead is not None
            and lead.has_role(Role.PROJECT_MANAGER, Role.DELIVERY_MANAGER)
            and self.joined[lead.pk] <= start
            and self.rng.random() < 0.6
        ):
            return lead
        return self.people[self._least_loaded(self.managers or self.delivery_managers, start, start + 60)]

    # -- projects ---------------------------------------------------------------------------------------

    def _start(self, won: Won, template: list[tuple[str, int, bool]], contacts: dict[int, int]) -> Run:
        """Acknowledge the handover and start the project, as the handover's acknowledge action does."""
        rng, opp, script = self.rng, won.opp, won.script
        rows = self._handover(won, template)
        handover = rows.handover
        won_at = won.won_at
        won_day = won_at.astimezone(fiction.OSLO).date()
        start = opp.expected_start or won_day + 3 * ONE_WEEK
        latest = min(start - ONE_DAY, self.today - ONE_DAY)
        span = max(2, min(16, (latest - won_day).days))
        ack_at = self.office(
            min(won_day + datetime.timedelta(days=rng.randint(2, span)), max(latest, won_day))
        )
        if ack_at <= won_at:
            ack_at = min(won_at + datetime.timedelta(hours=rng.randint(2, 30)), self.midnight - ONE_DAY / 3)
        if script is not None and script.manager and script.state == "run":
            manager = self.ctx.demo(script.manager)
            if handover.project_manager_id != manager.pk:
                rows.assigned = manager.pk
        elif handover.project_manager_id is None:
            rows.assigned = self._manager_for(won, won_day).pk
        manager = self.people[rows.assigned or handover.project_manager_id or 0]
        self._tick(rows, 0.9, won_at, ack_at)
        self._opened(rows)
        if rows.assigned:
            self._assign(rows, self.between(won_at, ack_at))
        if rng.random() < 0.92:
            self._meeting(rows, self.between(won_at, ack_at))
        if rng.random() < 0.25:
            asked = self.between(won_at, ack_at)
            pairs = rng.sample(words.HANDOVER_QA, k=rng.randint(1, 2))
            moments = sorted(self.between(asked, ack_at) for _pair in pairs)
            answers = [(answer, at) for (_q, answer), at in zip(pairs, moments, strict=True)]
            self._send_back(rows, [q for q, _a in pairs], asked, answers)
        notes = rng.choice(words.HANDOVER_NOTES) if rng.random() < 0.5 else ""
        if notes:
            handover.notes = notes
            rows.events.append(
                (
                    "handover.notes_written",
                    handover,
                    self.people[handover.seller_id],
                    self.between(won_at, ack_at),
                    change(handover, "notes", "", notes),
                    opp,
                    {},
                )
            )
        rows.contacts = contacts.get(opp.customer_id, 0)
        project = self._project(won, manager, ack_at)
        score = self._score(rows)
        before = {
            name: getattr(handover, name) for name in ("state", "acknowledged_at", "acknowledged_score")
        }
        handover.state = HandoverState.ACKNOWLEDGED
        handover.acknowledged_at, handover.acknowledged_by = ack_at, manager
        handover.project = project
        handover.acknowledged_score = score.score
        handover.acknowledged_missing = [m.as_dict() for m in score.missing]
        changes: dict[str, Any] = {}
        for name, old in before.items():
            changes |= change(handover, name, old, getattr(handover, name))
        changes |= change(handover, "acknowledged_by", None, manager)
        changes |= change(handover, "project", None, project)
        rows.events.append(
            (
                "handover.acknowledged",
                handover,
                manager,
                ack_at,
                changes,
                opp,
                {
                    "completeness": score.score,
                    "missing": handover.acknowledged_missing,
                    "project_id": project.pk,
                },
            )
        )
        return self._plan(won, rows, project, manager)

    def _score(self, rows: _HandoverRows) -> Any:
        """The handover's completeness when it is acknowledged, as `handover.completeness` scores it."""
        handover, won = rows.handover, rows.won
        items = [
            SimpleNamespace(
                pk=pk, label=_label(text), required=required, is_done=done is not None, done_at=done
            )
            for pk, text, _position, required, done, _by in rows.items
        ]
        opportunity = SimpleNamespace(
            sold_estimate_id=won.opp.sold_estimate_id,
            sold_estimate=SimpleNamespace(price=won.price),
            value=won.opp.value,
            contract_type=won.opp.contract_type,
        )
        expectations = won.expectations
        facts = SimpleNamespace(
            opportunity=opportunity,
            project_manager_id=rows.assigned or handover.project_manager_id,
            meeting_on=handover.meeting_on,
            checklist_required=sum(1 for i in items if i.required),
            checklist_open=sum(1 for i in items if i.required and not i.is_done),
            expectation_count=len(expectations),
            expectations_without_criteria=sum(1 for e in expectations if not e.acceptance_criteria),
            expectations_not_agreed=sum(1 for e in expectations if not e.is_agreed),
            baseline_packages=len(won.packages),
            contact_count=rows.contacts,
            open_questions=sum(1 for q in rows.questions if q.answered_at is None),
            participant_count=len(rows.participants),
        )
        with translation.override(settings.LANGUAGE_CODE):
            return handover_completeness.completeness(
                facts, checklist=cast(Any, items), expectations=cast(Any, expectations)
            )

    def _project(self, won: Won, manager: Person, at: datetime.datetime) -> Project:
        """The project `create_project_from_opportunity` starts."""
        opp = won.opp
        start = opp.expected_start
        end = start + datetime.timedelta(weeks=opp.duration_weeks) if start and opp.duration_weeks else None
        return Project(
            pk=self.ids.take(Project),
            customer_id=opp.customer_id,
            opportunity=opp,
            agreement_id=opp.agreement_id,
            title=opp.title,
            description=opp.description,
            project_type=opp.project_type,
            contract_type=opp.contract_type,
            tags=list(opp.tags or []),
            price=won.price or opp.value,
            manager=manager,
            seller_id=opp.owner_id,
            status=ProjectStatus.PLANNED,
            confidential=opp.confidential,
            starts_on=start,
            ends_on=end,
            created_by_id=manager.pk,
            created_at=at,
            updated_at=at,
        )

    def _ratio(self, won: Won) -> float:
        """Actual ÷ sold hours for the project: right-skewed, by project type and customer."""
        rng, opp = self.rng, won.opp
        if won.script is not None and won.script.ratio is not None:
            return won.script.ratio
        mu = OVERRUN + TYPE_BIAS.get(opp.project_type, 0.0) + self.customer_bias.get(opp.customer_id, 0.0)
        if opp.customer_id in self.difficult:
            mu += DIFFICULT_BIAS
        log = rng.gauss(mu, SPREAD)
        if rng.random() < TAIL_SHARE:
            log += rng.uniform(*TAIL)
        return min(4.0, max(0.55, math.exp(log)))

    def _plan(self, won: Won, rows: _HandoverRows, project: Project, manager: Person) -> Run:
        """Decide how the project goes: its packages' final hours, its end, its status on the day."""
        rng, script = self.rng, won.script
        ratio = self._ratio(won)
        start = project.starts_on or self.today
        planned_days = max(7, ((project.ends_on or start + 6 * ONE_WEEK) - start).days)
        slip = max(0.85, 1 + 0.8 * (ratio - 1) + rng.gauss(0, 0.08))
        actual_end = start + datetime.timedelta(days=max(7, round(planned_days * slip)))
        forecast_slip = 1 + (slip - 1) * rng.uniform(0.5, 1.0)
        forecast_end = start + datetime.timedelta(days=max(7, round(planned_days * forecast_slip)))
        started = start < self.today
        keep_running = script is not None and script.state == "run"
        if not started:
            status = ProjectStatus.PLANNED
        elif actual_end < self.today - 3 * ONE_DAY and not keep_running:
            status = ProjectStatus.CLOSED
        elif rng.random() < 0.03 and script is None:
            status = ProjectStatus.ON_HOLD
        else:
            status = ProjectStatus.ACTIVE
        if status != ProjectStatus.CLOSED and actual_end < self.today:
            actual_end = self.today + datetime.timedelta(days=rng.randint(7, 30))
            forecast_end = max(forecast_end, actual_end - datetime.timedelta(days=rng.randint(0, 7)))
        project.status = status
        project.version = 1 + (1 if started else 0) + (1 if status == ProjectStatus.ON_HOLD else 0)
        works = []
        for sold in won.packages:
            if sold.role in (Role.PROJECT_MANAGER, Role.DELIVERY_MANAGER):
                package_ratio = (ratio + slip) / 2  # managing takes as long as the project does
            else:
                package_ratio = ratio * math.exp(rng.gauss(0, PACKAGE_SPREAD))
            amount = (sold.hours * sold.rate).quantize(CENT)
            works.append(
                Work(
                    pk=self.ids.take(ProjectPackage),
                    sold=sold,
                    name=sold.name,
                    role=sold.role,
                    hourly_rate=sold.rate or ZERO,
                    sold_hours=sold.hours,
                    sold_amount=amount,
                    budget_hours=sold.hours,
                    budget_amount=amount,
                    final=max(1, round(float(sold.hours) * 2 * package_ratio)),
                    updated_at=project.created_at,
                )
            )
        run = Run(won, rows, project, manager, ratio, works, started, actual_end, forecast_end)
        if status == ProjectStatus.CLOSED:
            closed_on = fiction.workday(actual_end + datetime.timedelta(days=rng.randint(2, 20)))
            run.closed_on = min(self.today - ONE_DAY, closed_on)
        run.members = {manager.pk: ProjectRole.PROJECT_MANAGER}
        run.members.setdefault(won.opp.owner_id, ProjectRole.SELLER)
        for person_id, role in won.team:
            run.members.setdefault(
                person_id, ProjectRole.SELLER if role == TeamRole.SELLER else ProjectRole.MEMBER
            )
        return run

    # -- booking the hours -------------------------------------------------------------------------

    def _chunk(self, runs: list[Run]) -> None:
        """Size the first round of each day's booking so the size gets about its number of time entries."""
        total = 0.0
        for run in runs:
            if not run.started:
                continue
            start = run.project.starts_on or self.today
            span = max(1, (run.actual_end - start).days)
            done = min(1.0, max(0.0, (self.today - start).days / span))
            total += sum(w.final for w in run.works) * done
        wanted = max(1, self.size["time entries"])
        self.chunk = max(4, min(DAY, round(total / wanted)))

    def _least_loaded(self, pool: Sequence[int], first: int, last: int, *, avoid: Iterable[int] = ()) -> int:
        """Return the one of a few drawn from `pool` who has the least booked from `first` to `last`,
        preferring people who had joined by `first`."""
        rng, used = self.rng, self.used
        first, last = max(0, first), min(self.horizon, max(first, last))
        best, best_load = -1, -1
        for n in range(5):
            person = rng.choice(pool)
            if person in avoid or (self.joined[person] > first and n < 4):
                continue
            load = sum(used[person][first : last + 1])
            if best < 0 or load < best_load:
                best, best_load = person, load
        return best if best >= 0 else rng.choice(pool)

    def _free(self, person: int, first: int, last: int) -> int:
        """Return the half hours of normal working days `person` has left from `first` to `last`."""
        last = min(last, self.horizon - 1)
        if last < first:
            return 0
        return _weekdays(first, last) * DAY - sum(self.used[person][first : last + 1])

    def _people_for(self, run: Run, work: Work) -> list[tuple[int, int]]:
        """Who works on a package, with how much each can take: the project manager on managing it, the
        delivery lead or management on theirs, and on the rest as many experts with the skill as it
        takes to do it in normal working days where there are such."""
        role, first, last = work.role, work.first, work.last
        if role == Role.PROJECT_MANAGER:
            return [(run.manager.pk, 1)]
        if role == Role.DELIVERY_MANAGER:
            customer = self.customers.get(run.project.customer_id)
            lead = customer.delivery_lead if customer is not None else None
            if lead is not None and lead.has_role(Role.DELIVERY_MANAGER):
                return [(lead.pk, 1)]
            return [(self._least_loaded(self.delivery_managers or self.managers, first, last), 1)]
        if role == Role.MANAGEMENT:
            return [(self._least_loaded(self.management or self.managers, first, last), 1)]
        pool = self.by_skill.get(work.sold.skills[0] if work.sold.skills else 0) or self.experts
        team = [p for p, r in run.won.team if r in (TeamRole.SOLUTION_LEAD, TeamRole.EXPERT)]
        weekdays = _weekdays(first, min(last, self.horizon - 1))
        room = max(DAY, weekdays * DAY)
        # As many people as take a normal week's share each (and one more when people are busy).
        most = min(MOST_PEOPLE, math.ceil(work.final / max(DAY, weekdays * DAY * 4 // 5)) + 1)
        chosen: list[tuple[int, int]] = []
        taken: set[int] = set()
        need = work.final
        if team and self.rng.random() < 0.6:
            person = self.rng.choice(team)
            free = self._free(person, first, last)
            if free >= room // 2:
                chosen.append((person, free))
                taken.add(person)
                need -= free
        while need > 0 and len(chosen) < MOST_PEOPLE:
            person = self._least_loaded(pool, first, last, avoid=taken)
            free = self._free(person, first, last) if person not in taken else -1
            if free < room // 3:
                other = self._least_loaded(self.experts, first, last, avoid=taken)
                other_free = self._free(other, first, last) if other not in taken else -1
                if other_free > free:
                    person, free = other, other_free
            if person in taken or (len(chosen) >= most and free < room // 4):
                break  # beyond the usual number, only people with room to spare join
            chosen.append((person, max(free, DAY)))
            taken.add(person)
            need -= max(free, 0)
        return chosen or [(self.rng.choice(self.experts), 1)]

    def _windows(self, run: Run) -> None:
        """Each package's actual days: expert packages one after another, overlapping; managing all along."""
        start = self.offset(run.project.starts_on or self.today)
        end = self.offset(run.actual_end)
        span = max(5, end - start)
        experts = [w for w in run.works if w.role == Role.EXPERT]
        n = max(1, len(experts))
        for work in run.works:
            work.first, work.last = start, end
        for k, work in enumerate(experts):
            begin = 0.6 * k / n
            work.first = start + round(span * begin)
            work.last = max(work.first + 4, start + round(span * min(1.0, begin + 0.4 + 0.6 / n)))

    def _work(self, run: Run) -> None:
        """Book the hours worked up to the day (a closed project's all), person by person."""
        self._windows(run)
        if not run.started:
            return
        project = run.project
        until = self.horizon - 1
        if project.status == ProjectStatus.CLOSED:
            # When the people are busy the work takes longer: up to four weeks past the planned end.
            until = min(self.horizon - 4, self.offset(run.actual_end) + 28)
        elif project.status == ProjectStatus.ON_HOLD:
            until = min(until, self.horizon - 7 * self.rng.randint(3, 6))
        for work in run.works:
            shares = self._people_for(run, work)
            work.people = [person for person, _share in shares]
            weight = sum(share for _person, share in shares)
            given = 0
            for n, (person, share) in enumerate(shares):
                units = work.final - given if n == len(shares) - 1 else work.final * share // weight
                given += units
                left = self._book(run, work, person, units, until)
                if project.status == ProjectStatus.CLOSED:
                    self.dropped += left
                run.members.setdefault(person, ProjectRole.MEMBER)
        if project.status == ProjectStatus.CLOSED:
            for work in run.works:
                work.final = work.booked  # what was booked is what it took
            if run.last_booked > self.offset(run.actual_end):
                run.actual_end = self.day(run.last_booked)
                if run.closed_on is not None and run.closed_on <= run.actual_end:
                    closed_on = fiction.workday(
                        run.actual_end + datetime.timedelta(days=self.rng.randint(2, 9))
                    )
                    run.closed_on = min(self.today - ONE_DAY, max(closed_on, run.actual_end + ONE_DAY))

    def _book(self, run: Run, work: Work, person: int, units: int, until: int) -> int:
        """Book `units` half hours of `person` on the package's weekdays up to `until`; return what did
        not fit (a closed project's only: a running one's is the work still to do).

        The hours go evenly over the package's weeks, at most a normal day's on a day; what does not fit
        moves on to the next week (a closed project's to a few weeks after the package's end). Only what
        then still does not fit is booked as longer days (`CAPS`). One entry per day.
        """
        used = self.used[person]
        first, last = work.first, work.last
        closing = run.project.status == ProjectStatus.CLOSED
        end = min(until, last)
        mondays = list(range(first - first % 7, last + 1, 7))
        planned = max(1, len(mondays))
        if closing and mondays:
            later = list(range(mondays[-1] + 7, until + 1, 7))[:4]
            if later:
                mondays += later
                end = until
        per, extra = divmod(units, planned)
        rot = (self.rank[person] + work.pk) % 5
        chunk = self.chunk
        placed: dict[int, int] = {}
        spans: list[tuple[int, int]] = []
        carry = 0
        for i, monday in enumerate(mondays):
            share = per + (1 if i < extra else 0) if i < planned else 0
            lo, hi = max(monday, first), min(monday + 4, end)
            if lo > hi:
                if monday <= end:
                    carry += share
                continue
            spans.append((lo, hi))
            left = carry + share
            days = hi - lo + 1
            for limit in (chunk, DAY):
                for k in range(days):
                    if not left:
                        break
                    day = lo + (rot + k) % days
                    free = DAY - used[day]
                    if free <= 0:
                        continue
                    take = min(left, free, limit)
                    used[day] += take
                    placed[day] = placed.get(day, 0) + take
                    left -= take
            carry = left
        for cap in CAPS:  # what still does not fit is done in longer days
            if not carry:
                break
            for lo, hi in spans:
                for day in range(lo, hi + 1):
                    if not carry:
                        break
                    free = cap - used[day]
                    if free > 0:
                        take = min(carry, free)
                        used[day] += take
                        placed[day] = placed.get(day, 0) + take
                        carry -= take
        project_id, package_id, sink, weeks = run.project.pk, work.pk, self.entries, work.weeks
        booked = 0
        if placed:
            run.last_booked = max(run.last_booked, max(placed))
        for day, on_day in placed.items():
            sink.append((project_id, package_id, person, day, on_day))
            monday = day - day % 7
            weeks[(person, monday)] = weeks.get((person, monday), 0) + on_day
            booked += on_day
        work.booked += booked
        return carry if closing else 0

    # -- what the project manager keeps current -------------------------------------------------------

    def _finish(self, run: Run) -> None:
        """Everything after the hours: changes, progress, milestones, reports, deviations, closing."""
        self._changes(run)
        self._progress(run)
        self._milestones(run)
        self._reports(run)
        self._deviations(run)
        self._totals(run)
        if run.project.status == ProjectStatus.CLOSED:
            self._close(run)

    def _moment_in(self, run: Run, share: float) -> datetime.datetime:
        """Return an office-hours moment `share` of the way through the project so far."""
        start = run.project.starts_on or self.today
        end = min(run.actual_end, self.today - ONE_DAY)
        return self.office(start + datetime.timedelta(days=round(max(0, (end - start).days) * share)))

    def _changes(self, run: Run) -> None:
        """Change requests: in every state on running projects, decided on closed ones."""
        rng, project, script = self.rng, run.project, run.won.script
        experts = [w for w in run.works if w.role == Role.EXPERT]
        if not run.started or not experts:
            return
        if script is not None and script.ratio is not None and script.ratio >= 1.5:
            states = [ChangeState.ACCEPTED, ChangeState.SENT, ChangeState.DRAFT]
        elif script is not None and script.ratio is not None and script.ratio >= 1.2:
            states = [ChangeState.REJECTED]
        else:
            chance = 0.2 + (0.25 if run.ratio > 1.3 else 0.0)
            count = (1 if rng.random() < chance else 0) + (1 if rng.random() < chance / 4 else 0)
            if project.status == ProjectStatus.CLOSED:
                pool = {ChangeState.ACCEPTED: 65, ChangeState.REJECTED: 35}
            else:
                pool = {
                    ChangeState.DRAFT: 20,
                    ChangeState.SENT: 25,
                    ChangeState.ACCEPTED: 35,
                    ChangeState.REJECTED: 20,
                }
            states = [pipeline_data._weighted(rng, pool) for _n in range(count)]
        seller = self.people.get(project.seller_id or 0) or run.manager
        last_moment = self.midnight - datetime.timedelta(hours=9)
        if run.closed_on is not None:
            last_moment = min(last_moment, self.at(run.closed_on, 10))
        for number, state in enumerate(states, start=1):
            work = rng.choice(experts)
            title, description, effect = rng.choice(words.CHANGE_REQUESTS)
            hours = Decimal(max(8, round(float(work.sold_hours) * rng.uniform(0.1, 0.3))))
            created = min(self._moment_in(run, rng.uniform(0.25, 0.7)), last_moment - 3 * ONE_DAY)
            delay = rng.choice([0, 0, 7, 14, 21])
            request = ChangeRequest(
                pk=self.ids.take(ChangeRequest),
                project=project,
                number=number,
                title=title,
                description=description,
                package_id=work.pk,
                hours=hours,
                price=(hours * work.hourly_rate).quantize(CENT),
                milestone_effect=effect if delay else "",
                delay_days=delay,
                state=ChangeState.DRAFT,
                raised_by_id=run.manager.pk,
                created_at=created,
                updated_at=created,
            )
            self.record(
                "change_request.created",
                request,
                run.manager,
                created,
                context=project,
                changes=initial_changes(request, ["title", "description", "hours", "price", "delay_days"])
                | _values_of(request, "package", work.pk, work.name),
            )
            if state != ChangeState.DRAFT:
                sent = self.between(created, min(created + 5 * ONE_DAY, last_moment))
                request.state, request.sent_at, request.version, request.updated_at = (
                    ChangeState.SENT,
                    sent,
                    2,
                    sent,
                )
                self.record(
                    "change_request.sent",
                    request,
                    run.manager,
                    sent,
                    version=2,
                    context=project,
                    changes=change(request, "state", ChangeState.DRAFT, ChangeState.SENT),
                )
            if state in (ChangeState.ACCEPTED, ChangeState.REJECTED):
                decided = self.between(
                    request.updated_at + ONE_DAY, min(request.updated_at + 20 * ONE_DAY, last_moment)
                )
                request.decided_on = decided.astimezone(fiction.OSLO).date()
                request.decision_note = rng.choice(words.CHANGE_DECISIONS[state])
                request.state, request.version, request.updated_at = state, 3, decided
            run.changes.append(request)
        accepted = sorted(
            (c for c in run.changes if c.state == ChangeState.ACCEPTED), key=lambda c: c.updated_at
        )
        for number, request in enumerate(accepted, start=2):  # the baseline moves in the order accepted
            work = next(w for w in run.works if w.pk == request.package_id)
            work.budget_hours += request.hours
            work.budget_amount += request.price
            work.version += 1
            work.updated_at = request.updated_at
            project.baseline_number = number
            self._decided(run, request, seller, baseline=number)
        for request in run.changes:
            if request.state == ChangeState.REJECTED:
                self._decided(run, request, seller, baseline=None)

    def _decided(self, run: Run, request: ChangeRequest, seller: Person, *, baseline: int | None) -> None:
        changes = change(request, "state", ChangeState.SENT, request.state)
        changes |= change(request, "decided_on", None, request.decided_on)
        if request.decision_note:
            changes |= change(request, "decision_note", "", request.decision_note)
        data = {}
        if baseline is not None:
            data = {
                "baseline": baseline,
                "hours": str(request.hours),
                "price": str(request.price),
                "milestones": [],
            }
        self.record(
            f"change_request.{request.state}",
            request,
            seller,
            request.updated_at,
            version=3,
            context=run.project,
            changes=changes,
            data=data,
        )

    def _progress(self, run: Run) -> None:
        """Each package's actual hours; on a running project, what its manager says is left."""
        rng, project = self.rng, run.project
        stated_on = fiction.workday(self.today - ONE_DAY)
        for work in run.works:
            work.actual_hours = Decimal(work.booked) / 2
            if project.status == ProjectStatus.CLOSED:
                work.remaining_hours, work.percent_complete = ZERO, None  # as closing leaves them
                work.progress_on = run.closed_on
                continue
            if not work.booked:
                continue
            finished = work.last < self.horizon and project.status == ProjectStatus.ACTIVE
            left = 0 if finished else max(0, work.final - work.booked)
            stated = Decimal(round(left / 2 * rng.uniform(0.75, 1.05)))
            if not finished and rng.random() < 0.3:
                whole = work.actual_hours + stated
                work.percent_complete = min(99, int(work.actual_hours * 100 / whole)) if whole else 0
            else:
                work.remaining_hours = stated
            work.progress_on = stated_on
            work.version += 1
            work.updated_at = self.office(stated_on)
            changes: dict[str, Any] = {}
            for name in ("remaining_hours", "percent_complete", "progress_on"):
                value = getattr(work, name)
                if value is not None:
                    changes[name] = _values(None, event_values.plain(value), "", event_values.shown(value))
            target = ProjectPackage(pk=work.pk, name=work.name, project_id=project.pk)
            self.record(
                "package.progress_set",
                target,
                run.manager,
                work.updated_at,
                version=work.version,
                context=project,
                changes=changes,
            )

    def _milestones(self, run: Run) -> None:
        """Milestones over the planned weeks, reached as the project actually went; a running project's
        later ones forecast by its manager. An accepted change moved the ones not yet reached."""
        rng, project = self.rng, run.project
        names = list(words.MILESTONES.get(project.project_type) or words.MILESTONES["development"])
        start = project.starts_on or self.today
        planned_days = max(7, ((project.ends_on or start + 6 * ONE_WEEK) - start).days)
        actual_days = max(7, (run.actual_end - start).days)
        forecast_days = max(7, (run.forecast_end - start).days)
        if planned_days < 45 and len(names) > 3:
            names = [names[0], names[-2], names[-1]]
        moved = [
            (c.decided_on, c.delay_days)
            for c in run.changes
            if c.state == ChangeState.ACCEPTED and c.delay_days
        ]
        closed = project.status == ProjectStatus.CLOSED
        for position, name in enumerate(names):
            share = position / (len(names) - 1)
            if position == 0:
                planned = start + 2 * ONE_DAY
                actual = start + datetime.timedelta(days=rng.randint(1, 4))
                forecast = planned
            else:
                planned = start + datetime.timedelta(days=round(planned_days * share))
                actual = start + datetime.timedelta(days=round(actual_days * share) + rng.randint(-3, 3))
                forecast = start + datetime.timedelta(days=round(forecast_days * share))
            planned = fiction.workday(planned)
            for decided, delay in moved:
                if decided is not None and planned > decided:
                    planned += datetime.timedelta(days=delay)
                    forecast += datetime.timedelta(days=delay)
            actual = fiction.workday(min(actual, run.actual_end) if closed else actual)
            milestone = Mile(self.ids.take(Milestone), name, planned, position, updated_at=project.created_at)
            if closed or (run.started and actual < self.today):
                milestone.done_on, milestone.version, milestone.updated_at = actual, 2, self.office(actual)
            elif run.started and rng.random() < 0.85:
                expected = fiction.workday(forecast)
                if expected < self.today:
                    expected = self.today + datetime.timedelta(days=rng.randint(3, 14))
                if expected != planned:
                    milestone.forecast_on = expected
                    milestone.version, milestone.updated_at = 2, self.office(self.today - ONE_DAY)
            run.milestones.append(milestone)

    def _reports(self, run: Run) -> None:
        """Weekly status reports on a running project; a closed one keeps one a month."""
        rng, project = self.rng, run.project
        if not run.started:
            return
        start = project.starts_on or self.today
        this_monday = self.day(self.this_monday)
        last = this_monday - ONE_WEEK if self.today.weekday() < 4 else this_monday
        if run.closed_on is not None:
            last = min(last, run.closed_on)
        step = ONE_WEEK if run.closed_on is None else 4 * ONE_WEEK
        span = max(1, (run.actual_end - start).days)
        monday = start - datetime.timedelta(days=start.weekday()) + ONE_WEEK
        mondays = []
        while monday <= last:
            mondays.append(monday)
            monday += step
        record = run.closed_on is None or self.full_detail
        for n, monday in enumerate(mondays):
            if rng.random() < 0.1 and n < len(mondays) - 1:
                continue
            over = (run.ratio - 1) * min(1.0, (monday - start).days / span)
            level = Health.GREEN if over < 0.05 else Health.AMBER if over < 0.12 else Health.RED
            if rng.random() < 0.1:
                level = rng.choice([Health.GREEN, Health.AMBER])
            comment = rng.choice(words.STATUS_COMMENTS[level])
            at = self.at(monday + datetime.timedelta(days=4), rng.randint(10, 15), rng.randint(0, 59))
            pk = self.ids.take(StatusReport)
            run.reports.append((pk, monday, level, comment, at))
            if record:
                report = StatusReport(pk=pk, project=project, week=monday, health=level, comment=comment)
                self.record(
                    "status_report.created",
                    report,
                    run.manager,
                    at,
                    context=project,
                    changes=initial_changes(report, ["health", "comment"]),
                )

    def _deviations(self, run: Run) -> None:
        """What the rules found while the project ran, what they find on the day, what was raised by hand."""
        rng, project, manager = self.rng, run.project, run.manager
        record = run.closed_on is None or self.full_detail
        for milestone in run.milestones:  # reached after the planned day: late for a while
            if milestone.done_on is None or milestone.done_on <= milestone.planned_on + ONE_DAY:
                continue
            opened_on = milestone.planned_on + ONE_DAY
            if opened_on >= self.today:
                continue
            numbers = {
                "milestone": milestone.name,
                "planned_on": milestone.planned_on.isoformat(),
                "forecast_on": None,
                "expected_on": opened_on.isoformat(),
                "days_late": 1,
                "overdue": True,
            }
            self._automatic(
                run,
                DeviationKind.MILESTONE_LATE,
                f"milestone:{milestone.pk}",
                numbers,
                self.at(opened_on, 6, rng.randint(0, 59)),
                closed=self.office(milestone.done_on),
                record=record,
            )
        if run.closed_on is not None:
            self._while_it_ran(run, record)
        else:
            found = detection.findings(
                cast(Any, run.works),
                cast(Any, [m for m in run.milestones if m.done_on is None]),
                cast(Any, [e for e in run.won.expectations if e.status in detection.TROUBLED_EXPECTATIONS]),
                today=self.today,
                threshold=self.threshold,
            )
            for finding in found:
                began = self._began(run, finding.kind, finding.subject, finding.numbers)
                self._automatic(
                    run, finding.kind, finding.subject, finding.numbers, began, closed=None, record=True
                )
        if run.started and rng.random() < (0.3 if run.closed_on is None else 0.12):
            what, consequence, action = rng.choice(words.MANUAL_DEVIATIONS)
            at = self._moment_in(run, rng.uniform(0.2, 0.9))
            deviation = Dev(
                self.ids.take(Deviation),
                DeviationKind.MANUAL,
                "",
                what,
                manager.pk,
                {},
                at,
                consequence=consequence,
                action=action,
                raised_by_id=manager.pk,
                updated_at=at,
            )
            run.deviations.append(deviation)
            if record:
                target = Deviation(
                    pk=deviation.pk, what=what, consequence=consequence, action=action, owner=manager
                )
                self.record(
                    "deviation.raised",
                    target,
                    manager,
                    at,
                    context=project,
                    changes=initial_changes(target, ["what", "consequence", "action", "owner"]),
                )
            if run.closed_on is not None or rng.random() < 0.4:
                end = self.at(run.closed_on, 9) if run.closed_on is not None else self.midnight
                resolution = rng.choice(words.DEVIATION_RESOLUTIONS)
                self._close_deviation(
                    run, deviation, self.between(at, end), resolution, manager, record=record
                )

    def _began(self, run: Run, kind: str, subject: str, numbers: dict[str, Any]) -> datetime.datetime:
        """When a condition that holds began, near enough: the week its hours passed the budget, the day
        after a milestone's planned day, or some time in the latter half of the project so far."""
        rng = self.rng
        if kind == DeviationKind.PACKAGE_OVER_BUDGET:
            package_id = int(subject.split(":")[1])
            work = next(w for w in run.works if w.pk == package_id)
            budget, total = int(work.budget_hours * 2), 0
            for (_person, monday), units in sorted(work.weeks.items(), key=lambda item: item[0][1]):
                total += units
                if total > budget:
                    return self.at(min(self.day(monday + 4), self.today - ONE_DAY), 16, rng.randint(0, 59))
        if kind == DeviationKind.MILESTONE_LATE and numbers.get("overdue"):
            planned = datetime.date.fromisoformat(numbers["planned_on"]) + ONE_DAY
            return self.at(min(planned, self.today - ONE_DAY), 6, rng.randint(0, 59))
        return self._moment_in(run, rng.uniform(0.5, 1.0))

    def _while_it_ran(self, run: Run, record: bool) -> None:
        """A closed project's deviations: what the rules found while it ran, closed when it was closed."""
        assert run.closed_on is not None
        closing = self.at(run.closed_on, 14, self.rng.randint(0, 59))
        budget = sum((w.budget_hours for w in run.works), ZERO)
        actual = sum((w.actual_hours for w in run.works), ZERO)
        if budget > 0 and (actual - budget) * HUNDRED / budget >= self.threshold:
            forecast = (budget * (1 + self.threshold / HUNDRED)).quantize(TENTH)
            numbers: dict[str, Any] = {
                "forecast_hours": float(forecast),
                "baseline_hours": float(budget),
                "over_hours": float(forecast - budget),
                "over_percent": float(((forecast - budget) * HUNDRED / budget).quantize(TENTH)),
                "threshold_percent": float(self.threshold),
            }
            began = self._moment_in(run, self.rng.uniform(0.3, 0.7))
            self._automatic(
                run,
                DeviationKind.FORECAST_OVER_BASELINE,
                "project",
                numbers,
                began,
                closed=closing,
                record=record,
            )
        for work in run.works:
            if work.actual_hours <= work.budget_hours:
                continue
            over = Decimal("0.5")
            numbers = {
                "package": work.name,
                "actual_hours": float(work.budget_hours + over),
                "budget_hours": float(work.budget_hours),
                "over_hours": float(over),
                "over_percent": float((over * HUNDRED / work.budget_hours).quantize(TENTH))
                if work.budget_hours > 0
                else None,
            }
            subject = f"package:{work.pk}"
            began = self._began(run, DeviationKind.PACKAGE_OVER_BUDGET, subject, numbers)
            self._automatic(
                run, DeviationKind.PACKAGE_OVER_BUDGET, subject, numbers, began, closed=closing, record=record
            )

    def _automatic(
        self,
        run: Run,
        kind: str,
        subject: str,
        numbers: dict[str, Any],
        at: datetime.datetime,
        *,
        closed: datetime.datetime | None,
        record: bool,
    ) -> None:
        """A deviation a rule opened (by nobody) at `at`; closed at `closed`, automatically while the
        project ran, by its manager when it was closed."""
        project = run.project
        at = max(at, project.created_at + datetime.timedelta(minutes=5))
        if closed is not None:
            at = min(at, closed - datetime.timedelta(minutes=1))
        with translation.override(settings.LANGUAGE_CODE):
            what = detection.describe(kind, numbers)
        deviation = Dev(
            self.ids.take(Deviation), kind, subject, what, run.manager.pk, numbers, at, updated_at=at
        )
        run.deviations.append(deviation)
        if record:
            self.record(
                "deviation.detected",
                Deviation(pk=deviation.pk, what=what),
                None,
                at,
                context=project,
                data={"kind": kind, "subject": subject, "numbers": numbers},
            )
        if closed is None:
            return
        by_closing = run.closed_on is not None and closed >= self.at(run.closed_on, 0)
        if by_closing:
            self._close_deviation(run, deviation, closed, CLOSING_RESOLUTION, run.manager, record=record)
        else:
            self._close_deviation(run, deviation, closed, self.auto_closed, None, record=record)

    def _close_deviation(
        self,
        run: Run,
        deviation: Dev,
        at: datetime.datetime,
        resolution: str,
        by: Person | None,
        *,
        record: bool,
    ) -> None:
        at = max(at, deviation.created_at + datetime.timedelta(minutes=1))
        deviation.status, deviation.closed_at, deviation.resolution = DeviationStatus.CLOSED, at, resolution
        deviation.version += 1
        deviation.updated_at = at
        if not record:
            return
        target = Deviation(pk=deviation.pk, what=deviation.what)
        changes = change(target, "status", DeviationStatus.OPEN, DeviationStatus.CLOSED)
        if by is not None:
            changes |= change(target, "resolution", "", resolution)
        data = {"automatic": True, "numbers": deviation.numbers} if by is None else {}
        self.record(
            "deviation.closed",
            target,
            by,
            at,
            version=deviation.version,
            context=run.project,
            changes=changes,
            data=data,
        )

    def _totals(self, run: Run) -> None:
        """The project's stored totals and health, as `refresh_numbers` keeps them."""
        project = run.project
        actual = forecast = budget_hours = budget_amount = ZERO
        over = []
        for work in run.works:
            left = progress.remaining(
                work.budget_hours,
                work.actual_hours,
                remaining_hours=work.remaining_hours,
                percent_complete=work.percent_complete,
            )
            actual += work.actual_hours
            forecast += progress.forecast_at_completion(work.actual_hours, left)
            budget_hours += work.budget_hours
            budget_amount += work.budget_amount
            if work.actual_hours > work.budget_hours:
                over.append(progress.PackageOver(work.name, work.actual_hours, work.budget_hours))
        project.actual_hours, project.forecast_hours = actual, forecast.quantize(TENTH)
        project.budget_hours, project.budget_amount = budget_hours, budget_amount
        on = run.closed_on or self.today
        late = [
            progress.LateMilestone(m.name, m.planned_on, max(m.forecast_on or m.planned_on, on))
            for m in run.milestones
            if m.done_on is None and max(m.forecast_on or m.planned_on, on) > m.planned_on
        ]
        latest = max(run.reports, key=lambda r: (r[1], r[4])) if run.reports else None
        troubled = [
            progress.TroubledExpectation(e.customer_words, e.status)
            for e in run.won.expectations
            if e.status in detection.TROUBLED_EXPECTATIONS
        ]
        manual = sum(
            1 for d in run.deviations if d.kind == DeviationKind.MANUAL and d.status == DeviationStatus.OPEN
        )
        with translation.override(settings.LANGUAGE_CODE):
            assessed = progress.assess_health(
                forecast=forecast,
                baseline=budget_hours,
                threshold=self.threshold,
                reported=latest[2] if latest else None,
                reported_comment=latest[3] if latest else "",
                late=late,
                expectations=troubled,
                packages_over=over,
                manual_deviations=manual if run.closed_on is None else 0,
            )
        project.health = assessed.level

    def _close(self, run: Run) -> None:
        """Close the project: its satisfaction falls as the overrun grows, and the retrospective."""
        rng, project = self.rng, run.project
        assert run.closed_on is not None
        closed_at = self.at(run.closed_on, 15, rng.randint(0, 59))
        sold = sum((w.sold_hours for w in run.works), ZERO)
        ratio = float(project.actual_hours / sold) if sold else run.ratio
        satisfaction = min(5, max(1, round(4.4 - 1.7 * (ratio - 1) + rng.gauss(0, 0.6))))
        for deviation in run.deviations:
            if deviation.status == DeviationStatus.OPEN:
                self._close_deviation(
                    run, deviation, closed_at, CLOSING_RESOLUTION, run.manager, record=self.full_detail
                )
        well = " ".join(rng.sample(words.RETRO_WENT_WELL, k=rng.randint(1, 2)))
        badly = ""
        if ratio > 1.05 or rng.random() < 0.3:
            badly = " ".join(rng.sample(words.RETRO_WENT_BADLY, k=rng.randint(1, 2)))
        retrospective_id = self.ids.take(Retrospective)
        run.retrospective = (
            retrospective_id,
            project.pk,
            well,
            badly,
            satisfaction,
            run.manager.pk,
            closed_at,
        )
        phases = {Phase.SALES: 2 + (3 if ratio > 1.3 else 0), Phase.HANDOVER: 1, Phase.DELIVERY: 3}
        skills = run.won.skills
        for position in range(rng.randint(1, 4)):
            phase = pipeline_data._weighted(rng, phases)
            text, tags = rng.choice(words.LESSONS[phase])
            chosen = rng.sample(skills, k=min(len(skills), rng.randint(0, 2)))
            run.lessons.append((self.ids.take(Lesson), retrospective_id, text, phase, tags, position, chosen))
        changes = change(project, "status", ProjectStatus.ACTIVE, ProjectStatus.CLOSED)
        changes |= change(project, "closed_on", None, run.closed_on)
        changes |= change(project, "satisfaction", None, satisfaction)
        project.closed_on, project.satisfaction = run.closed_on, satisfaction
        project.version += 1
        project.updated_at = closed_at
        self.record(
            "project.closed",
            project,
            run.manager,
            closed_at,
            version=project.version,
            changes=changes,
            data={"final": _final_numbers(run)},
        )


# ------------------------------------------------------------------------------------------- writing


class _Writer:
    """Collects each project's rows as it is finished and writes them; time entries as they come."""

    ENTRY_FLUSH = 250_000

    def __init__(self, section: _Section) -> None:
        self.s = section
        self.handovers: list[_HandoverRows] = []
        self.runs: list[Run] = []
        self.pending: list[Run] = []
        self.approvals: list[tuple[Any, ...]] = []
        self.staffing: list[tuple[Any, ...]] = []
        self.management: set[int] = set()
        self.created: dict[tuple[int, int], Any] = {}
        self.approved: dict[tuple[int, int], Any] = {}

    def project(self, run: Run) -> None:
        s = self.s
        self.handover(run.handover)
        self._lifecycle(run)
        self.runs.append(run)
        self.management.update(w.pk for w in run.works if w.role == Role.MANAGEMENT)
        self._approvals(run)
        if run.closed_on is None or s.full_detail:
            self._staffing(run)
        self.pending.append(run)
        if len(s.entries) >= self.ENTRY_FLUSH:
            self._flush()

    def _flush(self) -> None:
        """Write the finished projects and their packages, then the time booked on them.

        In this order: the time entries are written without their indexes (`without_indexes`), and SQLite
        checks a deferred foreign key by looking for the rows that point at a newly written row, which
        without an index means reading the whole table for each project.
        """
        runs, self.pending = self.pending, []
        bulk.write_objects(Project, [r.project for r in runs])
        bulk.write(
            ProjectPackage,
            PACKAGE_FIELDS,
            (
                (
                    w.pk,
                    r.project.pk,
                    w.sold.position,
                    w.name,
                    w.sold.description,
                    w.role,
                    w.sold.id,
                    w.hourly_rate,
                    w.sold_hours,
                    w.sold_amount,
                    w.budget_hours,
                    w.budget_amount,
                    r.project.starts_on,
                    r.project.ends_on,
                    w.remaining_hours,
                    w.percent_complete,
                    w.progress_on,
                    w.actual_hours,
                    w.version,
                    r.project.created_at,
                    w.updated_at,
                )
                for r in runs
                for w in r.works
            ),
        )
        self._entries()

    def _lifecycle(self, run: Run) -> None:
        """Record the project's creation and its moves from planned on."""
        s, project = self.s, run.project
        s.record("project.created", project, run.manager, project.created_at, context=run.won.opp)
        if not run.started:
            return
        started = max(
            s.office(project.starts_on or s.today), project.created_at + datetime.timedelta(minutes=10)
        )
        s.record(
            "project.status_set",
            project,
            run.manager,
            started,
            version=2,
            changes=change(project, "status", ProjectStatus.PLANNED, ProjectStatus.ACTIVE),
        )
        last = started
        if project.status == ProjectStatus.ON_HOLD:
            last = s.between(started, s.midnight)
            s.record(
                "project.status_set",
                project,
                run.manager,
                last,
                version=3,
                changes=change(project, "status", ProjectStatus.ACTIVE, ProjectStatus.ON_HOLD),
            )
        if run.closed_on is None:
            project.updated_at = last

    def handover(self, rows: _HandoverRows) -> None:
        """Record a handover's events oldest first, numbering its versions as they happened."""
        s, handover = self.s, rows.handover
        version = 0
        last = handover.created_at
        for verb, target, actor, at, changes, context, data in sorted(rows.events, key=lambda e: e[3]):
            if target is handover:
                version += 1
                last = at
            s.record(
                verb,
                target,
                actor,
                at,
                version=version if target is handover else 1,
                changes=changes,
                context=context,
                data=data,
            )
        handover.version, handover.updated_at = max(1, version), last
        self.handovers.append(rows)

    def _approvals(self, run: Run) -> None:
        """A closed project's weeks are approved; a running one's except the last one or two."""
        s, project = self.s, run.project
        if not run.started:
            return
        weeks: dict[tuple[int, int], int] = {}
        for work in run.works:
            for key, units in work.weeks.items():
                weeks[key] = weeks.get(key, 0) + units
        closed = run.closed_on is not None
        open_from = s.this_monday - 7 * s.rng.choice([1, 1, 2])
        recent = s.this_monday - 7 * APPROVED_EVENTS_WEEKS
        values, manager = s.values, run.manager.pk
        for (person, monday), units in sorted(
            weeks.items(), key=lambda item: (item[0][1], s.rank[item[0][0]])
        ):
            if not closed and monday >= open_from:
                continue
            # From the title, not the id: ids go on counting after `seed --reset`, and the data must not.
            stable = zlib.crc32(f"{project.title}/{s.people[person].username}".encode())
            day = min(monday + 7 + stable % 3, s.horizon - 1)
            minute = stable % 420
            key = (day, minute)
            moment = self.approved.get(key)
            if moment is None:
                at = datetime.datetime.combine(s.day(day), datetime.time(8), tzinfo=fiction.OSLO)
                at += datetime.timedelta(minutes=minute)
                moment = self.approved[key] = (at, values.moment(at))
            approval_id = s.ids.take(WeekApproval)
            hours = (Decimal(units) / 2).quantize(CENT)
            self.approvals.append(
                (
                    approval_id,
                    project.pk,
                    person,
                    values.day(s.day(monday)),
                    manager,
                    moment[1],
                    str(hours) if values.sqlite else hours,
                )
            )
            if s.full_detail or (not closed and monday >= recent):
                target = WeekApproval(
                    pk=approval_id, project=project, person=s.people[person], week=s.day(monday)
                )
                s.record(
                    "week.approved",
                    target,
                    run.manager,
                    moment[0],
                    context=project,
                    data={"person": person, "week": _week_code(s.day(monday)), "hours": str(hours)},
                )

    def _staffing(self, run: Run) -> None:
        """The staffing plan: each package's sold hours over its planned weeks, and what is left after it."""
        s, project = self.s, run.project
        start = s.offset(project.starts_on or s.today)
        end = s.offset(project.ends_on or (project.starts_on or s.today) + 6 * ONE_WEEK)
        span = max(5, end - start)
        experts = [w for w in run.works if w.role == Role.EXPERT]
        n = max(1, len(experts))
        future_end = s.offset(max(run.forecast_end, project.ends_on or run.forecast_end))
        running = run.closed_on is None
        values = s.values
        for work in run.works:
            if not work.people:  # a project not started yet: who is planned
                team = [p for p, r in run.won.team if r in (TeamRole.SOLUTION_LEAD, TeamRole.EXPERT)]
                if work.role == Role.EXPERT:
                    work.people = [s.rng.choice(team or s.experts)]
                else:
                    work.people = [run.manager.pk]
                if work.people[0] not in run.members:
                    run.members[work.people[0]] = ProjectRole.MEMBER
            if work.role == Role.EXPERT:
                k = experts.index(work)
                first = start + round(span * 0.6 * k / n)
                last = max(first + 4, start + round(span * min(1.0, 0.6 * k / n + 0.4 + 0.6 / n)))
            else:
                first, last = start, end
            mondays = list(range(first - first % 7, last + 1, 7))
            people = work.people
            plan: dict[tuple[int, int], int] = {}
            per = max(1, round(float(work.sold_hours) * 2 / (len(mondays) * len(people))))
            for monday in mondays:
                for person in people:
                    plan[(person, monday)] = per
            if running and run.started:
                left = max(0, work.final - work.booked)
                later = list(range(max(s.this_monday, mondays[-1] + 7), future_end + 1, 7))
                if left and later:
                    per = max(1, round(left / (len(later) * len(people))))
                    for monday in later:
                        for person in people:
                            plan[(person, monday)] = per
            for (person, monday), units in plan.items():
                hours = Decimal(units) / 2
                self.staffing.append(
                    (
                        project.pk,
                        work.pk,
                        person,
                        values.day(s.day(monday)),
                        str(hours) if values.sqlite else hours,
                    )
                )

    def _entries(self) -> None:
        """Write the time entries booked so far: created at the end of their day's work."""
        s = self.s
        values, created, management, notes = s.values, self.created, self.management, words.TIME_NOTES
        rows = []
        for project_id, package_id, person, offset, units in s.entries:
            key = (offset, s.rank[person] % 97)
            moment = created.get(key)
            if moment is None:
                at = datetime.datetime.combine(s.day(offset), datetime.time(15, 30), tzinfo=fiction.OSLO)
                moment = created[key] = values.moment(at + datetime.timedelta(minutes=key[1]))
            note = notes[(package_id + offset) % len(notes)] if (package_id + offset) % 23 == 0 else ""
            rows.append(
                (
                    project_id,
                    package_id,
                    person,
                    values.day(s.day(offset)),
                    values.half_hours(units),
                    package_id not in management,
                    note,
                    moment,
                    moment,
                )
            )
        s.entry_count += delivery_rows.write_prepared(
            TimeEntry,
            ["project", "package", "person", "date", "hours", "billable", "note", "created_at", "updated_at"],
            rows,
        )
        s.entries.clear()

    def finish(self, waiting: list[_HandoverRows]) -> None:
        """Write everything else."""
        s = self.s
        for rows in waiting:
            self.handover(rows)
        self._flush()
        handovers, runs = self.handovers, self.runs
        bulk.write_objects(Handover, [r.handover for r in handovers])
        bulk.write(
            ChecklistItem,
            ["id", "handover", "text", "position", "required", "done_at", "done_by"],
            (
                (pk, r.handover.pk, text, position, required, at, by)
                for r in handovers
                for pk, text, position, required, at, by in r.items
            ),
        )
        bulk.write_objects(Question, [q for r in handovers for q in r.questions])
        bulk.write(
            Handover.participants.through,
            ["handover", "person"],
            ((r.handover.pk, p) for r in handovers for p in r.participants),
        )
        bulk.write(
            Project.skills.through,
            ["project", "skill"],
            ((r.project.pk, k) for r in runs for k in r.won.skills),
        )
        bulk.write(
            ProjectMember,
            ["project", "person", "role"],
            ((r.project.pk, person, role) for r in runs for person, role in r.members.items()),
        )
        bulk.write(
            ProjectPackage.skills.through,
            ["projectpackage", "skill"],
            ((w.pk, k) for r in runs for w in r.works for k in w.sold.skills),
        )
        baselines, baseline_packages = self._baselines()
        bulk.write(
            Baseline,
            [
                "id",
                "project",
                "number",
                "source",
                "estimate",
                "change_request",
                "hours",
                "amount",
                "created_at",
                "created_by",
            ],
            baselines,
        )
        bulk.write(BaselinePackage, ["baseline", "package", "hours", "amount"], baseline_packages)
        bulk.write(
            Milestone,
            [
                "id",
                "project",
                "name",
                "planned_on",
                "forecast_on",
                "done_on",
                "position",
                "version",
                "created_at",
                "updated_at",
            ],
            (
                (
                    m.pk,
                    r.project.pk,
                    m.name,
                    m.planned_on,
                    m.forecast_on,
                    m.done_on,
                    m.position,
                    m.version,
                    r.project.created_at,
                    m.updated_at,
                )
                for r in runs
                for m in r.milestones
            ),
        )
        bulk.write_objects(ChangeRequest, [c for r in runs for c in r.changes])
        bulk.write(
            StatusReport,
            ["id", "project", "week", "health", "comment", "author", "created_at"],
            (
                (pk, r.project.pk, week, health, comment, r.manager.pk, at)
                for r in runs
                for pk, week, health, comment, at in r.reports
            ),
        )
        bulk.write(
            Deviation,
            [
                "id",
                "project",
                "kind",
                "subject",
                "what",
                "consequence",
                "action",
                "owner",
                "numbers",
                "status",
                "raised_by",
                "closed_at",
                "resolution",
                "version",
                "created_at",
                "updated_at",
            ],
            (
                (
                    d.pk,
                    r.project.pk,
                    d.kind,
                    d.subject,
                    d.what,
                    d.consequence,
                    d.action,
                    d.owner_id,
                    _json(d.numbers),
                    d.status,
                    d.raised_by_id,
                    d.closed_at,
                    d.resolution,
                    d.version,
                    d.created_at,
                    d.updated_at,
                )
                for r in runs
                for d in r.deviations
            ),
        )
        retrospectives = [r.retrospective for r in runs if r.retrospective is not None]
        bulk.write(
            Retrospective,
            [
                "id",
                "project",
                "went_well",
                "went_badly",
                "satisfaction",
                "author",
                "created_at",
                "updated_at",
            ],
            ((*row, row[-1]) for row in retrospectives),
        )
        lessons = [lesson for r in runs for lesson in r.lessons]
        bulk.write(
            Lesson,
            ["id", "retrospective", "text", "phase", "tags", "position"],
            (
                (pk, retro, text, phase, _json(tags), position)
                for pk, retro, text, phase, tags, position, _skills in lessons
            ),
        )
        bulk.write(
            Lesson.skills.through,
            ["lesson", "skill"],
            ((lesson[0], skill) for lesson in lessons for skill in lesson[6]),
        )
        delivery_rows.write_prepared(
            WeekApproval,
            ["id", "project", "person", "week", "approved_by", "approved_at", "hours"],
            self.approvals,
        )
        delivery_rows.write_prepared(
            Staffing, ["project", "package", "person", "week", "hours"], self.staffing
        )
        deviations = [d for r in runs for d in r.deviations]
        s.counts.update(
            {
                "work packages": sum(len(r.works) for r in runs),
                "baselines": len(baselines),
                "milestones": sum(len(r.milestones) for r in runs),
                "staffing": len(self.staffing),
                "approved weeks": len(self.approvals),
                "status reports": sum(len(r.reports) for r in runs),
                "deviations": len(deviations),
                "open deviations": sum(1 for d in deviations if d.status == DeviationStatus.OPEN),
                "change requests": sum(len(r.changes) for r in runs),
                "retrospectives": len(retrospectives),
                "lessons": len(lessons),
            }
        )

    def _baselines(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Version 1 is the sold estimate; each accepted change request made the next, in that order."""
        s = self.s
        baselines: list[tuple[Any, ...]] = []
        rows: list[tuple[Any, ...]] = []
        for run in self.runs:
            project = run.project
            budgets = {w.pk: (w.sold_hours, w.sold_amount) for w in run.works}
            versions: list[tuple[Any, ...]] = [
                (
                    BaselineSource.SOLD,
                    run.won.opp.sold_estimate_id,
                    None,
                    project.created_at,
                    run.manager.pk,
                    dict(budgets),
                )
            ]
            accepted = sorted(
                (c for c in run.changes if c.state == ChangeState.ACCEPTED), key=lambda c: c.updated_at
            )
            for request in accepted:
                hours, amount = budgets[request.package_id or 0]
                budgets[request.package_id or 0] = (hours + request.hours, amount + request.price)
                by = project.seller_id or run.manager.pk
                versions.append(
                    (BaselineSource.CHANGE, None, request.pk, request.updated_at, by, dict(budgets))
                )
            for number, (source, estimate, request_id, at, by, snapshot) in enumerate(versions, start=1):
                baseline_id = s.ids.take(Baseline)
                hours = sum((h for h, _a in snapshot.values()), ZERO)
                amount = sum((a for _h, a in snapshot.values()), ZERO)
                baselines.append(
                    (baseline_id, project.pk, number, source, estimate, request_id, hours, amount, at, by)
                )
                rows += [(baseline_id, pk, h, a) for pk, (h, a) in snapshot.items()]
        return baselines, rows


# ------------------------------------------------------------------------------------------ helpers


def _weekdays(first: int, last: int) -> int:
    """Return how many of the day offsets `first`..`last` are weekdays (offset 0 is a Monday)."""
    if last < first:
        return 0
    weeks, rest = divmod(last - first + 1, 7)
    start = first % 7
    return weeks * 5 + sum(1 for n in range(rest) if (start + n) % 7 < 5)


def _values(before: Any, after: Any, before_text: str, after_text: str) -> dict[str, Any]:
    return {"before": before, "after": after, "before_text": before_text, "after_text": after_text}


def _values_of(obj: Any, name: str, pk: int, text: str) -> dict[str, dict[str, Any]]:
    return {name: _values(None, pk, "", text)}


def _label(text: str) -> str:
    from samspill.handover.models import checklist_label

    return checklist_label(text)


def _json(value: Any) -> Any:
    return JSONField().get_db_prep_save(value, connection)


def _week_code(monday: datetime.date) -> str:
    """A week as `2026-W09`, as the time actions write it."""
    year, week, _weekday = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _final_numbers(run: Run) -> dict[str, Any]:
    """The final numbers the closing action keeps: sold, baseline and actual hours per package and in all."""

    def numbers(
        name: str, sold: Decimal, budget: Decimal, actual: Decimal, pk: int | None = None
    ) -> dict[str, Any]:
        over = progress.over_percent(actual, sold)
        found: dict[str, Any] = {
            "name": name,
            "sold_hours": str(sold),
            "baseline_hours": str(budget),
            "actual_hours": str(actual),
            "over_sold_percent": None if over is None else str(over.quantize(TENTH)),
        }
        if pk is not None:
            found["package_id"] = pk
        return found

    packages = [numbers(w.name, w.sold_hours, w.budget_hours, w.actual_hours, pk=w.pk) for w in run.works]
    total = numbers(
        "",
        sum((w.sold_hours for w in run.works), ZERO),
        sum((w.budget_hours for w in run.works), ZERO),
        sum((w.actual_hours for w in run.works), ZERO),
    )
    total.pop("name")
    return {"packages": packages, "total": total}


def _checklist_template(at: datetime.datetime) -> list[tuple[str, int, bool]]:
    """Make sure the handover checklist template exists (a reset deletes it); return its active items."""
    if not ChecklistTemplateItem.objects.exists():
        defaults = importlib.import_module(
            "samspill.handover.migrations.0002_default_checklist"
        ).DEFAULT_ITEMS
        ChecklistTemplateItem.objects.bulk_create(
            ChecklistTemplateItem(
                text=text, position=(index + 1) * 10, required=True, active=True, created_at=at, updated_at=at
            )
            for index, text in enumerate(defaults)
        )
    return list(
        ChecklistTemplateItem.objects.filter(active=True)
        .order_by("position", "pk")
        .values_list("text", "position", "required")
    )
