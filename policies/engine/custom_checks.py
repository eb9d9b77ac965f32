"""IAM Access Analyzer's custom policy checks, decided by reasoning over the documents.

- :func:`check_no_new_access` (CheckNoNewAccess): does ``new`` allow some request that
  ``existing`` does not?
- :func:`check_access_not_granted` (CheckAccessNotGranted): may the policy allow one of
  the listed actions (on one of the listed resources)?
- :func:`check_no_public_access` (CheckNoPublicAccess): does a resource policy allow
  everyone, without a condition that ties the request to an account, organisation or
  source?

No request is sampled. Each check works on the algebra of the statements' patterns:

- an action is a glob matched case-insensitively; a wildcard pattern is expanded to the
  catalogue's actions it matches (:mod:`.catalogue`), and kept as a pattern when it
  matches none; ``NotAction`` is the complement within the catalogue's actions;
- a resource is a glob matched case-sensitively, segment-wise as ARNs are (:mod:`.matching`);
  two patterns are compared symbolically: :func:`contains` (every string of one matches
  the other; sound, may answer no for a union of patterns that covers it) and
  :func:`.matching.globs_overlap` (some string matches both; ignores segments, so it may
  answer yes where ARN matching says no);
- a statement's grant is Allow minus Deny; a Deny subtracts only where it surely covers,
  and, for the policy whose access is bounded from above, only when unconditional.

Every approximation goes one way: a check may FAIL where Access Analyzer would PASS, never
the other way round. The method and each conservative point: docs/validation.md, "Custom
policy checks".

Standard library only: no Django (see STYLE.md, P2).
"""

from __future__ import annotations

import contextvars
import functools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import catalogue
from .compiled import CompiledStatement, Policy
from .matching import globs_overlap

__all__ = [
    "FAIL",
    "PASS",
    "PUBLIC_ACCESS_RESOURCE_TYPES",
    "PUBLIC_PROVIDERS",
    "RESTRICTING_KEYS",
    "CheckResult",
    "check_access_not_granted",
    "check_no_new_access",
    "check_no_public_access",
    "contains",
]

PASS = "PASS"
FAIL = "FAIL"

#: CheckNoPublicAccess's ``resourceType`` values (the AWS API's enumeration).
PUBLIC_ACCESS_RESOURCE_TYPES: tuple[str, ...] = (
    "AWS::DynamoDB::Table",
    "AWS::DynamoDB::Stream",
    "AWS::EFS::FileSystem",
    "AWS::OpenSearchService::Domain",
    "AWS::Kinesis::Stream",
    "AWS::Kinesis::StreamConsumer",
    "AWS::KMS::Key",
    "AWS::Lambda::Function",
    "AWS::S3::Bucket",
    "AWS::S3::AccessPoint",
    "AWS::S3Express::DirectoryBucket",
    "AWS::S3::Glacier",
    "AWS::S3Outposts::Bucket",
    "AWS::S3Outposts::AccessPoint",
    "AWS::SecretsManager::Secret",
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
    "AWS::IAM::AssumeRolePolicyDocument",
    "AWS::S3Tables::TableBucket",
    "AWS::ApiGateway::RestApi",
    "AWS::CodeArtifact::Domain",
    "AWS::Backup::BackupVault",
    "AWS::CloudTrail::Dashboard",
    "AWS::CloudTrail::EventDataStore",
    "AWS::S3Tables::Table",
    "AWS::S3Express::AccessPoint",
)

#: Condition keys that tie a request to an account, organisation, network or source
#: (the keys Access Analyzer and S3 Block Public Access accept as restricting).
RESTRICTING_KEYS = frozenset({
    "aws:principalaccount", "aws:principalarn", "aws:principalorgid",
    "aws:principalorgpaths", "aws:sourceaccount", "aws:sourcearn", "aws:sourceowner",
    "aws:sourceorgid", "aws:sourceorgpaths", "aws:sourcevpc", "aws:sourcevpce",
    "aws:sourceip", "aws:userid", "aws:resourceorgid", "kms:calleraccount",
    "s3:dataaccesspointaccount", "s3:dataaccesspointarn",
})
#: Operators that restrict a key to the values listed (an ``…IfExists`` never restricts:
#: a request without the key passes it).
_RESTRICTING_OPERATORS = frozenset({
    "stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike",
    "ipaddress", "forallvalues:stringequals", "foranyvalue:stringequals",
    "forallvalues:stringlike", "foranyvalue:stringlike",
})
_OPEN_NETWORKS = frozenset({"0.0.0.0/0", "::/0"})
#: Web identity providers anyone can sign in to: a trust policy that federates one of them
#: is public unless a condition pins the provider's audience or subject.
PUBLIC_PROVIDERS = frozenset({"cognito-identity.amazonaws.com", "accounts.google.com",
                              "graph.facebook.com", "www.amazon.com"})
