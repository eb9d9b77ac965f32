"""Lab runs: start a lab on an account, check its tasks, reveal hints, reset it.

Starting or resetting a lab **wipes the account** (:func:`labs.setup.wipe`: every IAM entity
but the root user and OrganizationAccountAccessRole) and builds the lab's starting state
(:func:`labs.setup.apply`), in one transaction. An account has at most one current run (the
latest with no ``ended``); starting another lab ends it. Authorisation is the caller's job
(``labs:StartLab``, ``labs:ResetLab``, ``labs:CheckProgress``, ``labs:GetHint``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Account

from . import catalogue, setup
from .checks import TaskResult, run_task
from .models import LabRun, TaskProgress


def _started_by(started_by: Any) -> str:
    """The ARN of whoever started the lab (an identity or a user), or the text given."""
    if started_by is None:
        return ""
    return str(getattr(started_by, "arn", started_by))


@transaction.atomic
def start_lab(account: Account, slug: str, *, started_by: Any = None, classroom: Any = None,
              authorize: Any = None) -> LabRun:
    """Start the shipped lab ``slug`` on ``account``: end its current run, wipe the account
    (``authorize``: see :func:`labs.setup.wipe`), apply the lab's setup. ``KeyError`` for an
    unknown slug; ``LabError`` when the setup cannot be applied (nothing changed then)."""
    lab = catalogue.get(slug)
    now = timezone.now()
    LabRun.objects.filter(account=account, ended__isnull=True).update(ended=now)
    setup.wipe(account, authorize=authorize)
    setup.apply(account, lab, authorize=authorize)
    extra = {"classroom": classroom} if classroom is not None else {}
    return LabRun.objects.create(account=account, slug=lab.slug, started=now,
                                 started_by=_started_by(started_by), **extra)


def run_for(account: Account) -> LabRun | None:
    """The account's current lab run (the latest not ended), or None."""
    return LabRun.objects.filter(account=account, ended__isnull=True).order_by("-started", "-pk").first()


@transaction.atomic
def check_task(run: LabRun, task_id: str) -> TaskResult:
    """Run the checks of task ``task_id`` of ``run``'s lab on its account and record the result
    (passed, points, checked_at). ``KeyError`` for an unknown lab or task."""
    task = catalogue.get(run.slug).task(task_id)
    result = run_task(run.account, task)
    TaskProgress.objects.update_or_create(
        run=run, task_id=task.id,
        defaults={"passed": result.passed, "points": result.points, "checked_at": timezone.now()})
    return result


@transaction.atomic
def reveal_hint(run: LabRun, task_id: str) -> str | None:
    """The next hint of task ``task_id`` (counted in ``hints_used``), or None when every hint
    has been revealed. ``KeyError`` for an unknown lab or task."""
    task = catalogue.get(run.slug).task(task_id)
    progress, _ = TaskProgress.objects.select_for_update().get_or_create(run=run, task_id=task.id)
    if progress.hints_used >= len(task.hints):
        return None
    hint = task.hints[progress.hints_used]
    progress.hints_used += 1
    progress.save(update_fields=["hints_used"])
    return hint


@transaction.atomic
def reset_lab(run: LabRun, *, authorize: Any = None) -> None:
    """Put ``run``'s account back to the lab's starting state (wipe + apply, ``authorize``: see
    :func:`labs.setup.wipe`); its checks are cleared and its timer starts again. The hints
    revealed stay revealed and counted (``hints_used``): a reset does not hide from the
    instructor's board how many hints a trainee used."""
    lab = catalogue.get(run.slug)
    setup.wipe(run.account, authorize=authorize)
    setup.apply(run.account, lab, authorize=authorize)
    run.progress.filter(hints_used=0).delete()
    run.progress.update(passed=False, points=0, checked_at=None)
    run.started = timezone.now()
    run.save(update_fields=["started"])
