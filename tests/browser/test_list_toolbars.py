"""Issue 11 item 13, in Chromium: the User groups, Roles and Policies lists have the Users
list's toolbar — tick rows, Delete, a confirmation naming what goes, type "delete" — and the
lists and the confirmation fit a 390 px phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accounts import demo, roles, services
from accounts.models import Group, Role
from policies import services as policy_services
from policies.models import ManagedPolicy
from tests.browser import steps
from tests.policies.helpers import doc


@pytest.fixture
def coffee_shop(live_server):
    return demo.load_demo()


def delete_ticked(page: Page, list_path: str, names: list[str], heading: str) -> None:
    page.goto(list_path)
    for name in names:
        page.get_by_role("checkbox", name=f"Select {name}", exact=True).check()
    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    for name in names:
        expect(page.get_by_role("rowheader", name=name, exact=True)).to_be_visible()
    page.get_by_label("To confirm deletion, enter delete in the text input field.").fill("delete")
    page.get_by_role("button", name="Delete", exact=True).click()


def test_item_13_groups_roles_and_policies_are_deleted_from_their_lists(page: Page, coffee_shop):
    account = coffee_shop.account
    services.create_group(account, name="Interns", users=[services.create_user(account, user_name="ivy")])
    services.create_group(account, name="Temps")
    roles.create_role(account, name="BatchJob", trust_policy=roles.service_trust_policy("ec2.amazonaws.com"))
    policy_services.create_policy(account, name="ScratchPolicy", document=doc())
    steps.sign_in_as_root(page, demo.ROOT_EMAIL, demo.PASSWORD)

    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/iam/groups/", "/iam/roles/", "/iam/policies/",
                 "/iam/groups/delete/selected/?groups=Interns&groups=Temps", "/iam/users/delete/selected/?users=ivy"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    page.set_viewport_size({"width": 1280, "height": 800})

    delete_ticked(page, "/iam/groups/", ["Interns", "Temps"], "Delete 2 user groups?")
    expect(page.get_by_text("2 user groups deleted.")).to_be_visible()
    assert not Group.objects.filter(account=account, name__in=["Interns", "Temps"]).exists()

    delete_ticked(page, "/iam/roles/", ["BatchJob"], "Delete 1 role?")
    expect(page.get_by_text("1 role deleted.")).to_be_visible()
    assert not Role.objects.filter(account=account, name="BatchJob").exists()

    # AWS managed: nothing to tick (searched by description: 1,600 policies are paged).
    page.goto("/iam/policies/?q=read-only%20access%20to%20AWS%20services")
    expect(page.get_by_role("rowheader", name="ReadOnlyAccess", exact=True)).to_be_visible()
    expect(page.get_by_role("checkbox", name="Select ReadOnlyAccess")).to_have_count(0)
    delete_ticked(page, "/iam/policies/?q=Scratch", ["ScratchPolicy"], "Delete 1 policy?")
    expect(page.get_by_text("1 policy deleted.")).to_be_visible()
    assert not ManagedPolicy.objects.filter(account=account, name="ScratchPolicy").exists()