_VARIABLE = re.compile(r"\$\{[^{}]*\}")
_WILDCARDS = frozenset("*?")
_EVERYONE = ("*", "*")
_MAX_LISTED = 100

_MESSAGES = {
    ("new", PASS): "The modified permissions do not grant new access compared to your "
                   "existing policy.",
    ("new", FAIL): "The modified permissions grant new access compared to your existing "
                   "policy.",
    ("listed", PASS): "The policy document does not grant access to perform one or more "
                      "of the listed actions or resources.",
    ("listed", FAIL): "The policy document grants access to perform one or more of the "
                      "listed actions or resources.",
    ("public", PASS): "The resource policy does not grant public access for the given "
                      "resource type.",
    ("public", FAIL): "The resource policy grants public access for the given resource "
                      "type.",
}


@dataclass(frozen=True, slots=True)
class CheckResult:
    """A check's answer, shaped like Access Analyzer's response.

    Attributes:
        result: ``"PASS"`` or ``"FAIL"``.
        message: Access Analyzer's message for that result.
        reasons: one entry per statement responsible for a FAIL, in document order:
            ``{"statementIndex": int, "statementId": str | None, "description": str}``.
    """

    result: str
    message: str
    reasons: tuple[dict[str, Any], ...] = field(default=())

    @property
    def passed(self) -> bool:
        """Whether the result is PASS."""
        return self.result == PASS

    def to_dict(self) -> dict[str, Any]:
        """The response as Access Analyzer's API returns it."""
        return {"result": self.result, "message": self.message,
                "reasons": [dict(reason) for reason in self.reasons]}


# ---------------------------------------------------------------- work budget

#: The most work one check may do comparing patterns, in cells of the glob algebra's
#: dynamic programmes (len(outer) x len(inner) per new pair; a pair seen before is cached).
#: A fraction of a second at worst; AWS's own documents need a few thousand, but a
#: document of long wildcard patterns could otherwise cost minutes (the work grows with the
#: product of the two documents' sizes).
WORK_LIMIT = 2_000_000
_work_left: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "custom_check_work_left", default=None)


class CheckTooComplex(ValueError):
    """A check that would compare more pattern text than :data:`WORK_LIMIT` allows."""

    def __init__(self) -> None:
        super().__init__("The policies are too complex to check: their patterns are too long "
                         "or too many. Shorten the patterns or split the policy.")


def _spend(cells: int) -> None:
    left = _work_left.get()
    if left is None:
        return
    left[0] -= cells
    if left[0] < 0:
        raise CheckTooComplex()


def _budgeted(check: Any) -> Any:
    """Run ``check`` with a fresh :data:`WORK_LIMIT` (raising :class:`CheckTooComplex`
    past it)."""
    @functools.wraps(check)
    def run(*args: Any, **kwargs: Any) -> Any:
        token = _work_left.set([WORK_LIMIT])
        try:
            return check(*args, **kwargs)
        finally:
            _work_left.reset(token)
    return run


# ---------------------------------------------------------------- glob algebra


def _restricted(pattern: str, arn: bool) -> list[bool]:
    """Per character: is a wildcard there barred from crossing a colon (an ARN's first
    five segments, as :func:`.matching.pieces_regex` matches them)?"""
    if not arn:
        return [False] * len(pattern)
    limit = min(5, pattern.count(":"))
    flags, segment = [], 0
    for char in pattern:
        flags.append(segment < limit)
        if char == ":":
            segment += 1
    return flags


