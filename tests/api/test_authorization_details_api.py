"""GetAccountAuthorizationDetails over the Query API (api/actions/authorization_details.py)."""

from __future__ import annotations

import json

from accounts import roles, services
from policies import services as policy_services
from tests.api.conftest import allow, new_key
from tests.api.helpers import signed_post
from tests.api.test_policies_api import DOC, DOC2, READONLY, TRUST, denied, error


def test_account_authorization_details(iam, account, alice, mallory, aws_managed_policies):
    alice.tags = [{"Key": "team", "Value": "dev"}]
    alice.save(update_fields=["tags"])
    group = services.create_group(account, name="Devs", users=[alice])
    role = roles.create_role(account, name="Worker", trust_policy=TRUST)  # with its instance profile
    mine = policy_services.create_policy(account, name="Mine", document=DOC)
    policy_services.create_policy_version(mine, document=DOC2, set_as_default=True)
    policy_services.put_inline_policy(alice, name="own", document=DOC)
    policy_services.put_inline_policy(group, name="shared", document=DOC2)
    policy_services.attach_policy(alice, policy_arn=READONLY)
    policy_services.attach_policy(role, policy_arn=mine.arn)
    policy_services.put_permissions_boundary(role, policy_arn=READONLY)
    other = services.create_user(mallory.account, user_name="eve")
    policy_services.attach_policy(other, policy_arn="arn:aws:iam::aws:policy/AdministratorAccess")

    details = iam.get_account_authorization_details()
    assert details["IsTruncated"] is False
    [user] = details["UserDetailList"]
    assert user["UserName"] == "alice" and user["Arn"] == alice.arn and user["GroupList"] == ["Devs"]
    assert user["UserPolicyList"] == [{"PolicyName": "own", "PolicyDocument": json.loads(DOC)}]
    assert user["AttachedManagedPolicies"] == [{"PolicyName": "IAMReadOnlyAccess", "PolicyArn": READONLY}]
    assert user["Tags"] == [{"Key": "team", "Value": "dev"}] and "PermissionsBoundary" not in user
    [group_detail] = details["GroupDetailList"]
    assert group_detail["GroupPolicyList"] == [{"PolicyName": "shared", "PolicyDocument": json.loads(DOC2)}]
    [role_detail] = details["RoleDetailList"]
    assert role_detail["AssumeRolePolicyDocument"] == json.loads(TRUST)
    assert role_detail["PermissionsBoundary"]["PermissionsBoundaryArn"] == READONLY
    assert role_detail["AttachedManagedPolicies"] == [{"PolicyName": "Mine", "PolicyArn": mine.arn}]
    [profile] = role_detail["InstanceProfileList"]
    assert profile["InstanceProfileName"] == "Worker" and profile["Roles"][0]["RoleId"] == role.unique_id
    # Customer managed policies, and the AWS managed ones this account uses (not another account's).
    policies = {p["PolicyName"]: p for p in details["Policies"]}
    assert sorted(policies) == ["IAMReadOnlyAccess", "Mine"]
    assert policies["Mine"]["DefaultVersionId"] == "v2" and policies["Mine"]["AttachmentCount"] == 1
    assert [(v["VersionId"], v["IsDefaultVersion"], v["Document"]) for v in policies["Mine"]["PolicyVersionList"]] \
        == [("v2", True, json.loads(DOC2)), ("v1", False, json.loads(DOC))]
    assert policies["IAMReadOnlyAccess"]["PermissionsBoundaryUsageCount"] == 1

    only = iam.get_account_authorization_details(Filter=["Role", "LocalManagedPolicy"])
    assert (len(only["RoleDetailList"]), only["UserDetailList"], [p["PolicyName"] for p in only["Policies"]]) == (
        1, [], ["Mine"])
    assert error(iam.get_account_authorization_details, Filter=["Users"])[0] == "ValidationError"

    walked, marker = [], None
    while True:
        page = iam.get_account_authorization_details(MaxItems=2, **({"Marker": marker} if marker else {}))
        walked += [u["UserName"] for u in page["UserDetailList"]] + [g["GroupName"] for g in page["GroupDetailList"]]
        walked += [r["RoleName"] for r in page["RoleDetailList"]] + [p["PolicyName"] for p in page["Policies"]]
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    assert walked == ["alice", "Devs", "Worker", "IAMReadOnlyAccess", "Mine"]


def test_authorization_details_is_bounded(client, root, account, aws_managed_policies,
                                          django_assert_max_num_queries):
    policy = policy_services.create_policy(account, name="Mine", document=DOC)
    group = services.create_group(account, name="Devs")
    for index in range(60):
        user = services.create_user(account, user_name=f"user{index:02}", tags=[("n", str(index))])
        services.add_user_to_group(group, user)
        policy_services.put_inline_policy(user, name="own", document=DOC)
        policy_services.attach_policy(user, policy_arn=policy.arn)
        policy_services.put_permissions_boundary(user, policy_arn=READONLY)
        role = roles.create_role(account, name=f"role{index:02}", trust_policy=TRUST)
        policy_services.put_inline_policy(role, name="own", document=DOC)
        policy_services.attach_policy(role, policy_arn=READONLY)
    key = new_key(root)
    params = {"Action": "GetAccountAuthorizationDetails", "Version": "2010-05-08", "MaxItems": "1000"}
    with django_assert_max_num_queries(24):
        response = signed_post(client, key, params)
    body = response.content.decode()
    assert response.status_code == 200 and body.count("<UserName>") == 60 and body.count("<RoleName>") >= 120


def test_authorization_details_authorisation(account, user_client, iam):
    caller = f"arn:aws:iam::{account.account_id}:user/"
    reader = user_client("reader", allow("iam:GetAccountAuthorizationDetails"))
    assert [u["UserName"] for u in reader.get_account_authorization_details()["UserDetailList"]] == ["reader"]
    nobody = user_client("nobody", allow("iam:GetUser"))
    assert error(nobody.get_account_authorization_details) == denied(
        caller + "nobody", "iam:GetAccountAuthorizationDetails", "*")
    denier = user_client("denier", allow("iam:*"), allow("iam:GetAccountAuthorizationDetails", "*", "Deny"))
    assert error(denier.get_account_authorization_details) == denied(
        caller + "denier", "iam:GetAccountAuthorizationDetails", "*", "explicit")
