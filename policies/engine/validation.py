"""Validate a policy: IAM's own checks (ERROR) plus Access Analyzer-style lints.

:func:`validate` never raises. ERROR findings come first, the one IAM would report first
leading; the other findings follow in document order. The lints run on a document with
ERRORs too (as Access Analyzer reports everything at once), unless it could not be read
as a policy or is over its size quota. ``Policy.from_json`` raises
:class:`PolicyError` exactly when :func:`validate` returns a blocking ERROR.

Access Analyzer's checks are listed in :data:`CHECKS` (issue code -> level and AWS's title;
those added last live in ``aa_checks.py``); the portal's own lints (no title) are
``EVERYONE_WITHOUT_CONDITION``, ``ALLOW_NOT_ACTION``, ``ALLOW_NOT_RESOURCE``,
``MFA_BOOL_FALSE``, ``USE_BOOL_IF_EXISTS``, ``UNKNOWN_OPERATOR_IGNORED``,
``SET_OPERATOR_ON_SINGLE_VALUED_KEY``, ``FOR_ALL_VALUES_WITH_ALLOW``, ``LEGACY_VERSION``,
``SID_CHARACTERS``, ``VARIABLE_OUTSIDE_RESOURCE_PART``, ``MALFORMED_VARIABLE``,
``NO_APPLICABLE_RESOURCE``, ``NULL_IGNORED``, ``TOP_LEVEL_CONDITIONS``. docs/validation.md
has every code, its level and an example.

Standard library only: no Django (see STYLE.md, P2).
"""

from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
import json
import re
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

from .aa_checks import MORE_CHECKS, MoreChecks
from . import aa_checks
from .compiled import CompiledStatement, compile_document, infer_kind
from .conditions import parse_number, parse_operator
from .document import Document, StatementNode, check, key_path, strings_of, to_text
from .findings import ERROR, LEVELS, SECURITY_WARNING, SUGGESTION, WARNING, Finding
from .jsontext import JsonSyntaxError, Node
from .matching import compile_regex, glob_regex, globs_overlap, pieces_regex
from .variables import parse_template

__all__ = ["CHECKS", "RESOURCE_TYPES", "validate"]

_SINGLE_VALUED = frozenset({
    "aws:username", "aws:userid", "aws:principalarn", "aws:principalaccount",
    "aws:principaltype", "aws:sourceip", "aws:multifactorauthpresent",
    "aws:multifactorauthage", "aws:securetransport", "aws:currenttime", "aws:epochtime",
    "aws:requestedregion", "aws:tokenissuetime", "aws:viaawsservice", "aws:sourcearn",
    "aws:sourceaccount", "aws:principalorgid", "aws:sourcevpc", "aws:sourcevpce",
    "aws:useragent", "aws:referer", "aws:resourceaccount", "sts:externalid",
    "iam:passedtoservice"})
_SINGLE_VALUED_PREFIXES = ("aws:requesttag/", "aws:resourcetag/", "aws:principaltag/",
                           "iam:resourcetag/")
_MULTI_VALUED = frozenset({"aws:tagkeys", "aws:calledvia", "aws:principalorgpaths",
                           "aws:principalserviceNamesList".lower()})
_MAX_PAIRWISE = 200  # statements compared pairwise for redundancy
_TEMPLATE_VARIABLE = re.compile(r"\$\{[^}]*\}")  # ${BucketName} in an ARN template
_TYPES_NAMED = 3  # resource types a NO_APPLICABLE_RESOURCE message names
_PLACEHOLDER = re.compile(r"(\$\{[^}]*\}|<[^>]*>)")  # ${TagKey}, <key> in key templates
_VARIABLE_BODY = re.compile(r"\$\{([^}]*)\}")
_QUOTED_DEFAULT = re.compile(r"\s*'[^']*'\s*")
_UNCLOSED_VARIABLE = re.compile(r"\$\{[^}]*$")  # "${aws:username" without its "}"
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
#: What a Region code looks like (us-east-1, ap-southeast-4, us-gov-west-1, cn-north-1, ...).
_REGION = re.compile(r"(?:us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov|us-iso|us-isob|eusc)"
                     r"-[a-z]+-[0-9]{1,2}")
_WILD = ("*", "?", "${")
#: Services whose AWS-owned resources have ARNs without an account, in AWS's own managed
#: policies (SSM's public documents and parameters, arn:aws:ssm:*::document/AWS-*;
#: Resource Explorer's service views; KMS): no MISSING_ARN_ACCOUNT for them.
_AWS_OWNED_WITHOUT_ACCOUNT = frozenset({"ssm", "resource-explorer-2", "kms"})

#: Access Analyzer's checks the portal implements: issue code -> (level, AWS's title).
#: Codes not listed here are IAM's own errors (blocking) or the portal's own lints.
CHECKS: dict[str, tuple[str, str]] = {
    # Errors: shown as errors, block the console's "Next"; IAM accepts the document.
    "ARN_ACCOUNT_NOT_ALLOWED": (ERROR, "ARN account not allowed"),
    "ARN_REGION_NOT_ALLOWED": (ERROR, "ARN Region not allowed"),
    "DUPLICATE_KEYS_WITH_DIFFERENT_CASE": (ERROR, "Duplicate keys with different case"),
    "EMPTY_VARIABLE": (ERROR, "Empty variable"),
    "INVALID_ACTION": (ERROR, "Invalid action"),
    "INVALID_ARN_ACCOUNT": (ERROR, "Invalid ARN account"),
    "INVALID_ARN_REGION": (ERROR, "Invalid ARN Region"),
    "INVALID_ARN_RESOURCE": (ERROR, "Invalid ARN resource"),
    "INVALID_ARN_SERVICE_CASE": (ERROR, "Invalid ARN service case"),
    "INVALID_CONDITION_MULTIPLE_BOOLEAN": (ERROR, "Invalid condition multiple Boolean"),
    "INVALID_GLOBAL_CONDITION_KEY": (ERROR, "Invalid global condition key"),
    "INVALID_SERVICE_CONDITION_KEY": (ERROR, "Invalid service condition key"),
    "INVALID_SERVICE_IN_ACTION": (ERROR, "Invalid service in action"),
    "INVALID_VARIABLE_FOR_OPERATOR": (ERROR, "Invalid variable for operator"),
    "MISMATCHED_ACTION_FOR_PRINCIPAL": (ERROR, "Mismatched action for principal"),
    "MISSING_ARN_REGION": (ERROR, "Missing ARN Region"),
    "MISSING_BRACE_IN_VARIABLE": (ERROR, "Missing brace in variable"),
    "MISSING_QUALIFIER": (ERROR, "Missing qualifier"),
    "MISSING_QUOTE_IN_VARIABLE": (ERROR, "Missing quote in variable"),
    "PRIVATE_IP_ADDRESS": (ERROR, "Private IP address"),
    "PRIVATE_NOT_IP_ADDRESS": (ERROR, "Private NotIpAddress"),
    "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL": (
        ERROR, "Role trust policy syntax error notprincipal"),
    "TYPE_MISMATCH_IP_RANGE": (ERROR, "Type mismatch IP range"),
    "UNSUPPORTED_ACTION_FOR_CONDITION_KEY": (ERROR, "Unsupported action for condition key"),
    "UNSUPPORTED_ACTION_IN_POLICY": (ERROR, "Unsupported action in policy"),
    "UNSUPPORTED_RESOURCE_ARN_IN_POLICY": (ERROR, "Unsupported resource ARN in policy"),
    "VARIABLE_UNSUPPORTED_IN_VERSION": (ERROR, "Variable unsupported in version"),
    # Security warnings.
    "ALLOW_WITH_NOT_PRINCIPAL": (SECURITY_WARNING, "Allow with NotPrincipal"),
    "FORALLVALUES_WITH_SINGLE_VALUED_KEY": (SECURITY_WARNING,
                                            "ForAllValues with single valued key"),
    "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE": (
        SECURITY_WARNING, "Pass role with NotAction and NotResource"),
    "PASS_ROLE_WITH_NOT_RESOURCE": (SECURITY_WARNING, "Pass role with NotResource"),
    "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE": (
        SECURITY_WARNING, "Pass role with star in action and NotResource"),
    "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE": (
        SECURITY_WARNING, "Pass role with star in action and resource"),
    "PASS_ROLE_WITH_STAR_IN_RESOURCE": (SECURITY_WARNING, "Pass role with star in resource"),
    "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION": (
        SECURITY_WARNING, "Pass role with star in resource and NotAction"),
    # General warnings.
    "MISSING_VERSION": (WARNING, "Missing version"),
    "WILDCARD_WITHOUT_LIKE_OPERATOR": (WARNING, "Wildcard without like operator"),
    # Suggestions.
    "EMPTY_ARRAY_CONDITION": (SUGGESTION, "Empty array condition"),
    "EMPTY_OBJECT_CONDITION": (SUGGESTION, "Empty object condition"),
    "REDUNDANT_ACTION": (SUGGESTION, "Redundant action"),
    "REDUNDANT_RESOURCE": (SUGGESTION, "Redundant resource"),
    "REDUNDANT_STATEMENT": (SUGGESTION, "Redundant statement"),
    **MORE_CHECKS,  # aa_checks.py
}

