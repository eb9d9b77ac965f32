"""The lab panel beside the console: what it shows for the caller's account (issue #14).

The console layout renders ``{% lab_panel %}`` (labs/templatetags/lab_panel.py) on every
console page; :func:`panel_context` gathers what it shows. Its cost per page is bounded:

- a caller that may not ``labs:ListLabs`` on the account: no query (the policy set is the one
  the navigation has loaded);
- no running lab: one query (:func:`current_run`, cached on the request);
- a running lab: one more, the run's task progress.

The result of the last *Check my progress* travels from the POST to the next page in the
session (:func:`remember_check` / :func:`pop_check`), the Post/Redirect/Get pattern: the
panel shows it once, in the task's live region.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from labs import catalogue, services
from labs.format import LabError

logger = logging.getLogger(__name__)

#: The portal actions of the trainee side (docs/differences.md): not AWS actions, decided by
#: the same engine on the account's root ARN.
LIST, START, RESET, CHECK, HINT, END = ("labs:ListLabs", "labs:StartLab", "labs:ResetLab",
                                        "labs:CheckProgress", "labs:GetHint", "labs:EndLab")

_RUN_ATTR = "_labs_current_run"
_CHECK_KEY = "labs.last_check"


def current_run(request: Any):
    """The running lab of the caller's account (``labs.services.run_for``), once per request."""
    if not hasattr(request, _RUN_ATTR):
        setattr(request, _RUN_ATTR, services.run_for(request.iam.account))
    return getattr(request, _RUN_ATTR)


def run_token(run: Any) -> str:
    """What a panel form carries to say which state of ``run`` it was shown for: its start
    (``reset_lab`` starts the timer again), to the microsecond."""
    return f"{run.started.timestamp():.6f}"


def lab_of(run: Any):
    """The lab ``run`` runs, or None when its file is no longer shipped or the shipped labs
    cannot be loaded (a malformed file, logged): the panel sits on every console page and
    must not turn a bad lab file into an error on all of them."""
    try:
        return catalogue.get(run.slug)
    except KeyError:
        return None
    except LabError:
        logger.exception("The shipped labs cannot be loaded")
        return None


@dataclass
class TaskView:
    """One task as the panel shows it."""

    task: Any
    passed: bool = False
    points: int = 0
    checked_at: Any = None
    hints_used: int = 0
    result: dict | None = None

    @property
    def id(self) -> str:
        return self.task.id

    @property
    def hints(self) -> list[str]:
        """The hints revealed so far, in order."""
        return self.task.hints[:self.hints_used]

    @property
    def next_hint(self) -> int:
        """The number of the next hint (1-based), or 0 when every hint is shown."""
        return self.hints_used + 1 if self.hints_used < len(self.task.hints) else 0

    @property
    def next_hint_label(self) -> str:
        return f"Show hint {self.next_hint} of {len(self.task.hints)}"


@dataclass
class Panel:
    run: Any
    lab: Any
    tasks: list[TaskView] = field(default_factory=list)

    @property
    def token(self) -> str:
        return run_token(self.run)

    @property
    def score(self) -> int:
        return sum(view.points for view in self.tasks if view.passed)

    @property
    def max(self) -> int:
        return self.lab.max_points if self.lab else 0

    @property
    def elapsed_minutes(self) -> int:
        return int((timezone.now() - self.run.started).total_seconds() // 60)

    @property
    def overtime(self) -> bool:
        return self.lab is not None and self.elapsed_minutes >= self.lab.minutes


def build_panel(request: Any, run: Any) -> Panel:
    """The panel of ``run``: its lab, each task with its progress and the last check's result."""
    lab = lab_of(run)
    panel = Panel(run=run, lab=lab)
    if lab is None:
        return panel
    progress = {row.task_id: row for row in run.progress.all()}
    last = pop_check(request, run)
    for task in lab.tasks:
        row = progress.get(task.id)
        view = TaskView(task=task)
        if row is not None:
            view.passed, view.points, view.checked_at = row.passed, row.points, row.checked_at
            view.hints_used = min(row.hints_used, len(task.hints))
        if last is not None and last["task"] == task.id:
            view.result = last
        panel.tasks.append(view)
    return panel


def panel_context(request: Any) -> dict[str, Any]:
    """The context of templates/labs/_panel.html for ``request`` (empty: no panel)."""
    identity = getattr(request, "iam", None)
    if identity is None or identity.account is None:
        return {}
    from policies.templatetags.iam import can  # cached per request, not noted as a use

    if not can(request, LIST, identity.account.root_arn):
        return {}
    run = current_run(request)
    if run is None:
        return {}
    here = request.get_full_path()
    reset_url = reverse("labs:reset", args=[run.pk]) + "?" + urlencode({"next": here})
    return {"panel": build_panel(request, run), "root_arn": identity.account.root_arn,
            "next": here, "reset_url": reset_url, "request": request}


def remember_check(request: Any, run: Any, result: Any) -> None:
    """Keep the result of checking one task of ``run`` for the next page (PRG)."""
    request.session[_CHECK_KEY] = {
        "run": run.pk, "task": result.id, "passed": result.passed, "points": result.points,
        "checks": [check.as_json() for check in result.checks],
    }


def pop_check(request: Any, run: Any) -> dict | None:
    """The result :func:`remember_check` kept for ``run``, once; None otherwise."""
    session = getattr(request, "session", None)
    if session is None or _CHECK_KEY not in session:
        return None
    last = session.pop(_CHECK_KEY)
    return last if isinstance(last, dict) and last.get("run") == run.pk else None
