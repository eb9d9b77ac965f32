"""Deployment hardening (docs/security.md, "Deployment hardening"): the Content-Security-Policy
every response carries and the pages satisfy, X-Forwarded-Proto from trusted proxies only,
and absolute URLs built from the request that was served."""

from __future__ import annotations

import csv
import io
import re
from collections import deque
from html import unescape
from ipaddress import ip_network
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client

from accounts import demo, role_sessions
from tests.accounts.test_mfa_helpers import own_urls, start_enrolment
from tests.conftest import csrf_post, grant, signed_in_client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
HREF = re.compile(r'href="(/[^"#]*)')


def inline_code(html: str) -> list[str]:
    """What a strict CSP (no 'unsafe-inline', no nonces) would block in ``html``."""
    found = []
    for pattern in (INLINE_SCRIPT, STYLE_ATTRIBUTE, STYLE_ELEMENT, EVENT_HANDLER):
        found += [match.group(0)[:120] for match in pattern.finditer(html)]
    return found


def crawl(client: Client, start: list[str], limit: int = 150) -> dict[str, object]:
    """GET ``start`` and every same-origin link reachable from it (up to ``limit`` pages);
    sign-out and downloads excluded. Returns path -> response."""
    seen: dict[str, object] = {}
    queue = deque(start)
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen or path.startswith(("/signout", "/static/")) or "csv" in path:
            continue
        response = client.get(path)
        seen[path] = response
        if response.get("Content-Type", "").startswith("text/html"):
            queue.extend(unescape(href) for href in HREF.findall(response.content.decode()))
    return seen


def signed_in_demo(name: str | None = None) -> Client:
    """The demo's owner (root) or one of its IAM users, signed in through the real pages."""
    client = Client(enforce_csrf_checks=True)
    if name is None:
        client.get("/signin/")
        data, url = {"email": demo.ROOT_EMAIL, "password": demo.PASSWORD}, "/signin/"
    else:
        url = f"/signin/{demo.ALIAS}/"
        client.get(url)
        data = {"user_name": name, "password": demo.PASSWORD}
    assert csrf_post(client, url, data).status_code == 302
    return client


# ---------------------------------------------------------------------------
# Content-Security-Policy


def assert_strict(responses: dict[str, object]) -> None:
    for path, response in responses.items():
        assert response.status_code < 500, path
        assert response["Content-Security-Policy"] == CSP, path
        if response.get("Content-Type", "").startswith("text/html"):
            assert inline_code(response.content.decode()) == [], path


def test_every_page_of_the_demo_carries_the_policy_and_satisfies_it():
    demo.load_demo()
    anonymous = crawl(Client(), ["/", "/signin/", "/signup/", f"/signin/{demo.ALIAS}/", "/no-such-page/"])
    owner = crawl(signed_in_demo(), ["/iam/"])
    maria = signed_in_demo(demo.EMPLOYEE)
    # In a role session the identity menu and Switch role page show the role's colour.
    assert csrf_post(maria, "/switchrole", {"account": demo.ALIAS, "role_name": "Cashier",
                                            "colour": "B7CA9D"}).status_code == 302
    session = crawl(maria, ["/switchrole", "/iam/"], limit=40)
    assert len(owner) > 40 and "/switchrole" in session
    assert 'class="role-badge colour-B7CA9D"' in session["/switchrole"].content.decode()
    for responses in (anonymous, owner, session):
        assert_strict(responses)


def test_the_policy_reaches_error_pages_redirects_and_static_files(client):
    for path in ("/no-such-page/", "/", "/favicon.ico", "/static/css/console.css"):
        assert client.get(path)["Content-Security-Policy"] == CSP, path


def test_the_mfa_qr_code_is_inline_svg_without_style(root_client, root):
    start_enrolment(root_client, own_urls(), root)
    page = root_client.get(own_urls()["setup"])
    assert page.status_code == 200 and "<svg" in page.content.decode()
    assert inline_code(page.content.decode()) == []


def test_no_template_holds_inline_script_or_style():
    for template in (ROOT / "templates").rglob("*.html"):
        assert inline_code(template.read_text()) == [], template


def test_every_role_colour_has_its_css_class():
    css = (ROOT / "static/css/console.css").read_text()
    for hex_value, _name in role_sessions.COLOURS:
        assert f".colour-{hex_value} {{ --role-colour: #{hex_value.lower()}; }}" in css


# ---------------------------------------------------------------------------
# X-Forwarded-Proto