TRUST_RESOURCE_TYPE = "AWS::IAM::AssumeRolePolicyDocument"
#: ValidatePolicy's validatePolicyResourceType -> the service prefixes its actions and
#: resource ARNs may name (empty: no such check).
RESOURCE_TYPES: dict[str, tuple[str, ...]] = {
    "AWS::S3::Bucket": ("s3",),
    "AWS::S3::AccessPoint": ("s3",),
    "AWS::S3::MultiRegionAccessPoint": ("s3",),
    "AWS::S3ObjectLambda::AccessPoint": ("s3-object-lambda",),
    "AWS::DynamoDB::Table": ("dynamodb",),
    "AWS::DynamoDB::Stream": ("dynamodb",),
    TRUST_RESOURCE_TYPE: (),
}

#: AWS's global condition keys (lower case), and the families of tag keys.
_GLOBAL_KEYS = frozenset(key.lower() for key in (
    "aws:AssumedRoot", "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast",
    "aws:ChatbotSourceArn", "aws:CurrentTime", "aws:Ec2InstanceSourcePrivateIPv4",
    "aws:Ec2InstanceSourceVpc", "aws:EpochTime", "aws:FederatedProvider", "aws:IsMcpServiceAction",
    "aws:MultiFactorAuthAge", "aws:MultiFactorAuthPresent", "aws:PrincipalAccount",
    "aws:PrincipalArn", "aws:PrincipalIsAWSService", "aws:PrincipalOrgID",
    "aws:PrincipalOrgMasterAccountId", "aws:PrincipalOrgPaths", "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList",
    "aws:PrincipalType", "aws:Referer", "aws:RequestedRegion", "aws:ResourceAccount",
    "aws:ResourceOrgID", "aws:ResourceOrgPaths", "aws:SecureTransport", "aws:SourceAccount",
    "aws:SourceArn", "aws:SourceIdentity", "aws:SourceIp", "aws:SourceOrgID",
    "aws:SourceOrgPaths", "aws:SourceOwner", "aws:SourceVpc", "aws:SourceVpcArn",
    "aws:SourceVpce", "aws:TagKeys", "aws:TokenIssueTime", "aws:UserAgent", "aws:userid",
    "aws:username", "aws:ViaAWSService", "aws:VpcSourceIp", "aws:VpceAccount",
    "aws:VpceOrgID", "aws:VpceOrgPaths"))
_GLOBAL_PREFIXES = ("aws:requesttag/", "aws:resourcetag/", "aws:principaltag/")
_TAG_FAMILIES = tuple(prefix.rstrip("/") for prefix in _GLOBAL_PREFIXES)
#: Operator families whose values may hold policy variables.
_VARIABLE_FAMILIES = ("String", "Arn")
#: Trust policy actions and the principal element each needs.
_ASSUME_ACTIONS = {"sts:assumerole": "AWS", "sts:assumerolewithsaml": "saml",
                   "sts:assumerolewithwebidentity": "web"}


def validate(text: object, kind: str | None = "identity", resource_type: str | None = None, *,
             max_size: int | None = None) -> list[Finding]:
    """Check a policy document. Never raises.

    Args:
        text: JSON text, UTF-8 bytes or a dict (anything else is an ERROR finding).
        kind: ``"identity"`` (managed or inline identity policy; also ``"boundary"``,
            ``"session"``), ``"trust"`` (a role's trust policy), ``"resource"`` or
            ``"scp"`` (an AWS Organizations service control policy); None to read it from
            the document as ``Policy.from_json`` does.
        resource_type: Access Analyzer's ``validatePolicyResourceType`` for a resource policy
            (one of :data:`RESOURCE_TYPES`, e.g. ``"AWS::S3::Bucket"``), or None.
            ``"AWS::IAM::AssumeRolePolicyDocument"`` runs the trust policy checks.
        max_size: size quota in non-whitespace characters (all characters for ``"scp"``):
            None for the kind's default (6144 identity, 2048 trust, 5120 scp), e.g.
            2048/5120/10240 for user/group/role inline policies, 0 for none.

    Returns:
        The findings: IAM's ERRORs first (the one IAM reports first leading), then the rest
        (Access Analyzer's checks, their ERRORs included, and the portal's own) in document
        order. A finding is ``blocking`` exactly when IAM rejects the document.
    """
    if resource_type is not None and resource_type not in RESOURCE_TYPES:
        return [Finding(ERROR, "INVALID_RESOURCE_TYPE", "Invalid resource type.",
                        detail=f"validatePolicyResourceType must be one of "
                               f"{', '.join(RESOURCE_TYPES)}; got {resource_type!r}.")]
    try:
        return _validate(text, kind, max_size, resource_type)
    except Exception as error:  # noqa: BLE001 - a validator must answer, whatever it is given
        return [Finding(ERROR, "INTERNAL_ERROR", "Syntax errors in policy.",
                        detail=f"The validator could not read this document ({error!r}).")]


