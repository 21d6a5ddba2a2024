"""The stages' default probabilities and review gate, which administrators may change afterwards."""

from typing import Any

from django.db import migrations

DEFAULTS = [
    ("lead", 10, False),
    ("qualified", 25, False),
    ("solution", 40, False),
    ("review", 50, False),
    ("offer_sent", 60, True),
    ("negotiation", 75, False),
    ("won", 100, False),
    ("lost", 0, False),
]


def _create(apps: Any, schema_editor: Any) -> None:
    StageSetting = apps.get_model("pipeline", "StageSetting")
    for stage, probability, requires_review in DEFAULTS:
        StageSetting.objects.get_or_create(
            stage=stage, defaults={"probability": probability, "requires_review": requires_review}
        )


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0001_initial")]
    operations = [migrations.RunPython(_create, migrations.RunPython.noop)]
