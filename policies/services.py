"""Domain operations on policies: managed policies and versions, inline policies,
attachments and permissions boundaries.

Views, wizards, management commands and the demo loader call these keyword-only,
atomic functions. They enforce IAM's names, sizes, quotas and delete-conflict rules and
raise :mod:`iamportal.errors` in AWS's words (iam-facts §1.2–1.3, §10.7, §11). They do
not authorise: the caller's view has done that with :func:`policies.authz.authorize`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import validators
from accounts.dependents import Call, Dependent, Removal, delete_rows, on
from accounts.models import Account, Group, Role, User
from accounts.password_policy import users_may_change_password
from accounts.roles import get_role, refuse_protected
from accounts.services import get_group, get_user, lock_account_quota, save_new
from iamportal.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    InvalidInput,
    LimitExceeded,
    MalformedPolicyDocument,
    NoSuchEntity,
    UnmodifiableEntity,
    ValidationError,
)
from policies.engine import validate

from .models import (
    AWS_OWNER,
    InlinePolicy,
    ManagedPolicy,
    PermissionsBoundary,
    PolicyAttachment,
    PolicyVersion,
)

# ---------------------------------------------------------------------------
# Quotas (iam-facts §1.2, §1.3)

POLICY_NAME_MAX = 128
POLICY_DESCRIPTION_MAX = 1000
POLICY_PATH_MAX = 512
#: Wire length of any policy document parameter, whitespace included.
DOCUMENT_WIRE_MAX = 131072
#: A managed policy version, whitespace not counted.
POLICY_SIZE_MAX = 6144
#: The sum of an entity's inline policies, whitespace not counted: (quota name, limit).
INLINE_SIZE = {
    "user": ("UserPolicySize", 2048),
    "group": ("GroupPolicySize", 5120),
    "role": ("RolePolicySize", 10240),
}
#: Managed policies attached to one entity: (quota name, limit).
ATTACHED_POLICIES = {
    "user": ("PoliciesPerUser", 10),
    "group": ("PoliciesPerGroup", 10),
    "role": ("PoliciesPerRole", 10),
}
VERSIONS_PER_POLICY = 5
POLICIES_PER_ACCOUNT = 1500

POLICY_PATH_PATTERN = r"((/[A-Za-z0-9\.,\+@=_-]+)*)/"
DOCUMENT_PATTERN = r"[\u0009\u000A\u000D\u0020-\u00FF]+"
_POLICY_PATH_RE = re.compile(POLICY_PATH_PATTERN)
_DOCUMENT_RE = re.compile("[\t\n\r\u0020-\u00ff]+")
_VERSION_RE = re.compile(r"v[1-9][0-9]*(\.[A-Za-z0-9-]*)?", re.ASCII)
_POLICY_ARN_RE = re.compile(
    r"arn:aws:iam::(?P<owner>aws|\d{12}):policy(?P<path>(?:/[A-Za-z0-9.,+@=_-]+)*/)"
    r"(?P<name>[\w+=,.@-]+)",
    re.ASCII,
)

VERSION_LIMIT_MESSAGE = (
    "A managed policy can have up to 5 versions. Before you create a new version, "
    "you must delete an existing version."
)
DEFAULT_VERSION_MESSAGE = "Cannot delete the default version of a policy."
ATTACHED_MESSAGE = "Cannot delete a policy attached to entities."
VERSIONS_MESSAGE = (
    "This policy has more than one version. Before you delete a policy, you must delete the "
    "policy's versions. The default version is deleted with the policy."
)


# ---------------------------------------------------------------------------
# Documents


def policy_size(document: str) -> int:
    """The size IAM's quotas count: characters that are not whitespace."""
    return sum(1 for ch in document if not ch.isspace())


def _check_wire(document: str, member: str = "policyDocument") -> None:
    problems = validators._length_and_pattern(
        document, member, DOCUMENT_WIRE_MAX, _DOCUMENT_RE, DOCUMENT_PATTERN
    )
    validators._raise([p.replace(f"Value '{document}'", "Value '[...]'") for p in problems])


