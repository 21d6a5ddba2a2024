"""The project page's and the project list's choices stay short: the add-to-team type-ahead, the deviation
owner limited to the team, and the list's customer and manager filters limited to what the status shows."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conftest import make_person
from samspill.customers.actions import create_customer
from samspill.delivery.forms.deviations import DeviationForm
from samspill.delivery.forms.projects import ProjectFilter
from samspill.delivery.models import ProjectMember

pytestmark = pytest.mark.django_db
LOOKUP = "/projects/people/"


def _matches(html: str) -> int:
    return html.count('data-testid="person-match"')


# -- the type-ahead --------------------------------------------------------------------------------


def test_the_type_ahead_needs_a_login(expert: Any) -> None:
    response = Client().get(LOOKUP, {"who": "frode"})
    assert response.status_code == 302
    assert "frode" not in response.content.decode().lower()


def test_the_type_ahead_finds_active_people_by_name_username_or_title(
    expert: Any, project_manager: Any, client_for: Any
) -> None:
    make_person("gamle", ["expert"], name="Frode Gammel", is_active=False)
    titled = make_person("tittel", ["expert"], name="Tora Tittel", title="Frontend-arkitekt")
    client = client_for(project_manager)
    by_name = client.get(LOOKUP, {"who": "frode"}).content.decode()
    assert f'data-id="{expert.pk}"' in by_name
    assert "Frode Gammel" not in by_name  # deactivated people are never offered
    assert f'data-id="{titled.pk}"' in client.get(LOOKUP, {"who": "arkitekt"}).content.decode()
    assert f'data-id="{expert.pk}"' in client.get(LOOKUP, {"who": "FRO fag"}).content.decode()
    nobody = client.get(LOOKUP, {"who": "zzz"}).content.decode()
    assert _matches(nobody) == 0 and "Nobody active matches" in nobody
    assert _matches(client.get(LOOKUP, {"who": ""}).content.decode()) == 0


def test_the_type_ahead_offers_at_most_twenty_in_a_constant_number_of_queries(
    project_manager: Any, client_for: Any, django_assert_num_queries: Any
) -> None:
    for n in range(5):
        make_person(f"konsulent{n}", ["expert"], name=f"Kari Konsulent{n}")
    client = client_for(project_manager)
    client.get(LOOKUP, {"who": "konsulent"})
    with django_assert_num_queries(4) as few:  # session, person, roles, the matches
        html = client.get(LOOKUP, {"who": "konsulent"}).content.decode()
    assert _matches(html) == 5 and "Only the first" not in html
    for n in range(5, 30):
        make_person(f"konsulent{n}", ["expert"], name=f"Kari Konsulent{n}")
    with django_assert_num_queries(len(few.captured_queries)):
        html = client.get(LOOKUP, {"who": "konsulent"}).content.decode()
    assert _matches(html) == 20
    assert "Only the first 20 are shown" in html


# -- adding to the team ----------------------------------------------------------------------------


def test_the_team_form_is_a_type_ahead_not_a_list_of_everybody(
    project: Any, project_manager: Any, expert: Any, client_for: Any
) -> None:
    html = client_for(project_manager).get(f"/projects/{project.pk}/").content.decode()
    assert f'hx-get="{LOOKUP}"' in html
    assert 'type="hidden" name="person"' in html
    assert f'<option value="{expert.pk}"' not in html


def test_a_chosen_person_or_a_typed_username_joins_the_team(
    project: Any, project_manager: Any, expert: Any, outsider: Any, client_for: Any
) -> None:
    client = client_for(project_manager)
    url = f"/projects/{project.pk}/team/"
    client.post(url, {"person": expert.pk, "who": "Frode Fag", "role": "member"})
    client.post(url, {"person": "", "who": " OTTO ", "role": "member"})
    assert set(ProjectMember.objects.filter(project=project).values_list("person__username", flat=True)) >= {
        "frode",
        "otto",
    }


def test_an_unknown_or_deactivated_username_is_refused_with_a_clear_message(
    project: Any, project_manager: Any, client_for: Any
) -> None:
    make_person("borte", ["expert"], name="Berit Borte", is_active=False)
    client = client_for(project_manager)
    url = f"/projects/{project.pk}/team/"
    for typed in ("ukjent", "borte"):
        response = client.post(url, {"person": "", "who": typed, "role": "member"}, follow=True)
        assert f"Nobody active has the username “{typed}”" in response.content.decode()
    response = client.post(url, {"person": "", "who": "", "role": "member"}, follow=True)
    assert "Choose a person" in response.content.decode()
    refused = ProjectMember.objects.filter(project=project, person__username__in=["ukjent", "borte"])
    assert not refused.exists()


def test_only_who_may_change_the_project_adds_to_its_team(
    project: Any, outsider: Any, expert: Any, client_for: Any
) -> None:
    response = client_for(outsider).post(f"/projects/{project.pk}/team/", {"who": "frode", "role": "member"})
    assert response.status_code == 403
    assert not ProjectMember.objects.filter(project=project, person=expert).exists()


# -- the deviation owner ---------------------------------------------------------------------------


def test_the_deviation_owner_is_chosen_among_the_team_and_the_current_owner(
    make_project: Any, project_manager: Any, seller: Any, expert: Any, outsider: Any
) -> None:
    project = make_project(members=[expert])
    former = make_person("tidligere", ["expert"], name="Tidligere Eier", is_active=False)
    gone = make_person("sluttet", ["expert"], name="Sluttet Medlem", is_active=False)
    ProjectMember.objects.create(project=project, person=gone, role="member")
    offered = set(DeviationForm(project=project).fields["owner"].queryset)  # type: ignore[attr-defined]
    assert offered == {project_manager, seller, expert}
    assert outsider not in offered and gone not in offered

    class Kept:
        owner_id = former.pk
        version = 1
        what = consequence = action = ""
        kind = "manual"

    kept = set(DeviationForm(project=project, deviation=Kept()).fields["owner"].queryset)  # type: ignore[arg-type, attr-defined]
    assert former in kept and outsider not in kept


# -- the list's filters ----------------------------------------------------------------------------


def test_the_list_offers_only_customers_and_managers_of_projects_with_the_chosen_status(
    make_project: Any, seller: Any, project_manager: Any, administrator: Any
) -> None:
    other_manager = make_person("olav", ["project_manager"], name="Olav Leder")
    closed_customer = create_customer({"name": "Nedlagt AS", "account_owner": seller}, by=seller)
    make_person("ingen", ["project_manager"], name="Ingen Prosjekter")
    running = make_project()
    planned = make_project("Forstudie", customer=closed_customer, manager=other_manager, status="planned")

    def choices(data: Any) -> tuple[set[Any], set[Any]]:
        form = ProjectFilter(data, user=administrator)
        return (
            set(form.fields["customer"].queryset),  # type: ignore[attr-defined]
            set(form.fields["manager"].queryset),  # type: ignore[attr-defined]
        )

    assert choices(None) == ({running.customer, closed_customer}, {project_manager, other_manager})
    assert choices({"status": "active"}) == ({running.customer}, {project_manager})
    assert choices({"status": "planned"}) == ({planned.customer}, {other_manager})
    kept = choices({"status": "active", "customer": str(closed_customer.pk), "manager": "x"})
    assert kept == ({running.customer, closed_customer}, {project_manager})
    form = ProjectFilter({"status": "active", "customer": str(closed_customer.pk)}, user=administrator)
    assert form.is_valid() and form.values()["customer"] == closed_customer
