"""Inline denials: on a page the caller may view, each action it may not perform is shown
disabled (not a link, not an enabled submit), with AWS's AccessDenied message as the
button's title and as visually-hidden text; the action it may perform is a working link or
submit button.

Issue 4: "An IAM user with IAMReadOnlyAccess can see everything in IAM and change
nothing". So bob (IAMReadOnlyAccess) opens every list and detail page (200) and finds every
write button disabled with the reason, naming the resource the target page authorises;
the root user and alice (AdministratorAccess) find the same buttons enabled. One test per
page family, each run for the three callers.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles, services, tags
from policies import services as policy_services
from tests.conftest import attach_aws_policy, grant, signed_in_client
from tests.policies.helpers import doc

pytestmark = pytest.mark.django_db

CALLERS = ["root", "admin", "readonly"]
BOUNDARY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
TRUST = roles.service_trust_policy("ec2.amazonaws.com")


# ---------------------------------------------------------------------------
# The page's controls, as a screen reader meets them


class Controls(HTMLParser):
    """Every link and button inside ``<main>``: its visible label, its visually-hidden
    text, its attributes, and the denied-reason text that follows a disabled one."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[dict] = []
        self.in_main = False
        self.current: dict | None = None
        self.span_kind = ""  # "hidden" inside a control's hidden text, "reason" in a denied-reason

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "main":
            self.in_main = True
        elif not self.in_main:
            return
        elif tag in ("a", "button") and self.current is None:
            self.current = {"tag": tag, "attrs": attributes, "label": "", "hidden": "", "reason": ""}
        elif tag == "span" and "denied-reason" in classes and self.current is None:
            self.span_kind = "reason"
        elif tag == "span" and "visually-hidden" in classes and self.current is not None:
            self.span_kind = "hidden"

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main = False
        elif tag == "span":
            self.span_kind = ""
        elif self.current is not None and tag == self.current["tag"]:
            self.current["label"] = " ".join(self.current["label"].split())
            self.found.append(self.current)
            self.current = None

    def handle_data(self, data):
        if self.current is not None:
            self.current["hidden" if self.span_kind == "hidden" else "label"] += data
        elif self.span_kind == "reason" and self.found:
            self.found[-1]["reason"] += data


    @classmethod
    def all(cls, response) -> list[dict]:
        assert response.status_code == 200, response.content[:300]
        parser = cls()
        parser.feed(response.content.decode())
        return parser.found


def controls(response, label: str) -> list[dict]:
    found = [c for c in Controls.all(response) if c["label"] == label]
    assert found, f"no {label!r} control on {response.wsgi_request.path}"
    return found


def message(caller, action: str, resource: str) -> str:
    return (f"User: {caller.arn} is not authorized to perform: {action} on resource: {resource} "
            f"because no identity-based policy allows the {action} action")


def check(response, who: str, caller, label: str, *expected: tuple[str, str]) -> list[dict]:
    """The ``label`` controls, one per ``(action, resource)`` in page order: enabled for root
    and admin; for the read-only caller, disabled with AWS's message on that resource."""
    found = controls(response, label)
    assert len(found) == len(expected), (label, found)
    for control, (action, resource) in zip(found, expected):
        attrs = control["attrs"]
        if who == "readonly":
            wanted = message(caller, action, resource)
            assert control["tag"] == "button" and attrs.get("type") == "button", control
            assert "disabled" in attrs and attrs.get("aria-disabled") == "true", control
            assert "href" not in attrs and "form" not in attrs, control
            assert attrs["title"] == wanted, (attrs["title"], wanted)
            assert control["reason"] == wanted  # read by screen readers, next to the button
            assert attrs["data-denied-action"] == action
        else:
            assert "disabled" not in attrs and "aria-disabled" not in attrs, control
            assert not control["reason"]
            assert (control["tag"] == "a" and attrs["href"]) or attrs.get("type") == "submit", control
    return found


# ---------------------------------------------------------------------------
# An account with something of everything, and three callers


