"""The sign-in page renders in a real browser and a root user can sign up."""

from __future__ import annotations

from accounts.models import User
from tests.browser import steps


def test_a_newcomer_signs_up_and_lands_on_console_home(page, live_server):
    account_id = steps.sign_up(page, "owner@browser.example", "Coffee-Shop-Owner-2026!")
    page.wait_for_url("**/console/home/")
    assert page.get_by_role("heading", name="Console Home").is_visible()
    assert User.objects.get(email="owner@browser.example").account.account_id == account_id
    assert account_id in page.content()
