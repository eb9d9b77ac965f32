"""Access Analyzer's custom policy checks (policies/engine/custom_checks.py): pairs of
documents with known answers, and the statements each FAIL blames."""

from __future__ import annotations

import json
import time

import pytest

from policies.engine import (
    CheckResult,
    PolicyError,
    check_access_not_granted,
    check_no_new_access,
    check_no_public_access,
)
from policies.engine.custom_checks import CheckTooComplex, contains

BUCKET = "arn:aws:s3:::reports"
OBJECTS = "arn:aws:s3:::reports/*"


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra) -> dict:
    key = "NotAction" if extra.pop("not_action", False) else "Action"
    rkey = "NotResource" if extra.pop("not_resource", False) else "Resource"
    return {"Effect": "Allow", key: action, rkey: resource, **extra}


def deny(action, resource="*", **extra) -> dict:
    return {**allow(action, resource, **extra), "Effect": "Deny"}


MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
IP = {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}

# (name, new, existing, expected result, statements of `new` blamed)
NEW_ACCESS = [
    ("identical", doc(allow("s3:GetObject", OBJECTS)), doc(allow("s3:GetObject", OBJECTS)),
     "PASS", []),
    ("narrower action", doc(allow("s3:GetObject")), doc(allow("s3:Get*")), "PASS", []),
    ("wider action", doc(allow("s3:Get*")), doc(allow("s3:GetObject")), "FAIL", [0]),
    ("service wide vs specific", doc(allow("s3:*")), doc(allow(["s3:GetObject", "s3:PutObject"])),
     "FAIL", [0]),
    ("specific vs service wide", doc(allow(["s3:GetObject", "s3:PutObject"])), doc(allow("s3:*")),
     "PASS", []),
    ("action case ignored", doc(allow("S3:getobject")), doc(allow("s3:GetObject")), "PASS", []),
    ("question mark", doc(allow("iam:?etUser")), doc(allow(["iam:GetUser"])), "PASS", []),
    ("star vs everything", doc(allow("*")), doc(allow("*")), "PASS", []),
    ("star vs one service", doc(allow("*")), doc(allow("s3:*")), "FAIL", [0]),
    ("narrower resource", doc(allow("s3:GetObject", "arn:aws:s3:::reports/2024/*")),
     doc(allow("s3:GetObject", OBJECTS)), "PASS", []),
    ("wider resource", doc(allow("s3:GetObject", "arn:aws:s3:::*")),
     doc(allow("s3:GetObject", OBJECTS)), "FAIL", [0]),
    ("resource case matters", doc(allow("s3:GetObject", "arn:aws:s3:::Reports/*")),
     doc(allow("s3:GetObject", OBJECTS)), "FAIL", [0]),
    ("bucket is not its objects", doc(allow("s3:ListBucket", BUCKET)),
     doc(allow("s3:ListBucket", OBJECTS)), "FAIL", [0]),
    ("NotAction narrower", doc(allow(["iam:*", "s3:*"], not_action=True)),
     doc(allow("iam:*", not_action=True)), "PASS", []),
    ("NotAction wider", doc(allow("iam:*", not_action=True)),
     doc(allow(["iam:*", "s3:*"], not_action=True)), "FAIL", [0]),
    ("action inside NotAction complement", doc(allow("ec2:DescribeInstances")),
     doc(allow("iam:*", not_action=True)), "PASS", []),
    ("action excluded by NotAction", doc(allow("iam:GetUser")),
     doc(allow("iam:*", not_action=True)), "FAIL", [0]),
    ("NotResource identical", doc(allow("s3:*", BUCKET, not_resource=True)),
     doc(allow("s3:*", BUCKET, not_resource=True)), "PASS", []),
    ("NotResource * grants nothing", doc(allow("s3:*", ["*"], not_resource=True)),
     doc(allow("s3:GetObject", OBJECTS)), "PASS", []),
    ("NotResource vs one bucket", doc(allow("s3:*", BUCKET, not_resource=True)),
     doc(allow("s3:*", OBJECTS)), "FAIL", [0]),
    ("new Deny removes the extra", doc(allow("s3:*"), deny("s3:Delete*")),
     doc(allow(["s3:Get*", "s3:Put*", "s3:List*", "s3:Create*", "s3:Update*", "s3:Abort*",
                "s3:Bypass*", "s3:Describe*", "s3:Initiate*", "s3:Object*", "s3:Pause*",
                "s3:Restore*", "s3:Replicate*", "s3:Submit*", "s3:Tag*", "s3:Untag*",
                "s3:Associate*", "s3:Dissociate*", "s3:AllowVendedLogDeliveryForResource"])),
     "PASS", []),
    ("conditional new Deny removes nothing", doc(allow("s3:*"), deny("s3:Delete*", Condition=MFA)),
     doc(allow("s3:*"), deny("s3:Delete*")), "FAIL", [0]),
    ("existing Deny makes it new", doc(allow("s3:*")), doc(allow("s3:*"), deny("s3:DeleteBucket")),
     "FAIL", [0]),
    ("same Deny on both sides", doc(allow("s3:*"), deny("s3:DeleteBucket", BUCKET)),
     doc(allow("s3:*"), deny("s3:DeleteBucket", BUCKET)), "PASS", []),
    ("same conditional Deny on both sides", doc(allow("s3:*"), deny("s3:Delete*", Condition=IP)),
     doc(allow("s3:*"), deny("s3:Delete*", Condition=IP)), "PASS", []),
    ("wider new Deny", doc(allow("s3:*"), deny("s3:*", OBJECTS)),
     doc(allow("s3:*"), deny("s3:DeleteObject", OBJECTS)), "PASS", []),
    ("condition on the existing Allow only", doc(allow("s3:GetObject")),
     doc(allow("s3:GetObject", Condition=MFA)), "FAIL", [0]),
    ("same condition on both", doc(allow("s3:GetObject", Condition=MFA)),
     doc(allow("s3:GetObject", Condition=MFA)), "PASS", []),
    ("extra condition on the new Allow", doc(allow("s3:GetObject", Condition={**MFA, **IP})),
     doc(allow("s3:GetObject", Condition=MFA)), "PASS", []),
    ("condition on the new Allow only", doc(allow("s3:GetObject", Condition=MFA)),
     doc(allow("s3:GetObject")), "PASS", []),
    ("multiple statements, one new", doc(allow("s3:GetObject", OBJECTS),
                                         allow("iam:PassRole", "arn:aws:iam::111122223333:role/x"),
                                         allow("sqs:SendMessage")),
     doc(allow("s3:GetObject", OBJECTS), allow("sqs:*")), "FAIL", [1]),
    ("split across statements", doc(allow(["s3:GetObject", "sqs:SendMessage"])),
     doc(allow("s3:GetObject"), allow("sqs:SendMessage")), "PASS", []),
    ("unknown wildcard action", doc(allow("s3:FutureThing*")), doc(allow("s3:GetObject")),
     "FAIL", [0]),
    ("unknown wildcard inside a service wide grant", doc(allow("s3:FutureThing*")),
     doc(allow("s3:*")), "PASS", []),
    ("variable in the existing Resource", doc(allow("s3:GetObject", "arn:aws:s3:::home/alice/*")),
     doc(allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*")), "FAIL", [0]),
    ("variable in both", doc(allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/x")),
     doc(allow("s3:GetObject", "arn:aws:s3:::home/*")), "PASS", []),
    ("empty new policy", doc(deny("*")), doc(allow("s3:GetObject")), "PASS", []),
    ("ARN wildcard does not cross segments",
     doc(allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:q")),
     doc(allow("sqs:SendMessage", "arn:aws:sqs:*:111122223333:*")), "PASS", []),
    ("region wildcard vs region", doc(allow("sqs:SendMessage", "arn:aws:sqs:*:111122223333:q")),
     doc(allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:q")), "FAIL", [0]),
]


@pytest.mark.parametrize(("new", "existing", "expected", "blamed"),
                         [case[1:] for case in NEW_ACCESS], ids=[c[0] for c in NEW_ACCESS])
def test_check_no_new_access(new, existing, expected, blamed):
    result = check_no_new_access(new, existing, "identity")
    assert result.result == expected
    assert [r["statementIndex"] for r in result.reasons] == blamed
    if expected == "FAIL":
        assert result.message == ("The modified permissions grant new access compared to "
                                  "your existing policy.")


def trust(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def assume(principal, **extra):
    return {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}


@pytest.mark.parametrize(("new", "existing", "expected"), [
    # Naming the role grants it directly; naming its account delegates to the account.
    (assume({"AWS": "arn:aws:iam::111122223333:role/ci"}),
     assume({"AWS": "arn:aws:iam::111122223333:root"}), "FAIL"),
    (assume({"AWS": "111122223333"}), assume({"AWS": "arn:aws:iam::111122223333:root"}), "PASS"),
    (assume({"AWS": "arn:aws:iam::111122223333:root"}),
     assume({"AWS": "arn:aws:iam::111122223333:role/ci"}), "FAIL"),
    (assume({"AWS": "*"}), assume({"AWS": "arn:aws:iam::111122223333:root"}), "FAIL"),
    (assume({"Service": "ec2.amazonaws.com"}), assume({"Service": "ec2.amazonaws.com"}), "PASS"),
    # The existing NotPrincipal leaves out a role of the account the new statement trusts.
    (assume({"AWS": "111122223333"}),
     {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/admin"},
      "Action": "sts:AssumeRole"}, "FAIL"),
    (assume({"AWS": "arn:aws:iam::444455556666:role/ci"}),
     {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/admin"},
      "Action": "sts:AssumeRole"}, "PASS"),
    (assume({"Service": "lambda.amazonaws.com"}), assume({"Service": "ec2.amazonaws.com"}), "FAIL"),
])
def test_no_new_access_compares_principals_of_resource_policies(new, existing, expected):
    assert check_no_new_access(trust(new), trust(existing), "trust").result == expected


NOT_GRANTED = [
    # (name, policy, actions, resources, expected, blamed)
    ("listed action granted", doc(allow("s3:GetObject")), ["s3:GetObject"], [], "FAIL", [0]),
    ("not granted", doc(allow("s3:GetObject")), ["s3:PutObject"], [], "PASS", []),
    ("service wide grants it", doc(allow("s3:*")), ["s3:DeleteBucket"], [], "FAIL", [0]),
    ("unconditional Deny subtracts", doc(allow("s3:*"), deny("s3:DeleteBucket")),
     ["s3:DeleteBucket"], [], "PASS", []),
    ("conditional Deny is assumed not to apply",
     doc(allow("s3:*"), deny("s3:DeleteBucket", Condition=MFA)), ["s3:DeleteBucket"], [],
     "FAIL", [0]),
    ("conditional Allow is assumed to apply", doc(allow("iam:PassRole", Condition=MFA)),
     ["iam:PassRole"], [], "FAIL", [0]),
    ("NotAction grants the rest", doc(allow("iam:*", not_action=True)),
     ["s3:GetObject", "iam:CreateUser"], [], "FAIL", [0]),
    ("NotAction excludes it", doc(allow("iam:*", not_action=True)), ["iam:CreateUser"], [],
     "PASS", []),
    ("resource outside", doc(allow("s3:GetObject", OBJECTS)), ["s3:GetObject"],
     ["arn:aws:s3:::payroll/salaries.csv"], "PASS", []),
    ("resource inside", doc(allow("s3:GetObject", OBJECTS)), ["s3:GetObject"],
     ["arn:aws:s3:::reports/q1.csv"], "FAIL", [0]),
    # Conservative: actions are not tied to their resource types, so sqs:* on "*" counts.
    ("resource only: any action", doc(allow("s3:PutObject", OBJECTS), allow("sqs:*")), [],
     ["arn:aws:s3:::reports/q1.csv"], "FAIL", [0, 1]),
    ("NotResource leaves it out", doc(allow("s3:*", "arn:aws:s3:::payroll/*", not_resource=True)),
     ["s3:GetObject"], ["arn:aws:s3:::payroll/x"], "PASS", []),
    ("Deny on a wider resource", doc(allow("s3:*"), deny("s3:*", "arn:aws:s3:::payroll*")),
     ["s3:GetObject"], ["arn:aws:s3:::payroll/x"], "PASS", []),
    ("listed wildcard action", doc(allow("s3:GetObjectAcl")), ["s3:Get*"], [], "FAIL", [0]),
    ("several statements blamed", doc(allow("s3:GetObject"), allow("sqs:*"), allow("s3:Get*")),
     ["s3:GetObject"], [], "FAIL", [0, 2]),
]


@pytest.mark.parametrize(("policy", "actions", "resources", "expected", "blamed"),
                         [case[1:] for case in NOT_GRANTED], ids=[c[0] for c in NOT_GRANTED])
def test_check_access_not_granted(policy, actions, resources, expected, blamed):
    result = check_access_not_granted(policy, actions=actions, resources=resources)
    assert result.result == expected
    assert [r["statementIndex"] for r in result.reasons] == blamed


def bucket_policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def public(principal="*", **extra):
    return {"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject",
            "Resource": OBJECTS, **extra}


@pytest.mark.parametrize(("statement", "expected"), [
    (public(), "FAIL"),
    (public({"AWS": "*"}), "FAIL"),
    (public({"AWS": "arn:aws:iam::111122223333:root"}), "PASS"),
    (public({"Service": "cloudfront.amazonaws.com"}), "PASS"),
    (public(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}), "PASS"),
    (public(Condition={"StringEquals": {"aws:SourceAccount": "111122223333"}}), "PASS"),
    (public(Condition={"StringLike": {"aws:PrincipalAccount": "*"}}), "FAIL"),
    (public(Condition={"StringEqualsIfExists": {"aws:SourceAccount": "111122223333"}}), "FAIL"),
    (public(Condition={"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}), "FAIL"),
    (public(Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}), "PASS"),
    (public(Condition={"Bool": {"aws:SecureTransport": "true"}}), "FAIL"),
])
def test_check_no_public_access(statement, expected):
    result = check_no_public_access(bucket_policy(statement), "AWS::S3::Bucket")
    assert result.result == expected
    if expected == "FAIL":
        assert result.reasons[0]["description"] == (
            "Public access granted in the following statement with index: 0.")


def test_public_access_denied_to_everyone_is_not_public():
    policy = bucket_policy(public(), {"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                      "Resource": OBJECTS})
    assert check_no_public_access(policy, "AWS::S3::Bucket").result == "PASS"


def test_public_trust_policy():
    policy = trust(assume("*"), assume({"AWS": "arn:aws:iam::111122223333:root"}, Sid="Ours"))
    result = check_no_public_access(policy, "AWS::IAM::AssumeRolePolicyDocument")
    assert result.result == "FAIL"
    assert [r["statementIndex"] for r in result.reasons] == [0]


WEB_IDENTITY = {"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": "sts:AssumeRoleWithWebIdentity"}


@pytest.mark.parametrize(("statement", "expected"), [
    (WEB_IDENTITY, "FAIL"),
    ({**WEB_IDENTITY, "Condition": {"StringEquals": {
        "cognito-identity.amazonaws.com:aud": "us-east-1:12345678-abcd"}}}, "PASS"),
    ({**WEB_IDENTITY, "Condition": {"StringLike": {"cognito-identity.amazonaws.com:aud": "*"}}},
     "FAIL"),
    ({**WEB_IDENTITY, "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/Corp"},
      "Action": "sts:AssumeRoleWithSAML"}, "PASS"),
])
def test_public_web_identity_providers(statement, expected):
    result = check_no_public_access(trust(statement), "AWS::IAM::AssumeRolePolicyDocument")
    assert result.result == expected


def test_result_is_shaped_like_access_analyzer():
    result = check_no_new_access(doc({**allow("s3:*"), "Sid": "All"}), doc(allow("s3:GetObject")))
    assert isinstance(result, CheckResult)
    assert result.to_dict() == {
        "result": "FAIL",
        "message": "The modified permissions grant new access compared to your existing policy.",
        "reasons": [{"statementIndex": 0, "statementId": "All",
                     "description": "New access in the statement with index: 0."}],
    }


@pytest.mark.parametrize(("call", "message"), [
    (lambda: check_access_not_granted(doc(allow("s3:*"))), "at least one action or resource"),
    (lambda: check_access_not_granted(doc(allow("s3:*")), ["s3:X"] * 101), "at most 100"),
    (lambda: check_no_public_access(doc(allow("s3:*")), "AWS::Nope"), "Invalid resource type"),
    (lambda: check_no_new_access(doc(allow("s3:*")), doc(allow("s3:*")), "scp"),
     "Invalid policy type"),
])
def test_bad_arguments_are_value_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_invalid_document_is_a_policy_error():
    with pytest.raises(PolicyError):
        check_no_new_access("{", doc(allow("s3:*")))


@pytest.mark.parametrize(("outer", "inner", "arn", "expected"), [
    ("a*", "ab*", False, True),
    ("a?", "a*", False, False),
    ("*", "?*", False, True),
    ("ab*", "a*", False, False),
    ("arn:aws:sqs:*:1:q", "arn:aws:sqs:us-east-1:1:q", True, True),
    ("arn:aws:sqs:*:1:q", "arn:aws:sqs:us-*:1:q", True, True),
    ("arn:aws:s3:::a*", "arn:aws:s3:::a/b:c*", True, True),
])
def test_contains(outer, inner, arn, expected):
    assert contains(outer, inner, arn=arn) is expected


def test_everything_against_everything_is_fast():
    started = time.perf_counter()
    assert check_no_new_access(doc(allow("*", not_action=False)),
                               doc(allow("iam:*", not_action=True))).result == "FAIL"
    assert time.perf_counter() - started < 3


# ---- soundness against the evaluator: a PASS is never contradicted by a request

FUZZ_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteBucket", "iam:GetUser", "s3:*",
                "s3:Get*", "*", "iam:*", "s3:?utObject"]
FUZZ_RESOURCES = ["arn:aws:s3:::a/x", "arn:aws:s3:::a/*", "arn:aws:s3:::b/*", "*",
                  "arn:aws:s3:::a*", "arn:aws:s3:::*/x"]
REQUEST_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteBucket", "iam:GetUser",
                   "s3:ListBucket", "ec2:RunInstances"]
REQUEST_RESOURCES = ["arn:aws:s3:::a/x", "arn:aws:s3:::b/y", "arn:aws:s3:::a",
                     "arn:aws:iam::111122223333:user/u", "arn:aws:s3:::b/x"]


def random_policy(rng) -> str:
    statements = []
    for _ in range(rng.randint(1, 3)):
        statement = {"Effect": rng.choice(["Allow", "Allow", "Deny"])}
        statement["NotAction" if rng.random() < .2 else "Action"] = rng.sample(FUZZ_ACTIONS, 2)
        statement["NotResource" if rng.random() < .2 else "Resource"] = rng.sample(
            FUZZ_RESOURCES, rng.randint(1, 2))
        condition = rng.choice([None, None, MFA, IP])
        if condition:
            statement["Condition"] = condition
        statements.append(statement)
    return doc(*statements)


def test_a_pass_is_never_contradicted_by_the_evaluator():
    import random

    from policies.engine import Policy, Request, evaluate

    contexts = [{"aws:MultiFactorAuthPresent": mfa, "aws:SourceIp": ip}
                for mfa in ("true", "false") for ip in ("203.0.113.9", "198.51.100.9")]

    def allowed(policy, action, resource):
        """Whether each context allows the request."""
        return [evaluate(Request(action=action, resource=resource, context=context),
                         identity=[Policy.from_json(policy)]).decision == "allowed"
                for context in contexts]

    rng = random.Random(13)
    for _ in range(60):
        new, existing = random_policy(rng), random_policy(rng)
        if check_no_new_access(new, existing).passed:
            assert not [(a, r) for a in REQUEST_ACTIONS for r in REQUEST_RESOURCES
                        if any(n and not e for n, e in zip(allowed(new, a, r),
                                                           allowed(existing, a, r)))
                        ], (new, existing)
        actions, resources = rng.sample(REQUEST_ACTIONS, 2), rng.sample(REQUEST_RESOURCES, 1)
        if check_access_not_granted(new, actions, resources).passed:
            assert not [a for a in actions if any(allowed(new, a, resources[0]))], (new, actions)


FUZZ_PRINCIPALS = ["*", "111122223333", "arn:aws:iam::111122223333:role/admin",
                   "arn:aws:iam::444455556666:root", "arn:aws:iam::444455556666:user/bob"]
CALLERS = ["arn:aws:iam::111122223333:role/admin", "arn:aws:iam::111122223333:user/u",
           "arn:aws:iam::444455556666:user/bob", "arn:aws:iam::777788889999:user/z",
           "arn:aws:sts::111122223333:assumed-role/admin/s"]


def random_resource_policy(rng) -> str:
    statements = []
    for _ in range(rng.randint(1, 3)):
        effect = rng.choice(["Allow", "Allow", "Deny"])
        key = "NotPrincipal" if effect == "Deny" and rng.random() < .2 else "Principal"
        statements.append({"Effect": effect, key: {"AWS": rng.sample(FUZZ_PRINCIPALS, 2)},
                           "Action": rng.choice(["s3:GetObject", "s3:*", "s3:Put*"]),
                           "Resource": rng.choice(["arn:aws:s3:::a/*", "*", "arn:aws:s3:::a/x"])})
    return doc(*statements)


def test_a_pass_on_resource_policies_is_never_contradicted_by_the_evaluator():
    import random

    from policies.engine import Policy, Request, evaluate

    def allowed(policy, caller, action):
        request = Request(action=action, resource="arn:aws:s3:::a/x", principal=caller)
        return evaluate(request, resource=Policy.from_json(policy)).decision == "allowed"

    rng = random.Random(13)
    for _ in range(60):
        new, existing = random_resource_policy(rng), random_resource_policy(rng)
        if check_no_new_access(new, existing, "resource").passed:
            assert not [(c, a) for c in CALLERS for a in ("s3:GetObject", "s3:PutObject")
                        if allowed(new, c, a) and not allowed(existing, c, a)], (new, existing)


def test_a_check_past_its_work_limit_refuses_rather_than_run_for_minutes():
    """The glob algebra's work grows with the product of the patterns' lengths: long wildcard
    patterns are refused with CheckTooComplex (a ValueError) once WORK_LIMIT is spent."""
    existing = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + "*a" * 3000}]}
    new = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + "a" * 6000 + "b"}]}
    with pytest.raises(CheckTooComplex, match="too complex to check"):
        check_no_new_access(new, existing)
    listed = ["arn:aws:s3:::" + "a" * 2000 + "b"] * 1 + [f"arn:aws:s3:::{i}" + "a" * 2000 for i in range(99)]
    with pytest.raises(CheckTooComplex):
        check_access_not_granted(existing, resources=listed)
    # The same shapes at a human size are decided.
    small_existing = {**existing, "Statement": [{**existing["Statement"][0], "Resource": "arn:aws:s3:::*a"}]}
    small_new = {**new, "Statement": [{**new["Statement"][0], "Resource": "arn:aws:s3:::aab"}]}
    assert check_no_new_access(small_new, small_existing).result == "FAIL"
    assert check_no_new_access(small_existing, small_existing).result == "PASS"
