"""Steps the browser tests share: what a person does in the console shell."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def sign_up(page: Page, email: str, password: str) -> str:
    """Create an account at /signup/; returns its 12-digit id, read from the banner."""
    page.goto("/signup/")
    page.get_by_label("Root user email address").fill(email)
    page.get_by_label("Root user password", exact=True).fill(password)
    page.get_by_label("Confirm root user password").fill(password)
    page.get_by_role("button", name="Create account").click()
    created = page.get_by_text(re.compile(r"Account \d{12} created\."))
    expect(created).to_be_visible()
    return re.search(r"\d{12}", created.inner_text()).group(0)


def sign_in_as_root(page: Page, email: str, password: str) -> None:
    page.goto("/signin/")
    expect(page.get_by_role("heading", name="Root user sign in")).to_be_visible()
    page.get_by_label("Root user email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Console Home")).to_be_visible()


def sign_in_as_user(page: Page, signin_path: str, user_name: str, password: str) -> None:
    """Fill the IAM user sign-in form at an account's URL (``/signin/<alias-or-id>/``)."""
    page.goto(signin_path)
    expect(page.get_by_role("heading", name="IAM user sign in")).to_be_visible()
    page.get_by_label("IAM user name").fill(user_name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.locator(".identity-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def nav(page: Page):
    """The IAM navigation on the left."""
    return page.get_by_role("navigation", name="Identity and Access Management")


def open_nav(page: Page, label: str) -> None:
    nav(page).get_by_role("link", name=label, exact=True).click()


def open_identity_menu_link(page: Page, label: str) -> None:
    page.locator(".identity-menu summary").click()
    page.locator(".identity-panel").get_by_role("link", name=label).click()


def refused_identity_menu_link(page: Page, label: str):
    """Open the identity menu; return the greyed (refused) entry ``label``: no link, AWS's
    AccessDenied message as its title."""
    page.locator(".identity-menu summary").click()
    refused = page.locator(".identity-panel .denied[aria-disabled=true]", has_text=label)
    expect(refused).to_be_visible()
    expect(page.locator(".identity-panel").get_by_role("link", name=label, exact=True)).to_have_count(0)
    return refused


def create_user_in_group(page: Page, user_name: str, password: str, group: str) -> str:
    """Users › Create user: console access with a custom password and no forced reset, in
    ``group``; returns the sign-in path shown on the Retrieve password page."""
    open_nav(page, "Users")
    page.get_by_role("link", name="Create user", exact=True).click()
    page.get_by_label("User name", exact=True).fill(user_name)
    page.get_by_label("Provide user access to the AWS Management Console – optional").check()
    page.get_by_role("radio", name="Custom password").check()
    page.get_by_label("Custom password", exact=True).and_(page.locator("input[type=password]")).fill(password)
    page.get_by_label("Users must create a new password at next sign-in – Recommended").uncheck()
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_role("radio", name="Add user to group").check()
    page.get_by_role("checkbox", name=group, exact=True).check()
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.get_by_role("cell", name=group)).to_be_visible()
    page.get_by_role("button", name="Create user", exact=True).click()
    expect(page.get_by_role("heading", name="Retrieve password")).to_be_visible()
    signin_url = page.locator("dt:has-text('Console sign-in URL') + dd").inner_text().strip()
    return re.sub(r"^https?://[^/]+", "", signin_url)
