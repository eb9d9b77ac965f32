"""The aws CLI (PyPI's awscli, unmodified) runs a trainer's session against the portal:
create a user, give it an access key and a policy, identify with the new key, assume a role,
and ask the simulator what the user may do."""

from __future__ import annotations

import json

from .conftest import allow


def test_a_trainers_session_with_the_aws_cli(aws, root_key, account):
    acct = account.account_id
    created = aws(root_key, "iam", "create-user", "--user-name", "dev")["User"]
    assert created["Arn"] == f"arn:aws:iam::{acct}:user/dev"
    key = aws(root_key, "iam", "create-access-key", "--user-name", "dev")["AccessKey"]
    dev = (key["AccessKeyId"], key["SecretAccessKey"])
    assert dev[0].startswith("AKIA") and len(dev[1]) == 40
    aws(root_key, "iam", "attach-user-policy", "--user-name", "dev",
        "--policy-arn", "arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    aws(root_key, "iam", "put-user-policy", "--user-name", "dev", "--policy-name", "AssumeCashier",
        "--policy-document", allow("sts:AssumeRole", f"arn:aws:iam::{acct}:role/Cashier"))

    assert aws(dev, "sts", "get-caller-identity")["Arn"] == f"arn:aws:iam::{acct}:user/dev"
    attached = aws(dev, "iam", "list-attached-user-policies", "--user-name", "dev")["AttachedPolicies"]
    assert [policy["PolicyName"] for policy in attached] == ["IAMReadOnlyAccess"]

    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:root"}, "Action": "sts:AssumeRole"}]})
    role = aws(root_key, "iam", "create-role", "--role-name", "Cashier", "--assume-role-policy-document", trust)["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{acct}:root"}
    aws(root_key, "iam", "put-role-policy", "--role-name", "Cashier", "--policy-name", "Receipts",
        "--policy-document", allow("s3:ListBucket", "arn:aws:s3:::receipts-bucket"))

    assumed = aws(dev, "sts", "assume-role", "--role-arn", role["Arn"], "--role-session-name", "dev-at-till")
    credentials = assumed["Credentials"]
    session = (credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
    assert session[0].startswith("ASIA")
    who = aws(session, "sts", "get-caller-identity")
    assert who["Arn"] == f"arn:aws:sts::{acct}:assumed-role/Cashier/dev-at-till"

    simulated = aws(root_key, "iam", "simulate-principal-policy", "--policy-source-arn", created["Arn"],
                    "--action-names", "iam:ListUsers", "iam:CreateUser", "sts:AssumeRole",
                    "--resource-arns", role["Arn"])
    decisions = {result["EvalActionName"]: result["EvalDecision"] for result in simulated["EvaluationResults"]}
    assert decisions == {"iam:ListUsers": "allowed", "iam:CreateUser": "implicitDeny", "sts:AssumeRole": "allowed"}
