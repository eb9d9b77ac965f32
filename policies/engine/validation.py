"""Validate a policy: IAM's own checks (ERROR) plus Access Analyzer-style lints.

:func:`validate` never raises. ERROR findings come first, the one IAM would report first
leading; the other findings follow in document order. The lints run on a document with
ERRORs too (as Access Analyzer reports everything at once), unless it could not be read
as a policy or is over its size quota. ``Policy.from_json`` raises
:class:`PolicyError` exactly when :func:`validate` returns an ERROR.

Lint codes (stable):

==================================  ================  =========================================
code                                level             when
==================================  ================  =========================================
PASS_ROLE_WILDCARD                  SECURITY_WARNING  Allow of iam:PassRole (also via ``iam:*``,
                                                      ``*``, NotAction) on ``"*"`` or NotResource
EVERYONE_WITHOUT_CONDITION          SECURITY_WARNING  trust/resource Allow to ``"*"``, no Condition
ALLOW_NOT_ACTION                    WARNING           Allow with NotAction
ALLOW_NOT_RESOURCE                  WARNING           Allow with NotResource
ALLOW_NOT_PRINCIPAL                 WARNING           Allow with NotPrincipal
DUPLICATE_STATEMENT                 WARNING           same statement as an earlier one (Sid aside)
REDUNDANT_STATEMENT                 WARNING           every request it covers, another covers too
MFA_BOOL_FALSE                      WARNING           ``Bool`` aws:MultiFactorAuthPresent "false"
USE_BOOL_IF_EXISTS                  SUGGESTION        ... and the fix: BoolIfExists
EMPTY_CONDITION_VALUES              WARNING           a condition key with ``[]``
EMPTY_CONDITION_OPERATOR            WARNING           an operator with ``{}``
UNKNOWN_OPERATOR_IGNORED            WARNING           unknown operator with ``{}`` (IAM accepts it)
INVALID_CONDITION_VALUE             WARNING           not a number / boolean / CIDR / base64
SET_OPERATOR_ON_SINGLE_VALUED_KEY   WARNING           ForAllValues/ForAnyValue on a single key
MULTIVALUED_KEY_WITHOUT_SET         WARNING           aws:TagKeys etc. without a set qualifier
FOR_ALL_VALUES_WITH_ALLOW           WARNING           Allow + ForAllValues, no Null check
MISSING_VERSION                     WARNING           no Version (add 2012-10-17)
LEGACY_VERSION                      SUGGESTION        Version 2008-10-17
SID_CHARACTERS                      WARNING           an underscore in a Sid (IAM says [0-9A-Za-z])
VARIABLES_NEED_VERSION              WARNING           ``${...}`` without Version 2012-10-17
VARIABLE_OUTSIDE_RESOURCE_PART      WARNING           ``${...}`` before the ARN's resource part
MALFORMED_VARIABLE                  WARNING           ``${...}`` that is not a variable
UNKNOWN_SERVICE                     WARNING           an action's service prefix is unknown
                                                      (Access Analyzer: INVALID_SERVICE_IN_ACTION;
                                                      IAM accepts the document)
UNKNOWN_ACTION                      WARNING           unknown action of a known service
NO_APPLICABLE_RESOURCE              WARNING           an action that applies to none of the
                                                      statement's resources (s3:GetObject on a
                                                      bucket ARN; an action without resource
                                                      types on anything but ``"*"``)
NULL_IGNORED                        WARNING           ``null`` in an Action/Resource array
TOP_LEVEL_CONDITIONS                WARNING           top-level ``Conditions`` (ignored)
==================================  ================  =========================================

Standard library only: no Django (see STYLE.md, P2).
"""

from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
import json
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

from .compiled import CompiledStatement, compile_document, infer_kind
from .conditions import parse_number, parse_operator
from .document import Document, StatementNode, check, key_path, strings_of, to_text
from .findings import ERROR, LEVELS, SECURITY_WARNING, SUGGESTION, WARNING, Finding
from .jsontext import JsonSyntaxError, Node
from .matching import compile_regex, glob_regex, globs_overlap, pieces_regex
from .variables import parse_template

__all__ = ["validate"]

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


