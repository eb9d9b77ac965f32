"""Compiled policies: frozen, hashable, built once per distinct text and cached.

:meth:`Policy.from_json` parses and checks a document (:mod:`.document`), compiles every
statement's matchers (:mod:`.matching`, :mod:`.conditions`) and indexes the statements by
service prefix, so that evaluating a request only visits the statements whose actions can
match it (plus those with ``NotAction`` or ``"*"``). Compiled policies are cached by
content: the same text, kind and name give the very same object.

Standard library only: no Django (see STYLE.md, P2).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

from .conditions import Check, Condition, build_condition
from .document import Document, StatementNode, check, non_whitespace_size, strings_of, to_text
from .findings import ERROR, Finding, PolicyError
from .jsontext import JsonSyntaxError, Node
from .matching import ActionSet, Caller, PrincipalSet, ResourceSet, ResourceTest

__all__ = ["CompiledStatement", "Policy", "Span", "compile_document", "infer_kind"]


class Span(NamedTuple):
    """Where a statement stands in the policy text: 1-based, end column inclusive (the
    column of its closing brace)."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True, eq=False)
class CompiledStatement:
    """One statement, ready to evaluate.

    Attributes:
        index: position in the policy's Statement array (0 for a single statement object).
        sid: the Sid, or None when absent or empty.
        effect: ``"Allow"`` or ``"Deny"``.
        actions: the Action (or, when ``not_action``, NotAction) matcher.
        resources: the Resource (or NotResource) matcher; None when the statement has
            neither (trust policies), which matches every resource.
        principals: the Principal (or NotPrincipal) matcher; None when absent.
        conditions: every condition of the block; all must hold.
        span: where the statement is in the text.
        resource_test: the resource element prepared as one function (see
            :meth:`ResourceSet.prepare`); None when every resource is covered.
        condition_test: the condition block prepared as one function of the context,
            with :meth:`conditions_hold`'s answers and missing keys; None without
            conditions.
    """

    index: int
    sid: str | None
    effect: str
    actions: ActionSet
    not_action: bool
    resources: ResourceSet | None
    not_resource: bool
    principals: PrincipalSet | None
    not_principal: bool
    conditions: tuple[Condition, ...]
    span: Span
    resource_test: ResourceTest | None = field(init=False, repr=False)
    condition_test: Check | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "resource_test", None if self.resources is None
                           else self.resources.prepare(self.not_resource))
        object.__setattr__(self, "condition_test", _all_hold(self.conditions))

    @property
    def allow(self) -> bool:
        """Whether the effect is Allow."""
        return self.effect == "Allow"

    def applies(self, prefix: str, name: str, resource: str,
                context: Mapping[str, tuple[str, ...]], missing: list[str]) -> bool:
        """Tell whether the statement applies to a request (principal aside).

        Args:
            prefix: the request action's service prefix, lower-case.
            name: the action name, lower-case.
            resource: the resource ARN.
            context: the normalised request context.
            missing: receives context keys the statement's conditions needed but lacked.
        """
        return (self.targets(prefix, name, resource, context, missing)
                and self.conditions_hold(context, missing))

    def targets(self, prefix: str, name: str, resource: str,
                context: Mapping[str, tuple[str, ...]], missing: list[str]) -> bool:
        """Tell whether the action and resource are covered (conditions and principal aside)."""
        if self.actions.matches(prefix, name) == self.not_action:
            return False
        return self.resource_test is None or self.resource_test(resource, context, missing)

    def principal_grant(self, caller: Caller) -> str | None:
        """How the statement names the caller: ``"principal"``, ``"everyone"``, ``"role"``,
        ``"account"``, or None when it does not apply to the caller."""
        if self.principals is None:
            return None
        if self.not_principal:
            return None if self.principals.names_exactly(caller) else "everyone"
        return self.principals.match(caller)

    def conditions_hold(self, context: Mapping[str, tuple[str, ...]],
                        missing: list[str]) -> bool:
        """AND of the conditions; keeps noting missing keys after the first false one."""
        return self.condition_test is None or self.condition_test(context, missing)


def _all_hold(conditions: tuple[Condition, ...]) -> Check | None:
    """The AND of a statement's conditions as one function: after the first false one,
    the others only note the keys they would have missed (``missing_context`` reports
    every key a statement that applies needed)."""
    if not conditions:
        return None
    checks = tuple(condition.check for condition in conditions)
    if len(checks) == 1:
        return checks[0]
    notes = tuple(tuple(c.note for c in conditions[position + 1:] if c.note is not None)
                  for position in range(len(conditions)))
    if len(checks) == 2:
        first, second = checks
        after_first = notes[0]

        def both(context: Mapping[str, tuple[str, ...]], missing: list[str]) -> bool:
            if not first(context, missing):
                for note in after_first:
                    note(context, missing)
                return False
            return second(context, missing)
        return both

    def every(context: Mapping[str, tuple[str, ...]], missing: list[str]) -> bool:
        for position, condition_check in enumerate(checks):
            if not condition_check(context, missing):
                for note in notes[position]:
                    note(context, missing)
                return False
        return True
    return every


