"""Load the compiled policy set of one console caller (``policies.authz.policy_set_for``).

For an IAM user the identity-based policies are: the user's inline policies, the default
versions of the managed policies attached to the user, and the same two kinds for each
group the user belongs to; the permissions boundary is the default version of the user's
boundary policy. They are read in **one query** however many groups and policies apply:
a ``UNION ALL`` of five branches (the user's inline policies, its groups' inline policies,
the default versions of the policies attached to the user, to its groups, and of its
boundary), each a join that starts from the user's key on an index (the membership's,
attachment's, inline policy's or boundary's user, then the group and policy keys), so it
reads only the user's own rows, never the account's or the server's (PostgreSQL at 5,000
users and 199 other accounts: 0.3–0.8 ms to execute, ~2 ms to plan). What made it slow
before was an ``OR`` across tables ("attached to the user OR to one of the user's
groups"), which PostgreSQL answered by scanning every attachment and membership of the
server; no branch has one. Roles and groups (the simulator) load the same way, in one
query each. They are compiled once per distinct document:
:func:`compiled` keeps the engine ``Policy`` objects in a per-process cache keyed by the
document text and the name, so later requests reuse them (the engine also caches by
content). Nothing in the cache depends on the database state, so it is safe across
workers and tests.

Each ``Policy`` is named so that explanations and the simulator can say where a
statement came from:

- a managed policy (attached or boundary): its name, e.g. ``ReceiptsReadOnly``;
- a user's inline policy: ``inline:<PolicyName>``;
- a group's inline policy: ``inline:<GroupName>/<PolicyName>``.

Role sessions: ``accounts.role_sessions`` registers a loader in :data:`PRINCIPAL_LOADERS`
that returns :func:`load_role_policy_set` of the session's role.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from typing import Any

from django.db.models import BigIntegerField, CharField, F, Value

from policies.authz import PolicySet
from policies.engine import Policy, PolicyError

from .models import InlinePolicy, PolicyVersion

#: Loaders for principals other than root and IAM users (e.g. role sessions): functions
#: ``(identity) -> PolicySet | None``; the first that returns a set wins.
PRINCIPAL_LOADERS: list[Callable[[Any], PolicySet | None]] = []

_CACHE_SIZE = 2048
_cache: OrderedDict[tuple[str, str, str], Any] = OrderedDict()
_lock = Lock()


def compiled(document: str, name: str, kind: str = "identity") -> Any:
    """The engine ``Policy`` for ``document``, compiled once per process (LRU cache).

    Raises:
        policies.engine.PolicyError: the stored document no longer compiles (it was
            valid when saved; an engine change could make an old one invalid).
    """
    key = (kind, name, document)
    with _lock:
        policy = _cache.get(key)
        if policy is not None:
            _cache.move_to_end(key)
            return policy
    # Size quotas are checked when a document is saved (and AWS-managed documents are
    # exempt from them), so loading never drops a stored policy for its size.
    policy = Policy.from_json(document, name=name, kind=kind, max_size=0)
    with _lock:
        _cache[key] = policy
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return policy


def _compile_or_skip(document: str, name: str) -> Any | None:
    try:
        return compiled(document, name)
    except PolicyError:
        # A stored document that no longer compiles grants nothing (fail closed).
        return None


def load_user_policy_set(user: Any) -> PolicySet:
    """The policy set of an IAM user, in one query (see the module docstring)."""
    return _compile_rows(
        _inline(InlinePolicy.objects.filter(user=user)),
        _inline(InlinePolicy.objects.filter(group__members=user), group=F("group__name")),
        _default_versions(_MANAGED, policy__attachments__user=user),
        _default_versions(_MANAGED, policy__attachments__group__members=user),
        _default_versions(_BOUNDARY, policy__boundaries__user=user),
    )


def load_role_policy_set(role: Any) -> PolicySet:
    """The policy set of a role session: the role's inline and attached policies and its
    boundary, nothing of the user who assumed it. One query, named as for users
    (``inline:<PolicyName>`` for the role's inline policies)."""
    return _compile_rows(
        _inline(InlinePolicy.objects.filter(role=role)),
        _default_versions(_MANAGED, policy__attachments__role=role),
        _default_versions(_BOUNDARY, policy__boundaries__role=role),
    )


def load_group_policy_set(group: Any) -> PolicySet:
    """A group's own policies (the policy simulator's "user group"): its inline and attached
    policies, named as for its members (``inline:<GroupName>/<PolicyName>``). One query."""
    return _compile_rows(
        _inline(InlinePolicy.objects.filter(group=group), group=Value(group.name, CharField())),
        _default_versions(_MANAGED, policy__attachments__group=group),
    )


# The kinds of row of a loading query: an inline policy, an attached managed policy's
# default version, the boundary's default version.
_INLINE, _MANAGED, _BOUNDARY = "inline", "managed", "boundary"


def _rows(queryset: Any, kind: str, name: str, policy: Any, group: Any) -> Any:
    """``queryset`` as ``(kind, managed policy id or 0, group name or "", name, document)``
    rows, the one shape every branch of a loading query has."""
    return queryset.order_by().annotate(
        row_kind=Value(kind, CharField()), row_policy=policy, row_group=group,
        row_name=F(name), row_document=F("document"),
    ).values_list("row_kind", "row_policy", "row_group", "row_name", "row_document")


def _inline(queryset: Any, group: Any = None) -> Any:
    """Inline policies; ``group``: the expression of the owning group's name, if any."""
    return _rows(queryset, _INLINE, "name", Value(0, BigIntegerField()),
                 group if group is not None else Value("", CharField()))


def _default_versions(kind: str, **owner: Any) -> Any:
    """The default versions of the managed policies ``owner`` selects."""
    return _rows(PolicyVersion.objects.filter(is_default=True, **owner), kind, "policy__name",
                 F("policy_id"), Value("", CharField()))


def _compile_rows(first: Any, *others: Any) -> PolicySet:
    """The policy set of the rows of ``first`` UNION ALL ``others``: one query whose every
    branch is a join that starts from the one principal's key (an index), never an OR
    across tables. A managed policy attached to the user and to one of its groups (or to
    two groups) counts once."""
    inline, managed, boundary = [], {}, None
    for kind, policy_id, group, name, document in first.union(*others, all=True):
        if kind == _INLINE:
            inline.append((group, name, document))
        elif kind == _MANAGED:
            managed[policy_id] = (name, document)
        else:
            boundary = (name, document)
    identity = [_compile_or_skip(document, f"inline:{group}/{name}" if group else f"inline:{name}")
                for group, name, document in sorted(inline)]
    identity += [_compile_or_skip(document, name) for name, document in sorted(managed.values())]
    compiled_boundary = None
    if boundary is not None:
        name, document = boundary
        # An uncompilable boundary must deny, not lift the cap: a boundary that allows nothing.
        compiled_boundary = _compile_or_skip(document, name) or compiled(_DENY_ALL, name)
    return PolicySet(identity=[p for p in identity if p is not None], boundary=compiled_boundary)


_DENY_ALL = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}'
)


def load_policy_set(identity: Any) -> PolicySet:
    """Every policy that applies to the caller of one request (see the module docstring)."""
    for loader in PRINCIPAL_LOADERS:
        policy_set = loader(identity)
        if policy_set is not None:
            return policy_set
    if identity.is_root:
        return PolicySet()
    return load_user_policy_set(identity.user)
