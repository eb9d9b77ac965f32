"""Load test: gunicorn on PostgreSQL, N signed-in console clients, for a bounded time, on loopback.

    DATABASE_URL=postgres://iamportal:…@127.0.0.1:5432/scratch python benchmarks/load.py
    python benchmarks/load.py --clients 50 --duration 60 --workers 4

The script (standard library only) makes sure the account ``--alias`` exists (``manage.py
seedlarge`` at ``--users``, AWS's quota proportions, when it does not), starts ``gunicorn
iamportal.wsgi`` on ``127.0.0.1:--port`` with ``--workers`` workers (``--threads`` each) against that database,
and runs ``--clients`` threads, each its own browser (cookie jar), for ``--duration`` seconds.
Every client signs in as the IAM user ``admin`` (AdministratorAccess through the group
Admins, so each page loads a policy set), then loops over a weighted mix: the users list
(30 %), a user's page (25 %), a customer policy's page (25 %), the simulator (15 %), and
signing out and in again (5 %, the sign-in form's GET and its POST). The first sign-ins of
all clients at once are part of the run (a class signing in together).

It prints requests per second, p50/p95/p99 latency overall and per kind, errors (anything
but 200/302, and connection failures) and the resident memory of each worker (VmRSS,
sampled every 2 s; the largest seen). gunicorn is stopped at the end, whatever happens.
Nothing here is imported by the portal or its tests.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Bench-Password-2026!"
MIX = [("users list", 30), ("user detail", 25), ("policy detail", 25), ("simulator", 15), ("sign-in", 5)]


def prepare(alias: str, users: int) -> dict[str, str]:
    """The account's id and the URLs of the mix, seeding the account if it is missing."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iamportal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import Account
    from policies.models import ManagedPolicy

    call_command("migrate", verbosity=0)
    if not Account.objects.filter(alias=alias).exists():
        print(f"seeding {alias} with {users} users …", flush=True)
        call_command("seedlarge", "--alias", alias, "--users", str(users),
                     "--groups", str(max(3, 300 * users // 5000)), "--policies", str(max(10, 1500 * users // 5000)),
                     "--roles", str(max(5, 1000 * users // 5000)), "--password", PASSWORD, verbosity=0,
                     stdout=open(os.devnull, "w"))
    account = Account.objects.get(alias=alias)
    policies = list(ManagedPolicy.objects.for_account(account).order_by("name")[:50])
    from django.db import connections

    connections.close_all()
    return {"signin": f"/signin/{alias}/", "users list": "/iam/users/",
            "user detail": [f"/iam/users/user-{i:05d}/" for i in range(min(users - 2, 200))],
            "policy detail": [p.get_absolute_url() for p in policies],
            "simulator": "/iam/policies/simulator/"}


class Browser:
    """One client: a cookie jar, the CSRF token, and the timings of its requests."""

    def __init__(self, base: str, urls: dict, results: dict, lock: threading.Lock) -> None:
        self.base, self.urls, self.results, self.lock = base, urls, results, lock
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.rng = random.Random(id(self))

    def request(self, kind: str, path: str, data: dict | None = None) -> int:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, body, timeout=60) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            exc.read()
            status = exc.code
        except OSError:
            status = 0
        elapsed = time.perf_counter() - started
        with self.lock:
            self.results[kind].append((elapsed, status))
        return status

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def sign_in(self) -> None:
        self.jar.clear()
        self.request("sign-in", self.urls["signin"])
        self.request("sign-in", self.urls["signin"], {"user_name": "admin", "password": PASSWORD,
                                                       "csrfmiddlewaretoken": self.csrf()})

    def run(self, deadline: float) -> None:
        self.sign_in()
        kinds, weights = zip(*MIX)
        while time.monotonic() < deadline:
            kind = self.rng.choices(kinds, weights)[0]
            if kind == "sign-in":
                self.sign_in()
                continue
            url = self.urls[kind]
            self.request(kind, self.rng.choice(url) if isinstance(url, list) else url)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Count a 302 as the answer (the sign-in's redirect), as a load tool does."""

    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp


def worker_memory(master: int) -> dict[int, int]:
    """VmRSS in KiB of each child of the gunicorn master."""
    sizes = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master}$", status, re.M):
            rss = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
            if rss:
                sizes[int(entry.name)] = int(rss.group(1))
    return sizes


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    """The PostgreSQL server's processes on this machine (their CPU is the database's)."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == "postgres":
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


class CpuMeter:
    """CPU used during the run by the gunicorn workers, PostgreSQL and this process (the
    clients): what a request costs the server, whatever else the machine is doing."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.workers = {pid: cpu_seconds(pid) for pid in worker_memory(master)}
        self.workers_now = dict(self.workers)
        self.postgres = {pid: cpu_seconds(pid) for pid in postgres_pids()}
        self.postgres_now = dict(self.postgres)
        self.client = time.process_time()
        self.load = os.getloadavg()[0]

    def sample(self) -> None:
        for pid in worker_memory(self.master):
            self.workers.setdefault(pid, 0.0)
            self.workers_now[pid] = cpu_seconds(pid)
        # A backend exits when its worker's connection is closed (IAMPORTAL_DB_CONN_MAX_AGE):
        # keep the last CPU time seen of each.
        for pid in postgres_pids():
            self.postgres.setdefault(pid, 0.0)
            self.postgres_now[pid] = cpu_seconds(pid)

    def used(self) -> tuple[float, float, float]:
        workers = sum(now - self.workers.get(pid, 0.0) for pid, now in self.workers_now.items())
        postgres = sum(now - self.postgres[pid] for pid, now in self.postgres_now.items())
        return workers, postgres, time.process_time() - self.client


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(results: dict, elapsed: float, memory: dict[int, int], args, cpu: CpuMeter) -> None:
    everything = [t for rows in results.values() for t in rows]
    errors = sum(1 for _, status in everything if status not in (200, 302))
    times = [t * 1000 for t, _ in everything]
    print(f"\n{args.clients} clients, {args.workers} gunicorn workers × {args.threads} threads, "
          f"{elapsed:.0f} s, database {os.environ.get('DATABASE_URL', 'sqlite').split('://')[0]}, "
          f"load average {cpu.load:.1f} before, {os.getloadavg()[0]:.1f} after, {os.cpu_count()} cores")
    print(f"requests: {len(everything)}  ({len(everything) / elapsed:.1f}/s)   errors: {errors}")
    print(f"latency ms: p50 {percentile(times, .5):.0f}  p95 {percentile(times, .95):.0f}  "
          f"p99 {percentile(times, .99):.0f}  mean {statistics.mean(times):.0f}")
    print(f"{'kind':<15}{'requests':>9}{'p50':>7}{'p95':>7}{'p99':>7}{'errors':>7}")
    for kind, rows in sorted(results.items()):
        ms = [t * 1000 for t, _ in rows]
        bad = sum(1 for _, s in rows if s not in (200, 302))
        print(f"{kind:<15}{len(rows):>9}{percentile(ms, .5):>7.0f}{percentile(ms, .95):>7.0f}"
              f"{percentile(ms, .99):>7.0f}{bad:>7}")
    statuses = defaultdict(int)
    for _, status in everything:
        statuses[status] += 1
    print("statuses:", dict(sorted(statuses.items())))
    workers, postgres, client = cpu.used()
    count = max(1, len(everything))
    print(f"CPU per request: workers {workers * 1000 / count:.1f} ms, PostgreSQL "
          f"{postgres * 1000 / count:.1f} ms, load generator {client * 1000 / count:.1f} ms "
          f"(of {elapsed * (os.cpu_count() or 1):.0f} core-seconds: workers {workers:.0f}, "
          f"PostgreSQL {postgres:.0f}, generator {client:.0f})")
    print("worker memory (VmRSS, largest seen): " + ", ".join(f"{kib / 1024:.0f} MiB" for kib in memory.values())
          + f"  (total {sum(memory.values()) / 1024:.0f} MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per worker (more than 1: gunicorn's gthread worker)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--alias", default="bench-5000")
    parser.add_argument("--users", type=int, default=5000, help="users to seed when the account is missing")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("note: DATABASE_URL is not PostgreSQL; the figures will not be comparable", file=sys.stderr)
    env = dict(os.environ, IAMPORTAL_DEBUG="true", IAMPORTAL_DJANGO_DEBUG="false",
               IAMPORTAL_ALLOWED_HOSTS="127.0.0.1")
    os.environ.update(env)
    urls = prepare(args.alias, args.users)
    gunicorn = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "iamportal.wsgi", "--bind", f"127.0.0.1:{args.port}",
         "--workers", str(args.workers), "--threads", str(args.threads), "--timeout", "120",
         "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):  # up to 20 s for the workers to boot
            try:
                urllib.request.urlopen(base + "/signin/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        results: dict[str, list] = defaultdict(list)
        lock = threading.Lock()
        memory: dict[int, int] = {}
        cpu = CpuMeter(gunicorn.pid)
        started = time.monotonic()
        deadline = started + args.duration
        browsers = [Browser(base, urls, results, lock) for _ in range(args.clients)]
        threads = [threading.Thread(target=b.run, args=(deadline,), daemon=True) for b in browsers]
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            for pid, kib in worker_memory(gunicorn.pid).items():
                memory[pid] = max(memory.get(pid, 0), kib)
            cpu.sample()
            time.sleep(2)
        elapsed = time.monotonic() - started
        cpu.sample()
        report(results, elapsed, memory, args, cpu)
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)


if __name__ == "__main__":
    main()
