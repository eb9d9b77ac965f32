"""Review of #9's fixes (H1): the role's Attach policies and Set permissions boundary pages and
the user's Set permissions boundary page authorised their call without the entity's tags, so
a Deny on ``aws:ResourceTag/team = admins`` did not hold there: a trainee could attach a policy
to (or change the boundary of) an admin-tagged role or user that the Deny protects."""

import pytest

from accounts import roles, services
from policies.models import PermissionsBoundary, PolicyAttachment
from tests.conftest import csrf_post, grant, signed_in_client

pytestmark = pytest.mark.django_db
S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
ALLOW_IAM = {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}


def deny_on_admins(action: str) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/team": "admins"}}}


def admin_role(account):
    return roles.create_role(account, name="ops", trust_policy=roles.account_trust_policy(account.account_id),
                             tags=[("team", "admins")])


def test_attaching_a_policy_to_a_role_carries_the_roles_tags(account, alice, aws_managed_policies):
    role = admin_role(account)
    grant(alice, ALLOW_IAM, deny_on_admins("iam:AttachRolePolicy"))
    response = csrf_post(signed_in_client(alice), "/iam/roles/ops/policies/attach/", {"policy_arns": [S3_READ]})
    assert response.status_code == 403
    assert "iam:AttachRolePolicy" in response.content.decode()
    assert not PolicyAttachment.objects.filter(role=role).exists()


def test_setting_a_roles_boundary_carries_the_roles_tags(account, alice, aws_managed_policies):
    role = admin_role(account)
    grant(alice, ALLOW_IAM, deny_on_admins("iam:PutRolePermissionsBoundary"))
    response = csrf_post(signed_in_client(alice), "/iam/roles/ops/permissions-boundary/", {"policy_arn": S3_READ})
    assert response.status_code == 403
    assert not PermissionsBoundary.objects.filter(role=role).exists()


def test_setting_a_users_boundary_carries_the_users_tags(account, alice, aws_managed_policies):
    target = services.create_user(account, user_name="boss", tags=[("team", "admins")])
    grant(alice, ALLOW_IAM, deny_on_admins("iam:PutUserPermissionsBoundary"))
    client = signed_in_client(alice)
    assert client.get("/iam/users/boss/permissions-boundary/").status_code == 403
    response = csrf_post(client, "/iam/users/boss/permissions-boundary/", {"policy_arn": S3_READ})
    assert response.status_code == 403
    assert not PermissionsBoundary.objects.filter(user=target).exists()


def test_the_pages_still_work_on_an_untagged_role_and_user(account, alice, aws_managed_policies):
    roles.create_role(account, name="plain", trust_policy=roles.account_trust_policy(account.account_id))
    services.create_user(account, user_name="carol")
    grant(alice, ALLOW_IAM, deny_on_admins("iam:*"))
    client = signed_in_client(alice)
    assert csrf_post(client, "/iam/roles/plain/policies/attach/", {"policy_arns": [S3_READ]}).status_code == 302
    assert csrf_post(client, "/iam/roles/plain/permissions-boundary/", {"policy_arn": S3_READ}).status_code == 302
    assert csrf_post(client, "/iam/users/carol/permissions-boundary/", {"policy_arn": S3_READ}).status_code == 302


def test_a_users_tabs_carry_the_users_tags(account, alice, aws_managed_policies):
    from policies import services as policy_services

    boss = services.create_user(account, user_name="boss", tags=[("team", "admins")])
    policy_services.attach_policy(boss, policy_arn=S3_READ)
    grant(alice, ALLOW_IAM, deny_on_admins("iam:ListAttachedUserPolicies"))
    page = signed_in_client(alice).get("/iam/users/boss/?tab=permissions")
    assert page.status_code == 200
    assert "AmazonS3ReadOnlyAccess" not in page.content.decode()
    assert "iam:ListAttachedUserPolicies" in page.content.decode()


def test_deleting_a_version_to_make_room_carries_the_policys_tags(account, alice):
    import json

    from policies import services as policy_services

    def document(n):
        return json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::b{n}/*"}]})

    policy = policy_services.create_policy(account, name="Guarded", document=document(1),
                                           tags=[("team", "admins")])
    for n in range(2, 6):
        policy_services.create_policy_version(policy, document=document(n), set_as_default=False)
    grant(alice, ALLOW_IAM, deny_on_admins("iam:DeletePolicyVersion"))
    response = csrf_post(signed_in_client(alice), f"/iam/policies/{account.account_id}/Guarded/edit/",
                         {"document": document(9), "set_as_default": "on", "delete_version": "v2"})
    assert response.status_code == 403
    assert policy.versions.filter(number=2).exists()


def test_a_delegate_limited_to_bounded_users_creates_one_with_policies(account, alice, aws_managed_policies):
    """AWS's delegation pattern: Attach/PutUserPolicy only while iam:PermissionsBoundary is X.
    The wizard gives the new user its boundary, so its AttachUserPolicy carries that key."""
    from accounts.models import User
    from tests.accounts.test_user_create_wizard import create

    boundary, policy = S3_READ, "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
    grant(alice, {"Effect": "Allow", "Action": ["iam:CreateUser", "iam:List*", "iam:Get*"], "Resource": "*"},
          {"Effect": "Allow", "Action": ["iam:AttachUserPolicy", "iam:PutUserPermissionsBoundary"],
           "Resource": "*", "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary}}})
    client = signed_in_client(alice)
    response = create(client, {"user_name": "dave"},
                      {"option": "policies", "policy_arns": [policy], "permissions_boundary": boundary})
    assert response.status_code == 302
    dave = User.objects.get(account=account, user_name="dave")
    assert PermissionsBoundary.objects.get(user=dave).policy.name == "AmazonS3ReadOnlyAccess"
    refused = create(client, {"user_name": "erin"}, {"option": "policies", "policy_arns": [policy]})
    assert refused.status_code == 403
    assert not User.objects.filter(account=account, user_name="erin").exists()
