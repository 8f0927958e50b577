"""Background work of the incoming channels, run by the worker."""

from django.tasks import task

from . import imap


@task()
def poll_mailboxes() -> int:
    """Poll every enabled IMAP mailbox once; the worker schedules it periodically."""
    return imap.poll_all()
