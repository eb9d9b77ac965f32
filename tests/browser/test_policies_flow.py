"""Issue 4's flow in a real browser: a customer policy governs an IAM user's console.

The root user writes a customer managed policy in Policies › Create policy, first with an
action that lacks its service prefix: IAM's error, with its line, is shown beside the
editor and Next is refused. Fixed (list and read users; simulate oneself), reviewed, named
and created, the policy is attached to a new user group from the group's Permissions tab,
and the create-user wizard makes an IAM user in that group.

The IAM user signs in. The Users list opens (iam:ListUsers) with Create user disabled and
AWS's reason beside it; User groups is greyed in the navigation, and opening it anyway
gives the AccessDenied page in AWS's words. Its "Open in the policy simulator" link runs
the simulator on that very request, which explains the same decision: implicitDeny for
iam:ListGroups, and allowed for iam:ListUsers, naming the deciding statement.
"""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from tests.browser import steps
from tests.browser.steps import nav, open_nav, sign_out

ROOT_EMAIL = "owner@policies-flow.example"
ROOT_PASSWORD = "Policies-Flow-Owner-2026!"
POLICY = "UserDirectoryReadOnly"
GROUP = "Auditors"
USER = "lena"
PASSWORD = "Lena-Reads-Users-2026!"
VENDOR_ERROR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."


