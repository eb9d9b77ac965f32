"""Issue 2's walkthrough in a real browser, as a person does it.

A newcomer signs up, signs out and back in as the root user, creates the group
*Cashiers*, creates the IAM user *maria* with the create-user wizard (console access,
custom password, "must create a new password at next sign-in", member of Cashiers),
reads her password on the Retrieve password page and downloads the .csv file, sets an
account alias, signs out. Maria signs in at ``/signin/<alias>/``, must choose a new
password, and lands on Console Home; a user without policies is refused the IAM
dashboard with AWS's AccessDenied message. The root user then sees her in Cashiers.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser import steps
from tests.browser.steps import open_nav, sign_out

ROOT_EMAIL = "owner@walkthrough.example"
ROOT_PASSWORD = "Walkthrough-Owner-2026!"
MARIA_FIRST_PASSWORD = "Maria-First-Day-2026!"
MARIA_NEW_PASSWORD = "Maria-Own-Choice-2026?"
ALIAS = "walkthrough-coffee"








def test_root_creates_a_cashier_who_signs_in_at_the_alias_url(page: Page, live_server, tmp_path: Path):
    # -- Sign up; the new root user lands on Console Home, signed in.
    account_id = steps.sign_up(page, ROOT_EMAIL, ROOT_PASSWORD)
    expect(page.get_by_role("heading", name="Console Home")).to_be_visible()
    expect(page.get_by_text("You are signed in as its root user.")).to_be_visible()

    # -- Sign out, then sign in again as the root user with the email and password.
    sign_out(page)
    steps.sign_in_as_root(page, ROOT_EMAIL, ROOT_PASSWORD)
    expect(page.locator(".identity-menu summary")).to_contain_text(f"@ {account_id}")

    # -- User groups › Create group: Cashiers.
    open_nav(page, "User groups")
    page.get_by_role("link", name="Create group").first.click()
    expect(page.get_by_role("heading", name="Create user group")).to_be_visible()
    page.get_by_label("User group name").fill("Cashiers")
    page.get_by_role("button", name="Create user group").click()
    expect(page.get_by_text("Cashiers user group created.")).to_be_visible()
    expect(page.get_by_role("link", name="Cashiers", exact=True)).to_be_visible()

    # -- Users › Create user, step 1: name, console access, custom password, reset ticked.
    open_nav(page, "Users")
    page.get_by_role("link", name="Create user").first.click()
    expect(page.get_by_role("heading", name="Specify user details")).to_be_visible()
    page.get_by_label("User name", exact=True).fill("maria")
    page.get_by_label("Provide user access to the AWS Management Console – optional").check()
    page.get_by_role("radio", name="Custom password").check()
    page.get_by_label("Custom password", exact=True).and_(page.locator("input[type=password]")).fill(
        MARIA_FIRST_PASSWORD)
    reset = page.get_by_label("Users must create a new password at next sign-in – Recommended")
    expect(reset).to_be_checked()  # the console's default, as in AWS
    page.get_by_role("button", name="Next", exact=True).click()

    # Step 2: add her to Cashiers.
    expect(page.get_by_role("heading", name="Set permissions")).to_be_visible()
    page.get_by_role("radio", name="Add user to group").check()
    page.get_by_role("checkbox", name="Cashiers").check()
    page.get_by_role("button", name="Next", exact=True).click()

    # Step 3: the review shows the choices.
    expect(page.get_by_role("heading", name="Review and create")).to_be_visible()
    details = page.locator("section", has=page.get_by_role("heading", name="User details"))
    expect(details).to_contain_text("maria")
    expect(details).to_contain_text("Custom password")
    expect(details.locator("dt:has-text('Require password reset') + dd")).to_have_text("Yes")
    expect(page.get_by_role("cell", name="Cashiers")).to_be_visible()
    page.get_by_role("button", name="Create user", exact=True).click()

    # Step 4: Retrieve password. The person reads the password (Show) and the URL.
    expect(page.get_by_role("heading", name="Retrieve password")).to_be_visible()
    expect(page.get_by_text("User maria created.")).to_be_visible()
    page.locator("details.password-reveal summary").click()
    shown = page.get_by_test_id("console-password")
    expect(shown).to_be_visible()
    password_on_page = shown.inner_text()
    assert password_on_page == MARIA_FIRST_PASSWORD
    signin_url = page.locator("dt:has-text('Console sign-in URL') + dd").inner_text().strip()
    assert signin_url.endswith(f"/signin/{account_id}/")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download .csv file").click()
    download = download_info.value
    assert download.suggested_filename == "maria_credentials.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert rows == [["User name", "Password", "Console sign-in URL"],
                    ["maria", password_on_page, signin_url]]

    # The user list shows her.
    page.get_by_role("link", name="Return to users list").click()
    expect(page.get_by_role("link", name="maria", exact=True)).to_be_visible()

    # -- Account settings: create the alias, so /signin/<alias>/ exists.
    open_nav(page, "Account settings")
    expect(page.get_by_role("heading", name="Account settings")).to_be_visible()
    page.get_by_role("link", name="Create", exact=True).click()
    page.get_by_label("Preferred alias").fill(ALIAS)
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_test_id("account-alias")).to_have_text(ALIAS)
    expect(page.get_by_text(f"The account alias is now {ALIAS}.")).to_be_visible()
    alias_url = page.locator("dt:has-text('Sign-in URL for IAM users') + dd > a").inner_text().strip()
    assert alias_url.endswith(f"/signin/{ALIAS}/")

    sign_out(page)

    # -- Maria signs in at the alias URL (the path of the URL the console shows).
    page.goto(f"/signin/{ALIAS}/")
    expect(page.get_by_role("heading", name="IAM user sign in")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"Account: {ALIAS}")
    page.get_by_label("IAM user name").fill("maria")
    page.get_by_label("Password").fill(password_on_page)
    page.get_by_role("button", name="Sign in").click()

    # Forced password change before anything else.
    expect(page.get_by_role("heading", name="You must change your password to continue")).to_be_visible()
    expect(page.locator("main")).to_contain_text("IAM user: maria")
    page.get_by_label("Old password").fill(password_on_page)
    page.get_by_label("New password", exact=True).fill(MARIA_NEW_PASSWORD)
    page.get_by_label("Retype new password").fill(MARIA_NEW_PASSWORD)
    page.get_by_role("button", name="Confirm password change").click()

    # On Console Home as maria; Cashiers has no policies, so the IAM dashboard is AccessDenied.
    expect(page.get_by_text("Your password has been changed.")).to_be_visible()
    expect(page.locator(".identity-menu summary")).to_contain_text(f"maria @ {ALIAS}")
    expect(page.get_by_role("heading", name="Console Home")).to_be_visible()
    expect(page.get_by_text("Your permissions don't let you open any IAM page yet.")).to_be_visible()
    page.goto("/iam/")
    expect(page.get_by_role("heading", name="Access denied")).to_be_visible()
    expect(page.locator(".denied-message")).to_have_text(
        f"User: arn:aws:iam::{account_id}:user/maria is not authorized to perform: "
        f"iam:GetAccountSummary on resource: * "
        f"because no identity-based policy allows the iam:GetAccountSummary action")

    # Her new password works; the old one no longer does.
    sign_out(page)
    page.goto(f"/signin/{ALIAS}/")
    page.get_by_label("IAM user name").fill("maria")
    page.get_by_label("Password").fill(password_on_page)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Your authentication information is incorrect. Please try again.")).to_be_visible()
    page.get_by_label("IAM user name").fill("maria")
    page.get_by_label("Password").fill(MARIA_NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Console Home")).to_be_visible()
    expect(page.locator(".identity-menu summary")).to_contain_text(f"maria @ {ALIAS}")
    sign_out(page)

    # -- The root user sees maria in Cashiers.
    steps.sign_in_as_root(page, ROOT_EMAIL, ROOT_PASSWORD)
    open_nav(page, "User groups")
    cashiers_row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Cashiers", exact=True))
    expect(cashiers_row.get_by_role("cell").nth(1)).to_have_text("1")  # after the selection box
    page.get_by_role("link", name="Cashiers", exact=True).click()
    expect(page.get_by_role("heading", name="Cashiers", level=1)).to_be_visible()
    members = page.locator("section", has=page.get_by_role("heading", name=re.compile("Users in this group")))
    expect(members.get_by_role("link", name="maria", exact=True)).to_be_visible()
    expect(members.locator("tbody tr")).to_have_count(1)
