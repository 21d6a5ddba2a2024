"""Opportunities from lead to won or lost, their estimates, expert reviews and the customer's expectations."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from samspill.customers.models import Contact, Customer, FrameworkAgreement
from samspill.lib.models import Versioned
from samspill.people.models import Role, Skill, is_administrator

HOURS = {"max_digits": 9, "decimal_places": 1, "validators": [MinValueValidator(0)]}
MONEY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(0)]}
PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class Stage(models.TextChoices):
    """The fixed stages of a sale; administrators set their probabilities, not the stages themselves."""

    LEAD = "lead", _("Lead")
    QUALIFIED = "qualified", _("Qualified")
    SOLUTION = "solution", _("Solution and estimate")
    REVIEW = "review", _("Expert review")
    OFFER_SENT = "offer_sent", _("Offer sent")
    NEGOTIATION = "negotiation", _("Negotiation")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


OPEN_STAGES = [
    Stage.LEAD,
    Stage.QUALIFIED,
    Stage.SOLUTION,
    Stage.REVIEW,
    Stage.OFFER_SENT,
    Stage.NEGOTIATION,
]
CLOSED_STAGES = [Stage.WON, Stage.LOST]
DEFAULT_PROBABILITIES = {
    Stage.LEAD: 10,
    Stage.QUALIFIED: 25,
    Stage.SOLUTION: 40,
    Stage.REVIEW: 50,
    Stage.OFFER_SENT: 60,
    Stage.NEGOTIATION: 75,
    Stage.WON: 100,
    Stage.LOST: 0,
}
DEFAULT_REVIEW_STAGES = {Stage.OFFER_SENT}


class StageSetting(models.Model):
    """How administrators configure a stage: its default probability and whether it needs an expert review."""

    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, unique=True)
    probability = models.PositiveSmallIntegerField(_("default probability (%)"), validators=PERCENT)
    requires_review = models.BooleanField(
        _("requires an expert review"),
        default=False,
        help_text=_(
            "An opportunity can only move to this stage when its last expert review is done and "
            "its verdict is not 'not realistic'."
        ),
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("stage setting")
        verbose_name_plural = _("stage settings")
        constraints = [
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability_at_most_100"),
        ]

    def __str__(self) -> str:
        return str(self.get_stage_display())

    def get_absolute_url(self) -> str:
        return reverse("pipeline:board")

    @classmethod
    def current(cls) -> dict[str, StageSetting]:
        """Return every stage's setting; a stage nobody configured has its default (unsaved)."""
        stored = {s.stage: s for s in cls.objects.all()}
        return {
            stage: stored.get(stage)
            or cls(
                stage=stage,
                probability=DEFAULT_PROBABILITIES[Stage(stage)],
                requires_review=stage in DEFAULT_REVIEW_STAGES,
            )
            for stage in Stage.values
        }


class ProjectType(models.TextChoices):
    DEVELOPMENT = "development", _("Software development")
    INTEGRATION = "integration", _("Integration")
    ADVISORY = "advisory", _("Advisory")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure and operations")
    DATA = "data", _("Data and analytics")
    DESIGN = "design", _("Design and UX")
    ENGINEERING = "engineering", _("Engineering")


class ContractType(models.TextChoices):
    FIXED_PRICE = "fixed_price", _("Fixed price")
    TIME_AND_MATERIALS = "time_and_materials", _("Time and materials")
    CAPPED = "capped", _("Capped time and materials")


class LostReason(models.TextChoices):
    PRICE = "price", _("Price")
    SCOPE = "scope", _("Scope")
    TIMING = "timing", _("Timing")
    COMPETITOR = "competitor", _("Competitor")
    NO_DECISION = "no_decision", _("No decision")
    OTHER = "other", _("Other")


class TeamRole(models.TextChoices):
    SELLER = "seller", _("Seller")
    SOLUTION_LEAD = "solution_lead", _("Solution lead")
    EXPERT = "expert", _("Expert")
    PROJECT_MANAGER = "project_manager", _("Project manager candidate")


