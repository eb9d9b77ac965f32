"""The policies of users, groups and roles over the Query API (api/actions/entity_policies.py):
attachments, inline policies and permissions boundaries, with unmodified boto3."""

from __future__ import annotations

import json

from accounts import roles, services
from policies import services as policy_services
from policies.models import InlinePolicy, PermissionsBoundary, PolicyAttachment
from tests.api.conftest import allow
from tests.api.test_policies_api import DOC, DOC2, READONLY, TRUST, denied, error

ARN_EQUALS = "ArnEquals"


def test_attach_list_detach_for_users_groups_and_roles(iam, account, alice, mallory, aws_managed_policies):
    group = services.create_group(account, name="Devs")
    role = roles.create_role(account, name="Worker", trust_policy=TRUST)
    mine = policy_services.create_policy(account, name="Mine", document=DOC, path="/app/")
    for noun, name in (("user", "alice"), ("group", "Devs"), ("role", "Worker")):
        attach = getattr(iam, f"attach_{noun}_policy")
        listed = getattr(iam, f"list_attached_{noun}_policies")
        attach(**{f"{noun.capitalize()}Name": name, "PolicyArn": READONLY})
        attach(**{f"{noun.capitalize()}Name": name, "PolicyArn": mine.arn})
        attach(**{f"{noun.capitalize()}Name": name, "PolicyArn": mine.arn})  # idempotent
        assert listed(**{f"{noun.capitalize()}Name": name})["AttachedPolicies"] == [
            {"PolicyName": "IAMReadOnlyAccess", "PolicyArn": READONLY}, {"PolicyName": "Mine", "PolicyArn": mine.arn}]
        assert listed(**{f"{noun.capitalize()}Name": name, "PathPrefix": "/app/"})["AttachedPolicies"] == [
            {"PolicyName": "Mine", "PolicyArn": mine.arn}]
        page = listed(**{f"{noun.capitalize()}Name": name, "MaxItems": 1})
        assert page["IsTruncated"] and listed(**{f"{noun.capitalize()}Name": name, "Marker": page["Marker"]})[
            "AttachedPolicies"] == [{"PolicyName": "Mine", "PolicyArn": mine.arn}]
        getattr(iam, f"detach_{noun}_policy")(**{f"{noun.capitalize()}Name": name, "PolicyArn": READONLY})
    assert PolicyAttachment.objects.filter(policy=mine).count() == 3
    assert not PolicyAttachment.objects.filter(policy__name="IAMReadOnlyAccess").exists()
    assert {alice, group, role} == {row.owner for row in PolicyAttachment.objects.all()}

    missing = f"arn:aws:iam::{account.account_id}:policy/Nope"
    assert error(iam.attach_user_policy, UserName="alice", PolicyArn=missing) == (
        "NoSuchEntity", f"Policy {missing} does not exist or is not attachable.", 404)
    theirs = policy_services.create_policy(mallory.account, name="Theirs", document=DOC)
    assert error(iam.attach_group_policy, GroupName="Devs", PolicyArn=theirs.arn)[:2] == (
        "NoSuchEntity", f"Policy {theirs.arn} does not exist or is not attachable.")
    assert error(iam.detach_role_policy, RoleName="Worker", PolicyArn=READONLY) == (
        "NoSuchEntity", f"Policy {READONLY} was not found.", 404)
    services.create_user(mallory.account, user_name="eve")
    assert error(iam.attach_user_policy, UserName="eve", PolicyArn=READONLY) == (
        "NoSuchEntity", "The user with name eve cannot be found.", 404)
    assert error(iam.list_attached_role_policies, RoleName="bad name")[0] == "ValidationError"
    for index in range(9):
        policy_services.create_policy(account, name=f"extra{index}", document=DOC)
        iam.attach_user_policy(UserName="alice", PolicyArn=f"arn:aws:iam::{account.account_id}:policy/extra{index}")
    assert error(iam.attach_user_policy, UserName="alice", PolicyArn=READONLY) == (
        "LimitExceeded", "Cannot exceed quota for PoliciesPerUser: 10", 409)
    assert PolicyAttachment.objects.filter(user=alice).count() == 10


