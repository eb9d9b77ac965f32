"""Issue #14, "Classes and the instructor board", in Chromium: an instructor starts a class of three,
a trainee signs in with the one-time password, changes it, completes a task and checks it, the
board shows it by itself; the instructor switches into the trainee's account and resets the lab.

The instructor is an IAM user of the management account with AdministratorAccess: the root user
can't switch roles (in AWS neither).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts import services
from tests.browser import steps
from tests.conftest import attach_aws_policy

PASSWORD = "Instructor-Class-2026!"
TRAINEE_PASSWORD = "Trainee-Chosen-2026!"
TRIO = "Ada Lovelace, ada@class.example\nAlan Turing, alan@class.example\nGrace Hopper, grace@class.example"


@pytest.fixture
def instructor(live_server, aws_managed_policies):
    root = services.sign_up(email="instructor@school.example", password=PASSWORD)
    user = services.create_user(root.account, user_name="instructor", console_password=PASSWORD)
    attach_aws_policy(user, "AdministratorAccess")
    return user


def test_a_class_from_start_to_reset(page: Page, browser, live_server, instructor):
    account_id = instructor.account.account_id
    steps.sign_in_as_user(page, f"/signin/{account_id}/", "instructor", PASSWORD)
    expect(page.get_by_role("heading", name="Console Home")).to_be_visible()

    # Start a class of three: the organization is created with it.
    page.goto("/labs/classes/")
    page.get_by_role("link", name="Start a class").click()
    expect(page.get_by_text("Starting the class first creates an organization")).to_be_visible()
    page.get_by_label("Class name").fill("Monday")
    page.get_by_role("checkbox", name=re.compile(r"^Secure the root user")).check()
    page.get_by_role("radio", name="Paste a list").check()
    page.get_by_label("Trainees, one per line: Name, email").fill(TRIO)
    page.get_by_role("button", name="Start class").click()

    # The sheet: shown once.
    expect(page.get_by_role("heading", name="Sign-in sheet: Monday")).to_be_visible()
    expect(page.get_by_text("This is the only time the one-time passwords are shown.")).to_be_visible()
    ada = page.get_by_role("row", name=re.compile("^Ada Lovelace"))
    cells = ada.get_by_role("cell")
    expect(cells.nth(0)).to_have_text("ada@class.example")
    ada_account = cells.nth(1).inner_text().strip()
    one_time_password = cells.nth(2).inner_text().strip()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download .csv file").click()
    assert one_time_password in download.value.path().read_text()
    page.get_by_role("link", name="Open the board").click()
    expect(page.get_by_role("heading", name="Monday")).to_be_visible()
    board_path = page.url.removeprefix(live_server.url)
    board = page.locator("#board")
    ada_row = board.get_by_role("row", name=re.compile("^Ada Lovelace"))
    expect(ada_row.get_by_role("cell", name="Passed")).to_have_count(0)

    # A trainee, in their own browser: the one-time password, then a password of their own.
    trainee_context = browser.new_context(base_url=live_server.url)
    trainee = trainee_context.new_page()
    trainee.goto("/signin/")
    trainee.get_by_label("Root user email address").fill("ada@class.example")
    trainee.get_by_label("Password").fill(one_time_password)
    trainee.get_by_role("button", name="Sign in").click()
    expect(trainee.get_by_role("heading", name="You must change your password to continue")).to_be_visible()
    trainee.get_by_label("Old password").fill(one_time_password)
    trainee.get_by_label("New password", exact=True).fill(TRAINEE_PASSWORD)
    trainee.get_by_label("Retype new password").fill(TRAINEE_PASSWORD)
    trainee.get_by_role("button", name="Confirm password change").click()
    expect(trainee.get_by_role("heading", name="Console Home")).to_be_visible()
    expect(trainee.get_by_role("complementary", name="Lab: Secure the root user")).to_be_visible()

    # The task: an account alias, then Check my progress.
    trainee.goto("/iam/account/alias/")
    trainee.get_by_label("Preferred alias").fill("ada-lovelace-monday")
    trainee.get_by_role("button", name="Save changes").click()
    trainee.locator("#task-account-alias").get_by_role("button", name=re.compile("^Check my progress")).click()
    expect(trainee.locator("#task-account-alias-result")).to_contain_text("Passed.")
    # The trainee sees no class of theirs, nor the board.
    assert trainee.goto("/labs/classes/").status == 404
    assert trainee.goto(board_path).status == 404
    trainee_context.close()

    # The board shows it by itself (static/labs/board.js), without a reload.
    expect(ada_row.get_by_role("cell", name="Passed")).to_have_count(1, timeout=15000)
    expect(ada_row).to_contain_text("5 / 25")

    # Open account: Switch Role into OrganizationAccountAccessRole, prefilled.
    ada_row.get_by_role("link", name="Open account").click()
    expect(page.get_by_role("heading", name="Switch Role")).to_be_visible()
    expect(page.get_by_label("Account ID", exact=True)).to_have_value(ada_account)
    expect(page.get_by_label("IAM role name")).to_have_value("OrganizationAccountAccessRole")
    page.get_by_role("button", name="Switch Role").click()
    expect(page.locator(".identity-menu summary")).to_contain_text("Ada Lovelace")
    # In the trainee's account: the lab panel's Reset.
    panel = page.get_by_role("complementary", name="Lab: Secure the root user")
    expect(panel.get_by_test_id("lab-score")).to_have_text("5")
    panel.get_by_role("link", name="Reset this lab").click()
    page.get_by_role("button", name="Reset lab").click()
    expect(page.get_by_role("complementary", name="Lab: Secure the root user").get_by_test_id("lab-score")) \
        .to_have_text("0")

    # Back as the instructor: the board shows the reset.
    page.locator(".identity-menu summary").click()
    page.get_by_role("button", name="Switch back").click()
    page.goto("/labs/classes/")
    page.get_by_role("link", name="Monday").click()
    expect(page.locator("#board").get_by_role("row", name=re.compile("^Ada Lovelace"))).to_contain_text("0 / 25")
