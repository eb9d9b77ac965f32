"""Load the compiled policy set of one console caller (``policies.authz.policy_set_for``).

For an IAM user the identity-based policies are: the user's inline policies, the default
versions of the managed policies attached to the user, and the same two kinds for each
group the user belongs to; the permissions boundary is the default version of the user's
boundary policy. They are read in **four indexed queries** however many groups and
policies apply, each bounded by the user's own rows and never by the account's or the
server's: the user's group memberships (index on the membership's user), then the inline
policies and the attached policies' default versions of the user *and of those groups by
id* (a ``user = … OR group IN (ids)`` filter, which the database answers with the two
foreign-key indexes; a join through the memberships made PostgreSQL scan every attachment
and membership of the server), then the boundary. They are compiled once per distinct document:
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

from django.db.models import Q

from accounts.models import GroupMembership
from policies.authz import PolicySet
from policies.engine import Policy, PolicyError

from .models import InlinePolicy, PolicyAttachment, PolicyVersion

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
    """The policy set of an IAM user, in four indexed queries (see the module docstring)."""
    group_names = dict(
        GroupMembership.objects.filter(user=user).values_list("group_id", "group__name")
    )
    owned = Q(user=user) | Q(group_id__in=list(group_names))
    inline = InlinePolicy.objects.filter(owned).only("document", "name", "group_id")
    attached = PolicyAttachment.objects.filter(owned).values("policy_id")
    managed = (
        PolicyVersion.objects.filter(is_default=True, policy_id__in=attached)
        .select_related("policy")
        .order_by("policy__name")
    )
    boundary_version = (
        PolicyVersion.objects.filter(is_default=True, policy__boundaries__user=user)
        .select_related("policy")
        .first()
    )
    named = sorted((group_names.get(p.group_id, ""), p.name, p.document) for p in inline)
    return _compile_set(
        [(document, f"inline:{group}/{name}" if group else f"inline:{name}")
         for group, name, document in named],
        managed,
        boundary_version,
    )


def _compile_set(inline: list[tuple[str, str]], managed: Any, boundary_version: Any) -> PolicySet:
    """A policy set from ``(document, name)`` inline policies, the default versions of the
    attached managed policies and of the boundary (``None``: no boundary)."""
    identity = [_compile_or_skip(document, name) for document, name in inline]
    identity += [_compile_or_skip(version.document, version.policy.name) for version in managed]
    boundary = None
    if boundary_version is not None:
        boundary = _compile_or_skip(boundary_version.document, boundary_version.policy.name)
        if boundary is None:
            # An uncompilable boundary must deny, not lift the cap: a boundary that allows nothing.
            boundary = compiled(_DENY_ALL, boundary_version.policy.name)
    return PolicySet(identity=[p for p in identity if p is not None], boundary=boundary)


_DENY_ALL = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}'
)


def load_role_policy_set(role: Any) -> PolicySet:
    """The policy set of a role session: the role's inline and attached policies and its
    boundary, nothing of the user who assumed it. Three queries, named as for users
    (``inline:<PolicyName>`` for the role's inline policies)."""
    inline = InlinePolicy.objects.filter(role=role).order_by("name")
    managed = (
        PolicyVersion.objects.filter(is_default=True, policy__attachments__role=role)
        .select_related("policy")
        .order_by("policy__name")
    )
    boundary_version = (
        PolicyVersion.objects.filter(is_default=True, policy__boundaries__role=role)
        .select_related("policy")
        .first()
    )
    named = [(policy.document, f"inline:{policy.name}") for policy in inline]
    return _compile_set(named, managed, boundary_version)


def load_group_policy_set(group: Any) -> PolicySet:
    """A group's own policies (the policy simulator's "user group"): its inline and attached
    policies, named as for its members (``inline:<GroupName>/<PolicyName>``). Two queries."""
    inline = InlinePolicy.objects.filter(group=group).order_by("name")
    managed = (
        PolicyVersion.objects.filter(is_default=True, policy__attachments__group=group)
        .select_related("policy")
        .order_by("policy__name")
    )
    named = [(policy.document, f"inline:{group.name}/{policy.name}") for policy in inline]
    return _compile_set(named, managed, None)


def load_policy_set(identity: Any) -> PolicySet:
    """Every policy that applies to the caller of one request (see the module docstring)."""
    for loader in PRINCIPAL_LOADERS:
        policy_set = loader(identity)
        if policy_set is not None:
            return policy_set
    if identity.is_root:
        return PolicySet()
    return load_user_policy_set(identity.user)
