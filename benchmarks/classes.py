"""A class of trainees: how long Start a class takes, and how fast the instructor board renders.

    python benchmarks/classes.py                      # 50 trainees, SQLite scratch file
    python benchmarks/classes.py --trainees 20 --rounds 15
    DATABASE_URL=postgres://…/scratch python benchmarks/classes.py

1. Start a class: a fresh instructor account posts the Start a class form (Django's test client,
   in-process, signed in as the root user) with ``--trainees`` generated trainees and the first
   shipped lab: the organization, the class's OU, one member account per trainee (its root user
   with an Argon2id-hashed one-time password, OrganizationAccountAccessRole, FullAWSAccess) and
   the lab's starting state in each account, in the one POST the console makes. Printed: the
   POST's wall time, per trainee, and its queries.
2. The board: every trainee checks every task of the lab (labs.services.check_task), then the
   board page, its fragment (what static/labs/board.js fetches) and the results CSV are requested
   ``--rounds`` times: status, queries, median and p95 milliseconds.
3. The same board at 10 tasks: the class's runs get progress rows for a 10-task lab (the lab
   read through a stand-in for ``labs.catalogue.get``, no shipped lab has 10 tasks), so the
   board is ``--trainees`` × 10.

The scratch database is ``$TMPDIR/iamportal-bench-classes.sqlite3`` unless DATABASE_URL names
another; each run adds a new instructor account and class to it. Nothing here is imported by the
portal or its tests; no test asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Bench-Instructor-2026!"


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = "sqlite:///" + str(Path(tempfile.gettempdir()) / "iamportal-bench-classes.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iamportal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)


def _counting(function) -> tuple[object, int]:
    """``function()``'s result and the queries it made (counted as they run: the debug query log
    is reset by every request and capped)."""
    from django.db import connection

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        result = function()
    return result, count


def _timed(client, url: str, rounds: int) -> tuple[int, int, float, float]:
    """(status, queries, median ms, p95 ms) of GET ``url``, after one warm-up request."""
    client.get(url)
    response, queries = _counting(lambda: client.get(url))
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return response.status_code, queries, statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=15)
    options = parser.parse_args()
    _setup_django()

    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from accounts import services as account_services
    from labs import board as boards
    from labs import catalogue, services
    from labs.format import Lab, Task
    from labs.models import Classroom, TaskProgress
    from policies import managed
    from policies.models import ManagedPolicy, PolicyVersion

    managed.sync(ManagedPolicy, PolicyVersion)
    run = f"{time.time_ns():x}"
    email = f"instructor-{run}@bench.example"
    account_services.sign_up(email=email, password=PASSWORD)
    client = Client()
    assert client.post("/signin/", {"email": email, "password": PASSWORD}).status_code == 302
    lab = catalogue.all_labs()[0]

    # 1. Start a class
    started = time.perf_counter()
    response, queries = _counting(lambda: client.post("/labs/classes/create/", {
        "name": f"Bench {run}", "labs": [lab.slug], "source": "count", "count": str(options.trainees)}))
    elapsed = time.perf_counter() - started
    assert response.status_code == 302, response.content[:2000]
    classroom = Classroom.objects.get(name=f"Bench {run}")
    print(f"{connection.vendor}, {os.cpu_count()} CPUs; lab {lab.slug!r} ({len(lab.tasks)} tasks)\n")
    print(f"Start a class of {options.trainees}: {elapsed:.2f} s in one POST "
          f"({elapsed / options.trainees * 1000:.0f} ms a trainee, {queries} queries)\n")

    # 2. The board of the class's own lab, every task checked
    for trainee in classroom.trainees.select_related("member__account"):
        lab_run = services.run_for(trainee.member.account)
        for task in lab.tasks:
            services.check_task(lab_run, task.id)
    base = f"/labs/classes/{classroom.class_id}/"
    pages = [("board page", base), ("board fragment", f"{base}board/"), ("results CSV", f"{base}results.csv")]
    print(f"{'page':38} {'status':>6} {'queries':>7} {'median ms':>10} {'p95 ms':>8}")

    def measure(label_suffix: str) -> None:
        for label, url in pages:
            status, queries, median, p95 = _timed(client, url, options.rounds)
            print(f"{label + label_suffix:38} {status:6} {queries:7} {median:10.1f} {p95:8.1f}")

    measure(f" ({options.trainees} x {len(lab.tasks)})")

    # 3. The same class at 10 tasks
    tasks = [Task(f"task-{n:02}", f"Task {n}", "", [], 10, [{"alias_set": True}]) for n in range(10)]
    big = Lab(lab.slug, "Ten tasks", "", 60, {}, tasks)
    boards.catalogue.get = lambda slug: big
    now = timezone.now()
    TaskProgress.objects.filter(run__classroom=classroom).delete()
    TaskProgress.objects.bulk_create([
        TaskProgress(run=lab_run, task_id=task.id, passed=n % 2 == 0, points=10, checked_at=now, hints_used=n % 3)
        for lab_run in classroom.runs.all() for n, task in enumerate(tasks)])
    measure(f" ({options.trainees} x 10)")
    start = time.perf_counter()
    for _ in range(options.rounds):
        boards.class_board(classroom)
    print(f"\nlabs.board.class_board alone ({options.trainees} x 10): "
          f"{(time.perf_counter() - start) / options.rounds * 1000:.1f} ms")


if __name__ == "__main__":
    main()
