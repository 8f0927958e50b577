"""The `sladesk` console script: engine commands without Django, everything else with it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sladesk.cli import _is_engine_command

SLADESK = Path(sys.executable).parent / "sladesk"
SLA_YAML = """\
calendars:
  always: {timezone: Asia/Shanghai, hours: 24x7}
priorities: [P1]
policies:
  - id: it
    metrics:
      response: {start: [created], stop: [responded], calendar: always, target: {P1: 15m}}
"""
EVENTS = """\
{"ticket": "I1", "at": "2026-10-09T09:00:00+08:00", "type": "created", "priority": "P1"}
{"ticket": "I1", "at": "2026-10-09T09:10:00+08:00", "type": "responded"}
"""


def sladesk(*args: str, tmp_path: Path, python_flags: tuple[str, ...] = ()):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/new/folder/sladesk.sqlite3"}
    return subprocess.run(
        [sys.executable, *python_flags, SLADESK, *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "engine"),
    [
        (["sla", "compute", "--config", "x"], True),
        (["calendar", "add"], True),
        (["sla"], True),
        (["sla", "--help"], True),
        (["sla", "apply"], False),  # a later Django management command `sla`
        (["migrate"], False),
        ([], False),
    ],
)
def test_which_commands_the_engine_runs(args, engine):
    assert _is_engine_command(args) is engine


def test_sla_compute_runs_without_importing_django(tmp_path):
    (tmp_path / "sla.yaml").write_text(SLA_YAML)
    (tmp_path / "events.jsonl").write_text(EVENTS)
    result = sladesk(
        "sla", "compute", "--config", "sla.yaml", "--events", "events.jsonl",
        tmp_path=tmp_path, python_flags=("-X", "importtime"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert '"met":true' in result.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert "sladesk.engine.cli" in imported
    assert not [name for name in imported if name.split(".")[0] == "django"]


def test_an_unknown_sla_command_gets_the_engines_error(tmp_path):
    result = sladesk("sla", "comptue", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "invalid choice: 'comptue'" in result.stderr


def test_help_lists_the_engine_commands_and_djangos(tmp_path):
    result = sladesk("--help", tmp_path=tmp_path)
    assert result.returncode == 0
    for command in ("sla compute", "calendar add", "migrate", "runserver", "createsuperuser"):
        assert command in result.stdout


def test_migrate_creates_the_sqlite_database_and_its_folder(tmp_path):
    result = sladesk("migrate", "--noinput", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "new" / "folder" / "sladesk.sqlite3").is_file()
