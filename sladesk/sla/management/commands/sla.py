"""`sladesk sla apply FILE` and `sladesk sla versions`: SLA configurations in the database.

The engine's own commands (`sla compute`, `sla explain`, …) never reach Django: the
`sladesk` script sends them to the engine (see sladesk/cli.py).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sladesk.engine.config import ConfigError
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

    def handle(self, *args, **options) -> None:
        if options["command"] == "apply":
            self._apply(Path(options["file"]), options["comment"])
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
