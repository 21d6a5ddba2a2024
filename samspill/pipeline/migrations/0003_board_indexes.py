"""Indexes for the board: the first cards of each column, by value and by decision date."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pipeline", "0002_default_stages"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(fields=["stage", "-value", "offer_due"], name="opportunity_stage_value"),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(fields=["stage", "-decided_on", "-value"], name="opportunity_stage_decided"),
        ),
    ]