@pytest.fixture
def world(account, alice, bob, aws_managed_policies):
    """alice: AdministratorAccess; bob: IAMReadOnlyAccess; carol: the user the pages are about
    (console password, in Cashiers, an attached and an inline policy, a boundary, a tag, an
    MFA device); Cashiers and the role Inventory have policies too; Receipts has two versions."""
    attach_aws_policy(alice, "AdministratorAccess")
    attach_aws_policy(bob, "IAMReadOnlyAccess")
    services.set_account_alias(account, "coffee-denials")
    receipts = policy_services.create_policy(account, name="Receipts", document=doc())
    policy_services.create_policy_version(
        receipts, document=doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
        set_as_default=True)
    carol = services.create_user(account, user_name="carol", console_password="Carol-Console-2026!")
    tags.save_tags(carol, [("team", "front")])
    cashiers = services.create_group(account, name="Cashiers", users=[carol])
    for owner in (carol, cashiers):
        policy_services.attach_policy(owner, policy_arn=receipts.arn)
    policy_services.put_user_policy(carol, name="carol-inline", document=doc())
    policy_services.put_group_policy(cashiers, name="cashiers-inline", document=doc())
    policy_services.put_user_permissions_boundary(carol, policy_arn=BOUNDARY)
    TOTPDevice.objects.create(user=carol, name="carol-phone", confirmed=True)
    role = roles.create_role(account, name="Inventory", trust_policy=TRUST, tags=[("team", "back")],
                             policy_arns=[receipts.arn], boundary_arn=BOUNDARY)
    policy_services.put_role_policy(role, name="inventory-inline", document=doc())
    return {"carol": carol, "cashiers": cashiers, "role": role, "receipts": receipts}


@pytest.fixture(params=CALLERS)
def who(request, world, root, alice, bob):
    caller = {"root": root, "admin": alice, "readonly": bob}[request.param]
    return request.param, caller, signed_in_client(caller)


# ---------------------------------------------------------------------------
# One test per page family


def test_users_list(who, account):
    name, caller, client = who
    page = client.get("/iam/users/")
    check(page, name, caller, "Create user", ("iam:CreateUser", account.arn("user/")))
    (delete,) = check(page, name, caller, "Delete", ("iam:DeleteUser", account.arn("user/")))
    if name != "readonly":
        assert 'href="/iam/users/create/">Create user</a>' in page.content.decode()
        assert delete["attrs"]["form"] == "users-selection"


def test_user_page_and_its_tabs(who, world, account):
    name, caller, client = who
    carol = world["carol"].arn
    page = client.get("/iam/users/carol/")  # the Permissions tab
    check(page, name, caller, "Delete", ("iam:DeleteUser", carol))
    check(page, name, caller, "Attach policies", ("iam:AttachUserPolicy", carol))
    check(page, name, caller, "Create inline policy", ("iam:PutUserPolicy", carol))
    # Rows by name: carol-inline (edit, remove: a link to its page), Receipts (attached
    # directly: detach, a submit); Cashiers' rows (through the group) have no buttons here.
    check(page, name, caller, "Remove", ("iam:DeleteUserPolicy", carol), ("iam:DetachUserPolicy", carol))
    check(page, name, caller, "Edit", ("iam:PutUserPolicy", carol))
    check(page, name, caller, "Change boundary", ("iam:PutUserPermissionsBoundary", carol))
    check(page, name, caller, "Remove boundary", ("iam:DeleteUserPermissionsBoundary", carol))

    page = client.get("/iam/users/carol/?tab=groups")
    # The page lists the groups (iam:ListGroups, allowed), then adds to each chosen one.
    check(page, name, caller, "Add user to groups", ("iam:AddUserToGroup", account.arn("group/*")))
    (remove,) = check(page, name, caller, "Remove", ("iam:RemoveUserFromGroup", world["cashiers"].arn))
    assert remove["hidden"] == " from Cashiers"

    page = client.get("/iam/users/carol/?tab=security_credentials")
    check(page, name, caller, "Manage console access", ("iam:UpdateLoginProfile", carol))
    check(page, name, caller, "Assign MFA device", ("iam:EnableMFADevice", carol))
    check(page, name, caller, "Resync", ("iam:ResyncMFADevice", carol))
    check(page, name, caller, "Remove", ("iam:DeactivateMFADevice", carol))

    page = client.get("/iam/users/carol/?tab=tags")
    check(page, name, caller, "Manage tags", ("iam:TagUser", carol))