@dataclass(frozen=True, slots=True)
class _Body:
    version: str | None
    policy_id: str | None
    statements: tuple[CompiledStatement, ...]
    index: Mapping[str, tuple[CompiledStatement, ...]]
    always: tuple[CompiledStatement, ...]
    size: int


@dataclass(frozen=True, eq=False)
class Policy:
    """A compiled policy. Immutable and hashable; equal when text, kind and name are.

    Build one with :meth:`from_json`.

    Attributes:
        text: the policy text that spans and locations refer to (for a dict: its JSON
            dump with 4-space indents).
        kind: ``"identity"``, ``"trust"``, ``"resource"`` (or ``"boundary"``, ``"session"``).
        name: a label for decisions (``matched`` says which policy), or None.
        version: the Version element, or None when absent.
        id: the Id element, or None.
        statements: the compiled statements in document order.
        size: characters other than whitespace (what IAM's size quotas count).
    """

    text: str
    kind: str
    name: str | None
    version: str | None
    id: str | None
    statements: tuple[CompiledStatement, ...]
    size: int
    _index: Mapping[str, tuple[CompiledStatement, ...]] = field(repr=False)
    _always: tuple[CompiledStatement, ...] = field(repr=False)
    _hash: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Policies are dictionary keys on every decision (evaluate's plans): hash once.
        object.__setattr__(self, "_hash", hash((self.text, self.kind, self.name)))

    @classmethod
    def from_json(cls, document: object, name: str | None = None, *,
                  kind: str | None = None, max_size: int | None = None) -> Policy:
        """Parse, check and compile a policy (cached by content).

        Args:
            document: JSON text, UTF-8 bytes, a dict, or a :class:`Policy` (returned as is,
                or renamed when ``name`` differs).
            name: label used in decisions; None to label by position (``identity[0]``).
            kind: ``"identity"`` (also ``"boundary"``, ``"session"``), ``"trust"`` or
                ``"resource"``; trust and resource policies must name a Principal. None
                (the default) reads it from the document: ``"identity"`` unless a statement
                names a Principal or NotPrincipal, then ``"resource"`` if a statement has
                Resource or NotResource, else ``"trust"``. Pass ``kind="identity"`` to
                reject a Principal as IAM does for identity policies.
            max_size: size quota in non-whitespace characters; None for the kind's
                default (6144 identity, 2048 trust, 20480 resource), 0 for none (AWS
                managed policies are larger than 6144).

        Returns:
            The compiled policy; the same object for the same text, kind and name.

        Raises:
            PolicyError: exactly when ``validate(document, kind, max_size=max_size)`` has an
                ERROR (with the kind read from the document when ``kind`` is None); its
                message is the one IAM gives first.
        """
        if isinstance(document, Policy):
            return document if name in (None, document.name) else document.with_name(name)
        try:
            text = to_text(document)
        except JsonSyntaxError as error:
            raise PolicyError([_syntax_finding(error)]) from None
        if kind is None:
            kind = infer_kind(text)
        if not (isinstance(kind, str) and (max_size is None or type(max_size) is int)
                and (name is None or isinstance(name, str))):
            _, errors = check(text, kind, max_size)
            raise PolicyError(errors or [Finding(ERROR, "INVALID_NAME", "Invalid policy name.")])
        return _policy(text, kind, max_size, name)

    def with_name(self, name: str | None) -> Policy:
        """The same compiled policy under another label."""
        return Policy(self.text, self.kind, name, self.version, self.id, self.statements,
                      self.size, self._index, self._always)

    def candidates(self, prefix: str) -> tuple[CompiledStatement, ...]:
        """The statements that may apply to an action of service ``prefix`` (lower-case),
        in document order."""
        return self._index.get(prefix, self._always)

    def for_action(self, prefix: str, name: str) -> tuple[CompiledStatement, ...]:
        """The statements whose Action (or NotAction) element admits the action
        ``prefix:name`` (both lower-case), in document order: what a request for that
        action has to look at, whatever its resource and context."""
        return tuple(st for st in self.candidates(prefix)
                     if st.actions.matches(prefix, name) != st.not_action)

    def to_dict(self) -> Any:
        """The document as plain Python values."""
        return json.loads(self.text)

    def __iter__(self) -> Iterator[CompiledStatement]:
        return iter(self.statements)

    def __len__(self) -> int:
        return len(self.statements)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Policy):
            return NotImplemented
        return (self.text, self.kind, self.name) == (other.text, other.kind, other.name)

    def __hash__(self) -> int:
        return self._hash