@functools.lru_cache(maxsize=8192)
def contains(outer: str, inner: str, *, arn: bool = False) -> bool:
    """Tell whether every string matching the glob ``inner`` matches the glob ``outer``.

    A dynamic programme over positions, O(len(outer) x len(inner)): ``inner``'s ``*`` may
    only be taken by a ``*`` of ``outer``, its ``?`` by a ``?`` or ``*``, its other
    characters by themselves, ``?`` or ``*``. With ``arn``, a wildcard of ``outer`` that
    cannot cross a colon takes neither a colon nor a wildcard of ``inner`` that could.
    Sound: a yes is always right; a no may be wrong for pairs such as ``?*`` in ``*?``
    (the callers are conservative about a no). Case-sensitive: fold the case first where
    matching ignores it.
    """
    _spend((len(outer) + 1) * (len(inner) + 1))
    o_fixed, i_fixed = _restricted(outer, arn), _restricted(inner, arn)

    def takes(o: int, i: int) -> bool:
        """Can ``outer[o]`` (a wildcard) take ``inner[i]``?"""
        char = inner[i]
        if not o_fixed[o]:
            return True
        return char != ":" if char not in _WILDCARDS else i_fixed[i]

    width = len(inner) + 1
    row = [False] * width  # row[i]: outer[:o] takes inner[:i]
    row[0] = True
    for o, token in enumerate(outer):
        below = [False] * width
        if token == "*":
            for i in range(width):
                below[i] = row[i] or (i > 0 and below[i - 1] and takes(o, i - 1))
        else:
            for i in range(1, width):
                if not row[i - 1]:
                    continue
                char = inner[i - 1]
                if token == "?":
                    below[i] = char != "*" and takes(o, i - 1)
                else:
                    below[i] = char == token
        row = below
        if not any(row):
            return False
    return row[-1]


def _action_contains(outer: str, inner: str) -> bool:
    return contains(outer.lower(), inner.lower())


def _action_overlaps(first: str, second: str) -> bool:
    return _overlap(first.lower(), second.lower())


@functools.lru_cache(maxsize=8192)
def _overlap(first: str, second: str) -> bool:
    _spend((len(first) + 1) * (len(second) + 1))
    return globs_overlap(first, second)


# ---------------------------------------------------------------- statements


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(item for item in items if isinstance(item, str))


def _condition_set(block: Any) -> frozenset[tuple[str, str, frozenset[str]]]:
    """A condition block as comparable triples (operator, key, values), case folded
    where IAM ignores case."""
    if not isinstance(block, dict):
        return frozenset()
    triples = set()
    for operator, keys in block.items():
        if not isinstance(keys, dict):
            continue
        for key, values in keys.items():
            items = values if isinstance(values, list) else [values]
            texts = frozenset(v if isinstance(v, str) else json.dumps(v) for v in items)
            triples.add((operator.lower(), key.lower(), texts))
    return frozenset(triples)


@dataclass(frozen=True, slots=True)
class _Statement:
    """One statement as the checks see it."""

    compiled: CompiledStatement
    actions: tuple[str, ...]
    resources: tuple[str, ...] | None  # None: the element is absent (every resource)
    principals: tuple[tuple[str, str], ...] | None  # None: no principal element
    not_principal: bool
    conditions: frozenset[tuple[str, str, frozenset[str]]]
    variables: bool

    @property
    def index(self) -> int:
        return self.compiled.index

    @property
    def allow(self) -> bool:
        return self.compiled.allow

    @property
    def everyone(self) -> bool:
        return self.not_principal or _EVERYONE in (self.principals or ())

    def may_resources(self) -> tuple[str, ...]:
        """The Resource patterns, a variable read as ``*`` (it may take any value)."""
        values = self.resources or ()
        return tuple(_VARIABLE.sub("*", v) for v in values) if self.variables else values

    def sure_resources(self) -> tuple[str, ...]:
        """The Resource patterns without a variable (one with a variable matches what
        the request's context makes it match: nothing sure)."""
        values = self.resources or ()
        return tuple(v for v in values if not (self.variables and "${" in v))


