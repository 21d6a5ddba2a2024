"""Projects from kick-off to closing: the sold baseline, staffing, time, progress, deviations and changes."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from samspill.customers.models import Customer, FrameworkAgreement
from samspill.lib import formatting
from samspill.lib.models import Versioned
from samspill.people.models import Role, Skill, is_administrator
from samspill.pipeline.models import ContractType, Opportunity, ProjectType
from samspill.pipeline.models import WorkPackage as EstimatePackage

HOURS = {"max_digits": 9, "decimal_places": 1, "validators": [MinValueValidator(0)]}
MONEY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(0)]}
PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    ON_HOLD = "on_hold", _("On hold")
    CLOSED = "closed", _("Closed")


class Health(models.TextChoices):
    GREEN = "green", _("Green")
    AMBER = "amber", _("Amber")
    RED = "red", _("Red")


RUNNING = [s for s in ProjectStatus if s != ProjectStatus.CLOSED]


class ProjectRole(models.TextChoices):
    PROJECT_MANAGER = "project_manager", _("Project manager")
    SELLER = "seller", _("Seller")
    MEMBER = "member", _("Team member")


def sees_every_project(user: Any) -> bool:
    """Management, delivery managers and administrators see every project, confidential or not."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_administrator(user) or user.has_role(Role.MANAGEMENT, Role.DELIVERY_MANAGER)


def project_seen_by(user: Any, through: str = "") -> Q:
    """The condition that `user` sees a project, for a filter on projects or (with `through`, e.g.
    "project") on rows that point to one: one correlated condition per row, like `seen_by` in pipeline."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if sees_every_project(user):
        return Q()
    prefix = f"{through}__" if through else ""
    on_team = ProjectMember.objects.filter(project=OuterRef(through or "pk"), person=user)
    return (
        Q(**{f"{prefix}confidential": False})
        | Q(**{f"{prefix}manager": user})
        | Q(**{f"{prefix}seller": user})
        | Q(Exists(on_team))
    )


class ProjectQuerySet(QuerySet["Project"]):
    def visible_to(self, user: Any) -> ProjectQuerySet:
        """Everybody sees ordinary projects; a confidential one only its team, management, admins."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if sees_every_project(user):
            return self
        return self.filter(project_seen_by(user))

    def running(self) -> ProjectQuerySet:
        # The running statuses by name rather than "not closed": an index on the status can find them.
        return self.filter(status__in=RUNNING)

    def of(self, user: Any) -> ProjectQuerySet:
        """The projects `user` manages, sold, or is on the team of."""
        on_team = ProjectMember.objects.filter(person=user).values("project_id")
        return self.filter(Q(manager=user) | Q(seller=user) | Q(pk__in=on_team))


class Project(Versioned):
    """Work we deliver to a customer: created by a handover from a won opportunity, or by hand."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="projects"
    )
    opportunity = models.OneToOneField(
        Opportunity,
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="project",
    )
    agreement = models.ForeignKey(
        FrameworkAgreement,
        verbose_name=_("framework agreement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description and scope"), blank=True)
    project_type = models.CharField(_("project type"), max_length=20, choices=ProjectType.choices, blank=True)
    contract_type = models.CharField(
        _("contract type"), max_length=20, choices=ContractType.choices, default=ContractType.FIXED_PRICE
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True, related_name="projects")
    price = models.DecimalField(_("sold price (NOK excl. VAT)"), default=Decimal(0), **MONEY)  # type: ignore[arg-type]
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("project manager"),
        on_delete=models.PROTECT,
        related_name="managed_projects",
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("seller"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sold_projects",
        help_text=_("Who sold it: the account owner follows the project from the sales side."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_("Only the team, management, delivery managers and administrators see it."),
    )
    starts_on = models.DateField(_("start"), null=True, blank=True)
    ends_on = models.DateField(_("planned end"), null=True, blank=True)
    baseline_number = models.PositiveSmallIntegerField(_("baseline version"), default=1)
    # Kept current by the actions (time entries, progress, closing) so lists sort by trouble in one query.
    actual_hours = models.DecimalField(_("actual hours"), default=Decimal(0), **HOURS)  # type: ignore[arg-type]
    forecast_hours = models.DecimalField(_("forecast at completion (h)"), default=Decimal(0), **HOURS)  # type: ignore[arg-type]
    budget_hours = models.DecimalField(_("baseline hours"), default=Decimal(0), **HOURS)  # type: ignore[arg-type]
    budget_amount = models.DecimalField(_("baseline amount"), default=Decimal(0), **MONEY)  # type: ignore[arg-type]
    health = models.CharField(_("health"), max_length=10, choices=Health.choices, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("customer satisfaction (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        indexes = [
            models.Index(fields=["status", "customer"], name="project_status_customer"),
            models.Index(fields=["seller", "status"], name="project_seller_status"),
            models.Index(fields=["manager", "status"], name="project_manager_status"),
            models.Index(fields=["closed_on"], name="project_closed_on"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("delivery:project", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.status == ProjectStatus.CLOSED


class ProjectMember(models.Model):
    """A person on a project's team; they may log hours on it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="project_roles",
    )
    role = models.CharField(_("role"), max_length=20, choices=ProjectRole.choices, default=ProjectRole.MEMBER)

    class Meta:
        ordering = ["project", "role", "person__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "person"], name="project_member_once"),
        ]
        indexes = [models.Index(fields=["person", "project"], name="project_member_person")]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class BaselineSource(models.TextChoices):
    SOLD = "sold", _("Sold estimate")
    MANUAL = "manual", _("Set by hand")
    CHANGE = "change", _("Accepted change request")


