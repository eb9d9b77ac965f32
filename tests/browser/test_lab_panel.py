"""A lab in a real browser, as a trainee does it (issue #14).

A root user opens Labs, starts "Secure the root user" on their own account (confirming that the
starting state replaces the account's IAM entities), reads a task in the lab panel beside the
console, presses Check my progress before doing it (and reads what is missing), does it in the
console (an account alias), checks again and sees the task pass and the score change, reveals a
hint of another task, and resets the lab: the score is back to 0 and the alias gone. On a
390-pixel-wide screen the panel sits below the page's content and nothing scrolls sideways.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from accounts import services as account_services
from accounts.models import User
from tests.browser import steps

ROOT_EMAIL = "owner@lab-panel.example"
ROOT_PASSWORD = "Lab-Panel-Owner-2026!"


def panel(page: Page):
    return page.get_by_role("complementary", name="Lab: Secure the root user")


def test_a_root_user_does_a_lab_task_checks_it_gets_a_hint_and_resets(page: Page, live_server):
    account_services.sign_up(email=ROOT_EMAIL, password=ROOT_PASSWORD)
    steps.sign_in_as_root(page, ROOT_EMAIL, ROOT_PASSWORD)

    steps.open_nav(page, "Labs")
    row = page.get_by_role("row", name=re.compile("Secure the root user"))
    row.get_by_role("link", name=re.compile("Start lab")).click()
    expect(page.get_by_role("heading", name="Start lab Secure the root user?")).to_be_visible()
    expect(page.get_by_text(re.compile("deletes every IAM user, group, role"))).to_be_visible()
    page.get_by_role("button", name="Start lab").click()
    expect(page.get_by_text("Lab “Secure the root user” started.")).to_be_visible()

    lab = panel(page)
    expect(lab).to_be_visible()
    expect(lab.get_by_test_id("lab-score")).to_have_text("0")
    alias_task = lab.locator("#task-account-alias")
    expect(alias_task.get_by_text(re.compile("Create an account alias"))).to_be_visible()
    expect(lab.locator("[data-lab-timer]")).to_have_text(re.compile(r"^\d+:\d\d$"))  # the script runs the timer

    # Checked before doing it: what is missing, in the task's live region.
    alias_task.get_by_role("button", name=re.compile("Check my progress")).click()
    result = panel(page).locator("#task-account-alias-result")
    expect(result).to_contain_text("Not passed yet.")
    expect(result).to_be_focused()

    # Do it in the console.
    steps.open_nav(page, "Account settings")
    page.get_by_role("link", name="Create").click()
    page.get_by_label("Preferred alias").fill("lab-panel-coffee")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text(re.compile("The account alias is now lab-panel-coffee"))).to_be_visible()

    panel(page).locator("#task-account-alias").get_by_role("button", name=re.compile("Check my progress")).click()
    expect(panel(page).locator("#task-account-alias-result")).to_contain_text("Passed.")
    expect(panel(page).get_by_test_id("lab-score")).to_have_text("5")
    expect(page.get_by_role("heading", name="Account settings")).to_be_visible()  # back where the trainee was

    # A hint, one at a time.
    mfa_task = panel(page).locator("#task-root-mfa")
    mfa_task.get_by_role("button", name=re.compile("Show hint 1 of 2")).click()
    mfa_task = panel(page).locator("#task-root-mfa")
    expect(mfa_task.get_by_text("The root user's security credentials are under your account name")).to_be_visible()
    expect(mfa_task.get_by_text("Hints used: 1 of 2")).to_be_visible()
    expect(mfa_task.get_by_role("button", name=re.compile("Show hint 2 of 2"))).to_be_visible()

    # Collapsible, and remembered while the tab is open.
    panel(page).locator("summary").click()
    expect(panel(page).locator("#task-root-mfa")).to_be_hidden()
    page.goto("/iam/users/")
    expect(panel(page).locator("#task-root-mfa")).to_be_hidden()
    panel(page).locator("summary").click()

    # Reset: back to the starting state.
    panel(page).get_by_role("link", name="Reset this lab").click()
    expect(page.get_by_role("heading", name="Reset lab Secure the root user?")).to_be_visible()
    page.get_by_role("button", name="Reset lab").click()
    expect(page.get_by_text("Lab “Secure the root user” reset to its starting state.")).to_be_visible()
    expect(panel(page).get_by_test_id("lab-score")).to_have_text("0")
    # The hints used stay counted across a reset (the board shows honest numbers).
    expect(panel(page).locator("#task-root-mfa").get_by_text("Hints used: 1 of 2")).to_be_visible()
    assert not User.objects.get(email=ROOT_EMAIL).account.alias

    # A phone-sized screen: the panel below the content, no sideways scrolling.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    main_box = page.locator("main").bounding_box()
    panel_box = panel(page).bounding_box()
    assert panel_box["y"] >= main_box["y"] + main_box["height"] - 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
