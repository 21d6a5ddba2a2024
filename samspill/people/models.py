"""People of the firm: who they are, what they can do, and how much time they have."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from functools import cached_property
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samspill.lib.models import Versioned


class Role(models.TextChoices):
    SELLER = "seller", _("Seller")
    EXPERT = "expert", _("Expert")
    PROJECT_MANAGER = "project_manager", _("Project manager")
    DELIVERY_MANAGER = "delivery_manager", _("Delivery manager")
    MANAGEMENT = "management", _("Management")
    ADMINISTRATOR = "administrator", _("Administrator")


class Language(models.TextChoices):
    NORWEGIAN = "nb", "Norsk bokmål"
    ENGLISH = "en", "English"


class Team(Versioned):
    """A group people belong to, such as a department or a practice (configuration)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("people:directory") + f"?team={self.pk}"


class Skill(Versioned):
    """Something a person can do that bids and projects need, such as "Azure" (configuration)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    category = models.CharField(_("category"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("people:directory") + f"?skill={self.pk}"


class PersonQuerySet(QuerySet["Person"]):
    def active(self) -> PersonQuerySet:
        return self.filter(is_active=True)

    def visible_to(self, user: Any) -> PersonQuerySet:
        """Everybody logged in sees the active people; administrators also see deactivated ones."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if is_administrator(user):
            return self
        return self.filter(Q(is_active=True) | Q(pk=user.pk))

    def with_role(self, role: str) -> PersonQuerySet:
        return self.filter(role_assignments__role=role)


class PersonManager(UserManager.from_queryset(PersonQuerySet)):  # type: ignore[misc]
    pass


class Person(AbstractUser, Versioned):
    """Someone in the firm who logs in: a seller, an expert, a project manager, …"""

    title = models.CharField(_("title"), max_length=100, blank=True)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    primary_role = models.CharField(
        _("primary role"),
        max_length=20,
        choices=Role.choices,
        blank=True,
        help_text=_("The role this person's capacity counts towards."),
    )
    weekly_capacity_hours = models.DecimalField(
        _("weekly capacity (hours)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("37.5"),
        validators=[MinValueValidator(0), MaxValueValidator(80)],
    )
    cost_rate = models.DecimalField(
        _("cost rate (NOK/hour)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    hourly_rate = models.DecimalField(
        _("default hourly rate (NOK/hour)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.NORWEGIAN
    )
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)
    invited_by = models.ForeignKey(
        "self",
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects: ClassVar[PersonManager] = PersonManager()

    class Meta:
        ordering = ["first_name", "last_name", "username"]
        constraints = [
            models.UniqueConstraint(Lower("email"), condition=~Q(email=""), name="unique_person_email"),
        ]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("people:detail", args=[self.pk])

    @property
    def name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def initials(self) -> str:
        parts = [self.first_name[:1], self.last_name[:1]]
        return ("".join(parts) or self.username[:2]).upper()

    @cached_property
    def roles(self) -> frozenset[str]:
        """The person's role codes (prefetch `role_assignments` to avoid a query per person)."""
        return frozenset(assignment.role for assignment in self.role_assignments.all())

    def role_labels(self) -> list[str]:
        return [str(Role(code).label) for code in Role.values if code in self.roles]

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def has_joined(self) -> bool:
        return self.has_usable_password() or self.last_login is not None


def is_administrator(user: Any) -> bool:
    """Return whether `user` manages people and settings."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.has_role(Role.ADMINISTRATOR))


class RoleAssignment(models.Model):
    """One of a person's roles; a person can hold several."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        ordering = ["person", "role"]
        constraints = [models.UniqueConstraint(fields=["person", "role"], name="unique_role_per_person")]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return f"{self.person}: {self.get_role_display()}"

    def get_absolute_url(self) -> str:
        return self.person.get_absolute_url()


class PersonSkill(models.Model):
    """How good a person is at a skill, from 1 (beginner) to 5 (leading expert)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="people")
    level = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        ordering = ["-level", "skill__name"]
        constraints = [
            models.UniqueConstraint(fields=["person", "skill"], name="unique_skill_per_person"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="skill_level_1_to_5"),
        ]
        verbose_name = _("skill level")
        verbose_name_plural = _("skill levels")

    def __str__(self) -> str:
        return f"{self.skill} ({self.level})"

    def get_absolute_url(self) -> str:
        return self.person.get_absolute_url()


TOKEN_PREFIX = "ssp_"  # noqa: S105 - the visible start of every token, not a secret


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(QuerySet["ApiToken"]):
    def live(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, person__is_active=True)

    def visible_to(self, user: Any) -> ApiTokenQuerySet:
        """A person sees their own tokens; administrators see everybody's."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self if is_administrator(user) else self.filter(person=user)


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 digest is stored, the token is shown once."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("starts with"), max_length=12)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def get_absolute_url(self) -> str:
        return reverse("people:detail", args=[self.person_id]) + "#tokens"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