def check_document(
    document: str, *, kind: str = "identity", max_size: int | None = None
) -> list[Any]:
    """Validate a policy document as IAM's Put/Create calls do; return the engine's findings.
    ``max_size`` is the engine's size quota (None: the kind's default; 0: none, for inline
    policies, whose quota is the owner's sum).

    Raises:
        ValidationError: not a policy document parameter at all (empty, too long, bad characters).
        MalformedPolicyDocument: the engine finds an ERROR IAM itself gives (``blocking``);
            its message is IAM's. Access Analyzer's ERROR findings (not blocking) are returned,
            not raised: IAM accepts those documents.
    """
    _check_wire(document)
    findings = list(validate(document, kind=kind, max_size=max_size))
    errors = [f for f in findings if f.level == "ERROR" and f.blocking]
    if errors:
        raise MalformedPolicyDocument(errors[0].message)
    return findings


def _check_managed_document(document: str) -> None:
    _check_wire(document)
    if policy_size(document) > POLICY_SIZE_MAX:
        raise LimitExceeded(f"Cannot exceed quota for PolicySize: {POLICY_SIZE_MAX}")
    check_document(document)


# ---------------------------------------------------------------------------
# Finding policies


def parse_policy_arn(arn: str) -> tuple[str, str, str] | None:
    """``(owner, path, name)`` of a managed policy ARN, or ``None`` if it is not one."""
    match = _POLICY_ARN_RE.fullmatch(arn or "")
    if match is None:
        return None
    return match["owner"], match["path"], match["name"]


def _policy_by_arn(account: Account, arn: str) -> ManagedPolicy | None:
    parts = parse_policy_arn(arn)
    if parts is None:
        return None
    owner, path, name = parts
    if owner == AWS_OWNER:
        scope = ManagedPolicy.objects.aws_managed()
    elif owner == account.account_id:
        scope = ManagedPolicy.objects.for_account(account)
    else:
        return None
    return scope.filter(name=name, path=path).select_related("account").first()


def attachable_arns(account: Account, arns: Iterable[str]) -> set[str]:
    """Which of ``arns`` name a managed policy ``account`` can attach (one query)."""
    wanted = Q(pk__in=[])
    for arn in set(arns):
        parts = parse_policy_arn(arn)
        if parts is not None and parts[0] in (AWS_OWNER, account.account_id):
            owner, path, name = parts
            mine = Q(account__isnull=True) if owner == AWS_OWNER else Q(account=account)
            wanted |= mine & Q(name=name, path=path)
    return {policy.arn for policy in ManagedPolicy.objects.filter(wanted).select_related("account")}


def get_policy(account: Account, arn: str) -> ManagedPolicy:
    """GetPolicy: a policy ``account`` can see, by ARN, or ``NoSuchEntity``."""
    policy = _policy_by_arn(account, arn)
    if policy is None:
        raise NoSuchEntity(f"Policy {arn} was not found.")
    return policy


def get_attachable_policy(account: Account, arn: str) -> ManagedPolicy:
    """The policy an Attach*/Put*PermissionsBoundary call names, in IAM's words when absent."""
    policy = _policy_by_arn(account, arn)
    if policy is None:
        raise NoSuchEntity(f"Policy {arn} does not exist or is not attachable.")
    return policy


def get_policy_by_name(account: Account, owner: str, name: str) -> ManagedPolicy:
    """The policy that the console URL ``/iam/policies/<owner>/<name>/`` names.

    ``owner`` is ``aws`` or the 12-digit account id, as in the ARN."""
    if owner == AWS_OWNER:
        scope = ManagedPolicy.objects.aws_managed()
    elif owner == account.account_id:
        scope = ManagedPolicy.objects.for_account(account)
    else:
        scope = ManagedPolicy.objects.none()
    policy = scope.filter(name__iexact=name).select_related("account").first()
    if policy is None:
        raise NoSuchEntity(f"Policy arn:aws:iam::{owner}:policy/{name} was not found.")
    return policy


