"""SimulatePrincipalPolicy applies the service control policies of the principal's account, as
AWS's does (and the console's simulator), with ``OrganizationsDecisionDetail`` in each result;
SimulateCustomPolicy applies none. boto3 against the live server.

The cast: ``account`` (root's) manages an organization that ``mallory``'s account joins; an SCP
on mallory's account denies ``s3:DeleteBucket`` and allows everything else, so what the member
account's policies allow beyond that is still allowed.
"""

from __future__ import annotations

import json

import pytest

from accounts import roles, services
from organizations import services as org_services
from policies import services as policy_services

from .conftest import new_key

EVERYTHING = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


@pytest.fixture
def org(account, mallory):
    org = org_services.create_organization(account)
    org_services.accept_handshake(org_services.invite_account(org, mallory.account), mallory.account)
    policy = org_services.create_policy(org, name="NoBucketDeletes", description="", document=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Sid": "KeepBuckets", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]}))
    org_services.attach_policy(policy, mallory.account.account_id)
    return org


@pytest.fixture
def member_iam(org, mallory, client_for):
    """The member account's root user's IAM client."""
    return client_for(new_key(mallory))


def by_action(results: list[dict]) -> dict[str, dict]:
    return {r["EvalActionName"]: r for r in results}


def test_simulate_principal_policy_applies_the_accounts_scps(member_iam, mallory):
    dev = services.create_user(mallory.account, user_name="dev")
    policy_services.put_inline_policy(dev, name="Everything", document=EVERYTHING)
    results = by_action(member_iam.simulate_principal_policy(
        PolicySourceArn=dev.arn, ActionNames=["s3:DeleteBucket", "s3:CreateBucket"])["EvaluationResults"])
    denied, allowed = results["s3:DeleteBucket"], results["s3:CreateBucket"]
    assert denied["EvalDecision"] == "explicitDeny"
    assert denied["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": False}
    # The SCP's statement is not one of the principal's policies' (IAM has no source type for it).
    assert denied["MatchedStatements"] == []
    assert allowed["EvalDecision"] == "allowed"
    assert allowed["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": True}
    assert [s["SourcePolicyId"] for s in allowed["MatchedStatements"]] == ["Everything"]

    # A role of the account likewise; with ResourceArns, each result keeps the detail.
    role = roles.create_role(mallory.account, name="Ops", trust_policy=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": mallory.account.root_arn}, "Action": "sts:AssumeRole"}]}))
    policy_services.put_inline_policy(role, name="Everything", document=EVERYTHING)
    result = member_iam.simulate_principal_policy(
        PolicySourceArn=role.arn, ActionNames=["s3:DeleteBucket"],
        ResourceArns=["arn:aws:s3:::photos"])["EvaluationResults"][0]
    assert (result["EvalDecision"], result["OrganizationsDecisionDetail"]) == (
        "explicitDeny", {"AllowedByOrganizations": False})


def test_an_action_no_scp_allows_is_denied_by_organizations(org, member_iam, mallory):
    """The root's FullAWSAccess replaced by an SCP that allows only S3 (and simulating): other
    IAM actions are an implicit deny from the organization whatever the account's policies say."""
    full = org_services.list_policies(org).get(name=org_services.FULL_AWS_ACCESS_NAME)
    only_s3 = org_services.create_policy(org, name="OnlyS3", description="", document=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:*", "iam:SimulatePrincipalPolicy"], "Resource": "*"}]}))
    org_services.attach_policy(only_s3, org.root_id)
    org_services.detach_policy(full, org.root_id)
    dev = services.create_user(mallory.account, user_name="dev")
    policy_services.put_inline_policy(dev, name="Everything", document=EVERYTHING)
    results = by_action(member_iam.simulate_principal_policy(
        PolicySourceArn=dev.arn, ActionNames=["iam:ListUsers", "s3:ListBucket"])["EvaluationResults"])
    assert results["iam:ListUsers"]["EvalDecision"] == "implicitDeny"
    assert results["iam:ListUsers"]["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": False}
    assert results["s3:ListBucket"]["EvalDecision"] == "allowed"
    assert results["s3:ListBucket"]["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": True}


def test_the_management_account_and_custom_policies_have_no_scps(org, iam, account, member_iam):
    # The management account: SCPs never apply to it; it is in an organization all the same.
    ops = services.create_user(account, user_name="ops")
    policy_services.put_inline_policy(ops, name="Everything", document=EVERYTHING)
    result = iam.simulate_principal_policy(PolicySourceArn=ops.arn,
                                           ActionNames=["s3:DeleteBucket"])["EvaluationResults"][0]
    assert result["EvalDecision"] == "allowed"
    assert result["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": True}
    # SimulateCustomPolicy, even in the member account: the policies given, no SCP.
    result = member_iam.simulate_custom_policy(PolicyInputList=[EVERYTHING],
                                               ActionNames=["s3:DeleteBucket"])["EvaluationResults"][0]
    assert result["EvalDecision"] == "allowed"
    assert "OrganizationsDecisionDetail" not in result


def test_outside_an_organization_there_is_no_organizations_detail(iam, account):
    dev = services.create_user(account, user_name="dev")
    policy_services.put_inline_policy(dev, name="Everything", document=EVERYTHING)
    result = iam.simulate_principal_policy(PolicySourceArn=dev.arn,
                                           ActionNames=["s3:DeleteBucket"])["EvaluationResults"][0]
    assert result["EvalDecision"] == "allowed"
    assert "OrganizationsDecisionDetail" not in result
