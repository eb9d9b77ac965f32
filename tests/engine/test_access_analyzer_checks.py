"""Access Analyzer's policy checks: each implemented check at AWS's level, with AWS's issue
code and title, located (line, column, JSON path); documents that must raise none; ERROR
findings of Access Analyzer are not IAM's (``blocking`` is False, ``Policy.from_json``
accepts the document).

The API-accepts / console-blocks distinction is tested where the API and the console are:
``tests/api/test_policies_api.py`` (``test_create_policy_accepts_a_document_with_access_``
``analyzer_errors``) and ``tests/policies/test_policy_create.py``
(``test_access_analyzer_errors_block_next``).
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from policies.engine import (
    ERROR,
    SECURITY_WARNING,
    SUGGESTION,
    WARNING,
    Policy,
    validate,
)
from policies.engine.validation import CHECKS, RESOURCE_TYPES

ACCOUNT = "123456789012"
SAML = f"arn:aws:iam::{ACCOUNT}:saml-provider/Okta"


def doc(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    document: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        document = {"Version": version, **document}
    return document


def allow(action: Any = "s3:GetObject", resource: Any = "arn:aws:s3:::receipts/*",
          **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def when(operator: str, key: str, value: Any, action: Any = "s3:GetObject") -> dict[str, Any]:
    return allow(action, Condition={operator: {key: value}})


def trust(principal: Any, action: Any = "sts:AssumeRole", **extra: Any) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": principal, "Action": action, **extra})


def bucket(action: Any = "s3:GetObject", resource: Any = "arn:aws:s3:::receipts/*"
           ) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": action,
                "Resource": resource})


S0 = "$.Statement[0]"

# (code, level, document, kind, resource_type, JSON path of the finding)
CASES: list[tuple[str, str, dict[str, Any], str, str | None, str]] = [
    # ---- ERROR
    ("ARN_ACCOUNT_NOT_ALLOWED", ERROR, doc(allow(resource=f"arn:aws:s3::{ACCOUNT}:receipts/*")),
     "identity", None, f"{S0}.Resource"),
    ("ARN_REGION_NOT_ALLOWED", ERROR,
     doc(allow("cloudfront:GetDistribution",
               f"arn:aws:cloudfront:us-east-1:{ACCOUNT}:distribution/E1")),
     "identity", None, f"{S0}.Resource"),
    ("DUPLICATE_KEYS_WITH_DIFFERENT_CASE", ERROR, doc(allow(Condition={"StringEquals": {
        "aws:username": "alice", "aws:UserName": "bob"}})),
     "identity", None, f'{S0}.Condition.StringEquals["aws:UserName"]'),
    ("EMPTY_VARIABLE", ERROR, doc(allow(resource="arn:aws:s3:::receipts/${}")),
     "identity", None, f"{S0}.Resource"),
    ("INVALID_ACTION", ERROR, doc(allow("s3:GetObjekt")), "identity", None, f"{S0}.Action"),
    ("INVALID_ARN_ACCOUNT", ERROR, doc(allow("iam:GetRole", "arn:aws:iam::12345:role/app")),
     "identity", None, f"{S0}.Resource"),
    ("INVALID_ARN_REGION", ERROR,
     doc(allow("dynamodb:GetItem", f"arn:aws:dynamodb:us-east:{ACCOUNT}:table/Receipts")),
     "identity", None, f"{S0}.Resource"),
    ("INVALID_ARN_RESOURCE", ERROR,
     doc(allow("dynamodb:GetItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:gadget/app")),
     "identity", None, f"{S0}.Resource"),
    ("INVALID_ARN_SERVICE_CASE", ERROR, doc(allow(resource="arn:aws:S3:::receipts/*")),
     "identity", None, f"{S0}.Resource"),
    ("INVALID_CONDITION_MULTIPLE_BOOLEAN", ERROR,
     doc(when("Bool", "aws:SecureTransport", ["true", "false"])),
     "identity", None, f'{S0}.Condition.Bool["aws:SecureTransport"]'),
    ("INVALID_GLOBAL_CONDITION_KEY", ERROR, doc(when("StringEquals", "aws:NotARealKey", "x")),
     "identity", None, f'{S0}.Condition.StringEquals["aws:NotARealKey"]'),
    ("INVALID_SERVICE_CONDITION_KEY", ERROR, doc(when("StringEquals", "s3:NotARealKey", "x")),
     "identity", None, f'{S0}.Condition.StringEquals["s3:NotARealKey"]'),
    ("INVALID_SERVICE_IN_ACTION", ERROR, doc(allow("ec3:RunInstances", "*")),
     "identity", None, f"{S0}.Action"),
    ("INVALID_VARIABLE_FOR_OPERATOR", ERROR,
     doc(when("NumericLessThan", "s3:max-keys", "${aws:username}", "s3:ListBucket")),
     "identity", None, f'{S0}.Condition.NumericLessThan["s3:max-keys"]'),
    ("MISMATCHED_ACTION_FOR_PRINCIPAL", ERROR,
     trust({"Federated": SAML}, "sts:AssumeRoleWithWebIdentity"), "trust", None,
     f"{S0}.Action"),
    ("MISSING_ARN_REGION", ERROR,
     doc(allow("ec2:StartInstances", f"arn:aws:ec2::{ACCOUNT}:instance/i-0abc")),
     "identity", None, f"{S0}.Resource"),
    ("MISSING_BRACE_IN_VARIABLE", ERROR,
     doc(allow(resource="arn:aws:s3:::receipts/${aws:username")),
     "identity", None, f"{S0}.Resource"),
    ("MISSING_QUOTE_IN_VARIABLE", ERROR,
     doc(allow(resource="arn:aws:s3:::home/${aws:username, nobody}/*")),
     "identity", None, f"{S0}.Resource"),
    ("MISSING_QUALIFIER", ERROR, doc(when("StringEquals", "aws:TagKeys", "team")),
     "identity", None, f'{S0}.Condition.StringEquals["aws:TagKeys"]'),
    ("PRIVATE_IP_ADDRESS", ERROR,
     doc(when("IpAddress", "aws:SourceIp", ["10.0.0.0/8", "192.168.0.0/16"])),
     "identity", None, f'{S0}.Condition.IpAddress["aws:SourceIp"]'),
    ("PRIVATE_NOT_IP_ADDRESS", ERROR, doc(when("NotIpAddress", "aws:SourceIp", "172.16.0.0/12")),
     "identity", None, f'{S0}.Condition.NotIpAddress["aws:SourceIp"]'),
    ("ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL", ERROR, doc({
        "Effect": "Deny", "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "sts:AssumeRole"}), "trust", None, f"{S0}.NotPrincipal"),
    ("TYPE_MISMATCH_IP_RANGE", ERROR, doc(when("IpAddress", "aws:SourceIp", "203.0.113.0/33")),
     "identity", None, f'{S0}.Condition.IpAddress["aws:SourceIp"]'),
    ("UNSUPPORTED_ACTION_FOR_CONDITION_KEY", ERROR,
     doc(when("StringLike", "s3:prefix", "home/*", "s3:GetObject")),
     "identity", None, f'{S0}.Condition.StringLike["s3:prefix"]'),
    ("UNSUPPORTED_ACTION_IN_POLICY", ERROR, bucket(["s3:GetObject", "ec2:StartInstances"]),
     "resource", "AWS::S3::Bucket", f"{S0}.Action[1]"),
    ("UNSUPPORTED_RESOURCE_ARN_IN_POLICY", ERROR,
     bucket("s3:GetObject", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Receipts"),
     "resource", "AWS::S3::Bucket", f"{S0}.Resource"),
    ("VARIABLE_UNSUPPORTED_IN_VERSION", ERROR,
     doc(allow(resource="arn:aws:s3:::home/${aws:username}/*"), version="2008-10-17"),
     "identity", None, f"{S0}.Resource"),
    # ---- SECURITY_WARNING
    ("ALLOW_WITH_NOT_PRINCIPAL", SECURITY_WARNING, doc({
        "Effect": "Allow", "NotPrincipal": {"AWS": ACCOUNT}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::receipts/*"}), "resource", None, f"{S0}.NotPrincipal"),
    ("FORALLVALUES_WITH_SINGLE_VALUED_KEY", SECURITY_WARNING,
     doc(when("ForAllValues:StringEquals", "aws:username", "alice")),
     "identity", None, f'{S0}.Condition["ForAllValues:StringEquals"]["aws:username"]'),
    ("PASS_ROLE_WITH_STAR_IN_RESOURCE", SECURITY_WARNING, doc(allow("iam:PassRole", "*")),
     "identity", None, f"{S0}.Resource"),
    ("PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE", SECURITY_WARNING, doc(allow("iam:*", "*")),
     "identity", None, f"{S0}.Resource"),
    ("PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", SECURITY_WARNING,
     doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}),
     "identity", None, f"{S0}.Resource"),
    ("PASS_ROLE_WITH_NOT_RESOURCE", SECURITY_WARNING, doc({
        "Effect": "Allow", "Action": "iam:PassRole",
        "NotResource": f"arn:aws:iam::{ACCOUNT}:role/admin"}),
     "identity", None, f"{S0}.NotResource"),
    ("PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE", SECURITY_WARNING, doc({
        "Effect": "Allow", "Action": "iam:*", "NotResource": f"arn:aws:iam::{ACCOUNT}:role/a"}),
     "identity", None, f"{S0}.NotResource"),
    ("PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE", SECURITY_WARNING, doc({
        "Effect": "Allow", "NotAction": "s3:*", "NotResource": f"arn:aws:iam::{ACCOUNT}:role/a"}),
     "identity", None, f"{S0}.NotResource"),
    # ---- WARNING
    ("MISSING_VERSION", WARNING, doc(allow(), version=None), "identity", None, "$"),
    ("WILDCARD_WITHOUT_LIKE_OPERATOR", WARNING,
     doc(when("StringNotEquals", "aws:PrincipalArn", "arn:aws:iam::*:role/admin-*")),
     "identity", None, f'{S0}.Condition.StringNotEquals["aws:PrincipalArn"]'),
    # ---- SUGGESTION
    ("EMPTY_ARRAY_CONDITION", SUGGESTION, doc(when("StringEquals", "aws:username", [])),
     "identity", None, f'{S0}.Condition.StringEquals["aws:username"]'),
    ("EMPTY_OBJECT_CONDITION", SUGGESTION, doc(allow(Condition={"StringEquals": {}})),
     "identity", None, f"{S0}.Condition.StringEquals"),
    ("REDUNDANT_ACTION", SUGGESTION, doc(allow(["s3:Get*", "s3:GetObject"])),
     "identity", None, f"{S0}.Action[1]"),
    ("REDUNDANT_RESOURCE", SUGGESTION,
     doc(allow(resource=["arn:aws:s3:::receipts/*", "arn:aws:s3:::receipts/2024/*"])),
     "identity", None, f"{S0}.Resource[1]"),
    ("REDUNDANT_STATEMENT", SUGGESTION, doc(allow(Sid="A"), allow(Sid="B")),
     "identity", None, "$.Statement[1]"),
] + [
    # ---- ERROR (policies/engine/aa_checks.py and the ARN checks)
    ("FEDERATED_PRINCIPAL_NOT_SUPPORTED", ERROR, doc({
        "Effect": "Allow", "Principal": {"Federated": SAML}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::receipts/*"}), "resource", None,
     f"{S0}.Principal.Federated"),
    ("INVALID_ARN_PREFIX", ERROR, doc(allow(resource="arm:aws:s3:::receipts/*")),
     "identity", None, f"{S0}.Resource"),
    ("INVALID_CONDITION_DATA_TYPE", ERROR,
     doc(when("NumericLessThan", "aws:MultiFactorAuthAge", ["3600", 7200])),
     "identity", None, f'{S0}.Condition.NumericLessThan["aws:MultiFactorAuthAge"]'),
    ("INVALID_CONDITION_KEY_FORMAT", ERROR, doc(when("StringEquals", "username", "alice")),
     "identity", None, f'{S0}.Condition.StringEquals.username'),
    ("INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY", ERROR,
     trust({"Federated": "okta.example.com"}, "sts:AssumeRoleWithWebIdentity"), "trust", None,
     f"{S0}.Principal.Federated"),
    ("INVALID_REGION", ERROR, doc(when("StringEquals", "aws:RequestedRegion", "us-east"),
                                  ), "identity", None,
     f'{S0}.Condition.StringEquals["aws:RequestedRegion"]'),
    ("INVALID_SERVICE", ERROR, doc(allow(resource=f"arn:aws:ec3:us-east-1:{ACCOUNT}:instance/i")),
     "identity", None, f"{S0}.Resource"),
    ("INVALID_SERVICE_PRINCIPAL_FORMAT", ERROR, doc(allow(
        "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app",
        Condition={"StringEquals": {"iam:PassedToService": "ec2"}})), "identity", None,
     f'{S0}.Condition.StringEquals["iam:PassedToService"]'),
    ("INVALID_VPC_FORMAT", ERROR, doc(when("StringEquals", "aws:SourceVpc", "vpc-12")),
     "identity", None, f'{S0}.Condition.StringEquals["aws:SourceVpc"]'),
    ("INVALID_VPCE_FORMAT", ERROR, doc(when("StringEquals", "aws:SourceVpce", "vpc-1a2b3c4d")),
     "identity", None, f'{S0}.Condition.StringEquals["aws:SourceVpce"]'),
    ("MISSING_ARN_ACCOUNT", ERROR,
     doc(allow("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1::table/Receipts")),
     "identity", None, f"{S0}.Resource"),
    ("MISSING_ARN_FIELD", ERROR, doc(allow(resource="arn:aws:s3")),
     "identity", None, f"{S0}.Resource"),
    ("MISSING_TAG_KEY_IN_CONDITION", ERROR, doc(when("StringEquals", "aws:ResourceTag", "x")),
     "identity", None, f'{S0}.Condition.StringEquals["aws:ResourceTag"]'),
    ("UNSUPPORTED_GLOBAL_CONDITION_KEY", ERROR,
     doc(when("ArnLike", "aws:ARN", f"arn:aws:iam::{ACCOUNT}:role/*")),
     "identity", None, f'{S0}.Condition.ArnLike["aws:ARN"]'),
    ("UNSUPPORTED_SPACE_IN_VARIABLE", ERROR,
     doc(allow(resource="arn:aws:s3:::home/${aws: username}/*")),
     "identity", None, f"{S0}.Resource"),
    ("VARIABLE_UNSUPPORTED_IN_ELEMENT", ERROR, doc({
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"},
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::receipts/*"}),
     "resource", None, f"{S0}.Principal.AWS"),
    # ---- SECURITY_WARNING
    ("DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", SECURITY_WARNING, doc({
        "Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/status": "Confidential"}}}),
     "identity", None, f'{S0}.Condition.StringEquals["aws:ResourceTag/status"]'),
    ("DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", SECURITY_WARNING, doc({
        "Effect": "Deny", "Action": ["ec2:TerminateInstances", "ec2:DescribeInstances"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/status": "Confidential"}}}),
     "identity", None, f'{S0}.Condition.StringEquals["aws:ResourceTag/status"]'),
    ("MISSING_PAIRED_CONDITION_KEYS", SECURITY_WARNING,
     doc(when("IpAddress", "aws:VpcSourceIp", "10.0.0.0/16")),
     "identity", None, f'{S0}.Condition.IpAddress["aws:VpcSourceIp"]'),
    # ---- WARNING
    ("CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE", WARNING, doc({
        "Effect": "Allow", "NotAction": "s3:*", "NotResource": f"arn:aws:iam::{ACCOUNT}:role/a"}),
     "identity", None, f"{S0}.NotResource"),
    ("CREATE_SLR_WITH_NOT_RESOURCE", WARNING, doc({
        "Effect": "Allow", "Action": "iam:CreateServiceLinkedRole",
        "NotResource": f"arn:aws:iam::{ACCOUNT}:role/a"}), "identity", None, f"{S0}.NotResource"),
    ("CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE", WARNING, doc({
        "Effect": "Allow", "Action": "iam:Create*",
        "NotResource": f"arn:aws:iam::{ACCOUNT}:role/a"}), "identity", None, f"{S0}.NotResource"),
    ("CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE", WARNING, doc(allow("iam:Create*", "*")),
     "identity", None, f"{S0}.Resource"),
    ("CREATE_SLR_WITH_STAR_IN_RESOURCE", WARNING,
     doc(allow("iam:CreateServiceLinkedRole", "*")), "identity", None, f"{S0}.Resource"),
    ("CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", WARNING,
     doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}),
     "identity", None, f"{S0}.Resource"),
    ("INVALID_DATE_VALUE", WARNING, doc(when("DateLessThan", "aws:CurrentTime", "1767225600")),
     "identity", None, f'{S0}.Condition.DateLessThan["aws:CurrentTime"]'),
    ("INVALID_ROLE_REFERENCE", WARNING, trust({"AWS": "AROA1234567890EXAMPLE"}), "trust", None,
     f"{S0}.Principal.AWS"),
    ("INVALID_USER_REFERENCE", WARNING, doc({
        "Effect": "Allow", "Principal": {"AWS": ["AIDA1234567890EXAMPLE"]},
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::receipts/*"}), "resource", None,
     f"{S0}.Principal.AWS[0]"),
    ("TYPE_MISMATCH", WARNING, doc(when("StringEquals", "aws:MultiFactorAuthPresent", "true")),
     "identity", None, f'{S0}.Condition.StringEquals["aws:MultiFactorAuthPresent"]'),
    ("TYPE_MISMATCH_BOOLEAN", WARNING, doc(when("Bool", "aws:SecureTransport", "yes")),
     "identity", None, f'{S0}.Condition.Bool["aws:SecureTransport"]'),
    ("TYPE_MISMATCH_NUMBER", WARNING,
     doc(when("NumericLessThan", "s3:max-keys", "ten", "s3:ListBucket")),
     "identity", None, f'{S0}.Condition.NumericLessThan["s3:max-keys"]'),
    ("TYPE_MISMATCH_STRING", WARNING,
     doc(when("BinaryEquals", "aws:username", "not base64!")),
     "identity", None, f'{S0}.Condition.BinaryEquals["aws:username"]'),
    # ---- SUGGESTION
    ("ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", SUGGESTION, doc({
        "Effect": "Allow", "NotAction": "iam:*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/team": "data"}}}),
     "identity", None, f'{S0}.Condition.StringEquals["aws:ResourceTag/team"]'),
    ("ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", SUGGESTION, doc(allow(
        ["ec2:StartInstances", "ec2:DescribeInstances"], "*",
        Condition={"StringEquals": {"aws:ResourceTag/team": "data"}})),
     "identity", None, f'{S0}.Condition.StringEquals["aws:ResourceTag/team"]'),
    ("EMPTY_ARRAY_CONDITION_FORALLVALUES", SUGGESTION,
     doc(when("ForAllValues:StringEquals", "aws:TagKeys", [])),
     "identity", None, f'{S0}.Condition["ForAllValues:StringEquals"]["aws:TagKeys"]'),
    ("EMPTY_ARRAY_CONDITION_FORANYVALUE", SUGGESTION,
     doc(when("ForAnyValue:StringEquals", "aws:TagKeys", [])),
     "identity", None, f'{S0}.Condition["ForAnyValue:StringEquals"]["aws:TagKeys"]'),
    ("EMPTY_ARRAY_CONDITION_IFEXISTS", SUGGESTION,
     doc(when("StringEqualsIfExists", "aws:username", [])),
     "identity", None, f'{S0}.Condition.StringEqualsIfExists["aws:username"]'),
    ("EMPTY_SID_VALUE", SUGGESTION, doc(allow(Sid="")), "identity", None, f"{S0}.Sid"),
    ("IMPROVE_IP_RANGE", SUGGESTION, doc(when("IpAddress", "aws:SourceIp", "203.0.113.7/24")),
     "identity", None, f'{S0}.Condition.IpAddress["aws:SourceIp"]'),
    ("NULL_WITH_QUALIFIER", SUGGESTION, doc(when("ForAllValues:Null", "aws:TagKeys", "false")),
     "identity", None, f'{S0}.Condition["ForAllValues:Null"]'),
    ("PRIVATE_IP_ADDRESS_SUBSET", SUGGESTION,
     doc(when("IpAddress", "aws:SourceIp", ["203.0.113.0/24", "10.0.0.0/8"])),
     "identity", None, f'{S0}.Condition.IpAddress["aws:SourceIp"]'),
    ("PRIVATE_NOT_IP_ADDRESS_SUBSET", SUGGESTION,
     doc(when("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24", "10.0.0.0/8"])),
     "identity", None, f'{S0}.Condition.NotIpAddress["aws:SourceIp"]'),
    ("REDUNDANT_CONDITION_VALUE_NUM", SUGGESTION,
     doc(when("NumericLessThan", "aws:MultiFactorAuthAge", ["2700", "3600"])),
     "identity", None, f'{S0}.Condition.NumericLessThan["aws:MultiFactorAuthAge"]'),
]


def test_every_check_has_a_case():
    assert sorted(CHECKS) == sorted(case[0] for case in CASES)


def test_every_check_is_documented_with_its_title():
    from pathlib import Path
    text = (Path(__file__).resolve().parents[2] / "docs" / "validation.md").read_text("utf-8")
    for code, (_, title) in CHECKS.items():
        assert f"| `{code}` | {title} |" in text, code


@pytest.mark.parametrize(("code", "level", "document", "kind", "resource_type", "path"), CASES,
                         ids=[case[0] for case in CASES])
def test_check(code, level, document, kind, resource_type, path):
    text = json.dumps(document, indent=4)
    found = [f for f in validate(text, kind, resource_type) if f.code == code]
    assert found, [(f.level, f.code) for f in validate(text, kind, resource_type)]
    finding = found[0]
    assert (finding.level, finding.location.path) == (level, path)
    assert finding.title == CHECKS[code][1]
    assert finding.message.startswith(f"{finding.title}: ")
    assert not finding.blocking
    # The location is the element's place in the text (1-based line and column).
    line = text.splitlines()[finding.location.line - 1]
    assert line[finding.location.column - 1] in '"{['
    Policy.from_json(text, kind=kind)  # IAM accepts every one of these documents


def test_the_issue_examples_are_errors():
    examples = [
        (doc(allow("iam:GetRole", "arn:aws:iam::12345:role/app")), "identity"),
        (doc(when("StringEquals", "aws:NotARealKey", "x")), "identity"),
        (doc(when("StringEquals", "aws:TagKeys", "team")), "identity"),
        (doc(when("Bool", "aws:SecureTransport", ["true", "false"])), "identity"),
        (doc(when("IpAddress", "aws:SourceIp", "10.1.0.0/16")), "identity"),
        (doc(allow(resource="arn:aws:s3:::receipts/${}")), "identity"),
        (doc({"Effect": "Allow", "NotPrincipal": {"AWS": ACCOUNT},
              "Action": "sts:AssumeRole"}), "trust"),
        (trust({"Federated": SAML}, "sts:AssumeRoleWithWebIdentity"), "trust"),
    ]
    for document, kind in examples:
        levels = {f.level for f in validate(document, kind)}
        assert ERROR in levels, document


def test_the_trust_checks_run_for_the_trust_resource_type():
    document = trust({"Federated": SAML}, "sts:AssumeRoleWithWebIdentity")
    found = validate(document, "resource", "AWS::IAM::AssumeRolePolicyDocument")
    assert "MISMATCHED_ACTION_FOR_PRINCIPAL" in [f.code for f in found]


def test_messages_in_aws_words_from_real_validate_policy_output():
    """findingDetails quoted from a published ValidatePolicy scan (INVALID_ACTION,
    REDUNDANT_ACTION, MISSING_ARN_FIELD), with the console's title in front."""
    found = {f.code: f.message for f in validate(doc(
        allow(["athena:RunQuerys", "cognito-idp:Describe*", "cognito-idp:DescribeUserPool"],
              "arn:aws:s3")))}
    assert found["INVALID_ACTION"] == ("Invalid action: The action athena:RunQuerys does not "
                                       "exist.")
    assert found["REDUNDANT_ACTION"] == (
        "Redundant action: The 2 action(s) are redundant because they provide similar "
        "permissions. Update the policy to remove the redundant action such as: "
        "cognito-idp:DescribeUserPool.")
    assert found["MISSING_ARN_FIELD"] == (
        "Missing ARN field: Resource ARNs must include at least 6 fields and include the "
        "following structure: arn:partition:service:region:account:resource.")


