"""In Chromium, under the portal's strict Content-Security-Policy: no page has anything
blocked, the role colours still show, and the favicon loads (#9 L6, #11 item 6)."""

from __future__ import annotations

import pytest

from accounts import demo

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = ["/iam/", "/iam/users/", "/iam/users/maria/", "/iam/groups/", "/iam/roles/", "/iam/roles/Cashier/",
         "/iam/policies/", "/iam/policies/create/", "/iam/policies/simulator/", "/iam/account/",
         "/iam/security-credentials/", "/no-such-page/"]


def watch(page) -> tuple[list[str], list[str]]:
    """What the browser refused (CSP violations in the console) and what answered 404."""
    refused: list[str] = []
    missing: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)
    return refused, missing


def sign_in(page, path: str, fields: dict[str, str]) -> None:
    page.goto(path)
    for label, value in fields.items():
        page.get_by_label(label).fill(value)
    page.get_by_label("Password").fill(demo.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/signin/" not in page.url


def test_the_console_runs_under_its_content_security_policy(page, live_server):
    demo.load_demo()
    refused, missing = watch(page)
    sign_in(page, "/signin/", {"Root user email address": demo.ROOT_EMAIL})
    for path in PAGES:
        page.goto(path)
    assert refused == []
    assert [url for url in missing if not url.endswith("/no-such-page/")] == []
    # The favicon is the portal's, and /favicon.ico (asked for by pages without a link) leads to it.
    assert page.goto("/favicon.ico").status == 200
    assert page.url.endswith("/static/favicon.svg")


def test_a_role_session_shows_its_colour_from_the_stylesheet(page, live_server):
    demo.load_demo()
    refused, _missing = watch(page)
    sign_in(page, f"/signin/{demo.ALIAS}/", {"IAM user name": demo.EMPLOYEE})
    page.goto("/switchrole")
    page.locator("#id_account").fill(demo.ALIAS)
    page.get_by_label("IAM role name").fill("Cashier")
    page.locator("label", has_text="Green").click()
    page.get_by_role("button", name="Switch Role").click()
    badge = page.locator(".identity-menu summary")
    assert badge.evaluate("element => getComputedStyle(element).backgroundColor") == "rgb(183, 202, 157)"
    page.goto("/switchrole")
    assert refused == []
