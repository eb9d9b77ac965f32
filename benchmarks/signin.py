"""Password hashing cost: one sign-in's password check, and a class signing in at once.

    python benchmarks/signin.py                      # 50 sign-ins, 4 worker processes
    python benchmarks/signin.py --sign-ins 50 --workers 4

For the portal's hasher (``settings.PASSWORD_HASHERS[0]``, Argon2id) and for PBKDF2 at
Django's default 1,000,000 iterations (what the portal used before), it prints:

- the median time of one password check (``check_password`` of a stored hash), which is
  about 93 % of a sign-in's CPU with PBKDF2 (issue #10);
- the wall time for ``--sign-ins`` checks submitted at once to ``--workers`` processes (as
  gunicorn's workers would take them), and how long the median sign-in of them waited.

Nothing else runs: no database, no HTTP. The figures are this machine's; run it on the
server you size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iamportal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import check_password, get_hasher, make_password  # noqa: E402

PASSWORD = "Barista-Latte-2026!"
PBKDF2 = "django.contrib.auth.hashers.PBKDF2PasswordHasher"


def timed_check(encoded: str) -> float:
    start = time.perf_counter()
    assert check_password(PASSWORD, encoded)
    return time.perf_counter() - start


def one_check(encoded: str, rounds: int = 7) -> float:
    timed_check(encoded)  # warm-up
    return statistics.median(timed_check(encoded) for _ in range(rounds))


def class_at_once(pool: ProcessPoolExecutor, encoded: str, sign_ins: int, workers: int) -> tuple[float, float]:
    """Wall time for ``sign_ins`` checks submitted together, and the median sign-in's wait."""
    list(pool.map(timed_check, [encoded] * workers))  # warm the workers
    start = time.perf_counter()
    waits = []
    for future in as_completed([pool.submit(timed_check, encoded) for _ in range(sign_ins)]):
        future.result()
        waits.append(time.perf_counter() - start)
    return time.perf_counter() - start, statistics.median(waits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sign-ins", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    portal = settings.PASSWORD_HASHERS[0]
    hashers = [(f"portal: {get_hasher('default').algorithm} ({portal.rsplit('.', 1)[-1]})",
                make_password(PASSWORD)),
               ("PBKDF2-SHA256, 1,000,000 iterations", make_password(PASSWORD, hasher="pbkdf2_sha256"))]
    print(f"{os.cpu_count()} CPUs; {args.sign_ins} sign-ins at once on {args.workers} worker processes\n")
    print(f"{'hasher':44} {'one check':>10} {'class wall':>11} {'median wait':>12}")
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for label, encoded in hashers:
            single = one_check(encoded)
            wall, median = class_at_once(pool, encoded, args.sign_ins, args.workers)
            print(f"{label:44} {single * 1000:8.1f}ms {wall:10.2f}s {median:11.2f}s")
    print(f"\nportal hash: {hashers[0][1].rsplit('$', 2)[0]}$…")


if __name__ == "__main__":
    main()
