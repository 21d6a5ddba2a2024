"""Reusable reads of opportunities: the filters, the board's columns and totals, and framework agreement use.

Every function starts from `Opportunity.objects.visible_to(user)`, so a confidential opportunity never
reaches a board, a list, a CSV file, an API list or a total of somebody outside its team.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from samspill.customers.models import FrameworkAgreement
from samspill.lib import registry
from samspill.lib.formatting import date as show_date
from samspill.lib.formatting import nok
from samspill.pipeline.models import (
    CLOSED_STAGES,
    OPEN_STAGES,
    ExpertReview,
    LostReason,
    Opportunity,
    ReviewState,
    Stage,
    StageSetting,
    TeamMember,
    Verdict,
    sees_everything,
)

FIRST_CARDS = 12  # each column's first cards; "Show more" adds MORE_CARDS at a time
MORE_CARDS = 20
RECENT_DAYS = 90
OFFERS_DUE_DAYS = 14
MONTHS_AHEAD = 12
ZERO = Decimal(0)
CENTS = Decimal("0.01")

MONEY_FIELD = DecimalField(max_digits=20, decimal_places=4)
WEIGHTED = ExpressionWrapper(F("value") * F("probability") / Value(Decimal(100)), output_field=MONEY_FIELD)

# The order cards take in a column, and the list's sortable columns.
BOARD_SORTS = {
    "value": ("-value", "offer_due", "pk"),
    "due": (F("offer_due").asc(nulls_last=True), "-value", "pk"),
    "start": (F("expected_start").asc(nulls_last=True), "-value", "pk"),
}
CLOSED_ORDER = ("-decided_on", "-value", "pk")


def money(value: Any) -> Decimal:
    """Return a database sum as kroner and øre (None as 0)."""
    return Decimal(value or 0).quantize(CENTS)


# -- filters ---------------------------------------------------------------------------------------


def _id(value: Any) -> Any:
    return getattr(value, "pk", value)


def filtered(user: Any, data: Mapping[str, Any]) -> QuerySet[Opportunity]:
    """Return the opportunities `user` may see that match the filters in `data` (all stages).

    Keys (all optional): q, owner, customer, agreement, project_type, skill, start_from, start_to, mine,
    stage ("open", "closed", "all" or a stage code; the default, None, keeps every stage).
    """
    rows = Opportunity.objects.visible_to(user)
    if q := (data.get("q") or "").strip():
        rows = rows.filter(
            Q(title__icontains=q) | Q(customer__name__icontains=q) | Q(description__icontains=q)
        )
    if data.get("owner"):
        rows = rows.filter(owner_id=_id(data["owner"]))
    if data.get("customer"):
        rows = rows.filter(customer_id=_id(data["customer"]))
    if data.get("agreement"):
        rows = rows.filter(agreement_id=_id(data["agreement"]))
    if data.get("project_type"):
        rows = rows.filter(project_type=data["project_type"])
    if data.get("skill"):
        needs = Opportunity.required_skills.through.objects.filter(
            opportunity_id=OuterRef("pk"), skill_id=_id(data["skill"])
        )
        rows = rows.filter(Exists(needs))
    if data.get("start_from"):
        rows = rows.filter(expected_start__gte=data["start_from"])
    if data.get("start_to"):
        rows = rows.filter(expected_start__lte=data["start_to"])
    if data.get("mine"):
        rows = rows.of(user)
    stage = data.get("stage")
    if stage == "open":
        rows = rows.open()
    elif stage == "closed":
        rows = rows.closed()
    elif stage in Stage.values:
        rows = rows.filter(stage=stage)
    return rows


CARD_FIELDS = (
    "title",
    "value",
    "probability",
    "stage",
    "expected_start",
    "offer_due",
    "decided_on",
    "lost_reason",
    "confidential",
    "version",
    "updated_at",
    "customer__name",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
)


def card_rows(rows: QuerySet[Opportunity], user: Any) -> QuerySet[Opportunity]:
    """The card facts, loading only the fields a card or list row shows (the board renders many)."""
    return with_card_facts(rows, user).only(*CARD_FIELDS)


def with_card_facts(rows: QuerySet[Opportunity], user: Any, *, related: bool = True) -> QuerySet[Opportunity]:
    """Add what a card or list row shows without a query per row: the latest review, write access."""
    latest = ExpertReview.objects.filter(opportunity=OuterRef("pk")).order_by("-pk")
    if related:
        rows = rows.select_related("customer", "owner")
    rows = rows.annotate(
        weighted=WEIGHTED,
        review_state=Subquery(latest.values("state")[:1]),
        review_verdict=Subquery(latest.values("verdict")[:1]),
    )
    if sees_everything(user):
        return rows.annotate(writable=Value(True))
    on_team = TeamMember.objects.filter(opportunity=OuterRef("pk"), person_id=user.pk)
    return rows.annotate(writable=Q(owner_id=user.pk) | Exists(on_team))


# -- the board -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Card:
    """What one card on the board shows, formatted once here: the board renders many."""

    pk: int
    version: int
    stage: str
    title: str
    url: str
    customer: str
    confidential: bool
    movable: bool
    value: str
    weighted: str
    expected_start: str
    offer_due: str
    overdue: bool
    decided_on: str
    lost_reason: str
    owner: str
    owner_initials: str
    review: str
    sort_key: tuple[Any, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES


CARD_VALUES = (
    "pk",
    "version",
    "stage",
    "title",
    "value",
    "probability",
    "weighted",
    "expected_start",
    "offer_due",
    "decided_on",
    "lost_reason",
    "confidential",
    "customer__name",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
    "review_state",
    "review_verdict",
    "writable",
)


def _card_values(
    rows: QuerySet[Opportunity], user: Any, order: list[Any] | None = None, window: slice | None = None
) -> list[dict[str, Any]]:
    """The card facts as plain rows (no model objects): one query, whatever the number of cards."""
    found = with_card_facts(rows, user, related=False).values(*CARD_VALUES).order_by(*(order or ()))
    return list(found[window] if window is not None else found)


class CardMaker:
    """Turns card rows into cards, with what every card shares worked out once per page."""

    def __init__(self, today: datetime.date | None = None) -> None:
        self.today = today or timezone.localdate()
        marker = 2_147_483_647
        self.url = reverse("pipeline:opportunity", args=[marker]).replace(str(marker), "{}")
        self.lost_reasons = {code: str(label) for code, label in LostReason.choices}

    def __call__(self, row: dict[str, Any], sort: str = "value") -> Card:
        is_open = row["stage"] in OPEN_STAGES
        first, last = row["owner__first_name"], row["owner__last_name"]
        owner = f"{first} {last}".strip() or row["owner__username"]
        initials = (first[:1] + last[:1]) or row["owner__username"][:2]
        review = row["review_state"] or ""
        if review == ReviewState.DONE:
            review = row["review_verdict"] or Verdict.NOT_REALISTIC
        offer_due = row["offer_due"]
        return Card(
            pk=row["pk"],
            version=row["version"],
            stage=row["stage"],
            title=row["title"],
            url=self.url.format(row["pk"]),
            customer=row["customer__name"],
            confidential=row["confidential"],
            movable=bool(row["writable"]) and row["stage"] != Stage.WON,
            value=nok(row["value"]),
            weighted=f"{row['probability']}\xa0% · {nok(row['weighted'], 0)}" if is_open else "",
            expected_start=show_date(row["expected_start"]) if is_open else "",
            offer_due=show_date(offer_due) if is_open else "",
            overdue=is_open and offer_due is not None and offer_due < self.today,
            decided_on="" if is_open else show_date(row["decided_on"]),
            lost_reason=self.lost_reasons.get(row["lost_reason"], ""),
            owner=owner,
            owner_initials=initials.upper(),
            review=review,
            sort_key=_sort_key(row, sort),
        )


@dataclass
class Column:
    """One stage on the board: its totals over every matching opportunity, and its first cards."""

    stage: str
    label: str
    probability: int
    requires_review: bool
    count: int = 0
    total: Decimal = ZERO
    weighted: Decimal = ZERO
    cards: list[Card] = field(default_factory=list)
    recent_only: bool = False

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def shown(self) -> int:
        return len(self.cards)

    @property
    def has_more(self) -> bool:
        return self.count > len(self.cards)


def recent_cutoff(today: datetime.date | None = None) -> datetime.date:
    return (today or timezone.localdate()) - datetime.timedelta(days=RECENT_DAYS)


def in_column(rows: QuerySet[Opportunity], stage: str, cutoff: datetime.date) -> QuerySet[Opportunity]:
    """The rows of one board column: a stage, and for won and lost only those decided since `cutoff`."""
    rows = rows.filter(stage=stage)
    return rows.filter(decided_on__gte=cutoff) if stage in CLOSED_STAGES else rows


def stage_totals(rows: QuerySet[Opportunity], cutoff: datetime.date) -> dict[str, dict[str, Any]]:
    """Return {stage: {"count", "total", "weighted"}} of the board's columns, in one aggregate query.

    The open stages and the recently decided ones are two parts of a UNION ALL, so each reads one
    range of the indexes on (stage, start or decision date, value, probability, …) instead of all of
    them. Only open stages are weighted (a won or lost one is settled, and there may be many).
    """
    open_part = (
        rows.filter(stage__in=OPEN_STAGES)
        .order_by()
        .values("stage")
        .annotate(count=Count("pk"), total=Sum("value"), weighted=Sum(WEIGHTED))
    )
    recent_part = (
        rows.filter(stage__in=CLOSED_STAGES, decided_on__gte=cutoff)
        .order_by()
        .values("stage")
        .annotate(count=Count("pk"), total=Sum("value"), weighted=Value(ZERO, output_field=MONEY_FIELD))
    )
    found = open_part.union(recent_part, all=True)
    return {
        row["stage"]: {
            "count": row["count"],
            "total": money(row["total"]),
            "weighted": money(row["weighted"]),
        }
        for row in found
    }


def _column_order(stage: str, sort: str) -> tuple[Any, ...]:
    return CLOSED_ORDER if stage in CLOSED_STAGES else BOARD_SORTS.get(sort, BOARD_SORTS["value"])


def board(user: Any, data: Mapping[str, Any], *, per_column: int = FIRST_CARDS) -> list[Column]:
    """Return the board's columns: totals in one query, every column's first cards in one more."""
    settings = StageSetting.current()
    rows = filtered(user, {**data, "stage": None})
    cutoff = recent_cutoff()
    totals = stage_totals(rows, cutoff)
    columns = []
    for stage in Stage:
        column = Column(
            stage=stage.value,
            label=str(stage.label),
            probability=settings[stage.value].probability,
            requires_review=settings[stage.value].requires_review,
            recent_only=stage in CLOSED_STAGES,
            **totals.get(stage.value, {}),
        )
        columns.append(column)
    by_stage = {c.stage: c for c in columns}
    # PostgreSQL answers "mine" well column by column (its UNION ALL reads the team list once).
    narrow = data.get("mine") and not connection.features.supports_slicing_ordering_in_compound
    first_cards = _narrow_first_cards if narrow else _first_cards
    for card in first_cards(rows, cutoff, user, data.get("sort") or "value", per_column):
        by_stage[card.stage].cards.append(card)
    return columns


def _first_cards(
    rows: QuerySet[Opportunity], cutoff: datetime.date, user: Any, sort: str, per_column: int
) -> list[Card]:
    """The first `per_column` cards of every column, in one query.

    Each column is a small sub-select (its stage, its order, a limit) on the bare rows, which the
    indexes on (stage, value) and (stage, decision date) answer without sorting the column; the review
    subqueries of the card facts then run for the kept cards only. Where the database takes a UNION
    ALL of ordered, limited parts (PostgreSQL) the cards are `pk IN (part UNION ALL part …)`, which its
    planner reads as the few rows it is; SQLite gets `pk IN (part) OR pk IN (part) …` instead.
    """
    parts = [
        in_column(rows, stage, cutoff)
        .order_by(*_order_expressions(_column_order(stage, sort)))
        .values("pk")[:per_column]
        for stage in Stage.values
    ]
    if connection.features.supports_slicing_ordering_in_compound:
        chosen = Opportunity.objects.filter(pk__in=parts[0].union(*parts[1:], all=True))
    else:
        condition = Q()
        for part in parts:
            condition |= Q(pk__in=part)
        chosen = Opportunity.objects.filter(condition)
    make = CardMaker()
    cards = [make(row, sort) for row in _card_values(chosen, user)]
    position = {stage: index for index, stage in enumerate(Stage.values)}
    return sorted(cards, key=lambda c: (position[c.stage], c.sort_key))


def _narrow_first_cards(
    rows: QuerySet[Opportunity], cutoff: datetime.date, user: Any, sort: str, per_column: int
) -> list[Card]:
    """The first `per_column` cards of every column when the filter keeps few rows ("mine"), in one query.

    On SQLite `_first_cards` walks each column's index and stops after its first cards; behind "mine"
    that means reading the person's whole team list again for every column and fetching each of its
    rows (a seller with some 900 opportunities of their own: 80 ms). Here the matching rows are read
    once and numbered per stage by a window function in each column's order, keeping the first
    `per_column`. (On PostgreSQL this is slower than `_first_cards`, so the board uses it on SQLite.)
    """
    shown = rows.filter(Q(stage__in=OPEN_STAGES) | Q(stage__in=CLOSED_STAGES, decided_on__gte=cutoff))
    first = shown.annotate(
        place=Window(RowNumber(), partition_by=[F("stage")], order_by=_window_order(sort))
    ).filter(place__lte=per_column)
    make = CardMaker()
    chosen = Opportunity.objects.filter(pk__in=first.values("pk"))
    cards = [make(row, sort) for row in _card_values(chosen, user)]
    position = {stage: index for index, stage in enumerate(Stage.values)}
    return sorted(cards, key=lambda c: (position[c.stage], c.sort_key))


def _window_order(sort: str) -> list[Any]:
    """One order for every column that is each column's own order (`_column_order`) within it.

    A closed row has the decision date first and NULL for the open keys; an open row NULL for the
    decision date and then the open keys; both end with value and id, as both orders do.
    """
    closed = Q(stage__in=CLOSED_STAGES)
    order: list[Any] = [Case(When(closed, then=F("decided_on"))).desc(nulls_last=True)]
    for item in _order_expressions(BOARD_SORTS.get(sort, BOARD_SORTS["value"])):
        term = item.expression
        if term.name == "pk":
            continue
        wrapped = Case(When(~closed, then=term))
        if item.descending:
            order.append(wrapped.desc(nulls_last=item.nulls_last, nulls_first=item.nulls_first))
        else:
            order.append(wrapped.asc(nulls_last=item.nulls_last, nulls_first=item.nulls_first))
    return [*order, F("value").desc(), F("pk").asc()]


def _order_expressions(order: tuple[Any, ...]) -> list[Any]:
    result = []
    for item in order:
        if isinstance(item, str):
            result.append(F(item[1:]).desc() if item.startswith("-") else F(item).asc())
        else:
            result.append(item)
    return result


def _sort_key(row: Mapping[str, Any], sort: str) -> tuple[Any, ...]:
    far = datetime.date.max
    value = row["value"]
    if row["stage"] in CLOSED_STAGES:
        return (-(row["decided_on"] or datetime.date.min).toordinal(), -value, row["pk"])
    if sort == "due":
        return ((row["offer_due"] or far).toordinal(), -value, row["pk"])
    if sort == "start":
        return ((row["expected_start"] or far).toordinal(), -value, row["pk"])
    return (-value, (row["offer_due"] or far).toordinal(), row["pk"])


def column_cards(
    user: Any, data: Mapping[str, Any], stage: str, *, offset: int, limit: int = MORE_CARDS
) -> tuple[list[Card], bool]:
    """Return one column's cards from `offset` (for "load more"), and whether more follow."""
    rows = in_column(filtered(user, {**data, "stage": None}), stage, recent_cutoff())
    sort = data.get("sort") or "value"
    order = _order_expressions(_column_order(stage, sort))
    make = CardMaker()
    window = slice(offset, offset + limit + 1)
    found = [make(row, sort) for row in _card_values(rows, user, order, window)]
    return found[:limit], len(found) > limit