def _validate(document: object, kind: str | None, max_size: int | None,
              resource_type: str | None = None) -> list[Finding]:
    try:
        text = to_text(document)
    except JsonSyntaxError as error:
        return [Finding(ERROR, "INVALID_JSON", "Syntax errors in policy.", detail=str(error))]
    if kind is None:
        kind = infer_kind(text)
    if resource_type == TRUST_RESOURCE_TYPE and kind == "resource":
        kind = "trust"  # a role trust policy: IAM's grammar for trust policies applies
    parsed, errors = check(text, kind, max_size)
    if parsed is None or any(f.code == "POLICY_SIZE_EXCEEDED" for f in errors):
        return errors
    try:
        lints = _Lints(parsed, kind, resource_type)
        lints.run()
    except Exception:  # noqa: BLE001 - a document IAM refuses may be too broken to lint
        if not errors:
            raise
        return errors
    rank = {level: position for position, level in enumerate(LEVELS)}
    return errors + sorted(lints.found, key=lambda f: (f.location.line, f.location.column,
                                                       rank[f.level]))


class _Lints(MoreChecks):
    def __init__(self, document: Document, kind: str, resource_type: str | None = None
                 ) -> None:
        self.doc = document
        self.kind = kind
        self.trust = kind == "trust" or resource_type == TRUST_RESOURCE_TYPE
        self.services = RESOURCE_TYPES.get(resource_type or "", ())
        self.body = compile_document(document)
        self.found: list[Finding] = []

    def add(self, level: str, code: str, message: str, node: Node | int, path: str,
            st: StatementNode | None = None) -> None:
        """Record a finding; Access Analyzer's codes carry AWS's title and level
        (:data:`CHECKS`), and a message led by the title, as the console shows it."""
        offset = node if isinstance(node, int) else node.start
        title = ""
        if code in CHECKS:
            level, title = CHECKS[code]
            message = f"{title}: {message}"
        self.found.append(Finding(level, code, message, self.doc.location(offset, path, st),
                                  blocking=False, title=title))

    def run(self) -> None:
        self.document_level()
        compiled = self.body.statements
        for st, statement in zip(self.doc.statements, compiled, strict=True):
            self.statement_level(st, statement)
            self.conditions(st, statement)
            self.variables(st)
            self.unknown_actions(st)
            self.applicable_resources(st)
            self.arns(st)
            self.redundant_values(st)
            self.condition_keys(st)
            if self.trust:
                self.trust_checks(st)
            if self.services:
                self.resource_type_checks(st)
            self.more_checks(st, statement)
        self.duplicates(compiled)

    # ------------------------------------------------------------ document

    def document_level(self) -> None:
        root = self.doc.root
        version = root.get("Version")
        if version is None:
            self.add(WARNING, "MISSING_VERSION",
                     'The policy has no Version: add "Version": "2012-10-17". Without it IAM '
                     "uses the 2008-10-17 language, in which policy variables are plain text.",
                     root.start, "$")
        elif version.text == "2008-10-17":
            self.add(SUGGESTION, "LEGACY_VERSION",
                     'Version 2008-10-17 is the legacy policy language: use "2012-10-17", '
                     "which also supports policy variables.", version.start, "$.Version")
        member = root.member("Conditions")
        if member is not None:
            self.add(WARNING, "TOP_LEVEL_CONDITIONS",
                     "A top-level Conditions element is accepted but ignored: conditions "
                     "belong in a statement's Condition element.", member.key_start,
                     "$.Conditions")

    # ------------------------------------------------------------ statement

    def statement_level(self, st: StatementNode, statement: CompiledStatement) -> None:
        allow = statement.allow
        for element, code, text in (
                ("NotAction", "ALLOW_NOT_ACTION",
                 ("Allow with NotAction allows every action not listed, including those of "
                  "other services and actions AWS adds later; list the allowed actions "
                  "instead.")),
                ("NotResource", "ALLOW_NOT_RESOURCE",
                 ("Allow with NotResource allows every resource not listed, including ones "
                  "created later; list the allowed resources instead.")),
                ("NotPrincipal", "ALLOW_WITH_NOT_PRINCIPAL",
                 ('Using Allow with NotPrincipal can be overly permissive. We recommend that '
                  'you use Principal instead.'))):
            member = st.node.member(element)
            if allow and member is not None:
                self.add(WARNING, code, text, member.key_start, f"{st.path}.{element}", st)
        sid = st.get("Sid")
        if sid is not None and "_" in sid.text and self.kind != "resource":
            self.add(WARNING, "SID_CHARACTERS",
                     "IAM documents Sids as letters and digits only ([0-9A-Za-z]*); drop the "
                     "underscores to be safe.", sid, f"{st.path}.Sid", st)
        for element in ("Action", "NotAction", "Resource", "NotResource"):
            for value, node, path in strings_of(st.get(element), f"{st.path}.{element}"):
                if value is None:
                    self.add(WARNING, "NULL_IGNORED",
                             f"null in {element} is ignored.", node, path, st)
        if allow and self._passes_role_everywhere(statement):
            node = st.get("Resource") or st.get("NotResource") or st.node
            element = "Resource" if st.get("Resource") is not None else "NotResource"
            code, text = _pass_role_check(st, statement)
            self.add(SECURITY_WARNING, code, text, node, f"{st.path}.{element}", st)
        if allow and self.kind in ("trust", "resource") and statement.principals is not None \
                and statement.principals.everyone and not statement.not_principal \
                and not statement.conditions:
            principal = st.get("Principal") or st.node
            self.add(SECURITY_WARNING, "EVERYONE_WITHOUT_CONDITION",
                     'This statement allows everyone ("Principal": "*"), including anonymous '
                     "callers and other accounts; add a condition such as aws:PrincipalOrgID "
                     "or aws:PrincipalAccount, or name the principals.",
                     principal, f"{st.path}.Principal", st)

    @staticmethod
    def _passes_role_everywhere(statement: CompiledStatement) -> bool:
        if statement.actions.matches("iam", "passrole") == statement.not_action:
            return False
        resources = statement.resources
        if resources is None:
            return False
        if statement.not_resource:
            return not resources.match_all
        return resources.match_all

    # ------------------------------------------------------------ conditions

    def conditions(self, st: StatementNode, statement: CompiledStatement) -> None:
        condition = st.get("Condition")
        if condition is None:
            return
        base = f"{st.path}.Condition"
        null_keys = {key.key.lower() for op in condition.members if op.key == "Null"
                     for key in op.value.members}
        for operator in condition.members:
            op_path = key_path(base, operator.key)
            spec = parse_operator(operator.key)
            if not operator.value.members:
                if spec is None:
                    self.add(WARNING, "UNKNOWN_OPERATOR_IGNORED",
                             f"{operator.key} is not a condition operator; IAM accepts it only "
                             "because its block is empty, and ignores it.",
                             operator.key_start, op_path, st)
                else:
                    self.add(SUGGESTION, "EMPTY_OBJECT_CONDITION",
                             f"This conditional operator ({operator.key}) has no keys and "
                             "can be removed: an empty block tests nothing.",
                             operator.key_start, op_path, st)
                continue
            if spec is None:
                continue
            for key in operator.value.members:
                path = key_path(op_path, key.key)
                values = key.value.items if key.value.kind == "array" else (key.value,)
                key_lower = key.key.lower()
                if not values and not spec.qualifier and not spec.if_exists:
                    self.add(SUGGESTION, "EMPTY_ARRAY_CONDITION",
                             f"{key.key} has no values: the condition is "
                             f"{'always true' if spec.negated else 'never true'} "
                             "when the key is present.", key.value, path, st)
                for value in values:
                    problem = _value_problem(spec.family, value.text)
                    if problem and spec.family == "IpAddress":
                        self.add(ERROR, "TYPE_MISMATCH_IP_RANGE",
                                 f"The condition value {value.text!r} {problem}: use an "
                                 "IPv4 or IPv6 address or CIDR range.", value, path, st)
                self._value_checks(st, operator, spec, key, values, path)
                if spec.base == "Bool" and key_lower == "aws:multifactorauthpresent" and any(
                        v.text.lower() == "false" for v in values) and not spec.if_exists:
                    self.add(WARNING, "MFA_BOOL_FALSE",
                             'Bool with aws:MultiFactorAuthPresent "false" never matches '
                             "requests signed with long-term access keys, which carry no such "
                             "key: a Deny misses them.", key.key_start, path, st)
                    self.add(SUGGESTION, "USE_BOOL_IF_EXISTS",
                             'Use "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"} to '
                             "also cover requests without the key (access keys).",
                             operator.key_start, op_path, st)
                self._set_operators(st, statement, spec.qualifier, spec.family, key.key,
                                    key_lower, null_keys, key.key_start, path)

    def _set_operators(self, st: StatementNode, statement: CompiledStatement,
                       qualifier: str | None, family: str, key: str, key_lower: str,
                       null_keys: set[str], offset: int, path: str) -> None:
        if family == "Null":
            return
        single = key_lower in _SINGLE_VALUED or key_lower.startswith(_SINGLE_VALUED_PREFIXES)
        if qualifier == "ForAllValues" and single:
            self.add(SECURITY_WARNING, "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
                     f"Using ForAllValues qualifier with the single-valued condition key {key} "
                     "can be overly permissive. We recommend that you remove ForAllValues:.",
                     offset, path, st)
        elif qualifier is not None and single:
            self.add(WARNING, "SET_OPERATOR_ON_SINGLE_VALUED_KEY",
                     f"{key} is single-valued: use the operator without {qualifier}:, which "
                     "changes how a missing key is treated.", offset, path, st)
        if qualifier is None and _multivalued(key_lower):
            self.add(ERROR, "MISSING_QUALIFIER",
                     f"The request can include multiple values for {key}. Use the "
                     "ForAllValues or ForAnyValue condition key qualifiers in your policy.",
                     offset, path, st)
        if qualifier == "ForAllValues" and statement.allow and key_lower not in null_keys:
            self.add(WARNING, "FOR_ALL_VALUES_WITH_ALLOW",
                     f"ForAllValues is true when {key} is absent or empty, so this Allow also "
                     f'applies then; add "Null": {{"{key}": "false"}}.', offset, path, st)

    # ------------------------------------------------------------ variables

    def variables(self, st: StatementNode) -> None:
        two_thousand_twelve = self.doc.variables
        for element in ("Resource", "NotResource"):
            for value, node, path in strings_of(st.get(element), f"{st.path}.{element}"):
                if value is None or "${" not in value:
                    continue
                if not two_thousand_twelve:
                    self._no_variables(node, path, st)
                    continue
                head = ":".join(value.split(":", 5)[:5])
                if "${" in head and parse_template(head).has_vars:
                    self.add(WARNING, "VARIABLE_OUTSIDE_RESOURCE_PART",
                             "Policy variables work only in the resource part of an ARN (after "
                             "the fifth colon); elsewhere they are plain text.", node, path, st)
                self._malformed(value, node, path, st)
        condition = st.get("Condition")
        for operator in condition.members if condition is not None else ():
            for key in operator.value.members:
                values = key.value.items if key.value.kind == "array" else (key.value,)
                for value_node in values:
                    if "${" not in value_node.text:
                        continue
                    path = key_path(key_path(f"{st.path}.Condition", operator.key), key.key)
                    if not two_thousand_twelve:
                        self._no_variables(value_node, path, st)
                    else:
                        self._malformed(value_node.text, value_node, path, st)

    def _no_variables(self, node: Node, path: str, st: StatementNode) -> None:
        self.add(ERROR, "VARIABLE_UNSUPPORTED_IN_VERSION",
                 'Variables are not supported in this policy version: policy variables need '
                 '"Version": "2012-10-17"; under this Version ${...} is matched as plain '
                 "text.", node, path, st)

    def _malformed(self, value: str, node: Node, path: str, st: StatementNode) -> None:
        if "${}" in value:
            self.add(ERROR, "EMPTY_VARIABLE",
                     "The ${} holds no variable name; write ${aws:username} "
                     "or remove it.", node, path, st)
        elif any("," in inner and not _QUOTED_DEFAULT.fullmatch(inner.partition(",")[2])
                 for inner in _VARIABLE_BODY.findall(value)):
            self.add(ERROR, "MISSING_QUOTE_IN_VARIABLE",
                     "The policy variable default value must begin and end with a single "
                     "quote: write ${aws:username, 'default'}.", node, path, st)
        elif _UNCLOSED_VARIABLE.search(value):
            self.add(ERROR, "MISSING_BRACE_IN_VARIABLE",
                     "The policy variable is missing a closing curly brace: add } after the "
                     "variable text.", node, path, st)
        elif any(isinstance(part, str) and "${" in part
                 for part in parse_template(value).parts):
            self.add(WARNING, "MALFORMED_VARIABLE",
                     "${...} here is not a policy variable (write ${key} or "
                     "${key, 'default'}) and is matched as plain text.", node, path, st)

    # ------------------------------------------------------------ actions

    def unknown_actions(self, st: StatementNode) -> None:
        catalogue = _catalogue()
        if catalogue is None:
            return
        for element in ("Action", "NotAction"):
            for value, node, path in strings_of(st.get(element), f"{st.path}.{element}"):
                if value is None or value == "*":
                    continue
                unknown = _unknown_action(catalogue, value)
                if unknown:
                    self.add(ERROR, *unknown, node, path, st)

    def applicable_resources(self, st: StatementNode) -> None:
        resources = _plain(st.get("Resource"))
        catalogue = _catalogue()
        if not resources or "*" in resources or catalogue is None:
            return
        for value, node, path in strings_of(st.get("Action"), f"{st.path}.Action"):
            if value is None or value == "*":
                continue
            message = _no_applicable_resource(catalogue, value, tuple(resources))
            if message:
                self.add(WARNING, "NO_APPLICABLE_RESOURCE", message, node, path, st)

    # ------------------------------------------------------------ Access Analyzer: values

    def _value_checks(self, st: StatementNode, operator: Any, spec: Any, key: Any,
                      values: tuple[Node, ...], path: str) -> None:
        """The checks on one condition key's values (Access Analyzer's)."""
        texts = [value.text for value in values]
        if spec.base == "Bool" and spec.qualifier is None and len(texts) > 1:
            self.add(ERROR, "INVALID_CONDITION_MULTIPLE_BOOLEAN",
                     f"The condition key {key.key} does not support multiple Boolean values. "
                     "Use a single Boolean value.", key.key_start, path, st)
        if spec.family in ("StringEquals", "StringEqualsIgnoreCase") and any(
                "*" in text or "?" in text for text in texts):
            self.add(WARNING, "WILDCARD_WITHOUT_LIKE_OPERATOR",
                     f"Your condition value includes a * or ? character. If you meant to use "
                     f"a wildcard (*, ?), update the condition operator to include Like: "
                     f"{operator.key} compares them as plain characters.",
                     key.key_start, path, st)
        if key.key.lower() == "aws:sourceip" and spec.family == "IpAddress" and texts \
                and all(_private_network(text) for text in texts):
            code = "PRIVATE_NOT_IP_ADDRESS" if spec.negated else "PRIVATE_IP_ADDRESS"
            self.add(ERROR, code,
                     f"aws:SourceIp works only for public IP address ranges. The values for "
                     f"the condition key in the {operator.key} operator include only private "
                     "IP addresses, so this condition "
                     f"{'always matches' if spec.negated else 'never matches'}.",
                     key.key_start, path, st)
        if not spec.family.startswith(_VARIABLE_FAMILIES) and spec.family != "Null" and any(
                "${" in text and parse_template(text).has_vars for text in texts) \
                and self.doc.variables:
            self.add(ERROR, "INVALID_VARIABLE_FOR_OPERATOR",
                     f"Policy variables can only be used with String and ARN operators; "
                     f"{operator.key} compares ${{...}} as plain text.", key.key_start, path, st)

    # ------------------------------------------------------------ Access Analyzer: ARNs

    def arns(self, st: StatementNode) -> None:
        """The ARN checks on Resource and NotResource, from the catalogue's ARN formats."""
        catalogue = _catalogue()
        for element in ("Resource", "NotResource"):
            for value, node, path in strings_of(st.get(element), f"{st.path}.{element}"):
                if value is None or not value.startswith("arn:"):
                    continue
                parts = _TEMPLATE_VARIABLE.sub("*", value).split(":", 5)  # ${aws:x} holds ":"
                if len(parts) < 6:
                    continue
                problem = _arn_problem(catalogue, *parts[2:])
                if problem:
                    self.add(ERROR, *problem, node, path, st)

    # ------------------------------------------------------------ Access Analyzer: lists

    def redundant_values(self, st: StatementNode) -> None:
        """REDUNDANT_ACTION / REDUNDANT_RESOURCE: a value another value of the element covers."""
        for element, code, actions in (("Action", "REDUNDANT_ACTION", True),
                                       ("NotAction", "REDUNDANT_ACTION", True),
                                       ("Resource", "REDUNDANT_RESOURCE", False),
                                       ("NotResource", "REDUNDANT_RESOURCE", False)):
            node = st.get(element)
            if node is None or node.kind != "array" or len(node.items) > _MAX_PAIRWISE:
                continue
            values = _plain(node)
            if not values or len(values) < 2:
                continue
            for index, (value, item, path) in enumerate(
                    strings_of(node, f"{st.path}.{element}")):
                others = [v for i, v in enumerate(values) if i != index and v != value]
                if value is not None and others and _subset([value], others,
                                                             actions=actions):
                    if actions:  # AWS's words (real ValidatePolicy output)
                        covering = sum(1 for other in others
                                       if _subset([value], [other], actions=True))
                        message = (f"The {covering + 1} action(s) are redundant because they "
                                   "provide similar permissions. Update the policy to remove "
                                   f"the redundant action such as: {value}.")
                    else:
                        message = (f"The resource {value} is redundant because another "
                                   f"resource in the same statement ({element}) already "
                                   "includes it. We recommend that you remove it.")
                    self.add(SUGGESTION, code, message, item, path, st)

    # ------------------------------------------------------------ Access Analyzer: keys

    def condition_keys(self, st: StatementNode) -> None:
        """Unknown global keys, unknown service keys, keys no action of the statement supports,
        and keys written twice with different case."""
        condition = st.get("Condition")
        if condition is None:
            return
        catalogue = _catalogue()
        actions = _plain(st.get("Action"))
        for operator in condition.members:
            op_path = key_path(f"{st.path}.Condition", operator.key)
            seen: dict[str, str] = {}
            for key in operator.value.members:
                path = key_path(op_path, key.key)
                lower = key.key.lower()
                if lower in seen and seen[lower] != key.key:
                    self.add(ERROR, "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
                             "The condition key appears more than once with different "
                             "capitalization in the same condition block. Remove the duplicate "
                             "condition keys.", key.key_start, path, st)
                seen.setdefault(lower, key.key)
                prefix = lower.partition(":")[0]
                if prefix == "aws":
                    if lower not in _GLOBAL_KEYS and not lower.startswith(
                            _GLOBAL_PREFIXES) and lower != "aws:arn" and \
                            lower.rstrip("/") not in _TAG_FAMILIES:
                        self.add(ERROR, "INVALID_GLOBAL_CONDITION_KEY",
                                 f"The condition key {key.key} does not exist. Use a valid "
                                 "condition key.", key.key_start, path, st)
                    continue
                if catalogue is None or not catalogue.is_known_service(prefix):
                    continue
                if not _service_key_known(prefix, lower):
                    self.add(ERROR, "INVALID_SERVICE_CONDITION_KEY",
                             f"The condition key {key.key} does not exist in the service "
                             f"{prefix}. Use a valid condition key.", key.key_start, path, st)
                elif actions and not self.trust:
                    unsupported = _no_action_supports(catalogue, tuple(actions), lower)
                    if unsupported:
                        self.add(ERROR, "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
                                 f"The following actions: {unsupported} are not supported by "
                                 f"the condition key {key.key}. The condition will not be "
                                 "evaluated for these actions. We recommend that you move "
                                 "these actions to a different statement without this "
                                 "condition key.", key.key_start, path, st)

    # ------------------------------------------------------------ Access Analyzer: trust

    def trust_checks(self, st: StatementNode) -> None:
        """NotPrincipal in a role trust policy; an assume-role action the principals can't use."""
        member = st.node.member("NotPrincipal")
        if member is not None:
            self.add(ERROR, "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL",
                     "Role trust policies do not support NotPrincipal. Update the policy to use "
                     "a Principal element instead.", member.key_start,
                     f"{st.path}.NotPrincipal", st)
        principal = st.get("Principal")
        if principal is None:
            return
        data = principal.to_python()
        kinds = _principal_kinds(data)
        if "*" in kinds:
            return
        named = ", ".join(v for _, v in _principal_values(data)) or "none"
        for value, node, path in strings_of(st.get("Action"), f"{st.path}.Action"):
            needed = _ASSUME_ACTIONS.get((value or "").lower())
            if needed is None or needed in kinds:
                continue
            # AWS's words for sts:AssumeRole (aws-cli's validate-policy example); the same
            # pattern for the two federated actions.
            advice = {
                "AWS": "Use a SAML provider principal with the sts:AssumeRoleWithSAML action or "
                       "use an OIDC provider principal with the sts:AssumeRoleWithWebIdentity "
                       "action. Ensure the provider is Federated if you use either of the two "
                       "options.",
                "saml": f"Use a SAML provider principal (Federated) with the {value} action, or "
                        "the sts:AssumeRole action for AWS and service principals.",
                "web": f"Use an OIDC provider principal (Federated) with the {value} action, or "
                       "the sts:AssumeRole action for AWS and service principals.",
            }[needed]
            self.add(ERROR, "MISMATCHED_ACTION_FOR_PRINCIPAL",
                     f"The {value} action is invalid with the following principal(s): "
                     f"{named}. {advice}", node, path, st)

    # ------------------------------------------------------------ Access Analyzer: type

    def resource_type_checks(self, st: StatementNode) -> None:
        """Actions and resource ARNs of another service than the policy's resource type."""
        for element in ("Action", "NotAction"):
            for value, node, path in strings_of(st.get(element), f"{st.path}.{element}"):
                prefix = (value or "").partition(":")[0].lower()
                if value and value != "*" and ":" in value and not any(
                        c in prefix for c in "*?") and prefix not in self.services:
                    self.add(ERROR, "UNSUPPORTED_ACTION_IN_POLICY",
                             f"The action {value} is not supported for the resource-based "
                             f"policy attached to the resource type; use actions of "
                             f"{', '.join(self.services)}.", node, path, st)
        for element in ("Resource", "NotResource"):
            for value, node, path in strings_of(st.get(element), f"{st.path}.{element}"):
                parts = (value or "").split(":", 5)
                if len(parts) == 6 and parts[0] == "arn" and not any(
                        c in parts[2] for c in "*?$") and parts[2] not in self.services:
                    self.add(ERROR, "UNSUPPORTED_RESOURCE_ARN_IN_POLICY",
                             f"The resource ARN {value} is not supported for the resource-based "
                             "policy attached to the resource type.", node, path, st)

    # ------------------------------------------------------------ duplicates

    def duplicates(self, compiled: tuple[CompiledStatement, ...]) -> None:
        statements = self.doc.statements[:_MAX_PAIRWISE]
        data = [st.node.to_python() for st in statements]
        canon = [_canonical(item) for item in data]
        shapes = [_shape(item) for item in data]
        plains = [(_plain(st.get("Action")), _plain(st.get("Resource"))) for st in statements]
        alike: dict[str, list[int]] = {}  # statements of one shape: only they can cover
        for index, shape in enumerate(shapes):
            if shape is not None:
                alike.setdefault(shape, []).append(index)
        first: dict[str, int] = {}
        for later, st in enumerate(statements):
            earlier = first.setdefault(canon[later], later)
            if earlier != later:
                self.add(SUGGESTION, "REDUNDANT_STATEMENT",
                         f"This statement repeats statement {earlier} "
                         f"({_label(self.doc, statements[earlier])}).", st.node, st.path, st)
            elif shapes[later] is not None:
                for other in alike[shapes[later]]:
                    if other != later and canon[other] != canon[later] and _covers(
                            plains[other], plains[later]):
                        label = _label(self.doc, statements[other])
                        self.add(SUGGESTION, "REDUNDANT_STATEMENT",
                                 f"Statement {other} ({label}) already covers every request "
                                 "this statement covers.",
                                 st.node, st.path, st)
                        break


