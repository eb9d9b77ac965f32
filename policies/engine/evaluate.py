"""One evaluation rule, stated in one function: :func:`evaluate` (STYLE.md, P4).

AWS's order (IAM User Guide, "Policy evaluation logic"; iam-facts §4):

1. An explicit Deny in any applicable policy (identity, boundary, session, resource)
   decides: ``explicitDeny``.
2. A same-account resource-based policy that names the caller itself (its exact ARN,
   ``"*"``, a service or federated principal) allows on its own: implicit denies in the
   identity policies, the permissions boundary and the session policies do not limit it.
3. Otherwise an Allow is needed in the identity-based policies, or in a same-account
   resource policy that names the role of the caller's session (that grant stands in for
   the identity policies but stays limited by boundary and session policies). A resource
   policy that names only the caller's account delegates to the account: the identity
   policies must allow.
4. A permissions boundary, and session policies, when given, must also allow.
5. A role trust policy, and any resource policy of another account, must itself allow
   (and, across accounts, the identity side must allow too).

A Deny with ``NotPrincipal`` in a resource policy always applies to a caller that has a
permissions boundary, whatever it lists (IAM User Guide, permissions boundaries).

The decision says which statements decided it, which policy type denied, how the resource
policy named the caller, and which context keys were missing.

Standard library only: no Django (see STYLE.md, P2).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .compiled import Policy, Span
from .request import Request

__all__ = ["Decision", "MatchedStatement", "evaluate"]

ALLOWED = "allowed"
EXPLICIT_DENY = "explicitDeny"
IMPLICIT_DENY = "implicitDeny"

#: Policy types, in the order a deny among several is attributed.
LAYERS: tuple[str, ...] = ("identity", "boundary", "session", "resource")

_ASSUME_ACTIONS = frozenset({"sts:assumerole", "sts:assumerolewithsaml",
                             "sts:assumerolewithwebidentity"})
_ACCOUNT_ID = re.compile(r"[0-9]{12}")

_EXPLICIT_TAIL = {
    "identity": "with an explicit deny in an identity-based policy",
    "boundary": "with an explicit deny in a permissions boundary",
    "session": "with an explicit deny in a session policy",
    "resource": "with an explicit deny in a resource-based policy",
}
_IMPLICIT_TAIL = {
    "identity": "because no identity-based policy allows the {action} action",
    "boundary": "because no permissions boundary allows the {action} action",
    "session": "because no session policy allows the {action} action",
    "resource": "because no resource-based policy allows the {action} action",
}


@dataclass(frozen=True, slots=True)
class MatchedStatement:
    """A statement that applied to the request.

    Attributes:
        policy: the policy's name, or its position (``identity[0]``, ``session[1]``,
            ``boundary``, ``resource``).
        policy_kind: ``"identity"``, ``"boundary"``, ``"session"`` or ``"resource"``.
        sid: the statement's Sid, or None.
        index: the statement's index in its policy.
        effect: ``"Allow"`` or ``"Deny"``.
        span: (start line, start column, end line, end column) in the policy text, 1-based.
        grant: for resource policies, how the statement named the caller: ``"principal"``,
            ``"everyone"``, ``"role"`` or ``"account"``; None for other policy types.
    """

    policy: str
    policy_kind: str
    sid: str | None
    index: int
    effect: str
    span: Span
    grant: str | None = None

    @property
    def statement_index(self) -> int:
        """Alias of :attr:`index`."""
        return self.index

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON output."""
        return {"policy": self.policy, "policy_kind": self.policy_kind, "sid": self.sid,
                "index": self.index, "effect": self.effect, "span": list(self.span),
                "grant": self.grant}


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer, with why.

    Attributes:
        decision: ``"allowed"``, ``"explicitDeny"`` or ``"implicitDeny"``.
        matched: the statements that decided it: the Deny statements for an explicit deny,
            the Allow statements for an allow, none for an implicit deny.
        missing_context: context keys a condition (or a policy variable) needed that the
            request lacked, in the order met, each once.
        denied_by: which policy type denied (``"identity"``, ``"boundary"``, ``"session"``,
            ``"resource"``), None when allowed.
        resource_grant: whether a resource policy allowed, naming the caller itself
            (``"principal"``; also its role, ``"*"`` or a service) or only its account
            (``"account"``); None when no resource policy allowed.
        action: the request's action.
        applied: every statement that applied, Allow and Deny, in every policy.
    """

    decision: str
    matched: tuple[MatchedStatement, ...] = ()
    missing_context: tuple[str, ...] = ()
    denied_by: str | None = None
    resource_grant: str | None = None
    action: str = ""
    applied: tuple[MatchedStatement, ...] = ()

    @property
    def allowed(self) -> bool:
        """Whether the decision is ``allowed``."""
        return self.decision == ALLOWED

    def reason(self, action: str | None = None) -> str:
        """AWS's tail of an AccessDenied message.

        Args:
            action: the action to name; defaults to the request's.

        Returns:
            E.g. ``because no identity-based policy allows the iam:CreateUser action`` or
            ``with an explicit deny in a permissions boundary``; ``""`` when allowed.
        """
        if self.decision == ALLOWED or self.denied_by is None:
            return ""
        if self.decision == EXPLICIT_DENY:
            return _EXPLICIT_TAIL[self.denied_by]
        return _IMPLICIT_TAIL[self.denied_by].format(action=action or self.action)

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON output."""
        return {"decision": self.decision, "denied_by": self.denied_by,
                "resource_grant": self.resource_grant,
                "missing_context": list(self.missing_context),
                "matched": [m.to_dict() for m in self.matched]}


PolicyLike = Policy | Mapping[str, Any] | str | bytes