def sees_everything(user: Any) -> bool:
    """Management and administrators see every opportunity, confidential or not."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_administrator(user) or user.has_role(Role.MANAGEMENT)


def seen_by(user: Any, through: str = "") -> Q:
    """The condition that `user` sees an opportunity, for a filter on opportunities or (with `through`,
    e.g. "opportunity") on rows that point to one, where it stays one correlated condition per row
    instead of a list of every visible opportunity. Like `OpportunityQuerySet.visible_to`."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if sees_everything(user):
        return Q()
    prefix = f"{through}__" if through else ""
    on_team = TeamMember.objects.filter(opportunity=OuterRef(through or "pk"), person=user)
    return Q(**{f"{prefix}confidential": False}) | Q(**{f"{prefix}owner": user}) | Q(Exists(on_team))


class OpportunityQuerySet(QuerySet["Opportunity"]):
    def open(self) -> OpportunityQuerySet:
        return self.filter(stage__in=OPEN_STAGES)

    def closed(self) -> OpportunityQuerySet:
        return self.filter(stage__in=CLOSED_STAGES)

    def visible_to(self, user: Any) -> OpportunityQuerySet:
        """Everybody sees ordinary opportunities; a confidential one only its team, management, admins."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if sees_everything(user):
            return self
        return self.filter(seen_by(user))

    def of(self, user: Any) -> OpportunityQuerySet:
        """The opportunities `user` owns or is on the team of.

        The team's opportunities are one list the database reads once, not a lookup per opportunity.
        """
        on_team = TeamMember.objects.filter(person=user).values("opportunity_id")
        return self.filter(Q(owner=user) | Q(pk__in=on_team))

    def with_weighted(self) -> OpportunityQuerySet:
        """Annotate `weighted` = value × probability / 100, so totals are one query."""
        return self.annotate(weighted=F("value") * F("probability") / Decimal(100))


class Opportunity(Versioned):
    """A possible sale to a customer, from the first lead until it is won or lost."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="opportunities"
    )
    agreement = models.ForeignKey(
        FrameworkAgreement,
        verbose_name=_("framework agreement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="call_offs",
        help_text=_(
            "Fill in when this is a call-off under a framework agreement: its rates fill in the estimate."
        ),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description and scope"), blank=True)
    project_type = models.CharField(_("project type"), max_length=20, choices=ProjectType.choices, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    required_skills = models.ManyToManyField(
        Skill, verbose_name=_("required skills"), blank=True, related_name="opportunities"
    )
    contract_type = models.CharField(
        _("contract type"), max_length=20, choices=ContractType.choices, default=ContractType.FIXED_PRICE
    )
    value = models.DecimalField(_("value (NOK excl. VAT)"), default=Decimal(0), **MONEY)  # type: ignore[arg-type]
    probability = models.PositiveSmallIntegerField(_("probability (%)"), validators=PERCENT)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.LEAD)
    stage_changed_at = models.DateTimeField(_("in this stage since"), null=True, blank=True)
    expected_start = models.DateField(_("expected start"), null=True, blank=True)
    duration_weeks = models.PositiveSmallIntegerField(
        _("duration (weeks)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(520)],
    )
    offer_due = models.DateField(_("offer due"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_opportunities",
    )
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_("Only the team, management and administrators see a confidential opportunity."),
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    sold_estimate = models.ForeignKey(
        "Estimate",
        verbose_name=_("sold estimate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lost_reason = models.CharField(_("reason lost"), max_length=20, choices=LostReason.choices, blank=True)
    lost_note = models.TextField(_("why we lost"), blank=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__lte=100), name="opportunity_probability_at_most_100"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="opportunity_value_not_negative"),
        ]
        indexes = [
            # The board: each column's first cards by value; its totals and those by month of start read
            # the two covering indexes alone (with the columns `visible_to` needs, and the key for
            # PostgreSQL's index-only scans).
            models.Index(fields=["stage", "-value", "offer_due"], name="opportunity_stage_value"),
            models.Index(
                fields=["stage", "decided_on", "value", "probability", "confidential", "owner", "id"],
                name="opportunity_stage_decided",
            ),
            models.Index(
                fields=["stage", "expected_start", "value", "probability", "confidential", "owner", "id"],
                name="opportunity_stage_start",
            ),
            # The list's and the API's first page by value over every stage: the database walks this
            # index and stops after a page instead of sorting every visible row.
            models.Index(fields=["-value", "id"], name="opportunity_value"),
            models.Index(fields=["owner", "stage"], name="opportunity_owner_stage"),
            models.Index(fields=["customer", "stage"], name="opportunity_customer_stage"),
            models.Index(fields=["offer_due"], name="opportunity_offer_due"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("pipeline:opportunity", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def weighted_value(self) -> Decimal:
        return (self.value * self.probability / Decimal(100)).quantize(Decimal("0.01"))


class TeamMember(models.Model):
    """A person with a role on an opportunity's team; delivery is on it from day one."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="team")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="opportunity_roles",
    )
    role = models.CharField(_("role"), max_length=20, choices=TeamRole.choices)

    class Meta:
        ordering = ["opportunity", "role", "person__first_name"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "person", "role"], name="unique_team_role"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"

    def get_absolute_url(self) -> str:
        return self.opportunity.get_absolute_url()


class RoleRate(models.Model):
    """The firm's default hourly rate for a role where no framework agreement sets one (configuration)."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, unique=True)
    hourly_rate = models.DecimalField(
        _("hourly rate (NOK)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["role"]
        verbose_name = _("default hourly rate")
        verbose_name_plural = _("default hourly rates")

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.hourly_rate}"

    def get_absolute_url(self) -> str:
        return reverse("pipeline:board")


class ConfidencePoint(models.TextChoices):
    P50 = "p50", "P50"
    P80 = "p80", "P80"
    P90 = "p90", "P90"


class Estimate(Versioned):
    """One version of the hours and price we offer: work packages with three-point hours and their premises.

    `expected_hours` (the sum of the packages' PERT means) and the P50/P80/P90 range are kept up to date by
    the actions every time a package changes, so lists and the board never recompute them.
    """

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="estimates")
    number = models.PositiveIntegerField(_("version number"))
    based_on = models.ForeignKey(
        "self", verbose_name=_("based on"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    confidence = models.CharField(
        _("price based on"), max_length=3, choices=ConfidencePoint.choices, default=ConfidencePoint.P80
    )
    include_contingency = models.BooleanField(_("add the risk contingency to the price"), default=False)
    locked_at = models.DateTimeField(_("locked"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # Derived, kept current by the actions:
    expected_hours = models.DecimalField(_("expected hours"), default=Decimal(0), **HOURS)  # type: ignore[arg-type]
    expected_amount = models.DecimalField(_("expected amount"), default=Decimal(0), **MONEY)  # type: ignore[arg-type]
    p50_hours = models.DecimalField("P50", default=Decimal(0), **HOURS)  # type: ignore[arg-type]
    p80_hours = models.DecimalField("P80", default=Decimal(0), **HOURS)  # type: ignore[arg-type]
    p90_hours = models.DecimalField("P90", default=Decimal(0), **HOURS)  # type: ignore[arg-type]
    p50_price = models.DecimalField(_("price at P50"), default=Decimal(0), **MONEY)  # type: ignore[arg-type]
    p80_price = models.DecimalField(_("price at P80"), default=Decimal(0), **MONEY)  # type: ignore[arg-type]
    p90_price = models.DecimalField(_("price at P90"), default=Decimal(0), **MONEY)  # type: ignore[arg-type]
    contingency_hours = models.DecimalField(_("risk contingency (hours)"), default=Decimal(0), **HOURS)  # type: ignore[arg-type]
    contingency_amount = models.DecimalField(_("risk contingency"), default=Decimal(0), **MONEY)  # type: ignore[arg-type]
    price = models.DecimalField(_("price"), default=Decimal(0), **MONEY)  # type: ignore[arg-type]

    class Meta:
        ordering = ["opportunity", "-number"]
        verbose_name = _("estimate")
        verbose_name_plural = _("estimates")
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "number"], name="unique_estimate_number"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity} – v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("pipeline:estimate", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class WorkPackage(Versioned):
    """A piece of scope with its three-point hours and hourly rate."""

    estimate = models.ForeignKey(Estimate, on_delete=models.CASCADE, related_name="packages")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.EXPERT)
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True, related_name="work_packages")
    optimistic = models.DecimalField(_("optimistic (h)"), **HOURS)  # type: ignore[arg-type]
    most_likely = models.DecimalField(_("most likely (h)"), **HOURS)  # type: ignore[arg-type]
    pessimistic = models.DecimalField(_("pessimistic (h)"), **HOURS)  # type: ignore[arg-type]
    hourly_rate = models.DecimalField(
        _("hourly rate (NOK)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    expected_hours = models.DecimalField(_("expected hours"), default=Decimal(0), **HOURS)  # type: ignore[arg-type]

    class Meta:
        ordering = ["estimate", "position", "pk"]
        verbose_name = _("work package")
        verbose_name_plural = _("work packages")
        constraints = [
            models.CheckConstraint(
                condition=Q(optimistic__lte=F("most_likely"), most_likely__lte=F("pessimistic")),
                name="work_package_three_points_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return self.estimate.get_absolute_url()

    @property
    def amount(self) -> Decimal:
        return (self.expected_hours * self.hourly_rate).quantize(Decimal("0.01"))


class EstimateLineKind(models.TextChoices):
    ASSUMPTION = "assumption", _("Assumption")
    EXCLUSION = "exclusion", _("Exclusion")


class EstimateLine(models.Model):
    """An assumption the price rests on, or something the offer leaves out."""

    estimate = models.ForeignKey(Estimate, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("kind"), max_length=20, choices=EstimateLineKind.choices)
    text = models.TextField(_("text"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["estimate", "kind", "position", "pk"]
        verbose_name = _("assumption or exclusion")
        verbose_name_plural = _("assumptions and exclusions")

    def __str__(self) -> str:
        return self.text[:80]

    def get_absolute_url(self) -> str:
        return self.estimate.get_absolute_url()


class Risk(models.Model):
    """Something that may cost hours: probability × consequence adds to the contingency."""

    estimate = models.ForeignKey(Estimate, on_delete=models.CASCADE, related_name="risks")
    description = models.TextField(_("description"))
    probability = models.PositiveSmallIntegerField(_("probability (%)"), validators=PERCENT)
    consequence_hours = models.DecimalField(_("consequence (h)"), **HOURS)  # type: ignore[arg-type]
    mitigation = models.TextField(_("mitigation"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["estimate", "position", "pk"]
        verbose_name = _("risk")
        verbose_name_plural = _("risks")

    def __str__(self) -> str:
        return self.description[:80]

    def get_absolute_url(self) -> str:
        return self.estimate.get_absolute_url()

    @property
    def exposure_hours(self) -> Decimal:
        return (self.consequence_hours * self.probability / Decimal(100)).quantize(Decimal("0.1"))


class ReviewState(models.TextChoices):
    REQUESTED = "requested", _("Waiting for an expert")
    ACCEPTED = "accepted", _("In review")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_REVIEW_STATES = [ReviewState.REQUESTED, ReviewState.ACCEPTED]


class Verdict(models.TextChoices):
    APPROVED = "approved", _("Approved")
    APPROVED_WITH_CHANGES = "approved_with_changes", _("Approved with changes")
    NOT_REALISTIC = "not_realistic", _("Not realistic")


class ExpertReviewQuerySet(QuerySet["ExpertReview"]):
    def open(self) -> ExpertReviewQuerySet:
        return self.filter(state__in=OPEN_REVIEW_STATES)

    def visible_to(self, user: Any) -> ExpertReviewQuerySet:
        """A review is seen by whoever sees its opportunity, and always by its reviewer."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        visible = Opportunity.objects.visible_to(user).values("pk")
        return self.filter(Q(opportunity__in=visible) | Q(reviewer=user))


class ExpertReview(Versioned):
    """An expert's judgement of a solution and estimate before it is sold."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="reviews")
    estimate = models.ForeignKey(Estimate, on_delete=models.CASCADE, related_name="reviews")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="expert_reviews",
    )
    skill = models.ForeignKey(
        Skill, verbose_name=_("skill"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    min_level = models.PositiveSmallIntegerField(
        _("at least level"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    message = models.TextField(_("what to look at"), blank=True)
    due_on = models.DateField(_("due"))
    state = models.CharField(
        _("state"), max_length=20, choices=ReviewState.choices, default=ReviewState.REQUESTED
    )
    verdict = models.CharField(_("verdict"), max_length=30, choices=Verdict.choices, blank=True)
    verdict_comment = models.TextField(_("verdict comment"), blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = ExpertReviewQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("expert review")
        verbose_name_plural = _("expert reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(reviewer__isnull=False) | Q(skill__isnull=False),
                name="review_has_person_or_skill",
            ),
        ]
        indexes = [models.Index(fields=["state", "due_on"], name="review_state_due")]

    def __str__(self) -> str:
        return str(_("Review of %(estimate)s") % {"estimate": self.estimate})

    def get_absolute_url(self) -> str:
        return reverse("pipeline:review", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_REVIEW_STATES


class ReviewComment(models.Model):
    """An expert's remark on an estimate or one work package, optionally proposing other hours."""

    review = models.ForeignKey(ExpertReview, on_delete=models.CASCADE, related_name="comments")
    work_package = models.ForeignKey(
        WorkPackage,
        verbose_name=_("work package"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="review_comments",
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"), blank=True)
    proposed_optimistic = models.DecimalField(_("proposed optimistic (h)"), null=True, blank=True, **HOURS)  # type: ignore[arg-type]
    proposed_most_likely = models.DecimalField(_("proposed most likely (h)"), null=True, blank=True, **HOURS)  # type: ignore[arg-type]
    proposed_pessimistic = models.DecimalField(_("proposed pessimistic (h)"), null=True, blank=True, **HOURS)  # type: ignore[arg-type]
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review", "created_at", "pk"]
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")

    def __str__(self) -> str:
        return self.text[:80]

    def get_absolute_url(self) -> str:
        return self.review.get_absolute_url()

    @property
    def proposes_hours(self) -> bool:
        return self.proposed_most_likely is not None


class ExpectationKind(models.TextChoices):
    SCOPE = "scope", _("Scope")
    DEADLINE = "deadline", _("Deadline")
    QUALITY = "quality", _("Quality")
    STAFFING = "staffing", _("Staffing")
    COMMERCIAL = "commercial", _("Commercial")
    ASSUMPTION = "assumption", _("Assumption")
    EXCLUSION = "exclusion", _("Exclusion")


class ExpectationSource(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    TENDER = "tender", _("Tender document")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")


class ExpectationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MET = "met", _("Met")
    AT_RISK = "at_risk", _("At risk")
    BROKEN = "broken", _("Broken")


class ExpectationQuerySet(QuerySet["Expectation"]):
    def visible_to(self, user: Any) -> ExpectationQuerySet:
        """Everybody who can see the opportunity sees its expectations.

        One correlated condition per expectation (`seen_by`), not a list of every visible opportunity.
        """
        return self.filter(seen_by(user, "opportunity"))


class Expectation(Versioned):
    """Something the customer expects or was promised, in the customer's own words."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="expectations")
    kind = models.CharField(_("type"), max_length=20, choices=ExpectationKind.choices)
    customer_words = models.TextField(_("in the customer's words"))
    source = models.CharField(_("where it came from"), max_length=20, choices=ExpectationSource.choices)
    source_note = models.CharField(
        _("source details"),
        max_length=200,
        blank=True,
        help_text=_("E.g. 'Meeting 12.03 with the IT director'."),
    )
    acceptance_criteria = models.TextField(_("acceptance criteria"), blank=True)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agreed by (us)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agreed_with = models.ForeignKey(
        Contact,
        verbose_name=_("agreed with (customer)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ExpectationStatus.choices, default=ExpectationStatus.OPEN
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = ExpectationQuerySet.as_manager()

    class Meta:
        ordering = ["opportunity", "position", "pk"]
        verbose_name = _("expectation")
        verbose_name_plural = _("expectations")

    def __str__(self) -> str:
        return self.customer_words[:80]

    def get_absolute_url(self) -> str:
        return reverse("pipeline:opportunity", args=[self.opportunity_id]) + "#expectations"

    @property
    def is_agreed(self) -> bool:
        return self.agreed_by_id is not None or self.agreed_with_id is not None


def _offer_path(instance: OfferDocument, filename: str) -> str:
    import uuid

    return f"offers/{instance.estimate_id}/{uuid.uuid4().hex}.docx"


class OfferDocument(models.Model):
    """The offer letter generated from one estimate version, kept with it."""

    estimate = models.ForeignKey(Estimate, on_delete=models.CASCADE, related_name="offer_documents")
    file = models.FileField(_("file"), upload_to=_offer_path)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    valid_until = models.DateField(_("valid until"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("offer document")
        verbose_name_plural = _("offer documents")

    def __str__(self) -> str:
        return str(_("Offer for %(estimate)s") % {"estimate": self.estimate})

    def get_absolute_url(self) -> str:
        return self.estimate.get_absolute_url()
