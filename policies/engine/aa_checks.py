"""More of IAM Access Analyzer's policy checks: ARN shape, condition keys and values, policy
variables outside Resource and Condition, principals, service-linked roles, suggestions.

:class:`MoreChecks` is a mixin of ``validation._Lints`` (it uses its ``add``, ``doc``,
``kind`` and ``trust``); :data:`MORE_CHECKS` joins ``validation.CHECKS``. Messages are the
``findingDetails`` of AWS's policy check reference where it gives them, with the values
filled in; see docs/validation.md for which issue codes are confirmed from a source.

Standard library only: no Django (see STYLE.md, P2).
"""

from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
import re
from typing import Any

from .conditions import parse_number, parse_operator
from .document import StatementNode, key_path, strings_of
from .formats import resource_format_error
from .findings import ERROR, SECURITY_WARNING, SUGGESTION, WARNING
from .jsontext import Node
from .variables import parse_template

__all__ = ["MORE_CHECKS", "MoreChecks"]

#: The checks of this module: issue code -> (level, AWS's title).
MORE_CHECKS: dict[str, tuple[str, str]] = {
    # Errors.
    "FEDERATED_PRINCIPAL_NOT_SUPPORTED": (ERROR, "Federated principal not supported"),
    "INVALID_ARN_PREFIX": (ERROR, "Invalid ARN prefix"),
    "INVALID_CONDITION_DATA_TYPE": (ERROR, "Invalid condition data type"),
    "INVALID_CONDITION_KEY_FORMAT": (ERROR, "Invalid condition key format"),
    "INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY": (
        ERROR, "Invalid federated principal syntax in role trust policy"),
    "INVALID_REGION": (ERROR, "Invalid Region"),
    "INVALID_SERVICE": (ERROR, "Invalid service"),
    "INVALID_SERVICE_PRINCIPAL_FORMAT": (ERROR, "Invalid service principal format"),
    "INVALID_VPC_FORMAT": (ERROR, "Invalid vpc format"),
    "INVALID_VPCE_FORMAT": (ERROR, "Invalid vpce format"),
    "MISSING_ARN_ACCOUNT": (ERROR, "Missing ARN account"),
    "MISSING_ARN_FIELD": (ERROR, "Missing ARN field"),
    "MISSING_TAG_KEY_IN_CONDITION": (ERROR, "Missing tag key in condition"),
    "UNSUPPORTED_GLOBAL_CONDITION_KEY": (ERROR, "Unsupported global condition key"),
    "UNSUPPORTED_SPACE_IN_VARIABLE": (ERROR, "Unsupported space in variable"),
    "VARIABLE_UNSUPPORTED_IN_ELEMENT": (ERROR, "Variable unsupported in element"),
    # Security warnings.
    "DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE": (
        SECURITY_WARNING, "Deny NotAction with unsupported tag condition key for service"),
    "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE": (
        SECURITY_WARNING, "Deny with unsupported tag condition key for service"),
    "MISSING_PAIRED_CONDITION_KEYS": (SECURITY_WARNING, "Missing paired condition keys"),
    # General warnings.
    "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE": (
        WARNING, "Create SLR with NotAction and NotResource"),
    "CREATE_SLR_WITH_NOT_RESOURCE": (WARNING, "Create SLR with NotResource"),
    "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE": (
        WARNING, "Create SLR with star in action and NotResource"),
    "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE": (
        WARNING, "Create SLR with star in action and resource"),
    "CREATE_SLR_WITH_STAR_IN_RESOURCE": (WARNING, "Create SLR with star in resource"),
    "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION": (
        WARNING, "Create SLR with star in resource and NotAction"),
    "INVALID_DATE_VALUE": (WARNING, "Invalid date value"),
    "INVALID_ROLE_REFERENCE": (WARNING, "Invalid role reference"),
    "INVALID_USER_REFERENCE": (WARNING, "Invalid user reference"),
    "TYPE_MISMATCH": (WARNING, "Type mismatch"),
    "TYPE_MISMATCH_BOOLEAN": (WARNING, "Type mismatch Boolean"),
    "TYPE_MISMATCH_NUMBER": (WARNING, "Type mismatch number"),
    "TYPE_MISMATCH_STRING": (WARNING, "Type mismatch string"),
    # Suggestions.
    "ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE": (
        SUGGESTION, "Allow NotAction with unsupported tag condition key for service"),
    "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE": (
        SUGGESTION, "Allow with unsupported tag condition key for service"),
    "EMPTY_ARRAY_CONDITION_FORALLVALUES": (SUGGESTION, "Empty array condition ForAllValues"),
    "EMPTY_ARRAY_CONDITION_FORANYVALUE": (SUGGESTION, "Empty array condition ForAnyValue"),
    "EMPTY_ARRAY_CONDITION_IFEXISTS": (SUGGESTION, "Empty array condition IfExists"),
    "EMPTY_SID_VALUE": (SUGGESTION, "Empty Sid value"),
    "IMPROVE_IP_RANGE": (SUGGESTION, "Improve IP range"),
    "NULL_WITH_QUALIFIER": (SUGGESTION, "Null with qualifier"),
    "PRIVATE_IP_ADDRESS_SUBSET": (SUGGESTION, "Private IP address subset"),
    "PRIVATE_NOT_IP_ADDRESS_SUBSET": (SUGGESTION, "Private NotIpAddress subset"),
    "REDUNDANT_CONDITION_VALUE_NUM": (SUGGESTION, "Redundant condition value num"),
}

