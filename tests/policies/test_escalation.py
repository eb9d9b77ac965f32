"""No privilege escalation: a user who may read IAM and create things, but holds none of
iam:AttachUserPolicy, iam:PutUserPolicy, iam:AddUserToGroup, iam:CreatePolicyVersion,
iam:AttachGroupPolicy (nor the other actions that change who may do what), cannot gain
permissions by any route of the console. Each attempt is refused with AWS's AccessDenied
page (403) and leaves the database exactly as it was.

The attacker, bob:

- is in the group ``Staff``, which has IAMReadOnlyAccess and the customer policy
  ``StaffPolicy`` (default v2 lists the receipts bucket; v1, older, allows everything);
- has an inline Deny guardrail and the managed Deny ``NoS3``, and a permissions boundary;
- may also create users, groups, policies and roles (iam:CreateUser, iam:CreateGroup,
  iam:CreatePolicy, iam:CreateRole) — nothing that attaches, puts, adds or tags.

The prizes: the group ``Admins`` (AdministratorAccess; alice is in it), the role
``AdminRole`` (AdministratorAccess, trusting the account, so sts:AssumeRole is needed),
the group ``Restricted`` (a Deny bob is in), and ABAC: a policy that allows everything to
principals tagged ``team=admins``.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from accounts import services as accounts_services
from accounts.models import Group, GroupMembership, Role, User
from policies import services as policy_services
from policies.models import InlinePolicy, ManagedPolicy, PermissionsBoundary, PolicyAttachment, PolicyVersion
from tests.conftest import attach_aws_policy, csrf_post, grant, signed_in_client

from .helpers import doc

pytestmark = pytest.mark.django_db

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
ALLOW_ALL = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
WIZARD = "user_create_wizard"
ROLE_WIZARD = "role_create_wizard"


def db_state() -> dict:
    """Everything that decides who may do what, as comparable plain values."""
    return {
        "users": sorted(User.objects.values_list("account_id", "user_name", "password", "tags")),
        "groups": sorted(Group.objects.values_list("account_id", "name")),
        "memberships": sorted(GroupMembership.objects.values_list("group__name", "user__user_name")),
        "attachments": sorted(PolicyAttachment.objects.values_list(
            "policy__name", "user__user_name", "group__name", "role__name"), key=repr),
        "inline": sorted(InlinePolicy.objects.values_list(
            "name", "document", "user__user_name", "group__name", "role__name"), key=repr),
        "boundaries": sorted(PermissionsBoundary.objects.values_list(
            "policy__name", "user__user_name", "role__name"), key=repr),
        "policies": sorted(ManagedPolicy.objects.filter(account__isnull=False).values_list("account_id", "name")),
        "versions": sorted(PolicyVersion.objects.filter(policy__account__isnull=False).values_list(
            "policy__name", "number", "is_default", "document")),
        "roles": sorted(Role.objects.values_list("name", "trust_policy", "tags"), key=repr),
    }


@pytest.fixture
def world(account, alice, bob, aws_managed_policies):
    admins = accounts_services.create_group(account, name="Admins", users=[alice])
    attach_aws_policy(admins, "AdministratorAccess")
    staff = accounts_services.create_group(account, name="Staff", users=[bob])
    attach_aws_policy(staff, "IAMReadOnlyAccess")
    staff_policy = policy_services.create_policy(account, name="StaffPolicy", document=ALLOW_ALL)
    policy_services.create_policy_version(staff_policy, document=doc(), set_as_default=True)
    policy_services.attach_policy(staff, policy_arn=staff_policy.arn)
    restricted = accounts_services.create_group(account, name="Restricted", users=[bob])
    policy_services.put_group_policy(restricted, name="NoDeletes", document=doc(
        {"Effect": "Deny", "Action": "iam:Delete*", "Resource": "*"}))
    no_s3 = policy_services.create_policy(account, name="NoS3", document=doc(
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}))
    policy_services.attach_policy(bob, policy_arn=no_s3.arn)
    grant(bob, {"Effect": "Allow", "Action": ["iam:CreateUser", "iam:CreateGroup", "iam:CreatePolicy",
                                               "iam:CreateRole"], "Resource": "*"})
    policy_services.put_user_policy(bob, name="Guardrail", document=doc(
        {"Effect": "Deny", "Action": "iam:DeleteAccountAlias", "Resource": "*"}))
    boundary = policy_services.create_policy(account, name="BobBoundary", document=doc(
        {"Effect": "Allow", "Action": ["iam:*", "sts:*"], "Resource": "*"}))
    policy_services.put_user_permissions_boundary(bob, policy_arn=boundary.arn)
    abac = policy_services.create_policy(account, name="TeamAdmins", document=doc(
        {"Effect": "Allow", "Action": "*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "admins"}}}))
    policy_services.attach_policy(staff, policy_arn=abac.arn)
    from accounts import roles

    admin_role = roles.create_role(account, name="AdminRole", trust_policy=roles.account_trust_policy(
        account.account_id))
    policy_services.attach_role_policy(admin_role, policy_arn=ADMIN)
    return {"account": account, "staff_policy": staff_policy, "no_s3": no_s3, "admin_role": admin_role}


@pytest.fixture
def attacker(world, bob):
    return signed_in_client(bob)


def assert_refused(response, action: str, bob, before: dict) -> None:
    """403 with AWS's message for ``action``, and nothing saved."""
    body = response.content.decode()
    assert response.status_code == 403, (response.status_code, body[:1500])
    assert f"User: {bob.arn} is not authorized to perform: {action} on resource: " in body, body[:3000]
    assert db_state() == before


