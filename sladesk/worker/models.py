"""When each periodic job is next enqueued, shared by every worker."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicJob(models.Model):
    """One periodic task. The worker that claims the row when it is due enqueues the task,
    so with several workers each job is still enqueued once per period."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    every = models.PositiveIntegerField(_("every (seconds)"))
    next_run_at = models.DateTimeField(_("next run"))
    last_task_id = models.CharField(max_length=64, blank=True)
    last_enqueued_at = models.DateTimeField(_("last enqueued"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")

    def __str__(self) -> str:
        return self.name
