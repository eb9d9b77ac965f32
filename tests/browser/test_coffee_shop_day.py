"""The coffee-shop employee's day in a real browser (shared/seed): sign in, assume Cashier
(cash register allowed, inventory denied), switch to Inventory (the reverse), switch back.
The navigation shows each role's display name in its colour."""

from __future__ import annotations

from accounts import demo

CASH = "arn:aws:s3:::cash-register/receipts.csv"
STOCK = "arn:aws:s3:::inventory/stock.csv"
GREEN = "rgb(183, 202, 157)"  # B7CA9D
YELLOW = "rgb(250, 215, 145)"  # FAD791


def badge_colour(page) -> str:
    return page.locator("summary.role-badge").evaluate("e => getComputedStyle(e).backgroundColor")


def try_request(page, action: str, resource: str):
    page.get_by_label("Action", exact=True).fill(action)
    page.get_by_label("Resource", exact=True).fill(resource)
    page.get_by_role("button", name="Try it").click()
    return page.get_by_test_id("tried")


def test_the_employee_assumes_cashier_then_inventory_then_switches_back(page, live_server):
    result = demo.load_demo()
    account_id = result.account.account_id

    page.goto("/signin/coffee-shop/")
    page.get_by_label("IAM user name").fill(demo.EMPLOYEE)
    page.get_by_label("Password").fill(demo.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "maria @ coffee-shop" in page.locator(".identity-menu summary").inner_text()

    # Morning: the cash register. AWS's link form prefills the Switch Role page.
    page.goto("/switchrole?account=coffee-shop&roleName=Cashier&displayName=Cashier&color=B7CA9D")
    assert page.get_by_label("Account ID").input_value() == "coffee-shop"
    assert page.get_by_label("Green").is_checked()
    page.get_by_role("button", name="Switch Role").click()
    page.wait_for_url("**/console/home/")
    page.goto("/switchrole")
    summary = page.locator("summary.role-badge")
    assert summary.inner_text().startswith("Cashier")
    assert badge_colour(page) == GREEN
    assert page.get_by_test_id("session-arn").inner_text() == \
        f"arn:aws:sts::{account_id}:assumed-role/Cashier/maria"
    assert "Allowed" in try_request(page, "s3:GetObject", CASH).inner_text()
    denied = try_request(page, "s3:GetObject", STOCK).inner_text()
    assert "AccessDenied" in denied
    assert (f"User: arn:aws:sts::{account_id}:assumed-role/Cashier/maria is not authorized to perform: "
            f"s3:GetObject on resource: {STOCK}") in denied

    # Later: the inventory, from the same form; cash register access is gone.
    page.get_by_label("Account ID").fill("coffee-shop")
    page.get_by_label("IAM role name").fill("Inventory")
    page.get_by_label("Display name - optional").fill("Inventory")
    page.get_by_label("Yellow").check()
    page.get_by_role("button", name="Switch Role").click()
    page.wait_for_url("**/console/home/")
    page.goto("/switchrole")
    assert page.locator("summary.role-badge").inner_text().startswith("Inventory")
    assert badge_colour(page) == YELLOW
    assert "Allowed" in try_request(page, "s3:PutObject", STOCK).inner_text()
    denied = try_request(page, "s3:GetObject", CASH).inner_text()
    assert (f"User: arn:aws:sts::{account_id}:assumed-role/Inventory/maria is not authorized to perform: "
            f"s3:GetObject on resource: {CASH}") in denied

    # The identity menu keeps both roles in its history and offers Switch back.
    page.locator(".identity-menu summary").click()
    history = page.locator(".role-history")
    assert history.get_by_role("button", name="Inventory").is_visible()
    assert history.get_by_role("button", name="Cashier").is_visible()
    page.get_by_role("button", name="Switch back to maria").click()
    page.wait_for_load_state()
    assert page.locator("summary.role-badge").count() == 0
    assert "maria @ coffee-shop" in page.locator(".identity-menu summary").inner_text()