def test_inline_policies(iam, account, alice):
    group = services.create_group(account, name="Devs")
    roles.create_role(account, name="Worker", trust_policy=TRUST)
    for noun, name in (("user", "alice"), ("group", "Devs"), ("role", "Worker")):
        member = f"{noun.capitalize()}Name"
        getattr(iam, f"put_{noun}_policy")(**{member: name, "PolicyName": "read", "PolicyDocument": DOC})
        getattr(iam, f"put_{noun}_policy")(**{member: name, "PolicyName": "write", "PolicyDocument": DOC})
        getattr(iam, f"put_{noun}_policy")(**{member: name, "PolicyName": "READ", "PolicyDocument": DOC2})  # replaces
        got = getattr(iam, f"get_{noun}_policy")(**{member: name, "PolicyName": "read"})
        assert got[member] == name and got["PolicyName"] == "read" and got["PolicyDocument"] == json.loads(DOC2)
        listed = getattr(iam, f"list_{noun}_policies")(**{member: name, "MaxItems": 1})
        assert listed["PolicyNames"] == ["read"] and listed["IsTruncated"]
        rest = getattr(iam, f"list_{noun}_policies")(**{member: name, "Marker": listed["Marker"]})
        assert rest["PolicyNames"] == ["write"] and not rest["IsTruncated"]
        getattr(iam, f"delete_{noun}_policy")(**{member: name, "PolicyName": "write"})
        assert error(getattr(iam, f"get_{noun}_policy"), **{member: name, "PolicyName": "write"}) == (
            "NoSuchEntity", f"The {noun} policy with name write cannot be found.", 404)
    assert sorted(p.document for p in InlinePolicy.objects.all()) == [DOC2] * 3
    assert InlinePolicy.objects.get(group=group).name == "read"

    assert error(iam.put_user_policy, UserName="alice", PolicyName="x", PolicyDocument="{") == (
        "MalformedPolicyDocument", "Syntax errors in policy.", 400)
    big = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::b/{'x' * 2100}"}]})
    assert error(iam.put_user_policy, UserName="alice", PolicyName="big", PolicyDocument=big) == (
        "LimitExceeded", "Cannot exceed quota for UserPolicySize: 2048", 409)
    assert error(iam.put_group_policy, GroupName="Nope", PolicyName="x", PolicyDocument=DOC) == (
        "NoSuchEntity", "The group with name Nope cannot be found.", 404)
    assert error(iam.put_role_policy, RoleName="Worker", PolicyName="bad name", PolicyDocument=DOC)[0] == \
        "ValidationError"
    assert not InlinePolicy.objects.filter(name__in=["x", "big", "bad name"]).exists()


def test_permissions_boundaries(iam, account, alice, aws_managed_policies):
    role = roles.create_role(account, name="Worker", trust_policy=TRUST)
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=READONLY)
    assert iam.get_user(UserName="alice")["User"]["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": READONLY}
    iam.put_role_permissions_boundary(RoleName="Worker", PermissionsBoundary=READONLY)
    assert PermissionsBoundary.objects.get(role=role).policy.name == "IAMReadOnlyAccess"
    missing = "arn:aws:iam::aws:policy/NoSuchPolicy"
    assert error(iam.put_role_permissions_boundary, RoleName="Worker", PermissionsBoundary=missing) == (
        "NoSuchEntity", f"Policy {missing} does not exist or is not attachable.", 404)
    iam.delete_user_permissions_boundary(UserName="alice")
    iam.delete_role_permissions_boundary(RoleName="Worker")
    iam.delete_role_permissions_boundary(RoleName="Worker")  # none: no error, as IAM
    assert not PermissionsBoundary.objects.exists()
    assert error(iam.delete_user_permissions_boundary, UserName="nobody")[0] == "NoSuchEntity"


