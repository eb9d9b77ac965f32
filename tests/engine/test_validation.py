"""validate(): IAM's errors with locations, the lints, and never raising."""

from __future__ import annotations

import json
from typing import Any

import pytest

from policies.engine import (
    ERROR,
    SECURITY_WARNING,
    SUGGESTION,
    WARNING,
    Finding,
    Location,
    Policy,
    PolicyError,
    validate,
)


def doc(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    document: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        document = {"Version": version, **document}
    return document


def allow(action: Any = "s3:GetObject", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def codes(document: Any, kind: str = "identity", **options: Any) -> list[tuple[str, str]]:
    return [(f.level, f.code) for f in validate(document, kind=kind, **options)]


def errors(document: Any, kind: str = "identity", **options: Any) -> list[str]:
    return [f.message for f in validate(document, kind=kind, **options) if f.level == ERROR]


# ---------------------------------------------------------------- never raises

ODD_INPUTS: list[Any] = [
    None, 0, 1.5, True, [], [1, 2], {}, "", " ", "null", "[]", "42", '"text"', b"", b"\xff\xfe",
    bytearray(b"{}"), object(), {"Statement": {1: 2}}, {"Version": float("nan")},
    {"Statement": [None]}, {"Statement": "x" * 100000}, "{" * 100000, "[" * 5000 + "]" * 5000,
    "x" * 1_000_000, {"Statement": [{"Effect": "Allow", "Action": ["s3:*"] * 5000,
                                     "Resource": "*"}]},
    "\x00", "\ud800", '{"Statement": "\\ud800"}', set(), {"a": {1, 2}},
]


@pytest.mark.parametrize("value", ODD_INPUTS, ids=range(len(ODD_INPUTS)))
def test_validate_never_raises(value):
    findings = validate(value)
    assert isinstance(findings, list)
    assert all(isinstance(f, Finding) for f in findings)


def test_deep_nesting_is_an_error_not_a_crash():
    nested: Any = "x"
    for _ in range(5000):
        nested = {"a": nested}
    assert errors(nested) == ["Syntax errors in policy."]
    assert errors({"Version": "2012-10-17", "Statement": allow(Condition=nested)})


@pytest.mark.parametrize("kind", ["nonsense", "", 3, ["identity"]])
def test_an_unknown_kind_is_an_error_finding(kind):
    assert [f.code for f in validate(doc(allow()), kind=kind)] == ["UNKNOWN_KIND"]


def test_kind_none_reads_the_kind_from_the_document():
    trust = {"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}}
    assert errors(trust, None) == []
    assert errors(trust)[0] == "Policy document should not specify a principal."


def test_a_bad_max_size_is_an_error_finding():
    assert [f.code for f in validate(doc(allow()), max_size="big")] == ["INVALID_MAX_SIZE"]


def test_validate_and_from_json_agree():
    for value in ODD_INPUTS[:20]:
        has_error = any(f.level == ERROR for f in validate(value))
        try:
            Policy.from_json(value, kind="identity")
        except PolicyError:
            rejected = True
        else:
            rejected = False
        assert has_error == rejected, value


# ---------------------------------------------------------------- IAM's errors

IAM_ERRORS = [
    ("not json", "{", "identity", "Syntax errors in policy."),
    ("duplicate keys", ('{"Version": "2012-10-17", "Version": "2012-10-17", "Statement": '
                        '{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}'), "identity",
     "Syntax errors in policy."),
    ("bad version", doc(allow(), version="2013-10-17"), "identity", "Syntax errors in policy."),
    ("version not a string", {"Version": 2012, "Statement": allow()}, "identity",
     "Syntax errors in policy."),
    ("action and notaction", doc({"Effect": "Allow", "Action": "s3:*", "NotAction": "iam:*",
                                  "Resource": "*"}), "identity", "Syntax errors in policy."),
    ("unknown operator", doc(allow(Condition={"StringEqualz": {"a": "b"}})), "identity",
     "Syntax errors in policy."),
    ("lower-case effect", doc({"Effect": "allow", "Action": "s3:*", "Resource": "*"}),
     "identity", "The policy failed legacy parsing"),
    ("bad sid characters", doc(allow(Sid="read-only")), "identity",
     ("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular "
      "expression [0-9A-Za-z]*")),
    ("bad sid in a trust policy", {"Version": "2012-10-17", "Statement": {
        "Sid": "a b", "Effect": "Allow", "Principal": {"AWS": "123456789012"},
        "Action": "sts:AssumeRole"}}, "trust",
     ("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular "
      "expression [0-9A-Za-z]*")),
    ("duplicate sid", doc(allow(Sid="A"), allow(Sid="A")), "identity",
     "Statement IDs (SID) in a single policy must be unique."),
    ("principal in identity policy", doc(allow(Principal={"AWS": "123456789012"})), "identity",
     "Policy document should not specify a principal."),
    ("missing principal in trust policy", {"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Action": "sts:AssumeRole"}}, "trust",
     "Missing required field Principal"),
    ("resource in trust policy", {"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole",
        "Resource": "*"}}, "trust", "Has prohibited field Resource."),
    ("non-sts action in trust policy", {"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "s3:GetObject"}},
     "trust", ("Trust Policy statement actions can only be sts:AssumeRole, "
               "sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity")),
    ("partial wildcard principal", {"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/*"},
        "Action": "sts:AssumeRole"}}, "trust",
     'Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user/*"'),
    ("missing principal in resource policy", doc(allow()), "resource",
     "Missing required field Principal"),
    ("missing resource in resource policy", doc({"Effect": "Allow", "Action": "s3:*",
                                                 "Principal": "*"}), "resource",
     "Policy statement must contain resources."),
    ("wildcard vendor", doc(allow(action="*:Get*")), "identity", "Vendor * is not valid"),
    ("wildcard resource vendor", doc(allow(resource="arn:aws:s3*:::b")), "identity",
     "Resource vendor must be fully qualified and cannot contain regexes."),
]


