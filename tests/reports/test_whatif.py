"""SLA what-if: four tickets of November 2025 replayed under shorter and longer targets.

Expectations worked out by hand from sladesk/sla/default.yaml. The P1 tickets run on the
24x7 calendar (response 15m, resolution 4h):

    A  created Mon 3 Nov 10:00, responded 10:10 (10m), resolved 11:00 (1h): met, met
    B  created Tue 4 Nov 10:00, responded 10:20 (20m), resolved 13:00 (3h): BREACHED, met
    C  created Wed 5 Nov 10:00, responded 10:12 (12m), resolved 15:00 (5h): met, BREACHED

E is P4 on cn-5x8 (response 4h, resolution 72h): created Fri 28 Nov 10:00, responded 10:30,
resolved Tue 2 Dec, after the period: read at 1 Dec 00:00 its resolution clock has run 7h
and is open. X, created 31 Oct, is outside the period.

Shorter P1 targets (11m, 2h) flip C's response and B's resolution met -> breached; longer
ones (30m, 6h) flip B's response and C's resolution breached -> met.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from sladesk.desk import actions
from sladesk.desk.models import Ticket
from sladesk.engine.config import parse_config
from sladesk.reports import whatif
from tests.desk import conftest
from tests.desk.conftest import DEFAULT_SLA, Desk

desk = conftest.desk  # the fixture of tests/desk, used by name

CN = ZoneInfo("Asia/Shanghai")
DEFAULT = DEFAULT_SLA.read_text(encoding="utf-8")
RESPONSE = "target: {P1: 15m, P2: 30m, P3: 2h, P4: 4h}"
RESOLUTION = "target: {P1: 4h, P2: 8h, P3: 24h, P4: 72h}"
SHORTER = DEFAULT.replace(RESPONSE, RESPONSE.replace("15m", "11m")).replace(
    RESOLUTION, RESOLUTION.replace("P1: 4h", "P1: 2h")
)
LONGER = DEFAULT.replace(RESPONSE, RESPONSE.replace("15m", "30m")).replace(
    RESOLUTION, RESOLUTION.replace("P1: 4h", "P1: 6h")
)
WITHOUT_P2 = """\
calendars:
  always: {timezone: Asia/Shanghai, hours: 24x7}
priorities: [P1, P3, P4]
matrix:
  high:   {high: P1, medium: P3, low: P3}
  medium: {high: P3, medium: P3, low: P4}
  low:    {high: P3, medium: P4, low: P4}
policies:
  - id: it
    metrics:
      response: {start: [created], stop: [responded, resolved], calendar: always,
                 target: {P1: 15m, P3: 2h, P4: 4h}}
"""
NOVEMBER = whatif.Selection(
    start=datetime(2025, 11, 1, tzinfo=CN), end=datetime(2025, 12, 1, tzinfo=CN)
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CN)


def ticket(desk: Desk, created: str, responded: str, resolved: str, **levels: str) -> Ticket:
    """A ticket of alice's, answered and resolved by bob at the given instants."""
    t = actions.create_ticket(
        requester=desk.alice,
        subject="报表系统无法登录",
        description="",
        service=desk.erp,
        impact=levels.get("impact", "high"),
        urgency=levels.get("urgency", "high"),
        at=at(created),
    )
    t = actions.reply(t, actor=desk.bob, body="正在处理", at=at(responded))
    return actions.resolve(t, actor=desk.bob, resolution="已修复", at=at(resolved))


@pytest.fixture
def november(desk: Desk) -> dict[str, str]:
    """The tickets of the module docstring: letter -> ticket number."""
    made = {
        "X": ticket(desk, "2025-10-31 10:00", "2025-10-31 11:00", "2025-10-31 20:00"),
        "A": ticket(desk, "2025-11-03 10:00", "2025-11-03 10:10", "2025-11-03 11:00"),
        "B": ticket(desk, "2025-11-04 10:00", "2025-11-04 10:20", "2025-11-04 13:00"),
        "C": ticket(desk, "2025-11-05 10:00", "2025-11-05 10:12", "2025-11-05 15:00"),
        "E": ticket(
            desk,
            "2025-11-28 10:00",
            "2025-11-28 10:30",
            "2025-12-02 10:00",
            impact="medium",
            urgency="low",
        ),
    }
    return {letter: t.number for letter, t in made.items()}


def rows(report: whatif.Report) -> dict[tuple[str, str], whatif.Row]:
    return {(r.metric, r.priority): r for r in report.rows}


def flips(row: whatif.Row) -> tuple[list[str], list[str]]:
    return [f.ticket for f in row.met_to_breached], [f.ticket for f in row.breached_to_met]


# -- the replay ---------------------------------------------------------------------------


