"""The pipeline settings page: administrators set the stages and the default hourly rates per role."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.people.models import Role
from samspill.pipeline.models import RoleRate

pytestmark = pytest.mark.django_db

RATES = "/pipeline/settings/rates/"


def _rates(**rates: Any) -> dict[str, Any]:
    return {f"{role}_hourly_rate": rates.get(role, "") for role in Role.values}


def test_the_settings_page_shows_the_stages_and_the_rates_with_the_firms_fallback(
    administrator: Any, client_for: Any, settings: Any
) -> None:
    settings.DEFAULT_HOURLY_RATE = 1400
    RoleRate.objects.create(role="expert", hourly_rate=Decimal(1550))
    response = client_for(administrator).get("/pipeline/settings/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="stage-settings-form"' in html and 'data-testid="role-rates-form"' in html
    assert 'name="expert_hourly_rate"' in html and 'value="1550.00"' in html
    assert "kr\xa01\xa0400" in html
    assert response.context["rate_form"]["seller_hourly_rate"].value() is None


def test_an_administrator_saves_the_rates_and_each_change_is_an_event(
    administrator: Any, client_for: Any
) -> None:
    client = client_for(administrator)
    response = client.post(RATES, _rates(expert="1500", project_manager="1650.50"))
    assert response.status_code == 302 and response["Location"] == "/pipeline/settings/#rates"
    assert dict(RoleRate.objects.values_list("role", "hourly_rate")) == {
        "expert": Decimal(1500),
        "project_manager": Decimal("1650.50"),
    }
    assert Event.objects.filter(verb="role_rate.configured", actor=administrator).count() == 2
    client.post(RATES, _rates(project_manager="1650.50"))
    assert list(RoleRate.objects.values_list("role", flat=True)) == ["project_manager"]
    assert Event.objects.filter(verb="role_rate.removed").count() == 1


@pytest.mark.parametrize("value", ["-5", "abc", "1e400", "123456789012", "12.345", "1\x00"])
def test_a_bad_rate_shows_the_form_again_with_the_error_and_saves_nothing(
    administrator: Any, client_for: Any, value: str
) -> None:
    response = client_for(administrator).post(RATES, _rates(seller="1100", expert=value))
    assert response.status_code == 200
    assert response.context["rate_form"].errors["expert_hourly_rate"]
    assert 'data-testid="form-errors"' in response.content.decode()
    assert not RoleRate.objects.exists()


@pytest.mark.parametrize("person", ["seller", "manager", "expert", "outsider"])
def test_only_administrators_see_or_save_the_settings(person: str, request: Any, client_for: Any) -> None:
    client = client_for(request.getfixturevalue(person))
    for url in ("/pipeline/settings/", "/pipeline/settings/stages/", RATES):
        assert client.get(url).status_code == 404
    assert client.post(RATES, _rates(expert="1")).status_code == 404
    assert client.post("/pipeline/settings/stages/", {"lead_probability": "1"}).status_code == 404
    assert not RoleRate.objects.exists()
    assert not Event.objects.filter(verb__in=["role_rate.configured", "stage.configured"]).exists()


def test_the_board_links_administrators_to_the_settings(
    administrator: Any, seller: Any, client_for: Any
) -> None:
    assert 'data-testid="pipeline-settings"' in client_for(administrator).get("/pipeline/").content.decode()
    assert 'data-testid="pipeline-settings"' not in client_for(seller).get("/pipeline/").content.decode()
