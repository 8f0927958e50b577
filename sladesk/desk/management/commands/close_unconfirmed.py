"""`sladesk close_unconfirmed`: close resolved tickets whose confirmation period is over."""

from django.core.management.base import BaseCommand

from sladesk.desk.actions import close_unconfirmed


class Command(BaseCommand):
    help = (
        "Close resolved tickets that their requester neither confirmed nor rejected within "
        "SLADESK_CONFIRM_DAYS working days. The worker runs this; it is safe to run by hand."
    )

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"closed {close_unconfirmed()} tickets")