def policy(list_users_action: str) -> str:
    """The policy as the root user types it, ``list_users_action`` being its first action."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ReadUsers", "Effect": "Allow", "Action": [list_users_action, "iam:GetUser"],
             "Resource": "*"},
            {"Sid": "SimulateMyself", "Effect": "Allow", "Action": "iam:SimulatePrincipalPolicy",
             "Resource": "arn:aws:iam::*:user/${aws:username}"},
        ],
    }, indent=2)


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)






def root_creates_the_policy(page: Page) -> None:
    open_nav(page, "Policies")
    page.get_by_role("link", name="Create policy", exact=True).click()
    expect(page.get_by_role("heading", name="Specify permissions")).to_be_visible()
    editor = page.get_by_label("Policy editor")
    findings = page.locator(".editor-findings")

    # An action without its service prefix: IAM's error, on its line; Next is refused.
    wrong = policy("ListUsers")
    wrong_line = line_of(wrong, '"ListUsers"')
    editor.fill(wrong)
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.get_by_role("heading", name="Specify permissions")).to_be_visible()
    error = findings.locator(".finding-error")
    expect(error).to_have_count(1)
    expect(error.locator(".finding-message")).to_have_text(VENDOR_ERROR)
    expect(error.locator(".finding-where")).to_contain_text(f"Ln {wrong_line}, Col ")
    expect(page.locator(f'.editor-gutter li[data-line="{wrong_line}"]')).to_have_class(re.compile("mark-error"))
    expect(editor).to_have_value(wrong)  # the text is kept, to be fixed

    # Fixed: Next leads to the review, with the permissions summary.
    editor.fill(policy("iam:ListUsers"))
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.get_by_role("heading", name="Review and create")).to_be_visible()
    summary = page.get_by_role("region", name="Permissions defined in this policy")
    expect(summary).to_contain_text("ListUsers")
    expect(summary).to_contain_text("SimulatePrincipalPolicy")
    page.get_by_label("Policy name").fill(POLICY)
    page.get_by_role("button", name="Create policy", exact=True).last.click()
    expect(page.get_by_text(f"Policy {POLICY} created.")).to_be_visible()


def root_attaches_it_to_a_new_group(page: Page) -> None:
    open_nav(page, "User groups")
    page.get_by_role("link", name="Create group", exact=True).first.click()  # the header's (and the empty list's)
    page.get_by_label("User group name").fill(GROUP)
    page.get_by_role("button", name="Create user group").click()
    expect(page.get_by_text(f"{GROUP} user group created.")).to_be_visible()

    # The group's page › Permissions › Attach policies.
    page.get_by_role("link", name=GROUP, exact=True).click()
    expect(page.get_by_role("heading", name=GROUP, level=1)).to_be_visible()
    page.get_by_role("navigation", name="User group details").get_by_role("link", name="Permissions").click()
    page.get_by_role("link", name="Attach policies").click()
    expect(page.get_by_role("heading", name=f"Attach policies to {GROUP}")).to_be_visible()
    # 1,600 AWS managed policies are paged: show the customer managed ones.
    page.get_by_label("Filter by type").select_option("customer")
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("checkbox", name=POLICY, exact=True).check()
    page.get_by_role("button", name="Attach policies").click()
    permissions = page.locator("section.entity-permissions")
    row = permissions.get_by_role("row", name=re.compile(rf"^{POLICY} Customer managed"))
    expect(row.get_by_role("link", name="Remove")).to_be_visible()


def root_creates_the_user_in_the_group(page: Page, account_id: str) -> str:
    signin_path = steps.create_user_in_group(page, USER, PASSWORD, GROUP)
    assert signin_path == f"/signin/{account_id}/"
    return signin_path


def test_a_customer_policy_governs_its_users_console_and_the_simulator_explains_it(page: Page, live_server):
    account_id = steps.sign_up(page, ROOT_EMAIL, ROOT_PASSWORD)
    root_creates_the_policy(page)
    root_attaches_it_to_a_new_group(page)
    signin_path = root_creates_the_user_in_the_group(page, account_id)
    sign_out(page)

    user_arn = f"arn:aws:iam::{account_id}:user/{USER}"

    def denied(action: str, resource: str) -> str:
        return (f"User: {user_arn} is not authorized to perform: {action} on resource: {resource} "
                f"because no identity-based policy allows the {action} action")

    # -- The IAM user signs in.
    page.goto(signin_path)
    page.get_by_label("IAM user name").fill(USER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".identity-menu summary")).to_contain_text(f"{USER} @ {account_id}")

    # The navigation offers Users; User groups is greyed, with the reason on hover.
    groups_item = nav(page).locator(".denied", has_text="User groups")
    expect(groups_item).to_have_attribute("title", denied("iam:ListGroups", f"arn:aws:iam::{account_id}:group/"))
    expect(nav(page).get_by_role("link", name="User groups", exact=True)).to_have_count(0)

    # -- The allowed page: Users, where Create user is disabled with AWS's reason.
    open_nav(page, "Users")
    expect(page.get_by_role("heading", name="Users (1)")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(rf"^Select {USER}"))).to_be_visible()
    create_user = page.get_by_role("button", name="Create user", exact=True)
    expect(create_user).to_be_disabled()
    expect(create_user).to_have_attribute("aria-disabled", "true")
    reason = denied("iam:CreateUser", f"arn:aws:iam::{account_id}:user/")
    expect(create_user).to_have_attribute("title", reason)
    expect(page.locator("main .denied-reason", has_text="iam:CreateUser")).to_have_text(reason)
    expect(page.get_by_role("link", name="Create user", exact=True)).to_have_count(0)
    # Her own page opens too (iam:GetUser); deleting herself is not hers to do.
    page.get_by_role("link", name=USER, exact=True).click()
    expect(page.get_by_role("heading", name=USER, level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Delete", exact=True)).to_be_disabled()

    # -- A denied page: User groups, by its address.
    page.goto("/iam/groups/")
    expect(page.get_by_role("heading", name="Access denied")).to_be_visible()
    message = denied("iam:ListGroups", f"arn:aws:iam::{account_id}:group/")
    expect(page.locator(".denied-message")).to_have_text(message)
    expect(page.locator("[data-decision]")).to_have_text("implicitDeny")

    # -- The simulator, prefilled with that request and her as the principal.
    page.get_by_role("link", name="Open in the policy simulator").click()
    expect(page.get_by_role("heading", name="Policy simulator")).to_be_visible()
    expect(page.get_by_label("User", exact=True)).to_have_value(USER)
    results = page.get_by_role("region", name=f"Results for user {USER}")
    list_groups = results.locator('tr[data-action="iam:ListGroups"]')
    expect(list_groups).to_have_count(1)
    expect(list_groups).to_have_attribute("data-resource", f"arn:aws:iam::{account_id}:group/")
    expect(list_groups.locator("[data-decision]")).to_have_text("implicitDeny")
    expect(list_groups).to_contain_text("because no identity-based policy allows the iam:ListGroups action")
    expect(list_groups).to_contain_text("No statement allows it.")

    # Why may she list users? The same run for iam:ListUsers on the Users list's resource.
    page.get_by_label("More actions").fill("iam:ListUsers")
    page.get_by_label("Resource ARNs, one per line").fill(f"arn:aws:iam::{account_id}:user/")
    page.get_by_role("button", name="Run simulation").click()
    list_users = results.locator('tr[data-action="iam:ListUsers"]')
    expect(list_users.locator("[data-decision]")).to_have_text("allowed")
    expect(list_users.locator("summary")).to_have_text(f"{POLICY} · Sid ReadUsers (Allow)")
    expect(results.locator('tr[data-action="iam:ListGroups"] [data-decision]')).to_have_text("implicitDeny")
