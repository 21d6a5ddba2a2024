"""The delivery demo data: every won opportunity handed over, and projects from kick-off to closing.

The generator's "delivery" section calls `delivery(ctx)`. Like the rest of the generator it inserts in
bulk and bypasses the actions, but every row is what the actions would have left behind:

- every won opportunity with a sold estimate has a handover, opened when it was won. A win of the last
  `WAITING_DAYS` days still waits: being prepared, or sent back with a question to the seller; the
  others were acknowledged, and their project was started from the sold estimate as
  `delivery.actions.projects.create_project_from_opportunity` does (baseline version 1 = the sold
  packages' expected hours and amounts, the opportunity's team on the project). The completeness the
  project manager acknowledged at is `handover.completeness` of the handover as it was;
- a project runs from the opportunity's expected start. Its actual hours are the sold hours times a
  ratio drawn per project, log-normal and right-skewed as published surveys find (most overrun, about
  30 % on average, a heavy tail), worse for some project types and some customers, so that estimate
  calibration has something to find; its schedule slips with it. What happened before `--today` is
  booked as time entries, person by person and day by day, on weekdays, never more than 24 hours a day
  for anybody across projects (in small, at most a normal working day), and each project's and work
  package's stored actual hours are the sum of its entries. A closed project's weeks are approved; a
  running one's except the last one or two;
- a running project's progress (remaining hours or % complete), milestones, status reports and health
  are set as its project manager would have, and its open automatic deviations are exactly what
  `delivery.detection` finds in those rows on `--today`, with its numbers; some were raised by hand;
- change requests are in every state; an accepted one made a new baseline version and moved the
  milestones not yet reached, as `delivery.actions.changes.accept_change_request` does;
- a closed project has its final numbers, a retrospective whose lessons are tagged with their phase and
  a customer satisfaction that falls as the overrun grows.

The pipeline seed's won opportunities come first. When they are too few for the size's projects (the
demo has a few dozen), this section wins more in the pipeline's own way (`pipeline_data`'s builder),
most of them years back: the firm's history. A handful of scripted ones give the demo people handovers
in every state and projects to run (see `_scripted`).
"""

from __future__ import annotations

import datetime
import importlib
import math
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Subquery
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
from samspill.demo.generator import HISTORY_DAYS, Context, change
from samspill.handover import completeness as handover_completeness
from samspill.handover.models import ChecklistItem, ChecklistTemplateItem, Handover, HandoverState, Question
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
ONE_DAY = datetime.timedelta(days=1)
ONE_WEEK = datetime.timedelta(days=7)

WAITING_DAYS = 21  # a win this recent may still wait for its handover to be acknowledged
SENT_BACK_SHARE = 0.35  # of the waiting ones
NO_MANAGER_SHARE = 0.15  # of the waiting ones without a project manager candidate: nobody took it yet
# The history this section wins is smaller work than the pipeline's, so the demo's thirty people can
# have delivered it in the years the customers go back.
HISTORY_SCALE = 0.3
# log(actual ÷ sold) ~ N(OVERRUN + type + customer, SPREAD), and now and then a project that ran away.
OVERRUN = 0.1
SPREAD = 0.3
TAIL_SHARE = 0.06
TAIL = (0.35, 0.9)
TYPE_BIAS = {
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
# Booking: half hours. A normal day is 7.5 hours; when there is more work than that, people work
# longer days, never over 24 hours.
DAY = 15
CAPS = (15, 20, 24, 32, 48)
WEEK_PER_PERSON = 60  # half hours a week one person takes on one package before a second joins
FULL_DETAIL_UP_TO = 1_000  # projects: below this, closed ones keep their staffing plan and every event
APPROVED_EVENTS_WEEKS = 6  # the last weeks of a running project whose approvals are recorded as events


def delivery(ctx: Context) -> dict[str, int]:
    """Create the handovers, projects and everything that hangs on them; return the counts."""
    return _Section(ctx).run()


# ------------------------------------------------------------------------------------------ the plans


@dataclass(slots=True, eq=False)
class Sold:
    """A sold work package: the estimate's package the project package copies."""

    id: int
    position: int
    name: str
    description: str
    role: str
    rate: Decimal
    hours: Decimal
    skills: list[int]


@dataclass(eq=False)
class Won:
    """A won opportunity with its sold estimate, team and expectations, as stored."""

    opp: Opportunity
    packages: list[Sold]
    skills: list[int]
    team: list[tuple[int, str]]
    expectations: list[Expectation]
    script: Script | None = None


@dataclass(slots=True, eq=False)
class Work:
    """A project package's row, what will have been worked on it, by whom and when."""

    row: ProjectPackage
    sold: Sold | None
    ratio: float
    final: int  # half hours it takes in the end
    people: list[int] = field(default_factory=list)
    first: int = 0  # day offsets of its actual window
    last: int = 0
    booked: int = 0  # half hours booked up to the day
    weeks: dict[tuple[int, int], int] = field(default_factory=dict)  # (person, week) → half hours


@dataclass(eq=False)
class Run:
    """One project's plan: its rows and what happens to it."""

    won: Won
    handover: Handover
    project: Project
    manager: Person
    ratio: float
    works: list[Work]
    started: bool
    actual_end: datetime.date
    forecast_end: datetime.date
    members: dict[int, str] = field(default_factory=dict)
    milestones: list[Milestone] = field(default_factory=list)
    changes: list[ChangeRequest] = field(default_factory=list)
    reports: list[StatusReport] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)
    closed_on: datetime.date | None = None


