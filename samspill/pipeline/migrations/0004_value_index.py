"""An index for the first page by value over every stage (the list and the API), so it is not a sort."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pipeline", "0003_board_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(fields=["-value", "id"], name="opportunity_value"),
        ),
    ]
