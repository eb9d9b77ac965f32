"""IAM roles over the Query API: CreateRole, GetRole, ListRoles, UpdateRole,
UpdateRoleDescription, UpdateAssumeRolePolicy, DeleteRole, TagRole, UntagRole, ListRoleTags,
and service-linked roles (CreateServiceLinkedRole, DeleteServiceLinkedRole,
GetServiceLinkedRoleDeletionStatus).

Each handler follows :mod:`api.actions.users`: syntax first, then the IAM action on the role's
ARN with the keys the request carries (the role's tags and boundary, ``aws:RequestTag``,
``iam:PermissionsBoundary``, ``iam:AWSServiceName``), then the service function the console
calls (:mod:`accounts.roles`, :mod:`accounts.service_linked_roles`). Over the API nothing
cascades: DeleteRole is ``DeleteConflict`` while policies or instance profiles remain, and a
service-linked role is its service's (``UnmodifiableEntity``).
"""

from __future__ import annotations

from typing import Any

from accounts import dependents, quotas, roles, service_linked_roles, tags, validators
from accounts.models import Role
from iamportal.errors import InvalidInput
from policies import services as policy_services

from .. import shapes
from ..protocol import constraint, member_name, page, validation_error
from ..registry import Call, action

#: A deletion task id is 1-1000 characters (``DeletionTaskIdType``).
TASK_ID_MAX = 1000
SERVICE_NAME_MAX = 128  # AWSServiceName (groupNameType)
SUFFIX_MAX = 64  # CustomSuffix

# ---------------------------------------------------------------------------
# Parameters and condition keys


def named_role(call: Call, member: str = "RoleName") -> Role:
    """The role ``member`` names in the caller's account (``NoSuchEntity`` otherwise)."""
    call.params.require(member)
    name = call.params.get(member)
    validators.validate_name(name, member_name(member), quotas.ROLE_NAME_MAX)
    return roles.get_role(call.account, name)


def on_role(role: Role) -> dict[str, Any]:
    """The keys every action on an existing role carries: its tags and its boundary (as the
    console's role pages, :class:`accounts.views.roles.RoleMixin`)."""
    return {**dependents.on(role), **policy_services.boundary_context(role)}


def description_param(call: Call, *, required: bool = False) -> str | None:
    if required:
        call.params.require("Description")
    description = call.params.get("Description")
    if description is not None:
        roles.validate_description(description)
    return description


def duration_param(call: Call) -> int | None:
    return call.params.int("MaxSessionDuration", minimum=Role.MIN_SESSION_DURATION,
                           maximum=Role.MAX_SESSION_DURATION)


def tags_param(call: Call) -> list[tuple[str, str]]:
    """``Tags`` of Tag*: required (botocore sends ``Tags.member.N.*``, or ``Tags=`` when empty)."""
    requested = call.params.tags()
    if not requested:
        call.params.require("Tags")
    validators.validate_tags(requested)
    return requested


def tag_keys_param(call: Call) -> list[str]:
    """``TagKeys`` of Untag*: required, at most 50 keys of IAM's tag characters."""
    keys = call.params.list("TagKeys")
    if not keys:
        call.params.require("TagKeys")
    validators.validate_tag_keys(keys)
    return keys


def path_prefix_param(call: Call) -> str:
    prefix = call.params.get("PathPrefix", "/")
    validators.validate_path_prefix(prefix)
    return prefix


# ---------------------------------------------------------------------------
# Roles


@action("iam", "CreateRole")
def create_role(call: Call) -> dict:
    params = call.params
    params.require("RoleName", "AssumeRolePolicyDocument")
    name, path = params.get("RoleName"), params.get("Path", "/")
    validators.validate_name_and_path(name, "roleName", quotas.ROLE_NAME_MAX, path)
    description = description_param(call) or ""
    duration = duration_param(call) or Role.MIN_SESSION_DURATION
    boundary_arn = params.get("PermissionsBoundary") or ""
    requested_tags = params.tags()
    validators.validate_tags(requested_tags)
    bounded = {"iam:PermissionsBoundary": boundary_arn} if boundary_arn else None
    arn = call.account.arn(f"role{path}{name}")
    # As the console's create-role wizard: the boundary is a PutRolePermissionsBoundary too.
    call.authorize_all([*tags.create_calls("Role", arn, requested_tags, bounded),
                        *([("iam:PutRolePermissionsBoundary", arn, bounded)] if bounded else [])])
    role = roles.create_role(call.account, name=name, path=path, trust_policy=params.get("AssumeRolePolicyDocument"),
                             description=description, max_session_duration=duration, tags=requested_tags,
                             boundary_arn=boundary_arn, instance_profile=False)
    return {"Role": shapes.role(role, full=True)}