@dataclass(frozen=True)
class Script:
    """What a scripted opportunity of the demo people is for: a handover state or a project to run."""

    state: str  # "open", "sent_back", "run"
    ratio: float | None = None
    manager: str = "pl"  # who runs it ("": whoever the handover's rules give it to)


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
        self.people: dict[int, Person] = {p.pk: p for p in ctx.made["people"]}
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
        self.counts: dict[str, int] = {}
        self.entries: list[tuple[Any, ...]] = []
        self.entry_count = 0
        self.dropped = 0
        self.chunk = DAY
        self.moments: dict[tuple[int, int], datetime.datetime] = {}

    # -- days ---------------------------------------------------------------------------------------

    def offset(self, day: datetime.date) -> int:
        return (day - self.base).days

    def day(self, offset: int) -> datetime.date:
        return self.base + datetime.timedelta(days=offset)

    def at(self, day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
        """Return a moment on `day` (Oslo time), never on or after the day the data leads up to."""
        moment = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=fiction.OSLO)
        return min(moment, self.midnight - datetime.timedelta(minutes=self.rng.randint(5, 600)))

    def office(self, day: datetime.date) -> datetime.datetime:
        """Return an office-hours moment on the workday `day` (or the Friday before it)."""
        return min(
            fiction.moment_on(self.rng, fiction.workday(day)),
            self.midnight - datetime.timedelta(minutes=self.rng.randint(5, 600)),
        )

    def between(self, start: datetime.datetime, end: datetime.datetime) -> datetime.datetime:
        """Return a moment after `start` and before `end` (and before the day), in office hours if it can."""
        end = min(end, self.midnight - datetime.timedelta(minutes=1))
        room = (end - start).total_seconds()
        if room <= 120:
            return end if room <= 0 else start + datetime.timedelta(seconds=room / 2)
        moment = start + datetime.timedelta(seconds=self.rng.uniform(60, room - 60))
        office = fiction.moment_on(self.rng, fiction.workday(moment.astimezone(fiction.OSLO).date()))
        return office if start < office < end else moment

    # -- running -------------------------------------------------------------------------------------

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
        ids = delivery_rows.Ids(
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
        self.ids = ids
        waiting, acknowledged = self._split(wons)
        handovers = [self._waiting(won, template, contacts) for won in waiting]
        runs = [self._start(won, template, contacts) for won in acknowledged]
        runs.sort(key=lambda r: (r.project.starts_on or self.today, r.project.pk))
        self._chunk(runs)
        self.writer = _Writer(self)
        for run in runs:
            self._work(run)
            self.writer.project(run)
        self.writer.finish(handovers, runs)
        ids.finish()
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
        """Win the scripted opportunities and, when the pipeline's wins are too few, years of history."""
        builder = pipeline_data._Builder(self.ctx, StageSetting.current())
        plans = self._scripted(builder)
        won = Opportunity.objects.filter(stage=Stage.WON, sold_estimate__isnull=False).values_list(
            "decided_on", "expected_start", "duration_weeks"
        )
        recent = self.today - datetime.timedelta(days=WAITING_DAYS)
        pipeline_projects = 0
        running = 0
        for decided, start, weeks in won:
            if decided is None or decided > recent:
                continue
            pipeline_projects += 1
            if start is not None and start <= self.today <= start + datetime.timedelta(weeks=weeks or 1):
                running += 1
        scripted_runs = sum(1 for _plan, script in plans if script is not None and script.state == "run")
        active_more = max(0, self.size["active projects"] - running - scripted_runs)
        history = max(0, self.size["projects"] - pipeline_projects - scripted_runs - active_more)
        plans += [(self._random_plan(builder, active=True), Script("run", manager="")) for _n in range(active_more)]
        plans += [(self._random_plan(builder, active=False), None) for _n in range(history)]
        for plan, _script in plans:
            builder.walk(plan)
        ordered = sorted((plan for plan, _s in plans), key=lambda plan: plan.steps[0][1])
        ids = pipeline_rows.Ids()
        made: list[Opportunity] = []
        with pipeline_rows.Summaries() as summaries:
            for start in range(0, len(ordered), pipeline_data.CHUNK):
                made.extend(builder.insert(ordered[start : start + pipeline_data.CHUNK], summaries, ids))
        ids.finish()
        self.ctx.made["opportunities"] = [*self.ctx.made.get("opportunities", []), *made]
        by_plan = dict(zip([id(p) for p in ordered], made, strict=True))
        self.scripts = {by_plan[id(plan)].pk: script for plan, script in plans if script is not None}
        self.counts.update(
            {
                f"won {key}": value
                for key, value in builder.counts.items()
                if key in ("estimates", "expectations")
            }
        )
        return len(made)

    def _scripted(self, builder: Any) -> list[tuple[Any, Script | None]]:
        """The demo seller's wins: handovers waiting in each state, and projects for `pl` to run."""
        ctx, today = self.ctx, self.today
        selger, pl, leveranse = ctx.demo("selger"), ctx.demo("pl"), ctx.demo("leveranse")
        fag = ctx.demo("fag")
        mine = sorted((c for c in builder.customers if c.account_owner == selger), key=lambda c: c.created_at)
        old = [c for c in mine if (today - c.created_at.date()).days > 200] or mine
        if not old:
            return []
        customers = iter(old * 3)

        def plan(
            project_type: str, title: str, decided: int, script: Script, **fields: Any
        ) -> tuple[Any, Script | None]:
            customer = fields.pop("customer", None) or next(customers)
            team = [(selger, TeamRole.SELLER), *fields.pop("team", [])]
            return (
                pipeline_data.Plan(
                    customer=customer,
                    owner=selger,
                    stage=Stage.WON,
                    project_type=project_type,
                    title=title.format(customer=pipeline_data._short(customer)),
                    target=fields.pop("target", pipeline_words.PACKAGES[project_type][0]),
                    review=pipeline_data.APPROVED,
                    reviewer=fields.pop("reviewer", None),
                    decided=today - datetime.timedelta(days=decided),
                    team=team,
                    **fields,
                ),
                script,
            )

        expert = builder.expert_for("Arkitektur", at_least=3, avoid=[fag, selger])
        return [
            plan(
                ProjectType.DEVELOPMENT,
                "Ny intranettløsning for {customer}",
                4,
                Script("open"),
                team=[(pl, TeamRole.PROJECT_MANAGER), (expert, TeamRole.SOLUTION_LEAD)],
            ),
            plan(
                ProjectType.INTEGRATION,
                "Integrasjon mot lønnssystemet",
                6,
                Script("open", manager=""),
                team=[(fag, TeamRole.SOLUTION_LEAD)],
            ),
            plan(
                ProjectType.DATA,
                "Nøkkeltall for ledelsen i Power BI",
                9,
                Script("sent_back"),
                team=[(pl, TeamRole.PROJECT_MANAGER)],
            ),
            plan(
                ProjectType.DEVELOPMENT,
                "Ny søknadsportal for {customer}",
                95,
                Script("run", ratio=1.55),
                team=[(pl, TeamRole.PROJECT_MANAGER), (fag, TeamRole.SOLUTION_LEAD)],
            ),
            plan(
                ProjectType.INTEGRATION,
                "Integrasjonsplattform for {customer}",
                130,
                Script("run", ratio=1.2),
                team=[(pl, TeamRole.PROJECT_MANAGER), (expert, TeamRole.SOLUTION_LEAD)],
            ),
            plan(
                ProjectType.ADVISORY,
                "Gevinstrealisering i digitaliseringsprogrammet",
                80,
                Script("run", ratio=0.95),
                team=[(pl, TeamRole.PROJECT_MANAGER)],
            ),
            plan(
                ProjectType.INFRASTRUCTURE,
                "Skyplattform i Azure for {customer}",
                150,
                Script("run", ratio=1.3, manager="leveranse"),
                team=[(leveranse, TeamRole.PROJECT_MANAGER), (fag, TeamRole.SOLUTION_LEAD)],
            ),
            plan(
                ProjectType.DESIGN,
                "Tjenestedesign av innbyggerdialogen",
                25,
                Script("run", ratio=1.1),
                team=[(pl, TeamRole.PROJECT_MANAGER)],
            ),
        ]

    def _random_plan(self, builder: Any, *, active: bool) -> Any:
        """A won opportunity of the firm's past (closed by now) or of the last months (running now)."""
        rng, today = self.rng, self.today
        if active:
            decided = today - datetime.timedelta(days=rng.randint(WAITING_DAYS + 14, 200))
        else:
            decided = None
            for _attempt in range(20):
                drawn = builder.decision_day() if hasattr(builder, "decision_day") else None
                if drawn is not None and drawn <= today - datetime.timedelta(days=150):
                    decided = drawn
                    break
            if decided is None:
                decided = today - datetime.timedelta(days=rng.randint(150, HISTORY_DAYS - 60))
        known = [c for c in builder.by_age if c.created_at.date() <= decided - datetime.timedelta(days=45)]
        customer = rng.choice(known or builder.by_age[:1])
        owner = customer.account_owner if rng.random() < 0.85 else rng.choice(builder.sellers)
        technical = customer.industry in pipeline_data.TECHNICAL_INDUSTRIES
        project_type = pipeline_data._weighted(
            rng,
            pipeline_data.PROJECT_MIX
            | ({ProjectType.ENGINEERING: 45} if technical else {ProjectType.ENGINEERING: 4}),
        )
        scale = 1.0 if active else HISTORY_SCALE
        median = pipeline_words.PACKAGES[project_type][0] * scale
        target = round(min(25_000_000, max(120_000, median * rng.lognormvariate(0, 0.5))), -4)
        review = pipeline_data._weighted(rng, {pipeline_data.APPROVED: 60, pipeline_data.CHANGES: 40})
        return pipeline_data.Plan(
            customer=customer,
            owner=owner,
            stage=Stage.WON,
            project_type=project_type,
            target=int(target),
            review=review,
            revised=rng.random() < 0.15,
            decided=decided,
        )

    # -- loading --------------------------------------------------------------------------------------

    def _load(self) -> list[Won]:
        """Load the won opportunities with a sold estimate, their packages, skills, team and expectations."""
        won = Opportunity.objects.filter(stage=Stage.WON, sold_estimate__isnull=False)
        opportunities = list(won.select_related("sold_estimate").order_by("stage_changed_at", "pk"))
        sold_ids = Subquery(won.values("sold_estimate_id"))
        skills: dict[int, list[int]] = {}
        for package_id, skill_id in WorkPackage.skills.through.objects.filter(
            workpackage__estimate__in=sold_ids
        ).values_list("workpackage_id", "skill_id"):
            skills.setdefault(package_id, []).append(skill_id)
        packages: dict[int, list[Sold]] = {}
        for row in (
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
            pk, estimate_id, position, name, description, role, rate, hours = row
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
        expectations: dict[int, list[Expectation]] = {}
        for expectation in (
            Expectation.objects.filter(opportunity__stage=Stage.WON)
            .order_by("position", "pk")
            .only(
                "pk",
                "opportunity_id",
                "status",
                "customer_words",
                "acceptance_criteria",
                "agreed_by_id",
                "agreed_with_id",
                "position",
            )
        ):
            expectations.setdefault(expectation.opportunity_id, []).append(expectation)
        scripts = getattr(self, "scripts", {})
        calm = [pk for pk, script in scripts.items() if script.ratio is not None and script.ratio <= 1.1]
        for opportunity_id in calm:  # the demo's project that goes well: its customer is content so far
            for expectation in expectations.get(opportunity_id, []):
                if expectation.status in detection.TROUBLED_EXPECTATIONS:
                    expectation.status = ExpectationStatus.OPEN
        Expectation.objects.filter(
            opportunity__in=calm, status__in=detection.TROUBLED_EXPECTATIONS
        ).update(status=ExpectationStatus.OPEN, version=1, updated_at=F("created_at"))
        return [
            Won(
                opp,
                packages.get(opp.sold_estimate_id or 0, []),
                required.get(opp.pk, []),
                team.get(opp.pk, []),
                expectations.get(opp.pk, []),
                scripts.get(opp.pk),
            )
            for opp in opportunities
        ]

    def _split(self, wons: list[Won]) -> tuple[list[Won], list[Won]]:
        """Return the wins whose handover still waits, and those acknowledged with a project."""
        recent = self.today - datetime.timedelta(days=WAITING_DAYS)
        waiting, acknowledged = [], []
        for won in wons:
            script = won.script
            if (script is not None and script.state in ("open", "sent_back")) or ((script is None or script.state != "run") and (won.opp.decided_on or self.today) > recent):
                waiting.append(won)
            else:
                acknowledged.append(won)
        return waiting, acknowledged

    # -- handovers -------------------------------------------------------------------------------------

    def _candidate(self, won: Won) -> int | None:
        """The handover's project manager as `open_handover` picks it: the team's first candidate."""
        for person_id, role in won.team:
            if role == TeamRole.PROJECT_MANAGER:
                return person_id
        return None

    def _handover(
        self, won: Won, template: list[tuple[str, int, bool]]
    ) -> tuple[Handover, list[tuple[Any, ...]]]:
        opp = won.opp
        won_at = opp.stage_changed_at
        handover = Handover(
            pk=self.ids.take(Handover),
            opportunity=opp,
            state=HandoverState.OPEN,
            seller_id=opp.owner_id,
            project_manager_id=self._candidate(won),
            notes="",
            created_at=won_at,
            updated_at=won_at,
            version=1,
        )
        items = [
            (self.ids.take(ChecklistItem), text, position, required) for text, position, required in template
        ]
        return handover, items

    def _waiting(
        self, won: Won, template: list[tuple[str, int, bool]], contacts: dict[int, int]
    ) -> _HandoverRows:
        """A handover not acknowledged yet: being prepared, or sent back with questions to the seller."""
        rng = self.rng
        handover, items = self._handover(won, template)
        rows = _HandoverRows(handover, won)
        opp = won.opp
        script = won.script
        if script is not None and not script.manager:
            handover.project_manager_id = None
        elif handover.project_manager_id is None and rng.random() > NO_MANAGER_SHARE:
            rows.assigned = self._manager_for(won, opp.stage_changed_at.date()).pk
        won_at = opp.stage_changed_at
        now = self.midnight - datetime.timedelta(hours=8)
        state = (
            script.state
            if script is not None
            else (HandoverState.SENT_BACK if rng.random() < SENT_BACK_SHARE else HandoverState.OPEN)
        )
        done_share = rng.uniform(0.2, 0.6) if script is not None else rng.uniform(0.2, 0.9)
        for item_id, text, position, required in items:
            done = rng.random() < done_share
            at = self.between(won_at, now) if done else None
            by = (rows.assigned or handover.project_manager_id or handover.seller_id) if done else None
            rows.items.append((item_id, text, position, required, at, by))
        self._opened(rows)
        if rows.assigned:
            self._assign(rows, self.between(won_at, now))
        if state == HandoverState.SENT_BACK or (script is None and rng.random() < 0.5):
            self._meeting(rows, self.between(won_at, now))
        if state == HandoverState.SENT_BACK:
            asked = self.between(won_at, now)
            texts = rng.sample(words.HANDOVER_QUESTIONS_OPEN, k=rng.randint(1, 2))
            self._send_back(rows, texts, asked, answers=None)
        rows.contacts = contacts.get(opp.customer_id, 0)
        return rows

    def _opened(self, rows: _HandoverRows) -> None:
        handover, opp = rows.handover, rows.won.opp
        manager = self.people.get(handover.project_manager_id or 0)
        changes = {
            "state": _values(None, handover.state, "", str(HandoverState(handover.state).label)),
            "seller": _values(None, handover.seller_id, "", self.people[handover.seller_id].name),
        }
        if manager is not None:
            changes["project_manager"] = _values(None, manager.pk, "", manager.name)
        rows.events.append(
            (
                "handover.opened",
                handover,
                self.people[opp.owner_id],
                opp.stage_changed_at,
                changes,
                opp,
                {"checklist_items": len(rows.items)},
            )
        )

    def _assign(self, rows: _HandoverRows, at: datetime.datetime) -> None:
        handover = rows.handover
        person = self.people[rows.assigned]
        before = handover.project_manager_id
        handover.project_manager_id = person.pk
        handover.version += 1
        handover.updated_at = at
        actor = self.people[rng_choice(self.rng, self.delivery_managers or [person.pk])]
        rows.events.append(
            (
                "handover.assigned",
                handover,
                actor,
                at,
                {"project_manager": _values(before, person.pk, "", person.name)},
                rows.won.opp,
                {},
            )
        )

    def _meeting(self, rows: _HandoverRows, at: datetime.datetime) -> None:
        handover, opp = rows.handover, rows.won.opp
        day = fiction.workday(
            at.astimezone(fiction.OSLO).date() + datetime.timedelta(days=self.rng.randint(1, 5))
        )
        meeting = datetime.datetime.combine(
            day, datetime.time(self.rng.choice([9, 10, 13, 14])), tzinfo=fiction.OSLO
        )
        participants = [handover.seller_id]
        if handover.project_manager_id:
            participants.append(handover.project_manager_id)
        participants += [
            p for p, role in rows.won.team if role == TeamRole.SOLUTION_LEAD and p not in participants
        ]
        handover.meeting_on = meeting
        handover.version += 1
        handover.updated_at = at
        rows.participants = participants
        names = sorted(self.people[p].name for p in participants)
        rows.events.append(
            (
                "handover.meeting_set",
                handover,
                self.people[handover.project_manager_id or handover.seller_id],
                at,
                {
                    "meeting_on": _values(None, meeting.isoformat(), "", _shown(meeting)),
                    "participants": _values([], sorted(participants), "—", ", ".join(names)),
                },
                opp,
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
        handover, opp = rows.handover, rows.won.opp
        asker = handover.project_manager_id or rng_choice(self.rng, self.delivery_managers)
        before = handover.state
        handover.state = HandoverState.SENT_BACK
        handover.version += 1
        handover.updated_at = asked
        questions = []
        for text in texts:
            question = Question(
                pk=self.ids.take(Question), handover=handover, text=text, asked_by_id=asker, asked_at=asked
            )
            questions.append(question)
        rows.questions += questions
        rows.events.append(
            (
                "handover.sent_back",
                handover,
                self.people[asker],
                asked,
                change(handover, "state", before, HandoverState.SENT_BACK),
                opp,
                {"questions": texts, "question_ids": [q.pk for q in questions]},
            )
        )
        if answers is None:
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
        last = answers[-1][1]
        handover.state = HandoverState.OPEN
        handover.version += 1
        handover.updated_at = last
        rows.events.append(
            (
                "handover.answered",
                handover,
                seller,
                last,
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
        ):
            if self.rng.random() < 0.6:
                return lead
        pool = self.managers or self.delivery_managers
        return self.people[self._least_loaded(pool, start, start + 90)]

    # -- projects ----------------------------------------------------------------------------------

    def _start(self, won: Won, template: list[tuple[str, int, bool]], contacts: dict[int, int]) -> Run:
        """Acknowledge the handover and start the project as the handover's acknowledge action does."""
        rng, opp = self.rng, won.opp
        handover, items = self._handover(won, template)
        rows = _HandoverRows(handover, won)
        script = won.script
        won_at = opp.stage_changed_at
        won_day = won_at.astimezone(fiction.OSLO).date()
        start = opp.expected_start or (won_day + datetime.timedelta(days=21))
        latest = min(start - ONE_DAY, self.today - ONE_DAY)
        ack_day = won_day + datetime.timedelta(days=rng.randint(2, max(2, min(16, (latest - won_day).days))))
        ack_at = self.office(min(ack_day, latest) if latest > won_day else won_day)
        if ack_at <= won_at:
            ack_at = won_at + datetime.timedelta(hours=rng.randint(2, 30))
        if script is not None and script.manager:
            manager = self.ctx.demo(script.manager)
            if handover.project_manager_id != manager.pk:
                rows.assigned = manager.pk
        elif handover.project_manager_id is None:
            rows.assigned = self._manager_for(won, won_day).pk
        manager = self.people[rows.assigned or handover.project_manager_id]
        for item_id, text, position, required in items:
            done = rng.random() < 0.9
            at = self.between(won_at, ack_at) if done else None
            rows.items.append((item_id, text, position, required, at, manager.pk if done else None))
        self._opened(rows)
        if rows.assigned:
            self._assign(rows, self.between(won_at, ack_at))
        if rng.random() < 0.92:
            self._meeting(rows, self.between(won_at, ack_at))
        if rng.random() < 0.25:
            asked = self.between(won_at, ack_at)
            pairs = rng.sample(words.HANDOVER_QA, k=rng.randint(1, 2))
            answered = sorted(self.between(asked, ack_at) for _p in pairs)
            self._send_back(
                rows,
                [q for q, _a in pairs],
                asked,
                [(a, t) for (_q, a), t in zip(pairs, answered, strict=True)],
            )
        if rng.random() < 0.5:
            notes_at = self.between(won_at, ack_at)
            handover.notes = rng.choice(words.HANDOVER_NOTES)
            if handover.notes:
                handover.version += 1
                handover.updated_at = notes_at
                rows.events.append(
                    (
                        "handover.notes_written",
                        handover,
                        self.people[handover.seller_id],
                        notes_at,
                        {"notes": _values(None, handover.notes, "", handover.notes)},
                        opp,
                        {},
                    )
                )
        rows.contacts = contacts.get(opp.customer_id, 0)
        project = self._project(won, manager, ack_at)
        run = self._plan(won, rows, project, manager)
        score = self._score(rows)
        before = {
            "state": handover.state,
            "acknowledged_at": None,
            "acknowledged_by": None,
            "project": None,
            "acknowledged_score": None,
        }
        handover.state = HandoverState.ACKNOWLEDGED
        handover.acknowledged_at, handover.acknowledged_by = ack_at, manager
        handover.project = project
        handover.acknowledged_score = score.score
        handover.acknowledged_missing = [m.as_dict() for m in score.missing]
        handover.version += 1
        handover.updated_at = ack_at
        changes = {}
        for name, old in before.items():
            changes |= change(handover, name, old, getattr(handover, name))
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
        run.handover_rows = rows  # type: ignore[attr-defined]
        return run

    def _score(self, rows: _HandoverRows) -> Any:
        """The handover's completeness at acknowledgement, as `handover.completeness` scores it."""
        handover, won = rows.handover, rows.won
        expectations = won.expectations
        items = [
            ChecklistItem(pk=item_id, text=text, position=position, required=required, done_at=done_at)
            for item_id, text, position, required, done_at, _by in rows.items
        ]
        facts = SimpleNamespace(
            opportunity=won.opp,
            project_manager_id=handover.project_manager_id,
            meeting_on=handover.meeting_on,
            checklist_required=sum(1 for i in items if i.required),
            checklist_open=sum(1 for i in items if i.required and i.done_at is None),
            expectation_count=len(expectations),
            expectations_without_criteria=sum(1 for e in expectations if not e.acceptance_criteria),
            expectations_not_agreed=sum(1 for e in expectations if not e.is_agreed),
            baseline_packages=len(won.packages),
            contact_count=rows.contacts,
            open_questions=sum(1 for q in rows.questions if q.answered_at is None),
            participant_count=len(rows.participants),
        )
        with translation.override(settings.LANGUAGE_CODE):
            return handover_completeness.completeness(facts, checklist=items, expectations=expectations)

    def _project(self, won: Won, manager: Person, at: datetime.datetime) -> Project:
        opp = won.opp
        estimate = opp.sold_estimate
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
            price=estimate.price if estimate is not None and estimate.price else opp.value,
            manager=manager,
            seller_id=opp.owner_id,
            status=ProjectStatus.PLANNED,
            confidential=opp.confidential,
            starts_on=start,
            ends_on=end,
            baseline_number=1,
            created_by_id=manager.pk,
            created_at=at,
            updated_at=at,
            version=1,
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
        rng = self.rng
        ratio = self._ratio(won)
        start = project.starts_on or self.today
        planned_days = max(7, ((project.ends_on or start + 6 * ONE_WEEK) - start).days)
        slip = max(0.85, 1 + 0.8 * (ratio - 1) + rng.gauss(0, 0.08))
        actual_days = max(7, round(planned_days * slip))
        actual_end = start + datetime.timedelta(days=actual_days)
        forecast_slip = 1 + (slip - 1) * rng.uniform(0.5, 1.0)
        forecast_end = start + datetime.timedelta(days=max(7, round(planned_days * forecast_slip)))
        started = start < self.today
        if not started:
            status = ProjectStatus.PLANNED
        elif actual_end < self.today - datetime.timedelta(days=3) and (
            won.script is None or won.script.state != "run"
        ):
            status = ProjectStatus.CLOSED
        else:
            status = (
                ProjectStatus.ON_HOLD if rng.random() < 0.03 and won.script is None else ProjectStatus.ACTIVE
            )
        if status == ProjectStatus.ACTIVE and actual_end < self.today:
            actual_end = self.today + datetime.timedelta(days=rng.randint(7, 30))
        project.status = status
        project.version = 1 + (1 if started else 0) + (1 if status == ProjectStatus.ON_HOLD else 0)
        works = []
        for sold in won.packages:
            if sold.role == Role.PROJECT_MANAGER or sold.role == Role.DELIVERY_MANAGER:
                package_ratio = ratio * 0.5 + slip * 0.5
            else:
                package_ratio = ratio * math.exp(rng.gauss(0, PACKAGE_SPREAD))
            units = max(1, round(float(sold.hours) * 2 * package_ratio))
            row = ProjectPackage(
                pk=self.ids.take(ProjectPackage),
                project_id=project.pk,
                position=sold.position,
                name=sold.name,
                description=sold.description,
                role=sold.role,
                estimate_package_id=sold.id,
                hourly_rate=sold.rate or ZERO,
                sold_hours=sold.hours,
                sold_amount=(sold.hours * sold.rate).quantize(Decimal("0.01")),
                budget_hours=sold.hours,
                budget_amount=(sold.hours * sold.rate).quantize(Decimal("0.01")),
                starts_on=project.starts_on,
                ends_on=project.ends_on,
                actual_hours=ZERO,
                created_at=project.created_at,
                updated_at=project.created_at,
                version=1,
            )
            works.append(Work(row, sold, package_ratio, units))
        run = Run(won, rows.handover, project, manager, ratio, works, started, actual_end, forecast_end)
        if status == ProjectStatus.CLOSED:
            closed_on = fiction.workday(actual_end + datetime.timedelta(days=rng.randint(2, 20)))
            run.closed_on = min(self.today - ONE_DAY, closed_on)
        run.members = self._team(won, manager)
        return run

    def _team(self, won: Won, manager: Person) -> dict[int, str]:
        """The project's team as `create_project_from_opportunity` joins it."""
        opp = won.opp
        roles = {manager.pk: ProjectRole.PROJECT_MANAGER}
        roles.setdefault(opp.owner_id, ProjectRole.SELLER)
        for person_id, role in won.team:
            roles.setdefault(person_id, ProjectRole.SELLER if role == TeamRole.SELLER else ProjectRole.MEMBER)
        return roles

    # -- work ----------------------------------------------------------------------------------------

    def _chunk(self, runs: list[Run]) -> None:
        """Size the entries so the section writes about the size's number of time entries."""
        total = 0
        for run in runs:
            if not run.started:
                continue
            span = max(1, (run.actual_end - (run.project.starts_on or self.today)).days)
            done = min(1.0, max(0.0, (self.today - (run.project.starts_on or self.today)).days / span))
            total += sum(w.final for w in run.works) * done
        wanted = max(1, self.size["time entries"])
        self.chunk = max(6, min(DAY, round(total / wanted)))

    def _least_loaded(self, pool: Sequence[int], first: int, last: int, *, avoid: Iterable[int] = ()) -> int:
        """Return the person of a few drawn from `pool` who has the least booked from `first` to `last`."""
        rng = self.rng
        avoided = set(avoid)
        first, last = max(0, first), min(self.horizon, max(first, last))
        best, best_load = -1, -1
        for _n in range(5):
            person = rng.choice(pool)
            if person in avoided or (self.joined[person] > first and _n < 4):
                continue
            load = sum(self.used[person][first : last + 1])
            if best < 0 or load < best_load:
                best, best_load = person, load
        return best if best >= 0 else rng.choice(pool)

    def _free(self, person: int, first: int, last: int) -> int:
        """Half hours `person` has left of normal working days from `first` to `last` (up to the day)."""
        last = min(last, self.horizon - 1)
        if last < first:
            return 0
        weekdays = sum(1 for day in range(first, last + 1) if day % 7 < 5)
        return weekdays * DAY - sum(self.used[person][first : last + 1])

    def _people_for(self, run: Run, work: Work) -> list[tuple[int, int]]:
        """Who works on a package, with how much each takes: the project manager on project management,
        experts on the rest, as many as it takes to do the work in normal working days where there are."""
        role = work.row.role
        first, last = work.first, work.last
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
        skill = work.sold.skills[0] if work.sold and work.sold.skills else None
        pool = self.by_skill.get(skill or 0) or self.experts
        team = [p for p, r in run.won.team if r in (TeamRole.SOLUTION_LEAD, TeamRole.EXPERT)]
        last = min(last, self.horizon - 1)
        room = max(DAY, sum(1 for day in range(first, last + 1) if day % 7 < 5) * DAY)
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
        while need > 0 and len(chosen) < 6:
            person = self._least_loaded(pool, first, last, avoid=taken)
            free = self._free(person, first, last) if person not in taken else -1
            if free < room // 3:
                other = self._least_loaded(self.experts, first, last, avoid=taken)
                other_free = self._free(other, first, last) if other not in taken else -1
                if other_free > free:
                    person, free = other, other_free
            if person in taken:
                break
            chosen.append((person, max(free, DAY)))
            taken.add(person)
            need -= max(free, 0)
        return chosen or [(self.rng.choice(self.experts), 1)]

    def _windows(self, run: Run) -> None:
        """Each package's actual days: the expert packages one after another, overlapping; management all along."""
        start = self.offset(run.project.starts_on or self.today)
        end = self.offset(run.actual_end)
        span = max(5, end - start)
        experts = [w for w in run.works if w.row.role == Role.EXPERT]
        for work in run.works:
            if work.row.role != Role.EXPERT:
                work.first, work.last = start, end
        n = max(1, len(experts))
        for k, work in enumerate(experts):
            begin = 0.6 * k / n
            finish = min(1.0, begin + 0.4 + 0.6 / n)
            work.first = start + round(span * begin)
            work.last = max(work.first + 4, start + round(span * finish))

    def _work(self, run: Run) -> None:
        """Book the hours worked up to the day, person by person and week by week."""
        self._windows(run)
        if not run.started:
            return
        project = run.project
        until = self.horizon - 1
        if project.status == ProjectStatus.CLOSED:
            until = min(until, self.offset(run.actual_end))
        elif project.status == ProjectStatus.ON_HOLD:
            until = min(until, self.horizon - 7 * self.rng.randint(3, 6))
        for work in run.works:
            shares = self._people_for(run, work)
            work.people = [person for person, _weight in shares]
            weight = sum(w for _p, w in shares)
            given = 0
            for n, (person, share) in enumerate(shares):
                units = work.final - given if n == len(shares) - 1 else work.final * share // weight
                given += units
                left = self._book(run, work, person, units, until)
                if left and project.status == ProjectStatus.CLOSED:
                    self.dropped += left
                run.members.setdefault(person, ProjectRole.MEMBER)
        if project.status == ProjectStatus.CLOSED:
            for work in run.works:
                work.final = work.booked  # what was booked is what it took

    def _book(self, run: Run, work: Work, person: int, units: int, until: int) -> int:
        """Book `units` half hours of `person` on the package's weekdays up to `until`; return what did not fit.

        The hours go evenly over the package's weeks, at most a normal day's each day; what does not fit
        moves on to the next week (a closed project's to a few weeks after the package's end). Only what
        still does not fit is booked as longer days (`CAPS`), never over 24 hours. One entry per day.
        """
        used = self.used[person]
        first, last = work.first, work.last
        closing = run.project.status == ProjectStatus.CLOSED
        if closing:
            last = min(last, until)
        end = min(until, last)
        mondays = list(range(first - first % 7, last + 1, 7))
        planned = max(1, len(mondays))
        if closing and mondays:
            mondays += list(range(mondays[-1] + 7, until + 1, 7))[:4]
            end = until if len(mondays) > planned else end
        per, extra = divmod(units, planned)
        rot = (person + work.row.pk) % 5
        chunk = self.chunk
        placed: dict[int, int] = {}
        carry = 0
        spans = []
        for i, monday in enumerate(mondays):
            lo, hi = max(monday, first), min(monday + 4, end)
            if lo > hi:
                spans.append((0, -1))
                if i < planned and monday <= end:
                    carry += per + (1 if i < extra else 0)
                continue
            spans.append((lo, hi))
            left = carry + (per + (1 if i < extra else 0) if i < planned else 0)
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
        # What still does not fit is done in longer days, spread over the weeks.
        for cap in CAPS[1:]:
            if not carry:
                break
            for lo, hi in spans:
                for day in range(lo, hi + 1):
                    if not carry:
                        break
                    free = cap - used[day]
                    if free <= 0:
                        continue
                    take = min(carry, free)
                    used[day] += take
                    placed[day] = placed.get(day, 0) + take
                    carry -= take
        project_id, package_id = run.project.pk, work.row.pk
        sink = self.entries
        weeks = work.weeks
        booked = 0
        for day, units_on_day in placed.items():
            sink.append((project_id, package_id, person, day, units_on_day))
            monday = day - day % 7
            weeks[(person, monday)] = weeks.get((person, monday), 0) + units_on_day
            booked += units_on_day
        work.booked += booked
        return carry if closing else 0

    # -- what the project manager keeps current -------------------------------------------------------

    def finish(self, run: Run) -> None:
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
        span = max(0, (end - start).days)
        return self.office(start + datetime.timedelta(days=round(span * share)))

    def _changes(self, run: Run) -> None:
        """Change requests: in every state on running projects, decided on closed ones."""
        rng, project = self.rng, run.project
        if not run.started:
            return
        script = run.won.script
        experts = [w for w in run.works if w.row.role == Role.EXPERT and w.sold is not None]
        if not experts:
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
        if project.status == ProjectStatus.CLOSED:
            last_moment = min(last_moment, self.at(run.actual_end, 15))
        changes = []
        for number, state in enumerate(states, start=1):
            work = rng.choice(experts)
            title, description, effect = rng.choice(words.CHANGE_REQUESTS)
            hours = Decimal(max(8, round(float(work.row.sold_hours) * rng.uniform(0.1, 0.3))))
            created = self._moment_in(run, rng.uniform(0.25, 0.7))
            created = min(created, last_moment - datetime.timedelta(days=3))
            delay = rng.choice([0, 0, 7, 14, 21])
            change_request = ChangeRequest(
                pk=self.ids.take(ChangeRequest),
                project=project,
                number=number,
                title=title,
                description=description,
                package_id=work.row.pk,
                hours=hours,
                price=(hours * work.row.hourly_rate).quantize(Decimal("0.01")),
                milestone_effect=effect if delay else "",
                delay_days=delay,
                state=state,
                raised_by_id=run.manager.pk,
                created_at=created,
                updated_at=created,
                version=1,
            )
            change_request.work = work  # type: ignore[attr-defined]
            self._record(
                "change_request.created",
                change_request,
                run.manager,
                created,
                context=project,
                changes=_initial(
                    change_request, ["title", "description", "hours", "price", "delay_days", "state"]
                ),
            )
            if state != ChangeState.DRAFT:
                sent = self.between(created, min(created + 5 * ONE_DAY, last_moment))
                change_request.sent_at = sent
                change_request.version, change_request.updated_at = 2, sent
                self._record(
                    "change_request.sent",
                    change_request,
                    run.manager,
                    sent,
                    version=2,
                    context=project,
                    changes=change(change_request, "state", ChangeState.DRAFT, ChangeState.SENT),
                )
                if state in (ChangeState.ACCEPTED, ChangeState.REJECTED):
                    decided = self.between(sent + ONE_DAY, min(sent + 20 * ONE_DAY, last_moment))
                    change_request.decided_on = decided.astimezone(fiction.OSLO).date()
                    change_request.decision_note = rng.choice(words.CHANGE_DECISIONS[state])
                    change_request.version, change_request.updated_at = 3, decided
                    change_request.decided_at = decided  # type: ignore[attr-defined]
            changes.append(change_request)
        run.changes = changes
        # Accepted ones move the baseline in the order they were accepted.
        accepted = sorted((c for c in changes if c.state == ChangeState.ACCEPTED), key=lambda c: c.updated_at)
        for number, change_request in enumerate(accepted, start=2):
            work = change_request.work  # type: ignore[attr-defined]
            package = work.row
            package.budget_hours += change_request.hours
            package.budget_amount += change_request.price
            package.version += 1
            package.updated_at = change_request.updated_at
            change_request.baseline = number  # type: ignore[attr-defined]
            project.baseline_number = number
        for change_request in changes:
            if change_request.state in (ChangeState.ACCEPTED, ChangeState.REJECTED):
                verb = "change_request." + change_request.state
                fields = {
                    "state": change_request.state,
                    "decided_on": change_request.decided_on,
                    "decision_note": change_request.decision_note,
                }
                diff: dict[str, Any] = {}
                for name, value in fields.items():
                    if value not in (None, ""):
                        before = ChangeState.SENT if name == "state" else None
                        diff |= change(change_request, name, before, value)
                data = (
                    {
                        "baseline": getattr(change_request, "baseline", None),
                        "hours": str(change_request.hours),
                        "price": str(change_request.price),
                        "milestones": [],
                    }
                    if change_request.state == ChangeState.ACCEPTED
                    else {}
                )
                self._record(
                    verb,
                    change_request,
                    seller,
                    change_request.updated_at,
                    version=3,
                    context=project,
                    changes=diff,
                    data=data,
                )

    def _progress(self, run: Run) -> None:
        """Each package's actual hours, and for a running project what its manager says is left."""
        rng, project = self.rng, run.project
        running = project.status != ProjectStatus.CLOSED
        stated_on = fiction.workday(self.today - ONE_DAY)
        for work in run.works:
            package = work.row
            package.actual_hours = Decimal(work.booked) / 2
            if not running:
                package.remaining_hours, package.percent_complete = ZERO, None
                package.progress_on = project.closed_on or run.actual_end
                continue
            if work.booked == 0:
                continue
            finished = work.last < self.horizon and project.status == ProjectStatus.ACTIVE
            left = 0 if finished else max(0, work.final - work.booked)
            stated = Decimal(round(left / 2 * rng.uniform(0.75, 1.05)))
            if rng.random() < 0.3 and not finished:
                whole = package.actual_hours + stated
                package.percent_complete = min(99, int(package.actual_hours * 100 / whole)) if whole else 0
            else:
                package.remaining_hours = stated
            package.progress_on = stated_on
            package.version += 1
            package.updated_at = self.office(stated_on)
            changes = {}
            if package.remaining_hours is not None:
                changes |= change(package, "remaining_hours", None, package.remaining_hours)
            if package.percent_complete is not None:
                changes |= change(package, "percent_complete", None, package.percent_complete)
            changes |= change(package, "progress_on", None, stated_on)
            self._record(
                "package.progress_set",
                package,
                run.manager,
                package.updated_at,
                version=package.version,
                context=project,
                changes=changes,
            )

    def _milestones(self, run: Run) -> None:
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
            share = position / (len(names) - 1) if len(names) > 1 else 1.0
            if position == 0:
                planned = start + datetime.timedelta(days=2)
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
            actual = fiction.workday(actual)
            if closed:
                actual = min(actual, run.actual_end)
            milestone = Milestone(
                pk=self.ids.take(Milestone),
                project=project,
                name=name,
                planned_on=planned,
                position=position,
                created_at=project.created_at,
                updated_at=project.created_at,
                version=1,
            )
            if closed or (run.started and actual < self.today):
                milestone.done_on = actual
                milestone.version, milestone.updated_at = 2, self.office(actual)
            elif run.started and rng.random() < 0.85:
                expected = fiction.workday(forecast)
                if expected < self.today:
                    expected = self.today + datetime.timedelta(days=rng.randint(3, 14))
                if expected != planned:
                    milestone.forecast_on = expected
                    milestone.version, milestone.updated_at = 2, self.office(self.today - ONE_DAY)
            run.milestones.append(milestone)

    def _reports(self, run: Run) -> None:
        """Weekly status reports on a running project, monthly on a closed one (their history)."""
        rng, project = self.rng, run.project
        if not run.started:
            return
        this_monday = self.today - datetime.timedelta(days=self.today.weekday())
        start = project.starts_on or self.today
        first = start - datetime.timedelta(days=start.weekday())
        last = min(this_monday - ONE_WEEK if self.today.weekday() < 4 else this_monday, run.actual_end)
        step = ONE_WEEK if project.status != ProjectStatus.CLOSED else 4 * ONE_WEEK
        span = max(1, (run.actual_end - start).days)
        week = first + ONE_WEEK
        mondays = []
        while week <= last:
            mondays.append(week)
            week += step
        for n, monday in enumerate(mondays):
            if rng.random() < 0.1 and n < len(mondays) - 1:
                continue
            elapsed = min(1.0, (monday - start).days / span)
            over = (run.ratio - 1) * elapsed
            level = Health.GREEN if over < 0.05 else Health.AMBER if over < 0.12 else Health.RED
            if rng.random() < 0.1:
                level = rng.choice([Health.GREEN, Health.AMBER])
            friday = monday + datetime.timedelta(days=4)
            at = self.at(friday, rng.randint(10, 15), rng.randint(0, 59))
            report = StatusReport(
                pk=self.ids.take(StatusReport),
                project=project,
                week=monday,
                health=level,
                comment=rng.choice(words.STATUS_COMMENTS[level]),
                author=run.manager,
                created_at=at,
            )
            run.reports.append(report)
            if project.status != ProjectStatus.CLOSED or self.full_detail:
                self._record(
                    "status_report.created",
                    report,
                    run.manager,
                    at,
                    context=project,
                    changes=_initial(report, ["health", "comment"]),
                )

    def _deviations(self, run: Run) -> None:
        rng, project = self.rng, run.project
        manager = run.manager
        packages = [w.row for w in run.works]
        record_history = project.status != ProjectStatus.CLOSED or self.full_detail
        # Milestones reached after their planned day were late for a while: a deviation opened and closed.
        for milestone in run.milestones:
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
                events=record_history,
            )
        if project.status == ProjectStatus.CLOSED:
            self._closed_deviations(run, record_history)
        else:
            troubled = [e for e in run.won.expectations if e.status in detection.TROUBLED_EXPECTATIONS]
            found = detection.findings(
                packages,
                [m for m in run.milestones if m.done_on is None],
                troubled,
                today=self.today,
                threshold=self.threshold,
            )
            for finding in found:
                began = self._began(run, finding)
                self._automatic(
                    run, finding.kind, finding.subject, finding.numbers, began, closed=None, events=True
                )
        # Raised by hand.
        if run.started and rng.random() < (0.3 if project.status != ProjectStatus.CLOSED else 0.12):
            what, consequence, action = rng.choice(words.MANUAL_DEVIATIONS)
            at = self._moment_in(run, rng.uniform(0.2, 0.9))
            deviation = Deviation(
                pk=self.ids.take(Deviation),
                project=project,
                kind=DeviationKind.MANUAL,
                subject="",
                what=what,
                consequence=consequence,
                action=action,
                owner=manager,
                numbers={},
                status=DeviationStatus.OPEN,
                raised_by_id=manager.pk,
                created_at=at,
                updated_at=at,
                version=1,
            )
            run.deviations.append(deviation)
            if record_history:
                self._record(
                    "deviation.raised",
                    deviation,
                    manager,
                    at,
                    context=project,
                    changes=_initial(deviation, ["what", "consequence", "action", "owner"]),
                )
            if project.status == ProjectStatus.CLOSED or rng.random() < 0.4:
                end = (
                    self.at(run.closed_on or run.actual_end, 14)
                    if project.status == ProjectStatus.CLOSED
                    else self.midnight
                )
                closed_at = self.between(at, end)
                self._close_deviation(
                    deviation,
                    closed_at,
                    rng.choice(words.DEVIATION_RESOLUTIONS),
                    manager,
                    events=record_history,
                )

    def _began(self, run: Run, finding: Any) -> datetime.datetime:
        """When a condition that holds on the day began, near enough: the booking or the date that broke it."""
        rng = self.rng
        if finding.kind == DeviationKind.PACKAGE_OVER_BUDGET:
            package_id = int(finding.subject.split(":")[1])
            work = next(w for w in run.works if w.row.pk == package_id)
            budget = int(work.row.budget_hours * 2)
            total = 0
            for (_person, monday), units in sorted(work.weeks.items(), key=lambda item: item[0][1]):
                total += units
                if total > budget:
                    return self.at(
                        min(self.day(monday) + datetime.timedelta(days=4), self.today - ONE_DAY),
                        16,
                        rng.randint(0, 59),
                    )
        if finding.kind == DeviationKind.MILESTONE_LATE and finding.numbers.get("overdue"):
            planned = datetime.date.fromisoformat(finding.numbers["planned_on"]) + ONE_DAY
            return self.at(min(planned, self.today - ONE_DAY), 6, rng.randint(0, 59))
        return self._moment_in(run, rng.uniform(0.5, 1.0))

    def _closed_deviations(self, run: Run, record: bool) -> None:
        """A closed project's deviations: what the rules found while it ran, closed when it was closed."""
        rng, project = self.rng, run.project
        closing = self.at(run.closed_on or run.actual_end, 15, rng.randint(0, 59))
        resolution = rng.choice(["Prosjektet er avsluttet; tatt med i erfaringsoppsummeringen."])
        budget = sum((w.row.budget_hours for w in run.works), ZERO)
        actual = sum((Decimal(w.booked) / 2 for w in run.works), ZERO)
        if budget > 0 and (actual - budget) * HUNDRED / budget >= self.threshold:
            forecast = (budget * (1 + self.threshold / HUNDRED)).quantize(Decimal("0.1"))
            numbers = {
                "forecast_hours": float(forecast),
                "baseline_hours": float(budget),
                "over_hours": float(forecast - budget),
                "over_percent": float(((forecast - budget) * HUNDRED / budget).quantize(Decimal("0.1"))),
                "threshold_percent": float(self.threshold),
            }
            self._automatic(
                run,
                DeviationKind.FORECAST_OVER_BASELINE,
                "project",
                numbers,
                self._moment_in(run, rng.uniform(0.3, 0.7)),
                closed=closing,
                events=record,
                resolution=resolution,
            )
        for work in run.works:
            package = work.row
            if Decimal(work.booked) / 2 <= package.budget_hours:
                continue
            over = Decimal("0.5")
            numbers = {
                "package": package.name,
                "actual_hours": float(package.budget_hours + over),
                "budget_hours": float(package.budget_hours),
                "over_hours": float(over),
                "over_percent": float((over * HUNDRED / package.budget_hours).quantize(Decimal("0.1")))
                if package.budget_hours > 0
                else None,
            }
            began = self._began(
                run,
                SimpleNamespace(
                    kind=DeviationKind.PACKAGE_OVER_BUDGET, subject=f"package:{package.pk}", numbers=numbers
                ),
            )
            self._automatic(
                run,
                DeviationKind.PACKAGE_OVER_BUDGET,
                f"package:{package.pk}",
                numbers,
                min(began, closing - datetime.timedelta(hours=1)),
                closed=closing,
                events=record,
                resolution=resolution,
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
        events: bool,
        resolution: str = "",
    ) -> None:
        project = run.project
        at = max(at, project.created_at + datetime.timedelta(minutes=5))
        with translation.override(settings.LANGUAGE_CODE):
            what = detection.describe(kind, numbers)
        deviation = Deviation(
            pk=self.ids.take(Deviation),
            project=project,
            kind=kind,
            subject=subject,
            what=what,
            owner=run.manager,
            numbers=numbers,
            status=DeviationStatus.OPEN,
            created_at=at,
            updated_at=at,
            version=1,
        )
        run.deviations.append(deviation)
        if events:
            self._record(
                "deviation.detected",
                deviation,
                None,
                at,
                context=project,
                data={"kind": kind, "subject": subject, "numbers": numbers},
            )
        if closed is not None:
            closed = max(closed, at + datetime.timedelta(minutes=1))
            if not resolution:
                with translation.override(settings.LANGUAGE_CODE):
                    resolution = gettext("Closed automatically: the condition no longer holds.")
                self._close_deviation(deviation, closed, resolution, None, events=events, automatic=True)
            else:
                self._close_deviation(deviation, closed, resolution, run.manager, events=events)

    def _close_deviation(
        self,
        deviation: Deviation,
        at: datetime.datetime,
        resolution: str,
        by: Person | None,
        *,
        events: bool,
        automatic: bool = False,
    ) -> None:
        deviation.status, deviation.closed_at, deviation.resolution = DeviationStatus.CLOSED, at, resolution
        deviation.version += 1
        deviation.updated_at = at
        if not events:
            return
        changes = change(deviation, "status", DeviationStatus.OPEN, DeviationStatus.CLOSED)
        if not automatic:
            changes |= change(deviation, "resolution", "", resolution)
        self._record(
            "deviation.closed",
            deviation,
            by,
            at,
            version=deviation.version,
            context=deviation.project,
            changes=changes,
            data={"automatic": True, "numbers": deviation.numbers} if automatic else {},
        )

    def _totals(self, run: Run) -> None:
        """The project's stored totals and health, as `refresh_numbers` keeps them."""
        project = run.project
        closed = project.status == ProjectStatus.CLOSED
        actual = forecast = budget_hours = budget_amount = ZERO
        over = []
        for work in run.works:
            package = work.row
            left = progress.remaining(
                package.budget_hours,
                package.actual_hours,
                remaining_hours=package.remaining_hours,
                percent_complete=package.percent_complete,
            )
            actual += package.actual_hours
            forecast += progress.forecast_at_completion(package.actual_hours, left)
            budget_hours += package.budget_hours
            budget_amount += package.budget_amount
            if package.actual_hours > package.budget_hours:
                over.append(progress.PackageOver(package.name, package.actual_hours, package.budget_hours))
        project.actual_hours, project.forecast_hours = actual, forecast.quantize(Decimal("0.1"))
        project.budget_hours, project.budget_amount = budget_hours, budget_amount
        on = run.actual_end if closed else self.today
        late = [
            progress.LateMilestone(m.name, m.planned_on, max(m.forecast_on or m.planned_on, on))
            for m in run.milestones
            if m.done_on is None and max(m.forecast_on or m.planned_on, on) > m.planned_on
        ]
        latest = max(run.reports, key=lambda r: (r.week, r.created_at)) if run.reports else None
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
                reported=latest.health if latest else None,
                reported_comment=latest.comment if latest else "",
                late=late,
                expectations=troubled,
                packages_over=over,
                manual_deviations=0 if closed else manual,
            )
        project.health = assessed.level

    def _close(self, run: Run) -> None:
        """Close the project: satisfaction that falls as the overrun grows, and the retrospective."""
        rng, project = self.rng, run.project
        closed_on = run.closed_on or run.actual_end
        closed_at = self.at(closed_on, 15, rng.randint(0, 59))
        sold = sum((w.row.sold_hours for w in run.works), ZERO)
        ratio = float(project.actual_hours / sold) if sold else run.ratio
        satisfaction = min(5, max(1, round(4.4 - 1.7 * (ratio - 1) + rng.gauss(0, 0.6))))
        for deviation in run.deviations:
            if deviation.status == DeviationStatus.OPEN:
                self._close_deviation(
                    deviation, closed_at, "Prosjektet er avsluttet.", run.manager, events=self.full_detail
                )
        well = " ".join(rng.sample(words.RETRO_WENT_WELL, k=rng.randint(1, 2)))
        badly = (
            " ".join(rng.sample(words.RETRO_WENT_BADLY, k=rng.randint(1, 2)))
            if ratio > 1.05 or rng.random() < 0.3
            else ""
        )
        retrospective = Retrospective(
            pk=self.ids.take(Retrospective),
            project=project,
            went_well=well,
            went_badly=badly,
            satisfaction=satisfaction,
            author=run.manager,
            created_at=closed_at,
            updated_at=closed_at,
        )
        phases = {Phase.SALES: 2 + (3 if ratio > 1.3 else 0), Phase.HANDOVER: 1, Phase.DELIVERY: 3}
        lessons = []
        skills = run.won.skills
        for position in range(rng.randint(1, 4)):
            phase = pipeline_data._weighted(rng, phases)
            text, tags = rng.choice(words.LESSONS[phase])
            lesson_skills = rng.sample(skills, k=min(len(skills), rng.randint(0, 2)))
            lessons.append((self.ids.take(Lesson), text, phase, tags, position, lesson_skills))
        run.retrospective = (retrospective, lessons)  # type: ignore[attr-defined]
        changes = change(project, "status", ProjectStatus.ACTIVE, ProjectStatus.CLOSED)
        changes |= change(project, "closed_on", None, closed_on)
        changes |= change(project, "satisfaction", None, satisfaction)
        project.status, project.closed_on, project.satisfaction = (
            ProjectStatus.CLOSED,
            closed_on,
            satisfaction,
        )
        project.version += 1
        project.updated_at = closed_at
        for work in run.works:
            work.row.progress_on = closed_on
        final = _final_numbers(run)
        self._record(
            "project.closed",
            project,
            run.manager,
            closed_at,
            version=project.version,
            changes=changes,
            data={"final": final},
        )

    # -- events --------------------------------------------------------------------------------------

    def _record(
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


# ------------------------------------------------------------------------------------------ helpers


@dataclass(eq=False)
class _HandoverRows:
    """A handover with its checklist, questions, participants and history, before it is written."""

    handover: Handover
    won: Won
    items: list[tuple[Any, ...]] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    participants: list[int] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    assigned: int = 0
    contacts: int = 0


def _values(before: Any, after: Any, before_text: str, after_text: str) -> dict[str, Any]:
    return {"before": before, "after": after, "before_text": before_text, "after_text": after_text}


def _shown(value: Any) -> str:
    from samspill.lib import events as event_values

    return event_values.shown(value)


def _initial(obj: Any, names: list[str]) -> dict[str, dict[str, Any]]:
    from samspill.demo.generator import initial_changes

    return initial_changes(obj, names)


def rng_choice(rng: random.Random, pool: Sequence[int]) -> int:
    return rng.choice(pool)


def _final_numbers(run: Run) -> dict[str, Any]:
    """The final numbers the closing action keeps: sold, baseline and actual per package and in total."""

    def numbers(
        name: str, sold: Decimal, budget: Decimal, actual: Decimal, pk: int | None = None
    ) -> dict[str, Any]:
        over = progress.over_percent(actual, sold)
        found: dict[str, Any] = {
            "name": name,
            "sold_hours": str(sold),
            "baseline_hours": str(budget),
            "actual_hours": str(actual),
            "over_sold_percent": None if over is None else str(over.quantize(Decimal("0.1"))),
        }
        if pk is not None:
            found["package_id"] = pk
        return found

    packages = [
        numbers(w.row.name, w.row.sold_hours, w.row.budget_hours, w.row.actual_hours, pk=w.row.pk)
        for w in run.works
    ]
    total = numbers(
        "",
        sum((w.row.sold_hours for w in run.works), ZERO),
        sum((w.row.budget_hours for w in run.works), ZERO),
        sum((w.row.actual_hours for w in run.works), ZERO),
    )
    total.pop("name")
    return {"packages": packages, "total": total}


def _checklist_template(at: datetime.datetime) -> list[tuple[str, int, bool]]:
    """Make sure the handover checklist template exists (a reset deletes it) and return its active items."""
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


# ------------------------------------------------------------------------------------------ writing


class _Writer:
    """Collects the rows of each project as it is finished and writes them; time entries as they come."""

    ENTRY_FLUSH = 200_000

    def __init__(self, section: _Section) -> None:
        self.s = section
        self.projects: list[Project] = []
        self.packages: list[ProjectPackage] = []
        self.package_skills: list[tuple[int, int]] = []
        self.project_skills: list[tuple[int, int]] = []
        self.members: list[tuple[int, int, str]] = []
        self.baselines: list[tuple[Any, ...]] = []
        self.baseline_packages: list[tuple[Any, ...]] = []
        self.milestones: list[Milestone] = []
        self.staffing: list[tuple[Any, ...]] = []
        self.approvals: list[tuple[Any, ...]] = []
        self.reports: list[StatusReport] = []
        self.deviations: list[Deviation] = []
        self.changes: list[ChangeRequest] = []
        self.retrospectives: list[Retrospective] = []
        self.lessons: list[tuple[Any, ...]] = []
        self.lesson_skills: list[tuple[int, int]] = []
        self.created: dict[tuple[int, int], Any] = {}
        self.this_monday = section.offset(section.today) - section.offset(section.today) % 7
        self.handovers_rows: list[_HandoverRows] = []
        self._management: set[int] = set()

    # -- one project ---------------------------------------------------------------------------------

    def project(self, run: Run) -> None:
        s = self.s
        s.finish(run)
        project = run.project
        self._lifecycle(run)
        self.projects.append(project)
        for work in run.works:
            self.packages.append(work.row)
            if work.row.role == Role.MANAGEMENT:
                self._management.add(work.row.pk)
            if work.sold is not None:
                self.package_skills += [(work.row.pk, skill) for skill in work.sold.skills]
        self.project_skills += [(project.pk, skill) for skill in run.won.skills]
        self.members += [(project.pk, person, role) for person, role in run.members.items()]
        self._baselines(run)
        self.milestones += run.milestones
        self.reports += run.reports
        self.deviations += run.deviations
        self.changes += run.changes
        retrospective = getattr(run, "retrospective", None)
        if retrospective is not None:
            row, lessons = retrospective
            self.retrospectives.append(row)
            for lesson_id, text, phase, tags, position, skills in lessons:
                self.lessons.append((lesson_id, row.pk, text, phase, tags, position))
                self.lesson_skills += [(lesson_id, skill) for skill in skills]
        self._approvals(run)
        if project.status != ProjectStatus.CLOSED or s.full_detail:
            self._staffing(run)
        if len(s.entries) >= self.ENTRY_FLUSH:
            self._entries()

    def _lifecycle(self, run: Run) -> None:
        """Record the handover's history, the project's creation and its moves from planned on."""
        s, project = self.s, run.project
        rows: _HandoverRows = run.handover_rows  # type: ignore[attr-defined]
        self.handover(rows)
        at = project.created_at
        s._record("project.created", project, run.manager, at, context=run.won.opp)
        if not run.started:
            return
        started = s.office(project.starts_on or s.today)
        started = max(started, at + datetime.timedelta(minutes=10))
        s._record(
            "project.status_set",
            project,
            run.manager,
            started,
            version=2,
            changes=change(project, "status", ProjectStatus.PLANNED, ProjectStatus.ACTIVE),
        )
        version, last = 2, started
        if project.status == ProjectStatus.ON_HOLD:
            paused = s.between(started, s.midnight)
            s._record(
                "project.status_set",
                project,
                run.manager,
                paused,
                version=3,
                changes=change(project, "status", ProjectStatus.ACTIVE, ProjectStatus.ON_HOLD),
            )
            version, last = 3, paused
        if project.status != ProjectStatus.CLOSED:
            project.version, project.updated_at = version, last

    def handover(self, rows: _HandoverRows) -> None:
        """Record a handover's events oldest first, numbering its versions as they happened."""
        s, handover = self.s, rows.handover
        version = 0
        last = handover.created_at
        for verb, target, actor, at, changes, context, data in sorted(rows.events, key=lambda e: e[3]):
            if target is handover:
                version += 1
                last = at
            s._record(
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
        self.handovers_rows.append(rows)

    def _baselines(self, run: Run) -> None:
        """Version 1 is the sold estimate; each accepted change request adds the next."""
        project = run.project
        estimate_id = run.won.opp.sold_estimate_id
        budgets = {w.row.pk: (w.row.sold_hours, w.row.sold_amount) for w in run.works}
        versions = [(1, BaselineSource.SOLD, estimate_id, None, project.created_at, run.manager.pk)]
        accepted = sorted(
            (c for c in run.changes if c.state == ChangeState.ACCEPTED), key=lambda c: c.updated_at
        )
        snapshots = [dict(budgets)]
        for change_request in accepted:
            hours, amount = budgets[change_request.package_id or 0]
            budgets[change_request.package_id or 0] = (
                hours + change_request.hours,
                amount + change_request.price,
            )
            snapshots.append(dict(budgets))
            seller = project.seller_id or run.manager.pk
            versions.append(
                (
                    len(versions) + 1,
                    BaselineSource.CHANGE,
                    None,
                    change_request.pk,
                    change_request.updated_at,
                    seller,
                )
            )
        for (number, source, estimate, change_id, at, by), snapshot in zip(versions, snapshots, strict=True):
            baseline_id = self.s.ids.take(Baseline)
            hours = sum((h for h, _a in snapshot.values()), ZERO)
            amount = sum((a for _h, a in snapshot.values()), ZERO)
            self.baselines.append(
                (baseline_id, project.pk, number, source, estimate, change_id, hours, amount, at, by)
            )
            self.baseline_packages += [(baseline_id, pk, h, a) for pk, (h, a) in snapshot.items()]

    def _approvals(self, run: Run) -> None:
        """A closed project's weeks are approved; a running one's except the last one or two."""
        s, project = self.s, run.project
        if not run.started:
            return
        weeks: dict[tuple[int, int], int] = {}
        for work in run.works:
            for key, units in work.weeks.items():
                weeks[key] = weeks.get(key, 0) + units
        closed = project.status == ProjectStatus.CLOSED
        open_from = self.this_monday - 7 * s.rng.choice([1, 1, 2])
        recent = self.this_monday - 7 * APPROVED_EVENTS_WEEKS
        for (person, monday), units in sorted(weeks.items(), key=lambda item: (item[0][1], item[0][0])):
            if not closed and monday >= open_from:
                continue
            day = s.day(monday) + datetime.timedelta(days=7 + s.rng.randint(0, 2))
            approved_at = s.at(day, s.rng.randint(8, 15), s.rng.randint(0, 59))
            approval_id = s.ids.take(WeekApproval)
            hours = (Decimal(units) / 2).quantize(Decimal("0.01"))
            self.approvals.append(
                (
                    approval_id,
                    project.pk,
                    person,
                    s.values.day(s.day(monday)),
                    run.manager.pk,
                    s.values.moment(approved_at),
                    str(hours) if s.values.sqlite else hours,
                )
            )
            if s.full_detail or (not closed and monday >= recent):
                approval = WeekApproval(
                    pk=approval_id,
                    project=project,
                    person=s.people[person],
                    week=s.day(monday),
                    approved_by=run.manager,
                    approved_at=approved_at,
                    hours=hours,
                )
                s._record(
                    "week.approved",
                    approval,
                    run.manager,
                    approved_at,
                    context=project,
                    data={"person": person, "week": _week_code(s.day(monday)), "hours": str(hours)},
                )

    def _staffing(self, run: Run) -> None:
        """The plan: each package's sold hours spread over its planned weeks, and what is left after today."""
        s, project = self.s, run.project
        start = s.offset(project.starts_on or s.today)
        end = s.offset(project.ends_on or (project.starts_on or s.today) + 6 * ONE_WEEK)
        span = max(5, end - start)
        experts = [w for w in run.works if w.row.role == Role.EXPERT]
        n = max(1, len(experts))
        future_end = s.offset(max(run.forecast_end, project.ends_on or run.forecast_end))
        running = project.status != ProjectStatus.CLOSED
        for work in run.works:
            people = work.people or [
                run.manager.pk if work.row.role != Role.EXPERT else s.rng.choice(s.experts)
            ]
            if work.people == [] and work.row.role == Role.EXPERT:
                team = [p for p, r in run.won.team if r in (TeamRole.SOLUTION_LEAD, TeamRole.EXPERT)]
                people = [s.rng.choice(team or s.experts)]
                work.people = people
                run.members.setdefault(people[0], ProjectRole.MEMBER)
                self.members.append((project.pk, people[0], ProjectRole.MEMBER))
            if work.row.role == Role.EXPERT:
                k = experts.index(work)
                first = start + round(span * 0.6 * k / n)
                last = max(first + 4, start + round(span * min(1.0, 0.6 * k / n + 0.4 + 0.6 / n)))
            else:
                first, last = start, end
            mondays = list(range(first - first % 7, last + 1, 7))
            planned = round(float(work.row.sold_hours) * 2)
            rows: dict[tuple[int, int], int] = {}
            share = planned / max(1, len(mondays) * len(people))
            for monday in mondays:
                for person in people:
                    rows[(person, monday)] = max(1, round(share))
            if running and run.started:
                left = max(0, work.final - work.booked)
                later = [m for m in range(max(self.this_monday, mondays[-1] + 7), future_end + 1, 7)]
                if left and later:
                    per = max(1, round(left / (len(later) * len(people))))
                    for monday in later:
                        for person in people:
                            rows[(person, monday)] = per
            for (person, monday), units in rows.items():
                hours = Decimal(units) / 2
                self.staffing.append(
                    (
                        project.pk,
                        work.row.pk,
                        person,
                        s.values.day(s.day(monday)),
                        str(hours) if s.values.sqlite else hours,
                    )
                )

    # -- writing ----------------------------------------------------------------------------------------

    def _entries(self) -> None:
        s = self.s
        values = s.values
        created = self.created
        notes = words.TIME_NOTES
        management = self._management
        rows = []
        for project_id, package_id, person, offset, units in s.entries:
            key = (offset, person % 97)
            moment = created.get(key)
            if moment is None:
                day = s.day(offset)
                moment = created[key] = values.moment(
                    datetime.datetime.combine(day, datetime.time(15, 30), tzinfo=fiction.OSLO)
                    + datetime.timedelta(minutes=person % 97)
                )
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

    def finish(self, handovers: list[_HandoverRows], runs: list[Run]) -> None:
        s = self.s
        for rows in handovers:
            self.handover(rows)
        self._entries()
        counts = s.counts
        all_handovers = self.handovers_rows
        bulk.write_objects(Handover, [r.handover for r in all_handovers])
        counts["checklist items"] = bulk.write(
            ChecklistItem,
            ["id", "handover", "text", "position", "required", "done_at", "done_by"],
            (
                (i, r.handover.pk, text, position, required, at, by)
                for r in all_handovers
                for i, text, position, required, at, by in r.items
            ),
        )
        bulk.write_objects(Question, [q for r in all_handovers for q in r.questions])
        bulk.write(
            Handover.participants.through,
            ["handover", "person"],
            ((r.handover.pk, p) for r in all_handovers for p in r.participants),
        )
        bulk.write_objects(Project, self.projects)
        bulk.write(Project.skills.through, ["project", "skill"], self.project_skills)
        bulk.write(ProjectMember, ["project", "person", "role"], self._unique_members())
        bulk.write_objects(ProjectPackage, self.packages)
        bulk.write(ProjectPackage.skills.through, ["projectpackage", "skill"], self.package_skills)
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
            self.baselines,
        )
        bulk.write(BaselinePackage, ["baseline", "package", "hours", "amount"], self.baseline_packages)
        bulk.write_objects(Milestone, self.milestones)
        bulk.write_objects(ChangeRequest, self.changes)
        bulk.write_objects(StatusReport, self.reports)
        bulk.write_objects(Deviation, self.deviations)
        bulk.write_objects(Retrospective, self.retrospectives)
        bulk.write(
            Lesson,
            ["id", "retrospective", "text", "phase", "tags", "position"],
            ((i, r, t, p, _json(tags), pos) for i, r, t, p, tags, pos in self.lessons),
        )
        bulk.write(Lesson.skills.through, ["lesson", "skill"], self.lesson_skills)
        delivery_rows.write_prepared(
            WeekApproval,
            ["id", "project", "person", "week", "approved_by", "approved_at", "hours"],
            self.approvals,
        )
        delivery_rows.write_prepared(
            Staffing, ["project", "package", "person", "week", "hours"], self.staffing
        )
        counts.update(
            {
                "work packages": len(self.packages),
                "baselines": len(self.baselines),
                "milestones": len(self.milestones),
                "staffing": len(self.staffing),
                "approved weeks": len(self.approvals),
                "status reports": len(self.reports),
                "deviations": len(self.deviations),
                "open deviations": sum(1 for d in self.deviations if d.status == DeviationStatus.OPEN),
                "change requests": len(self.changes),
                "retrospectives": len(self.retrospectives),
                "lessons": len(self.lessons),
            }
        )

    def _unique_members(self) -> Iterator[tuple[int, int, str]]:
        seen: set[tuple[int, int]] = set()
        for project_id, person, role in self.members:
            if (project_id, person) not in seen:
                seen.add((project_id, person))
                yield project_id, person, role


def _json(value: Any) -> Any:
    from django.db import connection
    from django.db.models import JSONField

    return JSONField().get_db_prep_save(value, connection)


def _week_code(monday: datetime.date) -> str:
    """A week as `2026-W09`, as the time actions write it."""
    year, week, _weekday = monday.isocalendar()
    return f"{year}-W{week:02d}"