@pytest.fixture
def secure_only(alice, settings):
    """alice may list users over HTTPS only (aws:SecureTransport); the proxy is 10.0.0.1."""
    settings.TRUSTED_PROXIES = [ip_network("10.0.0.1")]
    grant(alice, {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
                  "Condition": {"Bool": {"aws:SecureTransport": "true"}}})
    return signed_in_client(alice)


def test_the_trusted_proxy_reports_https(secure_only):
    response = secure_only.get("/iam/users/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200


def test_a_client_cannot_claim_https_itself(secure_only):
    response = secure_only.get("/iam/users/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 403
    assert "iam:ListUsers" in response.content.decode()


def test_the_trusted_proxy_reporting_http_is_http(secure_only):
    response = secure_only.get("/iam/users/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_PROTO="http")
    assert response.status_code == 403


def test_the_https_redirect_ignores_a_forged_header(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.TRUSTED_PROXIES = [ip_network("10.0.0.0/24")]
    forged = client.get("/signin/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")
    assert forged.status_code == 301 and forged["Location"] == "https://testserver/signin/"
    proxied = client.get("/signin/", REMOTE_ADDR="10.0.0.7", HTTP_X_FORWARDED_PROTO="https")
    assert proxied.status_code == 200


def test_trusted_proxies_come_from_the_environment():
    from tests.test_settings import _manage

    shown = _manage("shell", "-c", "from django.conf import settings; print(settings.TRUSTED_PROXIES)",
                    IAMPORTAL_TRUSTED_PROXIES="10.0.0.5, 10.1.0.0/16")
    assert "IPv4Network('10.0.0.5/32'), IPv4Network('10.1.0.0/16')" in shown.stdout, shown.stderr
    refused = _manage("check", IAMPORTAL_TRUSTED_PROXIES="proxy.example")
    assert refused.returncode != 0
    assert "IAMPORTAL_TRUSTED_PROXIES must list IP addresses or networks" in refused.stderr


# ---------------------------------------------------------------------------
# Absolute URLs: from the request that was served (make run PORT=8211)

HOST = {"HTTP_HOST": "127.0.0.1:8211"}


def test_the_dashboard_prints_the_sign_in_url_of_the_port_serving_it(root_client, account):
    page = root_client.get("/iam/", **HOST).content.decode()
    assert f"http://127.0.0.1:8211/signin/{account.account_id}/" in page
    assert ":8000" not in page


def test_user_pages_and_account_settings_use_the_serving_host(root_client, account, alice):
    for path in ("/iam/users/alice/?tab=security_credentials", "/iam/account/"):
        page = root_client.get(path, **HOST).content.decode()
        assert f"http://127.0.0.1:8211/signin/{account.account_id}/" in page, path
        assert ":8000" not in page, path


def test_the_role_pages_switch_link_uses_the_serving_host(root_client, account):
    from accounts import roles

    roles.create_role(account, name="Cashier", trust_policy=roles.account_trust_policy(account.account_id))
    page = root_client.get("/iam/roles/Cashier/", **HOST).content.decode()
    assert f"http://127.0.0.1:8211/switchrole?roleName=Cashier&amp;account={account.account_id}" in page


def test_the_new_users_page_and_csv_name_the_serving_host(root_client, account):
    from tests.accounts.test_user_create_wizard import create

    root_client.defaults.update(HOST)
    response = create(root_client, {"user_name": "maria", "console_access": "on",
                                    "password_type": "autogenerated"})
    assert f"http://127.0.0.1:8211/signin/{account.account_id}/" in response.content.decode()
    download = csrf_post(root_client, "/iam/users/create/credentials/")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[1][-1] == f"http://127.0.0.1:8211/signin/{account.account_id}/"


def test_a_host_outside_allowed_hosts_is_refused(root_client):
    response = root_client.get("/iam/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "evil.example" not in response.content.decode()


def test_make_run_passes_its_host_and_port_to_the_printed_urls():
    import subprocess

    dry_run = subprocess.run(["make", "-n", "run", "PORT=8211"], cwd=ROOT, capture_output=True,
                             text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert "IAMPORTAL_BASE_URL=http://127.0.0.1:8211" in dry_run.stdout, dry_run.stdout + dry_run.stderr
    assert "runserver 127.0.0.1:8211" in dry_run.stdout


def test_links_on_a_crawl_stay_on_the_serving_host():
    demo.load_demo()
    client = signed_in_demo()
    for path, response in crawl(client, ["/iam/"], limit=60).items():
        if response.get("Content-Type", "").startswith("text/html"):
            for url in re.findall(r'href="(https?://[^"]+)"', response.content.decode()):
                assert urlsplit(url).netloc == "testserver", (path, url)
