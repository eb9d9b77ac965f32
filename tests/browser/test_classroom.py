"""Issue 11, "Classroom-ready": each problem a class of new users met, as they met it, in Chromium.

One test per situation a learner is in (a room signing in, the owner walking the console,
creating a user, reading the pages on a phone and on a wide screen); each names the items
of the issue it covers. The coffee-shop demo is the account, loaded once per test.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts import demo, services
from accounts.models import Role
from policies.models import ManagedPolicy
from tests.browser import steps
from tests.browser.steps import nav, open_identity_menu_link, open_nav, sign_out

# AWS's console date format (iamportal.templatetags.console.aws_datetime).
AWS_DATE = re.compile(r"^(January|February|March|April|May|June|July|August|September|October|November|December) "
                      r"\d{1,2}, \d{4}, \d\d:\d\d \(UTC\+00:00\)$")
LONG_NAME = "a" * 30 + "-very-long-user-name-" + "z" * 13  # 64 characters, no spaces


@pytest.fixture
def coffee_shop(live_server):
    return demo.load_demo()


def sign_in_as_owner(page: Page) -> None:
    steps.sign_in_as_root(page, demo.ROOT_EMAIL, demo.PASSWORD)


def test_item_1_5_10_a_room_behind_one_address_signs_in(page: Page, coffee_shop):
    """Item 1: eleven learners sign in correctly, one after the other, from one address (the
    room's NAT): nobody is throttled. Item 5: a learner without policies lands on Console Home,
    not on a red page. Item 10: the identity menu greys what the learner's policies refuse."""
    account = coffee_shop.account
    learners = [f"student-{number:02d}" for number in range(1, 12)]
    for name in learners:
        services.create_user(account, user_name=name, console_password=demo.PASSWORD)
    for name in learners:
        steps.sign_in_as_user(page, f"/signin/{demo.ALIAS}/", name, demo.PASSWORD)
        expect(page.get_by_role("heading", name="Console Home")).to_be_visible()
        expect(page.locator(".identity-menu summary")).to_contain_text(f"{name} @ {demo.ALIAS}")
        if name == learners[0]:
            expect(page.get_by_text("Your permissions don't let you open any IAM page yet.")).to_be_visible()
            refused = steps.refused_identity_menu_link(page, "Change password")
            expect(refused).to_have_attribute("title", re.compile(
                rf"^User: arn:aws:iam::{account.account_id}:user/{name} is not authorized to perform: "
                r"iam:ChangePassword"))
            page.locator(".identity-menu summary").click()  # closes the menu
        sign_out(page)


def test_items_2_4_6_9_11_12_13_16_the_owner_walks_the_console(page: Page, coffee_shop, live_server, settings):
    """The owner (root user) of the demo account, with the class watching."""
    settings.IAMPORTAL_BASE_URL = "http://127.0.0.1:8000"  # what `make run` defaults to: never on a page
    account = coffee_shop.account
    sign_in_as_owner(page)

    # Item 2: the printed sign-in URL is on the host and port serving the page.
    open_nav(page, "Dashboard")
    signin_url = page.locator("dt:has-text('Sign-in URL for IAM users') + dd").inner_text().strip()
    assert signin_url == f"{live_server.url}/signin/{demo.ALIAS}/"
    # Item 13: the recommendation carries its action; the MFA one opens the root user's MFA.
    recommendations = page.locator("ul.recommendations")
    assert recommendations.evaluate("list => getComputedStyle(list).listStyleType") == "none"
    recommendations.get_by_role("link", name="Add MFA").click()
    expect(page.get_by_role("heading", name="Select MFA device")).to_be_visible()

    # Item 2: the role's switch-role link too.
    page.goto(Role.objects.get(account=account, name="Cashier").get_absolute_url())
    switch_link = page.locator("dt:has-text('Link to switch roles in console') + dd").inner_text().strip()
    assert switch_link.startswith(f"{live_server.url}/switchrole?")

    # Item 16: the demo's sample policy names the article's bucket.
    page.goto(ManagedPolicy.objects.get(account=account, name="ReceiptsListBucket").get_absolute_url())
    expect(page.locator("main")).to_contain_text("arn:aws:s3:::receipts-bucket")
    expect(page.locator("main")).not_to_contain_text("arn:aws:s3:::receipts\"")

    # Item 13: one date format, AWS's, on the lists and detail pages.
    for path in ("/iam/users/", "/iam/users/maria/", "/iam/groups/", "/iam/roles/",
                 Role.objects.get(account=account, name="Cashier").get_absolute_url()):
        page.goto(path)
        dates = page.locator("main time").all_inner_texts()
        assert dates, path
        assert all(AWS_DATE.match(date) for date in dates), (path, dates)
        expect(page.locator("main")).not_to_contain_text(re.compile(r"\bago\b"))

    # Item 9: root's Change password is in the identity menu and in Security credentials;
    # the password page has Cancel.
    open_identity_menu_link(page, "Change password")
    expect(page.get_by_role("heading", name="Change password")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", name="Console Home")).to_be_visible()
    open_identity_menu_link(page, "Security credentials")
    page.locator("main").get_by_role("link", name="Change password").click()
    expect(page.get_by_role("heading", name="Change password")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()

    # Item 11: removing maria from Cashiers asks first, naming both; Cancel keeps her.
    open_nav(page, "User groups")
    page.get_by_role("link", name="Cashiers", exact=True).click()
    members = page.locator("section", has=page.get_by_role("heading", name=re.compile("Users in this group")))
    members.get_by_role("row", name=re.compile(r"^maria\b")).get_by_role("link", name=re.compile("^Remove")).click()
    expect(page.get_by_role("heading", name="Remove maria from Cashiers?")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(members.get_by_role("link", name="maria", exact=True)).to_be_visible()
    # The policy's Detach on its Entities attached tab asks first too.
    page.goto(ManagedPolicy.objects.get(account=account, name="ReceiptsListBucket").get_absolute_url())
    page.get_by_role("link", name="Entities attached").click()
    page.get_by_role("row", name=re.compile(r"^Cashiers\b")).get_by_role("link", name=re.compile("^Detach")).click()
    expect(page.get_by_role("heading", name="Detach ReceiptsListBucket from Cashiers?")).to_be_visible()
    page.get_by_role("button", name="Detach").click()
    expect(page.get_by_text("Policy ReceiptsListBucket detached from Cashiers.")).to_be_visible()

    # Item 4: the simulator opens to an empty form, not an error.
    response = page.goto("/iam/policies/simulator/")
    assert response.status == 200
    expect(page.get_by_role("heading", name="1. Principal")).to_be_visible()
    expect(page.locator("main .error, main .alert-error")).to_have_count(0)

    # Item 12: "Run simulation" lands on the results, which lead back to the form.
    page.locator("#sim-principal").select_option(label="maria")
    page.get_by_label("Resource ARNs, one per line").fill("arn:aws:s3:::receipts-bucket")
    page.locator("#sim-actions-text").fill("s3:ListBucket")
    page.get_by_role("button", name="Run simulation").click()
    page.wait_for_url("**#sim-results")
    results = page.locator("#sim-results")
    expect(results.get_by_role("heading", name=re.compile("^Results"))).to_be_in_viewport()
    expect(results.locator("[data-decision]").first).to_have_text("implicitDeny")  # detached above
    results.get_by_role("link", name="Change the simulation").click()
    expect(page.get_by_role("heading", name="1. Principal")).to_be_in_viewport()

    # Item 6: a missing page is the portal's own 404; the favicon loads.
    response = page.goto("/iam/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("URLconf")
    icon = page.request.get(live_server.url + "/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/")


def test_items_2_3_create_user_shows_the_chosen_permissions_and_the_serving_port(
        page: Page, coffee_shop, live_server, settings, tmp_path: Path):
    """Item 3: only the chosen permissions option's panel shows; choosing another shows
    its panel, and what is ticked there is what the review applies. Item 2: the Retrieve
    password page and the .csv name the port serving the page."""
    settings.IAMPORTAL_BASE_URL = "http://127.0.0.1:8000"
    sign_in_as_owner(page)
    open_nav(page, "Users")
    page.get_by_role("link", name="Create user", exact=True).click()
    page.get_by_label("User name", exact=True).fill("jordan")
    page.get_by_label("Provide user access to the AWS Management Console – optional").check()
    page.get_by_role("button", name="Next", exact=True).click()

    groups_panel = page.locator("[data-option-panel=groups]")
    policies_panel = page.locator("[data-option-panel=policies]")
    copy_panel = page.locator("[data-option-panel=copy]")
    expect(page.get_by_role("radio", name="Add user to group")).to_be_checked()
    expect(groups_panel).to_be_visible()
    expect(policies_panel).to_be_hidden()
    expect(copy_panel).to_be_hidden()
    page.get_by_role("radio", name="Attach policies directly").check()
    expect(policies_panel).to_be_visible()
    expect(groups_panel).to_be_hidden()
    policies_panel.get_by_label("Search policies").fill("AdministratorAccess")
    policies_panel.get_by_role("button", name="Search").click()
    page.get_by_role("checkbox", name="AdministratorAccess", exact=True).check()
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.get_by_role("heading", name="Review and create")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile(r"\bAdministratorAccess$"))).to_be_visible()
    expect(page.get_by_text("No permissions")).to_have_count(0)
    page.get_by_role("button", name="Create user", exact=True).click()

    expect(page.get_by_role("heading", name="Retrieve password")).to_be_visible()
    signin_url = page.locator("dt:has-text('Console sign-in URL') + dd").inner_text().strip()
    assert signin_url == f"{live_server.url}/signin/{demo.ALIAS}/"
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download .csv file").click()
    saved = tmp_path / "jordan.csv"
    download_info.value.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert rows[1][2] == signin_url


def test_item_7_pages_fit_a_phone_and_a_wide_screen(page: Page, coffee_shop):
    """At 390 px no page is wider than the screen (tables scroll inside their panel, long
    names wrap) and the navigation collapses behind Menu; at 1280 px a 64-character user
    name keeps "Create user" on the screen."""
    account = coffee_shop.account
    services.create_user(account, user_name=LONG_NAME)
    sign_in_as_owner(page)
    policy = ManagedPolicy.objects.get(account=account, name="ReceiptsListBucket")
    role = Role.objects.get(account=account, name="Cashier")
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/iam/users/", f"/iam/users/{LONG_NAME}/", role.get_absolute_url(), "/iam/groups/",
                 "/iam/policies/", policy.get_absolute_url(), "/iam/policies/simulator/", "/console/home/",
                 "/iam/"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)

    # The navigation hides behind Menu, and Menu shows it.
    users_link = nav(page).get_by_role("link", name="Users", exact=True)
    expect(users_link).to_be_hidden()
    page.get_by_text("Menu", exact=True).click()
    expect(users_link).to_be_visible()
    page.get_by_text("Menu", exact=True).click()
    expect(users_link).to_be_hidden()

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/iam/users/")
    expect(page.get_by_role("link", name=LONG_NAME, exact=True)).to_be_visible()
    create = page.get_by_role("link", name="Create user", exact=True)
    box = create.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1280, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_item_14_the_words_match_what_the_learner_does(page: Page, coffee_shop):
    """Item 14: resetting a password doesn't speak of creating the user; the sign-up
    password rules are inside the element the password field's aria-describedby names."""
    sign_in_as_owner(page)
    page.goto("/iam/users/maria/console-access/")
    expect(page.get_by_role("heading", name="Reset password")).to_be_visible()
    page.get_by_role("radio", name="Autogenerated password").check()
    expect(page.get_by_text("You can view the password after you reset the password.")).to_be_visible()
    expect(page.get_by_text("after you create the user")).to_have_count(0)
    sign_out(page)

    page.goto("/signup/")
    password = page.get_by_label("Root user password", exact=True)
    described_by = password.get_attribute("aria-describedby")
    described = page.locator(f"[id='{described_by}']")
    expect(described.locator("li").first).to_be_visible()  # the rules are a list inside it
    assert described.locator("li").count() >= 2
