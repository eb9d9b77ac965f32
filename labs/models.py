"""Lab runs and task progress (issue #14).

A LabRun is one lab started on one account (for self-study or as part of a class); TaskProgress
records the latest check of each task of a run and the hints revealed. Classroom and Trainee (the
CLASSES engineer's models) live in this file too.
"""

from django.db import models
from django.utils import timezone


class LabRun(models.Model):
    """A lab started on an account; ``ended`` is set when it is replaced or the class ends."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="lab_runs")
    slug = models.CharField(max_length=64)
    started = models.DateTimeField(default=timezone.now)
    started_by = models.CharField(max_length=2048, blank=True,
                                  help_text="The ARN of the principal that started the lab.")
    # classroom = FK "labs.Classroom" (null): added by the CLASSES engineer with Classroom itself
    # (Django refuses a lazy reference to a model that does not exist yet).
    ended = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "ended"])]

    def __str__(self):
        return f"{self.slug} on {self.account_id}"


class TaskProgress(models.Model):
    """The latest check of one task of a run, and how many hints were revealed."""

    run = models.ForeignKey(LabRun, on_delete=models.CASCADE, related_name="progress")
    task_id = models.CharField(max_length=64)
    passed = models.BooleanField(default=False)
    points = models.PositiveIntegerField(default=0)
    checked_at = models.DateTimeField(null=True, blank=True)
    hints_used = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "task_id"], name="labs_progress_run_task")]

    def __str__(self):
        return f"{self.run} / {self.task_id}"
