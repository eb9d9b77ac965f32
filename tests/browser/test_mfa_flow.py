"""Issue 5's MFA flow in a real browser, as a person does it.

The root user sets up, through the console: a customer managed policy with AWS's
example "Allows MFA-authenticated IAM users to manage their own credentials on the
Security credentials page" (iam-facts §6.2, ``DenyAllExceptListedIfNoMFA``), pasted
into the JSON policy editor; a group with that policy attached on the Create user group
page; an IAM user in the group, made with the create-user wizard.

The user signs in without MFA and is denied with the explicit deny message, opens their
own Security credentials, assigns a virtual MFA device by reading the secret key from
the page and typing two consecutive codes, signs out, signs in again with a code at the
MFA challenge, and may now do what the policy allows only after MFA (change their own
password, open the Remove MFA device page).

Codes come from the secret shown on the page (RFC 6238, as an authenticator app would
compute them), never from the database.
"""

from __future__ import annotations

import base64
import json
import re
import time

from django_otp.oath import hotp
from playwright.sync_api import Page, expect

from tests.aws_examples import MANAGE_OWN_CREDENTIALS_WITH_MFA
from tests.browser import steps
from tests.browser.steps import open_identity_menu_link, open_nav, sign_out

ROOT_EMAIL = "owner@mfa-flow.example"
ROOT_PASSWORD = "Mfa-Flow-Owner-2026!"
USER = "alice"
PASSWORD = "Alice-Before-Mfa-2026!"
NEW_PASSWORD = "Alice-After-Mfa-2026?"
POLICY = "Force_MFA"
GROUP = "MFA-Required"
DEVICE = "alice-phone"
FORCE_MFA = MANAGE_OWN_CREDENTIALS_WITH_MFA  # iam-facts §6.2


# -- An authenticator app: RFC 6238 (SHA-1, 6 digits, 30-second steps) from the base32 key.

def time_step(now: float | None = None) -> int:
    return int(time.time() if now is None else now) // 30


def code_at(secret_base32: str, step: int) -> str:
    key = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    return f"{hotp(key, step, digits=6):06d}"


# -- What a person does with the console.









def root_sets_up_the_account(page: Page) -> tuple[str, str]:
    """Sign up; the policy, the group, the user. Returns (account id, the user's sign-in path)."""
    account_id = steps.sign_up(page, ROOT_EMAIL, ROOT_PASSWORD)

    # Policies › Create policy: paste the JSON, check the findings, name it.
    open_nav(page, "Policies")
    page.get_by_role("link", name="Create policy").first.click()
    expect(page.get_by_role("heading", name="Specify permissions")).to_be_visible()
    page.get_by_label("Policy editor").fill(json.dumps(FORCE_MFA, indent=2))
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.get_by_role("heading", name="Review and create")).to_be_visible()
    page.get_by_label("Policy name").fill(POLICY)
    page.get_by_role("button", name="Create policy", exact=True).last.click()
    expect(page.get_by_text(f"Policy {POLICY} created.")).to_be_visible()

    # User groups › Create group, with the policy ticked in the picker.
    open_nav(page, "User groups")
    page.get_by_role("link", name="Create group").first.click()
    page.get_by_label("User group name").fill(GROUP)
    page.get_by_role("checkbox", name=POLICY, exact=True).check()
    page.get_by_role("button", name="Create user group").click()
    expect(page.get_by_text(f"{GROUP} user group created.")).to_be_visible()

    # Users › Create user: console access with a custom password, in the group. The policy
    # denies ChangePassword until MFA, as AWS warns: so no reset at first sign-in.
    signin_path = steps.create_user_in_group(page, USER, PASSWORD, GROUP)
    assert signin_path == f"/signin/{account_id}/"
    sign_out(page)
    return account_id, signin_path


