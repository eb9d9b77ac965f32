"""Read a policy document and check it against IAM's grammar, with IAM's own messages.

IAM reports only the first failing stage of its checks, each with a fixed message (the
order below follows the documents IAM rejects in ``reference/iam-grammar-cases.json``):

0. size over the quota for the policy's kind (``Cannot exceed quota for PolicySize: 6144``)
1. grammar: JSON, elements, types, Version, Effect, operators ("Syntax errors in policy.")
2. IAM's legacy parser: case-sensitive Effect, dates in Date conditions, ARNs with ``::``
   but too few colons or an empty service ("The policy failed legacy parsing")
3. Sid characters (identity and trust policies), then 4. unique Sids
5. every statement has actions
6. resource ARN format (partition, vendor, region for iam/s3, IAM resource types)
7. action vendor prefixes
8. what the kind demands: identity policies have resources and no principal; trust
   policies have a principal, only sts actions and no resource; resource policies have a
   principal and resources; service control policies (kind ``"scp"``, AWS Organizations)
   are read as identity policies: resources, no principal.

:func:`check` reports every problem of a stage, ordered so that the first ERROR is the
one IAM reports, and stops after the first stage with a grammar (stage 1) problem, since
later checks need a well-formed document.

Standard library only: no Django (see STYLE.md, P2).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .conditions import parse_date, parse_operator
from .findings import ERROR, Finding, Location
from .formats import TRUST_ACTIONS, action_error, principal_value_ok, resource_format_error
from .jsontext import JsonSyntaxError, Node, Source, parse

__all__ = [
    "DEFAULT_MAX_SIZE",
    "KINDS",
    "VERSIONS",
    "Document",
    "StatementNode",
    "check",
    "key_path",
    "non_whitespace_size",
    "strings_of",
    "to_text",
]

#: Policy kinds: grammar differs for identity (incl. boundaries, session policies and
#: AWS Organizations' service control policies), role trust policies and other
#: resource-based policies.
KINDS: tuple[str, ...] = ("identity", "trust", "resource", "boundary", "session", "scp")
#: Kinds read with the identity grammar (no Principal, resources required).
IDENTITY_KINDS: tuple[str, ...] = ("identity", "boundary", "session", "scp")
VERSIONS: tuple[str, ...] = ("2012-10-17", "2008-10-17")

#: Size quotas (characters other than whitespace) by kind, with IAM's quota names.
DEFAULT_MAX_SIZE: dict[str, tuple[int, str]] = {
    "identity": (6144, "PolicySize"),
    "boundary": (6144, "PolicySize"),
    "trust": (2048, "ACLSizePerRole"),
    "session": (2048, "PackedPolicySize"),
    "resource": (20480, "PolicySize"),
    "scp": (5120, "SCP"),  # AWS Organizations: every character counts, whitespace too
}
_INLINE_QUOTAS = {2048: "UserPolicySize", 5120: "GroupPolicySize", 10240: "RolePolicySize"}

SYNTAX = "Syntax errors in policy."
LEGACY = "The policy failed legacy parsing"
_TOP_ELEMENTS = ("Version", "Id", "Statement", "Conditions")
_STATEMENT_ELEMENTS = ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
                       "Principal", "NotPrincipal", "Condition")
_PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
# IAM's message says [0-9A-Za-z]*, yet documents IAM accepted (iam-grammar-cases.json,
# moto-valid-39/40) have Sids with underscores: we accept "_" (validation warns about it).
_SID = re.compile(r"[0-9A-Za-z_]*")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# Stages, in IAM's order.
_SIZE, _GRAMMAR, _LEGACY, _SID_CHARS, _SID_UNIQUE, _ACTIONS, _RESOURCE_FORMAT, \
    _ACTION_PREFIX, _KIND = range(9)


# ---------------------------------------------------------------- public helpers


def to_text(document: object) -> str:
    """Turn what callers pass as a policy into JSON text.

    Args:
        document: JSON text, UTF-8 bytes, or a dict (dumped with 4-space indents; spans
            and locations then refer to that text).

    Raises:
        JsonSyntaxError: bytes that are not UTF-8, a dict that is not JSON-serialisable,
            or any other type.
    """
    if isinstance(document, str):
        return document
    if isinstance(document, (bytes, bytearray, memoryview)):
        try:
            return bytes(document).decode("utf-8")
        except UnicodeDecodeError as error:
            raise JsonSyntaxError("the document is not UTF-8 text", error.start) from None
    if isinstance(document, Mapping):
        try:
            return json.dumps(dict(document), indent=4, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError, RecursionError) as error:
            raise JsonSyntaxError(f"the document cannot be written as JSON: {error}", 0) \
                from None
    raise JsonSyntaxError(f"a policy is JSON text or a dict, not {type(document).__name__}", 0)


def non_whitespace_size(text: str) -> int:
    """Count the characters IAM counts against size quotas (whitespace is free)."""
    return len("".join(text.split()))


def key_path(base: str, key: str) -> str:
    """Extend a JSON path by an object key (``$.Statement``, ``$.Condition["aws:x"]``)."""
    if _IDENTIFIER.fullmatch(key):
        return f"{base}.{key}"
    return f"{base}[{json.dumps(key, ensure_ascii=False)}]"


def strings_of(node: Node | None, path: str) -> Iterator[tuple[str | None, Node, str]]:
    """Yield ``(value, node, path)`` for a string-or-array element; None for JSON null."""
    if node is None:
        return
    if node.kind == "array":
        for index, item in enumerate(node.items):
            value = item.text if item.kind == "string" else None
            yield value, item, f"{path}[{index}]"
    elif node.kind == "string":
        yield node.text, node, path


# ---------------------------------------------------------------- the document


@dataclass(frozen=True, slots=True)
class StatementNode:
    """One statement object of a document, with where it is."""

    index: int
    node: Node
    path: str
    sid: str | None

    def get(self, element: str) -> Node | None:
        """Return an element's value node (``"Action"``, ``"Condition"``, ...), if present."""
        return self.node.get(element)


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed document: its text, root node, Version and statements."""

    text: str
    source: Source
    root: Node
    version: str | None
    statements: tuple[StatementNode, ...]

    @property
    def variables(self) -> bool:
        """Whether policy variables are recognised (Version 2012-10-17 only)."""
        return self.version == "2012-10-17"

    def location(self, offset: int, path: str, statement: StatementNode | None = None
                 ) -> Location:
        """Build a :class:`Location` for a text offset."""
        line, column = self.source.position(offset)
        return Location(statement.index if statement else None,
                        statement.sid if statement else None, line, column, path)


# ---------------------------------------------------------------- the checks


@dataclass
class _Collector:
    source: Source
    found: list[tuple[int, int, Finding]] = field(default_factory=list)
    counter: int = 0

    def add(self, stage: int, code: str, message: str, offset: int, path: str,
            statement: StatementNode | None = None, detail: str = "",
            order: int | None = None) -> None:
        line, column = self.source.position(offset)
        location = Location(statement.index if statement else None,
                            statement.sid if statement else None, line, column, path)
        self.counter += 1
        self.found.append((stage, self.counter if order is None else order,
                           Finding(ERROR, code, message, location, detail)))

    def has(self, stage: int) -> bool:
        return any(s == stage for s, _, _ in self.found)

    def findings(self) -> list[Finding]:
        return [f for _, _, f in sorted(self.found, key=lambda item: (item[0], item[1]))]


def _size_quota(kind: str, max_size: int | None) -> tuple[int, str]:
    limit, name = DEFAULT_MAX_SIZE.get(kind, DEFAULT_MAX_SIZE["identity"])
    if max_size is None:
        return limit, name
    if kind in ("trust", "scp"):
        return max_size, name
    return max_size, _INLINE_QUOTAS.get(max_size, "PolicySize")


def check(text: str, kind: str = "identity", max_size: int | None = None
          ) -> tuple[Document | None, list[Finding]]:
    """Parse ``text`` and run IAM's checks for a policy of ``kind``.

    Args:
        text: the policy document.
        kind: ``"identity"`` (also ``"boundary"``, ``"session"``), ``"trust"``,
            ``"resource"`` or ``"scp"`` (a service control policy).
        max_size: size quota in non-whitespace characters (for ``"scp"``, in all
            characters); None for the kind's default (6144 identity, 2048 trust and session,
            20480 resource, 5120 scp), 0 for no limit.

    Returns:
        The document (None when it could not be read as a policy) and the ERROR findings,
        the one IAM would report first.
    """
    source = Source(text)
    out = _Collector(source)
    if kind not in KINDS:
        out.add(_GRAMMAR, "UNKNOWN_KIND", f"Unknown policy kind {kind!r}.", 0, "$",
                detail="Use identity, trust, resource or scp.")
        return None, out.findings()
    if max_size is not None and (not isinstance(max_size, int) or isinstance(max_size, bool)):
        out.add(_GRAMMAR, "INVALID_MAX_SIZE", f"Invalid size quota {max_size!r}.", 0, "$",
                detail="max_size is a number of characters, 0 for no limit, or None.")
        return None, out.findings()
    limit, quota = _size_quota(kind, max_size)
    if limit > 0 and kind == "scp":
        if len(text) > limit:
            out.add(_SIZE, "POLICY_SIZE_EXCEEDED",
                    f"The policy document exceeds the maximum size of {limit:,} characters.", 0,
                    "$", detail=f"The policy has {len(text):,} characters; in a service control "
                                f"policy every character counts, whitespace too (remove the "
                                f"spaces and line breaks outside quotation marks).")
    elif limit > 0:
        size = non_whitespace_size(text)
        if size > limit:
            out.add(_SIZE, "POLICY_SIZE_EXCEEDED", f"Cannot exceed quota for {quota}: {limit}",
                    0, "$", detail=f"The policy has {size} characters other than whitespace; "
                                   f"the limit is {limit}.")
    try:
        root = parse(text)
    except JsonSyntaxError as error:
        out.add(_GRAMMAR, "INVALID_JSON", SYNTAX, error.offset, "$",
                detail=f"The text is not valid JSON: {error.detail}.")
        return None, out.findings()
    document = _grammar(text, source, root, out)
    if document is None or out.has(_GRAMMAR):
        return None, out.findings()
    _legacy(document, out)
    _sids(document, kind, out)
    _actions_present(document, out)
    _action_prefixes(document, out)
    _kind_rules(document, kind, out)
    return document, out.findings()


def _duplicates(node: Node, path: str, out: _Collector) -> None:
    if node.kind == "object":
        seen: set[str] = set()
        for member in node.members:
            member_path = key_path(path, member.key)
            if member.key in seen:
                out.add(_GRAMMAR, "DUPLICATE_KEY", SYNTAX, member.key_start, member_path,
                        detail=f"The element {member.key!r} appears twice in the same object.")
            seen.add(member.key)
            _duplicates(member.value, member_path, out)
    elif node.kind == "array":
        for index, item in enumerate(node.items):
            _duplicates(item, f"{path}[{index}]", out)


def _grammar(text: str, source: Source, root: Node, out: _Collector) -> Document | None:
    if root.kind != "object":
        out.add(_GRAMMAR, "NOT_AN_OBJECT", SYNTAX, root.start, "$",
                detail="A policy is a JSON object with Version and Statement.")
        return None
    _duplicates(root, "$", out)
    for member in root.members:
        if member.key not in _TOP_ELEMENTS:
            out.add(_GRAMMAR, "UNKNOWN_ELEMENT", SYNTAX, member.key_start,
                    key_path("$", member.key),
                    detail=f"{member.key!r} is not a policy element; use Version, Id "
                           f"and Statement.")
    version_node = root.get("Version")
    version: str | None = None
    if version_node is not None:
        if version_node.kind != "string" or version_node.text not in VERSIONS:
            out.add(_GRAMMAR, "INVALID_VERSION", SYNTAX, version_node.start, "$.Version",
                    detail='Version must be "2012-10-17" (or the legacy "2008-10-17").')
        else:
            version = version_node.text
    id_node = root.get("Id")
    if id_node is not None and id_node.kind != "string":
        out.add(_GRAMMAR, "INVALID_ID", SYNTAX, id_node.start, "$.Id",
                detail="Id must be a string.")
    statement_node = root.get("Statement")
    statements: list[StatementNode] = []
    if statement_node is None:
        out.add(_GRAMMAR, "MISSING_STATEMENT", SYNTAX, root.start, "$",
                detail="A policy needs a Statement: one statement object or an array of them.")
    elif statement_node.kind == "object":
        statements.append(_statement_node(0, statement_node, "$.Statement"))
    elif statement_node.kind == "array":
        if not statement_node.items:
            out.add(_GRAMMAR, "EMPTY_STATEMENT", SYNTAX, statement_node.start, "$.Statement",
                    detail="Statement must hold at least one statement.")
        for index, item in enumerate(statement_node.items):
            path = f"$.Statement[{index}]"
            if item.kind != "object":
                out.add(_GRAMMAR, "STATEMENT_NOT_OBJECT", SYNTAX, item.start, path,
                        detail="Each statement must be a JSON object.")
            else:
                statements.append(_statement_node(index, item, path))
    else:
        out.add(_GRAMMAR, "INVALID_STATEMENT", SYNTAX, statement_node.start, "$.Statement",
                detail="Statement must be a statement object or an array of them.")
    for statement in statements:
        _statement_grammar(statement, out)
    return Document(text, source, root, version, tuple(statements))


def _statement_node(index: int, node: Node, path: str) -> StatementNode:
    sid = node.get("Sid")
    return StatementNode(index, node, path, sid.text if sid is not None and
                         sid.kind == "string" else None)


def _statement_grammar(st: StatementNode, out: _Collector) -> None:
    node = st.node
    for member in node.members:
        if member.key not in _STATEMENT_ELEMENTS:
            out.add(_GRAMMAR, "UNKNOWN_ELEMENT", SYNTAX, member.key_start,
                    key_path(st.path, member.key), st,
                    detail=f"{member.key!r} is not a statement element.")
    for first, second in (("Action", "NotAction"), ("Resource", "NotResource"),
                          ("Principal", "NotPrincipal")):
        if node.get(first) is not None and node.get(second) is not None:
            second_member = node.member(second)
            assert second_member is not None
            out.add(_GRAMMAR, f"{first.upper()}_AND_{second.upper()}", SYNTAX,
                    second_member.key_start, f"{st.path}.{second}", st,
                    detail=f"A statement has either {first} or {second}, not both.")
    effect = node.get("Effect")
    if effect is None:
        out.add(_GRAMMAR, "MISSING_EFFECT", SYNTAX, node.start, st.path, st,
                detail='Every statement needs "Effect": "Allow" or "Deny".')
    elif effect.kind != "string" or effect.text.lower() not in ("allow", "deny"):
        out.add(_GRAMMAR, "INVALID_EFFECT", SYNTAX, effect.start, f"{st.path}.Effect", st,
                detail='Effect must be "Allow" or "Deny".')
    for element in ("Action", "NotAction", "Resource", "NotResource"):
        value = node.get(element)
        if value is None:
            continue
        items = value.items if value.kind == "array" else (value,)
        if value.kind not in ("string", "array") or any(
                item.kind not in ("string", "null") for item in items):
            out.add(_GRAMMAR, "INVALID_VALUE_TYPE", SYNTAX, value.start, f"{st.path}.{element}",
                    st, detail=f"{element} must be a string or an array of strings.")
    for element in ("Principal", "NotPrincipal"):
        value = node.get(element)
        if value is not None and not _principal_syntax_ok(value):
            out.add(_GRAMMAR, "INVALID_PRINCIPAL_SYNTAX", SYNTAX, value.start,
                    f"{st.path}.{element}", st,
                    detail=f'{element} must be "*" or an object whose keys are AWS, Service, '
                           f"Federated or CanonicalUser, each a string or array of strings.")
    sid = node.get("Sid")
    if sid is not None and sid.kind != "string":
        out.add(_GRAMMAR, "INVALID_SID_TYPE", SYNTAX, sid.start, f"{st.path}.Sid", st,
                detail="Sid must be a string.")
    condition = node.get("Condition")
    if condition is not None:
        _condition_grammar(st, condition, out)


def _principal_syntax_ok(value: Node) -> bool:
    if value.kind == "string":
        return value.text == "*"
    if value.kind != "object" or not value.members:
        return False
    for member in value.members:
        if member.key not in _PRINCIPAL_TYPES:
            return False
        inner = member.value
        if inner.kind == "array":
            if not inner.items or any(item.kind != "string" for item in inner.items):
                return False
        elif inner.kind != "string":
            return False
    return True


def _condition_grammar(st: StatementNode, condition: Node, out: _Collector) -> None:
    path = f"{st.path}.Condition"
    if condition.kind != "object":
        out.add(_GRAMMAR, "INVALID_CONDITION", SYNTAX, condition.start, path, st,
                detail="Condition must be an object of operators.")
        return
    for operator in condition.members:
        op_path = key_path(path, operator.key)
        block = operator.value
        if block.kind != "object":
            out.add(_GRAMMAR, "INVALID_CONDITION", SYNTAX, block.start, op_path, st,
                    detail=f"The {operator.key} block must be an object of condition keys.")
            continue
        if parse_operator(operator.key) is None and block.members:
            out.add(_GRAMMAR, "UNKNOWN_OPERATOR", SYNTAX, operator.key_start, op_path, st,
                    detail=f"{operator.key!r} is not a condition operator.")
        for key in block.members:
            value = key.value
            items = value.items if value.kind == "array" else (value,)
            if any(item.kind not in ("string", "bool", "number") for item in items):
                out.add(_GRAMMAR, "INVALID_CONDITION_VALUE", SYNTAX, value.start,
                        key_path(op_path, key.key), st,
                        detail="A condition value is a string, boolean or number, or an "
                               "array of them.")


def _legacy(doc: Document, out: _Collector) -> None:
    for st in doc.statements:
        effect = st.get("Effect")
        if effect is not None and effect.text not in ("Allow", "Deny"):
            out.add(_LEGACY, "EFFECT_CASE", LEGACY, effect.start, f"{st.path}.Effect", st,
                    detail=f'Effect is case-sensitive: write "{effect.text.capitalize()}".')
        condition = st.get("Condition")
        if condition is None:
            continue
        for operator in condition.members:
            spec = parse_operator(operator.key)
            if spec is None or spec.family[:4] != "Date":
                continue
            for key in operator.value.members:
                for value, node, path in _values_of(key.value,
                                                    key_path(key_path(f"{st.path}.Condition",
                                                             operator.key), key.key)):
                    if node.kind == "bool" or parse_date(value) is None:
                        out.add(_LEGACY, "INVALID_DATE", LEGACY, node.start, path, st,
                                detail=f"{value!r} is not a date: use ISO 8601 such as "
                                       f"2026-01-31T12:00:00Z, or epoch seconds.")
    _resources(doc, out)


def _values_of(node: Node, path: str) -> Iterator[tuple[str, Node, str]]:
    if node.kind == "array":
        for index, item in enumerate(node.items):
            yield item.text, item, f"{path}[{index}]"
    else:
        yield node.text, node, path


def _resources(doc: Document, out: _Collector) -> None:
    """Resource formats, then (while no format error was met) the legacy ARN checks.

    IAM reports the format error of the *last* offending value it meets, visiting each
    statement's Resource, then NotResource, values in reverse lexical order.
    """
    format_error_seen = False
    order = 0
    for element in ("Resource", "NotResource"):
        for st in doc.statements:
            values = [(v, n, p) for v, n, p in strings_of(st.get(element),
                                                           f"{st.path}.{element}")
                      if v is not None]
            for value, node, path in sorted(values, key=lambda item: item[0], reverse=True):
                message = resource_format_error(value)
                if message is not None:
                    format_error_seen = True
                    order -= 1
                    out.add(_RESOURCE_FORMAT, "INVALID_RESOURCE", message, node.start, path,
                            st, order=order,
                            detail="A resource is \"*\" or an ARN: "
                                   "arn:partition:service:region:account:resource.")
            if format_error_seen:
                continue
            for value, node, path in values:
                if value == "*":
                    continue
                parts = value.split(":")
                if ("::" in value and value.count(":") < 5) or (len(parts) > 2 and not parts[2]):
                    out.add(_LEGACY, "RESOURCE_LEGACY", LEGACY, node.start, path, st,
                            detail="The ARN has too few segments or no service: "
                                   "arn:partition:service:region:account:resource.")


def _sids(doc: Document, kind: str, out: _Collector) -> None:
    if kind != "resource":
        for st in doc.statements:
            sid = st.get("Sid")
            if sid is not None and _SID.fullmatch(sid.text) is None:
                out.add(_SID_CHARS, "INVALID_SID",
                        "Statement IDs (SID) must be alpha-numeric. Check that your input "
                        "satisfies the regular expression [0-9A-Za-z]*",
                        sid.start, f"{st.path}.Sid", st,
                        detail="In IAM policies a Sid has only letters and digits.")
    seen: set[str] = set()
    for st in doc.statements:
        if st.sid:
            if st.sid in seen:
                sid = st.get("Sid")
                assert sid is not None
                out.add(_SID_UNIQUE, "DUPLICATE_SID",
                        "Statement IDs (SID) in a single policy must be unique.",
                        sid.start, f"{st.path}.Sid", st,
                        detail=f"Another statement already has the Sid {st.sid!r}.")
            seen.add(st.sid)


def _actions_present(doc: Document, out: _Collector) -> None:
    for st in doc.statements:
        node = st.get("Action") or st.get("NotAction")
        if node is None or (node.kind == "array" and not node.items):
            out.add(_ACTIONS, "MISSING_ACTION", "Policy statement must contain actions.",
                    (node or st.node).start, st.path, st,
                    detail="Add an Action (or NotAction) element with at least one action.")


def _action_prefixes(doc: Document, out: _Collector) -> None:
    for element in ("Action", "NotAction"):
        for st in doc.statements:
            for value, node, path in strings_of(st.get(element), f"{st.path}.{element}"):
                if value is None:
                    continue
                message = action_error(value)
                if message is not None:
                    out.add(_ACTION_PREFIX, "INVALID_ACTION", message, node.start, path, st,
                            detail='An action is "*" or "service:ActionName", e.g. '
                                   '"s3:GetObject" or "iam:List*".')


def _kind_rules(doc: Document, kind: str, out: _Collector) -> None:
    for st in doc.statements:
        principal = st.get("Principal") or st.get("NotPrincipal")
        element = "Principal" if st.get("Principal") is not None else "NotPrincipal"
        if kind in IDENTITY_KINDS:
            if principal is not None:
                out.add(_KIND, "PRINCIPAL_NOT_ALLOWED",
                        "Policy document should not specify a principal.", principal.start,
                        f"{st.path}.{element}", st,
                        detail=("A service control policy applies to every principal of "
                                "the accounts it is attached to (root, OU or account); it "
                                "names no principal." if kind == "scp" else
                                "Identity-based policies apply to whoever they are attached "
                                "to; only resource-based and trust policies name principals."))
        elif principal is None:
            out.add(_KIND, "MISSING_PRINCIPAL", "Missing required field Principal",
                    st.node.start, st.path, st,
                    detail="A trust or resource-based policy says who it applies to: add a "
                           "Principal element.")
        else:
            _principal_values(st, principal, f"{st.path}.{element}", out)
        if kind == "trust":
            for value, node, path in strings_of(st.get("Action"), f"{st.path}.Action"):
                if value is not None and value.lower() not in TRUST_ACTIONS:
                    out.add(_KIND, "INVALID_TRUST_ACTION",
                            "Trust Policy statement actions can only be sts:AssumeRole, "
                            "sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity",
                            node.start, path, st,
                            detail="A trust policy only says who may assume the role.")
            for resource_element in ("Resource", "NotResource"):
                resource_member = st.node.member(resource_element)
                if resource_member is not None:
                    out.add(_KIND, "RESOURCE_NOT_ALLOWED", "Has prohibited field Resource.",
                            resource_member.key_start, f"{st.path}.{resource_element}", st,
                            detail="A trust policy is attached to the role it governs; "
                                   "remove Resource.")
        else:
            resources = st.get("Resource") or st.get("NotResource")
            if resources is None or (resources.kind == "array" and not resources.items):
                out.add(_KIND, "MISSING_RESOURCE", "Policy statement must contain resources.",
                        (resources or st.node).start, st.path, st,
                        detail='Add a Resource element: "*" or the ARNs the statement covers.')


def _principal_values(st: StatementNode, principal: Node, path: str, out: _Collector) -> None:
    for member in principal.members:
        for value, node, value_path in strings_of(member.value, key_path(path, member.key)):
            if value is None or principal_value_ok(member.key, value):
                continue
            out.add(_KIND, "INVALID_PRINCIPAL",
                    f'Invalid principal in policy: "{member.key}":"{value}"', node.start,
                    value_path, st,
                    detail="Name an account id, an ARN without wildcards, or \"*\".")