def test_entity_policy_authorisation(account, alice, user_client, aws_managed_policies):
    caller = f"arn:aws:iam::{account.account_id}:user/"
    alice.tags = [{"Key": "team", "Value": "dev"}]
    alice.save(update_fields=["tags"])
    role = roles.create_role(account, name="Worker", trust_policy=TRUST)
    # iam:PolicyARN: a delegate may attach IAMReadOnlyAccess only.
    delegate = user_client("delegate", allow(["iam:AttachUserPolicy", "iam:AttachRolePolicy"], "*", "Allow",
                                             {ARN_EQUALS: {"iam:PolicyARN": READONLY}}))
    delegate.attach_user_policy(UserName="alice", PolicyArn=READONLY)
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    assert error(delegate.attach_role_policy, RoleName="Worker", PolicyArn=admin) == denied(
        caller + "delegate", "iam:AttachRolePolicy", role.arn)
    # iam:PermissionsBoundary: a boundary may be set to IAMReadOnlyAccess only.
    bounder = user_client("bounder", allow("iam:PutUserPermissionsBoundary", "*", "Allow",
                                           {ARN_EQUALS: {"iam:PermissionsBoundary": READONLY}}))
    bounder.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=READONLY)
    assert error(bounder.put_user_permissions_boundary, UserName="alice", PermissionsBoundary=admin)[0] == \
        "AccessDenied"
    # The user's tags (aws:ResourceTag): an explicit deny on team=dev users.
    guarded = user_client("guarded", allow("iam:*"), allow("iam:PutUserPolicy", "*", "Deny",
                                                            {"StringEquals": {"aws:ResourceTag/team": "dev"}}))
    assert error(guarded.put_user_policy, UserName="alice", PolicyName="p", PolicyDocument=DOC) == denied(
        caller + "guarded", "iam:PutUserPolicy", alice.arn, "explicit")
    guarded.put_user_policy(UserName="delegate", PolicyName="extra", PolicyDocument=DOC)
    # A boundary that does not allow the action.
    bounded = user_client("bounded", allow("iam:*"), boundary=READONLY)
    assert error(bounded.delete_role_policy, RoleName="Worker", PolicyName="p") == denied(
        caller + "bounded", "iam:DeleteRolePolicy", role.arn, "boundary")
    assert bounded.list_role_policies(RoleName="Worker")["PolicyNames"] == []
    # No policy at all.
    nobody = user_client("nobody")
    assert error(nobody.get_user_policy, UserName="alice", PolicyName="p") == denied(
        caller + "nobody", "iam:GetUserPolicy", alice.arn)
    # A refusal reveals nothing of what exists: a missing user is refused alike.
    assert error(nobody.get_user_policy, UserName="ghost", PolicyName="p") == denied(
        caller + "nobody", "iam:GetUserPolicy", f"arn:aws:iam::{account.account_id}:user/ghost")
    assert error(delegate.attach_user_policy, UserName="ghost", PolicyArn=READONLY)[0] == "NoSuchEntity"
    assert [row.policy.name for row in PolicyAttachment.objects.all()] == ["IAMReadOnlyAccess"]
    assert PermissionsBoundary.objects.get(user=alice).policy.name == "IAMReadOnlyAccess"
    assert not InlinePolicy.objects.filter(user=alice).exists()


def test_service_linked_role_policies_are_its_services(iam, account, aws_managed_policies):
    from accounts.service_linked_roles import create_service_linked_role

    role = create_service_linked_role(account, service="ecs.amazonaws.com")
    protected = ("UnmodifiableEntity", "Cannot perform the operation on the protected role 'AWSServiceRoleForECS' - "
                 "this role is only modifiable by AWS", 400)
    assert error(iam.put_role_policy, RoleName=role.name, PolicyName="p", PolicyDocument=DOC) == protected
    assert error(iam.attach_role_policy, RoleName=role.name, PolicyArn=READONLY) == protected
    assert error(iam.put_role_permissions_boundary, RoleName=role.name, PermissionsBoundary=READONLY) == protected
    assert not InlinePolicy.objects.exists() and not PolicyAttachment.objects.exists()
    assert not PermissionsBoundary.objects.exists()
    assert iam.list_role_policies(RoleName=role.name)["PolicyNames"] == []
