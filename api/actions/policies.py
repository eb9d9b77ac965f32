"""Managed policies over the Query API: CreatePolicy, GetPolicy, ListPolicies, DeletePolicy,
their versions (Create/Get/List/Delete/SetDefault), their tags (TagPolicy, UntagPolicy,
ListPolicyTags) and ListEntitiesForPolicy.

Each handler follows :mod:`api.actions.users`: syntax first, then the lookup within the
caller's account, then the IAM action on the policy's ARN with its tags
(``aws:ResourceTag/…``, as the console's policy pages authorise), then the service function
the console calls. A policy that is not there (another account's ARN included) is
``NoSuchEntity`` only to a caller who may perform the action on the ARN asked for
(:func:`found`): to anyone else it is AccessDenied, so a refusal reveals nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db.models import OuterRef, Q, QuerySet, Subquery

from accounts import tags, validators
from accounts.dependents import on
from accounts.models import Group, Role, User
from iamportal.errors import InvalidInput, NoSuchEntity
from policies import services
from policies.models import ManagedPolicy, PolicyVersion

from .. import shapes
from ..protocol import constraint, member_name, page, policy_document, validation_error
from ..registry import Call, action
from .roles import tag_keys_param, tags_param

T = TypeVar("T")
ARN_MIN, ARN_MAX = 20, 2048
SCOPES = ("All", "AWS", "Local")
USAGES = ("PermissionsPolicy", "PermissionsBoundary")
ENTITY_TYPES = ("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy")
_POLICY_PATH_RE = re.compile(services.POLICY_PATH_PATTERN)
_ENTITY_PATH_RE = re.compile(validators.PATH_PATTERN)


# ---------------------------------------------------------------------------
# Parameters


def arn_param(call: Call, member: str = "PolicyArn") -> str:
    """A required ARN parameter: 20-2048 characters, and an ARN at all (IAM's InvalidInput)."""
    call.params.require(member)
    arn = call.params.get(member)
    validators.check_text(arn, member_name(member), ARN_MIN, ARN_MAX)
    if len(arn.split(":", 5)) < 6 or not arn.startswith("arn:"):
        raise InvalidInput(f"ARN {arn} is not valid.")
    return arn


def enum_param(call: Call, member: str, values: Sequence[str]) -> str | None:
    value = call.params.get(member)
    if value is not None and value not in values:
        allowed = f"Member must satisfy enum value set: [{', '.join(values)}]"
        raise validation_error([constraint(value, member, allowed)])
    return value


def path_prefix(call: Call, pattern: re.Pattern[str], text: str) -> str:
    """``PathPrefix`` (default ``/``), checked against the model's pattern ``text``."""
    prefix = call.params.get("PathPrefix", "/")
    validators.check_text(prefix, "pathPrefix", 1, services.POLICY_PATH_MAX, pattern, text)
    return prefix


def document_param(call: Call) -> str:
    """``PolicyDocument``: required, and a policy document parameter at all."""
    call.params.require("PolicyDocument")
    document = call.params.get("PolicyDocument")
    services._check_wire(document)
    return document


def version_param(call: Call) -> str:
    call.params.require("VersionId")
    version_id = call.params.get("VersionId")
    services.check_version_id(version_id)
    return version_id


# ---------------------------------------------------------------------------
# Finding and showing policies


def with_details(queryset: QuerySet, call: Call) -> QuerySet:
    """``queryset`` with what the Policy shape needs, in the same query: the default
    version's number and the caller's account's attachment and boundary counts."""
    default = PolicyVersion.objects.filter(policy=OuterRef("pk"), is_default=True).values("number")[:1]
    return queryset.select_related("account").with_usage(call.account).annotate(default_number=Subquery(default))


def detailed(call: Call, policy: ManagedPolicy) -> ManagedPolicy:
    return with_details(ManagedPolicy.objects.filter(pk=policy.pk), call).get()


def policy_shape(policy: ManagedPolicy, *, full: bool = False) -> dict[str, Any]:
    """The Policy shape of a policy loaded by :func:`with_details`."""
    return shapes.policy(policy, full=full, default_version_id=f"v{policy.default_number}",
                         attachment_count=policy.attached_count, boundary_count=policy.boundary_count)


def version_shape(version: PolicyVersion, *, document: bool = False) -> dict[str, Any]:
    return {"Document": policy_document(version.document) if document else None,
            "VersionId": version.version_id, "IsDefaultVersion": version.is_default, "CreateDate": version.created}


def found(call: Call, action_name: str, arn: str, find: Callable[[], T], context: dict[str, Any] | None = None) -> T:
    """``find()``; when it finds nothing (``NoSuchEntity``), ``action_name`` on ``arn`` is
    authorised first, so that a caller who may not act there learns nothing of what exists."""
    try:
        return find()
    except NoSuchEntity:
        call.authorize(action_name, arn, context)
        raise


def authorized(call: Call, name: str, arn: str, context: dict[str, Any] | None = None) -> ManagedPolicy:
    """The policy ``arn`` names, once ``iam:<name>`` on it (with its tags and ``context``) is allowed."""
    policy = found(call, f"iam:{name}", arn, lambda: services.get_policy(call.account, arn), context)
    call.authorize(f"iam:{name}", policy.arn, {**on(policy), **(context or {})})
    return policy


# ---------------------------------------------------------------------------
# Managed policies


@action("iam", "CreatePolicy")
def create_policy(call: Call) -> dict:
    params = call.params
    params.require("PolicyName", "PolicyDocument")
    name, path = params.get("PolicyName"), params.get("Path", "/")
    description = params.get("Description", "")
    requested_tags = params.tags()
    services.check_policy_fields(name=name, path=path, description=description)
    validators.validate_tags(requested_tags)
    document = document_param(call)
    call.authorize_all(tags.create_calls("Policy", call.account.arn(f"policy{path}{name}"), requested_tags))
    policy = services.create_policy(call.account, name=name, document=document, path=path,
                                    description=description, tags=requested_tags)
    return {"Policy": shapes.policy(policy, full=True, default_version_id="v1", attachment_count=0,
                                    boundary_count=0)}


@action("iam", "GetPolicy")
def get_policy(call: Call) -> dict:
    policy = authorized(call, "GetPolicy", arn_param(call))
    return {"Policy": policy_shape(detailed(call, policy), full=True)}


@action("iam", "ListPolicies")
def list_policies(call: Call) -> dict:
    scope = enum_param(call, "Scope", SCOPES) or "All"
    usage = enum_param(call, "PolicyUsageFilter", USAGES)
    only_attached = call.params.bool("OnlyAttached", default=False)
    prefix = path_prefix(call, _POLICY_PATH_RE, services.POLICY_PATH_PATTERN)
    call.authorize("iam:ListPolicies", "*")
    queryset = with_details(ManagedPolicy.objects.visible_to(call.account), call).filter(path__startswith=prefix)
    if scope == "AWS":
        queryset = queryset.filter(account__isnull=True)
    elif scope == "Local":
        queryset = queryset.filter(account=call.account)
    if usage == "PermissionsBoundary":
        queryset = queryset.filter(boundary_count__gt=0)
    elif only_attached:
        # AWS: "only the policies that are attached to an IAM user, group, or role".
        queryset = queryset.filter(attached_count__gt=0)
    policies, paging = page(call.params, queryset.order_by("name", "pk"))
    return {"Policies": [policy_shape(policy) for policy in policies], **paging}


@action("iam", "DeletePolicy")
def delete_policy(call: Call) -> None:
    policy = authorized(call, "DeletePolicy", arn_param(call))
    # The API never cascades: attached, a boundary or other versions is DeleteConflict.
    services.delete_policy(policy)


# ---------------------------------------------------------------------------
# Versions


@action("iam", "CreatePolicyVersion")
def create_policy_version(call: Call) -> dict:
    arn = arn_param(call)
    document = document_param(call)
    set_as_default = call.params.bool("SetAsDefault", default=False)
    policy = authorized(call, "CreatePolicyVersion", arn)
    version = services.create_policy_version(policy, document=document, set_as_default=set_as_default)
    return {"PolicyVersion": version_shape(version)}


@action("iam", "GetPolicyVersion")
def get_policy_version(call: Call) -> dict:
    arn, version_id = arn_param(call), version_param(call)
    policy = authorized(call, "GetPolicyVersion", arn)
    return {"PolicyVersion": version_shape(services.get_version(policy, version_id), document=True)}


@action("iam", "ListPolicyVersions")
def list_policy_versions(call: Call) -> dict:
    policy = authorized(call, "ListPolicyVersions", arn_param(call))
    versions, paging = page(call.params, policy.versions.order_by("-number"))
    return {"Versions": [version_shape(version) for version in versions], **paging}


@action("iam", "DeletePolicyVersion")
def delete_policy_version(call: Call) -> None:
    arn, version_id = arn_param(call), version_param(call)
    services.delete_policy_version(authorized(call, "DeletePolicyVersion", arn), version_id=version_id)


@action("iam", "SetDefaultPolicyVersion")
def set_default_policy_version(call: Call) -> None:
    arn, version_id = arn_param(call), version_param(call)
    services.set_default_version(authorized(call, "SetDefaultPolicyVersion", arn), version_id=version_id)


# ---------------------------------------------------------------------------
# Tags (customer managed policies only: IAM's InvalidInput for an AWS managed one)


def taggable(call: Call, name: str, arn: str, context: dict[str, Any] | None = None) -> ManagedPolicy:
    policy = authorized(call, name, arn, context)
    if policy.is_aws_managed:
        raise services.untaggable()
    return policy


@action("iam", "TagPolicy")
def tag_policy(call: Call) -> None:
    arn, requested = arn_param(call), tags_param(call)
    policy = taggable(call, "TagPolicy", arn, tags.tag_context(requested))
    tags.tag(policy, requested)


@action("iam", "UntagPolicy")
def untag_policy(call: Call) -> None:
    arn = arn_param(call)
    keys = tag_keys_param(call)
    policy = taggable(call, "UntagPolicy", arn, tags.untag_context(keys))
    tags.untag(policy, keys)


@action("iam", "ListPolicyTags")
def list_policy_tags(call: Call) -> dict:
    policy = taggable(call, "ListPolicyTags", arn_param(call))
    rows, paging = page(call.params, shapes.tags(policy))
    return {"Tags": rows, **paging}


# ---------------------------------------------------------------------------
# ListEntitiesForPolicy


class Chain:
    """Querysets read one after the other as one sequence that :func:`api.protocol.page`
    slices: each part is counted and sliced in the database (two queries a part at most)."""

    def __init__(self, *parts: QuerySet) -> None:
        self.parts = parts

    def __getitem__(self, window: slice) -> list[Any]:
        start, stop = window.start or 0, window.stop
        rows: list[Any] = []
        for part in self.parts:
            if stop <= 0:
                break
            chunk = list(part[start:stop])
            rows += chunk
            # A short chunk ends the part; an empty one past its start needs its size.
            size = start + len(chunk) if chunk or not start else part.count()
            start, stop = max(0, start - size), stop - size
        return rows


def _entities(call: Call, model: type, policy: ManagedPolicy, usage: str | None, prefix: str) -> QuerySet:
    """The caller's account's users, groups or roles ``policy`` is attached to or bounds."""
    uses = Q()
    if usage != "PermissionsBoundary":
        uses |= Q(policy_attachments__policy=policy)
    if usage != "PermissionsPolicy" and model is not Group:
        uses |= Q(permissions_boundary__policy=policy)
    if not uses:
        return model.objects.none()
    rows = model.objects.filter(account=call.account).filter(uses).filter(path__startswith=prefix)
    if model is User:
        rows = rows.filter(is_root=False)
    return rows.distinct().order_by("user_name" if model is User else "name", "pk")


@action("iam", "ListEntitiesForPolicy")
def list_entities_for_policy(call: Call) -> dict:
    arn = arn_param(call)
    kind = enum_param(call, "EntityFilter", ENTITY_TYPES)
    usage = enum_param(call, "PolicyUsageFilter", USAGES)
    prefix = path_prefix(call, _ENTITY_PATH_RE, validators.PATH_PATTERN)
    policy = authorized(call, "ListEntitiesForPolicy", arn)
    models = [model for model in (Group, User, Role) if kind is None or kind == model.__name__]
    rows, paging = page(call.params, Chain(*(_entities(call, model, policy, usage, prefix) for model in models)))
    return {
        "PolicyGroups": [{"GroupName": row.name, "GroupId": row.unique_id} for row in rows if isinstance(row, Group)],
        "PolicyUsers": [{"UserName": row.user_name, "UserId": row.unique_id} for row in rows if isinstance(row, User)],
        "PolicyRoles": [{"RoleName": row.name, "RoleId": row.unique_id} for row in rows if isinstance(row, Role)],
        **paging,
    }
