"""The worked example of the engine contract passes, through the real command line."""

import json
import subprocess
import sys
from datetime import datetime

from tests.engine.examples import EXAMPLES


def _as_instants(row: dict) -> dict:
    """Instants may be printed in any UTC offset; compare them as instants."""
    return {
        k: datetime.fromisoformat(v).timestamp() if k in ("due", "breached_at") and v else v
        for k, v in row.items()
    }


def test_sla_compute_reproduces_the_spec_example():
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sladesk.engine",
            "sla",
            "compute",
            "--config",
            str(EXAMPLES / "sla.yaml"),
            "--events",
            str(EXAMPLES / "events.jsonl"),
            "--now",
            "2026-10-20T10:00:00+08:00",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    got = [_as_instants(json.loads(line)) for line in out.stdout.splitlines()]
    expected = [
        _as_instants(json.loads(line))
        for line in (EXAMPLES / "expected.jsonl").read_text().splitlines()
        if line.strip()
    ]
    assert got == expected
    assert out.stderr == ""