_WILD = ("*", "?", "${")
_REGION = re.compile(r"(?:us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov|us-iso|us-isob|us-isof|eusc)"
                     r"-[a-z]+-[0-9]{1,2}")
_VPC = re.compile(r"vpc-[0-9a-f]{8}(?:[0-9a-f]{9})?")
_VPCE = re.compile(r"vpce-[0-9a-f]{8}(?:[0-9a-f]{9})?")
#: A service principal: service-name.amazonaws.com (or .amazonaws.com.cn, .amazon.com).
_SERVICE_PRINCIPAL = re.compile(r"[a-z0-9][a-z0-9.-]*\.(?:amazonaws\.com(?:\.cn)?|amazon\.com)")
#: kms:ViaService: service-name.region.amazonaws.com.
_VIA_SERVICE = re.compile(r"[a-z0-9-]+\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?")
_SERVICE_PRINCIPAL_KEYS = frozenset({"aws:principalservicename",
                                     "aws:principalservicenameslist",
                                     "iam:passedtoservice", "iam:awsservicename"})
#: Federated principals of a role trust policy: a SAML or OIDC provider of an account, or a
#: web identity provider by its name.
_FEDERATED_ARN = re.compile(r"arn:aws[a-z-]*:iam::[0-9]{12}:(?:saml-provider|oidc-provider)/\S+")
_WEB_IDENTITY_PROVIDERS = frozenset({"cognito-identity.amazonaws.com", "accounts.google.com",
                                     "graph.facebook.com", "www.amazon.com"})
#: Global keys by the operator family their type needs (lower case).
_KEY_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    **{key: ("Bool", ("Bool",)) for key in (
        "aws:multifactorauthpresent", "aws:securetransport", "aws:viaawsservice",
        "aws:principalisawsservice", "aws:assumedroot")},
    **{key: ("Date", ("Date",)) for key in ("aws:currenttime", "aws:tokenissuetime")},
    **{key: ("Numeric", ("Numeric",)) for key in ("aws:multifactorauthage",)},
    "aws:epochtime": ("Numeric", ("Numeric", "Date")),
    **{key: ("IpAddress", ("IpAddress",)) for key in ("aws:sourceip", "aws:vpcsourceip")},
}
#: Condition keys that are safer with another: key -> the keys to pair it with.
_SERVICE_PREFIX = re.compile(r"[a-z0-9-]+")
_UNIQUE_ID = re.compile(r"A(?:ROA|IDA)[A-Z0-9]{12,124}")
_PAIRED_KEYS = {"aws:vpcsourceip": ("aws:SourceVpc",)}
_TAG_KEY_FAMILIES = ("aws:requesttag", "aws:resourcetag", "aws:principaltag")
_PRIVATE_RANGES = tuple(ipaddress.ip_network(net) for net in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))
_MAX_EXPANDED = 200