def one_card(user: Any, pk: int) -> Card | None:
    """The card of one opportunity `user` may see (after a move on the board)."""
    found = _card_values(Opportunity.objects.visible_to(user).filter(pk=pk), user)
    return CardMaker()(found[0]) if found else None


# -- totals by month of expected start -------------------------------------------------------------


@dataclass
class Month:
    label: str
    start: datetime.date | None
    total: Decimal = ZERO
    weighted: Decimal = ZERO
    count: int = 0


def _add_months(day: datetime.date, months: int) -> datetime.date:
    year, month = divmod(day.month - 1 + months, 12)
    return datetime.date(day.year + year, month + 1, 1)


def by_month(rows: QuerySet[Opportunity], today: datetime.date | None = None) -> list[Month]:
    """Open value and weighted value by month of expected start, this month and the next eleven.

    Starts already passed go into "Earlier", later ones into "Later", and those without a date into
    "No date", so the months add up to the columns' totals. One aggregate query.
    """
    first = (today or timezone.localdate()).replace(day=1)
    months = [
        Month(label=f"{m:%m.%Y}", start=m) for m in (_add_months(first, i) for i in range(MONTHS_AHEAD))
    ]
    earlier, later, undated = Month(_("Earlier"), None), Month(_("Later"), None), Month(_("No date"), None)
    index = {m.start: m for m in months}
    last = months[-1].start or first
    # Grouping by the date itself and bucketing here is cheaper than a month function on every row.
    found = (
        rows.filter(stage__in=OPEN_STAGES)
        .order_by()
        .values("expected_start")
        .annotate(count=Count("pk"), total=Sum("value"), weighted=Sum(WEIGHTED))
    )
    for row in found:
        start = row["expected_start"]
        month = start.replace(day=1) if start else None
        if month is None:
            bucket = undated
        elif month < first:
            bucket = earlier
        elif month > last:
            bucket = later
        else:
            bucket = index[month]
        bucket.count += row["count"]
        bucket.total += money(row["total"])
        bucket.weighted += money(row["weighted"])
    return [m for m in (earlier,) if m.count] + months + [m for m in (later, undated) if m.count]


