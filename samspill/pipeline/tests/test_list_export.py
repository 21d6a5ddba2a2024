"""The list's CSV file: every matching opportunity, readable by a Norwegian spreadsheet."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

import pytest

from samspill.people.models import Skill
from samspill.pipeline.actions.opportunities import lose_opportunity

pytestmark = pytest.mark.django_db


def _rows(client: Any, query: str = "") -> list[list[str]]:
    response = client.get(f"/pipeline/list/export.csv{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


def test_each_row_has_labels_amounts_with_a_decimal_comma_dates_skills_and_a_link(
    make_opportunity: Any, seller: Any, client_for: Any
) -> None:
    azure = Skill.objects.create(name="Azure")
    data = Skill.objects.create(name="Data")
    made = make_opportunity(
        "Portal; phase 2",
        value=Decimal("1234567.50"),
        probability=30,
        expected_start=datetime.date(2025, 5, 1),
        duration_weeks=12,
        project_type="development",
        contract_type="capped",
        tags=["tender", "reference"],
        required_skills=[data, azure],
    )
    header, *rows = _rows(client_for(seller))
    assert header[:6] == ["Id", "Title", "Customer", "Stage", "Probability (%)", "Value (NOK excl. VAT)"]
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["Id"] == str(made.pk)
    assert row["Title"] == "Portal; phase 2"
    assert row["Customer"] == "Fjordlys Energi AS"
    assert row["Stage"] == "Lead"
    assert row["Value (NOK excl. VAT)"] == "1234567,50"
    assert row["Weighted value"] == "370370,25"
    assert row["Expected start"] == "01.05.2025"
    assert row["Duration (weeks)"] == "12"
    assert row["Owner"] == "Selma Salg"
    assert row["Project type"] == "Software development"
    assert row["Contract type"] == "Capped time and materials"
    assert row["Required skills"] == "Azure, Data"
    assert row["Tags"] == "tender, reference"
    assert row["Confidential"] == "no"
    assert row["Link"] == f"http://testserver/pipeline/{made.pk}/"


def test_the_file_holds_the_open_ones_unless_asked_for_all_with_the_reason_a_lost_one_was_lost(
    make_opportunity: Any, seller: Any, client_for: Any
) -> None:
    make_opportunity("Still open")
    lost = make_opportunity("Lost one")
    lose_opportunity(lost, reason="price", note="dear", by=seller, version=1)
    client = client_for(seller)
    assert [row[1] for row in _rows(client)[1:]] == ["Still open"]
    rows = {row[1]: row for row in _rows(client, "?stage=all")[1:]}
    assert set(rows) == {"Still open", "Lost one"}
    assert rows["Lost one"][3] == "Lost"
    assert rows["Lost one"][18] == "Price"