@pytest.mark.parametrize(("title", "document", "kind", "message"), IAM_ERRORS,
                         ids=[row[0] for row in IAM_ERRORS])
def test_iam_errors_use_iam_words(title, document, kind, message):
    assert errors(document, kind)[0] == message
    with pytest.raises(PolicyError, match="."):
        Policy.from_json(document, kind=kind)


def test_trust_policies_accept_the_console_shape():
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "sts:AssumeRole", "Condition": {}}]}
    assert errors(trust, "trust") == []


def test_trust_policies_may_hold_unique_ids_of_deleted_principals():
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "AIDAJQABLZS4A3QDU576Q"},
        "Action": "sts:AssumeRole"}]}
    assert errors(trust, "trust") == []


def test_resource_policies_allow_any_sid():
    bucket = doc({"Sid": "Allow read for everyone", "Effect": "Allow", "Principal": "*",
                  "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
                  "Condition": {"Bool": {"aws:SecureTransport": "true"}}})
    assert errors(bucket, "resource") == []


@pytest.mark.parametrize(
    ("kind", "limit", "quota", "max_size"),
    [
        ("identity", 6144, "PolicySize", None),
        ("trust", 2048, "ACLSizePerRole", None),
        ("identity", 2048, "UserPolicySize", 2048),
        ("identity", 5120, "GroupPolicySize", 5120),
        ("identity", 10240, "RolePolicySize", 10240),
    ],
)
def test_size_over_the_quota_is_an_error(kind, limit, quota, max_size):
    principal = {"Principal": {"AWS": "123456789012"}} if kind == "trust" else {}
    action = "sts:AssumeRole" if kind == "trust" else "s3:GetObject"
    statement = {"Effect": "Allow", "Action": action, **principal}
    if kind != "trust":
        statement["Resource"] = "*"
    padded = dict(statement, Sid="S" * (limit + 1))
    assert errors(padded and doc(padded), kind, max_size=max_size)[0] == (
        f"Cannot exceed quota for {quota}: {limit}")
    assert errors(doc(statement), kind, max_size=max_size) == []


def test_whitespace_does_not_count_against_the_size():
    text = json.dumps(doc(allow(Sid="S" * 6000)), indent=40)
    assert len(text) > 6144
    assert errors(text) == []


def test_max_size_zero_disables_the_quota():
    assert errors(doc(allow(Sid="S" * 7000)), max_size=0) == []