def validate(text: object, kind: str | None = "identity", *, max_size: int | None = None
             ) -> list[Finding]:
    """Check a policy document. Never raises.

    Args:
        text: JSON text, UTF-8 bytes or a dict (anything else is an ERROR finding).
        kind: ``"identity"`` (managed or inline identity policy; also ``"boundary"``,
            ``"session"``), ``"trust"`` (a role's trust policy), ``"resource"`` or
            ``"scp"`` (an AWS Organizations service control policy); None to read it from
            the document as ``Policy.from_json`` does.
        max_size: size quota in non-whitespace characters (all characters for ``"scp"``):
            None for the kind's default (6144 identity, 2048 trust, 5120 scp), e.g.
            2048/5120/10240 for user/group/role inline policies, 0 for none.

    Returns:
        The findings: ERRORs first (the one IAM reports first leading), then the rest in
        document order.
    """
    try:
        return _validate(text, kind, max_size)
    except Exception as error:  # noqa: BLE001 - a validator must answer, whatever it is given
        return [Finding(ERROR, "INTERNAL_ERROR", "Syntax errors in policy.",
                        detail=f"The validator could not read this document ({error!r}).")]


def _validate(document: object, kind: str | None, max_size: int | None) -> list[Finding]:
    try:
        text = to_text(document)
    except JsonSyntaxError as error:
        return [Finding(ERROR, "INVALID_JSON", "Syntax errors in policy.", detail=str(error))]
    if kind is None:
        kind = infer_kind(text)
    parsed, errors = check(text, kind, max_size)
    if parsed is None or any(f.code == "POLICY_SIZE_EXCEEDED" for f in errors):
        return errors
    try:
        lints = _Lints(parsed, kind)
        lints.run()
    except Exception:  # noqa: BLE001 - a document IAM refuses may be too broken to lint
        if not errors:
            raise
        return errors
    rank = {level: position for position, level in enumerate(LEVELS)}
    return errors + sorted(lints.found, key=lambda f: (f.location.line, f.location.column,
                                                       rank[f.level]))