# ---------------------------------------------------------------- helpers


def _catalogue() -> ModuleType | None:
    try:
        from . import catalogue
    except Exception:  # noqa: BLE001 - the catalogue is optional; without it, no lint
        return None
    return catalogue


#: Where actions AWS has but the service data predates come from (a callable returning
#: action names, asked once): the portal gives the literal actions of AWS's own managed
#: policies (policies/apps.py), which are real whatever the data's age.
_extra_actions_source: Callable[[], Iterable[str]] | None = None


def known_actions_source(source: Callable[[], Iterable[str]] | None) -> None:
    """Register ``source`` of actions to take as known besides the service data."""
    global _extra_actions_source
    _extra_actions_source = source
    _extra_actions.cache_clear()
    _unknown_action.cache_clear()
    aa_checks._unknown_service.cache_clear()


@functools.cache
def _extra_actions() -> tuple[frozenset[str], frozenset[str]]:
    """The extra known actions and their service prefixes, lower-case."""
    names = frozenset(name.lower() for name in _extra_actions_source()) if _extra_actions_source else frozenset()
    return names, frozenset(name.partition(":")[0] for name in names)


@functools.lru_cache(maxsize=4096)
def _unknown_action(catalogue: Any, action: str) -> tuple[str, str] | None:
    """``(code, message)`` for an action of an unknown service or an unknown action."""
    prefix, colon, name = action.partition(":")
    if not colon or not prefix or "*" in prefix or "?" in prefix:
        return None  # no vendor prefix: IAM's own error, reported by the grammar
    extra, extra_prefixes = _extra_actions()
    wildcard = "*" in name or "?" in name
    if action.lower() in extra:
        return None
    if wildcard and prefix.lower() in extra_prefixes:
        matcher = compile_regex(glob_regex(action.lower()))
        if any(matcher.fullmatch(known) for known in extra if known.startswith(f"{prefix.lower()}:")):
            return None
    try:
        if not catalogue.is_known_service(prefix):
            return ("INVALID_SERVICE_IN_ACTION",
                    f"The service {prefix} specified in the action {action} does not exist; "
                    "check the service prefix in the Service Authorization Reference.")
        if "*" not in name and "?" not in name:
            if catalogue.is_known_action(action):
                return None
            return "INVALID_ACTION", f"The action {action} does not exist."  # AWS's words
        if catalogue.expand(action):
            return None
    except Exception:  # noqa: BLE001 - a broken catalogue must not break validation
        return None
    return "INVALID_ACTION", f"The action {action} matches no action of the {prefix} service."


