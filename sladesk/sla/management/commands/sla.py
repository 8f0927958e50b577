"""`sladesk sla apply FILE`, `sladesk sla versions` and `sladesk sla whatif`: SLA
configurations in the database, and a proposed one replayed over the stored history.

The engine's own commands (`sla compute`, `sla explain`, …) never reach Django: the
`sladesk` script sends them to the engine (see sladesk/cli.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import orjson
from django.core.management.base import BaseCommand, CommandError

from sladesk.engine.config import ConfigError, parse_config
from sladesk.sla import versions
from sladesk.sla.models import SlaVersion

USAGE_ERROR = 2


class Command(BaseCommand):
    help = "Store and list versions of the SLA configuration."

    def add_arguments(self, parser) -> None:
        commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
        apply = commands.add_parser(
            "apply", help="validate a configuration file and store it as the version in force"
        )
        apply.add_argument("file", help="SLA configuration (YAML)")
        apply.add_argument("--comment", default="", help="why this version (shown in the admin)")
        show = commands.add_parser("versions", help="list the stored versions")
        show.add_argument("--diff", type=int, metavar="N", help="print the diff of version N")
        what = commands.add_parser(
            "whatif", help="replay the stored tickets under a proposed configuration"
        )
        what.add_argument("--proposed", required=True, metavar="FILE", help="SLA (YAML)")
        what.add_argument("--from", dest="start", metavar="DATE", help="tickets created from")
        what.add_argument("--to", dest="end", metavar="DATE", help="... until (exclusive)")
        what.add_argument("--organisation", default="", metavar="CODE")
        what.add_argument("--service", default="", metavar="CODE")
        what.add_argument("--priority", default="", help="the ticket's current priority")
        what.add_argument("--format", choices=["table", "json"], default="table")
        what.add_argument("--flips", action="store_true", help="list the flipped tickets")

    def handle(self, *args, **options) -> None:
        if options["command"] == "apply":
            self._apply(Path(options["file"]), options["comment"])
        elif options["command"] == "whatif":
            self._whatif(options)
        else:
            self._versions(options["diff"])

    def _apply(self, path: Path, comment: str) -> None:
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot be read: {exc}", returncode=USAGE_ERROR) from None
        before = versions.in_force()
        try:
            version = versions.apply(source, file_name=path.name, comment=comment)
        except ConfigError as exc:
            raise CommandError("\n".join(exc.problems), returncode=USAGE_ERROR) from None
        if before is not None and version.pk == before.pk:
            self.stdout.write(f"{path}: unchanged; {version} stays in force")
        else:
            self.stdout.write(f"{path}: stored as {version}, now in force for new tickets")

    def _versions(self, number: int | None) -> None:
        if number is not None:
            version = SlaVersion.objects.filter(number=number).first()
            if version is None:
                raise CommandError(f"there is no version {number}", returncode=USAGE_ERROR)
            self.stdout.write(version.diff() or "(the first version)")
            return
        for version in SlaVersion.objects.order_by("number"):
            when = version.applied_at.isoformat(timespec="seconds")
            self.stdout.write(f"{version}\t{when}\t{version.file_name}\t{version.comment}")

    def _whatif(self, options: dict) -> None:
        # Here, not at the top: `sla apply` and `sla versions` need neither numpy nor the desk.
        from sladesk.desk.models import Service
        from sladesk.people.models import Organisation
        from sladesk.reports import whatif

        problems: list[str] = []
        config = _proposed(Path(options["proposed"]), problems)
        start = _date(options["start"], "--from", problems)
        end = _date(options["end"], "--to", problems)
        start, end = whatif.period(start, end)
        if not problems and start >= end:
            problems.append(f"--from {start} must be before --to {end}")
        if (
            options["organisation"]
            and not Organisation.objects.filter(code=options["organisation"]).exists()
        ):
            problems.append(f"--organisation: there is no organisation {options['organisation']!r}")
        if options["service"] and not Service.objects.filter(code=options["service"]).exists():
            problems.append(f"--service: there is no service {options['service']!r}")
        if problems or config is None:
            raise CommandError("\n".join(problems), returncode=USAGE_ERROR)
        selection = whatif.Selection(
            start=whatif.midnight(start),
            end=whatif.midnight(end),
            organisation=options["organisation"],
            service=options["service"],
            priority=options["priority"],
        )
        report = whatif.run(config, selection)
        if options["format"] == "json":
            self.stdout.write(orjson.dumps(whatif.as_json(report)).decode())
        else:
            self.stdout.write(whatif.table(report, flips=options["flips"]))


def _proposed(path: Path, problems: list[str]):
    """The proposed configuration, or None with its problems added (one line each)."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot be read: {exc}")
        return None
    try:
        # Not stored, so holiday_files may name files beside it, as for `sla compute`.
        return parse_config(source, str(path), base_dir=path.parent)
    except ConfigError as exc:
        problems.extend(exc.problems)
        return None


def _date(text: str | None, option: str, problems: list[str]) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(f"{option} {text!r}: expected a date, YYYY-MM-DD")
        return None
