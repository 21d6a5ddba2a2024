"""Indexes for the board: each column's first cards by value, and its totals read from the indexes alone."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pipeline", "0002_default_stages"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="opportunity", name="opportunity_stage_start"),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(fields=["stage", "-value", "offer_due"], name="opportunity_stage_value"),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(
                fields=["stage", "decided_on", "value", "probability", "confidential", "owner", "id"],
                name="opportunity_stage_decided",
            ),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(
                fields=["stage", "expected_start", "value", "probability", "confidential", "owner", "id"],
                name="opportunity_stage_start",
            ),
        ),
    ]