def test_the_aws_cli_validate_policy_example():
    """aws-cli's own example of ``aws accessanalyzer validate-policy`` (a Cognito role's trust
    policy, awscli/examples/accessanalyzer/validate-policy.rst): the same findings, codes,
    levels, paths and AWS's messages, as a role trust policy."""
    text = json.dumps(doc({
        "Sid": "", "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": ["sts:AssumeRole", "sts:TagSession"],
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-west-2_EXAMPLE"}}}),
        indent=4)
    found = validate(text, "resource", "AWS::IAM::AssumeRolePolicyDocument")
    by_code = {f.code: f for f in found}
    assert by_code["EMPTY_SID_VALUE"].level == SUGGESTION
    assert by_code["EMPTY_SID_VALUE"].message == (
        "Empty Sid value: Add a value to the empty string in the Sid element.")
    assert (by_code["EMPTY_SID_VALUE"].location.line,
            by_code["EMPTY_SID_VALUE"].location.path) == (5, f"{S0}.Sid")
    mismatch = by_code["MISMATCHED_ACTION_FOR_PRINCIPAL"]
    assert (mismatch.level, mismatch.location.path) == (ERROR, f"{S0}.Action[0]")
    assert mismatch.message == (
        "Mismatched action for principal: The sts:AssumeRole action is invalid with the "
        "following principal(s): cognito-identity.amazonaws.com. Use a SAML provider principal "
        "with the sts:AssumeRoleWithSAML action or use an OIDC provider principal with the "
        "sts:AssumeRoleWithWebIdentity action. Ensure the provider is Federated if you use "
        "either of the two options.")
    unsupported = by_code["UNSUPPORTED_ACTION_FOR_CONDITION_KEY"]
    assert (unsupported.level, unsupported.location.path) == (
        ERROR, f'{S0}.Condition.StringEquals["cognito-identity.amazonaws.com:aud"]')
    assert unsupported.message == (
        "Unsupported action for condition key: The following actions: sts:TagSession are not "
        "supported by the condition key cognito-identity.amazonaws.com:aud. The condition will "
        "not be evaluated for these actions. We recommend that you move these actions to a "
        "different statement without this condition key.")
    assert sorted(by_code) == ["EMPTY_SID_VALUE", "MISMATCHED_ACTION_FOR_PRINCIPAL",
                               "UNSUPPORTED_ACTION_FOR_CONDITION_KEY"]  # as AWS reports it
    assert not [f for f in found if f.blocking]  # IAM's trust policy grammar accepts it


def test_an_unknown_resource_type_is_an_error():
    (finding,) = validate(bucket(), "resource", "AWS::S3::Bukket")
    assert (finding.level, finding.code) == (ERROR, "INVALID_RESOURCE_TYPE")
    assert sorted(RESOURCE_TYPES) == sorted([
        "AWS::S3::Bucket", "AWS::IAM::AssumeRolePolicyDocument", "AWS::S3::AccessPoint",
        "AWS::S3::MultiRegionAccessPoint", "AWS::S3ObjectLambda::AccessPoint",
        "AWS::DynamoDB::Table", "AWS::DynamoDB::Stream"])


def test_arn_formats_include_resource_types_no_action_names():
    found = validate(doc(allow("apigateway:GET", "arn:aws:apigateway:*::/account")))
    assert not [f.code for f in found if f.code in CHECKS]


def test_the_old_positional_contract_still_works():
    assert validate(doc(allow()), "identity") == validate(doc(allow()), kind="identity")
    assert validate(doc(allow()), max_size=0) == []


CLEAN: list[tuple[str, dict[str, Any], str, str | None]] = [
    ("bucket objects", doc(allow("s3:GetObject", "arn:aws:s3:::receipts/*"),
                           allow("s3:ListBucket", "arn:aws:s3:::receipts")), "identity", None),
    ("iam role with path and account", doc(allow(
        "iam:GetRole", f"arn:aws:iam::{ACCOUNT}:role/division/app")), "identity", None),
    ("wildcard account and region", doc(allow(
        "ec2:StartInstances", "arn:aws:ec2:*:*:instance/*")), "identity", None),
    ("aws managed policy arn", doc(allow(
        "iam:GetPolicy", "arn:aws:iam::aws:policy/ReadOnlyAccess")), "identity", None),
    ("variable in the resource part", doc(allow(
        "s3:GetObject", "arn:aws:s3:::home/${aws:username}/*")), "identity", None),
    ("variable with a default", doc(allow(
        "s3:GetObject", "arn:aws:s3:::home/${aws:username, 'nobody'}/*")), "identity", None),
    ("tag keys with a qualifier and Null", doc(allow("iam:TagUser", "*", Condition={
        "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]},
        "Null": {"aws:TagKeys": "false"}})), "identity", None),
    ("public source ip", doc(when("IpAddress", "aws:SourceIp", ["54.240.143.0/24",
                                                             "2001:db8::/32"])),
     "identity", None),
    ("one boolean", doc(when("Bool", "aws:SecureTransport", "true")), "identity", None),
    ("tag key templates", doc(when("StringEquals", "aws:ResourceTag/team", "data")),
     "identity", None),
    ("object tag key templates", doc(when("StringEquals", "s3:ExistingObjectTag/team", "data")),
     "identity", None),
    ("aws-owned ssm documents have no account", doc(allow(
        "ssm:StartAutomationExecution", "arn:aws:ssm:*::automation-definition/AWS-*:*")),
     "identity", None),

    ("service key the action supports", doc(when("StringLike", "s3:prefix", "home/*",
                                                 "s3:ListBucket")), "identity", None),
    ("passed-to-service", doc(allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app",
                                    Condition={"StringEquals": {
                                        "iam:PassedToService": "ec2.amazonaws.com"}})),
     "identity", None),
    ("service trust", trust({"Service": "ec2.amazonaws.com"}), "trust", None),
    ("saml trust", trust({"Federated": SAML}, "sts:AssumeRoleWithSAML", Condition={
        "StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}), "trust", None),
    ("oidc trust", trust({"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/"
                                       "token.actions.githubusercontent.com"},
                         "sts:AssumeRoleWithWebIdentity", Condition={"StringEquals": {
                             "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}),
     "trust", None),
    ("bucket policy", bucket(["s3:GetObject", "s3:PutObject"]), "resource", "AWS::S3::Bucket"),
    ("table policy", doc({"Effect": "Allow", "Principal": {"AWS": ACCOUNT},
                          "Action": "dynamodb:GetItem",
                          "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Receipts"}),
     "resource", "AWS::DynamoDB::Table"),
    ("deny not ip", doc({"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {
        "NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"},
        "Bool": {"aws:ViaAWSService": "false"}}}), "identity", None),
    ("vpc and vpce ids, and a vpc pattern", doc(allow(Condition={
        "StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d",
                         "aws:SourceVpce": ["vpce-1a2b3c4d", "vpce-0123456789abcdef0"]},
        "StringLike": {"aws:username": "a*"}})),
     "identity", None),
    ("vpc pattern", doc(when("StringLike", "aws:SourceVpc", "vpc-*")), "identity", None),
    ("kms via service", doc(allow("kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k1",
                                  Condition={"StringEquals": {
                                      "kms:ViaService": "s3.us-east-1.amazonaws.com"}})),
     "identity", None),
    ("service principal names", doc(when("StringLike", "aws:PrincipalServiceName",
                                         ["cloudtrail.amazonaws.com", "*.amazonaws.com"])),
     "identity", None),
    ("keys of any oidc provider", trust(
        {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/"
                      "oidc.eks.us-east-1.amazonaws.com/id/AB"},
        "sts:AssumeRoleWithWebIdentity", Condition={"StringEquals": {
            "oidc.eks.us-east-1.amazonaws.com/id/AB:sub": "system:serviceaccount:ns:app",
            "idp.example.com:aud": "portal"}}), "trust", None),
    ("web identity trust", trust({"Federated": "cognito-identity.amazonaws.com"},
                                 "sts:AssumeRoleWithWebIdentity", Condition={"StringEquals": {
                                     "cognito-identity.amazonaws.com:aud": "us-east-1:abc"}}),
     "trust", None),
    ("space in a default value", doc(allow(
        resource="arn:aws:s3:::home/${aws:username, 'no one'}/*")), "identity", None),
    ("aws-owned ssm documents and public parameters", doc(allow(
        "ssm:SendCommand", ["arn:aws:ssm:*::document/AWS-RunShellScript",
                            "arn:aws:ssm:*::parameter/aws/service/*"])), "identity", None),
    ("one numeric bound", doc(when("NumericLessThan", "aws:MultiFactorAuthAge", "3600")),
     "identity", None),
    ("a date", doc(when("DateLessThan", "aws:CurrentTime", "2026-12-31T00:00:00Z")),
     "identity", None),
    ("slr of one service", doc(allow(
        "iam:CreateServiceLinkedRole",
        "arn:aws:iam::*:role/aws-service-role/ecs.amazonaws.com/*")), "identity", None),
    ("deny on tags the actions support", doc({
        "Effect": "Deny", "Action": ["ec2:TerminateInstances", "s3:DeleteBucket"],
        "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/status": "x"}}}),
     "identity", None),
    ("vpc source ip with its vpc", doc(allow(Condition={
        "IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"},
        "StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}})), "identity", None),
    ("scp", doc({"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*",
                 "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}),
     "scp", None),
]


@pytest.mark.parametrize(("title", "document", "kind", "resource_type"), CLEAN,
                         ids=[case[0] for case in CLEAN])
def test_no_finding(title, document, kind, resource_type):
    assert validate(document, kind, resource_type) == []


# (code, document, kind): documents close to a check's case that must not raise it.
NOT_REPORTED: list[tuple[str, dict[str, Any], str]] = [
    ("MISSING_ARN_FIELD", doc(allow("iam:GetRole", "arn:aws:iam::*")), "identity"),  # IAM's
    ("INVALID_ARN_PREFIX", doc(allow(resource="s3:::receipts/*")), "identity"),  # IAM's
    ("MISSING_ARN_ACCOUNT", doc(allow("ec2:RunInstances",
                                      "arn:aws:ec2:us-east-1::image/ami-0abc")), "identity"),
    ("MISSING_ARN_ACCOUNT", doc(allow("kms:Decrypt", "arn:aws:kms:*::*")), "identity"),
    # ARN formats whose ARN names another service than the one listing them
    ("INVALID_ARN_RESOURCE", doc({"Effect": "Deny", "Action": "iam:GetUser",
                                  "NotResource": "arn:aws:iam::*:root"}), "identity"),
    ("INVALID_ARN_RESOURCE", doc(allow("q:GetPlugin",
                                       "arn:aws:qdeveloper:*:*:plugin/GitLabDuo/*")), "identity"),
    ("INVALID_SERVICE", doc(allow("aws-marketplace:ListEntities",
                                  "arn:aws:catalog:*:*:*/*")), "identity"),
    ("INVALID_CONDITION_DATA_TYPE", doc(when("StringEquals", "aws:username", ["a", "b"])),
     "identity"),
    ("NULL_WITH_QUALIFIER", doc(when("Null", "aws:TagKeys", "false")), "identity"),
    ("TYPE_MISMATCH", doc(when("BoolIfExists", "aws:MultiFactorAuthPresent", "false")),
     "identity"),
    ("TYPE_MISMATCH", doc(when("Null", "aws:MultiFactorAuthPresent", "true")), "identity"),
    ("TYPE_MISMATCH", doc(when("DateGreaterThan", "aws:EpochTime", "2026-01-01")), "identity"),
    ("IMPROVE_IP_RANGE", doc(when("IpAddress", "aws:SourceIp", ["203.0.113.7",
                                                                "2001:db8::/32"])), "identity"),
    ("REDUNDANT_CONDITION_VALUE_NUM", doc(when("NumericEquals", "aws:MultiFactorAuthAge",
                                               ["60", "120"])), "identity"),
    ("PRIVATE_IP_ADDRESS_SUBSET", doc(when("IpAddress", "aws:VpcSourceIp",
                                           ["10.0.0.0/8", "203.0.113.0/24"])), "identity"),
    ("EMPTY_ARRAY_CONDITION", doc(when("ForAnyValue:StringEquals", "aws:TagKeys", [])),
     "identity"),
    ("UNSUPPORTED_SPACE_IN_VARIABLE", doc(allow(resource="arn:aws:s3:::home/${aws: username}"),
                                          version="2008-10-17"), "identity"),
    ("INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY",
     trust({"Federated": "www.amazon.com"}, "sts:AssumeRoleWithWebIdentity"), "trust"),
    ("INVALID_CONDITION_KEY_FORMAT", trust({"Federated": SAML}, "sts:AssumeRoleWithSAML",
                                           Condition={"StringEquals": {"SAML:aud": "x"}}),
     "trust"),
    ("CREATE_SLR_WITH_STAR_IN_RESOURCE", doc({"Effect": "Deny", "Action": "iam:*",
                                              "Resource": "*"}), "identity"),
    ("ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", doc(allow(
        "s3:GetObject", "*", Condition={"StringEquals": {"aws:RequestTag/team": "x"}})),
     "identity"),
]


@pytest.mark.parametrize(("code", "document", "kind"), NOT_REPORTED,
                         ids=[f"{case[0]}-{i}" for i, case in enumerate(NOT_REPORTED)])
def test_not_reported(code, document, kind):
    assert code not in [f.code for f in validate(document, kind)]


def test_one_finding_for_one_mistake():
    """IAM's own resource error is the only finding on an ARN IAM refuses."""
    found = validate(doc(allow("iam:GetRole", "arn:aws:iam::*")))
    assert [(f.code, f.blocking) for f in found] == [("INVALID_RESOURCE", True)]


def test_validating_a_full_size_policy_is_fast():
    """A 6,144-character policy (the managed policy quota) is validated in well under 10 ms
    once the catalogue is loaded; measured as the best of a few runs, with a wide margin."""
    statements = [allow([f"s3:Get{name}" for name in ("Object", "ObjectAcl", "ObjectTagging")],
                        [f"arn:aws:s3:::bucket-{i}/*"], Sid=f"S{i}",
                        Condition={"StringEquals": {"aws:ResourceTag/team": f"t{i}"},
                                   "IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})
                  for i in range(40)]
    text = json.dumps(doc(*statements), separators=(",", ":"))
    while len(text) > 6144:
        statements.pop()
        text = json.dumps(doc(*statements), separators=(",", ":"))
    validate(text)  # warm the catalogue
    best = min(_timed(text) for _ in range(5))
    assert len(text) > 5800
    assert best < 0.05, best  # the figure (about 3 ms) is in benchmarks/validation.py


def _timed(text: str) -> float:
    started = time.perf_counter()
    validate(text)
    return time.perf_counter() - started


@pytest.mark.parametrize("document", [
    # AWS's own CloudWatch policies name IAM role templates (iam:RoleTemplateARN).
    doc(allow("iam:CreateRole",
              "arn:aws:iam::aws:role-template/cloudwatch.amazonaws.com/"
              "CloudWatchOmniAWSIntegrationForOrgRoleTemplate:1")),
    # Global keys AWS's managed policies use that the reference's list leaves out.
    doc(when("Bool", "aws:IsMcpServiceAction", "true")),
    doc(when("StringEquals", "aws:PrincipalOrgMasterAccountId", ACCOUNT)),
])
def test_documents_aws_itself_writes_raise_no_error(document):
    findings = validate(document, "identity")
    assert [f.code for f in findings if f.level == ERROR] == []
    Policy.from_json(json.dumps(document))


def test_an_unknown_iam_resource_type_is_still_iams_error():
    findings = validate(doc(allow("iam:CreateRole", "arn:aws:iam::aws:gadget/x")), "identity")
    assert any(f.blocking for f in findings)