def wizard_step(client, step: str, prefix: str = WIZARD, url: str = "/iam/users/create/", **fields):
    data = {f"{prefix}-current_step": step}
    data.update({f"{step}-{name}": value for name, value in fields.items()})
    return csrf_post(client, url, data)


def run_user_wizard(client, permissions: dict):
    assert client.get("/iam/users/create/").status_code == 200
    response = wizard_step(client, "details", user_name="mole", path="/")
    assert response.status_code == 200, response.content.decode()[:2000]
    response = wizard_step(client, "permissions", **permissions)
    assert response.status_code == 200, response.content.decode()[:2000]
    return wizard_step(client, "review")


# ---------------------------------------------------------------------------
# The sanity of the set-up: bob really is limited, and the prizes really are prizes


def test_the_attacker_can_read_and_create_but_not_grant(world, attacker, bob):
    assert attacker.get("/iam/users/").status_code == 200
    assert attacker.get("/iam/users/create/").status_code == 200
    assert attacker.get("/iam/groups/Admins/").status_code == 200
    assert csrf_post(attacker, "/iam/users/bob/policies/attach/", {"policy_arns": [ADMIN]}).status_code == 403


# ---------------------------------------------------------------------------
# The create-user wizard: a new user with an admin's permissions


def test_wizard_copy_permissions_from_an_admin_is_refused(world, attacker, bob):
    before = db_state()
    response = run_user_wizard(attacker, {"option": "copy", "copy_from": "alice"})
    assert_refused(response, "iam:AddUserToGroup", bob, before)


def test_wizard_adding_the_new_user_to_the_admin_group_is_refused(world, attacker, bob):
    before = db_state()
    response = run_user_wizard(attacker, {"option": "groups", "groups": ["Admins"]})
    assert_refused(response, "iam:AddUserToGroup", bob, before)


def test_wizard_copy_permissions_from_a_user_with_attached_policies_is_refused(world, attacker, bob, account):
    carol = accounts_services.create_user(account, user_name="carol")
    policy_services.attach_policy(carol, policy_arn=ADMIN)
    before = db_state()
    response = run_user_wizard(attacker, {"option": "copy", "copy_from": "carol"})
    # Whatever the wizard does, the new user must not end up with AdministratorAccess...
    assert not PolicyAttachment.objects.filter(user__user_name="mole").exists()
    # ...and, as AWS's console, it copies the attached policies only with iam:AttachUserPolicy.
    assert_refused(response, "iam:AttachUserPolicy", bob, before)


def test_wizard_attaching_policies_directly_is_refused(world, attacker, bob):
    before = db_state()
    response = run_user_wizard(attacker, {"option": "policies", "policy_arns": [ADMIN]})
    assert not PolicyAttachment.objects.filter(user__user_name="mole").exists()
    assert_refused(response, "iam:AttachUserPolicy", bob, before)


# ---------------------------------------------------------------------------
# Groups


def test_creating_a_group_with_oneself_and_admin_policies_is_refused(world, attacker, bob):
    before = db_state()
    response = csrf_post(attacker, "/iam/groups/create/", {"name": "Shadow", "users": ["bob"],
                                                           "policy_arns": [ADMIN]})
    assert_refused(response, "iam:AddUserToGroup", bob, before)
    response = csrf_post(attacker, "/iam/groups/create/", {"name": "Shadow", "policy_arns": [ADMIN]})
    assert_refused(response, "iam:AttachGroupPolicy", bob, before)


