"""Pipeline pages: the board, the list and its CSV file, an opportunity with its stage, team, expectations."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Sum, TextChoices, Value, When
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from samspill.customers.access import get_customer_for
from samspill.customers.models import Customer
from samspill.lib.errors import ActionError
from samspill.lib.forms import apply_action
from samspill.lib.listing import ordering, sorted_page
from samspill.people.models import is_administrator
from samspill.pipeline import queries
from samspill.pipeline.access import (
    can_change_opportunity,
    can_override_gate,
    can_sell,
    get_expectation_for,
    get_opportunity_for,
)
from samspill.pipeline.actions import expectations as expectation_actions
from samspill.pipeline.actions import opportunities as actions
from samspill.pipeline.actions import reviews as review_actions
from samspill.pipeline.actions.estimates import configure_role_rates, firm_rate
from samspill.pipeline.forms.opportunities import (
    ExpectationForm,
    ListFilter,
    LoseForm,
    MoveForm,
    OpportunityForm,
    PipelineFilter,
    RoleRatesForm,
    StageSettingsForm,
    TeamMemberForm,
    WinForm,
    option_list,
)
from samspill.pipeline.models import (
    CLOSED_STAGES,
    OPEN_STAGES,
    ContractType,
    ExpertReview,
    LostReason,
    Opportunity,
    ProjectType,
    RoleRate,
    Stage,
    StageSetting,
    TeamMember,
)

# -- helpers ---------------------------------------------------------------------------------------


def _htmx(request: HttpRequest) -> bool:
    """Whether the request comes from htmx (or the board's script), which wants a fragment back."""
    return bool(getattr(request, "htmx", False))


def _writable(request: HttpRequest, pk: int) -> Opportunity:
    """The opportunity, if the person may change it: 404 when unseen, 403 when only readable."""
    opportunity = get_opportunity_for(request.user, pk)
    if not can_change_opportunity(request.user, opportunity):
        raise PermissionDenied(_("You may read this opportunity but not change it."))
    return opportunity


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _board_filters(query: QueryDict | None) -> tuple[PipelineFilter, dict[str, Any]]:
    form = PipelineFilter(query or None)
    return form, form.values() if query else {}


def _summary(columns: list[queries.Column]) -> dict[str, Any]:
    """The big numbers above the board: open value, weighted, count, and what was won recently."""
    open_columns = [c for c in columns if c.is_open]
    won = next(c for c in columns if c.stage == Stage.WON)
    lost = next(c for c in columns if c.stage == Stage.LOST)
    decided = won.count + lost.count
    return {
        "open_total": sum((c.total for c in open_columns), Decimal(0)),
        "open_weighted": sum((c.weighted for c in open_columns), Decimal(0)),
        "open_count": sum(c.count for c in open_columns),
        "won_total": won.total,
        "won_count": won.count,
        "win_rate": round(won.count * 100 / decided) if decided else None,
    }


def _stage_choices(card: Opportunity) -> list[tuple[str, str]]:
    return [(s.value, str(s.label)) for s in Stage if s.value != card.stage]


def _months_chart(months: list[queries.Month]) -> dict[str, Any]:
    """The chart's data: labels, and whole kroner (the table below it has the exact numbers)."""
    return {
        "labels": [date_format(m.start, "M Y") if m.start else str(m.label) for m in months],
        "totals": [int(m.total) for m in months],
        "weighted": [int(m.weighted) for m in months],
        "value_label": _("Value"),
        "weighted_label": _("Weighted"),
    }


def _card_text() -> dict[str, str]:
    """The words every card repeats, translated once per page rather than once per card."""
    return {
        "confidential": _("Confidential"),
        "confidential_help": _("Confidential: only the team, management and administrators see it"),
        "move_to": _("Move to…"),
        "move": _("Move to another stage:"),
        "weighted_help": _("Weighted value: value × probability"),
        "expected_start": _("Expected start"),
        "overdue": _("Offer overdue"),
        "offer_due": _("Offer due"),
        "due": _("Due"),
        "decided_on": _("Decided on"),
        "owner": _("Owner"),
        "approved": _("Approved"),
        "approved_with_changes": _("Approved w/ changes"),
        "not_realistic": _("Not realistic"),
        "requested": _("Review requested"),
        "accepted": _("In review"),
        "cancelled": _("Review cancelled"),
    }


def _board_context(request: HttpRequest, query: QueryDict | None) -> dict[str, Any]:
    filters, data = _board_filters(query)
    columns = queries.board(request.user, data)
    months = queries.by_month(queries.filtered(request.user, {**data, "stage": "open"}))
    return {
        "columns": columns,
        "summary": _summary(columns),
        "months": months,
        "months_chart": _months_chart(months),
        "filters": filters,
        "filtered": bool(data),
        "query": query.urlencode() if query else "",
        "today": timezone.localdate(),
        "recent_days": queries.RECENT_DAYS,
        "t": _card_text(),
        "can_create": can_sell(request.user),
        "is_admin": is_administrator(request.user),
        "stages": Stage,
    }


# -- the board -------------------------------------------------------------------------------------


def board(request: HttpRequest) -> HttpResponse:
    """Columns by stage with their totals, cards to drag between them, and totals by month of start."""
    query = request.GET.copy()
    query.pop("page", None)
    context = _board_context(request, query)
    context["on_my_desk"] = review_actions.on_my_desk(request.user).count()
    return render(request, "pipeline/board.html", context)


def board_column(request: HttpRequest, stage: str) -> HttpResponse:
    """The next cards of one column (the board's "load more")."""
    if stage not in Stage.values:
        raise Http404
    query = request.GET.copy()
    try:
        offset = max(0, min(int(query.pop("offset", ["0"])[0]), 10**6))
    except ValueError:
        offset = 0
    _filters, data = _board_filters(query)
    cards, more = queries.column_cards(request.user, data, stage, offset=offset)
    return render(
        request,
        "pipeline/board.html#more",
        {
            "cards": cards,
            "more": more,
            "stage": stage,
            "offset": offset + len(cards),
            "t": _card_text(),
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "stages": Stage,
        },
    )


def customer_choices(request: HttpRequest) -> HttpResponse:
    """The customer filter's options, fetched when the person reaches for the filters (filters.js)."""
    rows = Customer.objects.visible_to(request.user).active().order_by("name", "pk").values_list("pk", "name")
    response = HttpResponse(option_list(rows, _("All customers")))
    response["Cache-Control"] = "private, max-age=300"
    return response


# -- the list and its CSV file ---------------------------------------------------------------------

LIST_COLUMNS = {
    "title": "title",
    "customer": "customer__name",
    "stage": "stage_order",
    "value": "value",
    "weighted": "weighted",
    "probability": "probability",
    "start": "expected_start",
    "due": "offer_due",
    "owner": "owner__first_name",
    "changed": "updated_at",
}
STAGE_ORDER = Case(
    *[When(stage=s, then=Value(i)) for i, s in enumerate(Stage.values)], output_field=IntegerField()
)


def _listed(request: HttpRequest) -> tuple[ListFilter, dict[str, Any], Any]:
    filters = ListFilter(request.GET or None)
    data = filters.values()
    rows = queries.filtered(request.user, data)
    return filters, data, rows


def opportunity_list(request: HttpRequest) -> HttpResponse:
    """Every opportunity matching the filters, sortable and paged, with totals over all of them."""
    filters, _data, rows = _listed(request)
    totals = rows.aggregate(count=Count("pk"), total=Sum("value"), weighted=Sum(queries.WEIGHTED))
    listed = queries.card_rows(rows, request.user).annotate(stage_order=STAGE_ORDER)
    page, sort = sorted_page(request, listed, LIST_COLUMNS, "-value")
    return render(
        request,
        "pipeline/list.html",
        {
            "page": page,
            "filters": filters,
            "sort": sort,
            "totals": {
                "count": totals["count"],
                "total": queries.money(totals["total"]),
                "weighted": queries.money(totals["weighted"]),
            },
            "today": timezone.localdate(),
            "can_create": can_sell(request.user),
        },
    )


CSV_HEADER = [
    gettext_lazy("Id"),
    gettext_lazy("Title"),
    gettext_lazy("Customer"),
    gettext_lazy("Stage"),
    gettext_lazy("Probability (%)"),
    gettext_lazy("Value (NOK excl. VAT)"),
    gettext_lazy("Weighted value"),
    gettext_lazy("Expected start"),
    gettext_lazy("Duration (weeks)"),
    gettext_lazy("Offer due"),
    gettext_lazy("Owner"),
    gettext_lazy("Project type"),
    gettext_lazy("Contract type"),
    gettext_lazy("Required skills"),
    gettext_lazy("Tags"),
    gettext_lazy("Framework agreement"),
    gettext_lazy("Confidential"),
    gettext_lazy("Decided on"),
    gettext_lazy("Reason lost"),
    gettext_lazy("Created"),
    gettext_lazy("Link"),
]


def _csv_amount(value: Decimal | None) -> str:
    """1234567,50: a decimal comma and no thousands separator, as spreadsheets in Norway read it."""
    if value is None:
        return ""
    return f"{Decimal(value).quantize(Decimal('0.01'))}".replace(".", ",")


def _csv_date(value: Any) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_VALUES = (
    "pk",
    "title",
    "customer__name",
    "stage",
    "probability",
    "value",
    "weighted",
    "expected_start",
    "duration_weeks",
    "offer_due",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
    "project_type",
    "contract_type",
    "tags",
    "agreement__title",
    "confidential",
    "decided_on",
    "lost_reason",
    "created_at",
)


def _labels(choices: type[TextChoices]) -> dict[str, str]:
    """Choices' labels by code, translated once for the whole file."""
    return {code: str(label) for code, label in choices.choices}


def _csv_lines(request: HttpRequest, rows: Any, skills: dict[int, list[str]]) -> Iterator[str]:
    """The file's lines from plain rows; labels, yes/no and the link are worked out once, not per row
    (model instances, `get_FOO_display` and `reverse` per row made a large file several times slower)."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([str(label) for label in CSV_HEADER])
    stages, project_types = _labels(Stage), _labels(ProjectType)
    contract_types, lost_reasons = _labels(ContractType), _labels(LostReason)
    yes, no = _("yes"), _("no")
    base, marker = request.build_absolute_uri("/")[:-1], 2_147_483_647
    link = base + reverse("pipeline:opportunity", args=[marker]).replace(str(marker), "{}")
    for row in rows.iterator(chunk_size=1000):
        owner = f"{row['owner__first_name']} {row['owner__last_name']}".strip() or row["owner__username"]
        yield writer.writerow(
            [
                row["pk"],
                row["title"],
                row["customer__name"],
                stages.get(row["stage"], row["stage"]),
                row["probability"],
                _csv_amount(row["value"]),
                _csv_amount(row["weighted"]),
                _csv_date(row["expected_start"]),
                row["duration_weeks"] or "",
                _csv_date(row["offer_due"]),
                owner,
                project_types.get(row["project_type"], row["project_type"]),
                contract_types.get(row["contract_type"], row["contract_type"]),
                ", ".join(sorted(skills.get(row["pk"], []))),
                ", ".join(row["tags"] or []),
                row["agreement__title"] or "",
                yes if row["confidential"] else no,
                _csv_date(row["decided_on"]),
                lost_reasons.get(row["lost_reason"], row["lost_reason"]),
                _csv_date(timezone.localtime(row["created_at"])),
                link.format(row["pk"]),
            ]
        )


def opportunity_export(request: HttpRequest) -> StreamingHttpResponse:
    """Every matching opportunity as CSV for a spreadsheet: UTF-8 with BOM, `;` between fields."""
    _filters, _data, rows = _listed(request)
    _sort, order = ordering(request.GET.get("sort"), LIST_COLUMNS, "-value")
    rows = (
        rows.annotate(weighted=queries.WEIGHTED, stage_order=STAGE_ORDER)
        .order_by(order, "pk")
        .values(*CSV_VALUES)
    )
    through = Opportunity.required_skills.through.objects.filter(opportunity__in=rows.values("pk"))
    skills: dict[int, list[str]] = {}
    for opportunity_id, name in through.values_list("opportunity_id", "skill__name"):
        skills.setdefault(opportunity_id, []).append(name)
    response = StreamingHttpResponse(
        _csv_lines(request, rows, skills), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="pipeline-{stamp}.csv"'
    return response


# -- one opportunity -------------------------------------------------------------------------------


def _latest_review(opportunity: Opportunity) -> ExpertReview | None:
    return (
        ExpertReview.objects.filter(opportunity=opportunity)
        .select_related("reviewer", "skill", "estimate")
        .order_by("-pk")
        .first()
    )


def _gate(opportunity: Opportunity) -> dict[str, Any] | None:
    """The next stage ahead that requires a review, and whether the opportunity may enter it now."""
    if not opportunity.is_open:
        return None
    settings = StageSetting.current()
    line = actions.LINE
    ahead = [s for s in line[line.index(Stage(opportunity.stage)) + 1 :] if settings[s].requires_review]
    if not ahead:
        return None
    stage = ahead[0]
    return {"stage": Stage(stage), "refusal": actions.gate_refusal(opportunity, stage)}


def _detail_context(request: HttpRequest, opportunity: Opportunity) -> dict[str, Any]:
    from samspill.activity.feeds import feed_for
    from samspill.pipeline.actions.estimates import current_estimate

    can_edit = can_change_opportunity(request.user, opportunity)
    team = list(opportunity.team.select_related("person").order_by("role", "person__first_name"))
    warning = None
    if opportunity.agreement_id and opportunity.is_open:
        warning = queries.ceiling_warning(
            opportunity.agreement, opportunity.value, request.user, opportunity.pk
        )
    return {
        "object": opportunity,
        "opportunity": opportunity,
        "can_edit": can_edit,
        "can_override": can_override_gate(request.user),
        "estimate": current_estimate(opportunity),
        "last_review": _latest_review(opportunity),
        "sold_preview": actions.sold_estimate_for(opportunity) if opportunity.is_open else None,
        "gate": _gate(opportunity),
        "team": team,
        "team_form": TeamMemberForm(),
        "expectations": _expectations(opportunity),
        "move_form": MoveForm(initial={"stage": opportunity.stage, "version": opportunity.version}),
        "win_form": WinForm(initial={"decided_on": timezone.localdate(), "version": opportunity.version}),
        "lose_form": LoseForm(initial={"version": opportunity.version}),
        "skills": list(opportunity.required_skills.all()),
        "ceiling_warning": warning,
        "feed": feed_for(opportunity, request.user, limit=20),
        "today": timezone.localdate(),
        "stages": Stage,
        "open_stages": OPEN_STAGES,
        "opportunity_index": OPEN_STAGES.index(Stage(opportunity.stage)) if opportunity.is_open else -1,
    }


def _expectations(opportunity: Opportunity) -> list[Any]:
    return list(
        opportunity.expectations.select_related("agreed_by", "agreed_with").order_by("position", "pk")
    )


def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """What we are selling, to whom, and whether we can deliver it."""
    opportunity = get_opportunity_for(request.user, pk)
    return render(request, "pipeline/opportunity.html", _detail_context(request, opportunity))


def _warn_ceiling(request: HttpRequest, opportunity: Opportunity) -> None:
    if opportunity.agreement_id and opportunity.is_open:
        warning = queries.ceiling_warning(
            opportunity.agreement, opportunity.value, request.user, opportunity.pk
        )
        if warning:
            messages.warning(request, warning)


def opportunity_create(request: HttpRequest) -> HttpResponse:
    """A new opportunity, from the board or from a customer's page (which preselects the customer)."""
    if not can_sell(request.user):
        raise PermissionDenied(_("Only sellers, management and administrators create opportunities."))
    customer = None
    if customer_id := request.GET.get("customer"):
        try:
            customer = get_customer_for(request.user, customer_id)
        except Http404:
            customer = None
    stage = request.POST.get("stage") or request.GET.get("stage") or Stage.LEAD
    stage = stage if stage in OPEN_STAGES else Stage.LEAD
    form = OpportunityForm(request.POST or None, customer=customer, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        created = apply_action(
            form,
            lambda: actions.create_opportunity(
                form.changes(),
                by=request.user,
                required_skills=form.cleaned_data.get("required_skills"),
                team=form.team(),
                stage=stage,
            ),
        )
        if created is not None:
            messages.success(request, _("The opportunity %(title)s was created.") % {"title": created.title})
            _warn_ceiling(request, created)
            return redirect(created)
    return render(
        request,
        "pipeline/opportunity_form.html",
        {
            "form": form,
            "opportunity": None,
            "customer": customer,
            "stage": Stage(stage),
            **_warning(request, form),
        },
    )


def _warning(request: HttpRequest, form: OpportunityForm) -> dict[str, Any]:
    """The ceiling warning for what the form holds now (bound or initial)."""
    data = form.data if form.is_bound else None
    agreement_id = data.get("agreement") if data is not None else form.initial.get("agreement")
    value = data.get("value") if data is not None else form.initial.get("value")
    if data is None and form.instance.pk:
        agreement_id, value = form.instance.agreement_id, form.instance.value
    return {"ceiling_warning": _ceiling_for(request, agreement_id, value, form.instance.pk)}


def _ceiling_for(request: HttpRequest, agreement_id: Any, value: Any, exclude: int | None) -> str | None:
    from samspill.customers.models import FrameworkAgreement

    if not agreement_id or not str(agreement_id).isdigit():
        return None
    agreement = FrameworkAgreement.objects.visible_to(request.user).filter(pk=agreement_id).first()
    try:
        amount = Decimal(str(value).replace(" ", "").replace(",", ".")) if value not in (None, "") else None
    except ArithmeticError:
        amount = None
    if amount is None or not amount.is_finite():
        return None
    return queries.ceiling_warning(agreement, amount, request.user, exclude)


def opportunity_form_check(request: HttpRequest) -> HttpResponse:
    """Refresh the agreement choices for the chosen customer and the ceiling warning (HTMX partial)."""
    instance = None
    if (pk := request.GET.get("opportunity")) and pk.isdigit():
        instance = get_opportunity_for(request.user, pk)
    form = OpportunityForm(request.GET, instance=instance)
    part = "agreement" if request.GET.get("part") == "agreement" else "ceiling"
    return render(
        request,
        f"pipeline/opportunity_form.html#{part}",
        {"form": form, **_warning(request, form)},
    )


def opportunity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = _writable(request, pk)
    if not opportunity.is_open:
        messages.info(request, _("A won or lost opportunity is settled and can no longer be edited."))
        return redirect(opportunity)
    form = OpportunityForm(
        request.POST or None,
        instance=Opportunity.objects.get(pk=opportunity.pk),
        initial={"version": opportunity.version},
    )
    if request.method == "POST" and form.is_valid():
        saved = apply_action(
            form,
            lambda: actions.update_opportunity(
                opportunity,
                form.changes(),
                by=request.user,
                version=form.cleaned_data["version"],
                required_skills=form.cleaned_data.get("required_skills"),
            ),
        )
        if saved is not None:
            messages.success(request, _("The opportunity was saved."))
            _warn_ceiling(request, saved)
            return redirect(saved)
    return render(
        request,
        "pipeline/opportunity_form.html",
        {"form": form, "opportunity": opportunity, "customer": None, **_warning(request, form)},
    )


# -- stage changes ---------------------------------------------------------------------------------


def _refused(request: HttpRequest, opportunity: Opportunity, form: Any) -> JsonResponse:
    """Why the board's move was refused, for the toast; management get a link to override the gate."""
    errors = [str(e) for e in form.non_field_errors()] + [
        f"{form.fields[name].label}: {' '.join(str(m) for m in msgs)}"
        for name, msgs in form.errors.items()
        if name != "__all__" and name in form.fields
    ]
    stale = getattr(form, "stale", None)
    return JsonResponse(
        {
            "message": " ".join(errors) or _("The move was refused."),
            "stale": stale is not None,
            "override_url": reverse("pipeline:opportunity_move", args=[opportunity.pk])
            if can_override_gate(request.user)
            else "",
        },
        status=409,
    )


def _moved(request: HttpRequest, opportunity: Opportunity) -> HttpResponse:
    """The moved card and the board's new totals, for the board to swap in."""
    query = QueryDict(request.POST.get("board_query", ""), mutable=True)
    context = _board_context(request, query)
    card = queries.one_card(request.user, opportunity.pk)
    return render(request, "pipeline/board.html#moved", {**context, "card": card})


def opportunity_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move to another open stage: from the board (drag or "Move to…") or from the opportunity page."""
    opportunity = get_opportunity_for(request.user, pk)
    form = MoveForm(
        request.POST or None, initial={"stage": opportunity.stage, "version": opportunity.version}
    )
    if request.method == "POST":
        if not can_change_opportunity(request.user, opportunity):
            if _htmx(request):
                return JsonResponse(
                    {"message": _("You may read this opportunity but not change it.")}, status=403
                )
            raise PermissionDenied
        moved = None
        if form.is_valid():
            data = form.cleaned_data
            moved = apply_action(
                form,
                lambda: actions.move_opportunity(
                    opportunity,
                    data["stage"],
                    by=request.user,
                    version=data["version"],
                    probability=data["probability"],
                    override_reason=data["override_reason"],
                ),
            )
        if _htmx(request):
            return _moved(request, moved) if moved is not None else _refused(request, opportunity, form)
        if moved is not None:
            messages.success(
                request,
                _("%(title)s moved to %(stage)s.")
                % {"title": moved.title, "stage": moved.get_stage_display()},
            )
            return redirect(_next_url(request, moved.get_absolute_url()))
    return render(
        request,
        "pipeline/stage_change.html",
        {
            "opportunity": opportunity,
            "form": form,
            "kind": "move",
            "can_override": can_override_gate(request.user),
            "gate": _gate(opportunity),
            "next": _next_url(request, ""),
        },
    )


def opportunity_win(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the win: when it was decided, and which estimate version is the sold one."""
    opportunity = get_opportunity_for(request.user, pk)
    form = WinForm(
        request.POST or None, initial={"decided_on": timezone.localdate(), "version": opportunity.version}
    )
    if request.method == "POST":
        opportunity = _writable(request, pk)
        if form.is_valid():
            data = form.cleaned_data
            won = apply_action(
                form,
                lambda: actions.win_opportunity(
                    opportunity,
                    by=request.user,
                    version=data["version"],
                    decided_on=data["decided_on"],
                    override_reason=data["override_reason"],
                ),
            )
            if won is not None:
                messages.success(request, _("Won! %(title)s is recorded as won.") % {"title": won.title})
                return redirect(_next_url(request, won.get_absolute_url()))
    return _stage_change_page(request, opportunity, form, "win")


def opportunity_lose(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the loss: why, in one of the reasons, and a note for the next offer."""
    opportunity = get_opportunity_for(request.user, pk)
    form = LoseForm(request.POST or None, initial={"version": opportunity.version})
    if request.method == "POST":
        opportunity = _writable(request, pk)
        if form.is_valid():
            data = form.cleaned_data
            lost = apply_action(
                form,
                lambda: actions.lose_opportunity(
                    opportunity,
                    reason=data["reason"],
                    note=data["note"],
                    by=request.user,
                    version=data["version"],
                    decided_on=data["decided_on"],
                ),
            )
            if lost is not None:
                messages.info(request, _("%(title)s is recorded as lost.") % {"title": lost.title})
                return redirect(_next_url(request, lost.get_absolute_url()))
    return _stage_change_page(request, opportunity, form, kind="lose")


def _stage_change_page(request: HttpRequest, opportunity: Opportunity, form: Any, kind: str) -> HttpResponse:
    template = (
        "pipeline/stage_change.html#dialog" if request.GET.get("dialog") else "pipeline/stage_change.html"
    )
    return render(
        request,
        template,
        {
            "opportunity": opportunity,
            "form": form,
            "kind": kind,
            "can_edit": can_change_opportunity(request.user, opportunity),
            "can_override": can_override_gate(request.user),
            "gate": _gate(opportunity) if kind == "win" else None,
            "sold_preview": actions.sold_estimate_for(opportunity) if kind == "win" else None,
            "next": _next_url(request, ""),
        },
    )


# -- the team --------------------------------------------------------------------------------------


@require_POST
def team_add(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = _writable(request, pk)
    form = TeamMemberForm(request.POST)
    if form.is_valid():
        added = apply_action(
            form,
            lambda: actions.add_team_member(
                opportunity, form.cleaned_data["person"], form.cleaned_data["role"], by=request.user
            ),
        )
        if added is not None:
            messages.success(request, _("%(member)s joined the team.") % {"member": added})
            return redirect(opportunity.get_absolute_url() + "#team")
    for error in [*form.non_field_errors(), *[m for name, msgs in form.errors.items() for m in msgs]]:
        messages.error(request, error)
    return redirect(opportunity.get_absolute_url() + "#team")


@require_POST
def team_remove(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    opportunity = _writable(request, pk)
    member = TeamMember.objects.filter(opportunity=opportunity, pk=member_id).select_related("person").first()
    if member is None:
        raise Http404
    try:
        actions.remove_team_member(member, by=request.user)
        messages.success(request, _("%(member)s left the team.") % {"member": member})
    except ActionError as error:
        messages.error(request, error.message)
    if not Opportunity.objects.visible_to(request.user).filter(pk=opportunity.pk).exists():
        return redirect("pipeline:board")  # they took themselves off a confidential opportunity
    return redirect(opportunity.get_absolute_url() + "#team")


# -- expectations ----------------------------------------------------------------------------------


def _expectations_section(request: HttpRequest, opportunity: Opportunity) -> HttpResponse:
    response = render(
        request,
        "pipeline/opportunity.html#expectations",
        {
            "opportunity": opportunity,
            "expectations": _expectations(opportunity),
            "can_edit": can_change_opportunity(request.user, opportunity),
        },
    )
    return reswap(retarget(response, "#expectations"), "outerHTML")


def expectation_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an expectation: inline on the opportunity page, or as a page of its own without JavaScript."""
    opportunity = _writable(request, pk)
    if _htmx(request) and request.GET.get("cancel"):
        return _expectations_section(request, opportunity)
    form = ExpectationForm(request.POST or None, opportunity=opportunity)
    if request.method == "POST" and form.is_valid():
        created = apply_action(
            form, lambda: expectation_actions.create_expectation(opportunity, form.changes(), by=request.user)
        )
        if created is not None:
            if _htmx(request):
                return _expectations_section(request, opportunity)
            messages.success(request, _("The expectation was added."))
            return redirect(created)
    return _expectation_form(request, opportunity, form, None)


def expectation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    expectation = get_expectation_for(request.user, pk)
    opportunity = expectation.opportunity
    if not can_change_opportunity(request.user, opportunity):
        raise PermissionDenied(_("You may read this expectation but not change it."))
    form = ExpectationForm(
        request.POST or None,
        instance=type(expectation).objects.get(pk=expectation.pk),
        initial={"version": expectation.version},
        opportunity=opportunity,
    )
    if request.method == "POST" and form.is_valid():
        saved = apply_action(
            form,
            lambda: expectation_actions.update_expectation(
                expectation, form.changes(), by=request.user, version=form.cleaned_data["version"]
            ),
        )
        if saved is not None:
            if _htmx(request):
                return _expectations_section(request, opportunity)
            messages.success(request, _("The expectation was saved."))
            return redirect(saved)
    if _htmx(request) and request.GET.get("cancel"):
        return _expectations_section(request, opportunity)
    return _expectation_form(request, opportunity, form, expectation)


def _expectation_form(
    request: HttpRequest, opportunity: Opportunity, form: Any, expectation: Any
) -> HttpResponse:
    template = "pipeline/expectation_form.html#form" if _htmx(request) else "pipeline/expectation_form.html"
    return render(request, template, {"opportunity": opportunity, "form": form, "expectation": expectation})


# -- pipeline settings -----------------------------------------------------------------------------


def _settings_page(
    request: HttpRequest,
    *,
    stage_form: StageSettingsForm | None = None,
    rate_form: RoleRatesForm | None = None,
) -> HttpResponse:
    """The administrators' settings page; 404 for everybody else, who cannot know it is there."""
    if not is_administrator(request.user):
        raise Http404
    if stage_form is None:
        stage_form = StageSettingsForm(settings=StageSetting.current())
    if rate_form is None:
        rates = dict(RoleRate.objects.values_list("role", "hourly_rate"))
        rate_form = RoleRatesForm(rates=rates, firm_rate=firm_rate())
    return render(
        request,
        "pipeline/settings.html",
        {"stage_form": stage_form, "rate_form": rate_form, "closed": CLOSED_STAGES},
    )


def pipeline_settings(request: HttpRequest) -> HttpResponse:
    """Stage probabilities and review gates, and the default hourly rates per role (administrators)."""
    return _settings_page(request)


def stage_settings(request: HttpRequest) -> HttpResponse:
    """Save each stage's default probability and which stages require an expert review."""
    if request.method != "POST" or not is_administrator(request.user):
        return _settings_page(request)
    form = StageSettingsForm(request.POST, settings=StageSetting.current())
    if form.is_valid() and (
        apply_action(form, lambda: actions.configure_stages(form.wanted(), by=request.user)) is not None
    ):
        messages.success(request, _("The stage settings were saved."))
        return redirect(reverse("pipeline:settings") + "#stages")
    return _settings_page(request, stage_form=form)


def role_rate_settings(request: HttpRequest) -> HttpResponse:
    """Save the default hourly rate of each role (where no framework agreement sets one)."""
    if request.method != "POST" or not is_administrator(request.user):
        return _settings_page(request)
    form = RoleRatesForm(request.POST, rates={}, firm_rate=firm_rate())
    if form.is_valid() and (
        apply_action(form, lambda: configure_role_rates(form.wanted(), by=request.user)) is not None
    ):
        messages.success(request, _("The default hourly rates were saved."))
        return redirect(reverse("pipeline:settings") + "#rates")
    return _settings_page(request, rate_form=form)


urlpatterns: list[URLPattern | URLResolver] = [
    path("", board, name="board"),
    path("board/<str:stage>/", board_column, name="board_column"),
    path("filters/customers/", customer_choices, name="customer_choices"),
    path("list/", opportunity_list, name="list"),
    path("list/export.csv", opportunity_export, name="export"),
    path("new/", opportunity_create, name="opportunity_create"),
    path("form-check/", opportunity_form_check, name="opportunity_form_check"),
    path("settings/", pipeline_settings, name="settings"),
    path("settings/stages/", stage_settings, name="stage_settings"),
    path("settings/rates/", role_rate_settings, name="role_rates"),
    path("<int:pk>/", opportunity_detail, name="opportunity"),
    path("<int:pk>/edit/", opportunity_edit, name="opportunity_edit"),
    path("<int:pk>/move/", opportunity_move, name="opportunity_move"),
    path("<int:pk>/win/", opportunity_win, name="opportunity_win"),
    path("<int:pk>/lose/", opportunity_lose, name="opportunity_lose"),
    path("<int:pk>/team/", team_add, name="team_add"),
    path("<int:pk>/team/<int:member_id>/remove/", team_remove, name="team_remove"),
    path("<int:pk>/expectations/new/", expectation_create, name="expectation_create"),
    path("expectations/<int:pk>/", expectation_edit, name="expectation_edit"),
]
