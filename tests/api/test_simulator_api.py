"""The policy simulator over the Query API (api/actions/simulator.py): SimulatePrincipalPolicy,
SimulateCustomPolicy, GetContextKeysForPrincipalPolicy, GetContextKeysForCustomPolicy, with
boto3 against the live server."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from accounts import roles, services
from policies import services as policy_services
from policies.simulator import forms as limits

from .conftest import allow

SOURCE = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"},
    {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::secrets/*"}
  ]
}"""


def error(raised: pytest.ExceptionInfo) -> tuple[str, str, int]:
    response = raised.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def decisions(results: list[dict]) -> dict[tuple[str, str], str]:
    return {(r["EvalActionName"], r["EvalResourceName"]): r["EvalDecision"] for r in results}


@pytest.fixture
def dev(account):
    user = services.create_user(account, user_name="dev")
    policy_services.put_inline_policy(user, name="Reader", document=SOURCE)
    return user


def test_simulate_principal_policy_decisions_and_matched_statements(iam, dev):
    result = iam.simulate_principal_policy(
        PolicySourceArn=dev.arn, ActionNames=["s3:GetObject", "s3:PutObject"],
        ResourceArns=["arn:aws:s3:::photos/cat.jpg", "arn:aws:s3:::secrets/key"])
    results = result["EvaluationResults"]
    assert decisions(results) == {
        ("s3:GetObject", "arn:aws:s3:::photos/cat.jpg"): "allowed",
        ("s3:GetObject", "arn:aws:s3:::secrets/key"): "explicitDeny",
        ("s3:PutObject", "arn:aws:s3:::photos/cat.jpg"): "implicitDeny",
        ("s3:PutObject", "arn:aws:s3:::secrets/key"): "implicitDeny",
    }
    assert result["IsTruncated"] is False
    allowed, denied, implicit = results[0], results[1], results[2]
    # Positions of the deciding statement in the policy text, as IAM gives them.
    assert allowed["MatchedStatements"] == [{
        "SourcePolicyId": "Reader", "SourcePolicyType": "user",
        "StartPosition": {"Line": 4, "Column": 5},
        "EndPosition": {"Line": 4, "Column": SOURCE.splitlines()[3].rindex("}") + 1}}]
    assert denied["MatchedStatements"][0]["StartPosition"] == {"Line": 5, "Column": 5}
    assert implicit["MatchedStatements"] == [] and implicit["MissingContextValues"] == []
    assert allowed["ResourceSpecificResults"] == [{
        "EvalResourceName": "arn:aws:s3:::photos/cat.jpg", "EvalResourceDecision": "allowed",
        "MatchedStatements": allowed["MatchedStatements"], "MissingContextValues": [],
        "EvalDecisionDetails": {}}]
    assert "PermissionsBoundaryDecisionDetail" not in allowed

    # No ResourceArns: every action on "*", without per-resource results.
    star = iam.simulate_principal_policy(PolicySourceArn=dev.arn, ActionNames=["s3:ListBucket"])
    only = star["EvaluationResults"][0]
    assert (only["EvalResourceName"], only["EvalDecision"]) == ("*", "allowed")
    assert "ResourceSpecificResults" not in only


def test_group_role_and_managed_sources(iam, account, dev, aws_managed_policies):
    group = services.create_group(account, name="Readers")
    policy_services.put_inline_policy(group, name="GroupRead", document=allow("sqs:ReceiveMessage"))
    services.add_user_to_group(group, dev)
    policy_services.attach_policy(dev, policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    customer = policy_services.create_policy(account, name="Queues", document=allow("sqs:SendMessage"))
    policy_services.attach_policy(group, policy_arn=customer.arn)
    result = iam.simulate_principal_policy(
        PolicySourceArn=dev.arn, ActionNames=["sqs:ReceiveMessage", "iam:ListUsers", "sqs:SendMessage"])
    sources = {r["EvalActionName"]: [(s["SourcePolicyId"], s["SourcePolicyType"]) for s in r["MatchedStatements"]]
               for r in result["EvaluationResults"]}
    assert sources == {"sqs:ReceiveMessage": [("GroupRead", "group")],
                       "iam:ListUsers": [("IAMReadOnlyAccess", "aws-managed")],
                       "sqs:SendMessage": [("Queues", "user-managed")]}
    group_result = iam.simulate_principal_policy(PolicySourceArn=group.arn, ActionNames=["sqs:ReceiveMessage"])
    assert group_result["EvaluationResults"][0]["EvalDecision"] == "allowed"

    role = roles.create_role(account, name="Cashier", trust_policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": account.root_arn},
                                                "Action": "sts:AssumeRole"}]}))
    policy_services.put_inline_policy(role, name="Till", document=allow("s3:ListBucket"))
    role_result = iam.simulate_principal_policy(PolicySourceArn=role.arn, ActionNames=["s3:ListBucket"],
                                                PolicyInputList=[allow("s3:PutObject")])
    statement = role_result["EvaluationResults"][0]["MatchedStatements"][0]
    assert (statement["SourcePolicyId"], statement["SourcePolicyType"]) == ("Till", "role")


