"""Evaluation order, every policy type, principal matching and what a decision explains."""

from __future__ import annotations

from typing import Any

import pytest

from policies.engine import Decision, Policy, PolicyError, Request, Span, evaluate

ACCOUNT = "123456789012"
OTHER = "111122223333"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
CAROL = f"arn:aws:sts::{ACCOUNT}:assumed-role/Cashier/carol"
CASHIER = f"arn:aws:iam::{ACCOUNT}:role/Cashier"
OUTSIDER = f"arn:aws:iam::{OTHER}:user/mallory"
OBJECT = "arn:aws:s3:::receipts/2026/01.csv"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/Inventory"


def stmt(effect: str = "Allow", action: Any = "s3:GetObject", resource: Any = "*",
         **extra: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": effect}
    if action is not None:
        statement["Action"] = action
    if resource is not None:
        statement["Resource"] = resource
    statement.update(extra)
    return statement


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def request(action: str = "s3:GetObject", resource: str = OBJECT, principal: str = ALICE,
            **context: Any) -> Request:
    return Request(action=action, resource=resource, principal=principal,
                   context={k.replace("__", ":"): v for k, v in context.items()})


ALLOW = doc(stmt())
DENY = doc(stmt("Deny"))
ALLOW_OTHER = doc(stmt(action="s3:PutObject"))


# ---------------------------------------------------------------- identity policies

IDENTITY = [
    ("no policy at all", [], "implicitDeny", "identity"),
    ("an allow", [ALLOW], "allowed", None),
    ("an allow for another action", [ALLOW_OTHER], "implicitDeny", "identity"),
    ("a deny beats an allow in the same policy", [doc(stmt(), stmt("Deny"))], "explicitDeny",
     "identity"),
    ("a deny beats an allow in another policy", [ALLOW, DENY], "explicitDeny", "identity"),
    ("a deny alone", [DENY], "explicitDeny", "identity"),
    ("a deny for another action does not matter", [ALLOW, doc(stmt("Deny", "s3:PutObject"))],
     "allowed", None),
    ("a wildcard action allows", [doc(stmt(action="s3:*"))], "allowed", None),
    ("an allow on another resource", [doc(stmt(resource="arn:aws:s3:::other/*"))],
     "implicitDeny", "identity"),
    ("NotAction allows what it does not list", [doc(stmt(action=None, NotAction="iam:*"))],
     "allowed", None),
    ("NotAction excludes what it lists", [doc(stmt(action=None, NotAction="s3:*"))],
     "implicitDeny", "identity"),
    ("NotResource allows other resources",
     [doc(stmt(resource=None, NotResource="arn:aws:s3:::secret/*"))], "allowed", None),
    ("NotResource excludes the listed resources",
     [doc(stmt(resource=None, NotResource="arn:aws:s3:::receipts/*"))], "implicitDeny",
     "identity"),
    ("Deny with NotResource confines access",
     [doc(stmt(action="s3:*"), stmt("Deny", "s3:*", None, NotResource="arn:aws:s3:::other/*"))],
     "explicitDeny", "identity"),
    ("Deny with NotAction does not grant the listed actions",
     [doc(stmt("Deny", None, NotAction="s3:GetObject"))], "implicitDeny", "identity"),
]


@pytest.mark.parametrize(("title", "identity", "expected", "denied_by"), IDENTITY,
                         ids=[row[0] for row in IDENTITY])
def test_identity_policies(title, identity, expected, denied_by):
    decision = evaluate(request(), identity=identity)
    assert (decision.decision, decision.denied_by) == (expected, denied_by)


def test_actions_are_case_insensitive_and_resources_case_sensitive():
    policy = doc(stmt(action="S3:GETOBJECT", resource="arn:aws:s3:::receipts/*"))
    assert evaluate(request(action="s3:getobject"), identity=[policy]).allowed
    assert not evaluate(request(resource="arn:aws:s3:::Receipts/a"), identity=[policy]).allowed


def test_the_mfa_deny_pattern_denies_requests_without_mfa():
    policy = doc(stmt(action="*"), stmt("Deny", None, NotAction=["iam:ListMFADevices"],
                                       Condition={"BoolIfExists": {
                                           "aws:MultiFactorAuthPresent": "false"}}))
    assert evaluate(request(), identity=[policy]).decision == "explicitDeny"
    assert evaluate(request(aws__MultiFactorAuthPresent="false"),
                    identity=[policy]).decision == "explicitDeny"
    assert evaluate(request(aws__MultiFactorAuthPresent="true"), identity=[policy]).allowed
    assert evaluate(request("iam:ListMFADevices"), identity=[policy]).allowed


def test_conditions_in_a_block_are_all_needed():
    policy = doc(stmt(Condition={"StringEquals": {"aws:username": "alice"},
                                 "Bool": {"aws:SecureTransport": "true"}}))
    assert not evaluate(request(aws__username="alice"), identity=[policy]).allowed
    assert evaluate(request(aws__username="alice", aws__SecureTransport="true"),
                    identity=[policy]).allowed


# ---------------------------------------------------------------- boundaries and sessions

LAYERED = [
    ("the boundary must also allow", [ALLOW], ALLOW_OTHER, None, "implicitDeny", "boundary"),
    ("a boundary grants nothing alone", [], ALLOW, None, "implicitDeny", "identity"),
    ("identity and boundary allow", [ALLOW], ALLOW, None, "allowed", None),
    ("a deny in the boundary", [ALLOW], doc(stmt(action="*"), stmt("Deny")), None,
     "explicitDeny", "boundary"),
    ("the session policy must also allow", [ALLOW], None, [ALLOW_OTHER], "implicitDeny",
     "session"),
    ("a session policy grants nothing alone", [], None, [ALLOW], "implicitDeny", "identity"),
    ("identity and session allow", [ALLOW], None, [ALLOW], "allowed", None),
    ("one of several session policies is enough", [ALLOW], None, [ALLOW_OTHER, ALLOW],
     "allowed", None),
    ("a deny in a session policy", [ALLOW], None, [DENY], "explicitDeny", "session"),
    ("an empty session list is no session policy", [ALLOW], None, [], "allowed", None),
    ("all three allow", [ALLOW], ALLOW, [ALLOW], "allowed", None),
    ("identity is reported before the boundary", [ALLOW_OTHER], ALLOW_OTHER, None,
     "implicitDeny", "identity"),
    ("the boundary is reported before the session", [ALLOW], ALLOW_OTHER, [ALLOW_OTHER],
     "implicitDeny", "boundary"),
    ("an identity deny is reported first", [DENY], DENY, [DENY], "explicitDeny", "identity"),
]


@pytest.mark.parametrize(("title", "identity", "boundary", "session", "expected", "denied_by"),
                         LAYERED, ids=[row[0] for row in LAYERED])
def test_boundaries_and_session_policies_intersect(title, identity, boundary, session,
                                                   expected, denied_by):
    decision = evaluate(request(principal=CAROL), identity=identity, boundary=boundary,
                        session=session)
    assert (decision.decision, decision.denied_by) == (expected, denied_by)


# ---------------------------------------------------------------- resource-based policies


def bucket(principal: Any, effect: str = "Allow", **extra: Any) -> dict[str, Any]:
    return doc(stmt(effect, resource="arn:aws:s3:::receipts/*", Principal=principal, **extra))


RESOURCE = [
    ("naming the user allows without an identity policy", CAROL, [], None,
     bucket({"AWS": CAROL}), "allowed", None, "principal"),
    ("naming the user", ALICE, [], None, bucket({"AWS": ALICE}), "allowed", None, "principal"),
    ("naming everyone", ALICE, [], None, bucket("*"), "allowed", None, "principal"),
    ("naming AWS everyone", ALICE, [], None, bucket({"AWS": "*"}), "allowed", None, "principal"),
    ("naming the account needs an identity allow", ALICE, [], None,
     bucket({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), "implicitDeny", "identity", "account"),
    ("naming the account id needs an identity allow", ALICE, [], None,
     bucket({"AWS": ACCOUNT}), "implicitDeny", "identity", "account"),
    ("naming the account with an identity allow", ALICE, [ALLOW], None,
     bucket({"AWS": ACCOUNT}), "allowed", None, "account"),
    ("naming someone else leaves the identity policy to decide", ALICE, [ALLOW], None,
     bucket({"AWS": BOB}), "allowed", None, None),
    ("naming someone else, no identity allow", ALICE, [], None, bucket({"AWS": BOB}),
     "implicitDeny", "identity", None),
    ("a deny in the resource policy", ALICE, [ALLOW], None, bucket({"AWS": ALICE}, "Deny"),
     "explicitDeny", "resource", None),
    ("a deny to everyone", ALICE, [ALLOW], None, bucket("*", "Deny"), "explicitDeny",
     "resource", None),
    ("a user ARN grant is not limited by the boundary", ALICE, [], ALLOW_OTHER,
     bucket({"AWS": ALICE}), "allowed", None, "principal"),
    ("a session ARN grant is not limited by the boundary", CAROL, [], ALLOW_OTHER,
     bucket({"AWS": CAROL}), "allowed", None, "principal"),
    ("a role ARN grant stands in for the identity policy", CAROL, [], None,
     bucket({"AWS": CASHIER}), "allowed", None, "principal"),
    ("a role ARN grant is limited by the boundary", CAROL, [], ALLOW_OTHER,
     bucket({"AWS": CASHIER}), "implicitDeny", "boundary", "principal"),
    ("a boundary deny still wins over a direct grant", ALICE, [], DENY,
     bucket({"AWS": ALICE}), "explicitDeny", "boundary", "principal"),
    ("NotPrincipal deny applies to everyone not listed", ALICE, [ALLOW], None,
     doc(stmt("Deny", "s3:*", "arn:aws:s3:::receipts/*", NotPrincipal={"AWS": BOB})),
     "explicitDeny", "resource", None),
    ("NotPrincipal deny spares the listed principal", BOB, [ALLOW], None,
     doc(stmt("Deny", "s3:*", "arn:aws:s3:::receipts/*", NotPrincipal={"AWS": BOB})),
     "allowed", None, None),
    ("NotPrincipal deny always denies a principal with a boundary", BOB, [ALLOW], ALLOW,
     doc(stmt("Deny", "s3:*", "arn:aws:s3:::receipts/*", NotPrincipal={"AWS": BOB})),
     "explicitDeny", "resource", None),
    ("a condition in the resource policy", ALICE, [], None,
     bucket({"AWS": ALICE}, Condition={"Bool": {"aws:SecureTransport": "true"}}),
     "implicitDeny", "identity", None),
]


@pytest.mark.parametrize(
    ("title", "principal", "identity", "boundary", "resource", "expected", "denied_by", "grant"),
    RESOURCE, ids=[row[0] for row in RESOURCE])
def test_resource_based_policies(title, principal, identity, boundary, resource, expected,
                                 denied_by, grant):
    decision = evaluate(request(principal=principal), identity=identity, boundary=boundary,
                        resource=resource)
    assert (decision.decision, decision.denied_by, decision.resource_grant) == (
        expected, denied_by, grant)


def test_a_service_principal_is_matched_by_name():
    policy = doc(stmt(action="sqs:SendMessage", resource="*",
                      Principal={"Service": "sns.amazonaws.com"}))
    allowed = evaluate(request("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q",
                               "sns.amazonaws.com"), resource=policy)
    assert allowed.decision == "allowed"


# ---------------------------------------------------------------- cross-account

CROSS = [
    ("both sides allow", [doc(stmt(resource="*"))], bucket({"AWS": OUTSIDER}), "allowed", None),
    ("the resource side alone is not enough", [], bucket({"AWS": OUTSIDER}), "implicitDeny",
     "identity"),
    ("the identity side alone is not enough", [ALLOW], bucket({"AWS": ALICE}), "implicitDeny",
     "resource"),
    ("naming the other account is enough for the resource side", [ALLOW],
     bucket({"AWS": OTHER}), "allowed", None),
]


@pytest.mark.parametrize(("title", "identity", "resource", "expected", "denied_by"), CROSS,
                         ids=[row[0] for row in CROSS])
def test_across_accounts_both_sides_must_allow(title, identity, resource, expected, denied_by):
    req = request(principal=OUTSIDER, aws__ResourceAccount=ACCOUNT)
    decision = evaluate(req, identity=identity, resource=resource)
    assert (decision.decision, decision.denied_by) == (expected, denied_by)


def test_the_resource_account_comes_from_the_arn_when_it_has_one():
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": OUTSIDER}, "Action": "sts:AssumeRole"}]}
    req = Request("sts:AssumeRole", ROLE, OUTSIDER)
    assert evaluate(req, resource=trust).decision == "implicitDeny"
    assume = doc(stmt(action="sts:AssumeRole", resource=ROLE))
    assert evaluate(req, identity=[assume], resource=trust).allowed


# ---------------------------------------------------------------- trust policies


def trust(principal: Any, **extra: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}]}