class Baseline(models.Model):
    """One version of what the project is measured against; version 1 is what was sold and stays."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="baselines")
    number = models.PositiveSmallIntegerField(_("version"))
    source = models.CharField(_("source"), max_length=20, choices=BaselineSource.choices)
    estimate = models.ForeignKey(
        "pipeline.Estimate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    change_request = models.ForeignKey(
        "ChangeRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hours = models.DecimalField(_("hours"), default=Decimal(0), **HOURS)  # type: ignore[arg-type]
    amount = models.DecimalField(_("amount"), default=Decimal(0), **MONEY)  # type: ignore[arg-type]
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["project", "number"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="baseline_number_once")]

    def __str__(self) -> str:
        return f"{self.project} v{self.number}"


class ProjectPackage(Versioned):
    """A work package of a project: its budget (current baseline), what was sold, and progress."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="packages")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.EXPERT)
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True, related_name="+")
    estimate_package = models.ForeignKey(
        EstimatePackage,
        verbose_name=_("sold work package"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hourly_rate = models.DecimalField(_("hourly rate"), default=Decimal(0), **MONEY)  # type: ignore[arg-type]
    # What was sold (baseline version 1); zero for a package added later by a change request.
    sold_hours = models.DecimalField(_("sold hours"), default=Decimal(0), **HOURS)  # type: ignore[arg-type]
    sold_amount = models.DecimalField(_("sold amount"), default=Decimal(0), **MONEY)  # type: ignore[arg-type]
    # The current baseline.
    budget_hours = models.DecimalField(_("budget hours"), default=Decimal(0), **HOURS)  # type: ignore[arg-type]
    budget_amount = models.DecimalField(_("budget amount"), default=Decimal(0), **MONEY)  # type: ignore[arg-type]
    starts_on = models.DateField(_("planned start"), null=True, blank=True)
    ends_on = models.DateField(_("planned end"), null=True, blank=True)
    # Progress: the project manager gives remaining hours or % complete; the other is derived.
    remaining_hours = models.DecimalField(_("remaining hours"), null=True, blank=True, **HOURS)  # type: ignore[arg-type]
    percent_complete = models.PositiveSmallIntegerField(
        # xgettext:no-python-format
        _("% complete"),
        null=True,
        blank=True,
        validators=PERCENT,
    )
    progress_on = models.DateField(_("progress as of"), null=True, blank=True)
    actual_hours = models.DecimalField(_("actual hours"), default=Decimal(0), **HOURS)  # type: ignore[arg-type]

    class Meta:
        ordering = ["project", "position", "pk"]
        verbose_name = _("work package")
        verbose_name_plural = _("work packages")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("delivery:project", args=[self.project_id]) + f"#package-{self.pk}"


class BaselinePackage(models.Model):
    """A work package's hours and amount in one baseline version."""

    baseline = models.ForeignKey(Baseline, on_delete=models.CASCADE, related_name="packages")
    package = models.ForeignKey(ProjectPackage, on_delete=models.CASCADE, related_name="baseline_rows")
    hours = models.DecimalField(_("hours"), **HOURS)  # type: ignore[arg-type]
    amount = models.DecimalField(_("amount"), **MONEY)  # type: ignore[arg-type]

    class Meta:
        ordering = ["baseline", "package__position"]
        constraints = [
            models.UniqueConstraint(fields=["baseline", "package"], name="baseline_package_once"),
        ]

    def __str__(self) -> str:
        return f"{self.package}: {self.hours} h"


class Milestone(Versioned):
    """A date the project promised: planned (baseline), forecast (the project manager's view) and actual."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(_("name"), max_length=200)
    planned_on = models.DateField(_("planned"))
    forecast_on = models.DateField(_("forecast"), null=True, blank=True)
    done_on = models.DateField(_("reached"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["project", "planned_on", "position", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("delivery:project", args=[self.project_id]) + "#milestones"

    @property
    def expected_on(self) -> datetime.date:
        """The date it is expected: reached, else forecast, else planned."""
        return self.done_on or self.forecast_on or self.planned_on

    @property
    def slip_days(self) -> int:
        """Days it is (or was) later than planned, negative when early; a passed date not reached slips on."""
        if self.done_on is not None:
            return (self.done_on - self.planned_on).days
        expected = max(self.forecast_on or self.planned_on, timezone.localdate())
        return (expected - self.planned_on).days


class Staffing(models.Model):
    """Planned hours of one person on one work package in one ISO week (the week's Monday)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="staffing")
    package = models.ForeignKey(ProjectPackage, on_delete=models.CASCADE, related_name="staffing")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staffing")
    week = models.DateField(_("week (Monday)"))
    hours = models.DecimalField(_("planned hours"), **HOURS)  # type: ignore[arg-type]

    class Meta:
        ordering = ["project", "week", "person"]
        constraints = [
            models.UniqueConstraint(fields=["package", "person", "week"], name="staffing_once_per_week"),
        ]
        indexes = [
            models.Index(fields=["week", "person"], name="staffing_week_person"),
            models.Index(fields=["project", "week"], name="staffing_project_week"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.week:%G-W%V}: {self.hours} h"


class TimeEntryQuerySet(QuerySet["TimeEntry"]):
    def visible_to(self, user: Any) -> TimeEntryQuerySet:
        """A person sees their own hours, and the hours of projects they can see."""
        if sees_every_project(user):
            return self
        return self.filter(Q(person=user) | project_seen_by(user, "project"))


class TimeEntry(models.Model):
    """Hours one person worked on a work package on one day."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="time_entries")
    package = models.ForeignKey(ProjectPackage, on_delete=models.PROTECT, related_name="time_entries")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries"
    )
    date = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"), max_digits=4, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(24)]
    )
    billable = models.BooleanField(_("billable"), default=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TimeEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "pk"]
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        indexes = [
            models.Index(fields=["person", "date"], name="time_person_date"),
            models.Index(fields=["project", "date"], name="time_project_date"),
            models.Index(fields=["package", "date"], name="time_package_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gte=0) & Q(hours__lte=24), name="time_hours_in_a_day"),
        ]

    def __str__(self) -> str:
        # Read in feeds as "Pia Prosjekt logged 7,5 t on Analyse, 20.11.2026".
        return gettext("%(hours)s on %(package)s, %(date)s") % {
            "hours": formatting.hours(self.hours),
            "package": self.package,
            "date": formatting.date(self.date),
        }

    def get_absolute_url(self) -> str:
        return reverse("delivery:project", args=[self.project_id]) + "#time"


class WeekApproval(models.Model):
    """A person's week on a project, approved by its project manager: locked until reopened with a reason."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="approvals")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    week = models.DateField(_("week (Monday)"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("approved"))
    hours = models.DecimalField(_("hours approved"), max_digits=7, decimal_places=2, default=Decimal(0))

    class Meta:
        ordering = ["project", "-week", "person"]
        constraints = [
            models.UniqueConstraint(fields=["project", "person", "week"], name="week_approved_once"),
        ]
        indexes = [models.Index(fields=["person", "week"], name="approval_person_week")]

    def __str__(self) -> str:
        return f"{self.project} {self.person} {self.week:%G-W%V}"


class StatusReport(models.Model):
    """The project manager's weekly word on the project: red, amber or green with a comment."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="status_reports")
    week = models.DateField(_("week (Monday)"))
    health = models.CharField(_("health"), max_length=10, choices=Health.choices)
    comment = models.TextField(_("comment"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "-week", "-created_at"]
        verbose_name = _("status report")
        verbose_name_plural = _("status reports")
        indexes = [models.Index(fields=["project", "-week"], name="status_project_week")]

    def __str__(self) -> str:
        return f"{self.project} {self.week:%G-W%V}: {self.get_health_display()}"

    def get_absolute_url(self) -> str:
        return reverse("delivery:project", args=[self.project_id]) + "#status"


class DeviationKind(models.TextChoices):
    MANUAL = "manual", _("Raised by hand")
    FORECAST_OVER_BASELINE = "forecast_over_baseline", _("Forecast over baseline")
    MILESTONE_LATE = "milestone_late", _("Milestone late")
    EXPECTATION = "expectation", _("Expectation at risk or broken")
    PACKAGE_OVER_BUDGET = "package_over_budget", _("Hours past the package budget")


class DeviationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Deviation(Versioned):
    """Something that departs from what was sold or planned, raised by hand or found by a rule.

    An automatic one carries the condition's `subject` ("project", "package:12", "milestone:3",
    "expectation:7"), so the same condition is recorded once while it lasts and closed when it ends.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="deviations")
    kind = models.CharField(_("kind"), max_length=30, choices=DeviationKind.choices)
    subject = models.CharField(_("subject"), max_length=50, blank=True)
    what = models.TextField(_("what happened"))
    consequence = models.TextField(_("consequence"), blank=True)
    action = models.TextField(_("action"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    numbers = models.JSONField(_("numbers"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeviationStatus.choices, default=DeviationStatus.OPEN
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        ordering = ["project", "-created_at"]
        verbose_name = _("deviation")
        verbose_name_plural = _("deviations")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "subject"],
                condition=Q(status="open") & ~Q(kind="manual"),
                name="deviation_open_once",
            ),
        ]
        indexes = [models.Index(fields=["project", "status"], name="deviation_project_status")]

    def __str__(self) -> str:
        return self.what[:80]

    def get_absolute_url(self) -> str:
        return reverse("delivery:deviation", args=[self.pk])


class ChangeState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent to customer")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class ChangeRequest(Versioned):
    """A change to what was sold (endringsmelding): more hours, a price and an effect on milestones."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="change_requests")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    package = models.ForeignKey(
        ProjectPackage,
        verbose_name=_("work package"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The package the hours go to; empty adds a new package when accepted."),
    )
    hours = models.DecimalField(_("hours"), max_digits=9, decimal_places=1)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2)
    milestone_effect = models.TextField(_("effect on milestones"), blank=True)
    delay_days = models.IntegerField(_("milestones move (days)"), default=0)
    state = models.CharField(
        _("state"), max_length=10, choices=ChangeState.choices, default=ChangeState.DRAFT
    )
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["project", "-number"]
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="change_number_once")]
        indexes = [models.Index(fields=["state", "project"], name="change_state_project")]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("delivery:change", args=[self.pk])


class Phase(models.TextChoices):
    SALES = "sales", _("Sales")
    HANDOVER = "handover", _("Handover")
    DELIVERY = "delivery", _("Delivery")


class Retrospective(models.Model):
    """What a closed project taught us, written at closing."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="retrospective")
    went_well = models.TextField(_("what went well"), blank=True)
    went_badly = models.TextField(_("what went badly"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("customer satisfaction (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("retrospective")
        verbose_name_plural = _("retrospectives")

    def __str__(self) -> str:
        return str(self.project)

    def get_absolute_url(self) -> str:
        return reverse("delivery:project", args=[self.project_id]) + "#closing"


class Lesson(models.Model):
    """One lesson of a retrospective, tagged with the phase it belongs to and with skills and tags."""

    retrospective = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="lessons")
    text = models.TextField(_("lesson"))
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True, related_name="lessons")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["retrospective", "position", "pk"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def __str__(self) -> str:
        return self.text[:80]

    def get_absolute_url(self) -> str:
        return reverse("delivery:project", args=[self.retrospective.project_id]) + "#closing"
