"""Lab runs and task progress (issue #14).

A LabRun is one lab started on one account (for self-study or as part of a class); TaskProgress
records the latest check of each task of a run and the hints revealed. Classroom and Trainee (the
CLASSES engineer's models) live in this file too.
"""

import secrets
import string

from django.db import models
from django.utils import timezone


class LabRun(models.Model):
    """A lab started on an account; ``ended`` is set when it is replaced or the class ends."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="lab_runs")
    slug = models.CharField(max_length=64)
    started = models.DateTimeField(default=timezone.now)
    started_by = models.CharField(max_length=2048, blank=True,
                                  help_text="The ARN of the principal that started the lab.")
    classroom = models.ForeignKey("labs.Classroom", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="runs")
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


# ---------------------------------------------------------------------------
# Classes (labs/classes.py)


def new_class_id() -> str:
    """A class's public id: ``cls-`` and 10 lowercase letters and digits."""
    return "cls-" + "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(10))


class Classroom(models.Model):
    """A class run from an organization's management account: its trainees' member accounts sit in
    ``ou``, and take ``labs`` (shipped lab slugs) in order, the current one ``labs[lab_index]``."""

    class_id = models.CharField(max_length=16, unique=True, default=new_class_id)
    org = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="classrooms")
    ou = models.ForeignKey("organizations.OrganizationalUnit", on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")
    name = models.CharField(max_length=128)
    labs = models.JSONField(default=list)
    lab_index = models.PositiveSmallIntegerField(default=0)
    started_by = models.CharField(max_length=2048, blank=True,
                                  help_text="The ARN of the principal that started the class.")
    created = models.DateTimeField(default=timezone.now)
    ended = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["org", "-created"])]

    def __str__(self):
        return self.name

    @property
    def current_slug(self) -> str:
        return self.labs[self.lab_index]

    @property
    def has_next_lab(self) -> bool:
        return self.lab_index + 1 < len(self.labs)

    @property
    def next_slug(self) -> str | None:
        return self.labs[self.lab_index + 1] if self.has_next_lab else None


class Trainee(models.Model):
    """A trainee of a class: the member account created for them (its root user's email is
    ``email``), shown as ``display_name``, in the order given (``position``)."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="trainees")
    member = models.OneToOneField("organizations.Member", on_delete=models.CASCADE, related_name="trainee")
    display_name = models.CharField(max_length=50)
    email = models.EmailField(max_length=64)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["classroom", "position"]

    def __str__(self):
        return self.display_name
