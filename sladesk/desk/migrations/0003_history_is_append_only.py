"""The database itself refuses to change or delete ticket history (desk_ticketevent)."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER ticketevent_no_update BEFORE UPDATE ON desk_ticketevent
       BEGIN SELECT RAISE(ABORT, 'ticket history is append-only'); END""",
    """CREATE TRIGGER ticketevent_no_delete BEFORE DELETE ON desk_ticketevent
       BEGIN SELECT RAISE(ABORT, 'ticket history is append-only'); END""",
]
SQLITE_UNDO = [
    "DROP TRIGGER IF EXISTS ticketevent_no_update",
    "DROP TRIGGER IF EXISTS ticketevent_no_delete",
]
POSTGRES = [
    """CREATE FUNCTION ticketevent_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'ticket history is append-only'; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER ticketevent_append_only BEFORE UPDATE OR DELETE ON desk_ticketevent
       FOR EACH ROW EXECUTE FUNCTION ticketevent_append_only()""",
]
POSTGRES_UNDO = [
    "DROP TRIGGER IF EXISTS ticketevent_append_only ON desk_ticketevent",
    "DROP FUNCTION IF EXISTS ticketevent_append_only()",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("desk", "0002_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_UNDO, "postgresql": POSTGRES_UNDO}),
        )
    ]
