"""A role's permissions: attached and inline policies, boundary, the Permissions tab and
"what this role can do", DeleteConflict on policies, and the role session holding the
role's permissions only (a user with AdministratorAccess assuming a read-only role
cannot create users)."""

from __future__ import annotations

import json

import pytest

from accounts import roles
from accounts.models import Role
from iamportal.errors import DeleteConflict, LimitExceeded
from policies import services as policy_services
from policies.loading import load_role_policy_set
from policies.models import InlinePolicy, PermissionsBoundary, PolicyAttachment
from tests.conftest import attach_aws_policy, csrf_post, grant

pytestmark = pytest.mark.django_db

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def trusting(user) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": user.arn}, "Action": "sts:AssumeRole"}]})


def doc(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def s3_read(bucket: str) -> dict:
    return {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject"],
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}


def switch(client, account, name, **extra):
    return csrf_post(client, "/switchrole", {"account": account.account_id, "role_name": name, **extra})


# ---------------------------------------------------------------------------
# Services


def test_role_policy_set_is_the_roles_policies_and_boundary_only(account, alice, aws_managed_policies):
    grant(alice, {"Effect": "Allow", "Action": "*", "Resource": "*"})
    role = roles.create_role(account, name="Reader", trust_policy=trusting(alice), policy_arns=[READ_ONLY],
                             boundary_arn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    policy_services.put_role_policy(role, name="till", document=doc(s3_read("cash-register")))
    policy_set = load_role_policy_set(role)
    assert sorted(p.name for p in policy_set.identity) == ["ReadOnlyAccess", "inline:till"]
    assert policy_set.boundary.name == "AmazonS3ReadOnlyAccess"


def test_inline_policies_of_a_role_hold_10240_characters(account, alice):
    role = roles.create_role(account, name="Big", trust_policy=trusting(alice))
    resources = [f"arn:aws:s3:::bucket-{n:04d}/*" for n in range(300)]
    big = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": resources})
    assert 6144 < policy_services.policy_size(big) <= 10240
    policy_services.put_role_policy(role, name="one", document=big)
    with pytest.raises(LimitExceeded, match="Cannot exceed quota for RolePolicySize: 10240"):
        policy_services.put_role_policy(role, name="two", document=big)


def test_a_role_takes_at_most_10_managed_policies(account, alice):
    role = roles.create_role(account, name="Many", trust_policy=trusting(alice))
    for n in range(10):
        policy = policy_services.create_policy(account, name=f"P{n}", document=doc(s3_read(f"b{n}")))
        policy_services.attach_role_policy(role, policy_arn=policy.arn)
    extra = policy_services.create_policy(account, name="P10", document=doc(s3_read("b10")))
    with pytest.raises(LimitExceeded, match="Cannot exceed quota for PoliciesPerRole: 10"):
        policy_services.attach_role_policy(role, policy_arn=extra.arn)


def test_delete_role_conflicts_on_attached_and_inline_policies(account, alice, aws_managed_policies):
    role = roles.create_role(account, name="Reader", trust_policy=trusting(alice), policy_arns=[READ_ONLY])
    with pytest.raises(DeleteConflict, match="Cannot delete entity, must detach all policies first."):
        roles.delete_role(role, remove_dependents=False)
    policy_services.detach_role_policy(role, policy_arn=READ_ONLY)
    policy_services.put_role_policy(role, name="till", document=doc(s3_read("cash-register")))
    with pytest.raises(DeleteConflict, match="Cannot delete entity, must delete policies first."):
        roles.delete_role(role, remove_dependents=False)
    policy_services.put_role_permissions_boundary(role, policy_arn=READ_ONLY)
    roles.delete_role(role, remove_dependents=True)  # the console's clean-up
    assert not Role.objects.exists()
    assert not (InlinePolicy.objects.exists() or PolicyAttachment.objects.exists()
                or PermissionsBoundary.objects.exists())


def test_a_policy_attached_to_a_role_lists_it_among_its_entities(account, alice, aws_managed_policies):
    role = roles.create_role(account, name="Reader", trust_policy=trusting(alice), policy_arns=[READ_ONLY])
    policy_services.put_role_permissions_boundary(role, policy_arn=READ_ONLY)
    policy = policy_services.get_policy(account, READ_ONLY)
    entities = policy_services.attached_entities(policy, account)
    assert entities["roles"] == [role] and entities["boundary_roles"] == [role]
    assert entities["users"] == [] and entities["boundary_users"] == []


# ---------------------------------------------------------------------------
# No leak: the session has the role's permissions only


def test_an_administrator_assuming_a_read_only_role_cannot_create_users(alice_client, alice, account,
                                                                         aws_managed_policies):
    attach_aws_policy(alice, "AdministratorAccess")
    roles.create_role(account, name="ReadOnly", trust_policy=trusting(alice), policy_arns=[READ_ONLY])
    assert alice_client.get("/iam/roles/").status_code == 200
    assert alice_client.get("/iam/users/create/").status_code == 200
    assert switch(alice_client, account, "ReadOnly").status_code == 302
    assert alice_client.get("/iam/roles/").status_code == 200  # ReadOnlyAccess lists roles
    create_user = alice_client.get("/iam/users/create/")
    assert create_user.status_code == 403
    assert (f"User: arn:aws:sts::{account.account_id}:assumed-role/ReadOnly/alice is not authorized to perform: "
            "iam:CreateUser") in create_user.content.decode()
    denied = csrf_post(alice_client, "/iam/roles/ReadOnly/delete/", {"confirmation": "ReadOnly"})
    assert denied.status_code == 403
    assert (f"User: arn:aws:sts::{account.account_id}:assumed-role/ReadOnly/alice is not authorized to perform: "
            f"iam:DeleteRole on resource: arn:aws:iam::{account.account_id}:role/ReadOnly because no "
            f"identity-based policy allows the iam:DeleteRole action") in denied.content.decode()
    page = alice_client.get("/switchrole?action=iam:CreateUser&resource=arn:aws:iam::"
                            f"{account.account_id}:user/carol").content.decode()
    assert "is not authorized to perform: iam:CreateUser" in page
    csrf_post(alice_client, "/switchrole/back")
    assert alice_client.get("/switchrole?action=iam:CreateUser&resource=*").status_code == 200


def test_the_roles_boundary_caps_the_session(alice_client, alice, account, aws_managed_policies):
    roles.create_role(account, name="Capped", trust_policy=trusting(alice), policy_arns=[ADMIN],
                      boundary_arn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    switch(alice_client, account, "Capped")
    assert alice_client.get("/iam/roles/").status_code == 403
    page = alice_client.get("/switchrole?action=s3:GetObject&resource=arn:aws:s3:::any/key").content.decode()
    assert "<strong>Allowed</strong>" in page


def test_role_chaining_needs_the_current_roles_sts_assume_role(alice_client, alice, account):
    cashier = roles.create_role(account, name="Cashier", trust_policy=trusting(alice))
    roles.create_role(account, name="Inventory", trust_policy=roles.account_trust_policy(account.account_id))
    switch(alice_client, account, "Cashier")
    assert switch(alice_client, account, "Inventory", chain="session").status_code == 403
    policy_services.put_role_policy(cashier, name="chain", document=doc(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{account.account_id}:role/Inventory"}))
    assert switch(alice_client, account, "Inventory", chain="session").status_code == 302


# ---------------------------------------------------------------------------
# Pages


def test_permissions_tab_attach_inline_boundary_and_what_the_role_can_do(root_client, account, aws_managed_policies):
    roles.create_role(account, name="Cashier", trust_policy=roles.account_trust_policy(account.account_id))
    attach = csrf_post(root_client, "/iam/roles/Cashier/policies/attach/", {"policy_arns": [READ_ONLY]})
    assert attach.status_code == 302
    inline = csrf_post(root_client, "/iam/roles/Cashier/policies/inline/create/",
                       {"name": "CashRegister", "document": doc(s3_read("cash-register"))})
    assert inline.status_code == 302, inline.content.decode()[:2000]
    boundary = csrf_post(root_client, "/iam/roles/Cashier/permissions-boundary/",
                         {"policy_arn": "arn:aws:iam::aws:policy/AmazonS3FullAccess"})
    assert boundary.status_code == 302
    page = root_client.get("/iam/roles/Cashier/").content.decode()
    assert "ReadOnlyAccess" in page and "CashRegister" in page and "AmazonS3FullAccess" in page
    assert "What this role can do" in page
    assert "arn:aws:s3:::cash-register/example" in page
    tried = root_client.get("/iam/roles/Cashier/?tab=permissions&action=s3:PutObject"
                            "&resource=arn:aws:s3:::cash-register/x").content.decode()
    assert (f"User: arn:aws:sts::{account.account_id}:assumed-role/Cashier/session is not authorized to perform: "
            "s3:PutObject on resource: arn:aws:s3:::cash-register/x") in tried
    detail = root_client.get("/iam/roles/Cashier/policies/inline/CashRegister/")
    assert detail.status_code == 200 and "s3:GetObject" in detail.content.decode()
    assert csrf_post(root_client, "/iam/roles/Cashier/policies/detach/", {"policy_arn": READ_ONLY}).status_code == 302
    assert csrf_post(root_client, "/iam/roles/Cashier/policies/inline/CashRegister/delete/").status_code == 302
    assert csrf_post(root_client, "/iam/roles/Cashier/permissions-boundary/delete/").status_code == 302
    role = Role.objects.get(name="Cashier")
    assert not (role.policy_attachments.exists() or role.inline_policies.exists())


def test_inline_policy_over_the_role_sum_is_refused_on_the_page(root_client, account):
    roles.create_role(account, name="Big", trust_policy=roles.account_trust_policy(account.account_id))
    resources = [f"arn:aws:s3:::bucket-{n:04d}/*" for n in range(300)]
    big = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": resources})
    assert csrf_post(root_client, "/iam/roles/Big/policies/inline/create/",
                     {"name": "one", "document": big}).status_code == 302
    refused = csrf_post(root_client, "/iam/roles/Big/policies/inline/create/", {"name": "two", "document": big})
    assert refused.status_code == 200
    assert "Cannot exceed quota for RolePolicySize: 10240" in refused.content.decode()


def test_attaching_is_authorised_per_policy_arn(alice_client, alice, account, aws_managed_policies):
    roles.create_role(account, name="Cashier", trust_policy=roles.account_trust_policy(account.account_id))
    grant(alice, {"Effect": "Allow", "Action": "iam:ListPolicies", "Resource": "*"},
          {"Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": "*",
           "Condition": {"ArnEquals": {"iam:PolicyARN": READ_ONLY}}})
    assert alice_client.get("/iam/roles/Cashier/policies/attach/").status_code == 200
    denied = csrf_post(alice_client, "/iam/roles/Cashier/policies/attach/", {"policy_arns": [ADMIN]})
    assert denied.status_code == 403
    assert "iam:AttachRolePolicy on resource" in denied.content.decode()
    assert csrf_post(alice_client, "/iam/roles/Cashier/policies/attach/", {"policy_arns": [READ_ONLY]}).status_code == 302


def test_role_permission_pages_of_another_account_are_404(mallory_client, account):
    roles.create_role(account, name="Cashier", trust_policy=roles.account_trust_policy(account.account_id))
    for url in ["/iam/roles/Cashier/policies/attach/", "/iam/roles/Cashier/policies/inline/create/",
                "/iam/roles/Cashier/permissions-boundary/"]:
        assert mallory_client.get(url).status_code == 404


def test_wizard_step_two_attaches_policies_and_a_boundary(root_client, account, aws_managed_policies):
    prefix = "role_create_wizard"
    root_client.get("/iam/roles/create/")
    csrf_post(root_client, "/iam/roles/create/", {f"{prefix}-current_step": "trusted_entity",
                                                  "trusted_entity-entity_type": "aws_service",
                                                  "trusted_entity-use_case": "lambda"})
    review = csrf_post(root_client, "/iam/roles/create/", {
        f"{prefix}-current_step": "permissions", "permissions-policy_arns": [READ_ONLY],
        "permissions-permissions_boundary": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"})
    text = review.content.decode()
    assert "ReadOnlyAccess" in text and "AmazonS3ReadOnlyAccess" in text
    done = csrf_post(root_client, "/iam/roles/create/", {f"{prefix}-current_step": "details",
                                                         "details-name": "Fn"})
    assert done.status_code == 302
    role = Role.objects.get(name="Fn")
    assert [a.policy.name for a in role.policy_attachments.all()] == ["ReadOnlyAccess"]
    assert role.permissions_boundary.policy.name == "AmazonS3ReadOnlyAccess"


def test_actions_on_a_bounded_role_carry_its_boundary_as_a_condition_key(account, alice, alice_client,
                                                                         aws_managed_policies):
    """A delegate allowed to manage only roles bounded by a given policy (iam:PermissionsBoundary)
    may attach to such a role, and not to an unbounded one (iam-facts §5)."""
    from accounts import roles as role_services
    from policies import services as policy_services
    from tests.conftest import csrf_post, grant

    boundary = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    bounded = role_services.create_role(account, name="Bounded",
                                        trust_policy=role_services.account_trust_policy(account.account_id))
    policy_services.put_role_permissions_boundary(bounded, policy_arn=boundary)
    role_services.create_role(account, name="Free", trust_policy=role_services.account_trust_policy(account.account_id))
    grant(alice, {"Effect": "Allow", "Action": ["iam:GetRole", "iam:ListPolicies", "iam:ListRoles",
                                                 "iam:ListAttachedRolePolicies"], "Resource": "*"},
          {"Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": "*",
           "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary}}})
    read_only = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
    allowed = csrf_post(alice_client, "/iam/roles/Bounded/policies/attach/", {"policy_arns": [read_only]})
    assert allowed.status_code == 302
    denied = csrf_post(alice_client, "/iam/roles/Free/policies/attach/", {"policy_arns": [read_only]})
    assert denied.status_code == 403
    assert "iam:AttachRolePolicy" in denied.content.decode()