def test_adding_oneself_to_the_admin_group_is_refused(world, attacker, bob):
    before = db_state()
    assert_refused(csrf_post(attacker, "/iam/groups/Admins/users/add/", {"users": ["bob"]}),
                   "iam:AddUserToGroup", bob, before)
    assert_refused(csrf_post(attacker, "/iam/users/bob/groups/add/", {"groups": ["Admins"]}),
                   "iam:AddUserToGroup", bob, before)


def test_attaching_a_policy_to_ones_own_group_is_refused(world, attacker, bob):
    before = db_state()
    assert_refused(csrf_post(attacker, "/iam/groups/Staff/policies/attach/", {"policy_arns": [ADMIN]}),
                   "iam:AttachGroupPolicy", bob, before)


def test_an_inline_policy_on_ones_own_group_is_refused(world, attacker, bob):
    before = db_state()
    assert_refused(csrf_post(attacker, "/iam/groups/Staff/policies/inline/create/",
                             {"name": "Mine", "document": ALLOW_ALL}), "iam:PutGroupPolicy", bob, before)


def test_leaving_or_deleting_a_group_that_denies_is_refused(world, attacker, bob):
    before = db_state()
    assert_refused(csrf_post(attacker, "/iam/groups/Restricted/users/bob/remove/"),
                   "iam:RemoveUserFromGroup", bob, before)
    assert_refused(csrf_post(attacker, "/iam/users/bob/groups/Restricted/remove/"),
                   "iam:RemoveUserFromGroup", bob, before)
    assert_refused(csrf_post(attacker, "/iam/groups/Restricted/delete/", {"confirm": "Restricted"}),
                   "iam:DeleteGroup", bob, before)
    assert_refused(csrf_post(attacker, "/iam/groups/Restricted/policies/inline/NoDeletes/delete/"),
                   "iam:DeleteGroupPolicy", bob, before)
    assert_refused(csrf_post(attacker, "/iam/groups/Restricted/policies/inline/NoDeletes/edit/",
                             {"document": ALLOW_ALL}), "iam:PutGroupPolicy", bob, before)


# ---------------------------------------------------------------------------
# One's own user


def test_attaching_a_policy_to_oneself_is_refused(world, attacker, bob):
    before = db_state()
    assert_refused(csrf_post(attacker, "/iam/users/bob/policies/attach/", {"policy_arns": [ADMIN]}),
                   "iam:AttachUserPolicy", bob, before)


def test_inline_policy_pages_on_oneself_are_refused(world, attacker, bob):
    before = db_state()
    assert_refused(csrf_post(attacker, "/iam/users/bob/policies/inline/create/",
                             {"name": "Mine", "document": ALLOW_ALL}), "iam:PutUserPolicy", bob, before)
    assert_refused(csrf_post(attacker, "/iam/users/bob/policies/inline/Guardrail/edit/",
                             {"document": ALLOW_ALL}), "iam:PutUserPolicy", bob, before)
    assert_refused(csrf_post(attacker, "/iam/users/bob/policies/inline/Guardrail/delete/"),
                   "iam:DeleteUserPolicy", bob, before)


def test_detaching_a_deny_from_oneself_is_refused(world, attacker, bob):
    before = db_state()
    no_s3 = world["no_s3"]
    assert_refused(csrf_post(attacker, "/iam/users/bob/policies/detach/", {"policy_arn": no_s3.arn}),
                   "iam:DetachUserPolicy", bob, before)
    assert_refused(csrf_post(attacker, f"/iam/policies/{no_s3.owner}/NoS3/entities/detach/",
                             {"entity_type": "user", "entity_name": "bob"}), "iam:DetachUserPolicy", bob, before)
    # Deleting the policy detaches it everywhere: refused as well.
    response = csrf_post(attacker, f"/iam/policies/{no_s3.owner}/NoS3/delete/", {"name": "NoS3", "confirm": "NoS3"})
    assert_refused(response, "iam:DeletePolicy", bob, before)


def test_setting_or_removing_ones_own_boundary_is_refused(world, attacker, bob):
    before = db_state()
    assert_refused(csrf_post(attacker, "/iam/users/bob/permissions-boundary/", {"policy_arn": ADMIN}),
                   "iam:PutUserPermissionsBoundary", bob, before)
    assert_refused(csrf_post(attacker, "/iam/users/bob/permissions-boundary/delete/"),
                   "iam:DeleteUserPermissionsBoundary", bob, before)