ASSUME = doc(stmt(action="sts:AssumeRole", resource=ROLE))

TRUST = [
    ("naming the caller suffices alone", trust({"AWS": ALICE}), [], "allowed", None, "principal"),
    ("naming the account needs the caller's own allow",
     trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), [], "implicitDeny", "identity", "account"),
    ("naming the account with the caller's own allow",
     trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), [ASSUME], "allowed", None, "account"),
    ("naming the bare account id", trust({"AWS": ACCOUNT}), [ASSUME], "allowed", None, "account"),
    ("not naming the caller refuses even with an identity allow", trust({"AWS": BOB}), [ASSUME],
     "implicitDeny", "resource", None),
    ("a trust condition that fails",
     trust({"AWS": ALICE}, Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
     [ASSUME], "implicitDeny", "resource", None),
    ("a deny in the caller's policies wins", trust({"AWS": ALICE}),
     [doc(stmt("Deny", "sts:AssumeRole", ROLE))], "explicitDeny", "identity", "principal"),
]


@pytest.mark.parametrize(("title", "trust_policy", "identity", "expected", "denied_by", "grant"),
                         TRUST, ids=[row[0] for row in TRUST])
def test_trust_policies(title, trust_policy, identity, expected, denied_by, grant):
    decision = evaluate(Request("sts:AssumeRole", ROLE, ALICE), identity=identity,
                        resource=Policy.from_json(trust_policy, kind="trust"))
    assert (decision.decision, decision.denied_by, decision.resource_grant) == (
        expected, denied_by, grant)