@functools.lru_cache(maxsize=4096)
def _no_applicable_resource(catalogue: Any, action: str, resources: tuple[str, ...]
                            ) -> str | None:
    """Why no known action that ``action`` names applies to any of ``resources`` (none of
    them ``"*"``), or None when one does or the action is unknown."""
    try:
        infos = [catalogue.action_info(name) for name in catalogue.expand(action)]
    except Exception:  # noqa: BLE001 - a broken catalogue must not break validation
        return None
    if not infos or any(info is None for info in infos):
        return None
    templates = {kind.arn for info in infos for kind in info.resource_types}
    if any(_arn_overlap(template, resource) for template in templates
           for resource in resources):
        return None
    lead = "One or more actions do not have an applicable resource: "
    if len(infos) > 1:
        return (f"{lead}none of the actions {action} matches applies to the resources this "
                "statement names.")
    types = infos[0].resource_types
    if not types:
        return (f'{lead}{action} does not support resource-level permissions; use '
                '"Resource": "*".')
    named = ", ".join(f"{kind.name} ({kind.arn})" for kind in types[:_TYPES_NAMED])
    more = ", ..." if len(types) > _TYPES_NAMED else ""
    return (f"{lead}{action} applies to {named}{more}; this statement names none of "
            "these.")


@functools.lru_cache(maxsize=4096)
def _arn_overlap(template: str, resource: str) -> bool:
    """Whether some ARN is both of the catalogue's ``template`` and of the policy's
    ``resource`` pattern: segment by segment, ``${...}`` read as ``*`` on both sides
    (policy variables included), O(len(template) x len(resource))."""
    ours = _TEMPLATE_VARIABLE.sub("*", template).split(":", 5)
    theirs = _TEMPLATE_VARIABLE.sub("*", resource).split(":", 5)
    if len(ours) < 6 or len(theirs) < 6:
        return True  # not an ARN of six parts: assume it may apply
    return all(globs_overlap(a, b) for a, b in zip(ours, theirs, strict=True))


