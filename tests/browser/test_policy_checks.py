"""Issue 13, custom policy checks, in Chromium: the Check policy tab runs "Check for new access"
against the previous version and "Check that these actions are not granted", shows the statements
responsible, works without JavaScript and fits a 390 px phone."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts import roles
from accounts import services as accounts_services
from policies import services as policy_services
from tests.browser import steps
from tests.policies.helpers import doc

READ = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::receipts/*"}
DELETE = {"Sid": "DeleteAll", "Effect": "Allow", "Action": "s3:Delete*", "Resource": "*"}


EMAIL, PASSWORD = "checks@coffee.example", "Checks-Passw0rd!"


@pytest.fixture
def root(live_server):
    return accounts_services.sign_up(email=EMAIL, password=PASSWORD)


def test_checks_tab_without_javascript_at_390_px(browser: Browser, live_server, root):
    account = root.account
    policy = policy_services.create_policy(account, name="Receipts", document=doc(READ))
    policy_services.create_policy_version(policy, document=doc(READ, DELETE), set_as_default=True)
    roles.create_role(account, name="Open", trust_policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]}))
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False,
                                  viewport={"width": 390, "height": 844})
    page: Page = context.new_page()
    try:
        steps.sign_in_as_root(page, EMAIL, PASSWORD)
        page.goto(f"/iam/policies/{policy.owner}/Receipts/")
        page.get_by_role("link", name="Check policy").click()
        page.get_by_label("Version v1 of this policy (the previous version)").check()
        page.get_by_role("button", name="Check for new access").click()
        expect(page.get_by_role("status")).to_contain_text("grant new access")
        expect(page.get_by_text("New access in the statement with index: 1.")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        page.get_by_label("Actions", exact=True).fill("iam:PassRole\ns3:PutObject")
        page.get_by_role("button", name="Check access").click()
        expect(page.get_by_role("status")).to_contain_text("does not grant access")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        page.goto("/iam/roles/Open/?tab=trust")
        page.get_by_role("link", name="Check the trust policy").click()
        page.get_by_role("button", name="Check for public access").click()
        expect(page.get_by_role("status")).to_contain_text("grants public access")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


@pytest.mark.parametrize("javascript", [False, True])
def test_draft_check_on_the_editor_keeps_the_text(browser: Browser, live_server, root,
                                                  javascript):
    """Edit policy › Check for new access: the draft is checked against the default version
    without saving; the answer and the edited text are on the page, with or without JavaScript."""
    account = root.account
    policy = policy_services.create_policy(account, name="Receipts", document=doc(READ))
    context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript,
                                  viewport={"width": 390, "height": 844})
    page: Page = context.new_page()
    draft = doc(READ, DELETE)
    try:
        steps.sign_in_as_root(page, EMAIL, PASSWORD)
        page.goto(f"/iam/policies/{policy.owner}/Receipts/edit/")
        page.get_by_label("Policy editor").fill(draft)
        page.get_by_role("button", name="Check for new access").click()
        expect(page.get_by_role("status")).to_contain_text("grant new access")
        expect(page.get_by_text("New access in the statement with index: 1.")).to_be_visible()
        assert json.loads(page.get_by_label("Policy editor").input_value()) == json.loads(draft)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert policy.versions.count() == 1  # nothing saved
    finally:
        context.close()


def test_inline_policy_checks_against_a_pasted_policy_without_javascript(browser: Browser,
                                                                         live_server, root):
    """A role's inline policy › Check policy › Check for new access against a pasted document."""
    account = root.account
    role = roles.create_role(account, name="Worker", trust_policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "ec2.amazonaws.com"}}]}))
    policy_services.put_inline_policy(role, name="Work", document=doc(READ, DELETE))
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False,
                                  viewport={"width": 390, "height": 844})
    page: Page = context.new_page()
    try:
        steps.sign_in_as_root(page, EMAIL, PASSWORD)
        page.goto("/iam/roles/Worker/policies/inline/Work/")
        page.get_by_role("link", name="Check policy").click()
        page.get_by_label("A policy document (JSON)").check()
        page.get_by_label("Reference policy JSON").fill(doc(READ))
        page.get_by_role("button", name="Check for new access").click()
        expect(page.get_by_role("status")).to_contain_text("grant new access")
        expect(page.get_by_text("New access in the statement with index: 1.")).to_be_visible()
        expect(page.get_by_label("A policy document (JSON)")).to_be_checked()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