def test_enable_console_access_asks_create_login_profile(who, account):
    name, caller, client = who
    dave = services.create_user(account, user_name="dave")
    page = client.get("/iam/users/dave/?tab=security_credentials")
    check(page, name, caller, "Enable console access", ("iam:CreateLoginProfile", dave.arn))


def test_groups_list_and_group_page(who, world, account):
    name, caller, client = who
    cashiers = world["cashiers"].arn
    check(client.get("/iam/groups/"), name, caller, "Create group", ("iam:CreateGroup", account.arn("group/")))

    page = client.get("/iam/groups/Cashiers/")  # the Users tab
    check(page, name, caller, "Delete", ("iam:DeleteGroup", cashiers))
    check(page, name, caller, "Edit", ("iam:UpdateGroup", cashiers))
    check(page, name, caller, "Add users", ("iam:AddUserToGroup", cashiers))
    (remove,) = check(page, name, caller, "Remove", ("iam:RemoveUserFromGroup", cashiers))
    assert remove["hidden"] == " carol from Cashiers"

    page = client.get("/iam/groups/Cashiers/?tab=permissions")
    check(page, name, caller, "Attach policies", ("iam:AttachGroupPolicy", cashiers))
    check(page, name, caller, "Create inline policy", ("iam:PutGroupPolicy", cashiers))
    check(page, name, caller, "Edit", ("iam:UpdateGroup", cashiers), ("iam:PutGroupPolicy", cashiers))
    check(page, name, caller, "Remove", ("iam:DeleteGroupPolicy", cashiers), ("iam:DetachGroupPolicy", cashiers))


def test_roles_list_and_role_page(who, world, account):
    name, caller, client = who
    role = world["role"].arn
    check(client.get("/iam/roles/"), name, caller, "Create role", ("iam:CreateRole", account.arn("role/")))

    page = client.get("/iam/roles/Inventory/")  # the Permissions tab
    check(page, name, caller, "Delete", ("iam:DeleteRole", role))
    check(page, name, caller, "Edit", ("iam:UpdateRole", role), ("iam:PutRolePolicy", role))
    check(page, name, caller, "Attach policies", ("iam:AttachRolePolicy", role))
    check(page, name, caller, "Create inline policy", ("iam:PutRolePolicy", role))
    check(page, name, caller, "Remove", ("iam:DetachRolePolicy", role), ("iam:DeleteRolePolicy", role))
    check(page, name, caller, "Change boundary", ("iam:PutRolePermissionsBoundary", role))
    check(page, name, caller, "Remove boundary", ("iam:DeleteRolePermissionsBoundary", role))

    page = client.get("/iam/roles/Inventory/?tab=trust")
    check(page, name, caller, "Edit trust policy", ("iam:UpdateAssumeRolePolicy", role))
    page = client.get("/iam/roles/Inventory/?tab=tags")
    check(page, name, caller, "Manage tags", ("iam:TagRole", role))


def test_policies_list_and_policy_pages(who, world, account):
    name, caller, client = who
    receipts = world["receipts"].arn
    base = f"/iam/policies/{account.account_id}/Receipts/"
    check(client.get("/iam/policies/"), name, caller, "Create policy", ("iam:CreatePolicy", account.arn("policy/*")))

    for url in (base, base + "entities/", base + "versions/v1/"):
        page = client.get(url)
        check(page, name, caller, "Edit", ("iam:CreatePolicyVersion", receipts))
        check(page, name, caller, "Delete", ("iam:DeletePolicy", receipts))

    page = client.get(base + "versions/")  # v1 is not the default: it may be made so, or deleted
    check(page, name, caller, "Set as default", ("iam:SetDefaultPolicyVersion", receipts))
    check(page, name, caller, "Delete", ("iam:DeletePolicy", receipts), ("iam:DeletePolicyVersion", receipts))

    page = client.get(base + "entities/")
    detaches = check(page, name, caller, "Detach", ("iam:DetachUserPolicy", world["carol"].arn),
                     ("iam:DetachGroupPolicy", world["cashiers"].arn),
                     ("iam:DetachRolePolicy", world["role"].arn))
    assert [c["hidden"] for c in detaches] == [" carol", " Cashiers", " Inventory"]

    # An AWS managed policy is read-only for everyone: no Edit or Delete; its boundaries may go.
    page = client.get("/iam/policies/aws/AmazonS3ReadOnlyAccess/entities/")
    assert "AWS managed · read-only" in page.content.decode()
    assert not [c for c in Controls.all(page) if c["label"] in ("Edit", "Delete")]
    check(page, name, caller, "Remove boundary", ("iam:DeleteUserPermissionsBoundary", world["carol"].arn),
          ("iam:DeleteRolePermissionsBoundary", world["role"].arn))


