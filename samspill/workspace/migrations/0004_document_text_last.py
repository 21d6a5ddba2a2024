"""Move a document's extracted text to the end of its row on SQLite.

SQLite stores a row's columns in order and reads a long value's overflow pages one after another to
reach the columns behind it, so with the text (up to millions of characters) in the middle, asking
whether a document is deleted or whose workspace holds it read its whole text. The table is rebuilt
with the text last, as Django rebuilds an SQLite table for most changes to it. PostgreSQL keeps long
values out of the row (TOAST) whatever the order: nothing changes there.
"""

from typing import Any

from django.db import migrations, models


def text_last(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    # The model as of this migration's state, where the text is the last field: the new table follows it.
    schema_editor._remake_table(apps.get_model("workspace", "Document"))


class Migration(migrations.Migration):
    dependencies = [
        ("workspace", "0003_documents"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="document", name="text"),
                migrations.AddField(
                    model_name="document",
                    name="text",
                    field=models.TextField(
                        blank=True, help_text="The text read from the current version.", verbose_name="text"
                    ),
                ),
            ]
        ),
        migrations.RunPython(text_last, migrations.RunPython.noop),
    ]
