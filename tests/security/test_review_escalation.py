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
