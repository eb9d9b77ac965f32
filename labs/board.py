"""The instructor board's data: trainees × tasks of the class's current lab, in four queries
whatever the class's size (the trainees with their accounts; the class's runs of the lab; their
task progress; the accounts' last activity from the audit trail). The lab itself is a shipped file
(:func:`labs.catalogue.get`), read without a query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from audit import services as audit

from . import catalogue
from .format import Lab, Task
from .models import Classroom, LabRun, Trainee


@dataclass(frozen=True)
class Cell:
    """One trainee's latest check of one task: ``passed`` is None until the task is checked."""

    passed: bool | None
    points: int = 0
    checked_at: datetime | None = None
    hints_used: int = 0


@dataclass(frozen=True)
class Row:
    """One trainee on the board."""

    trainee: Trainee
    account_id: str
    cells: list[Cell]
    score: int
    last_check: datetime | None
    hints_used: int
    last_activity: datetime | None
    running: bool  # the lab runs in the account (not ended)


@dataclass(frozen=True)
class Board:
    classroom: Classroom
    lab: Lab
    rows: list[Row]

    @property
    def tasks(self) -> list[Task]:
        return self.lab.tasks

    @property
    def max_points(self) -> int:
        return self.lab.max_points


def class_board(classroom: Classroom) -> Board:
    """The board of ``classroom``'s current lab (see the module docstring for its queries)."""
    try:
        lab = catalogue.get(classroom.current_slug)
    except KeyError:  # the lab file is no longer shipped: the trainees, without tasks
        lab = Lab(classroom.current_slug, f"{classroom.current_slug} (no longer on this server)", "", 0, {}, [])
    trainees = list(classroom.trainees.select_related("member__account").order_by("position"))
    runs: dict[int, LabRun] = {}
    # The latest run of the lab in each account (a reset keeps the run; advancing starts a new one).
    for run in (LabRun.objects.filter(classroom=classroom, slug=lab.slug).order_by("started", "pk")
                .prefetch_related("progress")):
        runs[run.account_id] = run
    activity = audit.last_activity([t.member.account_id for t in trainees])
    return Board(classroom, lab, [_row(lab, trainee, runs.get(trainee.member.account_id), activity)
                                  for trainee in trainees])


def _row(lab: Lab, trainee: Trainee, run: LabRun | None, activity: dict[int, datetime]) -> Row:
    account = trainee.member.account
    progress = {p.task_id: p for p in run.progress.all()} if run is not None else {}
    # A task with hints revealed but never checked (or not since a reset) is unchecked.
    cells = [Cell(p.passed if p.checked_at else None, p.points if p.checked_at else 0, p.checked_at, p.hints_used)
             if (p := progress.get(task.id)) else Cell(None)
             for task in lab.tasks]
    checks = [cell.checked_at for cell in cells if cell.checked_at is not None]
    return Row(
        trainee=trainee,
        account_id=account.account_id,
        cells=cells,
        score=sum(cell.points for cell in cells if cell.passed),
        last_check=max(checks, default=None),
        hints_used=sum(cell.hints_used for cell in cells),
        last_activity=activity.get(account.pk),
        running=run is not None and run.ended is None,
    )


#: The columns of the results CSV (one row per trainee and task).
RESULTS_HEADER = ["trainee", "email", "account_id", "lab", "task", "passed", "points", "checked_at",
                  "hints_used", "score", "max_score"]


def results_rows(board: Board) -> list[list[str]]:
    """The board as CSV rows (after :data:`RESULTS_HEADER`): one per trainee and task."""
    rows = []
    for row in board.rows:
        for task, cell in zip(board.tasks, row.cells, strict=True):
            rows.append([row.trainee.display_name, row.trainee.email, row.account_id, board.lab.slug, task.id,
                         "" if cell.passed is None else str(cell.passed).lower(), str(cell.points),
                         cell.checked_at.isoformat() if cell.checked_at else "", str(cell.hints_used),
                         str(row.score), str(board.max_points)])
    return rows
