"""The admin edits configuration through actions and shows domain data read-only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from samspill.activity.models import Event
from samspill.people.models import Skill

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(administrator: Any) -> Any:
    administrator.is_staff = administrator.is_superuser = True
    administrator.save(update_fields=["is_staff", "is_superuser"])
    client = Client()
    client.force_login(administrator)
    return client


def test_adding_a_skill_in_the_admin_appends_an_event(superuser: Client, administrator: Any) -> None:
    response = superuser.post("/admin/people/skill/add/", {"name": "Kubernetes", "category": "Sky"})
    skill = Skill.objects.get(name="Kubernetes")
    assert response.status_code == 302
    assert Event.objects.about(skill).filter(verb="skill.created", actor=administrator).exists()


def test_changing_a_skill_in_the_admin_bumps_its_version(superuser: Client) -> None:
    skill = Skill.objects.create(name="Azur", category="Sky")
    superuser.post(f"/admin/people/skill/{skill.pk}/change/", {"name": "Azure", "category": "Sky"})
    skill.refresh_from_db()
    assert (skill.name, skill.version) == ("Azure", 2)
    event = Event.objects.about(skill).get(verb="skill.updated")
    assert event.changes["name"]["before"] == "Azur" and event.changes["name"]["after"] == "Azure"


def test_domain_data_is_read_only_in_the_admin(superuser: Client, customer: Any) -> None:
    assert superuser.get("/admin/customers/customer/add/").status_code == 403
    page = superuser.get(f"/admin/customers/customer/{customer.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert superuser.get("/admin/activity/event/add/").status_code == 403
