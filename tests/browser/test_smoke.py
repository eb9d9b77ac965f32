"""The sign-in page renders in a real browser and a root user can sign up."""

from __future__ import annotations

from accounts.models import User


def test_a_newcomer_signs_up_and_lands_on_the_dashboard(page, live_server):
    page.goto("/signup/")
    page.get_by_label("Root user email address").fill("owner@browser.example")
    page.get_by_label("Root user password", exact=True).fill("Coffee-Shop-Owner-2026!")
    page.get_by_label("Confirm root user password").fill("Coffee-Shop-Owner-2026!")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/iam/")
    assert page.get_by_role("heading", name="IAM Dashboard").is_visible()
    account_id = User.objects.get(email="owner@browser.example").account.account_id
    assert account_id in page.content()
