"""Administrators edit the checklist template in the admin; handovers themselves are read-only there."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from samspill.activity.models import Event
from samspill.handover import actions
from samspill.handover.models import ChecklistTemplateItem, Handover
from samspill.lib.errors import InvalidInput, NotAllowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(administrator: Any) -> Client:
    administrator.is_staff = administrator.is_superuser = True
    administrator.save(update_fields=["is_staff", "is_superuser"])
    client = Client()
    client.force_login(administrator)
    return client


def test_adding_an_item_in_the_admin_appends_an_event(superuser: Client, administrator: Any) -> None:
    response = superuser.post(
        "/admin/handover/checklisttemplateitem/add/",
        {"text": "Budget approved by the customer", "position": 70, "required": "on", "active": "on"},
    )
    assert response.status_code == 302
    item = ChecklistTemplateItem.objects.get(text="Budget approved by the customer")
    assert Event.objects.about(item).filter(verb="checklist_template.created", actor=administrator).exists()


def test_switching_an_item_off_in_the_admin_is_recorded(superuser: Client) -> None:
    item = ChecklistTemplateItem.objects.order_by("position").first()
    assert item is not None
    superuser.post(
        f"/admin/handover/checklisttemplateitem/{item.pk}/change/",
        {"text": item.text, "position": item.position, "required": "on"},
    )
    item.refresh_from_db()
    assert (item.active, item.version) == (False, 2)
    assert (
        Event.objects.about(item).get(verb="checklist_template.updated").changes["active"]["after"] is False
    )


def test_only_administrators_change_the_template(seller: Any, administrator: Any) -> None:
    with pytest.raises(NotAllowed):
        actions.save_template_item(ChecklistTemplateItem(text="Mine"), {"text": "Mine"}, by=seller)
    with pytest.raises(InvalidInput):
        actions.save_template_item(ChecklistTemplateItem(text="   "), {"text": "   "}, by=administrator)


def test_handovers_are_read_only_in_the_admin(superuser: Client, handover: Handover) -> None:
    assert superuser.get("/admin/handover/handover/add/").status_code == 403
    page = superuser.get(f"/admin/handover/handover/{handover.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