def _statements(policy: Policy) -> tuple[_Statement, ...]:
    raw = policy.to_dict().get("Statement")
    items = raw if isinstance(raw, list) else [raw]
    variables = policy.version == "2012-10-17"
    out = []
    for compiled, item in zip(policy.statements, items, strict=True):
        principal = item.get("Principal", item.get("NotPrincipal"))
        out.append(_Statement(
            compiled=compiled,
            actions=_strings(item.get("NotAction" if compiled.not_action else "Action")),
            resources=(None if compiled.resources is None else
                       _strings(item.get("NotResource" if compiled.not_resource
                                         else "Resource"))),
            principals=None if principal is None else tuple(_principal_entries(principal)),
            not_principal=compiled.not_principal,
            conditions=_condition_set(item.get("Condition")),
            variables=variables,
        ))
    return tuple(out)


def _principal_entries(principal: Any) -> Iterable[tuple[str, str]]:
    if isinstance(principal, str):
        yield _EVERYONE if principal == "*" else ("AWS", principal)
        return
    for kind, values in principal.items():
        for value in _strings(values):
            yield _EVERYONE if kind == "AWS" and value == "*" else (kind, value)


# A request class: (action, resource, principal).
# action: a concrete catalogue action "svc:name" (lower-case) or a glob with wildcards;
# resource: (glob, excluded globs) — the glob minus what a NotResource leaves out;
# principal: an entry (type, value), or None where principals do not apply.
_Resource = tuple[str, tuple[str, ...]]
_Principal = tuple[str, str] | None
_ANY_RESOURCE: _Resource = ("*", ())


def _is_pattern(action: str) -> bool:
    return bool(_WILDCARDS.intersection(action))


def _action_may(st: _Statement, action: str) -> bool:
    """Some action of ``action`` is in the statement's Action (or outside its NotAction)."""
    if not _is_pattern(action):
        action = action.lower()
        if action in _catalogue_set():
            return (action in _named(st.actions)) != st.compiled.not_action
        prefix, _, name = action.partition(":")
        return st.compiled.actions.matches(prefix, name) != st.compiled.not_action
    if st.compiled.not_action:
        return not any(_action_contains(n, action) for n in st.actions)
    return any(_action_overlaps(q, action) for q in st.actions)


def _action_sure(st: _Statement, action: str) -> bool:
    """Every action of ``action`` is in the statement's Action (outside its NotAction)."""
    if not _is_pattern(action):
        return _action_may(st, action)
    if st.compiled.not_action:
        return not any(_action_overlaps(n, action) for n in st.actions)
    return any(_action_contains(q, action) for q in st.actions)


def _resource_may(st: _Statement, resource: _Resource) -> bool:
    if st.resources is None:
        return True
    pattern, excluded = resource
    if st.compiled.not_resource:
        return not any(contains(n, pattern, arn=True) for n in st.sure_resources())
    return any(_overlap(q, pattern) and not any(contains(e, q, arn=True) for e in excluded)
               for q in st.may_resources())


def _resource_sure(st: _Statement, resource: _Resource) -> bool:
    if st.resources is None:
        return True
    pattern, excluded = resource
    if st.compiled.not_resource:
        return all(not _overlap(n, pattern)
                   or any(contains(e, n, arn=True) for e in excluded)
                   for n in st.may_resources())
    return any(contains(q, pattern, arn=True) for q in st.sure_resources())


def _account_of(entry: tuple[str, str]) -> str | None:
    kind, value = entry
    if kind != "AWS":
        return None
    if value.isdigit() and len(value) == 12:
        return value
    parts = value.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[4] else None


def _canonical(entry: tuple[str, str]) -> tuple[str, str]:
    """One spelling per principal: an account as its 12 digits, a service in lower case."""
    kind, value = entry
    if kind == "Service":
        return kind, value.lower()
    account = _account_of(entry)
    if account is not None and value in (account, f"arn:aws:iam::{account}:root"):
        return kind, account
    return entry


def _shares(entries: Sequence[tuple[str, str]], who: tuple[str, str]) -> bool:
    """Whether some principal is both ``who`` and named by ``entries``: the same principal,
    or an account and a principal of that account."""
    who_c = _canonical(who)
    for entry in entries:
        entry_c = _canonical(entry)
        if entry_c == who_c or (entry_c[0] == who_c[0] == "AWS" and (
                entry_c[1] == _account_of(who) or who_c[1] == _account_of(entry))):
            return True
    return False


