"""Issue #14's AWS Organizations pages in a real browser, as an instructor uses them.

The root user of a new account opens AWS Organizations from the IAM navigation and creates an
organization; creates the OU "Class 1" under the root; creates an AWS account in it and reads the
new root user's one-time password (shown once, with the sign-in URL); writes a service control
policy that denies Amazon S3 in the JSON editor (a malformed first try is refused with the
engine's finding) and attaches it to the OU. The account's page then shows the policy inherited
from Class 1 on its effective path. The new account's root user signs in with the one-time
password and must choose a new one.
"""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from tests.browser import steps
from tests.browser.steps import open_nav, sign_out

ROOT_EMAIL = "owner@organizations-flow.example"
ROOT_PASSWORD = "Organizations-Owner-2026!"
TRAINEE_EMAIL = "trainee-1@organizations-flow.example"
TRAINEE_PASSWORD = "Trainee-Own-Password-2026!"
DENY_S3 = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "NoS3", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}, indent=2)


def org_nav(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="AWS Organizations").get_by_role("link", name=label, exact=True).click()


def test_the_management_account_builds_an_organization(page: Page, live_server):
    steps.sign_up(page, ROOT_EMAIL, ROOT_PASSWORD)
    steps.sign_in_as_root(page, ROOT_EMAIL, ROOT_PASSWORD)

    # Create the organization.
    open_nav(page, "AWS Organizations")
    expect(page.get_by_role("heading", name="Create an organization")).to_be_visible()
    page.get_by_role("button", name="Create an organization").click()
    expect(page.get_by_text(re.compile(r"Organization o-[a-z0-9]{10} created\."))).to_be_visible()
    expect(page.get_by_role("heading", name="AWS accounts (1)")).to_be_visible()

    # An OU under the root.
    page.get_by_role("link", name="Create an organizational unit").click()
    page.get_by_label("Organizational unit name").fill("Class 1")
    page.get_by_role("button", name="Create organizational unit").click()
    expect(page.get_by_text("Organizational unit Class 1 created.")).to_be_visible()
    expect(page.get_by_role("heading", name="Root", exact=True)).to_be_visible()

    # An account in it: the root's one-time password, once.
    org_nav(page, "AWS accounts")
    page.get_by_role("link", name="Create an AWS account").click()
    page.get_by_label("AWS account name").fill("Trainee 1")
    page.get_by_label("Email address of the account's owner").fill(TRAINEE_EMAIL)
    page.get_by_label("Organizational unit").select_option(label="Root / Class 1")
    page.get_by_role("button", name="Create AWS account").click()
    expect(page.get_by_role("heading", name="AWS account created")).to_be_visible()
    account_id = page.get_by_test_id("new-account-id").inner_text().strip()
    page.get_by_text("Show password").click()
    one_time_password = page.get_by_test_id("console-password").inner_text().strip()
    signin_url = page.locator("dt:has-text('Console sign-in URL') + dd").inner_text().strip()
    assert signin_url.endswith("/signin/") and len(one_time_password) >= 8
    page.reload()
    expect(page.get_by_role("heading", name="Password no longer available")).to_be_visible()

    # The tree shows it under Class 1.
    org_nav(page, "AWS accounts")
    tree = page.locator(".org-tree")
    expect(tree.locator("li.org-node", has_text="Class 1").get_by_role("link", name="Trainee 1")).to_be_visible()

    # A Deny SCP, written in the JSON editor; a malformed first try is refused.
    org_nav(page, "Service control policies")
    expect(page.get_by_role("cell", name="AWS managed").first).to_be_visible()
    page.get_by_role("link", name="Create policy").click()
    page.get_by_label("Policy name").fill("DenyS3")
    editor = page.get_by_label("Policy editor")
    editor.fill(DENY_S3.replace('"s3:*"', '"S3Everything"'))
    page.get_by_role("button", name="Create policy").click()
    expect(page.locator(".editor-findings .finding-error").first).to_be_visible()
    editor.fill(DENY_S3)
    page.get_by_role("button", name="Create policy").click()
    expect(page.get_by_text("Policy DenyS3 created.")).to_be_visible()

    # Attached to the OU.
    page.get_by_role("link", name="Attach").click()
    page.get_by_role("checkbox", name=re.compile(r"^Root \/ Class 1 \(ou-")).check()
    page.get_by_role("button", name="Attach policy").click()
    expect(page.get_by_text("Policy DenyS3 attached.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"Class 1 Organizational unit"))).to_be_visible()

    # The account inherits it on its effective path.
    page.goto(f"/organizations/accounts/{account_id}/")
    inherited = page.locator(".org-levels > li", has_text="Inherited from Class 1")
    expect(inherited.get_by_role("link", name="DenyS3", exact=True)).to_be_visible()
    expect(page.locator(".org-levels > li", has_text="Attached directly to Trainee 1")
           .get_by_role("link", name="FullAWSAccess", exact=True)).to_be_visible()

    # On a phone (390 px) the pages fit the screen: no sideways scrolling of the page.
    page.set_viewport_size({"width": 390, "height": 844})
    for url in (f"/organizations/accounts/{account_id}/", "/organizations/accounts/", "/organizations/policies/"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
    sign_out(page)

    # The new account's root signs in with the one-time password and must choose its own.
    page.goto("/signin/")
    page.get_by_label("Root user email address").fill(TRAINEE_EMAIL)
    page.get_by_label("Password").fill(one_time_password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("password", re.I)).first).to_be_visible()