def check_version_id(version_id: str) -> None:
    """IAM's ``ValidationError`` unless ``version_id`` has the model's form."""
    if not _VERSION_RE.fullmatch(version_id or ""):
        raise ValidationError(
            f"1 validation error detected: Value '{version_id}' at 'versionId' "
            "failed to satisfy constraint: "
            r"Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?"
        )


def get_version(policy: ManagedPolicy, version_id: str) -> PolicyVersion:
    """GetPolicyVersion, or ``NoSuchEntity`` (the versions the portal makes have no suffix)."""
    check_version_id(version_id)
    number = version_id[1:]
    version = policy.versions.filter(number=int(number)).first() if number.isdigit() else None
    if version is None:
        raise NoSuchEntity(
            f"Policy {policy.arn} version {version_id} does not exist or is not attachable."
        )
    return version


def default_version(policy: ManagedPolicy) -> PolicyVersion:
    return policy.versions.get(is_default=True)


def unmodifiable(policy: ManagedPolicy) -> UnmodifiableEntity:
    """IAM's refusal to change an AWS managed policy."""
    # Its exact wording is not published [unverified].
    return UnmodifiableEntity(f"Policy {policy.arn} is an AWS managed policy and cannot be modified.")


def untaggable() -> InvalidInput:
    """IAM's refusal of TagPolicy, UntagPolicy and ListPolicyTags on an AWS managed policy."""
    return InvalidInput("Tags not supported for policies in this domain.")


def _lock_customer_policy(policy: ManagedPolicy) -> None:
    """Lock the policy's row for a change, which only customer managed policies take."""
    if policy.is_aws_managed:
        raise unmodifiable(policy)
    ManagedPolicy.objects.select_for_update().filter(pk=policy.pk).first()


# ---------------------------------------------------------------------------
# Managed policies and versions


def check_policy_fields(*, name: str, path: str = "/", description: str = "") -> None:
    """IAM's ``ValidationError`` unless ``name``, ``path`` and ``description`` are well formed."""
    problems = validators._length_and_pattern(
        name, "policyName", POLICY_NAME_MAX, validators._NAME_RE, validators.NAME_PATTERN
    )
    problems += validators._length_and_pattern(
        path, "path", POLICY_PATH_MAX, _POLICY_PATH_RE, POLICY_PATH_PATTERN
    )
    if len(description) > POLICY_DESCRIPTION_MAX:
        problems.append(
            validators._constraint(
                description,
                "description",
                f"Member must have length less than or equal to {POLICY_DESCRIPTION_MAX}",
            )
        )
    validators._raise(problems)


def check_new_policy(
    account: Account, *, name: str, path: str = "/", description: str = ""
) -> None:
    """Raise unless ``name``/``path``/``description`` could describe a new policy of ``account``."""
    check_policy_fields(name=name, path=path, description=description)
    if ManagedPolicy.objects.for_account(account).filter(name__iexact=name).exists():
        raise EntityAlreadyExists(
            f"A policy called {name} already exists. Duplicate names are not allowed."
        )


@transaction.atomic
def create_policy(
    account: Account,
    *,
    name: str,
    document: str,
    path: str = "/",
    description: str = "",
    tags: Iterable[tuple[str, str]] = (),
) -> ManagedPolicy:
    """CreatePolicy: a customer managed policy with ``v1`` as its default version."""
    check_new_policy(account, name=name, path=path, description=description)
    tag_list = validators.validate_tags(tags)
    _check_managed_document(document)
    lock_account_quota(account, ManagedPolicy.objects.for_account(account), "PoliciesPerAccount",
                       POLICIES_PER_ACCOUNT)
    now = timezone.now()
    policy = ManagedPolicy(
        account=account,
        name=name,
        path=path,
        description=description,
        tags=tag_list,
        created=now,
        updated=now,
        next_version=2,
    )
    save_new(policy, f"A policy called {name} already exists. Duplicate names are not allowed.")
    PolicyVersion.objects.create(
        policy=policy, number=1, document=document, is_default=True, created=now
    )
    return policy


