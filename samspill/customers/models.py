"""Customers, their contacts and the framework agreements we deliver under."""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samspill.customers.validators import validate_org_number, validate_postal_code
from samspill.lib.models import Versioned
from samspill.people.models import Role


class Segment(models.TextChoices):
    PUBLIC = "public", _("Public sector")
    ENTERPRISE = "enterprise", _("Large enterprise")
    MIDSIZE = "midsize", _("Small and medium business")
    NONPROFIT = "nonprofit", _("Non-profit")


class ArchivableQuerySet(QuerySet[Any]):
    def active(self) -> Any:
        return self.filter(archived_at__isnull=True)

    def archived(self) -> Any:
        return self.filter(archived_at__isnull=False)

    def visible_to(self, user: Any) -> Any:
        """Customers, contacts and agreements are open to everybody in the firm who is logged in."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self


class CustomerQuerySet(ArchivableQuerySet):
    def of(self, user: Any) -> CustomerQuerySet:
        """The customers `user` owns or leads delivery for."""
        return self.filter(Q(account_owner=user) | Q(delivery_lead=user))


class Customer(Versioned):
    """An organisation we sell to and deliver for."""

    name = models.CharField(_("name"), max_length=200)
    org_number = models.CharField(
        _("organisation number"),
        max_length=9,
        blank=True,
        validators=[validate_org_number],
        help_text=_("9 digits, e.g. 923 609 016. Leave empty for a foreign customer."),
    )
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(
        _("postal code"), max_length=4, blank=True, validators=[validate_postal_code]
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    account_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_customers",
    )
    delivery_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delivery lead"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_customers",
    )
    notes = models.TextField(_("notes"), blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["org_number"], condition=~Q(org_number=""), name="unique_customer_org_number"
            ),
        ]
        indexes = [models.Index(fields=["name"], name="customer_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])

    @property
    def org_number_display(self) -> str:
        n = self.org_number
        return f"{n[:3]}\xa0{n[3:6]}\xa0{n[6:]}" if len(n) == 9 else n

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Contact(Versioned):
    """A person at the customer we talk to."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:contact_edit", args=[self.pk])

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


class FrameworkAgreement(Versioned):
    """A multi-year agreement with a customer: a ceiling, agreed rates, and call-offs against it."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="agreements"
    )
    title = models.CharField(_("title"), max_length=200)
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("The customer's case or contract number.")
    )
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"))
    extension_count = models.PositiveSmallIntegerField(
        _("extension options"), default=0, help_text=_("How many times the customer may extend it.")
    )
    extension_months = models.PositiveSmallIntegerField(_("months per extension"), default=12)
    ceiling = models.DecimalField(
        _("ceiling (NOK excl. VAT)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.ACTIVE
    )
    notes = models.TextField(_("notes"), blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        ordering = ["ends_on", "title"]
        verbose_name = _("framework agreement")
        verbose_name_plural = _("framework agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="agreement_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("customers:agreement_detail", args=[self.pk])

    @property
    def latest_end(self) -> datetime.date:
        """The end date if every extension option is used (`date.max` if that is past year 9999)."""
        return self.extended_end() or datetime.date.max

    def extended_end(self) -> datetime.date | None:
        """Return the end date with every extension used, or None if no calendar has that date."""
        months = self.extension_count * self.extension_months
        year, month = divmod(self.ends_on.month - 1 + months, 12)
        target_year, target_month = self.ends_on.year + year, month + 1
        if target_year > datetime.MAXYEAR:
            return None
        day = min(self.ends_on.day, calendar.monthrange(target_year, target_month)[1])
        return datetime.date(target_year, target_month, day)

    def days_left(self, today: datetime.date | None = None) -> int:
        today = today or timezone.localdate()
        return (self.ends_on - today).days

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def rate_for(self, role: str) -> Decimal | None:
        for rate in self.rates.all():
            if rate.role == role:
                return rate.hourly_rate
        return None


class AgreementRate(models.Model):
    """The hourly rate agreed for one role under a framework agreement."""

    agreement = models.ForeignKey(FrameworkAgreement, on_delete=models.CASCADE, related_name="rates")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    hourly_rate = models.DecimalField(
        _("hourly rate (NOK)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["agreement", "role"]
        constraints = [models.UniqueConstraint(fields=["agreement", "role"], name="unique_rate_per_role")]
        verbose_name = _("agreed rate")
        verbose_name_plural = _("agreed rates")

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.hourly_rate}"

    def get_absolute_url(self) -> str:
        return self.agreement.get_absolute_url()