class MoreChecks:
    """The checks of this module, run per statement by ``_Lints.run``."""

    doc: Any
    kind: str
    trust: bool

    def add(self, level: str, code: str, message: str, node: Node | int, path: str,
            st: StatementNode | None = None) -> None:  # pragma: no cover - _Lints's
        raise NotImplementedError

    def more_checks(self, st: StatementNode, statement: Any) -> None:
        if self.trust:
            self.trust_key_support(st)
        self.arn_shapes(st)
        self.key_and_value_checks(st)
        self.element_variables(st)
        self.principal_checks(st)
        self.service_linked_roles(st, statement)
        self.tag_support(st, statement)
        sid = st.get("Sid")
        if sid is not None and sid.kind == "string" and sid.text == "":
            self.add(SUGGESTION, "EMPTY_SID_VALUE",
                     "Add a value to the empty string in the Sid element.", sid,
                     f"{st.path}.Sid", st)

    # ------------------------------------------------------------ ARNs

    def arn_shapes(self, st: StatementNode) -> None:
        """INVALID_ARN_PREFIX, MISSING_ARN_FIELD, INVALID_SERVICE (in an ARN)."""
        for element in ("Resource", "NotResource"):
            for value, node, path in strings_of(st.get(element), f"{st.path}.{element}"):
                if value is None or value == "*" or resource_format_error(value):
                    continue  # IAM's own error (no colon, a bad partition, ...) says it
                head = value.partition(":")[0]
                if head != "arn" and not any(w in head for w in _WILD):
                    self.add(ERROR, "INVALID_ARN_PREFIX",
                             "Add the required prefix (arn) to the resource ARN.", node, path,
                             st)
                    continue
                parts = _variables_as_star(value).split(":", 5)
                if len(parts) < 6:
                    self.add(ERROR, "MISSING_ARN_FIELD",
                             "Resource ARNs must include at least 6 fields and include the "
                             "following structure: arn:partition:service:region:account:"
                             "resource.", node, path, st)
                    continue
                service = parts[2]
                if service and service == service.lower() and not any(
                        w in service for w in _WILD) and _unknown_service(service) and \
                        service not in _arn_services():
                    self.add(ERROR, "INVALID_SERVICE",
                             f"The service {service} does not exist. Use a valid service "
                             "name.", node, path, st)

    # ------------------------------------------------------------ conditions

    def key_and_value_checks(self, st: StatementNode) -> None:
        condition = st.get("Condition")
        if condition is None or condition.kind != "object":
            return
        keys_here = {key.key.lower() for op in condition.members if op.value.kind == "object"
                     for key in op.value.members}
        for operator in condition.members:
            spec = parse_operator(operator.key)
            if spec is None or operator.value.kind != "object":
                continue
            op_path = key_path(f"{st.path}.Condition", operator.key)
            if spec.family == "Null" and spec.qualifier and operator.value.members:
                self.add(SUGGESTION, "NULL_WITH_QUALIFIER",
                         "Avoid using the Null condition operator with the ForAllValues or "
                         "ForAnyValue qualifiers because they always return a true or false "
                         "respectively.", operator.key_start, op_path, st)
            for key in operator.value.members:
                path = key_path(op_path, key.key)
                values = key.value.items if key.value.kind == "array" else (key.value,)
                self._key_name(st, spec, key, path, keys_here)
                self._values(st, operator.key, spec, key, values, path)

    def _key_name(self, st: StatementNode, spec: Any, key: Any, path: str,
                  keys_here: set[str]) -> None:
        lower = key.key.lower()
        prefix, colon, name = lower.partition(":")
        if not colon or not prefix or not name.strip():
            self.add(ERROR, "INVALID_CONDITION_KEY_FORMAT",
                     "The condition key format is not valid. Use the format service:keyname.",
                     key.key_start, path, st)
        elif lower.rstrip("/") in _TAG_KEY_FAMILIES:
            self.add(ERROR, "MISSING_TAG_KEY_IN_CONDITION",
                     f"The condition key {key.key} must include a tag key to control access "
                     "based on tags. Use the format "
                     f"{key.key.rstrip('/')}/tag-key and specify a key name for tag-key.",
                     key.key_start, path, st)
        elif lower == "aws:arn":
            self.add(ERROR, "UNSUPPORTED_GLOBAL_CONDITION_KEY",
                     f"The condition key {key.key} is not supported. Use aws:PrincipalArn or "
                     "aws:SourceArn instead.", key.key_start, path, st)
        elif prefix != "aws" and _SERVICE_PREFIX.fullmatch(prefix) and \
                _unknown_service(prefix) and prefix not in _key_services():
            # (an OIDC provider's keys, token.actions.githubusercontent.com:sub, are no service's)
            self.add(ERROR, "INVALID_SERVICE",
                     f"The service {prefix} does not exist. Use a valid service name.",
                     key.key_start, path, st)
        expected = _KEY_TYPES.get(lower)
        if expected is not None and spec.family != "Null" and not spec.family.startswith(
                expected[1]):
            self.add(WARNING, "TYPE_MISMATCH",
                     f"Use the operator type {expected[0]} instead of operator {spec.base} "
                     f"for the condition key {key.key}.", key.key_start, path, st)
        for paired in _PAIRED_KEYS.get(lower, ()):
            if paired.lower() not in keys_here:
                self.add(SECURITY_WARNING, "MISSING_PAIRED_CONDITION_KEYS",
                         f"Using the condition key {key.key} can be overly permissive without "
                         f"also using the following condition keys: {paired}. Condition keys "
                         "like this one are more secure when paired with a related key. We "
                         "recommend that you add the related condition keys to the same "
                         "condition block.", key.key_start, path, st)

    def _values(self, st: StatementNode, operator: str, spec: Any, key: Any,
                values: tuple[Node, ...], path: str) -> None:
        lower = key.key.lower()
        texts = [value.text for value in values]
        if len({value.kind for value in values}) > 1:
            self.add(ERROR, "INVALID_CONDITION_DATA_TYPE",
                     "The condition value data types do not match. Use condition values of "
                     "the same JSON data type.", key.value, path, st)
        if not values:
            code = ("EMPTY_ARRAY_CONDITION_FORALLVALUES" if spec.qualifier == "ForAllValues"
                    else "EMPTY_ARRAY_CONDITION_FORANYVALUE" if spec.qualifier == "ForAnyValue"
                    else "EMPTY_ARRAY_CONDITION_IFEXISTS" if spec.if_exists else "")
            message = {
                "EMPTY_ARRAY_CONDITION_FORALLVALUES": (
                    "The ForAllValues prefix with an empty condition key matches only if the "
                    "key is missing from the request context. To determine if the request "
                    "context is empty, we recommend that you use the Null condition operator "
                    "with the value of true instead."),
                "EMPTY_ARRAY_CONDITION_FORANYVALUE": (
                    "The ForAnyValue prefix with an empty condition key never matches the "
                    "request context and it does not affect the policy. Specify conditions."),
                "EMPTY_ARRAY_CONDITION_IFEXISTS": (
                    "The IfExists suffix with an empty condition key matches only if the key "
                    "is missing from the request context. To determine if the request context "
                    "is empty, we recommend that you use the Null condition operator with the "
                    "value of true instead."),
            }.get(code)
            if message:
                self.add(SUGGESTION, code, message, key.value, path, st)
            return
        literal = [(value, value.text) for value in values
                   if value.kind == "string" and not any(w in value.text for w in _WILD)]
        for value in values:
            problem = _type_problem(spec.family, value.text)
            if problem:
                self.add(WARNING, *problem, value, path, st)
            if self.doc.variables:
                self._space_in_variable(st, value.text, value, path)
        if spec.family.startswith("Date"):
            for value, text in literal:
                if text.strip().lstrip("-").isdigit():
                    self.add(WARNING, "INVALID_DATE_VALUE",
                             "The date might not resolve as expected. We recommend that you "
                             "use the YYYY-MM-DD format.", value, path, st)
        if spec.family == "IpAddress":
            self._ip_values(st, operator, spec, key, values, path)
        if spec.family in ("NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan",
                           "NumericGreaterThanEquals") and not spec.qualifier:
            numbers = [parse_number(text) for text in texts]
            if len(numbers) > 1 and all(n is not None for n in numbers):
                which = "greatest" if "Less" in spec.family else "least"
                best = max(numbers) if which == "greatest" else min(numbers)  # type: ignore
                self.add(SUGGESTION, "REDUNDANT_CONDITION_VALUE_NUM",
                         f"Multiple values in {operator} are redundant. Replace with the "
                         f"{which} single value for {key.key}: {best}.", key.key_start, path,
                         st)
        if not spec.family.startswith(("String", "Arn")):
            return
        if lower in ("aws:sourcevpc", "aws:sourcevpce"):
            code, pattern, shape = (("INVALID_VPC_FORMAT", _VPC, "vpc-") if lower ==
                                    "aws:sourcevpc" else ("INVALID_VPCE_FORMAT", _VPCE, "vpce-"))
            for value, text in literal:
                if not pattern.fullmatch(text):
                    self.add(ERROR, code,
                             f"The {key.key} value {text} is not valid. Use the format "
                             f"{shape} followed by 8 or 17 hexadecimal characters.",
                             value, path, st)
        elif lower == "aws:requestedregion":
            for value, text in literal:
                if not _REGION.fullmatch(text):
                    self.add(ERROR, "INVALID_REGION",
                             f"The Region {text} is not valid. Update the condition value to "
                             "a supported Region.", value, path, st)
        elif lower in _SERVICE_PRINCIPAL_KEYS or lower == "kms:viaservice":
            pattern = _VIA_SERVICE if lower == "kms:viaservice" else _SERVICE_PRINCIPAL
            shape = ("service-name.region.amazonaws.com" if lower == "kms:viaservice"
                     else "service-name.amazonaws.com")
            for value, text in literal:
                if not pattern.fullmatch(text):
                    self.add(ERROR, "INVALID_SERVICE_PRINCIPAL_FORMAT",
                             f"The service principal {text} does not match the expected "
                             f"format. Use the {shape} format.", value, path, st)

    def _ip_values(self, st: StatementNode, operator: str, spec: Any, key: Any,
                   values: tuple[Node, ...], path: str) -> None:
        private = []
        for value in values:
            facts = _ip_facts(value.text)
            if facts is None:
                continue  # TYPE_MISMATCH_IP_RANGE
            better, is_private = facts
            private.append(is_private)
            if better:
                self.add(SUGGESTION, "IMPROVE_IP_RANGE",
                         "The non-zero bits in the IP address after the masked bits are "
                         f"ignored. Replace {value.text.strip()} with {better}.", value, path, st)
        if key.key.lower() == "aws:sourceip" and any(private) and not all(private):
            if spec.negated:
                self.add(SUGGESTION, "PRIVATE_NOT_IP_ADDRESS_SUBSET",
                         "The values for condition key aws:SourceIp include a mix of private "
                         "and public IP addresses. The private addresses have no effect. "
                         "aws:SourceIp works only for public IP address ranges. To define "
                         "permissions for private IP ranges, use aws:VpcSourceIp.",
                         key.key_start, path, st)
            else:
                self.add(SUGGESTION, "PRIVATE_IP_ADDRESS_SUBSET",
                         "The values for condition key aws:SourceIp include a mix of private "
                         "and public IP addresses. The private addresses will not have the "
                         "desired effect. aws:SourceIp works only for public IP address "
                         "ranges. To define permissions for private IP ranges, use "
                         "aws:VpcSourceIp.", key.key_start, path, st)

    # ------------------------------------------------------------ variables

    def element_variables(self, st: StatementNode) -> None:
        """VARIABLE_UNSUPPORTED_IN_ELEMENT in Action/Principal; UNSUPPORTED_SPACE_IN_VARIABLE
        in Resource and Condition values."""
        if not self.doc.variables:
            return  # VARIABLE_UNSUPPORTED_IN_VERSION says it
        for element in ("Action", "NotAction", "Principal", "NotPrincipal"):
            node = st.get(element)
            if node is None:
                continue
            members = node.members if node.kind == "object" else ()
            sources = [(node, f"{st.path}.{element}")] if not members else [
                (member.value, key_path(f"{st.path}.{element}", member.key))
                for member in members]
            for source, base in sources:
                for value, item, path in strings_of(source, base):
                    if value and "${" in value and parse_template(value).has_vars:
                        self.add(ERROR, "VARIABLE_UNSUPPORTED_IN_ELEMENT",
                                 "Policy variables are supported in the Resource and "
                                 "Condition elements. Remove the policy variable from this "
                                 f"element ({element}).", item, path, st)
        for element in ("Resource", "NotResource"):
            for value, item, path in strings_of(st.get(element), f"{st.path}.{element}"):
                self._space_in_variable(st, value, item, path)

    def _space_in_variable(self, st: StatementNode, value: str | None, item: Node,
                           path: str) -> None:
        if value and "${" in value and any(
                _name_has_space(body) for body in _variable_bodies(value)):
            self.add(ERROR, "UNSUPPORTED_SPACE_IN_VARIABLE",
                     "A space is not supported within the policy variable text. Remove the "
                     "space.", item, path, st)

    # ------------------------------------------------------------ principals

    def principal_checks(self, st: StatementNode) -> None:
        for element in ("Principal", "NotPrincipal"):
            node = st.get(element)
            if node is None:
                continue
            path = f"{st.path}.{element}"
            for member in node.members if node.kind == "object" else ():
                if member.key == "AWS":
                    self._unique_ids(st, member, key_path(path, member.key))
                if member.key != "Federated":
                    continue
                member_path = key_path(path, member.key)
                if not self.trust:
                    if self.kind == "resource":
                        self.add(ERROR, "FEDERATED_PRINCIPAL_NOT_SUPPORTED",
                                 "The policy type RESOURCE_POLICY does not support a federated "
                                 "identity provider in the principal element. Use an AWS "
                                 "account, IAM user or role, or service principal.",
                                 member.key_start, member_path, st)
                    continue
                for value, item, value_path in strings_of(member.value, member_path):
                    if value and not _FEDERATED_ARN.fullmatch(value) and \
                            value not in _WEB_IDENTITY_PROVIDERS:
                        self.add(ERROR,
                                 "INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY",
                                 f"The federated principal {value} is not valid. Use the ARN "
                                 "of a SAML or OIDC identity provider (arn:aws:iam::"
                                 "123456789012:saml-provider/Name, arn:aws:iam::123456789012:"
                                 "oidc-provider/host) or cognito-identity.amazonaws.com, "
                                 "accounts.google.com, graph.facebook.com, www.amazon.com.",
                                 item, value_path, st)

    def _unique_ids(self, st: StatementNode, member: Any, path: str) -> None:
        """A role's or user's unique id (AROA…, AIDA…) in place of its ARN."""
        for value, item, value_path in strings_of(member.value, path):
            if not value or not _UNIQUE_ID.fullmatch(value):
                continue
            if value.startswith("AROA"):
                self.add(WARNING, "INVALID_ROLE_REFERENCE",
                         f"The Principal element includes the IAM role ID {value}. We "
                         "recommend that you use a role ARN instead.", item, value_path, st)
            elif value.startswith("AIDA"):
                self.add(WARNING, "INVALID_USER_REFERENCE",
                         f"The Principal element includes the IAM user ID {value}. We "
                         "recommend that you use a user ARN instead.", item, value_path, st)

    # ------------------------------------------------------------ trust: keys per action

    def trust_key_support(self, st: StatementNode) -> None:
        """UNSUPPORTED_ACTION_FOR_CONDITION_KEY in a role trust policy: a condition key of an
        identity provider or of STS (``cognito-identity.amazonaws.com:aud``, ``saml:aud``,
        ``sts:ExternalId``) with STS actions that do not take it (``sts:TagSession``), from the
        keys the service data lists per STS action. Keys no STS action lists (another OIDC
        provider's) and wildcard actions are not judged."""
        condition = st.get("Condition")
        actions = [v for v, _, _ in strings_of(st.get("Action"), "")]
        if condition is None or condition.kind != "object" or not actions or any(
                not v or any(w in v for w in _WILD) for v in actions):
            return
        for operator in condition.members:
            if operator.value.kind != "object":
                continue
            op_path = key_path(f"{st.path}.Condition", operator.key)
            for key in operator.value.members:
                lower = key.key.lower()
                if lower.startswith("aws:") or not _sts_key(lower):
                    continue
                unsupported = [a for a in actions if not _sts_action_takes(a.lower(), lower)]
                if unsupported and len(unsupported) < len(actions):
                    self.add(ERROR, "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
                             f"The following actions: {', '.join(unsupported)} are not "
                             f"supported by the condition key {key.key}. The condition will "
                             "not be evaluated for these actions. We recommend that you move "
                             "these actions to a different statement without this condition "
                             "key.", key.key_start, key_path(op_path, key.key), st)

    # ------------------------------------------------------------ service-linked roles

    def service_linked_roles(self, st: StatementNode, statement: Any) -> None:
        """CREATE_SLR_WITH_*: an Allow reaching iam:CreateServiceLinkedRole on every role."""
        if not statement.allow or statement.resources is None:
            return
        if statement.actions.matches("iam", "createservicelinkedrole") == statement.not_action:
            return
        if statement.not_resource:
            if statement.resources.match_all:
                return
        elif not statement.resources.match_all:
            return
        actions = [] if statement.not_action else [
            (v or "") for v, _, _ in strings_of(st.get("Action"), "")]
        star = any(("*" in v or "?" in v) and v.lower() != "iam:createservicelinkedrole"
                   for v in actions)
        if statement.not_resource:
            code, text = (
                ("CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE",
                 "Using NotAction with NotResource can allow creation of unintended "
                 "service-linked roles because it allows iam:CreateServiceLinkedRole "
                 "permissions on multiple resources. We recommend that you specify resource "
                 "ARNs instead.") if statement.not_action else
                ("CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
                 "Using an action with a wildcard(*) and NotResource can allow creation of "
                 "unintended service-linked roles because it can allow "
                 "iam:CreateServiceLinkedRole permissions on multiple resources. We recommend "
                 "that you specify resource ARNs instead.") if star else
                ("CREATE_SLR_WITH_NOT_RESOURCE",
                 "Using the iam:CreateServiceLinkedRole action with NotResource can allow "
                 "creation of unintended service-linked roles for multiple resources. We "
                 "recommend that you specify resource ARNs instead."))
            element = "NotResource"
        else:
            code, text = (
                ("CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
                 "Using a resource with wildcards (*) and NotAction can allow creation of "
                 "unintended service-linked roles because it allows "
                 "iam:CreateServiceLinkedRole permissions on all resources. We recommend that "
                 "you specify resource ARNs instead.") if statement.not_action else
                ("CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
                 "Using wildcards (*) in the action and the resource can allow creation of "
                 "unintended service-linked roles because it allows "
                 "iam:CreateServiceLinkedRole permissions on all resources. We recommend that "
                 "you specify resource ARNs instead.") if star else
                ("CREATE_SLR_WITH_STAR_IN_RESOURCE",
                 "Using the iam:CreateServiceLinkedRole action with wildcards (*) in the "
                 "resource can allow creation of unintended service-linked roles. We "
                 "recommend that you specify resource ARNs instead."))
            element = "Resource"
        node = st.get(element) or st.node
        self.add(WARNING, code, text, node, f"{st.path}.{element}", st)

    # ------------------------------------------------------------ tag keys per service

    def tag_support(self, st: StatementNode, statement: Any) -> None:
        """aws:ResourceTag/… with actions of services that do not support it."""
        condition = st.get("Condition")
        if condition is None or condition.kind != "object":
            return
        tag_key = next(((key, key_path(key_path(f"{st.path}.Condition", op.key), key.key))
                        for op in condition.members if op.value.kind == "object"
                        for key in op.value.members
                        if key.key.lower().startswith("aws:resourcetag/")), None)
        if tag_key is None:
            return
        key, path = tag_key
        allow = statement.allow
        if st.get("NotAction") is not None:
            if allow:
                self.add(SUGGESTION,
                         "ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                         "Using the effect Allow with NotAction and the tag condition key "
                         "allows only service actions that support the condition key. The "
                         "condition key doesn't apply to some service actions. We recommend "
                         "that you use Action instead of NotAction.", key.key_start, path, st)
            else:
                self.add(SECURITY_WARNING,
                         "DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                         "Using the effect Deny with NotAction and the tag condition key can "
                         "be overly permissive because some service actions are not denied by "
                         "this statement. This is because the condition key doesn't apply to "
                         "some service actions. We recommend that you use Action instead of "
                         "NotAction.", key.key_start, path, st)
            return
        unsupported = sorted({prefix for v, _, _ in strings_of(st.get("Action"), "")
                              if v and v != "*" and ":" in v
                              for prefix in _without_resource_tag(v)})
        if not unsupported:
            return
        listed = ", ".join(unsupported)
        if allow:
            self.add(SUGGESTION, "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                     "Using the effect Allow with the tag condition key and actions for "
                     f"services with the following prefixes does not affect the policy: "
                     f"{listed}. Actions for the listed service are not allowed by this "
                     "statement. We recommend that you move these actions to a different "
                     "statement without this condition key.", key.key_start, path, st)
        else:
            self.add(SECURITY_WARNING, "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                     "Using the effect Deny with the tag condition key and actions for "
                     f"services with the following prefixes can be overly permissive: "
                     f"{listed}. Actions for the listed services are not denied by this "
                     "statement. We recommend that you move these actions to a different "
                     "statement without this condition key.", key.key_start, path, st)


