"""Event history over 100,000 events in one account: queries and median/p95 time per page.

    python benchmarks/event_history.py                  # 100,000 events, SQLite scratch file
    python benchmarks/event_history.py --events 20000   # fewer
    DATABASE_URL=postgres://…/scratch python benchmarks/event_history.py

One account (``history-bench@…``) gets ``--events`` CloudTrail records (one a second, five
event names, ten user names), unless it has them from an earlier run, and another account
a tenth as many. Its root user then opens, in-process with Django's test client: the first
page, a page deep in the trail (the keyset cursor of the 50th page), and the first page of
each filter (event name, user name, resource name, read-only). One request per page counts
the queries; ``--rounds`` more are timed. tests/audit/test_event_history.py asserts the
query bound and the index plan on 5,000 events; this prints what 100,000 cost.

Nothing here is imported by the portal or its tests; no test asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Bench-Password-2026!"
EMAIL = "history-bench@bench.example"
NAMES = ["CreateUser", "PutUserPolicy", "AttachGroupPolicy", "DeleteRole", "ConsoleLogin"]


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = "sqlite:///" + str(Path(tempfile.gettempdir()) / "iamportal-bench-events.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iamportal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.DEBUG = False
    call_command("migrate", verbosity=0)


def _account(email: str, events: int):
    from django.utils import timezone

    from accounts import services
    from accounts.models import User
    from audit.models import Event

    root = User.objects.filter(email=email, is_root=True).first() or services.sign_up(email=email, password=PASSWORD)
    account = root.account
    have = Event.objects.filter(account=account).count()
    if have < events:
        start = timezone.now() - timedelta(seconds=have)
        batch = []
        for index in range(have, events):
            batch.append(Event(
                account=account, event_time=start - timedelta(seconds=index - have), event_source="iam.amazonaws.com",
                event_name=NAMES[index % len(NAMES)], read_only=False, source_ip="192.0.2.7",
                user_identity={"type": "IAMUser", "accountId": account.account_id},
                user_name=f"user{index % 10}", resource_name=f"resource{index % 1000}",
                recipient_account_id=account.account_id))
            if len(batch) == 5000:
                Event.objects.bulk_create(batch)
                batch = []
        Event.objects.bulk_create(batch)
    return root


def _measure(client, url: str, rounds: int) -> tuple[int, float, float]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # each request resets the log: start the capture from an empty one
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    count = len(queries)  # now: the next request clears the log
    assert response.status_code == 200 and "events" in response.context, (url, response.status_code)
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return count, statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    _setup_django()
    from django.test import Client

    began = time.perf_counter()
    root = _account(EMAIL, args.events)
    _account("history-other@bench.example", args.events // 10)
    print(f"{args.events:,} events in one account (+{args.events // 10:,} in another); "
          f"set up in {time.perf_counter() - began:.1f} s")
    client = Client()
    signed_in = client.post("/signin/", {"email": root.email, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.content[:300]
    url = "/iam/event-history/"
    cursor_page = client.get(url)
    assert "events" in cursor_page.context, cursor_page.status_code
    for _ in range(49):
        cursor_page = client.get(url, {"after": cursor_page.context["next_cursor"]})
    deep = f"{url}?after={cursor_page.context['next_cursor']}"
    pages = {"first page": url, "page 51": deep, "event name": f"{url}?event_name=PutUserPolicy",
             "user name": f"{url}?user_name=user3", "resource name": f"{url}?resource=resource7",
             "read-only false": f"{url}?read_only=false"}
    print(f"{'page':<18}{'queries':>8}{'median ms':>11}{'p95 ms':>9}")
    for label, page in pages.items():
        queries, median, p95 = _measure(client, page, args.rounds)
        print(f"{label:<18}{queries:>8}{median:>11.1f}{p95:>9.1f}")


if __name__ == "__main__":
    main()
