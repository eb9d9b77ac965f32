"""The internals that make evaluation fast, checked for behaviour only (no timings).

- ``Policy.for_action``: the statements whose Action/NotAction admits an action;
- evaluate's plans (per action and policy set): keyed by content, never by a mutable
  object's identity, bounded, and the same decision however the policies are passed;
- resource patterns split into exact names, prefixes and regexes, and their prepared
  tests: the same answers as the one regex of the element;
- conditions prepared as closures: the same answers and missing keys as the general rule;
- request values parsed once (addresses, numbers, dates);
- decisions built without the dataclass ``__init__``: the same objects.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies.engine import Decision, MatchedStatement, Policy, Request, Span, evaluate
from policies.engine.conditions import OPERATORS, build_condition
from policies.engine.matching import ResourceSet, never_covered, pieces_regex
from policies.engine.request import normalize_context

PLANS = sys.modules["policies.engine.evaluate"]  # the module (its name is also the function)
ACCOUNT = "123456789012"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
OBJECT = "arn:aws:s3:::receipts/2026/01.csv"

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any = "s3:GetObject", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "s3:GetObject", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def request(action: str = "s3:GetObject", resource: str = OBJECT,
            **context: Any) -> Request:
    return Request(action=action, resource=resource, principal=ALICE, context=context)


# ---------------------------------------------------------------- Policy.for_action


def test_for_action_keeps_the_statements_whose_actions_admit_it_in_document_order():
    policy = Policy.from_json(doc(
        allow("s3:Get*"),                                                 # 0
        allow("iam:GetUser"),                                             # 1
        {"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"},  # 2
        {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"},         # 3
        allow("*"),                                                       # 4
        allow(["s3:PutObject", "S3:GETOBJECT"]),                          # 5
        allow("s3:GetObject?ersion"),                                     # 6
    ))
    assert [s.index for s in policy.for_action("s3", "getobject")] == [0, 3, 4, 5]
    assert [s.index for s in policy.for_action("s3", "getobjectversion")] == [0, 2, 3, 4, 6]
    assert [s.index for s in policy.for_action("iam", "getuser")] == [1, 2, 4]
    assert [s.index for s in policy.for_action("sqs", "sendmessage")] == [2, 3, 4]


# ---------------------------------------------------------------- plans


def test_the_same_policies_passed_in_every_form_give_the_same_decision():
    document = doc(allow("s3:Get*", "arn:aws:s3:::receipts/*"),
                   deny("s3:GetObject", "arn:aws:s3:::receipts/secret/*"))
    policy = Policy.from_json(document)
    forms: list[Any] = [[policy], (policy,), policy, [document], document, policy.text,
                        [policy.text.encode()], [None, policy]]
    for resource in (OBJECT, "arn:aws:s3:::receipts/secret/a", "arn:aws:s3:::other/a"):
        for _ in range(2):  # the plan is made, then reused
            decisions = {evaluate(request(resource=resource), identity=form) for form in forms}
            decisions.add(evaluate(request(resource=resource), identity=iter([policy])))
            assert len(decisions) == 1, resource


def test_plans_follow_the_content_of_a_list_not_its_identity():
    allowing, denying = Policy.from_json(doc(allow())), Policy.from_json(doc(deny()))
    policies = [allowing]
    assert evaluate(request(), identity=policies).decision == "allowed"
    policies.append(denying)
    assert evaluate(request(), identity=policies).decision == "explicitDeny"
    policies.clear()
    assert evaluate(request(), identity=policies).decision == "implicitDeny"


def test_a_dict_changed_between_calls_is_read_again():
    document = doc(allow())
    assert evaluate(request(), identity=[document]).decision == "allowed"
    document["Statement"][0]["Effect"] = "Deny"
    assert evaluate(request(), identity=[document]).decision == "explicitDeny"
    assert evaluate(request(), identity=document).decision == "explicitDeny"


def test_labels_follow_the_position_and_the_number_of_policies():
    one = Policy.from_json(doc(allow()))
    two = Policy.from_json(doc(allow(), {"Sid": "Two", **allow()}))
    assert [m.policy for m in evaluate(request(), identity=[one, two]).matched] == [
        "identity[0]", "identity[1]", "identity[1]"]
    assert [m.policy for m in evaluate(request(), identity=[two, one]).matched] == [
        "identity[0]", "identity[0]", "identity[1]"]
    assert [m.policy for m in evaluate(request(), identity=[one], boundary=one).matched] == [
        "identity[0]", "boundary"]
    named = Policy.from_json(doc(allow()), name="ReadReceipts")
    assert [m.policy for m in evaluate(request(), identity=[named]).matched] == ["ReadReceipts"]


def test_the_action_is_matched_case_insensitively_and_reported_as_asked():
    policy = Policy.from_json(doc(allow("s3:GetObject")))
    for action in ("s3:GetObject", "S3:GETOBJECT", "s3:getobject"):
        decision = evaluate(request(action), identity=[policy])
        assert decision.decision == "allowed" and decision.action == action


def test_plans_are_bounded(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(PLANS, "_PLAN_LIMIT", 8)
    PLANS._PLANS.clear()
    policy = Policy.from_json(doc(allow("s3:Get*"), deny("s3:GetBucket*")))
    for number in range(50):
        assert evaluate(request(f"s3:GetObject{number}"), identity=[policy]).allowed
        assert evaluate(request(f"s3:GetBucket{number}"), identity=[policy]).decision == \
            "explicitDeny"
        assert len(PLANS._PLANS) <= 8
    PLANS._PLANS.clear()


def test_not_resource_star_never_applies_and_notes_nothing():
    policy = Policy.from_json(doc(
        {"Effect": "Deny", "Action": "s3:*", "NotResource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "ops"}}},
        allow()))
    decision = evaluate(request(), identity=[policy])
    assert decision.decision == "allowed" and decision.missing_context == ()
    assert [m.index for m in decision.applied] == [1]


def test_resource_policy_grants_are_worked_out_per_caller():
    bucket = doc({"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "s3:GetObject",
                  "Resource": "arn:aws:s3:::receipts/*"},
                 {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "s3:GetObject",
                  "Resource": "arn:aws:s3:::receipts/*"})
    mine = evaluate(request(), resource=bucket)
    assert mine.allowed and mine.resource_grant == "principal"
    assert [m.grant for m in mine.applied] == ["principal", "account"]
    bob = Request(action="s3:GetObject", resource=OBJECT,
                  principal=f"arn:aws:iam::{ACCOUNT}:user/bob")
    theirs = evaluate(bob, resource=bucket)
    assert theirs.decision == "implicitDeny" and theirs.resource_grant == "account"
    assert [m.grant for m in theirs.applied] == ["account"]


# ---------------------------------------------------------------- resources

RESOURCE_PATTERNS = [
    "arn:aws:s3:::receipts", "arn:aws:s3:::receipts/*", "arn:aws:s3:::receipts*",
    "arn:aws:s3:::team-?/*", "arn:aws:iam::*:user/eng/*", "arn:aws:ec2:*:123:instance/*",
    "arn:aws:s3:*", "arn:aws:s3:::my.bucket/*", "arn:aws:s3:::a+b(c)/*", "arn:aws:s3:::x*y",
    "arn:aws:s3:::${aws:username}/*",
]
RESOURCES = [
    "arn:aws:s3:::receipts", "arn:aws:s3:::receipts/", "arn:aws:s3:::receipts/a/b.csv",
    "arn:aws:s3:::receiptsx", "arn:aws:s3:::team-a/x", "arn:aws:s3:::team-ab/x",
    "arn:aws:iam::123:user/eng/alice", "arn:aws:iam::1:2:user/eng/alice",
    "arn:aws:ec2:eu-west-1:123:instance/i-1", "arn:aws:s3:::myxbucket/a",
    "arn:aws:s3:::my.bucket/a", "arn:aws:s3:::a+b(c)/d", "arn:aws:s3:::xy", "arn:aws:s3:::x:y",
    "arn:aws:s3:::${aws:username}/a", "arn:aws:s3:::receipts/line\nbreak", "*", "",
]


def whole_regex(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pieces_regex(((p, False),), arn=True)})"
                               for p in patterns), re.DOTALL)


@pytest.mark.parametrize("size", [1, 2, 3])
def test_split_resource_patterns_match_as_the_whole_regex(size: int):
    for start in range(len(RESOURCE_PATTERNS)):
        patterns = [RESOURCE_PATTERNS[(start + k) % len(RESOURCE_PATTERNS)]
                    for k in range(size)]
        resources = ResourceSet.build(patterns, variables=False)
        regex = whole_regex(patterns)
        for negated in (False, True):
            test = resources.prepare(negated)
            assert test is not None
            for resource in RESOURCES:
                expected = regex.fullmatch(resource) is not None
                assert resources.matches(resource, {}) is expected, (patterns, resource)
                assert test(resource, {}, []) is (expected != negated), (patterns, resource)


def test_patterns_are_sorted_into_exact_names_prefixes_and_regexes():
    resources = ResourceSet.build(["arn:aws:s3:::a", "arn:aws:s3:::b/*", "arn:aws:s3:::c?",
                                   "arn:aws:s3:::d*/x"], variables=True)
    assert resources.exact == {"arn:aws:s3:::a"}
    assert resources.starts == ("arn:aws:s3:::b/",)
    assert resources.rest is not None and resources.static is not None


def test_a_resource_set_built_by_hand_still_uses_its_regex():
    static = whole_regex(["arn:aws:s3:::b/*"])
    resources = ResourceSet(False, static, ())
    assert resources.matches("arn:aws:s3:::b/x", {})
    assert not resources.matches("arn:aws:s3:::c/x", {})


def test_star_resources_prepare_to_nothing_or_never():
    everything = ResourceSet.build(["*", "arn:aws:s3:::a"], variables=True)
    assert everything.prepare(False) is None
    assert everything.prepare(True) is never_covered


def test_templated_resources_resolve_per_request_and_note_missing_keys():
    resources = ResourceSet.build(["arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::pub"],
                                  variables=True)
    test = resources.prepare(False)
    assert test is not None
    context = normalize_context({"aws:username": "alice"})
    missing: list[str] = []
    assert test("arn:aws:s3:::home/alice/a", context, missing) and missing == []
    assert not test("arn:aws:s3:::home/bob/a", context, missing) and missing == []
    assert test("arn:aws:s3:::pub", {}, missing) and missing == []
    assert not test("arn:aws:s3:::home/alice/a", {}, missing)
    assert missing == ["aws:username"]


@SETTINGS
@given(st.lists(st.text(alphabet="ab:/*?.", max_size=8).map(lambda t: "arn:aws:s3:::" + t),
                min_size=1, max_size=3),
       st.text(alphabet="ab:/.x\n", max_size=10).map(lambda t: "arn:aws:s3:::" + t))
def test_any_split_matches_as_the_whole_regex(patterns: list[str], resource: str):
    resources = ResourceSet.build(patterns, variables=False)
    assert resources.matches(resource, {}) is (whole_regex(patterns).fullmatch(resource)
                                               is not None)


# ---------------------------------------------------------------- conditions

CONDITION_VALUES: dict[str, tuple[str, ...]] = {
    "String": ("dev", "ops*", "Prod"),
    "Numeric": ("10", "2.5"),
    "Date": ("2020-01-01T00:00:00Z", "1700000000"),
    "Bool": ("true",),
    "Binary": ("ZGV2",),
    "Ip": ("10.0.0.0/8", "2001:db8::/32"),
    "Arn": (f"arn:aws:iam::{ACCOUNT}:user/eng/*",),
    "Null": ("true",),
}
REQUEST_VALUES: list[Any] = [
    None, [], "dev", "DEV", "ops-1", "prod", "Prod", ["dev", "x"], ["x", "y"], "10", "2.5",
    "3", " 10 ", "abc", "2021-06-01T00:00:00Z", "1600000000", "1700000000.5", "true", "TRUE",
    "false", "ZGV2", "dev", "10.1.2.3", " 10.1.2.3 ", "11.0.0.1", "2001:db8::1", "::ffff:10.0.0.1",
    f"arn:aws:iam::{ACCOUNT}:user/eng/alice", f"arn:aws:iam::{ACCOUNT}:user/ops/bob",
]


def operator_names() -> list[str]:
    names = []
    for base in OPERATORS:
        for qualifier in ("", "ForAllValues:", "ForAnyValue:"):
            names.append(qualifier + base)
            if base != "Null":
                names.append(qualifier + base + "IfExists")
    return names


def values_for(operator: str) -> tuple[str, ...]:
    base = operator.split(":")[-1]
    for family, values in CONDITION_VALUES.items():
        if base.startswith(family) or (family == "Ip" and "IpAddress" in base):
            return values
    raise AssertionError(operator)


@pytest.mark.parametrize("operator", operator_names())
def test_prepared_conditions_answer_and_note_as_the_general_rule(operator: str):
    written = values_for(operator)
    for values in (written, written[:1], (), ("${aws:username}", written[0])):
        for variables in (False, True):
            condition = build_condition(operator, "aws:PrincipalTag/Team", values,
                                        variables=variables)
            assert condition is not None
            for value in REQUEST_VALUES:
                for username in (None, "dev", ["dev", "ops"]):
                    context = normalize_context({"aws:principaltag/team": value,
                                                 "aws:username": username})
                    fast: list[str] = []
                    slow: list[str] = []
                    assert condition.check(context, fast) is condition._evaluate(
                        context, slow), (operator, values, value, username)
                    assert fast == slow
                    noted: list[str] = []
                    condition.note_missing(context, noted)
                    assert noted == slow


def test_conditions_with_variables_resolve_per_request():
    condition = build_condition("StringEquals", "aws:PrincipalTag/owner",
                                ("${aws:username}",), variables=True)
    assert condition is not None
    both = normalize_context({"aws:username": "alice", "aws:PrincipalTag/owner": "alice"})
    assert condition.check(both, [])
    other = normalize_context({"aws:username": "bob", "aws:PrincipalTag/owner": "alice"})
    assert not condition.check(other, [])
    missing: list[str] = []
    assert not condition.check(normalize_context({"aws:PrincipalTag/owner": "alice"}), missing)
    assert missing == ["aws:username"]


def test_a_statement_notes_the_keys_of_every_condition_after_a_false_one():
    policy = Policy.from_json(doc(allow(Condition={
        "StringEquals": {"aws:RequestedRegion": "eu-west-1"},
        "Bool": {"aws:SecureTransport": "true"},
        "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
        "StringLike": {"s3:prefix": "home/*"},
    })))
    decision = evaluate(request(**{"aws:RequestedRegion": "ap-south-1"}), identity=[policy])
    assert decision.decision == "implicitDeny"
    assert decision.missing_context == ("aws:SecureTransport", "aws:MultiFactorAuthAge",
                                        "s3:prefix")
    two = Policy.from_json(doc(allow(Condition={
        "StringEquals": {"aws:RequestedRegion": "eu-west-1"},
        "StringLikeIfExists": {"s3:prefix": "home/*"},
        "Bool": {"aws:SecureTransport": "true"}})))
    decision = evaluate(request(**{"aws:RequestedRegion": "ap-south-1"}), identity=[two])
    assert decision.missing_context == ("aws:SecureTransport",)


@pytest.mark.parametrize(("operator", "values", "value", "expected"), [
    ("IpAddress", ["10.0.0.0/8"], " 10.1.2.3 ", True),
    ("IpAddress", ["10.0.0.0/8"], "10.1.2", False),
    ("IpAddress", ["10.0.0.0/8"], "::ffff:10.1.2.3", False),
    ("IpAddress", ["2001:db8::/32"], "2001:db8::1", True),
    ("IpAddress", ["2001:db8::/32", "10.0.0.1"], "10.0.0.1", True),
    ("NotIpAddress", ["10.0.0.0/8"], "10.255.255.255", False),
    ("NumericLessThan", ["3600"], "120", True),
    ("NumericLessThan", ["3600", "100"], "120", True),
    ("NumericLessThan", ["3600"], "3600.0", False),
    ("NumericLessThan", ["3600"], "NaN", False),
    ("NumericEquals", ["10", "x"], "10.00", True),
    ("DateGreaterThan", ["2020-01-01T00:00:00Z"], "1577836800.5", True),
    ("DateGreaterThan", ["2020-01-01T00:00:00Z"], "1577836800", False),
    ("DateGreaterThan", ["2020-01-01T00:00:00Z", "bad"], "2020-01-01T00:00:01+00:00", True),
    ("DateLessThan", ["2020-01-01"], "not a date", False),
])
def test_request_values_are_parsed_as_before(operator: str, values: list[str], value: str,
                                             expected: bool):
    condition = build_condition(operator, "k", tuple(values), variables=True)
    assert condition is not None
    for _ in range(2):  # parsed, then remembered
        assert condition.evaluate(normalize_context({"k": value})) is expected


# ---------------------------------------------------------------- requests and decisions


def test_the_request_keeps_its_normalised_context_read_only():
    made = request(**{"AWS:UserName": "alice", "aws:TagKeys": ["a", "b"], "aws:x": None})
    assert dict(made.normalized) == {"aws:username": ("alice",), "aws:tagkeys": ("a", "b")}
    with pytest.raises(TypeError):
        made.normalized["aws:username"] = ("bob",)  # type: ignore[index]


def test_policies_hash_by_content_and_name():
    policy = Policy.from_json(doc(allow()))
    assert hash(policy) == hash((policy.text, policy.kind, policy.name))
    renamed = policy.with_name("Other")
    assert hash(renamed) == hash((policy.text, policy.kind, "Other")) and renamed != policy


def test_decisions_made_fast_are_ordinary_decisions():
    matched = (MatchedStatement("identity[0]", "identity", None, 0, "Allow",
                                Span(1, 1, 2, 2)),)
    fields = ("allowed", matched, ("aws:username",), None, "principal", "s3:GetObject",
              matched)
    fast = PLANS._decision(*fields)
    slow = Decision(*fields)
    assert type(fast) is Decision
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert dataclasses.astuple(fast) == dataclasses.astuple(slow)
    assert dataclasses.replace(fast, decision="implicitDeny").decision == "implicitDeny"
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.decision = "explicitDeny"  # type: ignore[misc]


def test_evaluate_gives_equal_decisions_to_the_dataclass_constructor():
    policy = Policy.from_json(doc(allow(), deny("s3:DeleteObject")))
    for action, expected in (("s3:GetObject", "allowed"), ("s3:DeleteObject", "explicitDeny"),
                             ("iam:GetUser", "implicitDeny")):
        decision = evaluate(request(action), identity=[policy])
        assert decision == Decision(**{f.name: getattr(decision, f.name)
                                       for f in dataclasses.fields(decision)})
        assert decision.decision == expected


class _Key(str):
    def __str__(self) -> str:
        return "Renamed:Key"


def test_context_normalisation_keeps_its_rules_for_every_kind_of_entry():
    made = normalize_context({
        "AWS:UserName": "alice", _Key("aws:Ignored"): "x", "aws:SecureTransport": True,
        "aws:MultiFactorAuthAge": 120, "aws:TagKeys": ["b", None, "a"], "s3:x": {"b", "a"},
        "aws:CurrentTime": dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC),
        "aws:blob": b"dev", "aws:absent": None, 3: "three",
    })
    assert dict(made) == {
        "aws:username": ("alice",), "renamed:key": ("x",), "aws:securetransport": ("true",),
        "aws:multifactorauthage": ("120",), "aws:tagkeys": ("b", "a"), "s3:x": ("a", "b"),
        "aws:currenttime": ("2026-01-15T12:00:00+00:00",), "aws:blob": ("ZGV2",),
        "3": ("three",),
    }


def test_requests_of_one_principal_share_their_caller():
    first, second = request(), request("iam:GetUser")
    assert first.caller is second.caller and first.caller.account == ACCOUNT
    session = Request(action="s3:GetObject", principal=f"arn:aws:sts::{ACCOUNT}:assumed-role/R/s",
                      context={"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/path/R"})
    assert session.caller.role_session == (ACCOUNT, "R")
    assert session.caller.principal_arn == f"arn:aws:iam::{ACCOUNT}:role/path/R"
