"""The default handover checklist, which administrators may change afterwards in the admin.

The texts are stored in English and marked for translation: pages show an item in the reader's language
when the catalogue has it, and an item an administrator wrote as it was written.
"""

from typing import Any

from django.db import migrations
from django.utils.translation import gettext_noop

DEFAULT_ITEMS = [
    gettext_noop("Contract signed by the customer"),
    gettext_noop("Internal scope walkthrough with the seller held"),
    gettext_noop("Expectations reviewed one by one with the seller"),
    gettext_noop("Staffing confirmed"),
    gettext_noop("Kick-off with the customer booked"),
    gettext_noop("Risks and assumptions reviewed"),
]


def _create(apps: Any, schema_editor: Any) -> None:
    ChecklistTemplateItem = apps.get_model("handover", "ChecklistTemplateItem")
    if ChecklistTemplateItem.objects.exists():
        return
    ChecklistTemplateItem.objects.bulk_create(
        ChecklistTemplateItem(text=text, position=(index + 1) * 10, required=True, active=True)
        for index, text in enumerate(DEFAULT_ITEMS)
    )


class Migration(migrations.Migration):
    dependencies = [("handover", "0001_initial")]
    operations = [migrations.RunPython(_create, migrations.RunPython.noop)]
