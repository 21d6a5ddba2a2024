"""What opportunities add to shared pages, search, feeds and access.

- the customer page lists the customer's open and past opportunities with totals;
- the framework agreement page lists its call-offs and the ceiling used;
- the start page lists the person's offers due within two weeks, and overdue ones;
- an opportunity's feed includes the events of its team, expectations and estimates;
- search covers opportunities and expectations, each only for who may see the opportunity.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samspill.activity.feeds import within
from samspill.customers.models import Customer, FrameworkAgreement
from samspill.lib import registry
from samspill.pipeline import queries
from samspill.pipeline.access import can_change_expectation, can_change_opportunity, can_sell
from samspill.pipeline.models import OPEN_STAGES, Expectation, Opportunity, Stage, TeamMember

PANEL_ROWS = 8


def _customer_panel(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    rows = Opportunity.objects.visible_to(request.user).filter(customer=customer)
    totals = rows.aggregate(
        open_count=Count("pk", filter=Q(stage__in=OPEN_STAGES)),
        open_total=Sum("value", filter=Q(stage__in=OPEN_STAGES)),
        open_weighted=Sum(queries.WEIGHTED, filter=Q(stage__in=OPEN_STAGES)),
        won_count=Count("pk", filter=Q(stage=Stage.WON)),
        won_total=Sum("value", filter=Q(stage=Stage.WON)),
        lost_count=Count("pk", filter=Q(stage=Stage.LOST)),
    )
    for name in ("open_total", "open_weighted", "won_total"):
        totals[name] = queries.money(totals[name])
    return {
        "customer": customer,
        "totals": totals,
        "open": list(rows.open().order_by("-value", "pk")[:PANEL_ROWS]),
        "past": list(rows.closed().order_by("-decided_on", "-pk")[:5]),
        "can_create": can_sell(request.user),
        "today": timezone.localdate(),
    }


def _agreement_panel(request: HttpRequest, agreement: FrameworkAgreement) -> dict[str, Any]:
    call_offs = list(
        Opportunity.objects.visible_to(request.user)
        .filter(agreement=agreement)
        .order_by("-decided_on", "-created_at")[: PANEL_ROWS + 1]
    )
    return {
        "agreement": agreement,
        "use": queries.agreement_use(agreement, request.user),
        "call_offs": call_offs[:PANEL_ROWS],
        "more": len(call_offs) > PANEL_ROWS,
        "can_create": can_sell(request.user),
    }


def _offers_due(request: HttpRequest) -> dict[str, Any] | None:
    due = queries.offers_due(request.user)
    offers = list(due[:PANEL_ROWS])
    if not offers:
        return None
    count = len(offers) if len(offers) < PANEL_ROWS else due.count()
    return {"offers": offers, "count": count, "today": timezone.localdate(), "days": queries.OFFERS_DUE_DAYS}


registry.register_panel(
    Customer,
    key="pipeline.opportunities",
    template="pipeline/panel_customer.html",
    context=_customer_panel,
    order=10,
)
registry.register_panel(
    FrameworkAgreement,
    key="pipeline.call_offs",
    template="pipeline/panel_agreement.html",
    context=_agreement_panel,
    order=10,
)
registry.register_start_item(
    key="pipeline.offers_due", template="pipeline/start_offers_due.html", context=_offers_due, order=20
)
registry.register_feed_source(Opportunity, within)


def _visible_members(user: Any) -> Any:
    return TeamMember.objects.filter(opportunity__in=Opportunity.objects.visible_to(user).values("pk"))


def _can_change_member(user: Any, member: Any) -> bool:
    return can_change_opportunity(user, member.opportunity)


def _can_change(user: Any, opportunity: Any) -> bool:
    return can_change_opportunity(user, opportunity)


def _can_change_expectation(user: Any, expectation: Any) -> bool:
    return can_change_expectation(user, expectation)


registry.register_access(
    Opportunity,
    visible_to=lambda user: Opportunity.objects.visible_to(user),
    can_change=_can_change,
)
registry.register_access(TeamMember, visible_to=_visible_members, can_change=_can_change_member)
registry.register_access(
    Expectation,
    visible_to=lambda user: Expectation.objects.visible_to(user),
    can_change=_can_change_expectation,
)

registry.register_search_source(
    registry.SearchSource(
        key="opportunities",
        label=_("Opportunities"),
        model=Opportunity,
        fields=("title", "description", "customer.name"),
        visible_to=lambda user: Opportunity.objects.visible_to(user),
        title="title",
        customer="customer_id",
        date="updated_at",
        select_related=("customer",),
        icon="kanban",
    )
)
registry.register_search_source(
    registry.SearchSource(
        key="expectations",
        label=_("Expectations"),
        model=Expectation,
        fields=("customer_words", "acceptance_criteria", "source_note"),
        visible_to=lambda user: Expectation.objects.visible_to(user),
        title=lambda expectation: expectation.customer_words[:120],
        customer="opportunity.customer_id",
        date="updated_at",
        select_related=("opportunity",),
        icon="chat-quote",
    )
)

registry.register_verbs(
    {
        "opportunity.created": _("%(actor)s created the opportunity %(object)s"),
        "opportunity.updated": _("%(actor)s changed the opportunity %(object)s"),
        "opportunity.moved": _("%(actor)s moved %(object)s to another stage"),
        "opportunity.won": _("%(actor)s recorded %(object)s as won"),
        "opportunity.lost": _("%(actor)s recorded %(object)s as lost"),
        "opportunity.team_added": _("%(actor)s put %(object)s on the team"),
        "opportunity.team_removed": _("%(actor)s took %(object)s off the team"),
        "expectation.created": _("%(actor)s wrote down the expectation “%(object)s”"),
        "expectation.updated": _("%(actor)s changed the expectation “%(object)s”"),
        "stage.configured": _("%(actor)s changed the settings of the stage %(object)s"),
    }
)