def test_a_trust_policy_can_require_mfa():
    policy = trust({"AWS": ALICE}, Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    with_mfa = Request("sts:AssumeRole", ROLE, ALICE, {"aws:MultiFactorAuthPresent": "true"})
    without = Request("sts:AssumeRole", ROLE, ALICE)
    assert evaluate(with_mfa, resource=policy).allowed
    refused = evaluate(without, resource=policy)
    assert refused.decision == "implicitDeny"
    assert refused.missing_context == ("aws:MultiFactorAuthPresent",)


def test_a_service_can_be_trusted():
    policy = trust({"Service": "ec2.amazonaws.com"})
    assert evaluate(Request("sts:AssumeRole", ROLE, "ec2.amazonaws.com"), resource=policy).allowed
    assert not evaluate(Request("sts:AssumeRole", ROLE, ALICE), resource=policy).allowed


def test_role_chaining_through_the_role_arn():
    policy = trust({"AWS": CASHIER})
    assert evaluate(Request("sts:AssumeRole", ROLE, CAROL), resource=policy).allowed


# ---------------------------------------------------------------- what a decision says

REASONS = [
    ("implicitDeny", "identity",
     "because no identity-based policy allows the iam:CreateUser action"),
    ("explicitDeny", "identity", "with an explicit deny in an identity-based policy"),
    ("implicitDeny", "boundary",
     "because no permissions boundary allows the iam:CreateUser action"),
    ("explicitDeny", "boundary", "with an explicit deny in a permissions boundary"),
    ("implicitDeny", "session", "because no session policy allows the iam:CreateUser action"),
    ("explicitDeny", "session", "with an explicit deny in a session policy"),
    ("implicitDeny", "resource",
     "because no resource-based policy allows the iam:CreateUser action"),
    ("explicitDeny", "resource", "with an explicit deny in a resource-based policy"),
]


@pytest.mark.parametrize(("decision", "denied_by", "tail"), REASONS)
def test_reason_gives_aws_words(decision, denied_by, tail):
    assert Decision(decision, denied_by=denied_by).reason("iam:CreateUser") == tail


def test_reason_defaults_to_the_request_action_and_is_empty_when_allowed():
    denied = evaluate(Request("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/carol", BOB))
    assert denied.reason() == "because no identity-based policy allows the iam:CreateUser action"
    assert evaluate(request(), identity=[ALLOW]).reason() == ""


def test_the_aws_access_denied_message_can_be_written_from_a_decision():
    decision = evaluate(Request("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/carol", BOB),
                        identity=[ALLOW])
    message = (f"User: {BOB} is not authorized to perform: iam:CreateUser on resource: "
               f"arn:aws:iam::{ACCOUNT}:user/carol {decision.reason('iam:CreateUser')}")
    assert message.endswith("because no identity-based policy allows the iam:CreateUser action")


TEXT = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    {
      "Sid": "NoDelete",
      "Effect": "Deny",
      "Action": "s3:DeleteObject",
      "Resource": "*"
    }
  ]
}"""


def test_matched_statements_carry_policy_sid_index_effect_and_span():
    policy = Policy.from_json(TEXT, name="ReadReceipts")
    allowed = evaluate(request(), identity=[policy])
    (matched,) = allowed.matched
    assert (matched.policy, matched.policy_kind, matched.sid, matched.index, matched.effect) == (
        "ReadReceipts", "identity", "Read", 0, "Allow")
    assert matched.span == Span(4, 5, 4, 81)
    denied = evaluate(request("s3:DeleteObject"), identity=[policy])
    (deny,) = denied.matched
    assert (deny.sid, deny.index, deny.effect, tuple(deny.span)) == ("NoDelete", 1, "Deny",
                                                                    (5, 5, 10, 5))


def test_unnamed_policies_are_labelled_by_position():
    decision = evaluate(request(principal=CAROL), identity=[ALLOW_OTHER, ALLOW],
                        boundary=ALLOW, session=[ALLOW])
    assert {(m.policy, m.policy_kind) for m in decision.matched} == {
        ("identity[1]", "identity"), ("boundary", "boundary"), ("session[0]", "session")}


def test_an_explicit_deny_lists_the_denies_and_applied_lists_everything():
    decision = evaluate(request(), identity=[ALLOW, DENY])
    assert [m.effect for m in decision.matched] == ["Deny"]
    assert [m.effect for m in decision.applied] == ["Allow", "Deny"]


def test_an_implicit_deny_matches_nothing():
    assert evaluate(request(), identity=[ALLOW_OTHER]).matched == ()


def test_missing_context_lists_each_needed_key_once_in_order():
    policy = doc(stmt(Condition={"StringEquals": {"aws:PrincipalTag/team": "blue"},
                                 "Bool": {"aws:MultiFactorAuthPresent": "true"}}),
                 stmt(resource="arn:aws:s3:::receipts/${aws:username}/*"),
                 stmt(Condition={"StringEquals": {"aws:PrincipalTag/team": "red"}}))
    decision = evaluate(request(), identity=[policy])
    assert decision.missing_context == ("aws:PrincipalTag/team", "aws:MultiFactorAuthPresent",
                                        "aws:username")


def test_missing_context_ignores_statements_that_do_not_target_the_request():
    policy = doc(stmt(action="s3:PutObject", Condition={"StringEquals": {"aws:username": "a"}}))
    assert evaluate(request(), identity=[policy]).missing_context == ()


def test_missing_context_is_not_reported_for_if_exists_and_null():
    policy = doc(stmt(Condition={"StringEqualsIfExists": {"aws:username": "a"},
                                 "Null": {"aws:TokenIssueTime": "true"}}))
    decision = evaluate(request(), identity=[policy])
    assert decision.allowed and decision.missing_context == ()


# ---------------------------------------------------------------- inputs


def test_plain_dicts_and_json_text_are_accepted():
    import json

    assert evaluate(request(), identity=[ALLOW]).allowed
    assert evaluate(request(), identity=[json.dumps(ALLOW)]).allowed
    assert evaluate(request(), identity=ALLOW).allowed
    assert evaluate(request(), identity=[ALLOW], boundary=json.dumps(ALLOW),
                    session=ALLOW).allowed


def test_a_request_may_be_a_dict():
    assert evaluate({"action": "s3:GetObject", "resource": OBJECT, "principal": ALICE},
                    identity=[ALLOW]).allowed


def test_a_malformed_policy_raises_policy_error():
    with pytest.raises(PolicyError, match="Syntax errors in policy."):
        evaluate(request(), identity=["{not json"])
    with pytest.raises(PolicyError, match="Policy document should not specify a principal."):
        evaluate(request(), identity=[bucket({"AWS": ALICE})])


def test_evaluate_does_not_enforce_size_quotas():
    big = doc(*[stmt(action=f"s3:Get{'x' * 40}{i}") for i in range(200)], stmt())
    assert evaluate(request(), identity=[big]).allowed


def test_a_policy_only_visits_statements_that_can_match_the_service():
    policy = Policy.from_json(doc(stmt(action="s3:GetObject"), stmt(action="iam:ListUsers"),
                                  stmt(action=None, NotAction="ec2:*"), stmt(action="*")))
    assert [s.index for s in policy.candidates("s3")] == [0, 2, 3]
    assert [s.index for s in policy.candidates("iam")] == [1, 2, 3]
    assert [s.index for s in policy.candidates("sqs")] == [2, 3]


def test_requests_are_hashable_and_compare_by_value():
    one = request(aws__username="alice")
    two = request(aws__username="alice")
    assert one == two and hash(one) == hash(two)


def test_a_request_tolerates_missing_or_odd_fields():
    assert Request("s3:ListAllMyBuckets", None).resource == "*"  # type: ignore[arg-type]
    assert evaluate(Request(None), identity=[ALLOW]).decision == "implicitDeny"  # type: ignore[arg-type]
