"""The handover from sales to delivery: what was sold, promised and agreed, checked before the project."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from samspill.delivery.models import Project
from samspill.lib.models import Versioned
from samspill.people.models import Role
from samspill.pipeline.models import Opportunity, seen_by, sees_everything


class ChecklistTemplateItem(Versioned):
    """One item every new handover's checklist starts with; administrators edit the list in the admin.

    Changing the template changes the checklists of handovers opened afterwards, never those already open.
    """

    text = models.CharField(_("item"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    required = models.BooleanField(_("required for completeness"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("checklist template item")
        verbose_name_plural = _("checklist template")

    def __str__(self) -> str:
        return self.text

    def get_absolute_url(self) -> str:
        return reverse("admin:handover_checklisttemplateitem_changelist")


class HandoverState(models.TextChoices):
    OPEN = "open", _("Being prepared")
    SENT_BACK = "sent_back", _("Sent back with questions")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")


def checklist_label(text: str) -> str:
    """Return a checklist text in the active language if the catalogue has it (the default items)."""
    return gettext(text) if text else ""


WAITING_STATES = [HandoverState.OPEN, HandoverState.SENT_BACK]


def sees_every_handover(user: Any) -> bool:
    """Management, delivery managers and administrators see every handover, confidential or not."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return sees_everything(user) or user.has_role(Role.DELIVERY_MANAGER)


class HandoverQuerySet(QuerySet["Handover"]):
    def visible_to(self, user: Any) -> HandoverQuerySet:
        """Whoever sees the opportunity sees its handover; the project manager and delivery managers
        always do (as they see every project)."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if sees_every_handover(user):
            return self
        return self.filter(seen_by(user, "opportunity") | Q(project_manager=user))

    def waiting(self) -> HandoverQuerySet:
        """The handovers not acknowledged yet."""
        return self.filter(state__in=WAITING_STATES)

    def of(self, user: Any) -> HandoverQuerySet:
        """The handovers `user` takes over (project manager) or hands over (seller)."""
        return self.filter(Q(project_manager=user) | Q(seller=user))


class Handover(Versioned):
    """The package sales hands to delivery when an opportunity is won, until acknowledged.

    Scope, baseline, expectations, risks, assumptions and exclusions are read from the opportunity and its
    sold (locked) estimate, which no longer change; the handover adds the checklist, the meeting, the
    questions and answers, and the decision.
    """

    opportunity = models.OneToOneField(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.PROTECT, related_name="handover"
    )
    state = models.CharField(
        _("state"), max_length=20, choices=HandoverState.choices, default=HandoverState.OPEN
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("seller"), on_delete=models.PROTECT, related_name="+"
    )
    project_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("project manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handovers_to_take",
    )
    meeting_on = models.DateTimeField(_("handover meeting"), null=True, blank=True)
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("participants"), blank=True, related_name="+"
    )
    notes = models.TextField(_("notes from sales"), blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_score = models.PositiveSmallIntegerField(
        _("completeness when acknowledged (%)"), null=True, blank=True
    )
    acknowledged_missing = models.JSONField(
        _("missing when acknowledged"),
        default=list,
        blank=True,
        help_text=_("What the completeness check named as missing when the project manager acknowledged it."),
    )
    project = models.OneToOneField(
        Project,
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handover",
    )

    objects = HandoverQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        indexes = [
            models.Index(fields=["project_manager", "state"], name="handover_pm_state"),
            models.Index(fields=["seller", "state"], name="handover_seller_state"),
            models.Index(fields=["state", "created_at"], name="handover_state_created"),
        ]

    def __str__(self) -> str:
        return str(self.opportunity)

    def get_absolute_url(self) -> str:
        return reverse("handover:handover", args=[self.pk])

    @property
    def is_acknowledged(self) -> bool:
        return self.state == HandoverState.ACKNOWLEDGED


class ChecklistItem(models.Model):
    """One item of a handover's checklist, copied from the template when the handover opened."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="checklist")
    text = models.CharField(_("item"), max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    required = models.BooleanField(_("required"), default=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["handover", "position", "pk"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist")

    def __str__(self) -> str:
        return self.text

    def get_absolute_url(self) -> str:
        return reverse("handover:handover", args=[self.handover_id]) + "#checklist"

    @property
    def label(self) -> str:
        """The item in the reader's language when it is one of the default items, else as written."""
        return checklist_label(self.text)

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Question(models.Model):
    """A question the project manager sends back to the seller, and the seller's answer."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField(_("question"))
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["handover", "asked_at", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text[:80]

    def get_absolute_url(self) -> str:
        return reverse("handover:handover", args=[self.handover_id]) + f"#question-{self.pk}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
