"""Take the README's screenshots of the console: 1280×800 PNGs in docs/screenshots/.

Run it by hand from the repository, with the project's virtualenv::

    .venv/bin/python tools/screenshots.py            # or `python tools/screenshots.py` in the venv
    .venv/bin/python tools/screenshots.py --out /tmp/shots

What it does:

1. creates a throw-away SQLite database in a temporary directory under /tmp
   (``DATABASE_URL=sqlite:////tmp/iamportal-shots-…/db.sqlite3``), runs ``migrate`` and
   ``loaddemo`` (the coffee-shop demo) against it;
2. starts ``manage.py runserver`` on ``127.0.0.1:8000`` (no autoreload), or on a free
   loopback port when 8000 is taken: the console builds its URLs from the request, so the
   sign-in URLs in the pictures are those of the port it served on (8000: what ``make run``
   prints);
3. drives Debian's Chromium (``/usr/bin/chromium``, or ``$IAMPORTAL_CHROMIUM``) with
   Playwright through the console as a person would, and saves:

   =====================  ==========================================================
   ``console-home.png``   Console Home, where the demo's root user lands after sign-in
   ``dashboard.png``      the IAM dashboard
   ``users.png``          Users
   ``create-user.png``    Create user, step 1 (Specify user details)
   ``user-detail.png``    the user maria
   ``mfa-assign.png``     Assign MFA device, step 2: the QR code (root's own device)
   ``policy-editor.png``  Create policy: the JSON editor with a validation finding
   ``visual-editor.png``  Create policy, the Visual tab: S3 actions by access level, the ARN
                          builder (1280×1200, the one taller shot)
   ``access-denied.png``  the AccessDenied page maria (no IAM permissions) gets on the dashboard
   ``event-history.png``  Event history: the sign-ins, the MFA device and maria's refusal
   =====================  ==========================================================

4. stops the server it started and deletes the temporary directory.

Nothing outside the temporary directory and the output directory is touched; your own
``db.sqlite3`` is not used. Never ``playwright install``: Debian's Chromium is used.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("IAMPORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-quic", "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}

# A policy with a misspelt action: the editor's live validation reports it.
MISSPELT_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "ReadReceipts", "Effect": "Allow", "Action": "s3:GetObjekt",
         "Resource": "arn:aws:s3:::cash-register/*"},
    ],
}

# The visual editor's shot: read receipts from one bucket (actions of two access levels).
VISUAL_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "ReadReceipts", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject"],
         "Resource": ["arn:aws:s3:::cash-register", "arn:aws:s3:::cash-register/*"]},
    ],
}


def serving_port(preferred: int = 8000) -> int:
    """``preferred`` when nothing listens on it, else a free port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
        except OSError:
            sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def wait_until_serving(url: str, server: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"The dev server exited ({server.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise SystemExit(f"The dev server did not answer at {url} within {timeout:.0f} s:\n{log.read_text()}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def take_screenshots(base_url: str, out: Path, demo) -> list[Path]:
    from playwright.sync_api import expect, sync_playwright

    saved: list[Path] = []

    def shot(page, name: str) -> None:
        path = out / name
        page.screenshot(path=str(path))  # the viewport: 1280×800
        saved.append(path)
        print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    def nav(page, label: str) -> None:
        page.get_by_role("navigation", name="Identity and Access Management").get_by_role(
            "link", name=label, exact=True).click()

    def sign_out(page) -> None:
        page.locator(".identity-menu summary").click()
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_text("You have signed out.")).to_be_visible()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT, base_url=base_url)
            context.set_default_timeout(15000)
            page = context.new_page()

            # The owner (root user) signs in.
            page.goto("/signin/")
            page.get_by_label("Root user email address").fill(demo.ROOT_EMAIL)
            page.get_by_label("Password").fill(demo.PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Console Home")).to_be_visible()
            shot(page, "console-home.png")

            nav(page, "Dashboard")
            expect(page.get_by_role("heading", name="IAM Dashboard")).to_be_visible()
            shot(page, "dashboard.png")

            nav(page, "Users")
            expect(page.get_by_role("link", name=demo.EMPLOYEE, exact=True)).to_be_visible()
            shot(page, "users.png")

            page.get_by_role("link", name="Create user").first.click()
            expect(page.get_by_role("heading", name="Specify user details")).to_be_visible()
            page.get_by_label("User name", exact=True).fill("jordan")
            page.get_by_label("Provide user access to the AWS Management Console – optional").check()
            shot(page, "create-user.png")

            nav(page, "Users")
            page.get_by_role("link", name=demo.EMPLOYEE, exact=True).click()
            expect(page.get_by_role("heading", name=demo.EMPLOYEE, level=1)).to_be_visible()
            shot(page, "user-detail.png")

            # Root's own Security credentials › Assign MFA device › the QR code.
            page.locator(".identity-menu summary").click()
            page.locator(".identity-panel").get_by_role("link", name="Security credentials").click()
            page.get_by_role("link", name="Assign MFA device").click()
            page.get_by_role("textbox", name="Device name").fill("owner-phone")
            page.get_by_role("button", name="Next", exact=True).click()
            expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
            shot(page, "mfa-assign.png")

            # Policies › Create policy with a misspelt action: the live finding.
            nav(page, "Policies")
            page.get_by_role("link", name="Create policy").first.click()
            page.get_by_label("Policy editor").fill(json.dumps(MISSPELT_POLICY, indent=2))
            expect(page.locator(".findings .finding").first).to_be_visible()
            expect(page.locator(".findings")).to_contain_text("s3:GetObjekt")
            shot(page, "policy-editor.png")

            # The same editor's Visual tab: the policy as checkboxes, and the ARN builder.
            page.get_by_label("Policy editor").fill(json.dumps(VISUAL_POLICY, indent=4))
            expect(page.locator(".editor-findings")).to_contain_text("No errors, warnings or suggestions.")
            page.get_by_role("tab", name="Visual").click()
            statement = page.locator(".ve-card").first
            expect(statement.locator("h3")).to_have_text("Statement 1: Amazon S3")
            statement.get_by_label("Filter actions").fill("GetObject")
            statement.get_by_role("button", name="Add ARN for object").click()
            builder = statement.get_by_role("group", name="Specify ARN for object")
            builder.get_by_label("BucketName", exact=True).fill("cash-register")
            builder.get_by_label("Any object name").check()
            page.set_viewport_size({"width": 1280, "height": 1200})
            page.evaluate("document.querySelector('.ve-card h3').scrollIntoView({block: 'start'}); window.scrollBy(0, 160)")
            shot(page, "visual-editor.png")
            page.set_viewport_size(VIEWPORT)

            # maria, with no IAM permissions, signs in (Console Home) and opens the
            # dashboard: AccessDenied.
            sign_out(page)
            page.goto(f"/signin/{demo.ALIAS}/")
            page.get_by_label("IAM user name").fill(demo.EMPLOYEE)
            page.get_by_label("Password").fill(demo.PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Console Home")).to_be_visible()
            page.goto("/iam/")
            expect(page.get_by_role("heading", name="Access denied")).to_be_visible()
            shot(page, "access-denied.png")

            # The owner again: Event history shows what everyone did, maria's refusal included.
            sign_out(page)
            page.goto("/signin/")
            page.get_by_label("Root user email address").fill(demo.ROOT_EMAIL)
            page.get_by_label("Password").fill(demo.PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            nav(page, "Event history")
            expect(page.get_by_role("heading", name="Event history", level=1)).to_be_visible()
            expect(page.get_by_role("cell", name="AccessDenied").first).to_be_visible()
            shot(page, "event-history.png")
            context.close()
        finally:
            browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"output directory (default {OUT})")
    options = parser.parse_args()
    out = options.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium).")

    workdir = Path(tempfile.mkdtemp(prefix="iamportal-shots-", dir="/tmp"))
    port = serving_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "iamportal.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",  # sqlite:////tmp/…: an absolute path
        "IAMPORTAL_BASE_URL": base_url,  # where no request is (loaddemo prints it)
        "IAMPORTAL_DEBUG": "true",  # development mode: WhiteNoise serves the static files
        "PYTHONUNBUFFERED": "1",
    }
    # The demo's names and password, from the code that loads them.
    os.environ.update({key: env[key] for key in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "IAMPORTAL_BASE_URL")})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from accounts import demo

    server = None
    log = workdir / "runserver.log"
    try:
        print(f"Database {env['DATABASE_URL']}: migrate, loaddemo")
        manage(env, "migrate", "--noinput")
        manage(env, "loaddemo")
        print(f"Serving on {base_url}")
        with log.open("wb") as log_file:
            server = subprocess.Popen(
                [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"],
                cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        wait_until_serving(base_url + "/signin/", server, log)
        print(f"Screenshots into {out}:")
        saved = take_screenshots(base_url, out, demo)
    finally:
        if server is not None:
            stop(server)
            print(f"Stopped the dev server (pid {server.pid}).")
        shutil.rmtree(workdir, ignore_errors=True)
    too_big = [path for path in saved if path.stat().st_size >= 200_000]
    for path in too_big:
        print(f"warning: {path.name} is {path.stat().st_size // 1000} KB (aim for < 200 KB)")


if __name__ == "__main__":
    main()
