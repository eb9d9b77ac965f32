"""The visual policy editor's data: payload sizes and server time per request.

    python benchmarks/visual_editor.py                 # sizes, build and request times
    python benchmarks/visual_editor.py --rounds 50     # more timed requests per URL
    python benchmarks/visual_editor.py --browser       # and Chromium's time to render EC2's actions

Printed:

1. the service list (``/iam/policies/service-data/``, what the editor loads up front): bytes,
   gzip'd bytes (what a browser, which accepts gzip, is sent), time to build it once per process;
2. the largest services (``/iam/policies/service-data/?service=<prefix>``, one loaded when a
   statement picks it) and the total over every service: bytes, gzip'd bytes, cold build ms (first
   request in a process), then median/p95 ms of a request through Django's test client
   (middleware, session, identity) and of a revalidation (``If-None-Match`` -> 304);
3. with ``--browser``: a dev server on a free loopback port and Debian's Chromium: the time
   from choosing Amazon EC2 in the Visual tab to its access-level groups on screen, then to
   every action rendered (the filter opens all groups at once: the worst case).

It uses a throw-away SQLite database under $TMPDIR (one root user signs in). Nothing here is
imported by the portal or its tests; no test asserts a timing.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMAIL, PASSWORD = "bench@visual.example", "Bench-Visual-2026!"


def _setup_django(database: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iamportal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.DEBUG = False
    call_command("migrate", verbosity=0)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f}"


def _timed(client, url: str, rounds: int, **headers) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(url, **headers)
        times.append(time.perf_counter() - start)
        assert response.status_code in (200, 304), (url, response.status_code)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def server(rounds: int) -> None:
    from django.test import Client

    from accounts import services as accounts_services
    from policies.engine import catalogue
    from policies.views import service_data

    root = accounts_services.sign_up(email=EMAIL, password=PASSWORD)
    client = Client()
    client.force_login(root)

    start = time.perf_counter()
    catalogue.services()
    load = time.perf_counter() - start
    print(f"catalogue loaded in {load * 1000:.0f} ms ({len(catalogue.services())} services)\n")

    start = time.perf_counter()
    body, _ = service_data.service_list()
    built = time.perf_counter() - start
    url = "/iam/policies/service-data/"
    etag = client.get(url)["ETag"]
    med, p95 = _timed(client, url, rounds)
    med304, p95304 = _timed(client, url, rounds, HTTP_IF_NONE_MATCH=etag)
    print(f"{'URL':46} {'bytes':>9} {'gzip':>8} {'build ms':>8} {'med ms':>8} {'p95 ms':>8} {'304 med':>8}")
    print("-" * 100)
    print(f"{url:46} {len(body):9,} {len(gzip.compress(body)):8,} {_ms(built)} {_ms(med)} {_ms(p95)} {_ms(med304)}")

    sizes = {}
    builds = {}
    for prefix in catalogue.services():
        start = time.perf_counter()
        detail, _ = service_data.service_detail(prefix)
        builds[prefix] = time.perf_counter() - start
        sizes[prefix] = detail
    largest = sorted(sizes, key=lambda p: len(sizes[p]), reverse=True)[:6]
    for prefix in largest + [p for p in ("s3", "iam") if p not in largest]:
        detail_url = f"/iam/policies/service-data/?service={prefix}"
        tag = client.get(detail_url)["ETag"]
        med, p95 = _timed(client, detail_url, rounds)
        med304, _ = _timed(client, detail_url, rounds, HTTP_IF_NONE_MATCH=tag)
        body = sizes[prefix]
        print(f"{detail_url:46} {len(body):9,} {len(gzip.compress(body)):8,} {_ms(builds[prefix])} "
              f"{_ms(med)} {_ms(p95)} {_ms(med304)}")
    total = sum(len(b) for b in sizes.values())
    print(f"{'every service (' + str(len(sizes)) + '), summed':46} {total:9,} "
          f"{sum(len(gzip.compress(b)) for b in sizes.values()):8,} {_ms(sum(builds.values()))}")
    print(f"\nactions per service: max {max(len(catalogue.actions_for_service(p)) for p in sizes)} "
          f"({largest[0]}); the editor fetches one service when a statement picks it.")


def browser(database: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    sys.path.insert(0, str(ROOT / "tools"))
    import screenshots  # its dev-server helpers

    port = screenshots.serving_port(8765)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DJANGO_DEBUG": "0"}
    log = database.with_suffix(".log")
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "runserver", "--noreload",
                                 "--insecure", f"127.0.0.1:{port}"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        screenshots.wait_until_serving(base + "/signin/", proc, log)
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=screenshots.CHROMIUM, headless=True,
                                                  args=screenshots.CHROMIUM_ARGS)
            page = chromium.new_page(base_url=base)
            page.goto("/signin/")
            page.get_by_label("Root user email address").fill(EMAIL)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/console/**")
            rows = []
            for attempt in range(3):
                page.goto("/iam/policies/create/")
                page.get_by_role("tab", name="Visual").click()
                card = page.locator(".ve-card").first
                card.get_by_label("Choose a service").fill("ec2")
                start = time.perf_counter()
                card.get_by_role("button", name="Amazon EC2 ec2").click()
                expect(card.locator("details.ve-level").first).to_be_visible()
                groups = time.perf_counter() - start
                start = time.perf_counter()
                card.get_by_label("Filter actions").fill("e")
                count = card.locator(".ve-action-list li").count()
                every = time.perf_counter() - start
                rows.append((groups, every, count))
            chromium.close()
        print("\nChromium, Amazon EC2 in the Visual tab (3 page loads; the first fetches EC2's data):")
        for groups, every, count in rows:
            print(f"  choose EC2 -> groups shown {groups * 1000:7.1f} ms;  filter 'e' -> {count} actions rendered "
                  f"{every * 1000:7.1f} ms")
    finally:
        screenshots.stop(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--browser", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="iamportal-ve-") as tmp:
        database = Path(tmp) / "db.sqlite3"
        _setup_django(database)
        server(args.rounds)
        if args.browser:
            browser(database)


if __name__ == "__main__":
    main()
