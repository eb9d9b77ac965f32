"""Service control policies, cross-account and the exemptions, through the public API.

The decisions themselves are in ``cases/scps.json`` and ``cases/cross-account.json``; here:
the plan cache keeps SCPs apart, what ``Decision`` says about SCP statements, the chain's
shapes, and ``validate(kind="scp")``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from policies.engine import ERROR, Policy, PolicyError, Request, evaluate, validate

import pytest

ACCOUNT = "111122223333"
USER = f"arn:aws:iam::{ACCOUNT}:user/dev"
REPO_ROOT = Path(__file__).resolve().parents[2]


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action="*", resource="*"):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def deny(action="*", resource="*", sid=None):
    statement = {"Effect": "Deny", "Action": action, "Resource": resource}
    return {"Sid": sid, **statement} if sid else statement


def scp(*statements, name=None):
    return Policy.from_json(doc(*statements), name=name, kind="scp")


def request(action="s3:GetObject", resource="arn:aws:s3:::receipts/a.txt", principal=USER):
    return Request(action=action, resource=resource, principal=principal)


EVERYTHING = Policy.from_json(doc(allow()))
FULL = scp(allow(), name="FullAWSAccess")


def test_without_scps_the_decision_is_unchanged_and_none_equals_an_empty_chain():
    for chain in (None, []):
        decision = evaluate(request(), identity=[EVERYTHING], scps=chain)
        assert decision.allowed and [m.policy_kind for m in decision.matched] == ["identity"]


def test_the_plan_cache_keeps_calls_with_and_without_scps_apart():
    deny_s3 = scp(deny("s3:*"), name="DenyS3")
    assert evaluate(request(), identity=[EVERYTHING]).allowed
    assert evaluate(request(), identity=[EVERYTHING], scps=[[FULL, deny_s3]]).decision == "explicitDeny"
    assert evaluate(request(), identity=[EVERYTHING]).allowed
    assert evaluate(request(), identity=[EVERYTHING], scps=[[FULL], [FULL]]).allowed
    # The same policies at other levels are another chain.
    assert evaluate(request(), identity=[EVERYTHING], scps=[[FULL], []]).decision == "implicitDeny"
    assert evaluate(request(), identity=[EVERYTHING], scps=[[FULL, deny_s3], [FULL]]).decision == "explicitDeny"
    assert evaluate(request(), identity=[EVERYTHING], scps=[[FULL], [FULL, deny_s3]]).decision == "explicitDeny"


def test_a_level_list_changed_between_calls_is_read_again():
    level = [FULL]
    chain = [level]
    assert evaluate(request(), identity=[EVERYTHING], scps=chain).allowed
    level.append(scp(deny("s3:GetObject")))
    assert evaluate(request(), identity=[EVERYTHING], scps=chain).decision == "explicitDeny"


def test_chains_of_dicts_text_and_tuples_are_compiled_as_scps():
    text = json.dumps(doc(deny("s3:*")))
    for chain in ([[doc(allow())], [doc(allow()), text]], ((doc(allow()),), (text,)),
                  (level for level in [[doc(allow())], [doc(allow()), text]])):
        assert evaluate(request(), identity=[EVERYTHING], scps=chain).decision == "explicitDeny"


def test_an_scp_with_a_principal_is_refused():
    with pytest.raises(PolicyError, match="should not specify a principal"):
        evaluate(request(), identity=[EVERYTHING],
                 scps=[[doc({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"})]])


def test_matched_names_the_scp_statements_with_their_level():
    deny_s3 = scp(deny("s3:*", sid="NoS3"), name="DenyS3")
    decision = evaluate(request(), identity=[EVERYTHING], scps=[[FULL], [FULL, deny_s3]])
    assert decision.denied_by == "scp"
    assert [(m.policy, m.policy_kind, m.sid, m.level, m.effect) for m in decision.matched] == [
        ("DenyS3", "scp", "NoS3", 1, "Deny")]
    assert decision.matched[0].to_dict()["level"] == 1
    allowed = evaluate(request(), identity=[EVERYTHING], scps=[[FULL], [FULL]])
    assert [(m.policy, m.policy_kind, m.level) for m in allowed.matched] == [
        ("FullAWSAccess", "scp", 0), ("FullAWSAccess", "scp", 1), ("identity[0]", "identity", None)]
    unnamed = evaluate(request(), identity=[EVERYTHING], scps=[[doc(allow())], [doc(allow())]])
    assert [m.policy for m in unnamed.matched if m.policy_kind == "scp"] == ["scp[0][0]", "scp[1][0]"]


def test_reasons_are_aws_wordings():
    explicit = evaluate(request(), identity=[EVERYTHING], scps=[[FULL, scp(deny())]])
    assert explicit.reason() == "with an explicit deny in a service control policy"
    implicit = evaluate(request(), identity=[EVERYTHING], scps=[[scp(allow("ec2:*"))]])
    assert implicit.reason() == "because no service control policy allows the s3:GetObject action"
    assert implicit.reason("s3:GetObjectVersion") == \
        "because no service control policy allows the s3:GetObjectVersion action"


def test_an_scp_deny_is_reported_before_an_identity_deny():
    both = evaluate(request(), identity=[Policy.from_json(doc(allow(), deny("s3:*")))],
                    scps=[[FULL, scp(deny("s3:*"))]])
    assert both.denied_by == "scp"
    assert {m.policy_kind for m in both.matched} == {"scp", "identity"}


def test_an_scp_implicit_deny_comes_before_a_missing_identity_allow():
    decision = evaluate(request(), identity=[], scps=[[scp(allow("ec2:*"))]])
    assert decision.denied_by == "scp"


def test_get_caller_identity_is_allowed_whatever_denies_it():
    decision = evaluate(request("sts:GetCallerIdentity", "*"), identity=[Policy.from_json(doc(deny()))],
                        boundary=Policy.from_json(doc(deny())), scps=[[scp(deny())]])
    assert decision.allowed and decision.matched == () and decision.reason() == ""


def test_kms_keys_need_their_key_policy_but_aliases_and_lists_do_not():
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd"
    assert evaluate(request("kms:Decrypt", key), identity=[EVERYTHING]).denied_by == "resource"
    assert evaluate(request("kms:ListKeys", "*"), identity=[EVERYTHING]).allowed
    alias = f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/receipts"
    assert evaluate(request("kms:CreateAlias", alias), identity=[EVERYTHING]).allowed


def test_cross_account_is_read_from_the_arn_and_from_resource_account():
    other = "arn:aws:sqs:us-east-1:444455556666:orders"
    assert evaluate(request("sqs:SendMessage", other), identity=[EVERYTHING]).denied_by == "resource"
    mine = f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders"
    assert evaluate(request("sqs:SendMessage", mine), identity=[EVERYTHING]).allowed
    said = Request(action="sqs:SendMessage", resource=mine, principal=USER,
                   context={"aws:ResourceAccount": "444455556666"})
    assert evaluate(said, identity=[EVERYTHING]).denied_by == "resource"
    # A principal without an account (a service) is never cross-account.
    service = Request(action="sqs:SendMessage", resource=other, principal="ec2.amazonaws.com")
    assert evaluate(service, identity=[EVERYTHING]).allowed


# ---------------------------------------------------------------- validate(kind="scp")


def codes(text, **kwargs):
    return [(f.code, f.message) for f in validate(text, kind="scp", **kwargs) if f.level == ERROR]


def test_validate_scp_accepts_aws_scp_syntax():
    full = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
    assert codes(full) == []
    not_action = doc({"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"},
                     {"Effect": "Deny", "Action": "ec2:*", "NotResource": "arn:aws:ec2:*:*:instance/*",
                      "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}})
    assert codes(json.dumps(not_action)) == []
    assert Policy.from_json(not_action, kind="scp").kind == "scp"


def test_validate_scp_refuses_principal_and_not_principal():
    for element in ("Principal", "NotPrincipal"):
        text = json.dumps(doc({"Effect": "Deny", element: {"AWS": "*"}, "Action": "*", "Resource": "*"}))
        assert codes(text) == [("PRINCIPAL_NOT_ALLOWED", "Policy document should not specify a principal.")]
        finding = validate(text, kind="scp")[0]
        assert finding.location.path.endswith(element) and "service control policy" in finding.detail


def test_validate_scp_needs_actions_and_resources():
    assert codes(json.dumps(doc({"Effect": "Deny", "Resource": "*"}))) == [
        ("MISSING_ACTION", "Policy statement must contain actions.")]
    assert codes(json.dumps(doc({"Effect": "Deny", "Action": "*"}))) == [
        ("MISSING_RESOURCE", "Policy statement must contain resources.")]


def test_validate_scp_counts_every_character_up_to_5120():
    body = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}'
    exactly = body + " " * (5120 - len(body))
    assert len(exactly) == 5120 and codes(exactly) == []
    over = exactly + " "
    assert codes(over) == [("POLICY_SIZE_EXCEEDED",
                            "The policy document exceeds the maximum size of 5,120 characters.")]
    # The same whitespace is free in an identity policy (IAM does not count it).
    assert validate(over, kind="identity") == []
    assert codes(over, max_size=0) == []
    with pytest.raises(PolicyError):
        Policy.from_json(over, kind="scp")
    assert Policy.from_json(over, kind="scp", max_size=0).kind == "scp"


def test_the_command_line_validates_scps():
    result = subprocess.run(
        [sys.executable, "-m", "policies.engine", "validate", "-", "--kind", "scp", "--json"],
        input=json.dumps(doc({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"})),
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert json.loads(result.stdout.splitlines()[0])["code"] == "PRINCIPAL_NOT_ALLOWED"


def test_the_cases_command_reads_scps_and_checks_reasons(tmp_path):
    case = {"name": "scp deny", "identity_policies": [doc(allow())],
            "scps": [[doc(allow())], [doc(deny("s3:*"))]],
            "request": {"principal": USER, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"},
            "expect": "explicitDeny", "expect_reason": "with an explicit deny in a service control policy"}
    wrong = {**case, "name": "wrong reason", "expect_reason": "because no identity-based policy allows it"}
    bad = {**case, "name": "bad chain", "scps": [doc(allow())]}
    path = tmp_path / "cases.json"
    path.write_text(json.dumps([case, wrong, bad]))
    result = subprocess.run([sys.executable, "-m", "policies.engine", "cases", str(path), "--verbose"],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [r["ok"] for r in records] == [True, False, False]
    assert records[0]["matched"][0]["policy_kind"] == "scp" and records[0]["matched"][0]["level"] == 1
    assert records[1]["reason"] == "with an explicit deny in a service control policy"
    assert records[2]["decision"] == "error"
    assert result.stdout.splitlines()[-1] == "1 passed, 2 failed"
