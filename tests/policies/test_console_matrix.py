"""The console governs itself: (policy set, console action) pairs through the real views.

Each case gives bob a policy set (AWS managed policies attached through
``policies.services``, inline grants, groups, a boundary), signs him in, performs one
console action over HTTP and expects either success (2xx/3xx, and the change made) or
AWS's AccessDenied page (403 with the message's exact tail, and nothing changed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from accounts import roles
from accounts import services as accounts_services
from accounts.models import Group, User
from policies import services as policy_services
from policies.models import PolicyAttachment
from tests.conftest import USER_PASSWORD, attach_aws_policy, csrf_post, grant, signed_in_client

from .helpers import doc
from .test_escalation import db_state

pytestmark = pytest.mark.django_db

ALLOW = "allow"
NO_IDENTITY = "because no identity-based policy allows the {action} action"
EXPLICIT = "with an explicit deny in an identity-based policy"
NO_BOUNDARY = "because no permissions boundary allows the {action} action"
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
NEW_PASSWORD = "Barista-Mocha-2027!"


# ---------------------------------------------------------------------------
# Policy sets


def _group_with(bob, name: str, policy: str) -> None:
    group = accounts_services.create_group(bob.account, name=name, users=[bob])
    attach_aws_policy(group, policy)


POLICY_SETS: dict[str, Callable] = {
    "none": lambda bob: None,
    "IAMReadOnlyAccess": lambda bob: attach_aws_policy(bob, "IAMReadOnlyAccess"),
    "IAMUserChangePassword": lambda bob: attach_aws_policy(bob, "IAMUserChangePassword"),
    "AdministratorAccess": lambda bob: attach_aws_policy(bob, "AdministratorAccess"),
    "Admin+Deny": lambda bob: (attach_aws_policy(bob, "AdministratorAccess"), grant(
        bob, {"Sid": "NoGroupChanges", "Effect": "Deny", "Action": ["iam:CreateGroup", "iam:DeleteGroup"],
              "Resource": "*"})),
    "Admin+ReadOnlyBoundary": lambda bob: (
        attach_aws_policy(bob, "AdministratorAccess"),
        policy_services.put_user_permissions_boundary(
            bob, policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")),
    "self-service": lambda bob: grant(bob, {
        "Effect": "Allow", "Action": ["iam:GetUser", "iam:ListUserTags", "iam:TagUser", "iam:UntagUser"],
        "Resource": "arn:aws:iam::*:user/${aws:username}"}),
    "SourceIp-local": lambda bob: grant(bob, {
        "Effect": "Allow", "Action": "iam:*", "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}}),
    "SourceIp-office": lambda bob: grant(bob, {
        "Effect": "Allow", "Action": "iam:*", "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}),
    "MFA-for-writes": lambda bob: grant(
        bob, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
        {"Sid": "NoWritesWithoutMFA", "Effect": "Deny", "Action": ["iam:Create*", "iam:Delete*"],
         "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}),
    "group-admins": lambda bob: _group_with(bob, "Admins", "AdministratorAccess"),
    "group-readers": lambda bob: _group_with(bob, "Readers", "IAMReadOnlyAccess"),
    "NotAction": lambda bob: grant(bob, {
        "Effect": "Allow", "NotAction": ["iam:Create*", "iam:Delete*", "iam:Attach*", "iam:Put*"],
        "Resource": "*"}),
}


# ---------------------------------------------------------------------------
# Console actions: (method, path, data, the IAM action a denial names, check after success)


def group_exists(name):
    return lambda world: Group.objects.filter(account=world["account"], name=name).exists()


def group_gone(name):
    return lambda world: not Group.objects.filter(account=world["account"], name=name).exists()


def alice_tagged(world):
    return User.objects.get(pk=world["alice"].pk).tag_list == [{"Key": "team", "Value": "baristas"}]


def bob_tagged(world):
    return User.objects.get(pk=world["bob"].pk).tag_list == [{"Key": "team", "Value": "baristas"}]


def alias_set(world):
    world["account"].refresh_from_db()
    return world["account"].alias == "coffee-matrix"


def alice_has_admin(world):
    return PolicyAttachment.objects.filter(user=world["alice"], policy__name="AdministratorAccess").exists()


def bob_password_changed(world):
    return User.objects.get(pk=world["bob"].pk).check_password(NEW_PASSWORD)


def new_version(world):
    return world["policy"].versions.count() == 2


def create_user_flow(client, path, data):
    """Users › Create user, every step: carol, in the group Cashiers."""
    page = client.get(path)
    if page.status_code != 200:
        return page
    prefix = "user_create_wizard-current_step"
    for step, fields in (("details", {"user_name": "carol", "path": "/"}),
                         ("permissions", {"option": "groups", "groups": ["Cashiers"]}), ("review", {})):
        response = csrf_post(client, path, {prefix: step, **{f"{step}-{k}": v for k, v in fields.items()}})
        if response.status_code != 200:
            return response
    return response


def create_policy_flow(client, path, data):
    """Policies › Create policy: the JSON editor, then the name."""
    page = client.get(path)
    if page.status_code != 200:
        return page
    prefix = "policy_create_wizard-current_step"
    response = csrf_post(client, path, {prefix: "permissions", "permissions-document": doc()})
    if response.status_code != 200:
        return response
    return csrf_post(client, path, {prefix: "review", "review-name": "MatrixPolicy", "review-description": ""})


def carol_created(world):
    carol = User.objects.filter(account=world["account"], user_name="carol").first()
    return carol is not None and [g.name for g in carol.iam_groups.all()] == ["Cashiers"]


def _policy_exists(world, name):
    from policies.models import ManagedPolicy

    return ManagedPolicy.objects.filter(account=world["account"], name=name).exists()


@dataclass(frozen=True)
class Action:
    method: str
    path: str
    iam_action: str
    data: dict = field(default_factory=dict)
    check: Callable | None = None
    flow: Callable | None = None  # several requests (a wizard): (client, path, data) -> last response


A = {
    "dashboard": Action("GET", "/iam/", "iam:GetAccountSummary"),
    "users": Action("GET", "/iam/users/", "iam:ListUsers"),
    "user alice": Action("GET", "/iam/users/alice/", "iam:GetUser"),
    "user bob": Action("GET", "/iam/users/bob/", "iam:GetUser"),
    "groups": Action("GET", "/iam/groups/", "iam:ListGroups"),
    "group Cashiers": Action("GET", "/iam/groups/Cashiers/", "iam:GetGroup"),
    "roles": Action("GET", "/iam/roles/", "iam:ListRoles"),
    "role Cashier": Action("GET", "/iam/roles/Cashier/", "iam:GetRole"),
    "policies": Action("GET", "/iam/policies/", "iam:ListPolicies"),
    "customer policy": Action("GET", "/iam/policies/{acct}/ReceiptsReadOnly/", "iam:GetPolicy"),
    "aws policy": Action("GET", "/iam/policies/aws/AdministratorAccess/", "iam:GetPolicy"),
    "policy versions": Action("GET", "/iam/policies/{acct}/ReceiptsReadOnly/versions/", "iam:ListPolicyVersions"),
    "account settings": Action("GET", "/iam/account/", "iam:ListAccountAliases"),
    "alice's policies": Action("GET", "/iam/users/alice/policies/", "iam:ListAttachedUserPolicies"),
    "open create user": Action("GET", "/iam/users/create/", "iam:CreateUser"),
    "open create policy": Action("GET", "/iam/policies/create/", "iam:CreatePolicy"),
    "open edit policy": Action("GET", "/iam/policies/{acct}/ReceiptsReadOnly/edit/", "iam:CreatePolicyVersion"),
    "create user": Action("FLOW", "/iam/users/create/", "iam:CreateUser", check=carol_created,
                          flow=create_user_flow),
    "create policy": Action("FLOW", "/iam/policies/create/", "iam:CreatePolicy",
                            check=lambda world: _policy_exists(world, "MatrixPolicy"), flow=create_policy_flow),
    "create group": Action("POST", "/iam/groups/create/", "iam:CreateGroup", {"name": "Baristas"},
                           group_exists("Baristas")),
    "create group with admin policy": Action("POST", "/iam/groups/create/", "iam:CreateGroup",
                                             {"name": "Baristas", "policy_arns": [ADMIN_ARN]},
                                             group_exists("Baristas")),
    "delete group": Action("POST", "/iam/groups/Temp/delete/", "iam:DeleteGroup", {"confirm": "Temp"},
                           group_gone("Temp")),
    "set alias": Action("POST", "/iam/account/alias/", "iam:CreateAccountAlias", {"alias": "coffee-matrix"},
                        alias_set),
    "tag alice": Action("POST", "/iam/users/alice/tags/", "iam:TagUser", {"key_0": "team", "value_0": "baristas"},
                        alice_tagged),
    "tag bob": Action("POST", "/iam/users/bob/tags/", "iam:TagUser", {"key_0": "team", "value_0": "baristas"},
                      bob_tagged),
    "attach admin to alice": Action("POST", "/iam/users/alice/policies/attach/", "iam:AttachUserPolicy",
                                    {"policy_arns": [ADMIN_ARN]}, alice_has_admin),
    "edit policy": Action("POST", "/iam/policies/{acct}/ReceiptsReadOnly/edit/", "iam:CreatePolicyVersion",
                          {"document": doc({"Effect": "Allow", "Action": "s3:GetObject",
                                            "Resource": "arn:aws:s3:::receipts/*"}), "set_as_default": "on"},
                          new_version),
    "change own password": Action("POST", "/password/change/", "iam:ChangePassword",
                                  {"old_password": USER_PASSWORD, "new_password": NEW_PASSWORD,
                                   "new_password_confirm": NEW_PASSWORD}, bob_password_changed),
    "reset alice's password": Action("POST", "/iam/users/alice/console-access/", "iam:UpdateLoginProfile",
                                     {"password_type": "custom", "custom_password": NEW_PASSWORD}),
}


CASES = [
    # IAMReadOnlyAccess sees every IAM list and detail page, and can change nothing.
    *[("IAMReadOnlyAccess", name, ALLOW) for name in (
        "dashboard", "users", "user alice", "groups", "group Cashiers", "roles", "role Cashier", "policies",
        "customer policy", "aws policy", "policy versions", "account settings", "alice's policies")],
    *[("IAMReadOnlyAccess", name, NO_IDENTITY) for name in (
        "open create user", "open create policy", "open edit policy", "create user", "create policy",
        "create group", "delete group", "set alias",
        "tag alice", "attach admin to alice", "change own password", "reset alice's password")],
    # IAMUserChangePassword: their own password, nothing else.
    ("IAMUserChangePassword", "change own password", ALLOW),
    ("IAMUserChangePassword", "reset alice's password", NO_IDENTITY),
    ("IAMUserChangePassword", "users", NO_IDENTITY),
    ("IAMUserChangePassword", "dashboard", NO_IDENTITY),
    ("IAMUserChangePassword", "user bob", NO_IDENTITY),
    # AdministratorAccess: what root can do.
    *[("AdministratorAccess", name, ALLOW) for name in (
        "dashboard", "users", "open create user", "open create policy", "create user", "create policy",
        "create group",
        "create group with admin policy", "delete group", "set alias", "tag alice", "attach admin to alice",
        "edit policy", "reset alice's password", "change own password")],
    # An explicit Deny beats the Allow.
    ("Admin+Deny", "create group", EXPLICIT),
    ("Admin+Deny", "delete group", EXPLICIT),
    ("Admin+Deny", "users", ALLOW),
    ("Admin+Deny", "set alias", ALLOW),
    # A permissions boundary limits.
    ("Admin+ReadOnlyBoundary", "users", ALLOW),
    ("Admin+ReadOnlyBoundary", "create group", NO_BOUNDARY),
    ("Admin+ReadOnlyBoundary", "create user", NO_BOUNDARY),
    ("Admin+ReadOnlyBoundary", "tag alice", NO_BOUNDARY),
    ("Admin+ReadOnlyBoundary", "attach admin to alice", NO_BOUNDARY),
    # ${aws:username}: self-service on one's own user only.
    ("self-service", "user bob", ALLOW),
    ("self-service", "tag bob", ALLOW),
    ("self-service", "user alice", NO_IDENTITY),
    ("self-service", "users", NO_IDENTITY),
    # Conditions.
    ("SourceIp-local", "users", ALLOW),
    ("SourceIp-local", "create group", ALLOW),
    ("SourceIp-office", "users", NO_IDENTITY),
    ("SourceIp-office", "create group", NO_IDENTITY),
    ("MFA-for-writes", "groups", ALLOW),
    ("MFA-for-writes", "tag alice", ALLOW),
    ("MFA-for-writes", "create group", EXPLICIT),
    ("MFA-for-writes", "delete group", EXPLICIT),
    # Policies inherited from a group.
    ("group-admins", "create group", ALLOW),
    ("group-admins", "create user", ALLOW),
    ("group-admins", "attach admin to alice", ALLOW),
    ("group-readers", "users", ALLOW),
    ("group-readers", "create group", NO_IDENTITY),
    # NotAction: everything but the listed actions.
    ("NotAction", "users", ALLOW),
    ("NotAction", "tag alice", ALLOW),
    ("NotAction", "create group", NO_IDENTITY),
    ("NotAction", "set alias", NO_IDENTITY),
    ("NotAction", "attach admin to alice", NO_IDENTITY),
    # No policies at all.
    ("none", "users", NO_IDENTITY),
    ("none", "user bob", NO_IDENTITY),
]


def test_the_matrix_is_large_enough():
    assert len(CASES) >= 40
    assert len({(p, a) for p, a, _ in CASES}) == len(CASES)  # no pair twice


@pytest.fixture
def world(account, root, alice, bob, aws_managed_policies):
    cashiers = accounts_services.create_group(account, name="Cashiers", users=[alice])
    policy_services.put_group_policy(cashiers, name="Receipts", document=doc())
    accounts_services.create_group(account, name="Temp")
    policy = policy_services.create_policy(account, name="ReceiptsReadOnly", document=doc())
    policy_services.attach_policy(alice, policy_arn=policy.arn)
    roles.create_role(account, name="Cashier", trust_policy=roles.account_trust_policy(account.account_id))
    alice.set_password(USER_PASSWORD)
    return {"account": account, "alice": alice, "bob": bob, "policy": policy}


@pytest.mark.parametrize(("policy_set", "name", "expect"), CASES, ids=[f"{p}-{a}" for p, a, _ in CASES])
def test_console_action(policy_set, name, expect, world, bob):
    POLICY_SETS[policy_set](bob)
    client = signed_in_client(bob)
    action = A[name]
    path = action.path.format(acct=world["account"].account_id)
    before = db_state()
    if action.flow is not None:
        response = action.flow(client, path, action.data)
    elif action.method == "GET":
        response = client.get(path)
    else:
        response = csrf_post(client, path, action.data)
    body = response.content.decode()
    if expect == ALLOW:
        assert 200 <= response.status_code < 400, (response.status_code, body[:2000])
        if action.check is not None:
            assert action.check(world), f"{name}: the change was not made"
    else:
        assert response.status_code == 403, (response.status_code, body[:2000])
        tail = expect.format(action=action.iam_action)
        assert f"User: {bob.arn} is not authorized to perform: {action.iam_action} on resource: " in body
        assert tail in body, body[body.find("denied-message"):][:600]
        assert db_state() == before