def _value_problem(family: str, value: str) -> str | None:
    if family.startswith("Numeric") and parse_number(value) is None:
        return "is not a number"
    if family in ("Bool", "Null") and value.lower() not in ("true", "false"):
        return 'is not "true" or "false"'
    if family == "IpAddress":
        try:
            ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            return "is not an IP address or CIDR range"
    if family == "BinaryEquals":
        try:
            base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            return "is not base64"
    return None


def _label(doc: Document, st: StatementNode) -> str:
    return f"Sid {st.sid}" if st.sid else f"line {doc.source.position(st.node.start)[0]}"


def _canonical(data: Any) -> str:
    """A statement (as Python data) as canonical JSON: Sid aside, value lists sorted."""
    if isinstance(data, dict):
        data = dict(data)
        data.pop("Sid", None)
        for element in ("Action", "NotAction", "Resource", "NotResource"):
            value = data.get(element)
            if isinstance(value, str):
                data[element] = [value]
            if isinstance(data.get(element), list):
                data[element] = sorted(v for v in data[element] if isinstance(v, str))
    return json.dumps(data, sort_keys=True)


def _plain(node: Node | None) -> list[str] | None:
    values = [v for v, _, _ in strings_of(node, "")] if node is not None else None
    if values is None or any(v is None for v in values):
        return None
    return [v for v in values if v is not None]


