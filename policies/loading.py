"""Load the compiled policy set of one console caller (``policies.authz.policy_set_for``).

For an IAM user the identity-based policies are: the user's inline policies, the default
versions of the managed policies attached to the user, and the same two kinds for each
group the user belongs to; the permissions boundary is the default version of the user's
boundary policy. They are read in **two queries** however many groups and policies apply,
both bounded by the user's own rows and never by the account's or the server's: the user's
group memberships (index on the membership's user), then one ``UNION ALL`` of the inline
policies, the attached policies' default versions and the boundary's default version,
filtered by "user = … OR group IN (those ids)", which PostgreSQL answers with a BitmapOr
of the two foreign-key indexes (1.1 ms for both round trips on PostgreSQL at 5,000 users
and 199 other accounts, 0.3–0.5 ms of the worker's CPU). A join through the memberships
with an OR made PostgreSQL scan every attachment and membership of the server; joining the
memberships into every branch of the union instead cost 1.3–2 ms of planning per request
and let the planner merge-join across the server's inline policies. The queries are plain
SQL built once: composing them with the ORM on every request cost ~3 ms of CPU, more than
the loading itself. Roles and groups (the simulator) load in one query each.

The documents are compiled once per distinct document: :func:`compiled` keeps the engine
``Policy`` objects in a per-process cache keyed by the document text and the name, so later requests reuse them (the engine also caches by
content). Nothing in the cache depends on the database state, so it is safe across
workers and tests.

Each ``Policy`` is named so that explanations and the simulator can say where a
statement came from:

- a managed policy (attached or boundary): its name, e.g. ``ReceiptsReadOnly``;
- a user's inline policy: ``inline:<PolicyName>``;
- a group's inline policy: ``inline:<GroupName>/<PolicyName>``.

Role sessions: ``accounts.role_sessions`` registers a loader in :data:`PRINCIPAL_LOADERS`
that returns :func:`load_role_policy_set` of the session's role.

Service control policies: :func:`load_scp_chain` compiles the chain
``organizations.services.scp_chain`` reads (two queries; kind ``"scp"``, named by the SCP's
name), for ``policies.authz.account_scps``, the simulator and the labs' checks.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import lru_cache
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


def load_scp_chain(account: Any) -> list[list[Any]] | None:
    """The service control policies that govern ``account``, compiled, level by level from
    the organization root down to the account (the engine's ``scps``); None outside any
    organization and for its management account. Two queries
    (``organizations.services.scp_chain``). An SCP that no longer compiles denies everything
    (fail closed: dropping it could lift a Deny)."""
    from organizations.services import scp_chain  # organizations imports policies

    chain = scp_chain(account)
    if chain is None:
        return None
    return [[_compile_scp(document, name) for name, document in level] for level in chain]


def _compile_scp(document: str, name: str) -> Any:
    try:
        return compiled(document, name, kind="scp")
    except PolicyError:
        return compiled(_DENY_ALL, name, kind="scp")


def load_user_policy_set(user: Any) -> PolicySet:
    """The policy set of an IAM user, in two queries (see the module docstring)."""
    with connection.cursor() as cursor:
        cursor.execute(_MEMBERSHIPS_SQL, [user.pk])
        groups = dict(cursor.fetchall())
    ids = list(groups)
    return _load(_user_sql(len(ids)), [user.pk, *ids, user.pk, *ids, user.pk], groups)


def load_role_policy_set(role: Any) -> PolicySet:
    """The policy set of a role session: the role's inline and attached policies and its
    boundary, nothing of the user who assumed it. One query, named as for users
    (``inline:<PolicyName>`` for the role's inline policies)."""
    return _load(_ROLE_SQL, [role.pk] * 3, {})


def load_group_policy_set(group: Any) -> PolicySet:
    """A group's own policies (the policy simulator's "user group"): its inline and attached
    policies, named as for its members (``inline:<GroupName>/<PolicyName>``). One query."""
    return _load(_GROUP_SQL, [group.pk] * 2, {group.pk: group.name})


# The loading queries, plain SQL built once (tables from the models): the hot path of every
# IAM user's request, where composing them with the ORM cost more CPU than the rest of the
# authorisation. Each row is (kind, managed policy id or 0, owning group id or NULL, policy
# name, document). A filter is "owner = key" or "user = key OR group IN (the user's group
# ids)", which the database answers from the foreign-key indexes (PostgreSQL: a BitmapOr
# of two index scans), never a join through the memberships.
_INLINE, _MANAGED, _BOUNDARY = "inline", "managed", "boundary"
_T = {
    "inline": InlinePolicy._meta.db_table, "attachment": PolicyAttachment._meta.db_table,
    "boundary": PermissionsBoundary._meta.db_table, "policy": ManagedPolicy._meta.db_table,
    "version": PolicyVersion._meta.db_table, "membership": GroupMembership._meta.db_table,
    "group": Group._meta.db_table,
}
_MEMBERSHIPS_SQL = (
    f"SELECT m.group_id, g.name FROM {_T['membership']} m JOIN {_T['group']} g ON g.id = m.group_id "
    "WHERE m.user_id = %s"
)


def _default_version(link: str) -> str:
    return (f"JOIN {_T['policy']} p ON p.id = {link}.policy_id "
            f"JOIN {_T['version']} v ON v.policy_id = p.id AND v.is_default")


def _union(owned: str, boundary: str | None) -> str:
    """The query of a principal's rows: ``owned`` filters inline policies (alias ``i``) and
    attachments (``a``) by ``{t}.``; ``boundary`` is the boundary's owner column, if any."""
    branches = [
        f"SELECT '{_INLINE}', 0, i.group_id, i.name, i.document FROM {_T['inline']} i "
        f"WHERE {owned.format(t='i')}",
        f"SELECT '{_MANAGED}', p.id, 0, p.name, v.document FROM {_T['attachment']} a "
        f"{_default_version('a')} WHERE {owned.format(t='a')}",
    ]
    if boundary:
        branches.append(f"SELECT '{_BOUNDARY}', p.id, 0, p.name, v.document FROM {_T['boundary']} b "
                        f"{_default_version('b')} WHERE b.{boundary} = %s")
    return " UNION ALL ".join(branches)


@lru_cache(maxsize=64)
def _user_sql(groups: int) -> str:
    """An IAM user's query for a user in ``groups`` groups (IAM allows 10)."""
    in_groups = f" OR {{t}}.group_id IN ({', '.join(['%s'] * groups)})" if groups else ""
    return _union("{t}.user_id = %s" + in_groups, "user_id")


_ROLE_SQL = _union("{t}.role_id = %s", "role_id")
_GROUP_SQL = _union("{t}.group_id = %s", None)


def _load(sql: str, params: list[Any], groups: dict[int, str]) -> PolicySet:
    """The policy set of the rows of ``sql``; ``groups`` names the groups that own inline
    policies. A managed policy attached to the user and to one of its groups (or to two
    groups) counts once."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    inline, managed, boundary = [], {}, None
    for kind, policy_id, group_id, name, document in rows:
        if kind == _INLINE:
            inline.append((groups.get(group_id, ""), name, document))
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
#: A policy that allows nothing and denies nothing: the session policy of an STS federated
#: user that was given none ("a federated-user session without one is denied", implicitly).
ALLOWS_NOTHING = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "*", "Resource": "*"}]}'
)
#: What the root user may do in its own account, as an identity policy (for the sessions it
#: starts whose permissions are intersected with a session policy).
ALLOWS_EVERYTHING = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
)


def with_session_policies(policy_set: PolicySet, documents: Sequence[str]) -> PolicySet:
    """``policy_set`` limited by the session policies ``documents`` (STS's ``Policy`` and the
    documents of ``PolicyArns``, fixed when the credentials were issued): every request must
    also be allowed by one of them. A document that no longer compiles allows nothing (fail
    closed); no documents leave ``policy_set`` as it is."""
    if not documents:
        return policy_set
    session = [_compile_or_skip(document, f"session-policy-{index}")
               or compiled(ALLOWS_NOTHING, f"session-policy-{index}")
               for index, document in enumerate(documents, start=1)]
    return PolicySet(identity=policy_set.identity, boundary=policy_set.boundary, session=session)


def load_policy_set(identity: Any) -> PolicySet:
    """Every policy that applies to the caller of one request (see the module docstring)."""
    for loader in PRINCIPAL_LOADERS:
        policy_set = loader(identity)
        if policy_set is not None:
            return policy_set
    if identity.is_root:
        return PolicySet()
    return load_user_policy_set(identity.user)