def evaluate(request: Request | Mapping[str, Any],
             identity: Iterable[PolicyLike] | PolicyLike | None = (),
             boundary: PolicyLike | Iterable[PolicyLike] | None = None,
             session: Iterable[PolicyLike] | PolicyLike | None = None,
             resource: PolicyLike | Iterable[PolicyLike] | None = None) -> Decision:
    """Decide a request as IAM does.

    Args:
        request: the :class:`Request` (or a dict with its fields).
        identity: the caller's identity-based policies (user, groups, or role).
        boundary: the caller's permissions boundary, or None.
        session: session policies, or None (an empty list is the same as None).
        resource: the resource-based policy (a bucket policy, a role's trust policy), or
            None.

        Policies may be :class:`Policy` objects, dicts or JSON text; text and dicts are
        compiled (and cached) on the way, without size quotas.

    Returns:
        The :class:`Decision`.

    Raises:
        PolicyError: a policy given as text or dict is malformed.
    """
    if not isinstance(request, Request):
        request = Request.from_dict(request)
    layers = (
        ("identity", _policies(identity, "identity")),
        ("boundary", _policies(boundary, "boundary")),
        ("session", _policies(session, "session")),
        ("resource", _policies(resource, "resource")),
    )
    prefix, name, target = request.prefix, request.name, request.resource
    context, caller = request.normalized, request.caller
    missing: list[str] = []
    applied: list[MatchedStatement] = []
    bounded = bool(layers[1][1])
    for layer, policies in layers:
        for position, policy in enumerate(policies):
            label = policy.name or (layer if layer in ("boundary", "resource")
                                    and len(policies) == 1 else f"{layer}[{position}]")
            for statement in policy.candidates(prefix):
                if not statement.targets(prefix, name, target, context, missing):
                    continue
                grant = None
                if layer == "resource":
                    grant = statement.principal_grant(caller)
                    if grant is None and bounded and statement.not_principal \
                            and not statement.allow:
                        # IAM User Guide, permissions boundaries: a Deny with NotPrincipal
                        # always denies a principal that has a boundary, whatever it lists.
                        grant = "everyone"
                    if grant is None:
                        continue
                if statement.conditions_hold(context, missing):
                    applied.append(MatchedStatement(label, layer, statement.sid, statement.index,
                                                    statement.effect, statement.span, grant))
    return _decide(request, dict(layers), tuple(applied),
                   tuple(dict.fromkeys(missing)) if missing else ())


def _decide(request: Request, layers: Mapping[str, Sequence[Policy]],
            applied: tuple[MatchedStatement, ...], missing: tuple[str, ...]) -> Decision:
    denies = tuple(m for m in applied if m.effect == "Deny")
    allowing = {m.policy_kind for m in applied if m.effect == "Allow"}
    grants = {m.grant for m in applied if m.grant is not None and m.effect == "Allow"}
    grant = next((g for g in ("principal", "everyone", "role", "account") if g in grants), None)
    resource_grant = None if grant is None else ("account" if grant == "account"
                                                 else "principal")

    def decided(decision: str, matched: tuple[MatchedStatement, ...] = (),
                denied_by: str | None = None) -> Decision:
        return Decision(decision, matched, missing, denied_by, resource_grant,
                        request.action, applied)

    if denies:
        return decided(EXPLICIT_DENY, denies, denies[0].policy_kind)
    allows = tuple(m for m in applied if m.effect == "Allow")
    resource_policies = layers["resource"]
    cross_account = bool(resource_policies) and _cross_account(request)
    trust = bool(resource_policies) and (
        any(p.kind == "trust" for p in resource_policies)
        or f"{request.prefix}:{request.name}" in _ASSUME_ACTIONS)
    if (trust or cross_account) and grant is None:
        return decided(IMPLICIT_DENY, denied_by="resource")
    if resource_policies and not cross_account and grant in ("principal", "everyone"):
        return decided(ALLOWED, allows)
    if not ("identity" in allowing or (grant == "role" and not cross_account)):
        return decided(IMPLICIT_DENY, denied_by="identity")
    if layers["boundary"] and "boundary" not in allowing:
        return decided(IMPLICIT_DENY, denied_by="boundary")
    if layers["session"] and "session" not in allowing:
        return decided(IMPLICIT_DENY, denied_by="session")
    return decided(ALLOWED, allows)


def _cross_account(request: Request) -> bool:
    """Whether the caller's account differs from the resource's, when both are known
    (the resource's from ``aws:ResourceAccount``, else from its ARN)."""
    caller_account = request.caller.account
    if caller_account is None:
        return False
    given = request.normalized.get("aws:resourceaccount")
    if given and len(given) == 1:
        resource_account = given[0]
    else:
        parts = request.resource.split(":", 5)
        resource_account = parts[4] if len(parts) == 6 else ""
    return bool(_ACCOUNT_ID.fullmatch(resource_account)) and resource_account != caller_account


def _policies(value: Any, layer: str) -> Sequence[Policy]:
    """Turn one policy, a list of them, or None into compiled policies."""
    if value is None:
        return ()
    if type(value) is Policy:
        return (value,)
    if type(value) in (list, tuple) and all(type(item) is Policy for item in value):
        return tuple(value)
    if isinstance(value, (Policy, Mapping, str, bytes, bytearray)):
        value = [value]
    policies = []
    for item in value:
        if item is None:
            continue
        if isinstance(item, Policy):
            policies.append(item)
        else:
            document = dict(item) if isinstance(item, Mapping) else item
            kind = None if layer == "resource" else layer
            policies.append(Policy.from_json(document, kind=kind, max_size=0))
    return tuple(policies)