def test_all_errors_are_reported_iam_first_with_locations():
    text = ('{\n  "Version": "2012-10-17",\n  "Statement": [\n'
            '    {"Sid": "A", "Effect": "Allow", "Action": "s3:Get:Object", "Resource": "*"},\n'
            '    {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}\n'
            "  ]\n}")
    found = [f for f in validate(text) if f.level == ERROR and f.blocking]
    assert [f.code for f in found] == ["DUPLICATE_SID", "INVALID_ACTION"]
    duplicate, action = found
    assert duplicate.location == Location(1, "A", 5, 13, "$.Statement[1].Sid")
    assert action.location == Location(0, "A", 4, 47, "$.Statement[0].Action")
    assert action.message == "Actions/Condition can contain only one colon."
    assert action.detail


def test_syntax_errors_point_at_the_problem():
    (finding,) = validate('{\n  "Version": "2012-10-17",\n  "Statement": [,]\n}')
    assert (finding.code, finding.location.line, finding.location.column) == (
        "INVALID_JSON", 3, 17)


def test_a_dict_is_located_in_its_four_space_dump():
    (finding,) = [f for f in validate(doc(allow(Sid="x-y"))) if f.level == ERROR]
    assert (finding.location.line, finding.location.path) == (8, "$.Statement[0].Sid")


def test_error_messages_for_odd_condition_values_are_syntax_errors():
    assert errors(doc(allow(Condition={"StringEquals": {"k": {"a": 1}}}))) == [
        "Syntax errors in policy."]
    mixed = validate(doc(allow(Condition={"StringEquals": {"k": [True, 1, "x"]}})))
    assert not [f for f in mixed if f.blocking]  # IAM accepts scalars of any JSON type
    assert {f.code for f in mixed if f.level == ERROR} == {  # Access Analyzer does not
        "INVALID_CONDITION_DATA_TYPE", "INVALID_CONDITION_KEY_FORMAT"}


# ---------------------------------------------------------------- lints