@transaction.atomic
def create_policy_version(
    policy: ManagedPolicy, *, document: str, set_as_default: bool = False
) -> PolicyVersion:
    """CreatePolicyVersion: the next ``v<n>`` (numbers are never reused), at most five kept."""
    _lock_customer_policy(policy)
    policy.refresh_from_db(fields=["next_version"])
    if policy.versions.count() >= VERSIONS_PER_POLICY:
        raise LimitExceeded(VERSION_LIMIT_MESSAGE)
    _check_managed_document(document)
    now = timezone.now()
    if set_as_default:
        policy.versions.filter(is_default=True).update(is_default=False)
    version = PolicyVersion.objects.create(
        policy=policy,
        number=policy.next_version,
        document=document,
        is_default=set_as_default,
        created=now,
    )
    policy.next_version += 1
    policy.updated = now
    policy.save(update_fields=["next_version", "updated"])
    return version


@transaction.atomic
def set_default_version(policy: ManagedPolicy, *, version_id: str) -> None:
    """SetDefaultPolicyVersion."""
    _lock_customer_policy(policy)
    version = get_version(policy, version_id)
    if version.is_default:
        return
    policy.versions.filter(is_default=True).update(is_default=False)
    version.is_default = True
    version.save(update_fields=["is_default"])
    policy.updated = timezone.now()
    policy.save(update_fields=["updated"])


@transaction.atomic
def delete_policy_version(policy: ManagedPolicy, *, version_id: str) -> None:
    """DeletePolicyVersion: any version but the default."""
    _lock_customer_policy(policy)
    version = get_version(policy, version_id)
    check_version_deletable(policy, version)
    version.delete()


def check_version_deletable(policy: ManagedPolicy, version: PolicyVersion) -> None:
    """Raise what DeletePolicyVersion refuses ``version`` with: ``UnmodifiableEntity`` for an
    AWS managed policy, ``DeleteConflict`` for the default version."""
    if policy.is_aws_managed:
        raise unmodifiable(policy)
    if version.is_default:
        raise DeleteConflict(DEFAULT_VERSION_MESSAGE)


def attached_entities(policy: ManagedPolicy, account: Account) -> dict[str, list]:
    """ListEntitiesForPolicy within ``account``: users, groups and roles it is attached to,
    and the users and roles it bounds. Three queries."""
    attachments = list(
        PolicyAttachment.objects.filter(policy=policy, account=account).select_related(
            "user__account", "group__account", "role__account"
        )
    )
    boundaries = list(
        PermissionsBoundary.objects.filter(policy=policy, account=account).select_related(
            "user__account", "role__account"
        )
    )

    def named(rows: list[Any], field: str) -> list[Any]:
        owners = [getattr(row, field) for row in rows if getattr(row, f"{field}_id")]
        return sorted(owners, key=lambda owner: str(owner).lower())

    return {
        "users": named(attachments, "user"),
        "groups": named(attachments, "group"),
        "roles": named(attachments, "role"),
        "boundary_users": named(boundaries, "user"),
        "boundary_roles": named(boundaries, "role"),
    }


def boundary_context(owner: User | Group | Role, boundary_arn: str | None = None) -> dict[str, str]:
    """``iam:PermissionsBoundary`` as IAM sets it for actions on a user or a role: the ARN of
    its current boundary (or, for Put*PermissionsBoundary, of the boundary being set).
    Groups cannot have a boundary, so actions on them carry no such key."""
    if isinstance(owner, Group):
        return {}
    if boundary_arn is None:
        found = get_permissions_boundary(owner)
        boundary_arn = found.policy.arn if found else ""
    return {"iam:PermissionsBoundary": boundary_arn} if boundary_arn else {}