def test_shorter_targets_flip_met_clocks_to_breached(november: dict[str, str]) -> None:
    report = whatif.run(parse_config(SHORTER), NOVEMBER)
    by = rows(report)
    assert report.tickets == 4  # A, B, C, E; not X of October
    response, resolution = by["response", "P1"], by["resolution", "P1"]
    assert (response.now.met, response.now.breached) == (2, 1)
    assert (response.proposed.met, response.proposed.breached) == (1, 2)
    assert flips(response) == ([november["C"]], [])
    assert (resolution.now.met, resolution.now.breached) == (2, 1)
    assert (resolution.proposed.met, resolution.proposed.breached) == (1, 2)
    assert flips(resolution) == ([november["B"]], [])
    assert response.goal == pytest.approx(0.98)
    assert whatif.percent(response.now.compliance) == "66.7%"
    assert whatif.percent(response.proposed.compliance) == "33.3%"


def test_longer_targets_flip_breached_clocks_to_met(november: dict[str, str]) -> None:
    by = rows(whatif.run(parse_config(LONGER), NOVEMBER))
    assert flips(by["response", "P1"]) == ([], [november["B"]])
    assert flips(by["resolution", "P1"]) == ([], [november["C"]])
    assert by["response", "P1"].proposed.compliance == 1.0
    assert by["resolution", "P1"].proposed.compliance == 1.0


def test_the_same_configuration_flips_nothing_and_agrees_with_the_stored_clocks(
    november: dict[str, str],
) -> None:
    report = whatif.run(parse_config(DEFAULT), NOVEMBER)
    assert report.flips == []
    for row in report.rows:
        assert row.now == row.proposed
    # A closed month read at its end gives what the desk stored for A, B and C.
    stored = Ticket.objects.get(number=november["B"]).clocks.get(metric="response")
    assert stored.met is False
    assert rows(report)["response", "P1"].now.breached == 1


def test_a_clock_undecided_at_the_end_of_the_period_is_open_and_not_counted(
    november: dict[str, str],
) -> None:
    by = rows(whatif.run(parse_config(DEFAULT), NOVEMBER))
    # E was resolved on 2 December: read at 1 December its resolution clock still ran.
    assert (by["resolution", "P4"].now.open, by["resolution", "P4"].now.met) == (1, 0)
    assert by["resolution", "P4"].now.compliance is None
    assert by["response", "P4"].now.met == 1
    overall = by["resolution", whatif.ALL]
    assert (overall.now.met, overall.now.breached, overall.now.open) == (2, 1, 1)


def test_a_period_still_running_is_read_at_the_present(november: dict[str, str]) -> None:
    selection = whatif.Selection(start=NOVEMBER.start, end=datetime(2026, 1, 1, tzinfo=CN))
    present = at("2025-12-10 00:00")
    report = whatif.run(parse_config(DEFAULT), selection, present=present)
    assert report.read_at == present
    assert rows(report)["resolution", "P4"].now.met == 1  # E's resolution on 2 Dec counts


def test_filters_narrow_the_tickets(november: dict[str, str], desk: Desk) -> None:
    config = parse_config(SHORTER)
    p1 = whatif.run(config, whatif.Selection(NOVEMBER.start, NOVEMBER.end, priority="P1"))
    assert p1.tickets == 3
    other = whatif.run(
        config, whatif.Selection(NOVEMBER.start, NOVEMBER.end, organisation="operations")
    )
    assert other.tickets == 0 and other.rows == []
    erp = whatif.run(config, whatif.Selection(NOVEMBER.start, NOVEMBER.end, service="erp"))
    assert erp.tickets == 4


def test_a_new_matrix_counts_tickets_under_their_proposed_priority(
    november: dict[str, str],
) -> None:
    # Proposed: high impact x high urgency is only P2 (response 30m): A, B and C move rows.
    proposed = DEFAULT.replace("high:   {high: P1,", "high:   {high: P2,")
    by = rows(whatif.run(parse_config(proposed), NOVEMBER))
    assert by["response", "P1"].now.clocks == 3 and by["response", "P1"].proposed.clocks == 0
    assert by["response", "P2"].proposed.clocks == 3
    assert flips(by["response", "P2"]) == ([], [november["B"]])


def test_tickets_the_proposal_cannot_replay_are_set_aside(
    november: dict[str, str], desk: Desk
) -> None:
    f = ticket(desk, "2025-11-06 10:00", "2025-11-06 10:05", "2025-11-06 12:00")
    f.refresh_from_db()
    f = actions.reopen(f, actor=desk.alice, reason="还是不行", at=at("2025-11-06 13:00"))
    # Set by hand to P2, which the proposal no longer has.
    actions.change_priority(
        f, actor=desk.bob, priority="P2", reason="只影响一人", at=at("2025-11-06 13:05")
    )
    report = whatif.run(parse_config(WITHOUT_P2), NOVEMBER)
    assert list(report.skipped) == [f.number]
    assert "unknown priority 'P2'" in report.skipped[f.number]
    assert report.tickets == 5
    assert rows(report)["response", "P1"].proposed.clocks == 3  # A, B and C, not F


def test_last_full_month() -> None:
    assert whatif.last_full_month(date(2026, 1, 15)) == (date(2025, 12, 1), date(2026, 1, 1))
    assert whatif.last_full_month(date(2026, 3, 1)) == (date(2026, 2, 1), date(2026, 3, 1))


