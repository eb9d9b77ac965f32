"""CreateAccount's cost: a class of member accounts created in an organization.

    python benchmarks/organizations.py                 # 50 accounts, SQLite scratch file
    python benchmarks/organizations.py --accounts 20
    DATABASE_URL=postgres://…/scratch python benchmarks/organizations.py

A fresh management account creates an organization and an OU, then ``--accounts`` member
accounts under it with ``organizations.services.create_account`` (a new account, its root
user with a hashed one-time password, the role OrganizationAccountAccessRole with
AdministratorAccess attached, FullAWSAccess attached). Printed: the median and p95
milliseconds per account, the total, the queries of one account, and — for comparison —
the median time of hashing one password with the portal's hasher (Argon2id,
the first of ``settings.PASSWORD_HASHERS``) and with PBKDF2 at Django's default iterations.

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


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = "sqlite:///" + str(Path(tempfile.gettempdir()) / "iamportal-bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iamportal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _median_ms(function, rounds: int = 7) -> float:
    function()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50)
    options = parser.parse_args()
    _setup_django()

    from django.contrib.auth.hashers import get_hasher
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts import services as account_services
    from organizations import services

    run = f"{time.time_ns():x}"
    owner = account_services.sign_up(email=f"instructor-{run}@bench.example", password="Bench-Password-2026!")
    org = services.create_organization(owner.account)
    ou = services.create_ou(org, parent_id=org.root_id, name=f"Class {run}")

    times = []
    queries = None
    started = time.perf_counter()
    for n in range(options.accounts):
        email = f"trainee-{n}-{run}@bench.example"
        begin = time.perf_counter()
        if queries is None:
            with CaptureQueriesContext(connection) as captured:
                services.create_account(org, name=f"Trainee {n}", email=email, parent_id=ou.ou_id)
            queries = len(captured)
        else:
            services.create_account(org, name=f"Trainee {n}", email=email, parent_id=ou.ou_id)
        times.append(time.perf_counter() - begin)
    total = time.perf_counter() - started

    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"database: {connection.vendor}; {options.accounts} accounts created in one OU")
    print(f"create_account: median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, "
          f"total {total:.2f} s, {queries} queries each")
    for label, hasher in (("portal's hasher", get_hasher("default")), ("Django's default", get_hasher("pbkdf2_sha256"))):
        cost = _median_ms(lambda h=hasher: h.encode("One-Time-Password-1!", h.salt()))
        print(f"one password hash, {label} ({hasher.algorithm}): median {cost:.1f} ms")


if __name__ == "__main__":
    main()
