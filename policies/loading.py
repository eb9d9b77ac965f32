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
server; no branch has one. The query is plain SQL built once at import (``_USER_SQL``):
composing it with the ORM on every request cost ~3 ms of CPU, more than the loading
itself. Roles and groups (the simulator) load the same way, in one query each.

The documents are compiled once per distinct document: :func:`compiled` keeps the engine ``Policy`` objects in a per-process cache keyed by the
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

from django.db import connection

from accounts.models import Group, GroupMembership
from policies.authz import PolicySet
from policies.engine import Policy, PolicyError

from .models import (
    InlinePolicy,
    ManagedPolicy,
    PermissionsBoundary,
    PolicyAttachment,
    PolicyVersion,
)

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
    return _load(_USER_SQL, user.pk)


def load_role_policy_set(role: Any) -> PolicySet:
    """The policy set of a role session: the role's inline and attached policies and its
    boundary, nothing of the user who assumed it. One query, named as for users
    (``inline:<PolicyName>`` for the role's inline policies)."""
    return _load(_ROLE_SQL, role.pk)


def load_group_policy_set(group: Any) -> PolicySet:
    """A group's own policies (the policy simulator's "user group"): its inline and attached
    policies, named as for its members (``inline:<GroupName>/<PolicyName>``). One query."""
    return _load(_GROUP_SQL, group.pk, group=group.name)


# The loading queries. Each row is (kind, managed policy id or 0, owning group's name or
# "", policy name, document); each branch is a join that starts from the one principal's
# key on an index. Plain SQL, built once: the hot path of every IAM user's request, where
# composing the same five-branch union with the ORM cost more CPU than the rest of the
# authorisation (tables and columns come from the models).
_INLINE, _MANAGED, _BOUNDARY = "inline", "managed", "boundary"
_T = {
    "inline": InlinePolicy._meta.db_table, "attachment": PolicyAttachment._meta.db_table,
    "boundary": PermissionsBoundary._meta.db_table, "policy": ManagedPolicy._meta.db_table,
    "version": PolicyVersion._meta.db_table, "membership": GroupMembership._meta.db_table,
    "group": Group._meta.db_table,
}
_DEFAULT_VERSION = (
    "JOIN {policy} p ON p.id = {link}.policy_id "
    "JOIN {version} v ON v.policy_id = p.id AND v.is_default"
)


def _branches(owner: str, via_groups: bool = False, boundary: bool = False) -> list[str]:
    """The SQL branches of one principal's rows; ``owner`` is its column (``user_id``,
    ``role_id``, ``group_id``), ``via_groups`` adds an IAM user's groups' policies."""
    version = _DEFAULT_VERSION.format(link="a", **_T)
    branches = [
        f"SELECT '{_INLINE}', 0, '', i.name, i.document FROM {_T['inline']} i WHERE i.{owner} = %s",
        f"SELECT '{_MANAGED}', p.id, '', p.name, v.document FROM {_T['attachment']} a {version} "
        f"WHERE a.{owner} = %s",
    ]
    if via_groups:
        branches += [
            f"SELECT '{_INLINE}', 0, g.name, i.name, i.document FROM {_T['membership']} m "
            f"JOIN {_T['group']} g ON g.id = m.group_id JOIN {_T['inline']} i ON i.group_id = g.id "
            "WHERE m.user_id = %s",
            f"SELECT '{_MANAGED}', p.id, '', p.name, v.document FROM {_T['membership']} m "
            f"JOIN {_T['attachment']} a ON a.group_id = m.group_id {version} WHERE m.user_id = %s",
        ]
    if boundary:
        branches.append(
            f"SELECT '{_BOUNDARY}', p.id, '', p.name, v.document FROM {_T['boundary']} b "
            f"{_DEFAULT_VERSION.format(link='b', **_T)} WHERE b.{owner} = %s"
        )
    return branches


_USER_SQL = " UNION ALL ".join(_branches("user_id", via_groups=True, boundary=True))
_ROLE_SQL = " UNION ALL ".join(_branches("role_id", boundary=True))
_GROUP_SQL = " UNION ALL ".join(_branches("group_id"))


def _load(sql: str, key: int, group: str = "") -> PolicySet:
    """The policy set of the rows of ``sql`` for the principal ``key``; inline policies
    without a group of their own are named after ``group`` when given (a group's own set).
    A managed policy attached to the user and to one of its groups (or to two groups)
    counts once."""
    with connection.cursor() as cursor:
        cursor.execute(sql, [key] * sql.count("%s"))
        rows = cursor.fetchall()
    inline, managed, boundary = [], {}, None
    for kind, policy_id, owner_group, name, document in rows:
        if kind == _INLINE:
            inline.append((owner_group or group, name, document))
        elif kind == _MANAGED:
            managed[policy_id] = (name, document)
        else:
            boundary = (name, document)
    identity = [_compile_or_skip(document, f"inline:{owner}/{name}" if owner else f"inline:{name}")
                for owner, name, document in sorted(inline)]
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