def _principal_sure(st: _Statement, who: _Principal) -> bool:
    """Every principal ``who`` stands for is named by the statement. An account does not
    surely cover a role or user of it: a resource policy that names the role grants it
    directly, one that names the account delegates to the account's identity policies."""
    if who is None or st.principals is None:
        return True
    if st.not_principal:
        return who != _EVERYONE and not _shares(st.principals, who)
    return _EVERYONE in st.principals or (
        who != _EVERYONE and _canonical(who) in {_canonical(e) for e in st.principals})


def _principal_may(st: _Statement, who: _Principal) -> bool:
    if who is None or st.principals is None or st.not_principal or who == _EVERYONE:
        return True
    return _EVERYONE in st.principals or _shares(st.principals, who)


def _covers(st: _Statement, action: str, resource: _Resource, who: _Principal, *,
            sure: bool) -> bool:
    if sure:
        return (_action_sure(st, action) and _resource_sure(st, resource)
                and _principal_sure(st, who))
    return (_action_may(st, action) and _resource_may(st, resource)
            and _principal_may(st, who))


def _statement_contains(outer: _Statement, inner: _Statement) -> bool:
    """Every request ``inner`` covers (conditions aside), ``outer`` covers too."""
    if inner.compiled.not_action:
        if not outer.compiled.not_action:
            return False
        actions_ok = all(any(_action_contains(i, o) for i in inner.actions)
                         for o in outer.actions)
    else:
        actions_ok = all(_action_sure(outer, a) for a in inner.actions)
    if not actions_ok:
        return False
    if inner.resources is None or inner.compiled.not_resource:
        excluded = inner.sure_resources() if inner.compiled.not_resource else ()
        resources_ok = _resource_sure(outer, ("*", excluded))
    else:
        resources_ok = all(_resource_sure(outer, (r, ())) for r in inner.may_resources())
    if not resources_ok:
        return False
    if inner.principals is None or inner.everyone:
        return outer.principals is None or _principal_sure(outer, _EVERYONE)
    return all(_principal_sure(outer, who) for who in inner.principals)


# ---------------------------------------------------------------- request classes


def _unknown_actions(st: _Statement) -> tuple[str, ...]:
    """The actions an Action element names that the catalogue does not know (lower-case):
    unknown names, and patterns that match no known action, kept as patterns."""
    if st.compiled.not_action:
        return ()
    known = _catalogue_set()
    return tuple(dict.fromkeys(p.lower() for p in st.actions if p.lower() not in known
                               and not (_is_pattern(p) and _expand(p))))


@functools.cache
def _catalogue_set() -> frozenset[str]:
    """Every action of the catalogue, lower-case."""
    return frozenset(a.lower() for a in catalogue.expand("*"))


@functools.lru_cache(maxsize=4096)
def _expand(pattern: str) -> frozenset[str]:
    """The catalogue actions (lower-case) an action pattern matches."""
    return frozenset(a.lower() for a in catalogue.expand(pattern))


@functools.lru_cache(maxsize=1024)
def _coverage(patterns: tuple[str, ...], negated: bool) -> frozenset[str]:
    """The catalogue actions (lower-case) an Action (or, ``negated``, NotAction) element
    covers."""
    named = _named(patterns)
    return _catalogue_set() - named if negated else named


@functools.lru_cache(maxsize=1024)
def _named(patterns: tuple[str, ...]) -> frozenset[str]:
    """The catalogue actions (lower-case) an Action or NotAction element names: a set
    per element, so that a statement is compared with each of 20,000 actions by a lookup."""
    named: set[str] = set()
    for pattern in patterns:
        named |= _expand(pattern)
    return frozenset(named)


def _resources_of(st: _Statement) -> tuple[_Resource, ...]:
    if st.resources is None:
        return (_ANY_RESOURCE,)
    if st.compiled.not_resource:
        excluded = st.sure_resources()
        return () if "*" in excluded else (("*", excluded),)
    return tuple((r, ()) for r in st.may_resources())


def _principals_of(st: _Statement, principals: bool) -> tuple[_Principal, ...]:
    if not principals or st.principals is None:
        return (None,)
    if st.everyone:
        return (_EVERYONE,)
    return tuple(dict.fromkeys(st.principals))


