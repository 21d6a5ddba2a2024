"""Deviation pages: the panel on the project page, raising, editing and closing, the start page item."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

from samspill.delivery.actions.deviations import raise_deviation
from samspill.delivery.detection import detect_deviations
from samspill.delivery.models import Deviation, Project
from samspill.delivery.tests.deviation_factories import TODAY, book, make_project

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def project(customer: Any, project_manager: Any, seller: Any) -> Project:
    return make_project(customer, project_manager, seller=seller)


def _panel(project: Project, user: Any, name: str = "delivery/deviations_panel.html") -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = engines["django"].from_string('{% include "' + name + '" %}')
    return template.render({"project": project}, request)


def _raised(project: Project, by: Any, what: str = "Kunden har byttet prosjektleder") -> Deviation:
    return raise_deviation(project, {"what": what, "consequence": "Avklaringer tar lengre tid"}, by=by)


def test_the_panel_lists_open_deviations_and_offers_the_raise_form_to_the_team(
    project: Project, project_manager: Any, outsider: Any, expert: Any
) -> None:
    _raised(project, project_manager)
    book(project, expert, 130)
    detect_deviations(project, today=TODAY)
    html = _panel(project, project_manager)
    assert html.count('data-testid="deviation"') == 2
    assert "Kunden har byttet prosjektleder" in html
    assert "The work package «Analyse» is" in html
    assert 'data-testid="deviation-form"' in html
    assert 'data-testid="deviation-form"' not in _panel(project, outsider)


def test_the_panel_says_what_no_deviation_means(project: Project, project_manager: Any) -> None:
    html = _panel(project, project_manager)
    assert 'data-testid="deviations-empty"' in html


def test_raising_from_the_panel_returns_the_panel_with_the_new_deviation(
    project: Project, project_manager: Any, client_for: Any
) -> None:
    client = client_for(project_manager)
    response = client.post(
        reverse("delivery:deviation_raise", args=[project.pk]),
        {"what": "Testmiljøet er nede", "owner": project_manager.pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#deviations"
    assert "Testmiljøet er nede" in response.content.decode()
    assert Deviation.objects.get(project=project).what == "Testmiljøet er nede"


def test_raising_without_javascript_goes_back_to_the_project_page(
    project: Project, project_manager: Any, client_for: Any
) -> None:
    response = client_for(project_manager).post(
        reverse("delivery:deviation_raise", args=[project.pk]),
        {"what": "Testmiljøet er nede", "owner": project_manager.pk},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/projects/{project.pk}/#deviations")


def test_a_deviation_without_words_is_refused_with_the_field_marked(
    project: Project, project_manager: Any, client_for: Any
) -> None:
    client = client_for(project_manager)
    url = reverse("delivery:deviation_raise", args=[project.pk])
    page = client.post(url, {"what": "", "owner": project_manager.pk})
    assert page.status_code == 200
    assert 'data-testid="form-errors"' in page.content.decode()
    panel = client.post(url, {"what": "", "owner": project_manager.pk}, headers={"HX-Request": "true"})
    assert "form-errors" in panel.content.decode()
    assert " open" in panel.content.decode()
    assert not Deviation.objects.exists()


def test_an_outsider_cannot_raise_a_deviation(
    customer: Any, project: Project, project_manager: Any, outsider: Any, client_for: Any
) -> None:
    client = client_for(outsider)
    assert (
        client.post(reverse("delivery:deviation_raise", args=[project.pk]), {"what": "x"}).status_code == 403
    )
    secret = make_project(customer, project_manager, title="Hemmelig", confidential=True)
    assert (
        client.post(reverse("delivery:deviation_raise", args=[secret.pk]), {"what": "x"}).status_code == 404
    )


def test_the_deviation_page_shows_the_rules_numbers(
    project: Project, project_manager: Any, expert: Any, client_for: Any
) -> None:
    book(project, expert, 130)
    deviation = next(d for d in detect_deviations(project, today=TODAY) if d.kind == "package_over_budget")
    page = client_for(project_manager).get(reverse("delivery:deviation", args=[deviation.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="deviation-numbers"' in html
    assert "130\xa0t" in html
    assert "closes by itself" in html


def test_the_owner_edits_the_action_on_the_deviation_page(
    project: Project, project_manager: Any, client_for: Any
) -> None:
    deviation = _raised(project, project_manager)
    response = client_for(project_manager).post(
        reverse("delivery:deviation", args=[deviation.pk]),
        {
            "version": 1,
            "what": deviation.what,
            "consequence": "",
            "action": "Møte med ny PL",
            "owner": project_manager.pk,
        },
    )
    assert response.status_code == 302
    deviation.refresh_from_db()
    assert deviation.action == "Møte med ny PL"


def test_a_reader_sees_the_deviation_page_without_forms_and_cannot_post(
    project: Project, project_manager: Any, outsider: Any, client_for: Any
) -> None:
    deviation = _raised(project, project_manager)
    client = client_for(outsider)
    page = client.get(reverse("delivery:deviation", args=[deviation.pk]))
    assert page.status_code == 200
    assert 'data-testid="deviation-edit"' not in page.content.decode()
    assert client.post(reverse("delivery:deviation", args=[deviation.pk]), {"action": "x"}).status_code == 403
    assert (
        client.post(reverse("delivery:deviation_close", args=[deviation.pk]), {"resolution": "x"}).status_code
        == 403
    )


def test_an_outsider_gets_404_for_a_confidential_projects_deviation(
    customer: Any, project_manager: Any, outsider: Any, client_for: Any
) -> None:
    secret = make_project(customer, project_manager, title="Hemmelig", confidential=True)
    deviation = _raised(secret, project_manager)
    assert client_for(outsider).get(reverse("delivery:deviation", args=[deviation.pk])).status_code == 404


def test_closing_with_a_resolution_and_refusing_a_rules_deviation_that_still_holds(
    project: Project, project_manager: Any, expert: Any, client_for: Any
) -> None:
    client = client_for(project_manager)
    deviation = _raised(project, project_manager)
    response = client.post(
        reverse("delivery:deviation_close", args=[deviation.pk]), {"version": 1, "resolution": "Avklart"}
    )
    assert response.status_code == 302
    deviation.refresh_from_db()
    assert (deviation.status, deviation.resolution) == ("closed", "Avklart")
    book(project, expert, 130)
    found = next(d for d in detect_deviations(project, today=TODAY) if d.kind == "package_over_budget")
    refused = client.post(
        reverse("delivery:deviation_close", args=[found.pk]), {"version": 1, "resolution": "Nei"}
    )
    assert refused.status_code == 200
    assert "closes by itself" in refused.content.decode()
    found.refresh_from_db()
    assert found.status == "open"


def test_the_start_page_lists_deviations_for_the_project_manager_and_the_account_owner(
    project: Project, project_manager: Any, seller: Any, outsider: Any, client_for: Any
) -> None:
    _raised(project, project_manager)
    for person in (project_manager, seller):
        html = client_for(person).get("/").content.decode()
        assert 'data-testid="start-deviations"' in html
        assert "Kunden har byttet prosjektleder" in html
    assert 'data-testid="start-deviations"' not in client_for(outsider).get("/").content.decode()
