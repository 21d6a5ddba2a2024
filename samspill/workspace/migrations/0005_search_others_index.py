"""PostgreSQL: GIN indexes of the search entries other than documents.

A search filtered to customers, opportunities, projects … (and the counts of those kinds beside a
documents-only search) then reads the words of those entries only, not every matching document's
first. SQLite's FTS5 filters by kind inside its own index and needs nothing.
"""

from django.db import migrations

POSTGRESQL = [
    "CREATE INDEX IF NOT EXISTS search_entry_nb_others ON search_entry USING gin (nb) WHERE kind <> 'documents'",
    "CREATE INDEX IF NOT EXISTS search_entry_en_others ON search_entry USING gin (en) WHERE kind <> 'documents'",
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS search_entry_nb_others",
    "DROP INDEX IF EXISTS search_entry_en_others",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("workspace", "0004_document_text_last")]
    operations = [migrations.RunPython(_run(POSTGRESQL), _run(POSTGRESQL_DROP), elidable=False)]
