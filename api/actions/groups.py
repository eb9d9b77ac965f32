"""IAM groups over the Query API: CreateGroup, GetGroup, ListGroups, UpdateGroup,
DeleteGroup, AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser.

Each is authorised as the console's group pages do (the action on the group's ARN; groups
carry no tags), and calls the same :mod:`accounts.services` function.
"""

from __future__ import annotations

from accounts import quotas, services, validators
from accounts.models import Group, User

from .. import shapes
from ..protocol import member_name, page
from ..registry import Call, action
from .users import EXISTING_NAME_MAX, named_user, on_user, path_prefix


def named_group(call: Call) -> Group:
    """The group ``GroupName`` names in the caller's account (``NoSuchEntity`` otherwise)."""
    call.params.require("GroupName")
    name = call.params.get("GroupName")
    validators.validate_name(name, member_name("GroupName"), quotas.GROUP_NAME_MAX)
    group = services.get_group(call.account, name)
    group.account = call.account  # already loaded: spare the query for its ARN
    return group


def group_shapes(call: Call, groups: list[Group]) -> list[dict]:
    for group in groups:
        group.account = call.account
    return [shapes.group(group) for group in groups]


@action("iam", "CreateGroup")
def create_group(call: Call) -> dict:
    call.params.require("GroupName")
    name, path = call.params.get("GroupName"), call.params.get("Path", "/")
    validators.validate_name_and_path(name, "groupName", quotas.GROUP_NAME_MAX, path)
    call.authorize("iam:CreateGroup", call.account.arn(f"group{path}{name}"))
    return {"Group": shapes.group(services.create_group(call.account, name=name, path=path))}


@action("iam", "GetGroup")
def get_group(call: Call) -> dict:
    """The group and its users, paged by name."""
    group = named_group(call)
    call.authorize("iam:GetGroup", group.arn)
    members = User.objects.filter(iam_groups=group).order_by("user_name", "pk")
    users, paging = page(call.params, members)
    for user in users:
        user.account = call.account
    return {"Group": shapes.group(group), "Users": [shapes.user(user) for user in users], **paging}


@action("iam", "ListGroups")
def list_groups(call: Call) -> dict:
    prefix = path_prefix(call)
    call.authorize("iam:ListGroups", call.account.arn("group/"))
    within = Group.objects.filter(account=call.account, path__startswith=prefix)
    groups, paging = page(call.params, within.order_by("name", "pk"))
    return {"Groups": group_shapes(call, groups), **paging}


@action("iam", "UpdateGroup")
def update_group(call: Call) -> None:
    """UpdateGroup: allowed on the group's ARN and on its new one, as the console's rename."""
    new_name, new_path = call.params.get("NewGroupName"), call.params.get("NewPath")
    if new_name is not None:
        validators.validate_name(new_name, "newGroupName", quotas.GROUP_NAME_MAX)
    if new_path is not None:
        validators.validate_path(new_path, "newPath")
    group = named_group(call)
    new_arn = call.account.arn(f"group{new_path or group.path}{new_name or group.name}")
    call.authorize_all([("iam:UpdateGroup", group.arn), ("iam:UpdateGroup", new_arn)])
    services.update_group(group, new_name=new_name, new_path=new_path)


@action("iam", "DeleteGroup")
def delete_group(call: Call) -> None:
    """DeleteGroup never cascades: ``DeleteConflict`` while members or policies remain."""
    group = named_group(call)
    call.authorize("iam:DeleteGroup", group.arn)
    services.delete_group(group, remove_dependents=False)


def _membership(call: Call, action_name: str) -> tuple[Group, User]:
    """The group and user of Add/RemoveUserFromGroup, once ``action_name`` is allowed on the
    group."""
    call.params.require("GroupName", "UserName")
    validators.validate_name(call.params.get("UserName"), "userName", EXISTING_NAME_MAX)
    group = named_group(call)
    call.authorize(action_name, group.arn)
    return group, services.get_user(call.account, call.params.get("UserName"))


@action("iam", "AddUserToGroup")
def add_user_to_group(call: Call) -> None:
    services.add_user_to_group(*_membership(call, "iam:AddUserToGroup"))


@action("iam", "RemoveUserFromGroup")
def remove_user_from_group(call: Call) -> None:
    services.remove_user_from_group(*_membership(call, "iam:RemoveUserFromGroup"))


@action("iam", "ListGroupsForUser")
def list_groups_for_user(call: Call) -> dict:
    user = named_user(call)
    call.authorize("iam:ListGroupsForUser", user.arn, on_user(user))
    groups, paging = page(call.params, Group.objects.filter(members=user).order_by("name", "pk"))
    return {"Groups": group_shapes(call, groups), **paging}
