"""IAM roles over the Query API (boto3 against the live server): CreateRole, GetRole, ListRoles,
UpdateRole, UpdateRoleDescription, UpdateAssumeRolePolicy, DeleteRole, TagRole, UntagRole,
ListRoleTags, and service-linked roles (CreateServiceLinkedRole, DeleteServiceLinkedRole,
GetServiceLinkedRoleDeletionStatus)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from accounts import roles, service_linked_roles
from accounts.models import InstanceProfile, Role
from policies import services as policy_services

from .conftest import allow, new_key
from .helpers import aws_error, signed_post

pytestmark = pytest.mark.django_db(transaction=True)

EC2 = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
TRUST = json.dumps(EC2)
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def error(call, **params) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as exc:
        call(**params)
    return aws_error(exc.value)


def denied(account, caller: str, action: str, resource: str, tail: str = "") -> tuple[str, str, int]:
    tail = tail or f"because no identity-based policy allows the {action} action"
    return ("AccessDenied", f"User: arn:aws:iam::{account.account_id}:user/{caller} is not authorized to perform: "
                            f"{action} on resource: {resource} {tail}", 403)


def role_arn(account, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account.account_id}:role{path}{name}"


def make(account, name: str = "Web", **kwargs) -> Role:
    kwargs.setdefault("trust_policy", TRUST)
    return roles.create_role(account, name=name, instance_profile=False, **kwargs)


# ---------------------------------------------------------------------------
# CreateRole, GetRole, ListRoles


def test_create_role_saves_everything_and_get_role_returns_the_full_shape(iam, account, aws_managed_policies):
    created = iam.create_role(RoleName="Web", Path="/app/", AssumeRolePolicyDocument=TRUST, Description="Web tier",
                              MaxSessionDuration=7200, PermissionsBoundary=READ_ONLY,
                              Tags=[{"Key": "team", "Value": "web"}])["Role"]
    saved = roles.get_role(account, "web")
    assert created["RoleName"] == "Web" and created["Path"] == "/app/" and created["RoleId"] == saved.unique_id
    assert created["Arn"] == role_arn(account, "Web", "/app/") and created["AssumeRolePolicyDocument"] == EC2
    assert created["Tags"] == [{"Key": "team", "Value": "web"}] == saved.tags
    assert (saved.description, saved.max_session_duration, saved.trust_policy) == ("Web tier", 7200, TRUST)
    assert policy_services.get_permissions_boundary(saved).policy.arn == READ_ONLY
    assert not InstanceProfile.objects.exists()  # the API's CreateRole makes no instance profile
    role = iam.get_role(RoleName="WEB")["Role"]
    assert role["Description"] == "Web tier" and role["MaxSessionDuration"] == 7200
    assert role["PermissionsBoundary"] == {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                                           "PermissionsBoundaryArn": READ_ONLY}
    assert role["RoleLastUsed"] == {} and role["Tags"] == [{"Key": "team", "Value": "web"}]
    listed = iam.list_roles()["Roles"]
    assert [r["RoleName"] for r in listed] == ["Web"] and listed[0]["AssumeRolePolicyDocument"] == EC2
    assert not {"PermissionsBoundary", "RoleLastUsed", "Tags"} & set(listed[0])


def test_create_role_errors_in_awss_words(iam, account):
    make(account, "Web")
    assert error(iam.create_role, RoleName="WEB", AssumeRolePolicyDocument=TRUST) == (
        "EntityAlreadyExists", "Role with name WEB already exists.", 409)
    assert error(iam.create_role, RoleName="bad name", AssumeRolePolicyDocument=TRUST) == (
        "ValidationError", "1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", 400)
    assert error(iam.create_role, RoleName="Long", AssumeRolePolicyDocument=TRUST, MaxSessionDuration=50000) == (
        "ValidationError", "1 validation error detected: Value '50000' at 'maxSessionDuration' failed to satisfy "
        "constraint: Member must have value less than or equal to 43200", 400)
    no_principal = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]})
    assert error(iam.create_role, RoleName="Odd", AssumeRolePolicyDocument=no_principal) == (
        "MalformedPolicyDocument", "Missing required field Principal", 400)
    assert error(iam.create_role, RoleName="Odd", AssumeRolePolicyDocument="not json") == (
        "MalformedPolicyDocument", "Syntax errors in policy.", 400)
    big = json.dumps({**EC2, "Statement": [{**EC2["Statement"][0], "Sid": "x" * 2100}]})
    assert error(iam.create_role, RoleName="Big", AssumeRolePolicyDocument=big) == (
        "LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048", 409)
    assert error(iam.create_role, RoleName="Slr", Path="/aws-service-role/ecs.amazonaws.com/",
                 AssumeRolePolicyDocument=TRUST) == (
        "InvalidInput", "Path prefix '/aws-service-role/' can only be used for AWS Service linked Roles", 400)
    missing = f"arn:aws:iam::{account.account_id}:policy/Nope"
    assert error(iam.create_role, RoleName="Bounded", AssumeRolePolicyDocument=TRUST, PermissionsBoundary=missing) == (
        "NoSuchEntity", f"Policy {missing} does not exist or is not attachable.", 404)
    assert error(iam.create_role, RoleName="Tagged", AssumeRolePolicyDocument=TRUST,
                 Tags=[{"Key": "aws:x", "Value": "1"}])[:2] == (
        "InvalidInput", "Tag keys starting with 'aws:' are reserved for internal use.")
    assert list(Role.objects.values_list("name", flat=True)) == ["Web"]  # nothing half-written


def test_create_role_authorisation_tags_boundary_and_deny(user_client, account, aws_managed_policies):
    arn = role_arn(account, "Web")
    nobody = user_client("nobody")
    assert error(nobody.create_role, RoleName="Web", AssumeRolePolicyDocument=TRUST) == denied(
        account, "nobody", "iam:CreateRole", arn)
    creator = user_client("creator", allow("iam:CreateRole"))
    assert error(creator.create_role, RoleName="Web", AssumeRolePolicyDocument=TRUST,
                 Tags=[{"Key": "team", "Value": "web"}]) == denied(account, "creator", "iam:TagRole", arn)
    tagger = user_client("tagger", allow(["iam:CreateRole", "iam:TagRole"], condition={
        "StringEquals": {"aws:RequestTag/team": "web"}}))
    assert error(tagger.create_role, RoleName="Web", AssumeRolePolicyDocument=TRUST,
                 Tags=[{"Key": "team", "Value": "ops"}]) == denied(account, "tagger", "iam:CreateRole", arn)
    assert tagger.create_role(RoleName="Web", AssumeRolePolicyDocument=TRUST,
                              Tags=[{"Key": "team", "Value": "web"}])["Role"]["Arn"] == arn
    # Setting the boundary is also PutRolePermissionsBoundary, as in the console's wizard.
    bounded = user_client("bounded", allow(["iam:CreateRole", "iam:PutRolePermissionsBoundary"], condition={
        "StringEquals": {"iam:PermissionsBoundary": READ_ONLY}}))
    assert error(bounded.create_role, RoleName="Free", AssumeRolePolicyDocument=TRUST)[0] == "AccessDenied"
    assert bounded.create_role(RoleName="Kept", AssumeRolePolicyDocument=TRUST, PermissionsBoundary=READ_ONLY)
    boxed = user_client("boxed", allow("iam:*"), boundary=READ_ONLY)
    assert error(boxed.create_role, RoleName="Boxed", AssumeRolePolicyDocument=TRUST) == denied(
        account, "boxed", "iam:CreateRole", role_arn(account, "Boxed"),
        "because no permissions boundary allows the iam:CreateRole action")
    denier = user_client("denier", allow("iam:*"), allow("iam:CreateRole", effect="Deny"))
    assert error(denier.create_role, RoleName="Denied", AssumeRolePolicyDocument=TRUST) == denied(
        account, "denier", "iam:CreateRole", role_arn(account, "Denied"),
        "with an explicit deny in an identity-based policy")
    assert set(Role.objects.values_list("name", flat=True)) == {"Web", "Kept"}


def test_get_role_authorisation_by_tag_and_another_accounts_role(iam, user_client, account, mallory):
    make(account, "Blue", tags=[("team", "blue")])
    make(account, "Red", tags=[("team", "red")])
    make(mallory.account, "Secret")
    reader = user_client("reader", allow("iam:GetRole", condition={"StringEquals": {"aws:ResourceTag/team": "blue"}}))
    assert reader.get_role(RoleName="Blue")["Role"]["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert error(reader.get_role, RoleName="Red") == denied(account, "reader", "iam:GetRole",
                                                            role_arn(account, "Red"))
    assert error(iam.get_role, RoleName="Secret") == (
        "NoSuchEntity", "The role with name Secret cannot be found.", 404)
    assert "Secret" not in [role["RoleName"] for role in iam.list_roles()["Roles"]]


def test_list_roles_pages_within_a_path(iam, user_client, account):
    for index in range(7):
        make(account, f"r{index}", path="/ops/" if index % 2 else "/")
    first = iam.list_roles(MaxItems=3)
    assert first["IsTruncated"] is True and [r["RoleName"] for r in first["Roles"]] == ["r0", "r1", "r2"]
    walked = [r["RoleName"] for page in iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 3})
              for r in page["Roles"]]
    assert walked == [f"r{index}" for index in range(7)]
    assert [r["RoleName"] for r in iam.list_roles(PathPrefix="/ops/")["Roles"]] == ["r1", "r3", "r5"]
    assert error(iam.list_roles, PathPrefix="ops")[0] == "ValidationError"
    assert error(iam.list_roles, Marker="forged")[:2] == ("ValidationError", "Invalid Marker.")
    nobody = user_client("nobody")
    assert error(nobody.list_roles) == denied(account, "nobody", "iam:ListRoles", role_arn(account, ""))


def test_list_roles_is_bounded(client, root, account, django_assert_max_num_queries):
    for index in range(60):
        make(account, f"r{index:02}")
    key = new_key(root)
    with django_assert_max_num_queries(12):
        response = signed_post(client, key, {"Action": "ListRoles", "Version": "2010-05-08"})
    assert response.status_code == 200 and response.content.decode().count("<member>") == 60


# ---------------------------------------------------------------------------
# UpdateRole, UpdateRoleDescription, UpdateAssumeRolePolicy


def test_update_role_description_and_trust_policy(iam, user_client, account):
    role = make(account, "Web", tags=[("team", "web")])
    assert iam.update_role(RoleName="web", Description="Front", MaxSessionDuration=10800)
    role.refresh_from_db()
    assert (role.description, role.max_session_duration) == ("Front", 10800)
    assert iam.update_role_description(RoleName="Web", Description="Till")["Role"]["Description"] == "Till"
    assert Role.objects.get(pk=role.pk).description == "Till"
    lambda_trust = roles.service_trust_policy("lambda.amazonaws.com")
    iam.update_assume_role_policy(RoleName="Web", PolicyDocument=lambda_trust)
    assert iam.get_role(RoleName="Web")["Role"]["AssumeRolePolicyDocument"] == json.loads(lambda_trust)
    assert error(iam.update_role, RoleName="Web", MaxSessionDuration=43201) == (
        "ValidationError", "1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy "
        "constraint: Member must have value less than or equal to 43200", 400)
    assert error(iam.update_assume_role_policy, RoleName="Web", PolicyDocument='{"Version": "2012-10-17"}')[0] == (
        "MalformedPolicyDocument")
    assert error(iam.update_role_description, RoleName="Nope", Description="x") == (
        "NoSuchEntity", "The role with name Nope cannot be found.", 404)
    editor = user_client("editor", allow(["iam:UpdateRole", "iam:UpdateAssumeRolePolicy"], condition={
        "StringEquals": {"aws:ResourceTag/team": "ops"}}))
    for call, params, action in ((editor.update_role, {"Description": "x"}, "iam:UpdateRole"),
                                 (editor.update_role_description, {"Description": "x"}, "iam:UpdateRoleDescription"),
                                 (editor.update_assume_role_policy, {"PolicyDocument": TRUST},
                                  "iam:UpdateAssumeRolePolicy")):
        assert error(call, RoleName="Web", **params) == denied(account, "editor", action, role.arn)
    assert Role.objects.get(pk=role.pk).trust_policy == lambda_trust


# ---------------------------------------------------------------------------
# DeleteRole


def test_delete_role_never_cascades(iam, user_client, account):
    role = make(account, "Web")
    policy_services.put_role_policy(role, name="Inline", document=allow("s3:ListBucket", "arn:aws:s3:::receipts"))
    profile = InstanceProfile.objects.create(account=account, name="web", role=role)
    assert error(iam.delete_role, RoleName="Web") == (
        "DeleteConflict", "Cannot delete entity, must delete policies first.", 409)
    policy_services.delete_role_policy(role, name="Inline")
    assert error(iam.delete_role, RoleName="Web") == (
        "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.", 409)
    InstanceProfile.objects.filter(pk=profile.pk).update(role=None)
    deleter = user_client("deleter", allow("iam:DeleteRole"), allow("iam:DeleteRole", role.arn, "Deny"))
    assert error(deleter.delete_role, RoleName="Web") == denied(
        account, "deleter", "iam:DeleteRole", role.arn, "with an explicit deny in an identity-based policy")
    iam.delete_role(RoleName="Web")
    assert not Role.objects.exists() and InstanceProfile.objects.filter(pk=profile.pk).exists()
    assert error(iam.delete_role, RoleName="Web")[0] == "NoSuchEntity"


# ---------------------------------------------------------------------------
# Tags


def test_tag_untag_and_list_role_tags(iam, user_client, account):
    role = make(account, "Web", tags=[("team", "web")])
    iam.tag_role(RoleName="Web", Tags=[{"Key": "TEAM", "Value": "ops"}, {"Key": "tier", "Value": "1"}])
    assert Role.objects.get(pk=role.pk).tags == [{"Key": "TEAM", "Value": "ops"}, {"Key": "tier", "Value": "1"}]
    first = iam.list_role_tags(RoleName="Web", MaxItems=1)
    assert first["Tags"] == [{"Key": "TEAM", "Value": "ops"}] and first["IsTruncated"] is True
    assert iam.list_role_tags(RoleName="Web", Marker=first["Marker"])["Tags"] == [{"Key": "tier", "Value": "1"}]
    iam.untag_role(RoleName="Web", TagKeys=["tier", "absent"])
    assert Role.objects.get(pk=role.pk).tags == [{"Key": "TEAM", "Value": "ops"}]
    assert error(iam.tag_role, RoleName="Web", Tags=[{"Key": "aws:x", "Value": "1"}])[:2] == (
        "InvalidInput", "Tag keys starting with 'aws:' are reserved for internal use.")
    tagger = user_client("tagger", allow(["iam:TagRole", "iam:UntagRole"], condition={
        "ForAllValues:StringEquals": {"aws:TagKeys": ["cost"]}}))
    assert error(tagger.tag_role, RoleName="Web", Tags=[{"Key": "owner", "Value": "x"}]) == denied(
        account, "tagger", "iam:TagRole", role.arn)
    tagger.tag_role(RoleName="Web", Tags=[{"Key": "cost", "Value": "42"}])
    assert error(tagger.untag_role, RoleName="Web", TagKeys=["TEAM"]) == denied(
        account, "tagger", "iam:UntagRole", role.arn)
    assert error(tagger.list_role_tags, RoleName="Web") == denied(account, "tagger", "iam:ListRoleTags", role.arn)
    assert Role.objects.get(pk=role.pk).tags == [{"Key": "TEAM", "Value": "ops"}, {"Key": "cost", "Value": "42"}]


# ---------------------------------------------------------------------------
# Service-linked roles


def test_service_linked_role_lifecycle(iam, account):
    role = iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com",
                                          Description="Beanstalk")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForElasticBeanstalk"
    assert role["Path"] == "/aws-service-role/elasticbeanstalk.amazonaws.com/"
    assert role["Arn"] == role_arn(account, "AWSServiceRoleForElasticBeanstalk", role["Path"])
    assert role["AssumeRolePolicyDocument"] == {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "elasticbeanstalk.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    assert role["Description"] == "Beanstalk" and Role.objects.get(name=role["RoleName"]).service_linked
    assert error(iam.create_service_linked_role, AWSServiceName="elasticbeanstalk.amazonaws.com") == (
        "InvalidInput", "Service role name AWSServiceRoleForElasticBeanstalk has been taken in this account, "
        "please try a different suffix.", 400)
    assert error(iam.create_service_linked_role, AWSServiceName="elasticbeanstalk.amazonaws.com",
                 CustomSuffix="debug") == (
        "InvalidInput", "Custom suffix is not allowed for elasticbeanstalk.amazonaws.com", 400)
    assert iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com", CustomSuffix="debug")[
        "Role"]["RoleName"] == "AWSServiceRoleForAutoScaling_debug"
    assert error(iam.create_service_linked_role, AWSServiceName="nothing.amazonaws.com")[0] == "InvalidInput"
    assert error(iam.create_service_linked_role, AWSServiceName="a/b")[0] == "ValidationError"
    protected = ("UnmodifiableEntity", "Cannot perform the operation on the protected role "
                 "'AWSServiceRoleForElasticBeanstalk' - this role is only modifiable by AWS", 400)
    assert error(iam.delete_role, RoleName="AWSServiceRoleForElasticBeanstalk") == protected
    assert error(iam.update_assume_role_policy, RoleName="AWSServiceRoleForElasticBeanstalk",
                 PolicyDocument=TRUST) == protected
    task = iam.delete_service_linked_role(RoleName="AWSServiceRoleForElasticBeanstalk")["DeletionTaskId"]
    assert task.startswith("task/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk/")
    assert not Role.objects.filter(name="AWSServiceRoleForElasticBeanstalk").exists()
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
    forged = task[:-12] + "000000000000"
    assert error(iam.get_service_linked_role_deletion_status, DeletionTaskId=forged) == (
        "NoSuchEntity", f"Deletion task {forged} cannot be found.", 404)
    assert error(iam.get_service_linked_role_deletion_status, DeletionTaskId="task/nope") == (
        "InvalidInput", "Invalid deletion task id: task/nope", 400)
    assert error(iam.get_service_linked_role_deletion_status, DeletionTaskId="t" * 1001) == (
        "ValidationError", "1 validation error detected: Value '[...]' at 'deletionTaskId' failed to satisfy "
        "constraint: Member must have length less than or equal to 1000", 400)
    make(account, "Plain")
    assert error(iam.delete_service_linked_role, RoleName="Plain") == (
        "NoSuchEntity", "The role with name Plain is not a service-linked role.", 404)


def test_service_linked_role_authorisation_and_accounts(user_client, client_for, account, mallory):
    slr_arn = role_arn(account, "AWSServiceRoleForECS", "/aws-service-role/ecs.amazonaws.com/")
    nobody = user_client("nobody")
    assert error(nobody.create_service_linked_role, AWSServiceName="ecs.amazonaws.com") == denied(
        account, "nobody", "iam:CreateServiceLinkedRole", slr_arn)
    ecs_only = user_client("ecs", allow(["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole",
                                         "iam:GetServiceLinkedRoleDeletionStatus"],
                                        condition=None), allow("iam:CreateServiceLinkedRole", effect="Deny", condition={
                                            "StringNotEquals": {"iam:AWSServiceName": "ecs.amazonaws.com"}}))
    assert error(ecs_only.create_service_linked_role, AWSServiceName="rds.amazonaws.com") == denied(
        account, "ecs", "iam:CreateServiceLinkedRole",
        role_arn(account, "AWSServiceRoleForRDS", "/aws-service-role/rds.amazonaws.com/"),
        "with an explicit deny in an identity-based policy")
    assert ecs_only.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")["Role"]["Arn"] == slr_arn
    assert error(nobody.delete_service_linked_role, RoleName="AWSServiceRoleForECS") == denied(
        account, "nobody", "iam:DeleteServiceLinkedRole", slr_arn)
    task = ecs_only.delete_service_linked_role(RoleName="AWSServiceRoleForECS")["DeletionTaskId"]
    assert error(nobody.get_service_linked_role_deletion_status, DeletionTaskId=task) == denied(
        account, "nobody", "iam:GetServiceLinkedRoleDeletionStatus", slr_arn)
    other = client_for(new_key(mallory))
    assert error(other.get_service_linked_role_deletion_status, DeletionTaskId=task)[0] == "NoSuchEntity"
    assert ecs_only.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