# -- the command --------------------------------------------------------------------------


def whatif_command(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("sla", "whatif", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def shorter(tmp_path: Path) -> Path:
    path = tmp_path / "shorter.yaml"
    path.write_text(SHORTER, encoding="utf-8")
    return path


def test_the_command_prints_a_table_and_the_flips(november: dict[str, str], shorter: Path) -> None:
    out = whatif_command(
        "--proposed", str(shorter), "--from", "2025-11-01", "--to", "2025-12-01", "--flips"
    )
    header, first = out.splitlines()[:2]
    assert header.split() == list(whatif.TABLE_HEADER)
    assert first.split() == ["response", "P1", "3", "66.7%", "33.3%", "98.0%", "1", "0"]
    assert f"response P1 met>breached: {november['C']}" in out
    assert f"resolution P1 met>breached: {november['B']}" in out
    assert "4 tickets created from 2025-11-01 to 2025-12-01" in out


def test_the_command_prints_json(november: dict[str, str], shorter: Path) -> None:
    out = whatif_command(
        "--proposed", str(shorter), "--from", "2025-11-01", "--to", "2025-12-01", "--format", "json"
    )
    data = orjson.loads(out)
    first = data["rows"][0]
    assert (first["metric"], first["priority"]) == ("response", "P1")
    assert first["now"]["compliance"] == pytest.approx(2 / 3)
    assert first["met_to_breached"] == [november["C"]]
    assert data["read_at"] == "2025-12-01T00:00:00+08:00"


def problems(*args: str) -> list[str]:
    with pytest.raises(CommandError) as error:
        whatif_command(*args)
    assert error.value.returncode == 2
    return str(error.value).splitlines()


def test_bad_input_exits_with_status_2_and_one_line_per_problem(desk: Desk, tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    assert problems("--proposed", str(missing)) == [
        f"{missing}: cannot be read: [Errno 2] No such file or directory: '{missing}'"
    ]
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEFAULT.replace("P1: 15m", "P1: 1d").replace("P1: 98%", "P1: many", 1), "utf-8")
    lines = problems("--proposed", str(bad), "--from", "2025-13-01", "--to", "soon")
    assert len(lines) == 4
    assert lines[0].startswith(f"{bad}:") and "1d" in lines[0]
    assert lines[1].startswith(f"{bad}:") and "many" in lines[1]
    assert lines[2:] == [
        "--from '2025-13-01': expected a date, YYYY-MM-DD",
        "--to 'soon': expected a date, YYYY-MM-DD",
    ]


def test_a_period_that_ends_before_it_starts_is_refused(desk: Desk, shorter: Path) -> None:
    args = ("--proposed", str(shorter), "--from", "2025-12-01", "--to", "2025-11-01")
    assert problems(*args) == ["--from 2025-12-01 must be before --to 2025-11-01"]
    assert problems("--proposed", str(shorter), "--organisation", "nobody") == [
        "--organisation: there is no organisation 'nobody'"
    ]


# -- the page -----------------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


FORM = {
    "start": "2025-11-01",
    "end": "2025-12-01",
    "organisation": "",
    "service": "",
    "priority": "",
}


def test_a_manager_sees_the_form_prefilled_with_the_version_in_force(desk: Desk) -> None:
    page = client_for(desk.max).get("/reports/whatif/")
    assert page.status_code == 200
    assert "P1: 15m" in page.content.decode()
    assert 'data-testid="whatif-table"' not in page.content.decode()


def test_a_manager_runs_the_what_if(november: dict[str, str], desk: Desk) -> None:
    page = client_for(desk.max).post("/reports/whatif/", {**FORM, "source": SHORTER})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="whatif-table"' in html
    assert f'href="/tickets/{november["C"]}/"' in html
    assert f'href="/tickets/{november["B"]}/"' in html
    assert "66.7%" in html and "33.3%" in html


def test_an_uploaded_file_wins_over_the_text(november: dict[str, str], desk: Desk) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("longer.yaml", LONGER.encode())
    page = client_for(desk.max).post(
        "/reports/whatif/", {**FORM, "source": SHORTER, "upload": upload}
    )
    html = page.content.decode()
    assert 'data-testid="flip-breached_to_met"' in html
    assert 'data-testid="flip-met_to_breached"' not in html


def test_an_agent_may_not_see_the_what_if(desk: Desk) -> None:
    assert client_for(desk.bob).get("/reports/whatif/").status_code == 403
    assert client_for(desk.bob).post("/reports/whatif/", FORM).status_code == 403


def test_invalid_yaml_is_a_form_error(desk: Desk) -> None:
    bad = DEFAULT.replace("P1: 15m", "P1: 1d")
    page = client_for(desk.max).post("/reports/whatif/", {**FORM, "source": bad})
    assert page.status_code == 400
    html = page.content.decode()
    assert 'data-testid="error-source"' in html and "1d" in html
    broken = client_for(desk.max).post("/reports/whatif/", {**FORM, "source": "a: [b"})
    assert broken.status_code == 400
    assert 'data-testid="error-source"' in broken.content.decode()
