"""The full-text indexes, which each database builds its own way (docs/search.md).

SQLite: an FTS5 table over the terms columns of search_document (external content: the
terms are stored once), kept in step by triggers, so every write of a document, by the ORM
or in bulk, updates it in the same transaction. PostgreSQL: GIN indexes on the tsvector
columns.
"""

from django.db import migrations

SQLITE = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
           title_terms, terms, content='search_document', content_rowid='id',
           tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER search_fts_insert AFTER INSERT ON search_document BEGIN
           INSERT INTO search_fts(rowid, title_terms, terms)
           VALUES (new.id, new.title_terms, new.terms);
       END""",
    """CREATE TRIGGER search_fts_delete AFTER DELETE ON search_document BEGIN
           INSERT INTO search_fts(search_fts, rowid, title_terms, terms)
           VALUES ('delete', old.id, old.title_terms, old.terms);
       END""",
    """CREATE TRIGGER search_fts_update AFTER UPDATE ON search_document BEGIN
           INSERT INTO search_fts(search_fts, rowid, title_terms, terms)
           VALUES ('delete', old.id, old.title_terms, old.terms);
           INSERT INTO search_fts(rowid, title_terms, terms)
           VALUES (new.id, new.title_terms, new.terms);
       END""",
]
SQLITE_UNDO = [
    "DROP TRIGGER IF EXISTS search_fts_update",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_insert",
    "DROP TABLE IF EXISTS search_fts",
]
POSTGRES = [
    "CREATE INDEX search_terms_gin ON search_document USING gin (terms)",
    "CREATE INDEX search_title_terms_gin ON search_document USING gin (title_terms)",
]
POSTGRES_UNDO = [
    "DROP INDEX IF EXISTS search_title_terms_gin",
    "DROP INDEX IF EXISTS search_terms_gin",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor) -> None:
        vendor = schema_editor.connection.vendor
        if vendor not in statements:
            raise RuntimeError(f"search needs SQLite or PostgreSQL, not {vendor}")
        for sql in statements[vendor]:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_UNDO, "postgresql": POSTGRES_UNDO}),
        )
    ]
