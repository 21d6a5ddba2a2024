"""Documents in the workspaces of customers, opportunities and projects, and the search index."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from samspill.lib import registry
from samspill.lib.models import Versioned
from samspill.workspace.storage import documents_storage, stored_name

# The objects that have a workspace. Documents attach to them generically (content type and id), and
# each one's own app decides, through its registered access, who sees and changes them.
WORKSPACE_TARGETS: list[str] = ["customers.customer", "pipeline.opportunity", "delivery.project"]


def owner_content_types() -> dict[str, ContentType]:
    """Return the content type of each workspace target whose app is installed and registers access."""
    found = {}
    for target in WORKSPACE_TARGETS:
        if target not in registry.registry.access:
            continue
        app_label, model = target.split(".")
        try:
            found[target] = ContentType.objects.get_by_natural_key(app_label, model)
        except ContentType.DoesNotExist:
            continue
    return found


def customer_of(owner: models.Model) -> int | None:
    """Return the id of the customer a workspace belongs to: the customer itself, or its object's customer."""
    if registry.target_of(owner) == "customers.customer":
        return int(owner.pk)
    value = getattr(owner, "customer_id", None)
    return value if isinstance(value, int) else None


class DocumentKind(models.TextChoices):
    TENDER = "tender", _("Tender document")
    OFFER = "offer", _("Offer")
    CONTRACT = "contract", _("Contract")
    SPECIFICATION = "specification", _("Specification")
    REPORT = "report", _("Report")
    MINUTES = "minutes", _("Minutes")
    OTHER = "other", _("Other")


class Extraction(models.TextChoices):
    QUEUED = "queued", _("Reading text")
    EXTRACTED = "extracted", _("Text read")
    FAILED = "failed", _("Text not read")


class DocumentQuerySet(QuerySet["Document"]):
    def present(self) -> DocumentQuerySet:
        """Documents not in the recycle bin."""
        return self.filter(deleted_at__isnull=True)

    def deleted(self) -> DocumentQuerySet:
        """Documents in the recycle bin."""
        return self.filter(deleted_at__isnull=False)

    def listed(self) -> DocumentQuerySet:
        """Without the extracted text (up to millions of characters), for lists that do not show it."""
        return self.defer("text")

    def of(self, obj: models.Model) -> DocumentQuerySet:
        """The documents in `obj`'s workspace (recycle bin included; add `.present()`)."""
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)

    def visible_to(self, user: Any) -> DocumentQuerySet:
        """Documents whose workspace object `user` may see, as that object's own app decides.

        One correlated condition per workspace target: "the row's object is among those the target's
        registered `visible_to` allows", asked of that one object (by its primary key) for each document
        the query looks at. A list of every visible object, which `object_id IN (SELECT …)` would build
        on every call, costs the same for one document as for all of them. The query count does not
        grow with the documents or their owners.
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        condition = Q(pk__in=[])
        for target, content_type in owner_content_types().items():
            owner = registry.access_for(target).visible_to(user).order_by().filter(pk=OuterRef("object_id"))
            condition |= Q(content_type=content_type) & Q(Exists(owner))
        return self.filter(condition)


class Document(Versioned):
    """A file in the workspace of a customer, an opportunity or a project, with every version kept."""

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("workspace type"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.BigIntegerField(_("workspace id"))
    owner = GenericForeignKey("content_type", "object_id")
    customer_id = models.BigIntegerField(
        _("customer"),
        null=True,
        blank=True,
        help_text=_("The customer whose workspace this is, directly or through an opportunity or project."),
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("type"), max_length=20, choices=DocumentKind.choices, default=DocumentKind.OTHER
    )
    current = models.ForeignKey(
        "DocumentVersion",
        verbose_name=_("current version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Last, and last in the table (migration 0004): SQLite reads a row's columns in order, so a column
    # after a long text costs reading the whole text. Queries that do not show it defer it (`listed`).
    text = models.TextField(_("text"), blank=True, help_text=_("The text read from the current version."))

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [
            models.Index(fields=["content_type", "object_id", "-updated_at"], name="document_workspace"),
            models.Index(fields=["deleted_at"], name="document_deleted"),
            models.Index(fields=["customer_id"], name="document_customer"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("workspace:document", args=[self.pk])

    @property
    def owner_target(self) -> str:
        """The registry key of the workspace's object: "customers.customer"."""
        content_type = ContentType.objects.get_for_id(self.content_type_id)
        return f"{content_type.app_label}.{content_type.model}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def version_count(self) -> int:
        """How many versions the document has (versions are numbered 1, 2, 3 … and never removed)."""
        return self.current.number if self.current else 0


class DocumentVersion(models.Model):
    """One uploaded file of a document; the newest is the document's current version."""

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), storage=documents_storage, upload_to=stored_name, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    file_kind = models.CharField(_("file format"), max_length=20, blank=True)
    mime_type = models.CharField(_("content type"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"))
    extraction = models.CharField(
        _("text"), max_length=20, choices=Extraction.choices, default=Extraction.QUEUED
    )
    extraction_reason = models.CharField(_("why the text was not read"), max_length=300, blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    extracted_at = models.DateTimeField(_("text read at"), null=True, blank=True)

    class Meta:
        ordering = ["document", "-number"]
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="unique_document_version_number"),
        ]
        indexes = [models.Index(fields=["extraction", "uploaded_at"], name="document_version_extraction")]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("workspace:version_download", args=[self.document_id, self.number])