def _reason(st: _Statement, description: str) -> dict[str, Any]:
    return {"statementIndex": st.index, "statementId": st.compiled.sid,
            "description": description}


def _policy(document: Any, kind: str | None) -> Policy:
    return Policy.from_json(document, kind=kind, max_size=0)


# ---------------------------------------------------------------- the checks


_KINDS = {"identity": "identity", "identity_policy": "identity", "resource": "resource",
          "resource_policy": "resource", "trust": "trust"}


@_budgeted
def check_no_new_access(new: Any, existing: Any, kind: str = "identity") -> CheckResult:
    """CheckNoNewAccess: FAIL when ``new`` may allow a request ``existing`` does not.

    Args:
        new: the modified policy (text, dict or :class:`Policy`).
        existing: the reference policy.
        kind: ``"identity"`` or ``"resource"`` (also ``"trust"``; Access Analyzer's
            ``IDENTITY_POLICY``/``RESOURCE_POLICY``); for resource and trust policies the
            principals are compared too.

    Returns:
        The result; on FAIL one reason per statement of ``new`` that grants new access.

    Raises:
        PolicyError: a document IAM would reject.
        ValueError: an unknown ``kind``; :class:`CheckTooComplex` past :data:`WORK_LIMIT`.
    """
    mode = _KINDS.get(str(kind).lower())
    if mode is None:
        raise ValueError(f"Invalid policy type: {kind}.")
    compile_kind = None if mode == "resource" else mode
    new_statements = _statements(_policy(new, compile_kind))
    old_statements = _statements(_policy(existing, compile_kind))
    principals = mode != "identity"
    new_denies = [st for st in new_statements if not st.allow]
    sure_denies = [st for st in new_denies if not st.conditions]
    # An existing Deny stops nothing new when a new Deny applies whenever it does
    # (no more conditions) and covers everything it covers.
    old_denies = [d for d in old_statements if not d.allow and not any(
        n.conditions <= d.conditions and _statement_contains(n, d) for n in new_denies)]
    reasons = []
    for st in new_statements:
        if not st.allow:
            continue
        allows = [s for s in old_statements if s.allow and s.conditions <= st.conditions]
        if _grants_new(st, allows, old_denies, sure_denies, principals):
            reasons.append(_reason(st, f"New access in the statement with index: {st.index}."))
    return _result("new", reasons)


def _grants_new(st: _Statement, allows: Sequence[_Statement], denies: Sequence[_Statement],
                sure_denies: Sequence[_Statement], principals: bool) -> bool:
    """Whether ``st`` (an Allow of the new policy) may allow a request that the existing
    ``allows`` minus ``denies`` does not, once the new ``sure_denies`` are taken away.

    Known actions that the same statements name behave alike: the statement's actions are
    split by every other statement's set of known actions (set operations, whatever their
    number: ``"*"`` is some 20,000 actions, a few groups), and one action of each group is
    compared on resources and principals.
    """
    resources = _resources_of(st)
    whos = _principals_of(st, principals)
    groups = [_coverage(st.actions, st.compiled.not_action)]
    splits = {id(c): c for c in (_coverage(o.actions, o.compiled.not_action)
                                 for o in (*sure_denies, *denies, *allows))}
    for covered in splits.values():
        groups = [part for group in groups
                  for part in ((group,) if group <= covered or group.isdisjoint(covered)
                               else (group & covered, group - covered)) if part]
    for action in (*(next(iter(group)) for group in groups), *_unknown_actions(st)):
        stop = [d for d in sure_denies if _action_sure(d, action)]
        take = [d for d in denies if _action_may(d, action)]
        give = [s for s in allows if _action_sure(s, action)]
        for resource in resources:
            for who in whos:
                if any(_resource_sure(d, resource) and _principal_sure(d, who) for d in stop):
                    continue
                if any(_resource_may(d, resource) and _principal_may(d, who) for d in take):
                    return True
                if not any(_resource_sure(s, resource) and _principal_sure(s, who)
                           for s in give):
                    return True
    return False