# ---------------------------------------------------------------- helpers

_TEMPLATE_VARIABLE = re.compile(r"\$\{[^}]*\}")
_VARIABLE_BODY = re.compile(r"\$\{([^}]*)\}")


def _variables_as_star(value: str) -> str:
    return _TEMPLATE_VARIABLE.sub("*", value)


def _variable_bodies(value: str) -> list[str]:
    return _VARIABLE_BODY.findall(value)


def _name_has_space(body: str) -> bool:
    """Whether a variable's name (before a ``, 'default'``) holds a space."""
    name = body.partition(",")[0]
    return bool(name) and any(c.isspace() for c in name)


@functools.lru_cache(maxsize=4096)
def _ip_facts(text: str) -> tuple[str, bool] | None:
    """``(the CIDR to write instead, or "", whether it is private)`` of an IP condition
    value, or None when it is not an address or CIDR."""
    text = text.strip()
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    better = ""
    if "/" in text and network.network_address != ipaddress.ip_address(
            text.partition("/")[0]):
        better = str(network)
    private = any(network.version == range_.version
                  and network.subnet_of(range_)  # type: ignore[arg-type]
                  for range_ in _PRIVATE_RANGES)
    return better, private


def _type_problem(family: str, value: str) -> tuple[str, str] | None:
    """AWS's TYPE_MISMATCH_* code and message for a value its operator cannot read."""
    if family.startswith("Numeric") and parse_number(value) is None:
        return ("TYPE_MISMATCH_NUMBER",
                f"Add a valid numeric value for the condition operator: {value!r} is not a "
                "number.")
    if family in ("Bool", "Null") and value.lower() not in ("true", "false"):
        return ("TYPE_MISMATCH_BOOLEAN",
                f"Add a valid Boolean value (true or false) for the condition operator: "
                f"{value!r} is neither.")
    if family == "BinaryEquals":
        try:
            base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            return ("TYPE_MISMATCH_STRING",
                    f"Add a valid base64-encoded string value for the condition operator: "
                    f"{value!r} is not base64.")
    return None


