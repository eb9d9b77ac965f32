"""ListPoliciesGrantingServiceAccess and SetSecurityTokenServicePreferences over the Query
API (boto3 against the live server): which of a user's, group's or role's policies grant a
service (Action and NotAction, wildcards, a user's groups, Deny statements granting nothing),
paging, AWS's errors, authorisation and another account's entities; the token version in
GetAccountSummary."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from accounts import roles, services
from policies import services as policy_services

from .conftest import allow
from .helpers import aws_error

pytestmark = pytest.mark.django_db(transaction=True)


def error(call, **kwargs) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return aws_error(caught.value)


def granted(response) -> dict[str, list[dict]]:
    return {entry["ServiceNamespace"]: entry["Policies"] for entry in response["PoliciesGrantingServiceAccess"]}


@pytest.fixture
def entities(account, alice, customer_policy):
    """alice: an inline policy for CodeCommit pulls, a deny-only one, the managed S3Read; her
    group devs: everything but IAM; the role Builder: CodeBuild."""
    policy_services.put_user_policy(alice, name="git", document=allow("codecommit:GitPull"))
    policy_services.put_user_policy(alice, name="no-iam", document=allow("iam:*", effect="Deny"))
    s3_read = customer_policy("S3Read", allow(["s3:Get*", "s3:List*"], "arn:aws:s3:::receipts/*"))
    policy_services.attach_policy(alice, policy_arn=s3_read)
    group = services.create_group(account, name="devs", users=[alice])
    policy_services.put_group_policy(group, name="all-but-iam", document=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}))
    policy_services.attach_policy(group, policy_arn=s3_read)  # listed once for alice
    role = roles.create_role(account, name="Builder", trust_policy=roles.account_trust_policy(account.account_id))
    policy_services.put_role_policy(role, name="build", document=allow("codebuild:StartBuild"))
    return {"s3_read": s3_read, "group": group, "role": role}


def test_policies_granting_each_service_to_a_user_group_and_role(iam, account, alice, entities):
    user_inline = {"PolicyName": "git", "PolicyType": "INLINE", "EntityType": "USER", "EntityName": "alice"}
    group_inline = {"PolicyName": "all-but-iam", "PolicyType": "INLINE", "EntityType": "GROUP", "EntityName": "devs"}
    managed = {"PolicyName": "S3Read", "PolicyType": "MANAGED", "PolicyArn": entities["s3_read"]}
    response = iam.list_policies_granting_service_access(
        Arn=alice.arn, ServiceNamespaces=["codecommit", "s3", "iam", "ec2", "nosuchservice"])
    assert response["IsTruncated"] is False and "Marker" not in response
    assert granted(response) == {"codecommit": [user_inline, group_inline], "s3": [group_inline, managed],
                                 "iam": [], "ec2": [group_inline], "nosuchservice": []}
    group = granted(iam.list_policies_granting_service_access(Arn=entities["group"].arn,
                                                              ServiceNamespaces=["codecommit", "s3"]))
    assert group == {"codecommit": [group_inline], "s3": [group_inline, managed]}
    role = granted(iam.list_policies_granting_service_access(Arn=entities["role"].arn,
                                                             ServiceNamespaces=["codebuild", "codecommit"]))
    assert role == {"codebuild": [{"PolicyName": "build", "PolicyType": "INLINE", "EntityType": "ROLE",
                                   "EntityName": "Builder"}], "codecommit": []}


def test_namespaces_page_by_a_hundred(iam, alice, entities):
    namespaces = ["codecommit"] + [f"svc{index:03}" for index in range(149)]
    first = iam.list_policies_granting_service_access(Arn=alice.arn, ServiceNamespaces=namespaces)
    assert first["IsTruncated"] and len(first["PoliciesGrantingServiceAccess"]) == 100
    assert granted(first)["codecommit"][0]["PolicyName"] == "git"
    rest = iam.list_policies_granting_service_access(Arn=alice.arn, ServiceNamespaces=namespaces,
                                                     Marker=first["Marker"])
    assert not rest["IsTruncated"] and [entry["ServiceNamespace"] for entry in rest[
        "PoliciesGrantingServiceAccess"]] == namespaces[100:]


def test_errors_in_awss_words_and_another_accounts_entities(iam, unchecked_iam, account, alice, mallory):
    assert error(iam.list_policies_granting_service_access, Arn="arn:aws:s3:::receipts-bucket",
                 ServiceNamespaces=["s3"])[::2] == ("InvalidInput", 400)
    assert error(unchecked_iam.list_policies_granting_service_access, Arn=alice.arn,
                 ServiceNamespaces=["s3"] * 201) == (
        "ValidationError", "1 validation error detected: Value at 'serviceNamespaces' failed to satisfy constraint: "
        "Member must have length less than or equal to 200", 400)
    assert error(unchecked_iam.list_policies_granting_service_access, Arn=alice.arn,
                 ServiceNamespaces=["s3", "bad name"]) == (
        "ValidationError", "1 validation error detected: Value 'bad name' at 'serviceNamespaces.2.member' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: [\\w-]*", 400)
    assert error(unchecked_iam.list_policies_granting_service_access, Arn=alice.arn)[0] == "ValidationError"
    theirs = services.create_user(mallory.account, user_name="theirs")
    policy_services.put_user_policy(theirs, name="git", document=allow("codecommit:*"))
    assert error(iam.list_policies_granting_service_access, Arn=theirs.arn, ServiceNamespaces=["codecommit"]) == (
        "NoSuchEntity", "The user with name theirs cannot be found.", 404)
    assert error(iam.list_policies_granting_service_access, Arn=account.arn("role/Nobody"),
                 ServiceNamespaces=["s3"]) == ("NoSuchEntity", "The role with name Nobody cannot be found.", 404)


def test_authorised_on_the_entitys_arn(user_client, account, alice, entities):
    reader = user_client("reader", allow("iam:ListPoliciesGrantingServiceAccess", alice.arn))
    assert granted(reader.list_policies_granting_service_access(Arn=alice.arn, ServiceNamespaces=["codecommit"]))[
        "codecommit"][0]["PolicyName"] == "git"
    role_arn = entities["role"].arn
    reader_arn = account.arn("user/reader")
    assert error(reader.list_policies_granting_service_access, Arn=role_arn, ServiceNamespaces=["s3"]) == (
        "AccessDenied", f"User: {reader_arn} is not authorized to perform: iam:ListPoliciesGrantingServiceAccess on "
        f"resource: {role_arn} because no identity-based policy allows the iam:ListPoliciesGrantingServiceAccess "
        "action", 403)
    # A name no entity has is refused the same way: the denied caller learns nothing.
    assert error(reader.list_policies_granting_service_access, Arn=account.arn("role/Nobody"),
                 ServiceNamespaces=["s3"])[0] == "AccessDenied"
    fenced = user_client("fenced", allow("iam:*"), allow("iam:ListPoliciesGrantingServiceAccess", alice.arn,
                                                         effect="Deny"))
    code, message, status = error(fenced.list_policies_granting_service_access, Arn=alice.arn,
                                  ServiceNamespaces=["s3"])
    assert (code, status) == ("AccessDenied", 403)
    assert message.endswith("with an explicit deny in an identity-based policy")


def test_security_token_service_preferences_show_in_the_account_summary(iam, user_client, account):
    assert iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 1
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v2Token")
    account.refresh_from_db()
    assert account.global_endpoint_token_version == 2
    assert iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 2
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v1Token")
    assert iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 1
    unchecked = user_client("admin", allow("iam:*"))
    unchecked.meta.events.register("before-parameter-build.iam", lambda params, **kw: params.update(
        GlobalEndpointTokenVersion="v3Token") if "GlobalEndpointTokenVersion" in params else None)
    code, message, status = error(unchecked.set_security_token_service_preferences,
                                  GlobalEndpointTokenVersion="v2Token")
    assert (code, message, status) == (
        "ValidationError", "1 validation error detected: Value 'v3Token' at 'globalEndpointTokenVersion' failed to "
        "satisfy constraint: Member must satisfy enum value set: [v1Token, v2Token]", 400)
    nobody = user_client("nobody")
    assert error(nobody.set_security_token_service_preferences, GlobalEndpointTokenVersion="v2Token") == (
        "AccessDenied", f"User: {account.arn('user/nobody')} is not authorized to perform: "
        "iam:SetSecurityTokenServicePreferences on resource: * because no identity-based policy allows the "
        "iam:SetSecurityTokenServicePreferences action", 403)
    account.refresh_from_db()
    assert account.global_endpoint_token_version == 1