def _shape(statement: Any) -> str | None:
    """What two statements (as Python data) must share for one to cover the other: effect,
    principal and conditions (canonical JSON); None with a ``Not…`` element."""
    if not isinstance(statement, dict) or any(
            element in statement for element in ("NotAction", "NotResource", "NotPrincipal")):
        return None
    return json.dumps([statement.get(element) for element in ("Effect", "Principal",
                                                              "Condition")], sort_keys=True)


def _covers(big: tuple[list[str] | None, list[str] | None],
            small: tuple[list[str] | None, list[str] | None]) -> bool:
    """Whether a statement with ``big``'s ``(actions, resources)`` applies to every request
    one with ``small``'s does, given the same :func:`_shape` (a sound, partial test:
    Action/Resource only; no variables; patterns in ``big`` without ``?``)."""
    return (_subset(small[0], big[0], actions=True)
            and _subset(small[1], big[1], actions=False))


def _subset(small: list[str] | None, big: list[str] | None, *, actions: bool) -> bool:
    if small is None or big is None:
        return small is None and big is None
    if any("${" in v for v in small + big):
        return False
    patterns = [_value_matcher(value.lower() if actions else value, actions)
                for value in big if "?" not in value]
    return all(any(match(v.lower() if actions else v) for match in patterns) for v in small)


@functools.lru_cache(maxsize=4096)
def _value_matcher(text: str, actions: bool) -> Callable[[str], Any]:
    regex = glob_regex(text) if actions else pieces_regex(((text, False),), arn=True)
    return compile_regex(regex).fullmatch


# ---------------------------------------------------------------- Access Analyzer helpers


def _pass_role_check(st: StatementNode, statement: CompiledStatement) -> tuple[str, str]:
    """The PASS_ROLE_WITH_* code and message of an Allow reaching iam:PassRole everywhere."""
    actions = [v for v, _, _ in strings_of(st.get("Action"), "")] if not statement.not_action \
        else []
    star = any(v == "*" or (v or "").lower() in ("iam:*", "iam:pass*", "iam:passrole*")
               or (v or "").endswith("*") and not (v or "").lower().startswith("iam:passrole")
               for v in actions)
    if statement.not_resource:
        if statement.not_action:
            return ("PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE",
                    "Using NotAction with NotResource can be overly permissive because it "
                    "can allow iam:PassRole permissions on multiple resources. We recommend "
                    "that you specify resource ARNs instead.")
        if star:
            return ("PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
                    "Using an action with a wildcard (*) and NotResource can be overly "
                    "permissive because it can allow iam:PassRole permissions on multiple "
                    "resources. We recommend that you specify resource ARNs instead.")
        return ("PASS_ROLE_WITH_NOT_RESOURCE",
                "Using the iam:PassRole action with NotResource can be overly permissive "
                "because it can allow iam:PassRole permissions on multiple resources. We "
                "recommend that you specify resource ARNs instead.")
    if statement.not_action:
        return ("PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
                "Using a resource with wildcards (*) and NotAction can be overly permissive "
                "because it allows iam:PassRole permissions on all resources. We recommend "
                "that you specify resource ARNs or add the iam:PassedToService condition key "
                "to your statement.")
    if star:
        return ("PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
                "Using wildcards (*) in the action and the resource can be overly permissive "
                "because it allows iam:PassRole permissions on all resources. We recommend "
                "that you specify resource ARNs or add the iam:PassedToService condition key "
                "to your statement.")
    return ("PASS_ROLE_WITH_STAR_IN_RESOURCE",
            "Using the iam:PassRole action with wildcards (*) in the resource can be overly "
            "permissive because it allows iam:PassRole permissions on multiple resources. We "
            "recommend that you specify resource ARNs or add the iam:PassedToService "
            "condition key to your statement.")


@functools.lru_cache(maxsize=4096)
def _multivalued(key_lower: str) -> bool:
    """Whether a condition key is multivalued: a known global one, or a service key the
    catalogue types ``ArrayOf…``."""
    if key_lower in _MULTI_VALUED:
        return True
    prefix = key_lower.partition(":")[0]
    return prefix != "aws" and _service_key_type(prefix, key_lower).startswith("ArrayOf")


_PRIVATE_RANGES = tuple(ipaddress.ip_network(net) for net in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))


def _private_network(text: str) -> bool:
    """Whether a CIDR lies in a private range (RFC 1918, IPv6 unique local addresses)."""
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return False
    return any(network.version == private.version
               and network.subnet_of(private)  # type: ignore[arg-type]
               for private in _PRIVATE_RANGES)


