"""The offer letter: what it says (one context for the DOCX and the print view) and how the DOCX is made.

The DOCX comes from a Word template with Jinja tags (docxtpl). Samspill ships
`samspill/pipeline/offer_template.docx`; a firm replaces it with its own letterhead and wording by
pointing the OFFER_TEMPLATE setting at another file. The template sees only plain text and numbers
already formatted the Norwegian way (see `offer_context`), and runs in Jinja's sandbox.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage, storages
from django.utils import timezone, translation

from samspill.lib.formatting import date as format_date
from samspill.lib.formatting import hours as format_hours
from samspill.lib.formatting import nok
from samspill.pipeline.models import Estimate, EstimateLineKind, Expectation, OfferDocument

DEFAULT_TEMPLATE = Path(__file__).resolve().parent / "offer_template.docx"
DEFAULT_VALID_DAYS = 30


def template_path() -> Path:
    """Return the Word template the offer letters are made from (OFFER_TEMPLATE, or the shipped one)."""
    configured = getattr(settings, "OFFER_TEMPLATE", "") or ""
    return Path(configured) if configured else DEFAULT_TEMPLATE


def storage() -> Storage:
    """Return where offer documents are kept: the `documents` storage when configured, else the default."""
    if "documents" in getattr(settings, "STORAGES", {}):
        return storages["documents"]
    return default_storage


@dataclass(frozen=True)
class OfferPackage:
    name: str
    description: str
    role: str
    hours: str
    price: str


def _shares(total: Decimal, weights: list[Decimal], quantum: Decimal) -> list[Decimal]:
    """Split `total` in proportion to `weights`, rounded to `quantum`, the rounding left on the largest."""
    if not weights:
        return []
    whole = sum(weights, start=Decimal(0))
    if whole <= 0:
        weights = [Decimal(1)] * len(weights)
        whole = Decimal(len(weights))
    parts = [(total * w / whole).quantize(quantum, rounding=ROUND_HALF_UP) for w in weights]
    largest = max(range(len(parts)), key=lambda i: weights[i])
    parts[largest] += total - sum(parts, start=Decimal(0))
    return parts


def offer_context(estimate: Estimate, *, valid_until: datetime.date, by: Any = None) -> dict[str, Any]:
    """Return what the offer letter says, as plain text, for the DOCX template and the print view.

    The price is the estimate's price at its chosen confidence point (with the contingency when the
    seller added it). Each package's share of it is in proportion to its expected amount, and its hours
    in proportion to its expected hours, so the rows add up to the totals the customer is offered.
    """
    opportunity = estimate.opportunity
    packages = list(estimate.packages.order_by("position", "pk"))
    hours_total = estimate_hours_at_point(estimate)
    prices = _shares(estimate.price, [p.amount for p in packages], Decimal(1))
    hours = _shares(hours_total, [p.expected_hours for p in packages], Decimal("0.1"))
    lines = list(estimate.lines.all())
    expectations = [
        e
        for e in Expectation.objects.filter(opportunity=opportunity).order_by("position", "pk")
        if e.is_agreed
    ]
    seller = by or opportunity.owner
    return {
        "title": opportunity.title,
        "customer": opportunity.customer.name,
        "customer_org_number": getattr(opportunity.customer, "org_number_display", ""),
        "reference": f"{opportunity.pk}-v{estimate.number}",
        "date": format_date(timezone.localdate()),
        "valid_until": format_date(valid_until),
        "scope": opportunity.description or estimate.notes,
        "contract_type": str(opportunity.get_contract_type_display()),
        "packages": [
            OfferPackage(
                name=p.name,
                description=p.description,
                role=str(p.get_role_display()),
                hours=format_hours(h),
                price=nok(price),
            )
            for p, h, price in zip(packages, hours, prices, strict=True)
        ],
        "total_hours": format_hours(hours_total),
        "price": nok(estimate.price),
        "price_amount": estimate.price,
        "assumptions": [line.text for line in lines if line.kind == EstimateLineKind.ASSUMPTION],
        "exclusions": [line.text for line in lines if line.kind == EstimateLineKind.EXCLUSION],
        "expectations": [
            {"kind": str(e.get_kind_display()), "text": e.customer_words, "criteria": e.acceptance_criteria}
            for e in expectations
        ],
        "seller": seller.name,
        "seller_email": seller.email,
        "start": format_date(opportunity.expected_start) if opportunity.expected_start else "",
        "duration_weeks": opportunity.duration_weeks or "",
    }


def estimate_hours_at_point(estimate: Estimate) -> Decimal:
    """Return the hours behind the price: the chosen point's, plus the contingency when it is included."""
    hours = {"p50": estimate.p50_hours, "p80": estimate.p80_hours, "p90": estimate.p90_hours}[
        estimate.confidence
    ]
    return hours + estimate.contingency_hours if estimate.include_contingency else hours


def render_docx(context: dict[str, Any], template: Path | None = None) -> bytes:
    """Return the offer letter as DOCX bytes, rendered from the Word template in Jinja's sandbox."""
    from docxtpl import DocxTemplate
    from jinja2.sandbox import SandboxedEnvironment

    document = DocxTemplate(str(template or template_path()))
    document.render(context, jinja_env=SandboxedEnvironment(autoescape=True), autoescape=True)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def store(estimate: Estimate, content: bytes, *, valid_until: datetime.date, by: Any) -> OfferDocument:
    """Keep the DOCX with the estimate version it was made from (call inside the action's transaction)."""
    document = OfferDocument(
        estimate=estimate,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        valid_until=valid_until,
        created_by=by,
    )
    name = OfferDocument._meta.get_field("file").generate_filename(document, "offer.docx")  # type: ignore[attr-defined]
    document.file.name = storage().save(name, ContentFile(content))
    document.save()
    return document


def make_offer(estimate: Estimate, *, valid_until: datetime.date, by: Any) -> tuple[dict[str, Any], bytes]:
    """Return the context and the rendered DOCX of an offer letter, in the firm's language."""
    with translation.override(settings.LANGUAGE_CODE):
        context = offer_context(estimate, valid_until=valid_until, by=by)
        return context, render_docx(context)


def download_name(document: OfferDocument) -> str:
    """Return the file name the browser saves: Tilbud <customer> v<n>.docx, in plain characters."""
    estimate = document.estimate
    customer = estimate.opportunity.customer.name
    safe = "".join(c if c.isalnum() or c in " -_." else "_" for c in customer).strip() or "offer"
    return f"Tilbud {safe} v{estimate.number}.docx"