def delete_policy_calls(policy: ManagedPolicy) -> list[Call]:
    """The IAM calls the console's Delete policy (:func:`delete_policy` with ``detach_all``)
    stands for, as ``(action, resource ARN, condition keys)``: detach it from each user,
    group and role (``iam:PolicyARN``, and the entity's ``iam:PermissionsBoundary``), remove
    it as each boundary, delete the other versions, delete the policy. Four queries."""
    entities = attached_entities(policy, policy.account)
    users = entities["users"] + entities["boundary_users"]
    roles = entities["roles"] + entities["boundary_roles"]
    bounds: dict[tuple[str, int], str] = {}
    for row in PermissionsBoundary.objects.filter(Q(user__in=users) | Q(role__in=roles)).select_related(
        "policy__account"
    ):
        bounds["user" if row.user_id else "role", row.user_id or row.role_id] = row.policy.arn

    def bound(owner: User | Role) -> dict[str, Any]:
        return {**on(owner), **boundary_context(owner, bounds.get((_owner_field(owner), owner.pk), ""))}

    arn = {"iam:PolicyARN": policy.arn}
    calls = [("iam:DetachUserPolicy", u.arn, {**bound(u), **arn}) for u in entities["users"]]
    calls += [("iam:DetachGroupPolicy", g.arn, arn) for g in entities["groups"]]
    calls += [("iam:DetachRolePolicy", r.arn, {**bound(r), **arn}) for r in entities["roles"]]
    calls += [("iam:DeleteUserPermissionsBoundary", u.arn, bound(u)) for u in entities["boundary_users"]]
    calls += [("iam:DeleteRolePermissionsBoundary", r.arn, bound(r)) for r in entities["boundary_roles"]]
    if policy.versions.filter(is_default=False).exists():
        calls.append(("iam:DeletePolicyVersion", policy.arn, on(policy)))
    return [*calls, ("iam:DeletePolicy", policy.arn, on(policy))]


@transaction.atomic
def delete_policy(policy: ManagedPolicy, *, detach_all: bool = False,
                  authorize: Callable[[list[Call]], None] | None = None) -> None:
    """DeletePolicy.

    Without ``detach_all`` it is the API: ``DeleteConflict`` while the policy is attached
    to any entity or is anyone's permissions boundary, or has non-default versions. With
    ``detach_all`` it does what the console does: detaches it everywhere, removes it as a
    boundary, deletes the other versions, then the policy — every one of those calls given
    to ``authorize`` first (:func:`delete_policy_calls`). An attachment made after the calls
    were listed is ``DeleteConflict``, as the console's DeletePolicy would meet it.
    """
    _lock_customer_policy(policy)
    calls = delete_policy_calls(policy) if detach_all else [("iam:DeletePolicy", policy.arn, on(policy))]
    if authorize is not None:
        authorize(calls)
    attachments = PolicyAttachment.objects.filter(policy=policy)
    boundaries = PermissionsBoundary.objects.filter(policy=policy)
    if detach_all:
        # One Detach*Policy or Delete*PermissionsBoundary call per row listed.
        listed = sum(action not in ("iam:DeletePolicyVersion", "iam:DeletePolicy") for action, _, _ in calls)
        if attachments.count() + boundaries.count() != listed:
            raise DeleteConflict(ATTACHED_MESSAGE)
        attachments.delete()
        boundaries.delete()
    elif attachments.exists() or boundaries.exists():
        raise DeleteConflict(ATTACHED_MESSAGE)
    elif policy.versions.count() > 1:
        raise DeleteConflict(VERSIONS_MESSAGE)
    policy.delete()


# ---------------------------------------------------------------------------
# Inline policies


def _owner_field(owner: User | Group | Role) -> str:
    """The owner's kind, which is also its foreign key on inline policies, attachments and
    boundaries: ``user``, ``group`` or ``role``."""
    if isinstance(owner, User):
        return "user"
    if isinstance(owner, Group):
        return "group"
    if isinstance(owner, Role):
        return "role"
    raise TypeError(f"policies cannot be put on {owner!r}")


def _owner_kind(owner: User | Group | Role) -> str:
    """:func:`_owner_field`, for IAM's calls on an owner: the root user is not an IAM user."""
    kind = _owner_field(owner)
    if kind == "user" and owner.is_root:
        raise NoSuchEntity("The user with name root cannot be found.")
    return kind


def _modifiable_kind(owner: User | Group | Role) -> str:
    """:func:`_owner_kind`, for a call that changes the owner's policies: those of a
    service-linked role are its service's (IAM's ``UnmodifiableEntity``)."""
    kind = _owner_kind(owner)
    if kind == "role":
        refuse_protected(owner)
    return kind


