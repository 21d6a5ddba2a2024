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

CUSTOMERS = "/projects/customers/"


def _customer_matches(html: str) -> int:
    return html.count('data-testid="customer-match"')


def test_the_list_offers_only_managers_of_projects_with_the_chosen_status(
    make_project: Any, seller: Any, project_manager: Any, administrator: Any
) -> None:
    other_manager = make_person("olav", ["project_manager"], name="Olav Leder")
    closed_customer = create_customer({"name": "Nedlagt AS", "account_owner": seller}, by=seller)
    make_person("ingen", ["project_manager"], name="Ingen Prosjekter")
    make_project()
    make_project("Forstudie", customer=closed_customer, manager=other_manager, status="planned")

    def managers(data: Any) -> set[Any]:
        return set(ProjectFilter(data, user=administrator).fields["manager"].queryset)  # type: ignore[attr-defined]

    assert managers(None) == {project_manager, other_manager}
    assert managers({"status": "active"}) == {project_manager}
    assert managers({"status": "planned"}) == {other_manager}
    assert managers({"status": "active", "manager": str(other_manager.pk)}) == {
        project_manager,
        other_manager,
    }
    assert managers({"status": "active", "manager": "x"}) == {project_manager}


def test_the_customer_filter_is_a_type_ahead_not_a_list_of_every_customer(
    make_project: Any, seller: Any, project_manager: Any, client_for: Any, django_assert_num_queries: Any
) -> None:
    make_project()
    client = client_for(project_manager)
    client.get("/projects/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/projects/")
    others = [
        create_customer({"name": f"Kunde {n} AS", "account_owner": seller}, by=seller) for n in range(25)
    ]
    for other in others:
        make_project(f"Prosjekt for {other.name}", customer=other, packages=())
    with django_assert_num_queries(len(few.captured_queries)):
        html = client.get("/projects/").content.decode()
    assert f'hx-get="{CUSTOMERS}"' in html
    assert 'type="hidden" name="customer"' in html
    assert not any(f">{other.name}</option>" in html for other in others)
    assert html.count("<option") < 20  # status, health and the one project manager


def test_the_customer_type_ahead_needs_a_login(customer: Any, make_project: Any) -> None:
    make_project()
    response = Client().get(CUSTOMERS, {"customer_name": "fjord"})
    assert response.status_code == 302
    assert "Fjordlys" not in response.content.decode()


def test_the_customer_type_ahead_suggests_only_customers_of_projects_the_person_sees(
    make_project: Any, customer: Any, seller: Any, manager: Any, outsider: Any, client_for: Any
) -> None:
    secret = create_customer({"name": "Fjordhemmelig AS", "account_owner": seller}, by=seller)
    idle = create_customer({"name": "Fjordstille AS", "account_owner": seller}, by=seller)
    planned = create_customer({"name": "Fjordplan AS", "account_owner": seller}, by=seller)
    make_project()
    make_project("Hemmelig", customer=secret, confidential=True, manager=manager, seller=None, by=manager)
    make_project("Forstudie", customer=planned, status="planned")

    def suggested(person: Any, **params: str) -> set[int]:
        html = client_for(person).get(CUSTOMERS, {"customer_name": "FJORD", **params}).content.decode()
        return {other.pk for other in (customer, secret, idle, planned) if f'data-id="{other.pk}"' in html}

    assert suggested(outsider) == {
        customer.pk,
        planned.pk,
    }  # never the secret one, never one without projects
    assert suggested(manager) == {customer.pk, secret.pk, planned.pk}
    assert suggested(outsider, status="planned") == {planned.pk}
    assert suggested(outsider, status="closed") == set()
    assert suggested(outsider, status="nonsense") == {customer.pk, planned.pk}
    assert suggested(outsider, customer_name="lys energi") == {customer.pk}
    nothing = client_for(outsider).get(CUSTOMERS, {"customer_name": "zzz"}).content.decode()
    assert _customer_matches(nothing) == 0 and "No customer of the projects you see matches" in nothing
    assert (
        _customer_matches(client_for(outsider).get(CUSTOMERS, {"customer_name": " "}).content.decode()) == 0
    )


def test_the_customer_type_ahead_offers_at_most_twenty_in_a_constant_number_of_queries(
    make_project: Any, seller: Any, project_manager: Any, client_for: Any, django_assert_num_queries: Any
) -> None:
    def customers_with_projects(numbers: range) -> None:
        for n in numbers:
            made = create_customer({"name": f"Havbruk {n:02d} AS", "account_owner": seller}, by=seller)
            make_project(f"Anlegg {n}", customer=made, packages=())

    customers_with_projects(range(5))
    client = client_for(project_manager)
    client.get(CUSTOMERS, {"customer_name": "havbruk"})
    with django_assert_num_queries(4) as few:  # session, person, roles, the matches
        html = client.get(CUSTOMERS, {"customer_name": "havbruk"}).content.decode()
    assert _customer_matches(html) == 5 and "Only the first" not in html
    customers_with_projects(range(5, 30))
    with django_assert_num_queries(len(few.captured_queries)):
        html = client.get(CUSTOMERS, {"customer_name": "havbruk"}).content.decode()
    assert _customer_matches(html) == 20
    assert "Only the first 20 are shown" in html
    assert html.index("Havbruk 00 AS") < html.index("Havbruk 19 AS") and "Havbruk 20 AS" not in html


def test_the_list_filters_by_the_chosen_customer_or_by_part_of_a_typed_name(
    make_project: Any, customer: Any, seller: Any, project_manager: Any, client_for: Any
) -> None:
    other = create_customer({"name": "Fjordkraft Nett AS", "account_owner": seller}, by=seller)
    make_project()
    make_project("Nettportal", customer=other)
    client = client_for(project_manager)

    def listed(**params: Any) -> tuple[set[str], str]:
        response = client.get("/projects/", params)
        assert response.status_code == 200
        titles = {row.title for row in response.context["page"].object_list}
        return titles, response.context["filters"].customer_shown()

    both = {"Ny kundeportal", "Nettportal"}
    # A link from the customer page names the customer by id alone; the field then shows its name.
    assert listed(customer=other.pk) == ({"Nettportal"}, "Fjordkraft Nett AS")
    # Chosen in the type-ahead: the id and the name it filled in.
    assert listed(customer=other.pk, customer_name="Fjordkraft Nett AS") == (
        {"Nettportal"},
        "Fjordkraft Nett AS",
    )
    # Typed without choosing, or without JavaScript: part of the name, every word.
    assert listed(customer="", customer_name="fjord")[0] == both
    assert listed(customer_name="fjordlys energi") == ({"Ny kundeportal"}, "fjordlys energi")
    # The text changed after choosing (no script cleared the id): the text decides; emptied, no filter.
    assert listed(customer=other.pk, customer_name="Fjordlys")[0] == {"Ny kundeportal"}
    assert listed(customer=other.pk, customer_name="") == (both, "")
    # An id nobody knows filters nothing, and the other filters still apply.
    assert listed(customer="999999", status="all")[0] == both
    assert listed(customer="x", q="Nett")[0] == {"Nettportal"}
    html = client.get("/projects/", {"customer": other.pk}).content.decode()
    assert f'name="customer" value="{other.pk}"' in html and 'value="Fjordkraft Nett AS"' in html