def _catalogue() -> Any:
    try:
        from . import catalogue
    except Exception:  # noqa: BLE001 - the catalogue is optional
        return None
    return catalogue


@functools.lru_cache(maxsize=1024)
def _unknown_service(prefix: str) -> bool:
    """Whether a service prefix is unknown to the service data and to the extra known
    actions (AWS's managed policies); False when there is no service data."""
    catalogue = _catalogue()
    if catalogue is None:
        return False
    from .validation import _extra_actions
    try:
        if catalogue.is_known_service(prefix):
            return False
    except Exception:  # noqa: BLE001 - a broken catalogue must not break validation
        return False
    return prefix not in _extra_actions()[1]


@functools.cache
def _arn_services() -> frozenset[str]:
    """The services named in the service data's ARN formats (``catalog`` of AWS Marketplace's
    ``arn:${Partition}:catalog:…`` besides the action prefixes)."""
    catalogue = _catalogue()
    names: set[str] = set()
    try:
        for prefix in catalogue.services() if catalogue is not None else ():
            for arn in catalogue.arn_formats(prefix):
                parts = arn.split(":", 5)
                if len(parts) > 2:
                    names.add(parts[2])
    except Exception:  # noqa: BLE001
        pass
    return frozenset(names)


@functools.cache
def _key_services() -> frozenset[str]:
    """The prefixes of every condition key in the service data (``catalog:ChangeType`` is
    AWS Marketplace's, whose actions are ``aws-marketplace:…``)."""
    catalogue = _catalogue()
    names: set[str] = set()
    try:
        for prefix in catalogue.services() if catalogue is not None else ():
            names.update(key.name.partition(":")[0].lower()
                         for key in catalogue.service_condition_keys(prefix))
    except Exception:  # noqa: BLE001
        pass
    return frozenset(names)