@_budgeted
def check_access_not_granted(policy: Any, actions: Sequence[str] = (),
                             resources: Sequence[str] = (),
                             kind: str | None = None) -> CheckResult:
    """CheckAccessNotGranted: FAIL when the policy may allow one of ``actions`` (on one of
    ``resources``; with no actions, any action on one of ``resources``; with no resources,
    one of the actions on any resource).

    Raises:
        PolicyError: a document IAM would reject.
        ValueError: neither actions nor resources, more than 100 of either, or an empty
            value (Access Analyzer's ValidationException); :class:`CheckTooComplex` past
            :data:`WORK_LIMIT`.
    """
    listed_actions = [a.strip() for a in actions]
    listed_resources = [r.strip() for r in resources]
    if not listed_actions and not listed_resources:
        raise ValueError("Specify at least one action or resource to check.")
    if len(listed_actions) > _MAX_LISTED or len(listed_resources) > _MAX_LISTED:
        raise ValueError(f"Specify at most {_MAX_LISTED} actions and {_MAX_LISTED} resources.")
    if "" in listed_actions or "" in listed_resources:
        raise ValueError("An action or resource must not be empty.")
    statements = _statements(_policy(policy, kind))
    sure_denies = [st for st in statements if not st.allow and not st.conditions]
    requested = [(a.lower(), (r, ())) for a in listed_actions or ["*"]
                 for r in listed_resources or ["*"]]
    reasons = []
    for st in statements:
        if st.allow and any(
                _covers(st, action, resource, None, sure=False)
                and not any(_covers(d, action, resource, None, sure=True) for d in sure_denies)
                for action, resource in requested):
            reasons.append(_reason(st, "One or more of the listed actions or resources in "
                                       f"the statement with index: {st.index}."))
    return _result("listed", reasons)


@_budgeted
def check_no_public_access(policy: Any, resource_type: str) -> CheckResult:
    """CheckNoPublicAccess: FAIL when a statement allows everyone (``"*"``,
    ``{"AWS": "*"}`` or a NotPrincipal) with no condition restricting the request to an
    account, organisation, network or source, or federates a public web identity provider
    (:data:`PUBLIC_PROVIDERS`) with no condition on its ``aud`` or ``sub``, and no
    unconditional Deny for everyone covers it.

    Raises:
        PolicyError: a document IAM would reject.
        ValueError: ``resource_type`` is not one of :data:`PUBLIC_ACCESS_RESOURCE_TYPES`;
            :class:`CheckTooComplex` past :data:`WORK_LIMIT`.
    """
    if resource_type not in PUBLIC_ACCESS_RESOURCE_TYPES:
        raise ValueError(f"Invalid resource type: {resource_type}.")
    kind = "trust" if resource_type == "AWS::IAM::AssumeRolePolicyDocument" else None
    statements = _statements(_policy(policy, kind))
    denies = [st for st in statements
              if not st.allow and not st.conditions and st.everyone]
    reasons = [_reason(st, f"Public access granted in the following statement with index: "
                           f"{st.index}.")
               for st in statements
               if st.allow and _public(st)
               and not any(_statement_contains(d, st) for d in denies)]
    return _result("public", reasons)


def _public(st: _Statement) -> bool:
    if st.everyone:
        return not _restricted_by_conditions(st, RESTRICTING_KEYS)
    providers = {value.lower() for kind, value in st.principals or () if kind == "Federated"}
    return any(not _restricted_by_conditions(st, {f"{p}:aud", f"{p}:sub"})
               for p in providers & PUBLIC_PROVIDERS)


def _restricted_by_conditions(st: _Statement, keys: Iterable[str]) -> bool:
    """Whether a condition pins one of ``keys`` (lower-case) to values other than wildcards."""
    for operator, key, values in st.conditions:
        if operator not in _RESTRICTING_OPERATORS or key not in keys:
            continue
        if not values or any(v.strip("*?") == "" for v in values):
            continue  # "*" lets any account in
        if operator == "ipaddress" and values & _OPEN_NETWORKS:
            continue
        return True
    return False


def _result(check: str, reasons: list[dict[str, Any]]) -> CheckResult:
    result = FAIL if reasons else PASS
    return CheckResult(result, _MESSAGES[check, result], tuple(reasons))