def test_a_user_under_the_force_mfa_policy_assigns_a_device_and_signs_in_with_it(page: Page, live_server):
    account_id, signin_path = root_sets_up_the_account(page)
    user_arn = f"arn:aws:iam::{account_id}:user/{USER}"

    def explicit_deny(action: str, resource: str = "*") -> str:
        return (f"User: {user_arn} is not authorized to perform: {action} on resource: {resource} "
                f"with an explicit deny in an identity-based policy")

    # -- Signed in without MFA: Console Home; denied everywhere else, with the explicit deny message.
    steps.sign_in_as_user(page, signin_path, USER, PASSWORD)
    expect(page.locator(".identity-menu summary")).to_contain_text(f"{USER} @ {account_id}")
    expect(page.get_by_role("heading", name="Console Home")).to_be_visible()
    page.goto("/iam/")
    expect(page.get_by_role("heading", name="Access denied")).to_be_visible()
    expect(page.locator(".denied-message")).to_have_text(explicit_deny("iam:GetAccountSummary"))
    expect(page.locator("main")).to_contain_text("DenyAllExceptListedIfNoMFA")
    # The navigation is greyed too: Users is no link for her.
    nav = page.get_by_role("navigation", name="Identity and Access Management")
    expect(nav.get_by_role("link", name="Users", exact=True)).to_have_count(0)
    # Changing her password needs the MFA session: the identity menu greys it, and its address
    # answers AccessDenied.
    refused = steps.refused_identity_menu_link(page, "Change password")
    expect(refused).to_have_attribute("title", explicit_deny("iam:ChangePassword", user_arn))
    page.goto("/password/change/")
    expect(page.get_by_role("heading", name="Access denied")).to_be_visible()
    expect(page.locator(".denied-message")).to_have_text(explicit_deny("iam:ChangePassword", user_arn))

    # -- Her own Security credentials open: she may list and assign her devices.
    open_identity_menu_link(page, "Security credentials")
    expect(page.get_by_role("heading", name="My security credentials")).to_be_visible()
    mfa_panel = page.locator("section#mfa")
    expect(mfa_panel).to_contain_text("No MFA devices.")
    mfa_panel.get_by_role("link", name="Assign MFA device").click()

    expect(page.get_by_role("heading", name="Select MFA device")).to_be_visible()
    page.get_by_role("textbox", name="Device name").fill(DEVICE)
    expect(page.get_by_role("radio", name="Authenticator app")).to_be_checked()
    page.get_by_role("button", name="Next", exact=True).click()

    expect(page.get_by_role("heading", name="Set up device")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"Account: {USER}@{account_id}")
    page.get_by_text("Show secret key").click()
    secret_shown = page.get_by_test_id("mfa-secret")
    expect(secret_shown).to_be_visible()
    secret = secret_shown.inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret)

    # Two consecutive codes: the one the app showed in the last 30-second step, then the
    # one it shows now (no waiting; the portal accepts a code 2 up to two steps old).
    now = time_step()
    page.get_by_label("MFA code 1").fill(code_at(secret, now - 1))
    page.get_by_label("MFA code 2").fill(code_at(secret, now))
    page.get_by_role("button", name="Add MFA").click()

    expect(page.get_by_role("heading", name="My security credentials")).to_be_visible()
    expect(page.get_by_text(f"MFA device assigned: arn:aws:iam::{account_id}:mfa/{DEVICE}")).to_be_visible()
    device_row = page.get_by_test_id("mfa-device")
    expect(device_row).to_have_count(1)
    expect(device_row).to_contain_text(f"arn:aws:iam::{account_id}:mfa/{DEVICE}")
    expect(page.get_by_test_id("mfa-secret")).to_have_count(0)  # never shown again

    # Assigning does not make this session an MFA session (as in AWS): still denied.
    refused = steps.refused_identity_menu_link(page, "Change password")
    expect(refused).to_have_attribute("title", explicit_deny("iam:ChangePassword", user_arn))
    page.locator(".identity-menu summary").click()  # closes the menu
    sign_out(page)

    # -- Sign in again: the password, then a code at the MFA challenge.
    steps.sign_in_as_user(page, signin_path, USER, PASSWORD)
    expect(page.get_by_role("heading", name="Multi-factor authentication")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"To finish signing in as {USER}")
    # Until the code is accepted she is not signed in: the console sends her to sign-in.
    page.goto("/iam/")
    expect(page.get_by_role("heading", name="Root user sign in")).to_be_visible()
    page.go_back()
    expect(page.get_by_role("heading", name="Multi-factor authentication")).to_be_visible()
    # The app's code; the codes used to assign the device count as used, so within the
    # same 30 seconds the app's next code is the one to type (one step ahead is accepted).
    page.get_by_label("MFA code").fill(code_at(secret, max(time_step(), now + 1)))
    page.get_by_role("button", name="Submit").click()

    # -- Signed in with MFA: the explicit deny no longer applies.
    expect(page.locator(".identity-menu summary")).to_contain_text(f"{USER} @ {account_id}")
    # The dashboard is not in the policy: now only an implicit deny.
    expect(page.get_by_role("heading", name="Console Home")).to_be_visible()
    page.goto("/iam/")
    expect(page.locator(".denied-message")).to_have_text(
        f"User: {user_arn} is not authorized to perform: iam:GetAccountSummary on resource: * "
        f"because no identity-based policy allows the iam:GetAccountSummary action")

    # She may change her own password now (AllowManageOwnPasswords).
    open_identity_menu_link(page, "Change password")
    expect(page.get_by_role("heading", name="Change password")).to_be_visible()
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Retype new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Confirm password change").click()
    expect(page.get_by_text("Your password has been changed.")).to_be_visible()

    # Her device page offers Remove (iam:DeactivateMFADevice needs the MFA session).
    open_identity_menu_link(page, "Security credentials")
    expect(page.get_by_test_id("mfa-device")).to_have_count(1)
    page.get_by_test_id("mfa-device").get_by_role("link", name=re.compile("^Remove")).click()
    expect(page.get_by_role("heading", name="Remove MFA device?")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", name="My security credentials")).to_be_visible()
    expect(page.get_by_test_id("mfa-device")).to_have_count(1)