#: The lookup of a user, group or role of an account by name (case-insensitive), each
#: raising ``NoSuchEntity`` in IAM's words: ``ENTITY_LOOKUPS[kind](account, name)``.
ENTITY_LOOKUPS = {"user": get_user, "group": get_group, "role": get_role}


def get_inline_policy(owner: User | Group | Role, name: str) -> InlinePolicy:
    """GetUserPolicy / GetGroupPolicy / GetRolePolicy, or ``NoSuchEntity`` in IAM's words."""
    kind = _owner_kind(owner)
    policy = InlinePolicy.objects.filter(name__iexact=name, **{kind: owner}).first()
    if policy is None:
        raise NoSuchEntity(f"The {kind} policy with name {name} cannot be found.")
    return policy


@transaction.atomic
def put_inline_policy(owner: User | Group | Role, *, name: str, document: str) -> InlinePolicy:
    """PutUserPolicy / PutGroupPolicy / PutRolePolicy: create or replace the inline policy ``name``.

    The sum of the owner's inline policies (whitespace not counted) must stay within the
    kind's quota: user 2,048, group 5,120 (role 10,240).
    """
    kind = _modifiable_kind(owner)
    validators._raise(
        validators._length_and_pattern(
            name, "policyName", POLICY_NAME_MAX, validators._NAME_RE, validators.NAME_PATTERN
        )
    )
    _check_wire(document)
    type(owner).objects.select_for_update().filter(pk=owner.pk).first()
    existing = InlinePolicy.objects.filter(**{kind: owner})
    others = [p.document for p in existing if p.name.lower() != name.lower()]
    quota_name, limit = INLINE_SIZE[kind]
    if policy_size(document) + sum(policy_size(d) for d in others) > limit:
        raise LimitExceeded(f"Cannot exceed quota for {quota_name}: {limit}")
    check_document(
        document, max_size=0
    )  # the sum above is the inline quota (a role's exceeds 6,144)
    policy = existing.filter(name__iexact=name).first()
    now = timezone.now()
    if policy is None:
        policy = InlinePolicy.objects.create(
            name=name, document=document, created=now, updated=now, **{kind: owner}
        )
    else:
        policy.document, policy.updated = document, now
        policy.save(update_fields=["document", "updated"])
    return policy


@transaction.atomic
def delete_inline_policy(owner: User | Group | Role, *, name: str) -> None:
    """DeleteUserPolicy / DeleteGroupPolicy / DeleteRolePolicy."""
    _modifiable_kind(owner)
    get_inline_policy(owner, name).delete()


# ---------------------------------------------------------------------------
# Attachments


@transaction.atomic
def attach_policy(owner: User | Group | Role, *, policy_arn: str) -> PolicyAttachment:
    """AttachUserPolicy / AttachGroupPolicy / AttachRolePolicy: idempotent, at most 10 per entity."""
    kind = _modifiable_kind(owner)
    policy = get_attachable_policy(owner.account, policy_arn)
    type(owner).objects.select_for_update().filter(pk=owner.pk).first()
    existing = PolicyAttachment.objects.filter(**{kind: owner})
    found = existing.filter(policy=policy).first()
    if found is not None:
        return found
    quota_name, limit = ATTACHED_POLICIES[kind]
    if existing.count() >= limit:
        raise LimitExceeded(f"Cannot exceed quota for {quota_name}: {limit}")
    return PolicyAttachment.objects.create(
        account=owner.account, policy=policy, **{kind: owner}
    )


@transaction.atomic
def detach_policy(owner: User | Group | Role, *, policy_arn: str) -> None:
    """DetachUserPolicy / DetachGroupPolicy / DetachRolePolicy."""
    kind = _modifiable_kind(owner)
    policy = _policy_by_arn(owner.account, policy_arn)
    deleted = 0
    if policy is not None:
        deleted, _ = PolicyAttachment.objects.filter(
            policy=policy, **{kind: owner}
        ).delete()
    if not deleted:
        raise NoSuchEntity(f"Policy {policy_arn} was not found.")