def test_inline_policy_pages(who, world):
    name, caller, client = who
    for url, noun, owner in (
        ("/iam/users/carol/policies/inline/carol-inline/", "User", world["carol"]),
        ("/iam/groups/Cashiers/policies/inline/cashiers-inline/", "Group", world["cashiers"]),
        ("/iam/roles/Inventory/policies/inline/inventory-inline/", "Role", world["role"]),
    ):
        page = client.get(url)
        check(page, name, caller, "Edit", (f"iam:Put{noun}Policy", owner.arn))
        check(page, name, caller, "Delete", (f"iam:Delete{noun}Policy", owner.arn))


def test_account_settings(who):
    name, caller, client = who
    page = client.get("/iam/account/")
    check(page, name, caller, "Edit", ("iam:CreateAccountAlias", "*"))
    check(page, name, caller, "Delete", ("iam:DeleteAccountAlias", "*"))


def test_my_security_credentials(who):
    name, caller, client = who
    page = client.get("/iam/security-credentials/")
    check(page, name, caller, "Assign MFA device", ("iam:EnableMFADevice", caller.arn))


# ---------------------------------------------------------------------------
# The buttons and their pages agree


def test_a_disabled_button_names_what_its_page_would_deny(world, bob, account):
    """Following the read-only caller's disabled buttons' targets gives the same message
    (same action, same resource) on the 403 page."""
    client = signed_in_client(bob)
    for url, action, resource in (
        ("/iam/users/create/", "iam:CreateUser", account.arn("user/")),
        ("/iam/groups/create/", "iam:CreateGroup", account.arn("group/")),
        ("/iam/roles/create/", "iam:CreateRole", account.arn("role/")),
        ("/iam/policies/create/", "iam:CreatePolicy", account.arn("policy/*")),
        ("/iam/users/carol/delete/", "iam:DeleteUser", world["carol"].arn),
        ("/iam/groups/Cashiers/users/add/", "iam:AddUserToGroup", world["cashiers"].arn),
        ("/iam/roles/Inventory/edit/", "iam:UpdateRole", world["role"].arn),
        (f"/iam/policies/{account.account_id}/Receipts/edit/", "iam:CreatePolicyVersion",
         world["receipts"].arn),
    ):
        denied = client.get(url)
        assert denied.status_code == 403, url
        assert message(bob, action, resource) in denied.content.decode(), url


def test_a_delegate_limited_to_some_policies_may_open_attach(world, bob):
    """The attach page opens for a caller whom only iam:PolicyARN (which the form supplies)
    stands between and an allow; its button is a link too, and the page decides per policy."""
    grant(bob, {"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": "*",
                "Condition": {"ArnEquals": {"iam:PolicyARN": world["receipts"].arn}}})
    client = signed_in_client(bob)
    assert client.get("/iam/users/carol/policies/attach/").status_code == 200
    page = client.get("/iam/users/carol/")
    (attach,) = controls(page, "Attach policies")
    assert attach["tag"] == "a" and attach["attrs"]["href"] == "/iam/users/carol/policies/attach/"
    (inline,) = controls(page, "Create inline policy")
    assert "disabled" in inline["attrs"]


def test_buttons_per_row_cost_no_query(world, bob, account):
    """A button per row (Remove from each group, Detach from each entity) is decided in
    memory with the policy set loaded once: more rows, not more queries."""
    client = signed_in_client(bob)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    carol = world["carol"]
    groups_tab = "/iam/users/carol/?tab=groups"
    entities = f"/iam/policies/{account.account_id}/Receipts/entities/"
    queries(groups_tab), queries(entities)  # the first requests also record bob's use (last accessed)
    before = queries(groups_tab), queries(entities)
    for index in range(5):
        group = services.create_group(account, name=f"Extra{index}", users=[carol])
        policy_services.attach_policy(group, policy_arn=world["receipts"].arn)
    assert (queries(groups_tab), queries(entities)) == before
    assert len(controls(client.get(groups_tab), "Remove")) == 6