@functools.lru_cache(maxsize=2048)
def infer_kind(text: str) -> str:
    """Read a policy's kind from its statements (see :meth:`Policy.from_json`)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return "identity"
    statements: Any = data.get("Statement") if isinstance(data, dict) else None
    listed: list[Any] = statements if isinstance(statements, list) else [statements]
    items = [item for item in listed if isinstance(item, dict)]
    if not any("Principal" in item or "NotPrincipal" in item for item in items):
        return "identity"
    if any("Resource" in item or "NotResource" in item for item in items):
        return "resource"
    return "trust"


def _syntax_finding(error: JsonSyntaxError) -> Finding:
    return Finding(ERROR, "INVALID_JSON", "Syntax errors in policy.", detail=str(error))


@functools.lru_cache(maxsize=4096)
def _policy(text: str, kind: str, max_size: int | None, name: str | None) -> Policy:
    body = _compile(text, kind, max_size)
    if isinstance(body, tuple):
        raise PolicyError(body)
    return Policy(text, kind, name, body.version, body.policy_id, body.statements, body.size,
                  body.index, body.always)


@functools.lru_cache(maxsize=2048)
def _compile(text: str, kind: str, max_size: int | None) -> _Body | tuple[Finding, ...]:
    document, errors = check(text, kind, max_size)
    if errors or document is None:
        return tuple(errors)
    return compile_document(document)


def compile_document(document: Document) -> _Body:
    """Compile a checked document's statements and build the service-prefix index."""
    statements = tuple(_statement(document, st) for st in document.statements)
    always = tuple(st for st in statements if st.not_action or st.actions.prefixes is None)
    buckets: dict[str, set[int]] = {}
    for st in statements:
        if not st.not_action and st.actions.prefixes is not None:
            for prefix in st.actions.prefixes:
                buckets.setdefault(prefix, set()).add(st.index)
    always_ids = {st.index for st in always}
    index = {prefix: tuple(st for st in statements if st.index in ids or st.index in always_ids)
             for prefix, ids in buckets.items()}
    id_node = document.root.get("Id")
    return _Body(document.version, id_node.text if id_node is not None else None, statements,
                 MappingProxyType(index), always, non_whitespace_size(document.text))


def _statement(document: Document, st: StatementNode) -> CompiledStatement:
    node = st.node
    effect = node.get("Effect")
    not_action = node.get("Action") is None
    action_node = node.get("NotAction" if not_action else "Action")
    actions = ActionSet.build(v for v, _, _ in strings_of(action_node, "") if v is not None)
    not_resource = node.get("Resource") is None and node.get("NotResource") is not None
    resource_node = node.get("NotResource" if not_resource else "Resource")
    resources = None
    if resource_node is not None:
        resources = ResourceSet.build((v for v, _, _ in strings_of(resource_node, "")
                                       if v is not None), variables=document.variables)
    not_principal = node.get("Principal") is None and node.get("NotPrincipal") is not None
    principal_node = node.get("NotPrincipal" if not_principal else "Principal")
    principals = None
    if principal_node is not None:
        principals = PrincipalSet.build(_principal_entries(principal_node))
    start = document.source.position(node.start)
    end = document.source.position(node.end - 1)
    return CompiledStatement(
        index=st.index,
        sid=st.sid or None,
        effect=effect.text if effect is not None else "Deny",
        actions=actions,
        not_action=not_action,
        resources=resources,
        not_resource=not_resource,
        principals=principals,
        not_principal=not_principal,
        conditions=_conditions(node.get("Condition"), document.variables),
        span=Span(start[0], start[1], end[0], end[1]),
    )


def _principal_entries(node: Node) -> Iterator[tuple[str, str]]:
    if node.kind == "string":
        yield "*", node.text
        return
    for member in node.members:
        for value, _, _ in strings_of(member.value, ""):
            if value is not None:
                yield member.key, value


def _conditions(node: Node | None, variables: bool) -> tuple[Condition, ...]:
    if node is None:
        return ()
    conditions: list[Condition] = []
    for operator in node.members:
        for key in operator.value.members:
            value = key.value
            items = value.items if value.kind == "array" else (value,)
            compiled = build_condition(operator.key, key.key, tuple(i.text for i in items),
                                       variables=variables)
            if compiled is not None:
                conditions.append(compiled)
    return tuple(conditions)