# ---------------------------------------------------------------------------
# Permissions boundaries


def get_permissions_boundary(owner: User | Role) -> PermissionsBoundary | None:
    """The owner's permissions boundary (with its policy and the policy's account), or None."""
    return (
        PermissionsBoundary.objects.filter(**{_owner_field(owner): owner})
        .select_related("policy__account")
        .first()
    )


@transaction.atomic
def put_permissions_boundary(owner: User | Role, *, policy_arn: str) -> PermissionsBoundary:
    """PutUserPermissionsBoundary / PutRolePermissionsBoundary: set or replace the owner's
    one boundary."""
    kind = _modifiable_kind(owner)
    if kind not in PermissionsBoundary.OWNER_FIELDS:
        raise TypeError(f"a {kind} has no permissions boundary")
    policy = get_attachable_policy(owner.account, policy_arn)
    boundary, _ = PermissionsBoundary.objects.update_or_create(
        **{kind: owner},
        defaults={"policy": policy, "account": owner.account, "created": timezone.now()},
    )
    return boundary


@transaction.atomic
def delete_permissions_boundary(owner: User | Role) -> None:
    """DeleteUserPermissionsBoundary / DeleteRolePermissionsBoundary (no error when there is
    none, like IAM)."""
    kind = _modifiable_kind(owner)
    PermissionsBoundary.objects.filter(**{kind: owner}).delete()


# IAM's calls per kind of owner are the same operations: the owner's kind picks the
# quotas and the wording.
put_user_policy = put_group_policy = put_role_policy = put_inline_policy
delete_user_policy = delete_group_policy = delete_role_policy = delete_inline_policy
attach_user_policy = attach_group_policy = attach_role_policy = attach_policy
detach_user_policy = detach_group_policy = detach_role_policy = detach_policy
put_user_permissions_boundary = put_role_permissions_boundary = put_permissions_boundary
delete_user_permissions_boundary = delete_role_permissions_boundary = delete_permissions_boundary


CHANGE_PASSWORD_POLICY_ARN = "arn:aws:iam::aws:policy/IAMUserChangePassword"


@dataclass(frozen=True)
class NewUserPermissions:
    """What the create-user wizard's permissions choices put on a new user, described once
    so that the same list is both authorised (:meth:`authorizations`) and applied
    (:meth:`apply`): a plan cannot attach anything that was not checked."""

    policy_arns: tuple[str, ...] = ()
    inline: tuple[tuple[str, str], ...] = ()  # (name, document) copied from another user
    boundary_arn: str | None = None

    def authorizations(self, user_arn: str) -> list[tuple[str, str, dict[str, Any]]]:
        """``(action, resource, context)`` checks the caller must pass, IAM's condition keys included."""
        # The new user has its boundary when these calls are made: IAM gives it to them as
        # iam:PermissionsBoundary (how a delegate is limited to creating bounded users).
        bounded = {"iam:PermissionsBoundary": self.boundary_arn} if self.boundary_arn else {}
        checks: list[tuple[str, str, dict[str, Any]]] = [
            ("iam:AttachUserPolicy", user_arn, {**bounded, "iam:PolicyARN": arn}) for arn in self.policy_arns
        ]
        if self.inline:
            checks.append(("iam:PutUserPolicy", user_arn, bounded))
        if self.boundary_arn:
            checks.append(("iam:PutUserPermissionsBoundary", user_arn,
                           {"iam:PermissionsBoundary": self.boundary_arn}))
        return checks

    def apply(self, user: User) -> None:
        for arn in self.policy_arns:
            attach_policy(user, policy_arn=arn)
        for name, document in self.inline:
            put_inline_policy(user, name=name, document=document)
        if self.boundary_arn:
            put_user_permissions_boundary(user, policy_arn=self.boundary_arn)


