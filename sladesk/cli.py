"""`sladesk`: the one command line, for the SLA engine and for the web service desk.

Dispatch, decided from the first two arguments only:

- `sladesk sla compute|explain|validate|schema …` and `sladesk calendar add|elapsed|import …`
  (the pairs in ENGINE_COMMANDS), and `sladesk sla` or `sladesk calendar` followed by
  nothing or an option such as `--help`, run the engine's CLI (`sladesk.engine.cli`).
  Django is never imported on this path: `sladesk sla compute` is timed as a whole process.
- Anything else is a Django management command: `sladesk migrate`, `sladesk runserver`,
  `sladesk check --deploy`, `sladesk createsuperuser` …  An `sla` or `calendar`
  subcommand the engine does not know (say `sladesk sla apply`) goes to the Django
  management command of that name (`sla`), which reads the database; while there is no
  such command, the engine's parser answers, so a typo gets the engine's error message.
- No arguments, `-h`, `--help` or `help` alone print both lists.

So a new engine command is one more pair in ENGINE_COMMANDS, and a new database-backed
`sla` subcommand is a subcommand of the `sla` management command.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

ENGINE_GROUPS = frozenset({"sla", "calendar"})
ENGINE_COMMANDS = frozenset(
    {
        ("sla", "compute"),
        ("sla", "explain"),
        ("sla", "validate"),
        ("sla", "schema"),
        ("calendar", "add"),
        ("calendar", "elapsed"),
        ("calendar", "import"),
    }
)
HELP_FLAGS = (["-h"], ["--help"], ["help"])

USAGE = """\
usage: sladesk <command> [options]

sladesk, an SLA-driven IT service desk.

SLA engine (files in, results out; no database):
  sla compute       clock results of a ticket event stream
  sla explain       the timeline of one ticket's clocks, and why each was met or breached
  sla validate      check an SLA configuration file
  sla schema        the JSON Schema of the configuration format
  calendar add      the deadline: a start plus a duration of business time
  calendar elapsed  business seconds between two instants
  calendar import   holidays and make-up working days of an .ics or holiday-cn file, as YAML

  Run `sladesk sla compute --help` (and so on) for the options of each.

Web service desk (Django management commands), e.g. `sladesk migrate`,
`sladesk runserver`, `sladesk createsuperuser`, `sladesk check --deploy`:
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `sladesk` command; returns the exit status."""
    argv = list(sys.argv if argv is None else argv)
    args = argv[1:]
    if _is_engine_command(args):
        return _run_engine(args)
    if not args or args in HELP_FLAGS:
        sys.stdout.write(USAGE)
        sys.stdout.flush()
        return _run_django([argv[0], "help"])
    return _run_django(argv)


def _is_engine_command(args: list[str]) -> bool:
    if not args or args[0] not in ENGINE_GROUPS:
        return False
    return len(args) == 1 or args[1].startswith("-") or (args[0], args[1]) in ENGINE_COMMANDS


def _run_engine(args: list[str]) -> int:
    from sladesk.engine.cli import main as engine_main

    return engine_main(args)


def _run_django(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sladesk.settings")

    import django
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line, get_commands

    try:
        _make_sqlite_dirs(settings.DATABASES)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    if argv[1:2] and argv[1] in ENGINE_GROUPS:
        django.setup()
        if argv[1] not in get_commands():
            return _run_engine(argv[1:])
    execute_from_command_line(argv)
    return 0


def _make_sqlite_dirs(databases: dict) -> None:
    """Create the folder of each SQLite database file (by default var/) if it is missing.

    SQLite creates the file but not its folder. This happens here, before a management
    command runs, so that importing the settings never touches the disk.
    """
    for db in databases.values():
        name = str(db.get("NAME") or "")
        if db.get("ENGINE", "").endswith("sqlite3") and name and not _in_memory(name):
            os.makedirs(os.path.dirname(os.path.abspath(name)), exist_ok=True)


def _in_memory(name: str) -> bool:
    return name == ":memory:" or name.startswith("file:")
