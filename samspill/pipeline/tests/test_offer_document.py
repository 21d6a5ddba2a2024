"""The offer letter: a DOCX from the firm's template, kept with its estimate version; and the print view."""

from __future__ import annotations

import datetime
import io
from typing import Any

import docx
import pytest

from samspill.lib.errors import NotAllowed, RuleBroken
from samspill.lib.formatting import nok
from samspill.pipeline import offer
from samspill.pipeline.actions import estimates as actions
from samspill.pipeline.models import OfferDocument
from samspill.pipeline.tests.estimating import make_estimate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    """Keep the generated files in a temporary folder."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def _text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _read(document: OfferDocument) -> bytes:
    with offer.storage().open(str(document.file.name), "rb") as handle:
        return handle.read()


def test_the_docx_opens_and_names_the_customer_the_packages_and_the_price(
    opportunity: Any, seller: Any, today: Any
) -> None:
    estimate = make_estimate(opportunity, seller, risks=[("Risiko", 50, 40)])
    actions.update_estimate(
        estimate, {"confidence": "p90", "include_contingency": True}, by=seller, version=None
    )
    actions.add_line(estimate, "assumption", "Kunden stiller testmiljø", by=seller)
    estimate.refresh_from_db()

    document = actions.create_offer_document(estimate, by=seller, valid_days=45)

    text = _text(_read(document))
    assert "Fjordlys Energi AS" in text
    for name in ("Analyse og design", "Integrasjon mot ERP", "Test og overlevering"):
        assert name in text
    price = nok(estimate.price)
    assert price.startswith("kr\xa0") and price in text
    assert estimate.price == estimate.p90_price + estimate.contingency_amount
    assert "Kunden stiller testmiljø" in text
    assert "28.04.2025" in text  # 14.03.2025 + 45 days
    assert document.valid_until == datetime.date(2025, 4, 28) and document.estimate == estimate
    assert document.size == len(_read(document)) and len(document.sha256) == 64


def test_the_package_prices_add_up_to_the_offered_price(opportunity: Any, seller: Any, today: Any) -> None:
    estimate = make_estimate(opportunity, seller)
    context = offer.offer_context(estimate, valid_until=datetime.date(2025, 4, 13))
    total = sum(int(p.price.replace("kr", "").replace("\xa0", "")) for p in context["packages"])
    assert total == estimate.price


def test_the_customers_words_are_escaped_not_run(
    make_opportunity: Any, customer: Any, seller: Any, today: Any
) -> None:
    estimate = make_estimate(make_opportunity("Portal & <app> {{ 7*7 }}"), seller)
    text = _text(_read(actions.create_offer_document(estimate, by=seller)))
    assert "Portal & <app> {{ 7*7 }}" in text


def test_a_firm_can_use_its_own_template(
    opportunity: Any, seller: Any, settings: Any, tmp_path: Any, today: Any
) -> None:
    template = tmp_path / "firmaets_mal.docx"
    own = docx.Document()
    own.add_paragraph("Vårt tilbud til {{ customer }} på {{ price }}")
    own.save(str(template))
    settings.OFFER_TEMPLATE = str(template)
    estimate = make_estimate(opportunity, seller)
    text = _text(_read(actions.create_offer_document(estimate, by=seller)))
    assert f"Vårt tilbud til Fjordlys Energi AS på {nok(estimate.price)}" in text


def test_an_estimate_without_packages_has_no_offer(opportunity: Any, seller: Any) -> None:
    estimate = actions.create_estimate(opportunity, by=seller)
    with pytest.raises(RuleBroken):
        actions.create_offer_document(estimate, by=seller)
    assert not OfferDocument.objects.exists()


def test_someone_off_the_team_cannot_make_the_offer(opportunity: Any, seller: Any, outsider: Any) -> None:
    estimate = make_estimate(opportunity, seller)
    with pytest.raises(NotAllowed):
        actions.create_offer_document(estimate, by=outsider)


def test_the_download_is_an_attachment_the_browser_must_not_sniff(
    opportunity: Any, seller: Any, client_for: Any, today: Any
) -> None:
    estimate = make_estimate(opportunity, seller)
    client = client_for(seller)
    assert client.post(f"/pipeline/estimates/{estimate.pk}/offer/", {"valid_days": "30"}).status_code == 302
    document = OfferDocument.objects.get()
    response = client.get(f"/pipeline/offers/{document.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Fjordlys Energi AS v1.docx" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Fjordlys Energi AS" in _text(b"".join(response.streaming_content))


def test_a_confidential_offer_is_404_for_outsiders(
    make_opportunity: Any, seller: Any, outsider: Any, client_for: Any, today: Any
) -> None:
    estimate = make_estimate(make_opportunity("Hemmelig", confidential=True), seller)
    document = actions.create_offer_document(estimate, by=seller)
    assert client_for(outsider).get(f"/pipeline/offers/{document.pk}/download/").status_code == 404
    assert client_for(outsider).get(f"/pipeline/estimates/{estimate.pk}/offer/print/").status_code == 404


def test_the_print_view_has_print_css_and_the_price(
    opportunity: Any, seller: Any, client_for: Any, today: Any
) -> None:
    estimate = make_estimate(opportunity, seller)
    response = client_for(seller).get(f"/pipeline/estimates/{estimate.pk}/offer/print/?valid_days=10")
    content = response.content.decode()
    assert response.status_code == 200
    assert "@media print" in content
    assert nok(estimate.price) in content and "24.03.2025" in content