@functools.lru_cache(maxsize=4096)
def _without_resource_tag(action: str) -> tuple[str, ...]:
    """The service prefix of ``action`` when an action it names supports no aws:ResourceTag/…
    key (neither the action nor its resource types list one); () when all do, or when the
    action is unknown or expands to more than 200 actions (not judged)."""
    catalogue = _catalogue()
    try:
        names = catalogue.expand(action) if catalogue is not None else ()
        if not names or len(names) > _MAX_EXPANDED:
            return ()
        for name in names:
            info = catalogue.action_info(name)
            if info is None:
                return ()
            keys = info.condition_keys + tuple(k for kind in info.resource_types
                                               for k in kind.condition_keys)
            if not any(k.lower().startswith("aws:resourcetag/") for k in keys):
                return (action.partition(":")[0].lower(),)
    except Exception:  # noqa: BLE001 - a broken catalogue must not break validation
        return ()
    return ()


@functools.cache
def _sts_keys() -> dict[str, tuple[re.Pattern[str], ...]]:
    """STS's actions (lower case) -> matchers of the condition keys each takes."""
    catalogue = _catalogue()
    found: dict[str, tuple[re.Pattern[str], ...]] = {}
    try:
        for name in catalogue.actions_for_service("sts") if catalogue is not None else ():
            info = catalogue.action_info(name if ":" in name else f"sts:{name}")
            if info is None:
                continue
            keys = info.condition_keys + tuple(k for kind in info.resource_types
                                               for k in kind.condition_keys)
            found[f"sts:{info.name}".lower()] = tuple(_key_regex(k) for k in keys)
    except Exception:  # noqa: BLE001 - a broken catalogue must not break validation
        return {}
    return found


def _key_regex(template: str) -> re.Pattern[str]:
    """A key template (``github.com/enterprises/${EnterpriseName}:actor``) as a matcher, a
    placeholder matching any non-empty text."""
    parts = re.split(r"\$\{[^}]*\}", template)
    return re.compile(".+".join(re.escape(part) for part in parts), re.IGNORECASE | re.DOTALL)


@functools.lru_cache(maxsize=1024)
def _sts_key(key_lower: str) -> bool:
    """Whether some STS action takes the key."""
    return any(m.fullmatch(key_lower) for ms in _sts_keys().values() for m in ms)


@functools.lru_cache(maxsize=4096)
def _sts_action_takes(action_lower: str, key_lower: str) -> bool:
    """Whether an STS action takes the key (True for an action the data does not know)."""
    matchers = _sts_keys().get(action_lower)
    return matchers is None or any(m.fullmatch(key_lower) for m in matchers)
