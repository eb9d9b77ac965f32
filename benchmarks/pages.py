"""Console pages at 100, 1,000 and 5,000 users: queries and median/p95 time, root vs admin.

    python benchmarks/pages.py                    # 100, 1,000 and 5,000 users, SQLite scratch file
    python benchmarks/pages.py --quick            # 100 and 1,000 users, fewer rounds
    DATABASE_URL=postgres://…/scratch python benchmarks/pages.py   # a scratch PostgreSQL database

For each size, ``manage.py seedlarge`` builds one account (``bench-<N>``, groups, policies and
roles scaled from AWS's quotas at 5,000 users) in the same database, unless it is there from an
earlier run. Each page is then requested in-process with Django's test client, signed in as
the account's **root** user and as its IAM user **admin** (AdministratorAccess through the
group Admins, so every page also loads a policy set), and Django admin's changelists for users
and managed policies are requested by an operator on the same account's rows (filtered by
account). One request per page counts the queries; ``--rounds`` more are timed
(``time.perf_counter``), root's and admin's alternating so that a busy machine's swings fall
on both alike. Printed per page and size: queries, median and p95
milliseconds for root and for admin, ``admin/root`` (the issue's target: <= 1.3), ``cpu a/r``
(the same ratio of the medians of this process's CPU time, which other processes on a busy
machine disturb less; on PostgreSQL it leaves out the database's own CPU) and
``/changelist`` (the slower of the two medians over Django admin's users changelist median).

Nothing here is imported by the portal or its tests; no test asserts a timing.
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
PASSWORD = "Bench-Password-2026!"


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = "sqlite:///" + str(Path(tempfile.gettempdir()) / "iamportal-bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iamportal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # allows the test client's host; keeps settings otherwise
    settings.DEBUG = False
    call_command("migrate", verbosity=0)


def _scaled(users: int) -> dict[str, int]:
    """Groups, policies and roles in AWS's proportions at 5,000 users (300, 1,500, 1,000)."""
    return {"groups": max(3, 300 * users // 5000), "policies": max(10, 1500 * users // 5000),
            "roles": max(5, 1000 * users // 5000)}


def ensure_account(users: int):
    from django.core.management import call_command

    from accounts.models import Account

    alias = f"bench-{users}"
    account = Account.objects.filter(alias=alias).first()
    if account is None:
        started = time.perf_counter()
        sizes = _scaled(users)
        call_command("seedlarge", "--alias", alias, "--users", str(users), "--groups", str(sizes["groups"]),
                     "--policies", str(sizes["policies"]), "--roles", str(sizes["roles"]),
                     "--password", PASSWORD, verbosity=0, stdout=open(os.devnull, "w"))
        print(f"seeded {alias}: {users} users, {sizes} in {time.perf_counter() - started:.1f} s", flush=True)
        account = Account.objects.get(alias=alias)
    return account


def operator_client():
    from django.test import Client

    from accounts.models import User

    email = "operator@bench.example"
    if not User.objects.filter(login_key=f"root:{email}").exists():
        User.objects.create_superuser(email, PASSWORD)
    return signed_in("/signin/", {"email": email, "password": PASSWORD}, Client())


def signed_in(url: str, data: dict, client=None):
    from django.test import Client

    client = client or Client()
    response = client.post(url, data)
    assert response.status_code == 302, (url, response.status_code)
    return client


def pages(account) -> list[tuple[str, str, dict | None]]:
    """(label, URL, POST data or None) of the pages measured."""
    from policies.models import ManagedPolicy

    policy = ManagedPolicy.objects.for_account(account).order_by("name").first()
    wizard = "user_create_wizard"
    return [
        ("dashboard", "/iam/", None),
        ("users list", "/iam/users/", None),
        ("users list ?sort=-created", "/iam/users/?sort=-created", None),
        ("user detail", "/iam/users/user-00000/", None),
        ("user permissions", "/iam/users/user-00000/?tab=permissions", None),
        ("groups list", "/iam/groups/", None),
        ("group detail", "/iam/groups/group-000/", None),
        ("roles list", "/iam/roles/", None),
        ("role detail", "/iam/roles/role-0000/", None),
        ("policies list", "/iam/policies/", None),
        ("policy detail", policy.get_absolute_url(), None),
        ("policy editor", policy.get_absolute_url() + "edit/", None),
        ("create user 1", "/iam/users/create/", None),
        ("create user 2", "/iam/users/create/", {f"{wizard}-current_step": "details",
                                                  "details-user_name": "bench-new-user"}),
        ("simulator", "/iam/policies/simulator/", None),
    ]


def measure(client, url: str, data: dict | None, rounds: int, *others) -> list[tuple[int, int, float, float]]:
    """(status, queries, median ms, p95 ms, median CPU ms) of ``rounds`` requests after one counted request,
    for ``client`` and each of ``others``. The clients' requests alternate, so that a busy
    machine's swings fall on all of them alike (the ratios are what compare)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    clients = [client, *others]

    def request(who):
        return who.post(url, data) if data is not None else who.get(url)

    counted = []
    for who in clients:
        reset_queries()  # each request resets the log: start the capture from an empty one
        with CaptureQueriesContext(connection) as captured:
            status = request(who).status_code
        counted.append((status, len(captured)))  # now: the next request clears the log
    times: list[list[float]] = [[] for _ in clients]
    cpu: list[list[float]] = [[] for _ in clients]
    for _ in range(rounds):
        for who, timings, cpu_times in zip(clients, times, cpu, strict=True):
            started, started_cpu = time.perf_counter(), time.process_time()
            request(who)
            cpu_times.append((time.process_time() - started_cpu) * 1000)
            timings.append((time.perf_counter() - started) * 1000)
    results = []
    for (status, queries), timings, cpu_times in zip(counted, times, cpu, strict=True):
        timings.sort()
        p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
        results.append((status, queries, statistics.median(timings), p95, statistics.median(cpu_times)))
    return results


def run(sizes: list[int], rounds: int) -> None:
    from django.db import connection

    print(f"database: {connection.vendor}; {rounds} timed requests per page, after one counted request")
    operator = operator_client()
    rows = []
    for users in sizes:
        account = ensure_account(users)
        root = signed_in("/signin/", {"email": f"owner@bench-{users}.example", "password": PASSWORD})
        admin = signed_in(f"/signin/{account.alias}/", {"user_name": "admin", "password": PASSWORD})
        changelists = {}
        for label, model in (("admin changelist users", "accounts/user"),
                             ("admin changelist policies", "policies/managedpolicy")):
            changelists[label] = measure(operator, f"/admin/{model}/?account__id__exact={account.pk}", None, rounds)[0]
        reference = changelists["admin changelist users"][2]
        for label, url, data in pages(account):
            as_root, as_admin = measure(root, url, data, rounds, admin)
            rows.append((users, label, as_root, as_admin, reference))
        for label, result in changelists.items():
            rows.append((users, label, result, None, reference))
    header = (f"{'users':>5}  {'page':<27}{'st':>4}{'q root':>7}{'med ms':>8}{'p95':>7}"
              f"{'q adm':>7}{'med ms':>8}{'p95':>7}{'adm/root':>9}{'cpu a/r':>8}{'/changelist':>12}")
    print(header)
    print("-" * len(header))
    for users, label, as_root, as_admin, reference in rows:
        status, queries, median, p95, cpu = as_root
        line = f"{users:>5}  {label:<27}{status:>4}{queries:>7}{median:>8.1f}{p95:>7.1f}"
        if as_admin is not None:
            a_status, a_queries, a_median, a_p95, a_cpu = as_admin
            worst = max(median, a_median)
            line += (f"{a_queries:>7}{a_median:>8.1f}{a_p95:>7.1f}{a_median / median:>8.2f}x"
                     f"{a_cpu / cpu:>7.2f}x{worst / reference:>11.2f}x")
            if a_status != status:
                line += f"  (admin: {a_status})"
        else:
            line += f"{'':>46}{median / reference:>11.2f}x"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 users, 7 rounds")
    parser.add_argument("--sizes", help="comma-separated user counts (default 100,1000,5000)")
    parser.add_argument("--rounds", type=int, help="timed requests per page (default 15; --quick 7)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([100, 1000] if args.quick
                                                                        else [100, 1000, 5000])
    rounds = args.rounds or (7 if args.quick else 15)
    started = time.perf_counter()
    _setup_django()
    run(sizes, rounds)
    print(f"total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