# -- framework agreements --------------------------------------------------------------------------


@dataclass
class AgreementUse:
    """How much of a framework agreement's ceiling the won call-offs use, and what open ones may add."""

    ceiling: Decimal
    used: Decimal
    open_total: Decimal
    open_weighted: Decimal
    won_count: int
    open_count: int

    @property
    def remaining(self) -> Decimal:
        return self.ceiling - self.used

    @property
    def used_percent(self) -> int:
        if not self.ceiling:
            return 100 if self.used else 0
        return int(min(self.used / self.ceiling * 100, Decimal(999)))

    @property
    def with_open_percent(self) -> int:
        if not self.ceiling:
            return 0
        return int(min((self.used + self.open_weighted) / self.ceiling * 100, Decimal(999)))


def agreement_use(agreement: FrameworkAgreement, user: Any) -> AgreementUse:
    """Return the use of `agreement` over the call-offs `user` may see, in one aggregate query."""
    found = (
        Opportunity.objects.visible_to(user)
        .filter(agreement=agreement)
        .aggregate(
            used=Sum("value", filter=Q(stage=Stage.WON)),
            won_count=Count("pk", filter=Q(stage=Stage.WON)),
            open_total=Sum("value", filter=Q(stage__in=OPEN_STAGES)),
            open_weighted=Sum(WEIGHTED, filter=Q(stage__in=OPEN_STAGES)),
            open_count=Count("pk", filter=Q(stage__in=OPEN_STAGES)),
        )
    )
    return AgreementUse(
        ceiling=agreement.ceiling,
        # Won call-offs, plus what other apps count as call-offs (accepted change requests).
        used=money(found["used"]) + money(registry.agreement_usage(agreement, user)),
        open_total=money(found["open_total"]),
        open_weighted=money(found["open_weighted"]),
        won_count=found["won_count"],
        open_count=found["open_count"],
    )