def new_user_permissions_plan(
    account: Account,
    *,
    policy_arns: Iterable[str] = (),
    boundary_arn: str | None = None,
    copy_from: User | None = None,
    password_reset_required: bool = False,
) -> NewUserPermissions:
    """The policies a new user gets from the create-user wizard (iam-facts §8.1).

    "Copy permissions" copies ``copy_from``'s attached policies, inline policies and
    boundary (its groups are the accounts app's part); "Users must create a new password
    at next sign-in" attaches IAMUserChangePassword, as the console does while the account
    has no password policy letting users change their own password.
    """
    arns = list(policy_arns)
    inline: list[tuple[str, str]] = []
    if copy_from is not None:
        arns += [a.policy.arn for a in
                 PolicyAttachment.objects.filter(user=copy_from).select_related("policy__account")]
        inline = [(p.name, p.document) for p in InlinePolicy.objects.filter(user=copy_from)]
        copied = get_permissions_boundary(copy_from)
        boundary_arn = boundary_arn or (copied.policy.arn if copied else None)
    if password_reset_required and not users_may_change_password(account):
        arns.append(CHANGE_PASSWORD_POLICY_ARN)
    return NewUserPermissions(policy_arns=tuple(dict.fromkeys(arns)), inline=tuple(inline),
                              boundary_arn=boundary_arn)


def copy_permissions(source: User, target: User) -> None:
    """Copy ``source``'s attached policies, inline policies and boundary onto ``target``.
    The caller authorises what :func:`new_user_permissions_plan` lists."""
    new_user_permissions_plan(source.account, copy_from=source).apply(target)


# ---------------------------------------------------------------------------
# A user's, group's or role's policies as dependents of its delete (registered with
# accounts.dependents in apps.ready): DeleteUser / DeleteGroup / DeleteRole refuse while
# policies remain (iam-facts §11); the console's delete detaches and deletes them first.


def _owner_q(owner: User | Group | Role) -> Q:
    return Q(**{_owner_field(owner): owner})


def _noun(owner: User | Group | Role) -> str:
    """The owner's kind as IAM's action names spell it: ``User``, ``Group``, ``Role``."""
    return _owner_field(owner).capitalize()


def attached_removals(owner: User | Group | Role) -> list[Removal]:
    """Detach{User,Group,Role}Policy for each attached managed policy (``iam:PolicyARN``,
    and the owner's ``iam:PermissionsBoundary``)."""
    context = {**on(owner), **boundary_context(owner)}
    rows = PolicyAttachment.objects.filter(_owner_q(owner)).select_related("policy__account").order_by("policy__name")
    return [Removal(row.policy.name, ((f"iam:Detach{_noun(owner)}Policy", owner.arn,
                                       {**context, "iam:PolicyARN": row.policy.arn}),), row.pk)
            for row in rows]


def inline_removals(owner: User | Group | Role) -> list[Removal]:
    """Delete{User,Group,Role}Policy for each inline policy."""
    context = {**on(owner), **boundary_context(owner)}
    return [Removal(policy.name, ((f"iam:Delete{_noun(owner)}Policy", owner.arn, context),), policy.pk)
            for policy in InlinePolicy.objects.filter(_owner_q(owner)).order_by("name")]


def boundary_removals(owner: User | Role) -> list[Removal]:
    """Delete{User,Role}PermissionsBoundary for the boundary, if any."""
    found = get_permissions_boundary(owner)
    if found is None:
        return []
    return [Removal(found.policy.name, ((f"iam:Delete{_noun(owner)}PermissionsBoundary", owner.arn,
                                         {**on(owner), **boundary_context(owner, found.policy.arn)}),), found.pk)]


ATTACHED_DEPENDENT = Dependent("Attached managed policies", "detach all policies", attached_removals,
                               delete_rows(PolicyAttachment), 30)
INLINE_DEPENDENT = Dependent("Inline policies", "delete policies", inline_removals, delete_rows(InlinePolicy), 40)
#: Not a blocker of the API's DeleteUser/DeleteRole; the console's delete removes it as a call of its own.
BOUNDARY_DEPENDENT = Dependent("Permissions boundary", None, boundary_removals,
                               delete_rows(PermissionsBoundary), 50)


def count_customer_policies(account: Account) -> int:
    return ManagedPolicy.objects.for_account(account).count()