class _Lints:
    def __init__(self, document: Document, kind: str) -> None:
        self.doc = document
        self.kind = kind
        self.body = compile_document(document)
        self.found: list[Finding] = []

    def add(self, level: str, code: str, message: str, node: Node | int, path: str,
            st: StatementNode | None = None) -> None:
        offset = node if isinstance(node, int) else node.start
        self.found.append(Finding(level, code, message, self.doc.location(offset, path, st)))

    def run(self) -> None:
        self.document_level()
        compiled = self.body.statements
        for st, statement in zip(self.doc.statements, compiled, strict=True):
            self.statement_level(st, statement)
            self.conditions(st, statement)
            self.variables(st)
            self.unknown_actions(st)
            self.applicable_resources(st)
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
                ("NotPrincipal", "ALLOW_NOT_PRINCIPAL",
                 ("Allow with NotPrincipal allows everyone not listed, anonymous users "
                  "included; name the allowed principals instead."))):
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
            self.add(SECURITY_WARNING, "PASS_ROLE_WILDCARD",
                     'This statement allows iam:PassRole on every role ("Resource": "*"): '
                     "whoever has it can hand any role, even an administrator's, to a service. "
                     "Name the roles that may be passed and restrict iam:PassedToService.",
                     node, f"{st.path}.{element}", st)
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
                    self.add(WARNING, "EMPTY_CONDITION_OPERATOR",
                             f"The {operator.key} block is empty, so it tests nothing.",
                             operator.key_start, op_path, st)
                continue
            if spec is None:
                continue
            for key in operator.value.members:
                path = key_path(op_path, key.key)
                values = key.value.items if key.value.kind == "array" else (key.value,)
                key_lower = key.key.lower()
                if not values:
                    self.add(WARNING, "EMPTY_CONDITION_VALUES",
                             f"{key.key} has no values: the condition is "
                             f"{'always true' if spec.negated else 'never true'} "
                             "when the key is present.", key.value, path, st)
                for value in values:
                    problem = _value_problem(spec.family, value.text)
                    if problem:
                        self.add(WARNING, "INVALID_CONDITION_VALUE",
                                 f"{value.text!r} {problem}, so it never matches.",
                                 value, path, st)
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
        if qualifier is not None and single:
            self.add(WARNING, "SET_OPERATOR_ON_SINGLE_VALUED_KEY",
                     f"{key} is single-valued: use the operator without {qualifier}:, which "
                     "changes how a missing key is treated.", offset, path, st)
        if qualifier is None and key_lower in _MULTI_VALUED:
            self.add(WARNING, "MULTIVALUED_KEY_WITHOUT_SET",
                     f"{key} is multivalued: use ForAllValues: or ForAnyValue: with it.",
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
        self.add(WARNING, "VARIABLES_NEED_VERSION",
                 'Policy variables need "Version": "2012-10-17"; under this Version '
                 "${...} is matched as plain text.", node, path, st)

    def _malformed(self, value: str, node: Node, path: str, st: StatementNode) -> None:
        if any(isinstance(part, str) and "${" in part for part in parse_template(value).parts):
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
                    self.add(WARNING, *unknown, node, path, st)

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

    # ------------------------------------------------------------ duplicates

    def duplicates(self, compiled: tuple[CompiledStatement, ...]) -> None:
        statements = self.doc.statements[:_MAX_PAIRWISE]
        canon = [_canonical(st.node) for st in statements]
        for later, st in enumerate(statements):
            for earlier in range(later):
                if canon[earlier] == canon[later]:
                    self.add(WARNING, "DUPLICATE_STATEMENT",
                             f"This statement repeats statement {earlier} "
                             f"({_label(self.doc, statements[earlier])}).", st.node, st.path, st)
                    break
            else:
                for other in range(len(statements)):
                    if other != later and canon[other] != canon[later] and _covers(
                            statements[other], st):
                        label = _label(self.doc, statements[other])
                        self.add(WARNING, "REDUNDANT_STATEMENT",
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


def _unknown_action(catalogue: Any, action: str) -> tuple[str, str] | None:
    """``(code, message)`` for an action of an unknown service or an unknown action."""
    prefix, _, name = action.partition(":")
    if not prefix or "*" in prefix or "?" in prefix:
        return None
    try:
        if not catalogue.is_known_service(prefix):
            return ("UNKNOWN_SERVICE",
                    f"Invalid service in action: the service {prefix} specified in the "
                    f"action {action} does not exist; check the service prefix in the "
                    "Service Authorization Reference.")
        if "*" not in name and "?" not in name:
            if catalogue.is_known_action(action):
                return None
            return ("UNKNOWN_ACTION",
                    f"{action} is not a known action of the {prefix} service; check its "
                    "spelling in the Service Authorization Reference.")
        if catalogue.expand(action):
            return None
    except Exception:  # noqa: BLE001 - a broken catalogue must not break validation
        return None
    return "UNKNOWN_ACTION", f"{action} matches no known action of the {prefix} service."


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


def _canonical(node: Node) -> str:
    data = node.to_python()
    if isinstance(data, dict):
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


def _covers(big: StatementNode, small: StatementNode) -> bool:
    """Whether ``big`` applies to every request ``small`` applies to (a sound, partial test:
    same effect, principal and conditions; Action/Resource only; no variables; patterns
    in ``big`` without ``?``)."""
    for element in ("Effect", "Principal", "Condition"):
        a, b = big.get(element), small.get(element)
        if (a is None) != (b is None) or (a is not None and b is not None and
                                          _canonical(a) != _canonical(b)):
            return False
    for element in ("NotAction", "NotResource", "NotPrincipal"):
        if big.get(element) is not None or small.get(element) is not None:
            return False
    return (_subset(_plain(small.get("Action")), _plain(big.get("Action")), actions=True)
            and _subset(_plain(small.get("Resource")), _plain(big.get("Resource")),
                        actions=False))


def _subset(small: list[str] | None, big: list[str] | None, *, actions: bool) -> bool:
    if small is None or big is None:
        return small is None and big is None
    if any("${" in v for v in small + big):
        return False
    patterns: list[Callable[[str], Any]] = []
    for value in big:
        if "?" in value:
            continue
        text = value.lower() if actions else value
        regex = glob_regex(text) if actions else pieces_regex(((text, False),), arn=True)
        patterns.append(compile_regex(regex).fullmatch)
    return all(any(match(v.lower() if actions else v) for match in patterns) for v in small)
