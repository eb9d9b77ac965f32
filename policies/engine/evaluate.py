"""One evaluation rule, stated in one function: :func:`evaluate` (STYLE.md, P4).

AWS's order (IAM User Guide, "Policy evaluation logic"; iam-facts §4):

0. ``sts:GetCallerIdentity`` needs no permission and cannot be denied: ``allowed``.
1. An explicit Deny in any applicable policy (service control policies, identity, boundary,
   session, resource) decides: ``explicitDeny``.
1a. Service control policies, when given (the chain of levels from the organization root
   down to the account), must allow at every level: an Allow in some policy of each level.
   They never grant anything by themselves.
2. A same-account resource-based policy that names the caller itself (its exact ARN,
   ``"*"``, a service or federated principal) allows on its own: implicit denies in the
   identity policies, the permissions boundary and the session policies do not limit it.
3. Otherwise an Allow is needed in the identity-based policies, or in a same-account
   resource policy that names the role of the caller's session (that grant stands in for
   the identity policies but stays limited by boundary and session policies). A resource
   policy that names only the caller's account delegates to the account: the identity
   policies must allow.
4. A permissions boundary, and session policies, when given, must also allow.
5. A role trust policy, a KMS key policy, and the resource policy of a resource in
   another account must itself allow (and, across accounts, the identity side must allow
   too): an identity policy alone never reaches into another account or a KMS key.

A Deny with ``NotPrincipal`` in a resource policy always applies to a caller that has a
permissions boundary, whatever it lists (IAM User Guide, permissions boundaries).

The decision says which statements decided it, which policy type denied, how the resource
policy named the caller, and which context keys were missing.

Standard library only: no Django (see STYLE.md, P2).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MemberDescriptorType
from typing import Any

from .compiled import CompiledStatement, Policy, Span
from .conditions import Check
from .matching import ResourceTest, never_covered
from .request import Request

__all__ = ["Decision", "MatchedStatement", "evaluate"]

ALLOWED = "allowed"
EXPLICIT_DENY = "explicitDeny"
IMPLICIT_DENY = "implicitDeny"

#: Policy types, in the order a deny among several is attributed.
LAYERS: tuple[str, ...] = ("scp", "identity", "boundary", "session", "resource")

_ASSUME_ACTIONS = frozenset({"sts:assumerole", "sts:assumerolewithsaml",
                             "sts:assumerolewithwebidentity"})
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
#: Needs no permission and cannot be denied (iam-facts §4.4; STS API reference).
_ALWAYS_ALLOWED = frozenset({"sts:getcalleridentity"})

_EXPLICIT_TAIL = {
    "scp": "with an explicit deny in a service control policy",
    "identity": "with an explicit deny in an identity-based policy",
    "boundary": "with an explicit deny in a permissions boundary",
    "session": "with an explicit deny in a session policy",
    "resource": "with an explicit deny in a resource-based policy",
}
_IMPLICIT_TAIL = {
    "scp": "because no service control policy allows the {action} action",
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
            ``boundary``, ``resource``, ``scp[1][0]``: level, then position in the level).
        policy_kind: ``"identity"``, ``"boundary"``, ``"session"``, ``"resource"`` or
            ``"scp"`` (a service control policy).
        sid: the statement's Sid, or None.
        index: the statement's index in its policy.
        effect: ``"Allow"`` or ``"Deny"``.
        span: (start line, start column, end line, end column) in the policy text, 1-based.
        grant: for resource policies, how the statement named the caller: ``"principal"``,
            ``"everyone"``, ``"role"`` or ``"account"``; None for other policy types.
        level: for service control policies, the level of the chain (0 the organization
            root, then each OU, the account last); None for other policy types.
    """

    policy: str
    policy_kind: str
    sid: str | None
    index: int
    effect: str
    span: Span
    grant: str | None = None
    level: int | None = None

    @property
    def statement_index(self) -> int:
        """Alias of :attr:`index`."""
        return self.index

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON output."""
        return {"policy": self.policy, "policy_kind": self.policy_kind, "sid": self.sid,
                "index": self.index, "effect": self.effect, "span": list(self.span),
                "grant": self.grant, "level": self.level}


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer, with why.

    Attributes:
        decision: ``"allowed"``, ``"explicitDeny"`` or ``"implicitDeny"``.
        matched: the statements that decided it: the Deny statements for an explicit deny,
            the Allow statements for an allow, none for an implicit deny.
        missing_context: context keys a condition (or a policy variable) needed that the
            request lacked, in the order met, each once.
        denied_by: which policy type denied (``"scp"``, ``"identity"``, ``"boundary"``,
            ``"session"``, ``"resource"``), None when allowed.
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
            E.g. ``because no identity-based policy allows the iam:CreateUser action``,
            ``with an explicit deny in a permissions boundary``, ``with an explicit deny in
            a service control policy`` or ``because no service control policy allows the
            iam:CreateUser action``; ``""`` when allowed.
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
             resource: PolicyLike | Iterable[PolicyLike] | None = None,
             scps: Iterable[Iterable[PolicyLike] | PolicyLike] | None = None) -> Decision:
    """Decide a request as IAM does.

    Args:
        request: the :class:`Request` (or a dict with its fields).
        identity: the caller's identity-based policies (user, groups, or role).
        boundary: the caller's permissions boundary, or None.
        session: session policies, or None (an empty list is the same as None).
        resource: the resource-based policy (a bucket policy, a role's trust policy, a
            KMS key policy), or None.
        scps: the service control policies of the caller's account: the chain of levels
            from the organization root down to the account, each level a list of
            policies (``[[root policies], [OU policies], ..., [account policies]]``);
            None (or ``[]``) outside any organization and for its management account.

        Policies may be :class:`Policy` objects, dicts or JSON text; text and dicts are
        compiled (and cached) on the way, without size quotas.

    Returns:
        The :class:`Decision`.

    Raises:
        PolicyError: a policy given as text or dict is malformed.
    """
    if not isinstance(request, Request):
        request = Request.from_dict(request)
    try:
        if type(identity) is list and boundary is None and session is None \
                and resource is None and scps is None:  # the usual call, keyed as _key would
            key: Hashable | None = (request.prefix, request.name, tuple(identity), (), (), ())
        elif type(identity) is list and session is None and resource is None:
            # a member account's principal (policies.authz), keyed as _key would
            key = (request.prefix, request.name, tuple(identity), _key(boundary), (), (),
                   *_chain_key(scps))
        else:
            key = (request.prefix, request.name, _key(identity), _key(boundary), _key(session),
                   _key(resource), *_chain_key(scps))
        plan = _PLANS.get(key)
    except TypeError:  # dicts, generators...: compiled first, then keyed by the policies
        key, plan = None, None
    if plan is None:
        plan = _plan(request.prefix, request.name, identity, boundary, session, resource, scps,
                     key)
    target, context = request.resource, request._context
    missing: list[str] = []
    applied: list[MatchedStatement] = []
    for resource_test, condition_test, matched, principal_check in plan.steps:
        if resource_test is not None and not resource_test(target, context, missing):
            continue
        if principal_check is not None:  # a resource policy's statement
            grant = principal_check.principal_grant(request.caller)
            if grant is None and plan.bounded and principal_check.not_principal \
                    and not principal_check.allow:
                # IAM User Guide, permissions boundaries: a Deny with NotPrincipal always
                # denies a principal that has a boundary, whatever it lists.
                grant = "everyone"
            if grant is None:
                continue
            matched = MatchedStatement(matched.policy, matched.policy_kind, matched.sid,
                                       matched.index, matched.effect, matched.span, grant)
        if condition_test is not None and not condition_test(context, missing):
            continue
        applied.append(matched)
    return _decide(request, plan, tuple(applied),
                   tuple(dict.fromkeys(missing)) if missing else ())


def _decide(request: Request, plan: _Plan, applied: tuple[MatchedStatement, ...],
            missing: tuple[str, ...]) -> Decision:
    action = request.action
    if not applied:
        if plan.free:
            return _decision(ALLOWED, (), missing, None, None, action, ())
        # Nothing allows: the first missing Allow is named (an SCP's, the resource policy's
        # when one was given and must allow, else the identity policies').
        return _decision(IMPLICIT_DENY, (), missing,
                         "scp" if plan.scp_levels else
                         "resource" if plan.resource and _resource_must_allow(request, plan)
                         else "identity", None, action, ())
    denies = tuple(m for m in applied if m.effect == "Deny")
    grant = None
    if plan.resource:  # only resource policies' statements carry a grant
        grants = {m.grant for m in applied if m.grant is not None and m.effect == "Allow"}
        grant = next((g for g in ("principal", "everyone", "role", "account") if g in grants),
                     None)
    resource_grant = None if grant is None else ("account" if grant == "account"
                                                 else "principal")
    if denies:
        return _decision(EXPLICIT_DENY, denies, missing, denies[0].policy_kind, resource_grant,
                         action, applied)
    allows = applied  # no Deny among them
    denied_by: str | None = None
    if plan.scp_levels and len({m.level for m in allows if m.policy_kind == "scp"}) \
            < plan.scp_levels:
        denied_by = "scp"  # some level of the organization allows nothing of this
    elif grant is None and (plan.trust or (plan.kms and _is_kms_key(request.resource))
                            or ((caller := request.caller.account) is not None
                                # the usual answer, a resource of the caller's account or
                                # of none, read straight from the cache (every allow asks)
                                and (_ARN_ACCOUNTS.get(request.resource, "?") not in ("", caller)
                                     or "aws:resourceaccount" in request._context)
                                and _resource_account(request) not in ("", caller))):
        denied_by = "resource"  # _resource_must_allow, inlined
    else:
        cross_account = plan.resource and _cross_account(request)
        if plan.resource and not cross_account and grant in ("principal", "everyone"):
            pass  # the resource policy names the caller itself: it allows on its own
        else:
            allowing = {m.policy_kind for m in allows}
            if not ("identity" in allowing or (grant == "role" and not cross_account)):
                denied_by = "identity"
            elif plan.bounded and "boundary" not in allowing:
                denied_by = "boundary"
            elif plan.sessioned and "session" not in allowing:
                denied_by = "session"
    if denied_by is not None:
        return _decision(IMPLICIT_DENY, (), missing, denied_by, resource_grant, action, applied)
    return _decision(ALLOWED, allows, missing, None, resource_grant, action, applied)


def _resource_must_allow(request: Request, plan: _Plan) -> bool:
    """Whether the resource's own policy must allow: a role's trust policy, a KMS key's
    key policy (even within its account), and any resource of another account (an
    identity policy alone does not reach into another account)."""
    return plan.trust or (plan.kms and _is_kms_key(request.resource)) or _cross_account(request)


def _is_kms_key(resource: str) -> bool:
    """``arn:<partition>:kms:<region>:<account>:key/<key id>``."""
    parts = resource.split(":", 5)
    return len(parts) == 6 and parts[2] == "kms" and parts[5].startswith("key/")


def _fast_constructor() -> Callable[[str, tuple[MatchedStatement, ...], tuple[str, ...],
                                     str | None, str | None, str,
                                     tuple[MatchedStatement, ...]], Decision]:
    """``Decision(...)`` with every field given, without the frozen dataclass's
    ``__init__`` (which sets each slot through ``object.__setattr__``): the slots are
    filled through their descriptors. The object is the same; only cheaper to make."""
    names = [f.name for f in dataclasses.fields(Decision)]
    slots = [slot for slot in (Decision.__dict__.get(name) for name in names)
             if isinstance(slot, MemberDescriptorType)]
    if names != ["decision", "matched", "missing_context", "denied_by", "resource_grant",
                 "action", "applied"] or len(slots) != len(names):
        return Decision  # pragma: no cover  (the class changed: use its own constructor)
    new = object.__new__
    s0, s1, s2, s3, s4, s5, s6 = (slot.__set__ for slot in slots)

    def make(decision: str, matched: tuple[MatchedStatement, ...], missing: tuple[str, ...],
             denied_by: str | None, resource_grant: str | None, action: str,
             applied: tuple[MatchedStatement, ...]) -> Decision:
        made = new(Decision)
        s0(made, decision)
        s1(made, matched)
        s2(made, missing)
        s3(made, denied_by)
        s4(made, resource_grant)
        s5(made, action)
        s6(made, applied)
        return made
    return make


_decision = _fast_constructor()


# ---------------------------------------------------------------- plans
#
# A plan is what a policy set needs to decide one action, worked out once: the
# statements (of every layer, in evaluation order) whose Action/NotAction admits the
# action, each with its prepared resource and condition tests and the MatchedStatement it
# contributes. Deciding a request then does no action matching at all. Plans are keyed by
# the action (lower-case) and the policies as given (Policy objects hash by content, once),
# and kept boundedly: actions and policy sets are finite, and an old plan is only rebuilt.

#: (resource test, condition test, what it contributes, the statement when its principal
#: must be checked): one statement of a plan.
_Step = tuple[ResourceTest | None, Check | None, MatchedStatement, CompiledStatement | None]


@dataclass(frozen=True, slots=True)
class _Plan:
    steps: tuple[_Step, ...]
    resource: bool  # resource policies were given
    bounded: bool  # a permissions boundary was given
    sessioned: bool  # session policies were given
    trust: bool  # the resource policy must itself allow (trust policy, sts:AssumeRole*)
    scp_levels: int = 0  # levels of service control policies, each must allow
    kms: bool = False  # a kms action: a key's policy must allow
    free: bool = False  # needs no permission and cannot be denied (sts:GetCallerIdentity)


_PLANS: dict[Hashable, _Plan] = {}
_PLAN_LIMIT = 4096
_AS_GIVEN = frozenset({tuple, str, bytes})


def _key(value: Any) -> Any:
    """A policy argument as part of a plan's key: equal keys for arguments that compile
    to the same policies (None and ``()``; a Policy and ``[policy]``). Raises TypeError for
    arguments that are not keys as given (dicts, generators): those are compiled first."""
    kind = type(value)
    if kind is list:
        return tuple(value)
    if kind is Policy:
        return (value,)
    if value is None:
        return ()
    if kind in _AS_GIVEN:
        return value
    raise TypeError(kind)


def _chain_key(scps: Any) -> tuple[Any, ...]:
    """The SCP chain as the tail of a plan's key: nothing for None or ``[]`` (no SCPs, so
    the key is the one without them), else one element, the levels keyed as policy
    arguments. Raises TypeError as :func:`_key` does."""
    if scps is None:
        return ()
    if type(scps) not in (list, tuple):
        raise TypeError(type(scps))
    return (tuple([tuple(level) if type(level) is list else _key(level) for level in scps]),) \
        if scps else ()


def _keyable(value: Any) -> bool:
    """Whether an argument keyed as given stands for fixed policies (no iterator or
    mapping that could change or be consumed)."""
    if type(value) in (list, tuple):
        return all(item is None or type(item) in (Policy, str, bytes) for item in value)
    return True


def _plan(prefix: str, name: str, identity: Any, boundary: Any, session: Any,
          resource: Any, scps: Any, key: Hashable | None) -> _Plan:
    layers = (
        ("identity", _policies(identity, "identity")),
        ("boundary", _policies(boundary, "boundary")),
        ("session", _policies(session, "session")),
        ("resource", _policies(resource, "resource")),
    )
    levels = tuple(_policies(level, "scp") for level in scps) if scps else ()
    compiled_key = (prefix, name, *(policies for _, policies in layers),
                    *((levels,) if levels else ()))
    plan = _PLANS.get(compiled_key)
    if plan is None:
        plan = _build_plan(prefix, name, layers, levels)
        _remember(compiled_key, plan)
    if key is not None and key != compiled_key and all(
            _keyable(value) for value in (identity, boundary, session, resource,
                                          *(scps if levels else ()))):
        _remember(key, plan)
    return plan


def _build_plan(prefix: str, name: str, layers: tuple[tuple[str, Sequence[Policy]], ...],
                levels: tuple[Sequence[Policy], ...] = ()) -> _Plan:
    steps: list[_Step] = []
    if f"{prefix}:{name}" in _ALWAYS_ALLOWED:
        return _Plan((), False, False, False, False, free=True)
    # Service control policies first, as in AWS's flow (and so an SCP's explicit deny is
    # the one reported when several policy types deny).
    for level, policies in enumerate(levels):
        for position, policy in enumerate(policies):
            label = policy.name or f"scp[{level}][{position}]"
            for statement in policy.for_action(prefix, name):
                if statement.resource_test is never_covered:
                    continue
                steps.append((statement.resource_test, statement.condition_test,
                              MatchedStatement(label, "scp", statement.sid, statement.index,
                                               statement.effect, statement.span, None, level),
                              None))
    for layer, policies in layers:
        for position, policy in enumerate(policies):
            label = policy.name or (layer if layer in ("boundary", "resource")
                                    and len(policies) == 1 else f"{layer}[{position}]")
            for statement in policy.for_action(prefix, name):
                if statement.resource_test is never_covered:  # "NotResource": "*"
                    continue
                matched = MatchedStatement(label, layer, statement.sid, statement.index,
                                           statement.effect, statement.span)
                steps.append((statement.resource_test, statement.condition_test, matched,
                              statement if layer == "resource" else None))
    resource_policies = layers[3][1]
    trust = bool(resource_policies) and (
        any(p.kind == "trust" for p in resource_policies)
        or f"{prefix}:{name}" in _ASSUME_ACTIONS)
    return _Plan(tuple(steps), bool(resource_policies), bool(layers[1][1]), bool(layers[2][1]),
                 trust, scp_levels=len(levels), kms=prefix == "kms")


def _remember(key: Hashable, plan: _Plan) -> None:
    if len(_PLANS) >= _PLAN_LIMIT:
        try:  # forget the oldest; another thread may just have done so
            del _PLANS[next(iter(_PLANS))]
        except (KeyError, RuntimeError, StopIteration):
            pass
    _PLANS[key] = plan


def _cross_account(request: Request) -> bool:
    """Whether the caller's account differs from the resource's, when both are known
    (the resource's from ``aws:ResourceAccount``, else from its ARN)."""
    caller_account = request.caller.account
    return caller_account is not None and _resource_account(request) not in ("", caller_account)


def _resource_account(request: Request) -> str:
    """The 12-digit account the resource belongs to, "" when unknown."""
    given = request._context.get("aws:resourceaccount")
    if given and len(given) == 1:
        return given[0] if _ACCOUNT_ID.fullmatch(given[0]) else ""
    account = _ARN_ACCOUNTS.get(request.resource)
    return _arn_account(request.resource) if account is None else account


#: The 12-digit account of each resource ARN met, "" when it has none (``*``, S3 ARNs,
#: AWS-owned policies): asked on every allowed decision, so remembered (boundedly).
_ARN_ACCOUNTS: dict[str, str] = {}
_ARN_ACCOUNTS_LIMIT = 8192


def _arn_account(resource: str) -> str:
    parts = resource.split(":", 5)
    account = parts[4] if len(parts) == 6 and _ACCOUNT_ID.fullmatch(parts[4]) else ""
    if account and parts[2] == "organizations" and parts[5].startswith("handshake/"):
        account = ""  # an invitation is addressed to the invited account: not cross-account
    if len(_ARN_ACCOUNTS) >= _ARN_ACCOUNTS_LIMIT:
        _ARN_ACCOUNTS.clear()  # resources are many: start again rather than grow
    _ARN_ACCOUNTS[resource] = account
    return account


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