@functools.lru_cache(maxsize=256)
def _service_keys(prefix: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """A known service's condition keys as ``(case-insensitive matcher, type)``."""
    catalogue = _catalogue()
    if catalogue is None:
        return ()
    return tuple((_template_regex(key.name), key.type)
                 for key in catalogue.service_condition_keys(prefix))


def _service_key_type(prefix: str, key_lower: str) -> str:
    """The catalogue's type of a service condition key ("" when unknown)."""
    catalogue = _catalogue()
    try:
        if catalogue is None or not catalogue.is_known_service(prefix):
            return ""
    except Exception:  # noqa: BLE001 - a broken catalogue must not break validation
        return ""
    return next((kind for match, kind in _service_keys(prefix) if match.fullmatch(key_lower)),
                "")


@functools.lru_cache(maxsize=4096)
def _service_key_known(prefix: str, key_lower: str) -> bool:
    keys = _service_keys(prefix)
    return not keys or any(match.fullmatch(key_lower) for match, _ in keys)


def _key_matches(templates: tuple[str, ...], key_lower: str) -> bool:
    return any(_template_regex(template).fullmatch(key_lower) for template in templates)


@functools.lru_cache(maxsize=4096)
def _template_regex(template: str) -> re.Pattern[str]:
    """A condition key template (``s3:BucketTag/${TagKey}``, ``s3:ExistingObjectTag/<key>``)
    as a case-insensitive matcher, a placeholder matching any non-empty text."""
    pattern = "".join(".+" if odd else re.escape(part)
                      for odd, part in ((i % 2, p) for i, p in
                                        enumerate(_PLACEHOLDER.split(template))))
    return re.compile(pattern, re.IGNORECASE | re.DOTALL)


@functools.lru_cache(maxsize=4096)
def _no_action_supports(catalogue: Any, actions: tuple[str, ...], key_lower: str) -> str:
    """The statement's actions, named, when none of them supports the service condition key;
    "" when one does. Conservative: "" whenever an action is ``*``, of another service than
    the key's, unknown, expands to more than 200 actions, or lists no key at all (the
    catalogue may lack them)."""
    named: list[str] = []
    service = key_lower.partition(":")[0]
    for pattern in actions:
        if pattern == "*" or pattern.partition(":")[0].lower() != service:
            return ""  # another service's key (glue:RoleAssumedBy on ec2:*): not judged
        try:
            expanded = catalogue.expand(pattern)
        except Exception:  # noqa: BLE001 - a broken catalogue must not break validation
            return ""
        if not expanded or len(expanded) > _MAX_PAIRWISE:
            return ""
        for name in expanded:
            info = catalogue.action_info(name)
            if info is None:
                return ""
            keys = info.condition_keys + tuple(k for kind in info.resource_types
                                               for k in kind.condition_keys)
            if not keys or _key_matches(keys, key_lower):
                return ""  # no key listed: the data may be incomplete, say nothing
        named.append(pattern)
    return ", ".join(named)


@functools.lru_cache(maxsize=256)
def _arn_formats(prefix: str) -> tuple[tuple[str, str, str], ...]:
    """``(region, account, resource)`` of the ARN formats whose ARN names the service, ``${…}``
    read as ``*``, whichever service lists them (``catalogue.arn_formats_naming``: CloudFront's
    key-value stores are listed by cloudfront-keyvaluestore); empty for an unknown service or
    one without resource types."""
    catalogue = _catalogue()
    if catalogue is None:
        return ()
    arns = set(catalogue.arn_formats_naming(prefix)) if hasattr(
        catalogue, "arn_formats_naming") else set()
    if catalogue.is_known_service(prefix):
        arns.update(catalogue.arn_formats(prefix))
    formats = set()
    for arn in arns:
        parts = _TEMPLATE_VARIABLE.sub("*", arn).split(":", 5)
        if len(parts) == 6 and parts[2] == prefix:
            formats.add((parts[3], parts[4], parts[5]))
    return tuple(sorted(formats))


@functools.lru_cache(maxsize=4096)
def _arn_problem(catalogue: Any, service: str, region: str, account: str, resource: str
                 ) -> tuple[str, str] | None:
    """``(code, message)`` of the first ARN check a resource ARN fails, or None."""
    if service != service.lower() and not any(w in service for w in _WILD):
        return ("INVALID_ARN_SERVICE_CASE", "Update the service name in the resource ARN to "
                "use all lowercase letters.")
    fixed = not any(w in account for w in _WILD)
    if region and not any(w in region for w in _WILD) and not _REGION.fullmatch(region):
        return ("INVALID_ARN_REGION", f"The Region {region} is not valid for this resource. "
                "Update the resource ARN to include a supported Region.")
    if account and fixed and account != "aws" and not _ACCOUNT_ID.fullmatch(account):
        return ("INVALID_ARN_ACCOUNT", f"The resource ARN account ID {account} is not valid. "
                "Provide a 12-digit account ID.")
    if catalogue is None or any(w in service for w in _WILD):
        return None
    try:
        formats = _arn_formats(service.lower())
    except Exception:  # noqa: BLE001 - a broken catalogue must not break validation
        return None
    if not formats:
        return None
    theirs = _TEMPLATE_VARIABLE.sub("*", resource)
    formats = tuple(f for f in formats if globs_overlap(f[2], theirs))
    if not formats:
        return ("INVALID_ARN_RESOURCE", "Resource ARN does not match the expected ARN format. "
                "Update the resource portion of the ARN.")
    if account and fixed and all(not f[1] for f in formats):
        return ("ARN_ACCOUNT_NOT_ALLOWED", f"The service {service} does not support "
                "specifying an account ID in the resource ARN.")
    if region and not any(w in region for w in _WILD) and all(not f[0] for f in formats):
        return ("ARN_REGION_NOT_ALLOWED", f"The service {service} does not support "
                "specifying a Region in the resource ARN.")
    if not region and all(f[0] for f in formats):
        return ("MISSING_ARN_REGION", "Add a Region to the resource ARN, or a wildcard (*).")
    if not account and all(f[1] for f in formats) and service not in _AWS_OWNED_WITHOUT_ACCOUNT:
        return ("MISSING_ARN_ACCOUNT", f"Add an account ID to the {service} resource ARN, or "
                "a wildcard (*).")
    return None


def _principal_values(principal: Any) -> list[tuple[str, str]]:
    """``(element, value)`` of each principal a statement names, in document order."""
    if not isinstance(principal, dict):
        return [("", principal)] if isinstance(principal, str) else []
    found = []
    for element, values in principal.items():
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, str):
                found.append((element, value))
    return found


def _principal_kinds(principal: Any) -> set[str]:
    """The kinds of principals a trust statement names: ``"AWS"`` (accounts, roles, users and
    services), ``"saml"``, ``"web"`` (OIDC and web identity providers), ``"*"``."""
    if principal == "*":
        return {"*"}
    kinds: set[str] = set()
    if not isinstance(principal, dict):
        return kinds
    for element, values in principal.items():
        values = values if isinstance(values, list) else [values]
        for value in values:
            if value == "*":
                kinds.add("*")
            elif element in ("AWS", "Service", "CanonicalUser"):
                kinds.add("AWS")
            elif element == "Federated" and isinstance(value, str):
                kinds.add("saml" if ":saml-provider/" in value else "web")
    return kinds