def test_extra_policies_boundary_and_context(iam, dev, customer_policy):
    boundary_arn = customer_policy("OnlyS3", allow("s3:*"))
    policy_services.put_permissions_boundary(dev, policy_arn=boundary_arn)
    extra = allow(["s3:PutObject", "sqs:SendMessage"], condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    result = iam.simulate_principal_policy(
        PolicySourceArn=dev.arn, ActionNames=["s3:PutObject", "sqs:SendMessage"], PolicyInputList=[extra])
    put, send = result["EvaluationResults"]
    # Without aws:SourceIp the extra policy's statement does not apply: the key is missing.
    assert put["EvalDecision"] == "implicitDeny" and put["MissingContextValues"] == ["aws:SourceIp"]
    assert put["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}
    assert send["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}

    entries = [{"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["10.1.2.3"], "ContextKeyType": "ip"}]
    put, send = iam.simulate_principal_policy(
        PolicySourceArn=dev.arn, ActionNames=["s3:PutObject", "sqs:SendMessage"], PolicyInputList=[extra],
        ContextEntries=entries)["EvaluationResults"]
    assert put["EvalDecision"] == "allowed" and put["MissingContextValues"] == []
    assert put["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1"
    # The boundary caps what the extra policy allows.
    assert send["EvalDecision"] == "implicitDeny"

    # A boundary given replaces the user's own.
    replaced = iam.simulate_principal_policy(
        PolicySourceArn=dev.arn, ActionNames=["sqs:SendMessage"], PolicyInputList=[extra], ContextEntries=entries,
        PermissionsBoundaryPolicyInputList=[allow("sqs:*")])["EvaluationResults"][0]
    assert replaced["EvalDecision"] == "allowed"
    assert replaced["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}

    keys = iam.get_context_keys_for_principal_policy(PolicySourceArn=dev.arn, PolicyInputList=[extra])
    assert keys["ContextKeyNames"] == ["aws:SourceIp"]


def test_simulate_custom_policy_with_a_resource_policy(iam, account):
    result = iam.simulate_custom_policy(
        PolicyInputList=[SOURCE], ActionNames=["s3:GetObject"],
        ResourceArns=["arn:aws:s3:::photos/a", "arn:aws:s3:::secrets/b"])
    assert decisions(result["EvaluationResults"]) == {("s3:GetObject", "arn:aws:s3:::photos/a"): "allowed",
                                                      ("s3:GetObject", "arn:aws:s3:::secrets/b"): "explicitDeny"}
    statement = result["EvaluationResults"][0]["MatchedStatements"][0]
    assert statement["SourcePolicyId"] == "PolicyInputList.1" and "SourcePolicyType" not in statement

    caller = f"arn:aws:iam::{account.account_id}:user/someone"
    bucket_policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": caller}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::drop/*"}]})
    granted = iam.simulate_custom_policy(
        PolicyInputList=[allow("sqs:ListQueues")], ActionNames=["s3:PutObject"], ResourceArns=["arn:aws:s3:::drop/x"],
        ResourcePolicy=bucket_policy, CallerArn=caller)["EvaluationResults"][0]
    assert granted["EvalDecision"] == "allowed"
    assert granted["MatchedStatements"][0]["SourcePolicyId"] == "ResourcePolicy"
    assert granted["MatchedStatements"][0]["SourcePolicyType"] == "resource"

    with pytest.raises(ClientError) as raised:
        iam.simulate_custom_policy(PolicyInputList=[SOURCE], ActionNames=["s3:GetObject"],
                                   ResourcePolicy=bucket_policy)
    assert error(raised)[0] == "InvalidInput"

    # A bucket of another account (ResourceOwner): its policy and the caller's policies must both allow.
    other = "arn:aws:iam::210987654321:root"
    for identity_policy, expected in ((allow("sqs:ListQueues"), "implicitDeny"), (allow("s3:PutObject"), "allowed")):
        crossed = iam.simulate_custom_policy(
            PolicyInputList=[identity_policy], ActionNames=["s3:PutObject"], ResourceArns=["arn:aws:s3:::drop/x"],
            ResourcePolicy=bucket_policy, CallerArn=caller, ResourceOwner=other)["EvaluationResults"][0]
        assert crossed["EvalDecision"] == expected
    with pytest.raises(ClientError) as raised:
        iam.simulate_custom_policy(PolicyInputList=[SOURCE], ActionNames=["s3:GetObject"], ResourceOwner="210987654321")
    assert error(raised)[0] == "InvalidInput"

    keys = iam.get_context_keys_for_custom_policy(PolicyInputList=[
        allow("s3:*", condition={"StringEquals": {"aws:PrincipalTag/team": "a", "s3:prefix": "x"}}),
        allow("s3:*", "arn:aws:s3:::home/${aws:username}/*")])
    assert keys["ContextKeyNames"] == ["aws:PrincipalTag/team", "s3:prefix", "aws:username"]


def test_results_page_with_max_items_and_marker(iam, dev, monkeypatch):
    actions = ["s3:GetObject", "s3:ListBucket", "s3:PutObject"]
    resources = [f"arn:aws:s3:::b/{n}" for n in range(3)]
    seen, marker, pages = [], None, 0
    while True:
        kwargs = {"Marker": marker} if marker else {}
        result = iam.simulate_principal_policy(PolicySourceArn=dev.arn, ActionNames=actions, ResourceArns=resources,
                                               MaxItems=4, **kwargs)
        pages += 1
        seen += [(r["EvalActionName"], r["EvalResourceName"]) for r in result["EvaluationResults"]]
        if not result["IsTruncated"]:
            break
        marker = result["Marker"]
    assert pages == 3 and seen == [(a, r) for a in actions for r in resources]

    # boto3's paginator walks the same pages.
    paginator = iam.get_paginator("simulate_principal_policy")
    walked = [r for page in paginator.paginate(PolicySourceArn=dev.arn, ActionNames=actions, ResourceArns=resources,
                                               PaginationConfig={"PageSize": 2}) for r in page["EvaluationResults"]]
    assert len(walked) == 9

    # A page that reaches the simulator's deadline ends there, truncated: the Marker goes on.
    monkeypatch.setattr(limits, "SIMULATION_SECONDS", 0)
    first = iam.simulate_principal_policy(PolicySourceArn=dev.arn, ActionNames=actions, ResourceArns=resources)
    assert len(first["EvaluationResults"]) == 1 and first["IsTruncated"] is True
    second = iam.simulate_principal_policy(PolicySourceArn=dev.arn, ActionNames=actions, ResourceArns=resources,
                                           Marker=first["Marker"])
    assert second["EvaluationResults"][0]["EvalResourceName"] == resources[1]


def test_bounds_and_malformed_input(iam, unchecked_iam, dev):
    def code_of(**kwargs) -> tuple[str, str, int]:
        with pytest.raises(ClientError) as raised:
            unchecked_iam.simulate_custom_policy(**{"PolicyInputList": [SOURCE], "ActionNames": ["s3:GetObject"],
                                                    **kwargs})
        return error(raised)

    code, message, status = code_of(PolicyInputList=[SOURCE] * 11)
    assert (code, status) == ("ValidationError", 400)
    assert message.endswith("at 'policyInputList' failed to satisfy constraint: "
                            "Member must have length less than or equal to 10")
    assert "less than or equal to 100" in code_of(ActionNames=[f"s3:Get{n}" for n in range(101)])[1]
    assert "less than or equal to 10" in code_of(ResourceArns=[f"arn:aws:s3:::b{n}" for n in range(11)])[1]
    many = [{"ContextKeyName": f"aws:Key{n}", "ContextKeyValues": ["v"], "ContextKeyType": "string"}
            for n in range(51)]
    assert "less than or equal to 50" in code_of(ContextEntries=many)[1]
    assert code_of(ActionNames=["s3"])[0] == "ValidationError"
    assert code_of(ActionNames=["nocolon"])[0] == "InvalidInput"
    assert code_of(ContextEntries=[{"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["x"],
                                    "ContextKeyType": "ip"}])[0] == "InvalidInput"
    assert code_of(ContextEntries=[{"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["1.2.3.4"],
                                    "ContextKeyType": "address"}])[0] == "ValidationError"
    code, message, status = code_of(PolicyInputList=['{"Version": "2012-10-17", "Statement": []}x'])
    assert (code, status) == ("MalformedPolicyDocument", 400) and message
    assert code_of(ActionNames=[])[:1] == ("ValidationError",)
    assert code_of(MaxItems=0)[0] == "ValidationError"

    with pytest.raises(ClientError) as raised:
        iam.simulate_principal_policy(PolicySourceArn="arn:aws:s3:::not-a-principal", ActionNames=["s3:GetObject"])
    assert error(raised)[0] == "InvalidInput"
    with pytest.raises(ClientError) as raised:
        iam.simulate_principal_policy(PolicySourceArn=dev.arn.replace("dev", "ghost"), ActionNames=["s3:GetObject"])
    assert error(raised) == ("NoSuchEntity", "The user with name ghost cannot be found.", 404)


def test_another_accounts_principal_is_not_found(iam, mallory):
    stranger = services.create_user(mallory.account, user_name="stranger")
    policy_services.put_inline_policy(stranger, name="All", document=allow("*"))
    for call in (lambda: iam.simulate_principal_policy(PolicySourceArn=stranger.arn, ActionNames=["s3:GetObject"]),
                 lambda: iam.get_context_keys_for_principal_policy(PolicySourceArn=stranger.arn)):
        with pytest.raises(ClientError) as raised:
            call()
        assert error(raised) == ("NoSuchEntity", "The user with name stranger cannot be found.", 404)


def test_simulator_authorisation(account, dev, user_client, customer_policy):
    allowed = user_client("auditor", allow("iam:SimulatePrincipalPolicy", dev.arn))
    assert allowed.simulate_principal_policy(PolicySourceArn=dev.arn, ActionNames=["s3:GetObject"])[
        "EvaluationResults"][0]["EvalDecision"] == "allowed"

    nobody = user_client("nobody")
    acct = account.account_id
    cases = [
        (lambda c: c.simulate_principal_policy(PolicySourceArn=dev.arn, ActionNames=["s3:GetObject"]),
         "iam:SimulatePrincipalPolicy", dev.arn),
        (lambda c: c.simulate_custom_policy(PolicyInputList=[SOURCE], ActionNames=["s3:GetObject"]),
         "iam:SimulateCustomPolicy", "*"),
        (lambda c: c.get_context_keys_for_principal_policy(PolicySourceArn=dev.arn),
         "iam:GetContextKeysForPrincipalPolicy", dev.arn),
        (lambda c: c.get_context_keys_for_custom_policy(PolicyInputList=[SOURCE]),
         "iam:GetContextKeysForCustomPolicy", "*"),
    ]
    for run, action_name, resource in cases:
        with pytest.raises(ClientError) as raised:
            run(nobody)
        assert error(raised) == ("AccessDenied", f"User: arn:aws:iam::{acct}:user/nobody is not authorized to perform: "
                                 f"{action_name} on resource: {resource} because no identity-based policy allows "
                                 f"the {action_name} action", 403)
    # Refused before anything says whether the principal exists.
    with pytest.raises(ClientError) as raised:
        nobody.simulate_principal_policy(PolicySourceArn=f"arn:aws:iam::{acct}:user/ghost", ActionNames=["s3:Get"])
    assert error(raised)[0] == "AccessDenied"

    denied = user_client("denied", allow("iam:*"), allow("iam:Simulate*", effect="Deny"))
    with pytest.raises(ClientError) as raised:
        denied.simulate_custom_policy(PolicyInputList=[SOURCE], ActionNames=["s3:GetObject"])
    assert error(raised)[1].endswith("with an explicit deny in an identity-based policy")

    bounded = user_client("bounded", allow("iam:*"), boundary=customer_policy("OnlyGets", allow("iam:Get*")))
    with pytest.raises(ClientError) as raised:
        bounded.simulate_custom_policy(PolicyInputList=[SOURCE], ActionNames=["s3:GetObject"])
    assert error(raised)[1].endswith("because no permissions boundary allows the iam:SimulateCustomPolicy action")