LINTS = [
    ("pass role on every role", doc(allow("iam:PassRole")),
     (SECURITY_WARNING, "PASS_ROLE_WITH_STAR_IN_RESOURCE")),
    ("pass role through iam:*", doc(allow("iam:*")),
     (SECURITY_WARNING, "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE")),
    ("pass role through *", doc(allow("*")),
     (SECURITY_WARNING, "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE")),
    ("pass role through NotAction", doc({"Effect": "Allow", "NotAction": "s3:*",
                                         "Resource": "*"}),
     (SECURITY_WARNING, "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION")),
    ("allow with NotAction", doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
     (WARNING, "ALLOW_NOT_ACTION")),
    ("allow with NotResource", doc({"Effect": "Allow", "Action": "s3:*",
                                    "NotResource": "arn:aws:s3:::secret/*"}),
     (WARNING, "ALLOW_NOT_RESOURCE")),
    ("duplicate statements", doc(allow(Sid="A"), allow(Sid="B")),
     (SUGGESTION, "REDUNDANT_STATEMENT")),
    ("redundant statement", doc(allow("s3:*"), allow("s3:GetObject",
                                                      "arn:aws:s3:::receipts/*")),
     (SUGGESTION, "REDUNDANT_STATEMENT")),
    ("mfa with Bool false", doc({"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {
        "Bool": {"aws:MultiFactorAuthPresent": "false"}}}), (WARNING, "MFA_BOOL_FALSE")),
    ("mfa with Bool false suggests BoolIfExists", doc({
        "Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}),
     (SUGGESTION, "USE_BOOL_IF_EXISTS")),
    ("empty condition values", doc(allow(Condition={"StringEquals": {"aws:username": []}})),
     (SUGGESTION, "EMPTY_ARRAY_CONDITION")),
    ("empty operator", doc(allow(Condition={"StringEquals": {}})),
     (SUGGESTION, "EMPTY_OBJECT_CONDITION")),
    ("unknown operator with empty body", doc(allow(Condition={"Whatever": {}})),
     (WARNING, "UNKNOWN_OPERATOR_IGNORED")),
    ("missing version", doc(allow(), version=None), (WARNING, "MISSING_VERSION")),
    ("legacy version", doc(allow(), version="2008-10-17"), (SUGGESTION, "LEGACY_VERSION")),
    ("variables under 2008", doc(allow(resource="arn:aws:s3:::home/${aws:username}"),
                                 version="2008-10-17"), (ERROR, "VARIABLE_UNSUPPORTED_IN_VERSION")),
    ("variables without version", doc(allow(Condition={"StringLike": {
        "s3:prefix": "${aws:username}/*"}}), version=None),
     (ERROR, "VARIABLE_UNSUPPORTED_IN_VERSION")),
    ("variable before the resource part", doc(allow(
        resource="arn:aws:sqs:${aws:RequestedRegion}:123456789012:queue")),
     (WARNING, "VARIABLE_OUTSIDE_RESOURCE_PART")),
    ("malformed variable", doc(allow(resource="arn:aws:s3:::home/${}")),
     (ERROR, "EMPTY_VARIABLE")),
    ("not a number", doc(allow(Condition={"NumericLessThan": {"s3:max-keys": "ten"}})),
     (WARNING, "TYPE_MISMATCH_NUMBER")),
    ("not a cidr", doc(allow(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/33"}})),
     (ERROR, "TYPE_MISMATCH_IP_RANGE")),
    ("set operator on a single-valued key", doc(allow(Condition={
        "ForAnyValue:StringEquals": {"aws:username": "alice"}})),
     (WARNING, "SET_OPERATOR_ON_SINGLE_VALUED_KEY")),
    ("multivalued key without a set operator", doc(allow(Condition={
        "StringEquals": {"aws:TagKeys": "team"}})), (ERROR, "MISSING_QUALIFIER")),
    ("ForAllValues with Allow", doc(allow(Condition={
        "ForAllValues:StringEquals": {"aws:TagKeys": "team"}})),
     (WARNING, "FOR_ALL_VALUES_WITH_ALLOW")),
    ("null in a list", doc(allow(resource=["*", None])), (WARNING, "NULL_IGNORED")),
    ("top-level Conditions", {**doc(allow()), "Conditions": {}}, (WARNING,
                                                                  "TOP_LEVEL_CONDITIONS")),
    ("underscore in a sid", doc(allow(Sid="Read_Only")), (WARNING, "SID_CHARACTERS")),
]


@pytest.mark.parametrize(("title", "document", "expected"), LINTS, ids=[row[0] for row in LINTS])
def test_lints(title, document, expected):
    assert expected in codes(document)
    Policy.from_json(document, kind="identity")  # a lint never rejects
    assert not any(f.blocking for f in validate(document))


def test_trust_and_resource_lints():
    open_bucket = doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": "arn:aws:s3:::b/*"})
    assert (SECURITY_WARNING, "EVERYONE_WITHOUT_CONDITION") in codes(open_bucket, "resource")
    not_principal = doc({"Effect": "Allow", "NotPrincipal": {"AWS": "123456789012"},
                         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})
    assert (SECURITY_WARNING, "ALLOW_WITH_NOT_PRINCIPAL") in codes(not_principal, "resource")


@pytest.mark.parametrize(
    "document",
    [
        doc(allow("iam:PassRole", "arn:aws:iam::123456789012:role/app-*")),
        doc({"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}),
        doc(allow("s3:*")),
        doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
    ],
)
def test_pass_role_is_flagged_only_when_it_reaches_every_role(document):
    assert not any(code.startswith("PASS_ROLE_") for _, code in codes(document))


def test_a_clean_policy_has_no_findings():
    assert validate(doc(allow("s3:GetObject", "arn:aws:s3:::receipts/*"),
                        allow("s3:ListBucket", "arn:aws:s3:::receipts"))) == []


def test_statements_covering_different_requests_are_not_redundant():
    assert not any(code == "REDUNDANT_STATEMENT" for _, code in codes(doc(
        allow("s3:Get*", "arn:aws:s3:::a/*"), allow("s3:GetObject", "arn:aws:s3:::b/*"))))
    assert not any(code == "REDUNDANT_STATEMENT" for _, code in codes(doc(
        allow("s3:*"), allow("s3:GetObject", Condition={"Bool": {"aws:SecureTransport": "true"}}))))


def test_unknown_actions_of_known_services_are_flagged():
    found = codes(doc(allow(["s3:GetObjekt", "s3:Gett*", "s3:GetObject", "s3:Get*",
                             "madeup:Anything"])))
    assert found.count((ERROR, "INVALID_ACTION")) == 2


def test_an_unknown_service_is_flagged_in_access_analyzer_words():
    found = validate(doc(allow("ec3:RunInstances"), allow("madeup:Anything")))
    assert [(f.level, f.code, f.location.path) for f in found] == [
        (ERROR, "INVALID_SERVICE_IN_ACTION", "$.Statement[0].Action"),
        (ERROR, "INVALID_SERVICE_IN_ACTION", "$.Statement[1].Action")]
    assert not found[0].blocking
    assert found[0].message.startswith(
        "Invalid service in action: The service ec3 specified in the action "
        "ec3:RunInstances does not exist")
    assert Policy.from_json(doc(allow("ec3:RunInstances")))  # IAM accepts the document


def test_lints_are_reported_next_to_errors():
    found = validate(doc(allow("s3:ListBuckets"), {"Effect": "Allow", "Action": "s3:GetObject"}))
    assert [(f.level, f.code, f.blocking) for f in found] == [
        (ERROR, "MISSING_RESOURCE", True), (ERROR, "INVALID_ACTION", False)]
    assert "The action s3:ListBuckets does not exist" in found[1].message


def test_lints_are_not_run_on_a_document_over_its_size_quota():
    found = validate(doc(allow("s3:ListBuckets", "arn:aws:s3:::" + "a" * 3000)),
                     max_size=2048)
    assert [f.code for f in found] == ["POLICY_SIZE_EXCEEDED"]


@pytest.mark.parametrize(("action", "resource", "flagged"), [
    ("s3:GetObject", "arn:aws:s3:::receipts-bucket", True),
    ("s3:GetObject", "arn:aws:s3:::receipts-bucket/*", False),
    ("s3:GetObject", "arn:aws:s3:::receipts-*", False),  # may name objects
    ("s3:GetObject", "arn:aws:s3:::${aws:username}", False),  # a variable may hold "b/k"
    ("s3:ListBucket", "arn:aws:s3:::receipts-bucket", False),
    # Sound, not complete: a template's ${BucketName} is read as "*", which may hold "/".
    ("s3:ListBucket", "arn:aws:s3:::receipts-bucket/*", False),
    ("s3:Get*", "arn:aws:s3:::receipts-bucket", False),  # s3:GetBucketPolicy applies
    ("s3:GetObject*", "arn:aws:s3:::receipts-bucket", True),
    ("s3:ListAllMyBuckets", "arn:aws:s3:::receipts-bucket", True),  # only "*"
    ("s3:ListAllMyBuckets", "*", False),
    ("iam:GetUser", "arn:aws:iam::123456789012:user/alice", False),
    ("iam:GetUser", "arn:aws:iam::123456789012:role/admin", True),
    ("iam:GetUser", "arn:aws:iam::*:*", False),
    ("madeup:Anything", "arn:aws:s3:::receipts-bucket", False),  # INVALID_SERVICE_IN_ACTION
])
def test_an_action_that_applies_to_none_of_the_resources_is_flagged(action, resource, flagged):
    found = [f for f in validate(doc(allow(action, resource)))
             if f.code == "NO_APPLICABLE_RESOURCE"]
    assert bool(found) is flagged
    if found:
        assert found[0].level == WARNING
        assert found[0].location.path == "$.Statement[0].Action"
        assert found[0].message.startswith(
            "One or more actions do not have an applicable resource: ")
        assert action in found[0].message


def test_the_applicable_resource_message_names_the_resource_types():
    (found,) = [f for f in validate(doc(allow("s3:GetObject", "arn:aws:s3:::receipts-bucket")))
                if f.code == "NO_APPLICABLE_RESOURCE"]
    assert "object (arn:${Partition}:s3:::${BucketName}/${ObjectName})" in found.message


def test_findings_other_than_errors_carry_locations():
    text = ('{\n  "Statement": [\n'
            '    {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}\n  ]\n}')
    by_code = {f.code: f for f in validate(text)}
    assert by_code["MISSING_VERSION"].location == Location(None, None, 1, 1, "$")
    assert by_code["ALLOW_NOT_ACTION"].location == Location(0, None, 3, 25,
                                                            "$.Statement[0].NotAction")