def test_tagging_oneself_into_an_abac_policy_is_refused(world, attacker, bob):
    before = db_state()
    assert_refused(csrf_post(attacker, "/iam/users/bob/tags/", {"key_0": "team", "value_0": "admins"}),
                   "iam:TagUser", bob, before)


def test_resetting_an_admins_console_password_is_refused(world, attacker, bob):
    before = db_state()
    response = csrf_post(attacker, "/iam/users/alice/console-access/",
                         {"password_type": "custom", "custom_password": "Taken-Over-2026!"})
    assert_refused(response, "iam:UpdateLoginProfile", bob, before)


# ---------------------------------------------------------------------------
# Policy versions of a policy that applies to oneself


def test_editing_a_policy_attached_to_oneself_is_refused(world, attacker, bob):
    policy = world["staff_policy"]
    before = db_state()
    response = csrf_post(attacker, f"/iam/policies/{policy.owner}/{policy.name}/edit/",
                         {"document": ALLOW_ALL, "set_as_default": "on"})
    assert_refused(response, "iam:CreatePolicyVersion", bob, before)


def test_making_an_older_permissive_version_the_default_is_refused(world, attacker, bob):
    policy = world["staff_policy"]
    before = db_state()
    response = csrf_post(attacker, f"/iam/policies/{policy.owner}/{policy.name}/versions/v1/set-default/")
    assert_refused(response, "iam:SetDefaultPolicyVersion", bob, before)
    response = csrf_post(attacker, f"/iam/policies/{policy.owner}/{policy.name}/versions/v2/delete/")
    assert_refused(response, "iam:DeletePolicyVersion", bob, before)


# ---------------------------------------------------------------------------
# Roles


def test_switching_to_a_role_that_trusts_only_the_account_is_refused(world, attacker, bob, account):
    from accounts.role_sessions import SESSION_ROLE

    before = db_state()
    response = csrf_post(attacker, "/switchrole", {"account": account.account_id, "role_name": "AdminRole",
                                                   "display_name": "Admin"})
    assert response.status_code == 403
    assert "sts:AssumeRole" in response.content.decode()
    assert SESSION_ROLE not in attacker.session
    assert db_state() == before
    # Still bob, with bob's permissions.
    assert attacker.get("/iam/").context["iam"].role_session is None
    assert attacker.get("/iam/roles/AdminRole/delete/").status_code == 403


def test_rewriting_an_admin_roles_trust_policy_is_refused(world, attacker, bob, account):
    before = db_state()
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": bob.arn}, "Action": "sts:AssumeRole"}]})
    response = csrf_post(attacker, "/iam/roles/AdminRole/trust/edit/", {"policy": trust})
    assert_refused(response, "iam:UpdateAssumeRolePolicy", bob, before)


def test_creating_a_role_that_trusts_oneself_with_admin_policies_is_refused(world, attacker, bob):
    before = db_state()
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": bob.arn}, "Action": "sts:AssumeRole"}]}, indent=2)
    url = "/iam/roles/create/"
    assert attacker.get(url).status_code == 200
    first = wizard_step(attacker, "trusted_entity", ROLE_WIZARD, url, entity_type="custom", custom_policy=trust)
    assert first.status_code == 200, first.content.decode()[:2000]
    second = wizard_step(attacker, "permissions", ROLE_WIZARD, url, policy_arns=[ADMIN])
    assert second.status_code == 200, second.content.decode()[:2000]
    response = wizard_step(attacker, "details", ROLE_WIZARD, url, name="Escape")
    assert_refused(response, "iam:AttachRolePolicy", bob, before)


def test_role_policy_pages_are_refused(world, attacker, bob):
    """A role that trusts the account, once given admin policies, is a prize for anyone who
    may then assume it: attaching, writing inline policies and lifting the boundary are refused."""
    before = db_state()
    role_name = {"role_name": "AdminRole"}
    assert_refused(csrf_post(attacker, reverse("accounts:role_attach", kwargs=role_name),
                             {"policy_arns": [ADMIN]}), "iam:AttachRolePolicy", bob, before)
    assert_refused(csrf_post(attacker, reverse("accounts:role_inline_create", kwargs=role_name),
                             {"name": "Mine", "document": ALLOW_ALL}), "iam:PutRolePolicy", bob, before)
    assert_refused(csrf_post(attacker, reverse("accounts:role_boundary", kwargs=role_name),
                             {"policy_arn": ADMIN}), "iam:PutRolePermissionsBoundary", bob, before)