def used_by_others(agreement: FrameworkAgreement, user: Any, exclude: int | None = None) -> Decimal:
    """The value of the agreement's won call-offs `user` may see, leaving out the opportunity `exclude`."""
    rows = Opportunity.objects.visible_to(user).filter(agreement=agreement, stage=Stage.WON)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    used = rows.aggregate(used=Coalesce(Sum("value"), Value(ZERO), output_field=MONEY_FIELD))["used"]
    return money(used) + money(registry.agreement_usage(agreement, user))


def ceiling_warning(
    agreement: FrameworkAgreement | None, value: Decimal | None, user: Any, exclude: int | None = None
) -> str | None:
    """Warn (not refuse) when this call-off would take the framework agreement past its ceiling."""
    if agreement is None or value is None:
        return None
    used = used_by_others(agreement, user, exclude)
    if used + value <= agreement.ceiling:
        return None
    return _(
        "This call-off takes the framework agreement past its ceiling: "
        "used %(used)s + %(value)s > ceiling %(ceiling)s"
    ) % {
        "used": nok(used),
        "value": nok(value),
        "ceiling": nok(agreement.ceiling),
    }


# -- start page ------------------------------------------------------------------------------------


def offers_due(user: Any, today: datetime.date | None = None) -> QuerySet[Opportunity]:
    """Open offers of `user` (owner or team) due within OFFERS_DUE_DAYS days, or overdue, soonest first."""
    today = today or timezone.localdate()
    return (
        Opportunity.objects.visible_to(user)
        .open()
        .of(user)
        .filter(offer_due__isnull=False, offer_due__lte=today + datetime.timedelta(days=OFFERS_DUE_DAYS))
        .select_related("customer")
        .order_by("offer_due", "pk")
    )