@action("iam", "GetRole")
def get_role(call: Call) -> dict:
    role = named_role(call)
    call.authorize("iam:GetRole", role.arn, on_role(role))
    return {"Role": shapes.role(role, full=True)}


@action("iam", "ListRoles")
def list_roles(call: Call) -> dict:
    prefix = path_prefix_param(call)
    call.authorize("iam:ListRoles", call.account.arn("role/"))
    found, paging = page(call.params, Role.objects.for_account(call.account).select_related("account")
                         .filter(path__startswith=prefix).order_by("name", "pk"))
    return {"Roles": [shapes.role(role) for role in found], **paging}


@action("iam", "UpdateRole")
def update_role(call: Call) -> dict:
    description = description_param(call)
    duration = duration_param(call)
    role = named_role(call)
    call.authorize("iam:UpdateRole", role.arn, on_role(role))
    roles.update_role(role, description=description, max_session_duration=duration)
    return {}  # UpdateRoleResult has no members, yet the model has it (botocore reads it)


@action("iam", "UpdateRoleDescription")
def update_role_description(call: Call) -> dict:
    description = description_param(call, required=True)
    role = named_role(call)
    call.authorize("iam:UpdateRoleDescription", role.arn, on_role(role))
    roles.update_role(role, description=description)
    return {"Role": shapes.role(role, full=True)}


@action("iam", "UpdateAssumeRolePolicy")
def update_assume_role_policy(call: Call) -> None:
    call.params.require("RoleName", "PolicyDocument")
    role = named_role(call)
    call.authorize("iam:UpdateAssumeRolePolicy", role.arn, on_role(role))
    roles.update_trust_policy(role, call.params.get("PolicyDocument"))


@action("iam", "DeleteRole")
def delete_role(call: Call) -> None:
    role = named_role(call)
    call.authorize("iam:DeleteRole", role.arn, on_role(role))
    roles.delete_role(role, remove_dependents=False)


# ---------------------------------------------------------------------------
# Tags


@action("iam", "TagRole")
def tag_role(call: Call) -> None:
    requested = tags_param(call)
    role = named_role(call)
    call.authorize("iam:TagRole", role.arn, {**on_role(role), **tags.tag_context(requested)})
    tags.tag(role, requested)


@action("iam", "UntagRole")
def untag_role(call: Call) -> None:
    keys = tag_keys_param(call)
    role = named_role(call)
    call.authorize("iam:UntagRole", role.arn, {**on_role(role), **tags.untag_context(keys)})
    tags.untag(role, keys)


@action("iam", "ListRoleTags")
def list_role_tags(call: Call) -> dict:
    role = named_role(call)
    call.authorize("iam:ListRoleTags", role.arn, on_role(role))
    rows, paging = page(call.params, shapes.tags(role))
    return {"Tags": rows, **paging}


# ---------------------------------------------------------------------------
# Service-linked roles


@action("iam", "CreateServiceLinkedRole")
def create_service_linked_role(call: Call) -> dict:
    params = call.params
    params.require("AWSServiceName")
    service, suffix = params.get("AWSServiceName"), params.get("CustomSuffix")
    validators.validate_name(service, member_name("AWSServiceName"), SERVICE_NAME_MAX)
    if suffix is not None:
        validators.validate_name(suffix, "customSuffix", SUFFIX_MAX)
    description = description_param(call) or ""
    name = service_linked_roles.role_name(service, suffix or "")
    arn = call.account.arn(f"role{service_linked_roles.role_path(service)}{name}")
    call.authorize("iam:CreateServiceLinkedRole", arn, {"iam:AWSServiceName": service})
    role = service_linked_roles.create_service_linked_role(call.account, service=service, description=description,
                                                           suffix=suffix or "")
    return {"Role": shapes.role(role, full=True)}


@action("iam", "DeleteServiceLinkedRole")
def delete_service_linked_role(call: Call) -> dict:
    role = named_role(call)
    call.authorize("iam:DeleteServiceLinkedRole", role.arn, on_role(role))
    return {"DeletionTaskId": service_linked_roles.delete_service_linked_role(role)}


@action("iam", "GetServiceLinkedRoleDeletionStatus")
def get_service_linked_role_deletion_status(call: Call) -> dict:
    call.params.require("DeletionTaskId")
    task = call.params.get("DeletionTaskId")
    if len(task) > TASK_ID_MAX:
        raise validation_error([constraint("[...]", "DeletionTaskId",
                                           f"Member must have length less than or equal to {TASK_ID_MAX}")])
    parts = service_linked_roles.parse_task_id(task)
    if parts is None:
        raise InvalidInput(f"Invalid deletion task id: {task}")
    service, name = parts
    arn = call.account.arn(f"role{service_linked_roles.role_path(service)}{name}")
    call.authorize("iam:GetServiceLinkedRoleDeletionStatus", arn)
    return {"Status": service_linked_roles.deletion_status(call.account, task)}
